/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness (kselftest_harness.h of Linux 6.1) for xtcp's C
 * tests, with xtcp_lib and what the harness of later kernels adds:
 * XL_HARNESS_MAIN instead of TEST_HARNESS_MAIN takes
 *
 *	-l		list the tests, one "fixture.test" a line, and exit
 *	-t name		include test "name"	-T name	exclude it
 *	-f name		include fixture "name"	-F name	exclude it
 *	-r fixture.test	include that test
 *
 * Filters apply in order and the first that matches a test decides; with
 * no including filter, every test not excluded runs (as in Linux 6.3's
 * harness). Each test file has one fixture, named after the file, so that
 * the harness's "fixture.test" is the test's name in the suite.
 *
 * $XTCP_TIMEOUT_SCALE (a whole number, default 1) multiplies every test's
 * timeout, for kernels that run everything many times slower (the debug
 * lane); the tests' own waits for the network are not scaled.
 */
#ifndef XTCP_HARNESS_H
#define XTCP_HARNESS_H

#include <ctype.h>
#include <getopt.h>
#include <limits.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_lib.h"

/* The row @l -> @r in @ns reaches state @st within @ms */
#define ASSERT_STATE(ns, l, r, st, ms) \
	ASSERT_EQ(0, xl_wait_state(ns, l, r, st, ms)) \
		TH_LOG("%s %s -> %s is %s, not %s", ns, l, r, \
		       xl_state_str(ns, l, r), st)

/* The row @l -> @r in @ns is gone within @ms */
#define ASSERT_GONE(ns, l, r, ms) \
	ASSERT_EQ(0, xl_wait_gone(ns, l, r, ms)) \
		TH_LOG("%s %s -> %s is still %s", ns, l, r, \
		       xl_state_str(ns, l, r))

/* The Linux TCP socket :@lp -> :@rp in @ns reaches @st within @ms */
#define ASSERT_TCP_STATE(ns, lp, rp, st, ms) \
	ASSERT_EQ(0, xl_wait_tcp_state(ns, lp, rp, st, ms)) \
		TH_LOG("TCP %s :%d -> :%d is in state %d, not %d (%s)", ns, \
		       lp, rp, xl_tcp_state(ns, lp, rp), st, #st)

/**
 * struct xl_counts - what a counter of /proc/net/xtcp/snmp should be
 * @name: the counter
 * @a: its value in XL_NS_A, or XL_ANY
 * @b: its value in XL_NS_B, or XL_ANY
 */
struct xl_counts {
	const char *name;
	long a;
	long b;
};

#define XL_ANY		LONG_MIN

/* EXPECT_COUNTS({ "CurrEstab", 1, 0 }, { "OutRsts", 0, XL_ANY }, ...) */
#define EXPECT_COUNTS(...) \
	xl_expect_counts(_metadata, __LINE__, \
			 (const struct xl_counts[]){ __VA_ARGS__, { NULL } })

static void __attribute__((unused))
xl_expect_counts(struct __test_metadata *_metadata, int line,
		 const struct xl_counts *c)
{
	const char *ns[2] = { XL_NS_A, XL_NS_B };
	long want;
	int i;

	for (; c->name; c++) {
		for (i = 0; i < 2; i++) {
			want = i ? c->b : c->a;
			if (want == XL_ANY)
				continue;
			EXPECT_EQ(want, xl_snmp(ns[i], c->name))
				TH_LOG("line %d: %s in %s", line, c->name,
				       ns[i]);
		}
	}
}

#define XL_HARNESS_OPTS "hlt:T:f:F:r:"

static void __attribute__((noreturn)) xl_harness_usage(const char *prog,
						       int status)
{
	fprintf(stderr,
		"usage: %s [-h|-l] [-t|-T|-f|-F|-r name]...\n"
		"  -l       list the tests (fixture.test)\n"
		"  -t name  include test     -T name  exclude test\n"
		"  -f name  include fixture  -F name  exclude fixture\n"
		"  -r name  include fixture.test\n"
		"The first filter that matches a test decides; with no including\n"
		"filter, every test that is not excluded runs.\n", prog);
	exit(status);
}

static bool xl_harness_enabled(int argc, char **argv,
			       struct __fixture_metadata *f,
			       struct __test_metadata *t)
{
	size_t flen = strlen(f->name);
	bool positive = false;
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, XL_HARNESS_OPTS)) != -1) {
		if (opt == 't' || opt == 'f' || opt == 'r')
			positive = true;
		switch (tolower(opt)) {
		case 't':
			if (!strcmp(t->name, optarg))
				return islower(opt);
			break;
		case 'f':
			if (!strcmp(f->name, optarg))
				return islower(opt);
			break;
		case 'r':
			if (!strncmp(optarg, f->name, flen) &&
			    optarg[flen] == '.' &&
			    !strcmp(optarg + flen + 1, t->name))
				return true;
			break;
		}
	}
	return !positive;
}

/* $XTCP_TIMEOUT_SCALE, or 1 */
static int xl_timeout_scale(void)
{
	const char *env = getenv("XTCP_TIMEOUT_SCALE");
	int scale = env ? atoi(env) : 1;

	return scale > 0 && scale <= 100 ? scale : 1;
}

/* Keep only the tests the filters in @argv enable; -l lists them. */
static void xl_harness_filter(int argc, char **argv)
{
	struct __fixture_metadata *f, *fnext, *ftail = NULL;
	struct __test_metadata *t, *next, *tail;
	bool list = false;
	int opt;

	while ((opt = getopt(argc, argv, XL_HARNESS_OPTS)) != -1) {
		if (opt == 'l')
			list = true;
		else if (opt == 'h' || opt == '?')
			xl_harness_usage(argv[0], opt == 'h' ? 0 : 2);
	}
	if (optind < argc)
		xl_harness_usage(argv[0], 2);

	for (f = __fixture_list; f; f = f->next) {
		tail = NULL;
		for (t = f->tests; t; t = next) {
			next = t->next;
			if (!xl_harness_enabled(argc, argv, f, t))
				continue;
			t->timeout *= xl_timeout_scale();
			if (list)
				printf("%s.%s\n", f->name, t->name);
			/* Relink: only the head's prev is circular. */
			t->next = NULL;
			t->prev = tail ?: t;
			if (tail)
				tail->next = t;
			else
				f->tests = t;
			tail = t;
		}
		if (tail)
			f->tests->prev = tail;
		else
			f->tests = NULL;
	}
	/* Keep the fixtures with tests left, so that the counts are right. */
	for (f = __fixture_list; f; f = fnext) {
		fnext = f->next;
		if (!f->tests)
			continue;
		f->next = NULL;
		f->prev = ftail ?: f;
		if (ftail)
			ftail->next = f;
		else
			__fixture_list = f;
		ftail = f;
	}
	if (ftail)
		__fixture_list->prev = ftail;
	if (list)
		exit(0);
}

#define XL_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		xl_harness_filter(argc, argv); \
		return test_harness_run(argc, argv); \
	}

#endif /* XTCP_HARNESS_H */
