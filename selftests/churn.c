// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing outlives the connections: after 1000 connections opened and
 * closed, CurrEstab is 0 and every TIME_WAIT entry expires; the module then
 * unloads and leaves no slab cache behind. Unloading is refused while user
 * sockets are open and succeeds with only TIME_WAIT entries left, and no
 * timer of theirs fires afterwards (the runner checks the kernel log).
 * Each test loads xtcp.ko again before it ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define CONNS		1000
#define CLIENT_PORT	20000
#define MSL_MS		1000
#define STATE_MS	5000
#define SLOW_MS		60000
#define REFCNT		"/sys/module/xtcp/refcnt"

static bool loaded(void)
{
	return !access("/sys/module/xtcp", F_OK);
}

static int load(void)
{
	if (loaded())
		return 0;
	return ns_run(NULL, "insmod '%s/xtcp.ko'", xtcp_top());
}

static long refcnt(void)
{
	char buf[32];

	if (ns_read_file(NULL, REFCNT, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int wait_refcnt_zero(int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (refcnt() != 0) {
		if (now_ms() >= end)
			return -1;
		usleep(100000);
	}
	return 0;
}

/* Rows of /proc/net/xtcp/sockets in @ns in @state (NULL: any) */
static int count_rows(const char *ns, const char *state)
{
	static struct xtcp_row rows[4 * CONNS];
	int i, n, count = 0;

	n = xtcp_rows(ns, rows, 4 * CONNS);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		count += !state || !strcmp(rows[i].state, state);
	return count;
}

static int wait_no_rows(const char *ns, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (count_rows(ns, NULL) != 0) {
		if (now_ms() >= end)
			return -1;
		usleep(200000);
	}
	return 0;
}

/* Lines of /proc/slabinfo naming an xtcp cache; logged, counted */
static int xtcp_slabs(struct __test_metadata *_metadata)
{
	static char buf[1 << 20];
	char *line, *save;
	int n = 0;

	if (ns_read_file(NULL, "/proc/slabinfo", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "xtcp_tw ", 8) && strncmp(line, "XTCP ", 5))
			continue;
		TH_LOG("slabinfo: %.60s", line);
		n++;
	}
	return n;
}

FIXTURE(veth) {
	int lfd;
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, load());
	ASSERT_EQ(0, xtcp_topo("veth"));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", MSL_MS));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "msl_ms", MSL_MS));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 128, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(veth)
{
	if (self->lfd >= 0)
		close(self->lfd);
	xtcp_topo("clean");
	load();
}

TEST_F_TIMEOUT(veth, thousand_then_unload, 900)
{
	long long t0 = now_ms();
	long tw_a, tw_b;
	int i, cli, srv;

	/*
	 * A 4-tuple of its own for each connection: a SYN reusing one that
	 * is in TIME_WAIT at the server would end that entry early (RFC
	 * 6191), and every entry here must expire.
	 */
	for (i = 0; i < CONNS; i++) {
		cli = xtcp_socket_in(NS_A, 0);
		ASSERT_LE(0, cli);
		ASSERT_EQ(0, xtcp_bind(cli, IP_A, CLIENT_PORT + i));
		ASSERT_EQ(0, xtcp_connect(cli, IP_B, PORT))
			TH_LOG("connection %d: %s", i, strerror(errno));
		srv = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, srv) TH_LOG("connection %d: %s", i, strerror(errno));
		ASSERT_EQ(1, send(cli, "x", 1, MSG_NOSIGNAL));
		ASSERT_EQ(1, recv(srv, (char[1]){}, 1, 0));
		/* Alternate the side that closes first */
		ASSERT_EQ(0, close(i & 1 ? srv : cli));
		ASSERT_EQ(0, close(i & 1 ? cli : srv));
	}
	TH_LOG("%d connections in %lld ms", CONNS, now_ms() - t0);
	ASSERT_EQ(0, close(self->lfd));
	self->lfd = -1;

	ASSERT_EQ(0, xtcp_wait_snmp_eq(NS_A, "CurrEstab", 0, SLOW_MS));
	ASSERT_EQ(0, xtcp_wait_snmp_eq(NS_B, "CurrEstab", 0, SLOW_MS));
	ASSERT_EQ(0, wait_no_rows(NS_A, SLOW_MS))
		TH_LOG("xa: %d rows left", count_rows(NS_A, NULL));
	ASSERT_EQ(0, wait_no_rows(NS_B, SLOW_MS))
		TH_LOG("xb: %d rows left", count_rows(NS_B, NULL));

	tw_a = xtcp_snmp(NS_A, "TimeWaitEntered");
	tw_b = xtcp_snmp(NS_B, "TimeWaitEntered");
	TH_LOG("TIME_WAIT entered: xa %ld, xb %ld", tw_a, tw_b);
	EXPECT_LE(CONNS, tw_a + tw_b);
	EXPECT_EQ(tw_a, xtcp_snmp(NS_A, "TimeWaitExpired"));
	EXPECT_EQ(tw_b, xtcp_snmp(NS_B, "TimeWaitExpired"));
	EXPECT_EQ(CONNS, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(CONNS, xtcp_snmp(NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "OutRsts"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "OutRsts"));

	ASSERT_EQ(0, wait_refcnt_zero(SLOW_MS))
		TH_LOG("module refcnt %ld", refcnt());
	xtcp_slabs(_metadata);
	ASSERT_EQ(0, ns_run(NULL, "rmmod xtcp"));
	EXPECT_FALSE(loaded());
	/* Both caches are destroyed: nothing of theirs was still allocated */
	EXPECT_EQ(0, xtcp_slabs(_metadata));
}

/* Unload while sockets exist: refused until the user sockets are closed */
TEST_F_TIMEOUT(veth, unload_with_sockets, 300)
{
	char local[XTCP_ADDRSTRLEN], remote[XTCP_ADDRSTRLEN];
	int cli, srv, cli2, srv2;
	long tw;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", 5000));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "msl_ms", 5000));

	/* One connection through TIME_WAIT at the client */
	cli2 = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli2);
	srv2 = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv2);
	ASSERT_NE(NULL, xtcp_local_str(cli2, local, sizeof(local)));
	ASSERT_NE(NULL, xtcp_peer_str(cli2, remote, sizeof(remote)));
	ASSERT_EQ(0, close(cli2));
	ASSERT_EQ(0, xtcp_wait_state(NS_A, local, remote, "FIN_WAIT2",
				     STATE_MS));
	ASSERT_EQ(0, close(srv2));
	ASSERT_EQ(0, xtcp_wait_state(NS_A, local, remote, "TIME_WAIT",
				     STATE_MS));
	ASSERT_EQ(0, xtcp_wait_gone(NS_B, remote, local, STATE_MS));

	/* And an established pair, and the listener */
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	EXPECT_LT(0, refcnt());
	EXPECT_NE(0, ns_run(NULL, "rmmod xtcp 2>/dev/null"));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "xtcp", O_NONBLOCK));
	TH_LOG("delete_module with sockets open: %s", strerror(errno));
	EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	ASSERT_TRUE(loaded());
	EXPECT_LE(3, count_rows(NS_A, NULL) + count_rows(NS_B, NULL));

	/* Closed gracefully: orphans finish, TIME_WAIT entries stay */
	ASSERT_EQ(0, close(cli));
	ASSERT_EQ(0, close(srv));
	ASSERT_EQ(0, close(self->lfd));
	self->lfd = -1;
	ASSERT_EQ(0, wait_refcnt_zero(SLOW_MS))
		TH_LOG("module refcnt %ld", refcnt());
	tw = count_rows(NS_A, "TIME_WAIT") + count_rows(NS_B, "TIME_WAIT");
	TH_LOG("TIME_WAIT entries at rmmod: %ld", tw);
	ASSERT_LE(1, tw);
	ASSERT_EQ(0, ns_run(NULL, "rmmod xtcp"));
	EXPECT_FALSE(loaded());
	EXPECT_EQ(-1, count_rows(NS_A, NULL));
	EXPECT_EQ(0, xtcp_slabs(_metadata));

	/* Past every 2 MSL timer the entries had: nothing may fire now */
	sleep(2 * 5 + 2);
	ASSERT_EQ(0, load());
	ASSERT_EQ(0, count_rows(NS_A, NULL));
	ASSERT_EQ(0, count_rows(NS_B, NULL));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xtcp_local_str(cli, local, sizeof(local)));
	EXPECT_EQ(0, xtcp_wait_state(NS_A, local, remote, "ESTABLISHED",
				     STATE_MS));
	/* Fresh per-namespace state after the reload */
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	close(cli);
	close(srv);
}

TEST_HARNESS_MAIN
