// SPDX-License-Identifier: GPL-2.0
/*
 * Load and unload the module again and again with connections in every
 * state between: each cycle loads xtcp.ko, holds connections in LISTEN,
 * SYN_SENT, SYN_RECV, ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT,
 * CLOSING, LAST_ACK and TIME_WAIT (closed peer windows and a dropped final
 * ACK keep them there), sees each state in /proc/net/xtcp/sockets, tears
 * everything down and unloads; the unload must succeed at once (within
 * UNLOAD_MS, the RCU grace period that frees closed sockets; TIME_WAIT
 * entries go with the module) and leave no slab cache behind. Run on the
 * debug kernel, every cycle is also checked for KASAN, lockdep, debug
 * objects and leak reports by the runner; each cycle is marked in the
 * kernel log, so a report names its cycle and a long run shows its
 * progress in build/vm-NAME.dmesg. XTCP_RELOAD_CYCLES sets the number of
 * cycles (default 20). Deleting the namespaces with every state in them
 * frees everything too.
 *
 * xtcp-test: alone (reloads the module)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SYNSENT_PORT	5008
#define SYNRECV_PORT	5009
/*
 * Closed sockets are freed after an RCU grace period; anything longer
 * means something still holds one
 */
#define UNLOAD_MS	2000
#define MAX_FDS		32
#define WAIT_MS		10000
#define SMALL_BUF	4096

static const char * const states_a[] = {
	"SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSING",
	"TIME_WAIT",
};
static const char * const states_b[] = {
	"LISTEN", "SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK",
	"FIN_WAIT2",
};

FIXTURE(reload) {
	int fds[MAX_FDS];
	int nfds;
};

/* The xtcp slab caches, as /sys/kernel/slab shows them */
static bool slabs_left(void)
{
	struct stat st;

	return !stat("/sys/kernel/slab/XTCP", &st) ||
	       !stat("/sys/kernel/slab/xtcp_tw", &st) ||
	       !stat("/sys/kernel/slab/xtcp_request", &st);
}

FIXTURE_SETUP(reload)
{
	self->nfds = 0;
	ASSERT_LE(0, xl_module_unload(60000));
	ASSERT_EQ(0, xl_module_load());
	ASSERT_EQ(0, xl_topo("veth"));
	/*
	 * SYNs to port 5008 are refused by xa0 (a connect stays in SYN_SENT,
	 * and nothing is left queued below IP holding its socket, as an
	 * unresolved neighbour's ARP queue would for seconds)
	 */
	ASSERT_EQ(0, xl_tc_drop(XL_NS_A, "xa0", XL_TC_REFUSE,
				"match u16 5008 0xffff at 22 match u8 0x02 0xff at 33"));
	/* The final ACK of a handshake with port 5009 never arrives */
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS,
				"match u16 5009 0xffff at 22 match u8 0x10 0xff at 33"));
}

FIXTURE_TEARDOWN(reload)
{
	while (self->nfds)
		xl_abort_close(self->fds[--self->nfds]);
	xl_tc_clear(XL_NS_A, "xa0");
	xl_tc_clear(XL_NS_B, "xb0");
	xl_topo("clean");
	xl_module_load();
}

static int keep(FIXTURE_DATA(reload) *self, int fd)
{
	if (fd >= 0 && self->nfds < MAX_FDS)
		self->fds[self->nfds++] = fd;
	return fd;
}

/* Send until the peer's window and our buffer are full */
static int fill(int fd)
{
	static char buf[SMALL_BUF];
	long long end = xl_now_ms() + WAIT_MS;

	if (xl_set_nonblock(fd, true))
		return -1;
	while (xl_now_ms() < end) {
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) >= 0)
			continue;
		if (errno != EAGAIN)
			return -1;
		usleep(100 * 1000);
		if (send(fd, buf, sizeof(buf), MSG_NOSIGNAL) < 0 && errno == EAGAIN)
			return 0;
	}
	return -1;
}

/* A connection with small buffers on both ends; @srv is accepted */
static int pair(FIXTURE_DATA(reload) *self, int lfd, int *cli, int *srv)
{
	*cli = keep(self, xl_sock(XL_NS_A, 0));
	if (*cli < 0 || xl_set_int(*cli, SOL_SOCKET, SO_SNDBUF, SMALL_BUF) ||
	    xl_set_int(*cli, SOL_SOCKET, SO_RCVBUF, SMALL_BUF) ||
	    xl_connect(*cli, XL_IP_B, PORT))
		return -1;
	*srv = keep(self, accept(lfd, NULL, NULL));
	if (*srv < 0 || xl_set_int(*srv, SOL_SOCKET, SO_SNDBUF, SMALL_BUF))
		return -1;
	return 0;
}

static bool has_states(const char *ns, const char * const *states, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (xl_count_rows(ns, NULL, states[i]) < 1)
			return false;
	}
	return true;
}

static const char *missing_state(const char *ns, const char * const *states,
				 int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (xl_count_rows(ns, NULL, states[i]) < 1)
			return states[i];
	}
	return NULL;
}

/* The server end of @cli, in XL_NS_B, reaches CLOSE_WAIT */
static int peer_close_wait(int cli)
{
	char local[XL_ADDRSTRLEN];

	if (!xl_local_str(cli, local, sizeof(local)))
		return -1;
	return xl_wait_state(XL_NS_B, XL_IP_B ":5000", local, "CLOSE_WAIT",
			     WAIT_MS);
}

/* One cycle's connections; NULL, or what went wrong */
static const char *every_state(FIXTURE_DATA(reload) *self)
{
	int lfd, lfd9, cli, srv, fd;

	lfd = keep(self, xl_sock(XL_NS_B, 0));
	if (lfd < 0 || xl_set_int(lfd, SOL_SOCKET, SO_RCVBUF, SMALL_BUF) ||
	    xl_bind(lfd, XL_IP_B, PORT) || listen(lfd, 16))
		return "listen";
	lfd9 = keep(self, xl_listen_in(XL_NS_B, XL_IP_B, SYNRECV_PORT, 4, 0));
	if (lfd9 < 0)
		return "listen on 5009";
	if (keep(self, xl_connect_in(XL_NS_A, XL_IP_B, SYNSENT_PORT,
					SOCK_NONBLOCK)) < 0)
		return "connect (SYN_SENT)";
	if (keep(self, xl_connect_in(XL_NS_A, XL_IP_B, SYNRECV_PORT, 0)) < 0)
		return "connect (SYN_RECV)";
	if (pair(self, lfd, &cli, &srv))
		return "ESTABLISHED";

	/* FIN_WAIT2 and CLOSE_WAIT */
	if (pair(self, lfd, &cli, &srv) || shutdown(cli, SHUT_WR))
		return "FIN_WAIT2";
	/* TIME_WAIT: both close, the client first */
	if (pair(self, lfd, &cli, &srv) || shutdown(cli, SHUT_WR) ||
	    peer_close_wait(cli) || shutdown(srv, SHUT_WR))
		return "TIME_WAIT";
	/* FIN_WAIT1: our FIN waits behind data the peer has no room for */
	if (pair(self, lfd, &cli, &srv) || fill(cli) || shutdown(cli, SHUT_WR))
		return "FIN_WAIT1";
	/* LAST_ACK: the same from CLOSE_WAIT */
	if (pair(self, lfd, &cli, &srv) || shutdown(cli, SHUT_WR) ||
	    peer_close_wait(cli) || fill(srv) || shutdown(srv, SHUT_WR))
		return "LAST_ACK";
	/* CLOSING: our FIN waits behind data, the peer's FIN arrives */
	if (pair(self, lfd, &cli, &srv) || fill(cli) || shutdown(cli, SHUT_WR) ||
	    shutdown(srv, SHUT_WR))
		return "CLOSING";

	fd = 0;
	while (!has_states(XL_NS_A, states_a, ARRAY_SIZE(states_a)) ||
	       !has_states(XL_NS_B, states_b, ARRAY_SIZE(states_b))) {
		if (++fd > 100)
			return missing_state(XL_NS_A, states_a, ARRAY_SIZE(states_a)) ?:
			       missing_state(XL_NS_B, states_b, ARRAY_SIZE(states_b));
		usleep(50 * 1000);
	}
	return NULL;
}

TEST_F_TIMEOUT(reload, every_state_then_unload, 7200)
{
	const char *env = getenv("XTCP_RELOAD_CYCLES");
	int cycles = env ? atoi(env) : 20;
	int i, ms, max_ms = 0;
	const char *why;

	for (i = 1; i <= cycles; i++) {
		xl_kmsg("reload cycle %d of %d", i, cycles);
		ASSERT_EQ(0, xl_module_load());
		why = every_state(self);
		ASSERT_EQ(NULL, why)
			TH_LOG("cycle %d: %s", i, why);
		while (self->nfds)
			xl_abort_close(self->fds[--self->nfds]);
		ms = xl_module_unload(WAIT_MS);
		ASSERT_LE(0, ms)
			TH_LOG("cycle %d: rmmod refused for %d ms", i, WAIT_MS);
		EXPECT_GE(UNLOAD_MS * xl_timeout_scale(), ms)
			TH_LOG("cycle %d: rmmod refused for %d ms", i, ms);
		if (ms > max_ms)
			max_ms = ms;
		ASSERT_FALSE(slabs_left())
			TH_LOG("cycle %d: an xtcp slab cache is left", i);
	}
	TH_LOG("%d cycles; unload waited at most %d ms for closed sockets",
	       cycles, max_ms);
}

/*
 * The users close every connection of every state gracefully and the
 * namespaces are deleted: orphans (FIN_WAIT1, FIN_WAIT2, CLOSING,
 * LAST_ACK) keep their namespace alive until they end, TIME_WAIT entries
 * go when it goes, and the listener's requests with the listener. Then
 * nothing of xtcp is left: the module unloads and leaves no slab cache.
 * On the debug kernel, KASAN and the debug objects check that no timer
 * runs on memory a namespace freed.
 */
TEST_F_TIMEOUT(reload, every_state_then_namespaces_deleted, 600)
{
	static const struct {
		const char *name;
		long value;
	} fast[] = {
		{ "retries2", 3 }, { "rto_max_ms", 1000 },
		{ "fin_timeout_ms", 2000 }, { "synack_retries", 2 },
	};
	const char *why;
	unsigned int i;
	int ms;

	ASSERT_EQ(0, xl_module_load());
	why = every_state(self);
	ASSERT_EQ(NULL, why)
		TH_LOG("%s", why);
	/* The orphans end within seconds */
	for (i = 0; i < ARRAY_SIZE(fast); i++) {
		ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, fast[i].name, fast[i].value));
		ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, fast[i].name, fast[i].value));
	}
	while (self->nfds)
		close(self->fds[--self->nfds]);
	ASSERT_EQ(0, xl_topo("clean"));

	ms = xl_module_unload(120000 * xl_timeout_scale());
	ASSERT_LE(0, ms)
		TH_LOG("rmmod refused for 120 s after the namespaces went");
	TH_LOG("namespaces deleted; every socket gone and unloaded after %d ms",
	       ms);
	ASSERT_FALSE(slabs_left());
}

XL_HARNESS_MAIN
