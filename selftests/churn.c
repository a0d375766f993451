// SPDX-License-Identifier: GPL-2.0
/*
 * Nothing outlives the connections: after 1000 connections opened and
 * closed, CurrEstab is 0 and every TIME_WAIT entry expires; the module then
 * unloads and leaves no slab cache behind. Unloading is refused while user
 * sockets are open and succeeds with only TIME_WAIT entries left, and no
 * timer of theirs fires afterwards (the runner checks the kernel log).
 * Each test loads xtcp.ko again before it ends.
 *
 * xtcp-test: alone (unloads the module)
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

#include "xtcp_harness.h"

#define PORT		5000
#define CONNS		1000
#define CLIENT_PORT	20000
#define MSL_MS		1000
#define STATE_MS	5000
#define SLOW_MS		60000
#define REFCNT		"/sys/module/xtcp/refcnt"

static long refcnt(void)
{
	char buf[32];

	if (xl_read_file(NULL, REFCNT, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

static int wait_refcnt_zero(int timeout_ms)
{
	long long end = xl_now_ms() + timeout_ms;

	while (refcnt() != 0) {
		if (xl_now_ms() >= end)
			return -1;
		usleep(100000);
	}
	return 0;
}

/* Lines of /proc/slabinfo naming an xtcp cache; logged, counted */
static int module_slabs(struct __test_metadata *_metadata)
{
	static char buf[1 << 20];
	char *line, *save;
	int n = 0;

	if (xl_read_file(NULL, "/proc/slabinfo", buf, sizeof(buf)) < 0)
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

FIXTURE(churn) {
	int lfd;
};

FIXTURE_SETUP(churn)
{
	ASSERT_EQ(0, xl_module_load());
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", MSL_MS));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "msl_ms", MSL_MS));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 128, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(churn)
{
	if (self->lfd >= 0)
		close(self->lfd);
	xl_topo("clean");
	xl_module_load();
}

TEST_F_TIMEOUT(churn, thousand_connections_leave_nothing, 900)
{
	long long t0 = xl_now_ms();
	long tw_a, tw_b;
	int i, cli, srv;

	/*
	 * A 4-tuple of its own for each connection: a SYN reusing one that
	 * is in TIME_WAIT at the server would end that entry early (RFC
	 * 6191), and every entry here must expire.
	 */
	for (i = 0; i < CONNS; i++) {
		cli = xl_sock(XL_NS_A, 0);
		ASSERT_LE(0, cli);
		ASSERT_EQ(0, xl_bind(cli, XL_IP_A, CLIENT_PORT + i));
		ASSERT_EQ(0, xl_connect(cli, XL_IP_B, PORT))
			TH_LOG("connection %d: %s", i, strerror(errno));
		srv = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, srv) TH_LOG("connection %d: %s", i, strerror(errno));
		ASSERT_EQ(1, send(cli, "x", 1, MSG_NOSIGNAL));
		ASSERT_EQ(1, recv(srv, (char[1]){}, 1, 0));
		/* Alternate the side that closes first */
		ASSERT_EQ(0, close(i & 1 ? srv : cli));
		ASSERT_EQ(0, close(i & 1 ? cli : srv));
	}
	TH_LOG("%d connections in %lld ms", CONNS, xl_now_ms() - t0);
	ASSERT_EQ(0, close(self->lfd));
	self->lfd = -1;

	ASSERT_EQ(0, xl_wait_snmp_eq(XL_NS_A, "CurrEstab", 0, SLOW_MS));
	ASSERT_EQ(0, xl_wait_snmp_eq(XL_NS_B, "CurrEstab", 0, SLOW_MS));
	ASSERT_EQ(0, xl_wait_no_rows(XL_NS_A, SLOW_MS))
		TH_LOG("xa: %d rows left", xl_count_rows(XL_NS_A, NULL, NULL));
	ASSERT_EQ(0, xl_wait_no_rows(XL_NS_B, SLOW_MS))
		TH_LOG("xb: %d rows left", xl_count_rows(XL_NS_B, NULL, NULL));

	tw_a = xl_snmp(XL_NS_A, "TimeWaitEntered");
	tw_b = xl_snmp(XL_NS_B, "TimeWaitEntered");
	TH_LOG("TIME_WAIT entered: xa %ld, xb %ld", tw_a, tw_b);
	EXPECT_LE(CONNS, tw_a + tw_b);
	EXPECT_COUNTS({ "TimeWaitExpired", tw_a, tw_b },
		      { "ActiveOpens", CONNS, XL_ANY },
		      { "PassiveOpens", XL_ANY, CONNS },
		      { "EstabResets", 0, 0 },
		      { "OutRsts", 0, 0 });

	ASSERT_EQ(0, wait_refcnt_zero(SLOW_MS))
		TH_LOG("module refcnt %ld", refcnt());
	module_slabs(_metadata);
	ASSERT_EQ(0, xl_exec(NULL, NULL, "rmmod", "xtcp", NULL));
	EXPECT_FALSE(xl_module_loaded());
	/* Both caches are destroyed: nothing of theirs was still allocated */
	EXPECT_EQ(0, module_slabs(_metadata));
}

/* Unload while sockets exist: refused until the user sockets are closed */
TEST_F_TIMEOUT(churn, rmmod_refused_until_sockets_closed, 300)
{
	char local[XL_ADDRSTRLEN], remote[XL_ADDRSTRLEN];
	int cli, srv, cli2, srv2;
	long tw;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", 5000));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "msl_ms", 5000));

	/* One connection through TIME_WAIT at the client */
	cli2 = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli2);
	srv2 = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv2);
	ASSERT_NE(NULL, xl_local_str(cli2, local, sizeof(local)));
	ASSERT_NE(NULL, xl_peer_str(cli2, remote, sizeof(remote)));
	ASSERT_EQ(0, close(cli2));
	ASSERT_EQ(0, xl_wait_state(XL_NS_A, local, remote, "FIN_WAIT2",
				     STATE_MS));
	ASSERT_EQ(0, close(srv2));
	ASSERT_EQ(0, xl_wait_state(XL_NS_A, local, remote, "TIME_WAIT",
				     STATE_MS));
	ASSERT_EQ(0, xl_wait_gone(XL_NS_B, remote, local, STATE_MS));

	/* And an established pair, and the listener */
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	EXPECT_LT(0, refcnt());
	EXPECT_NE(0, xl_exec(NULL, NULL, "rmmod", "xtcp", NULL));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "xtcp", O_NONBLOCK));
	TH_LOG("delete_module with sockets open: %s", strerror(errno));
	EXPECT_TRUE(errno == EBUSY || errno == EWOULDBLOCK);
	ASSERT_TRUE(xl_module_loaded());
	EXPECT_LE(3, xl_count_rows(XL_NS_A, NULL, NULL) +
		     xl_count_rows(XL_NS_B, NULL, NULL));

	/* Closed gracefully: orphans finish, TIME_WAIT entries stay */
	ASSERT_EQ(0, close(cli));
	ASSERT_EQ(0, close(srv));
	ASSERT_EQ(0, close(self->lfd));
	self->lfd = -1;
	ASSERT_EQ(0, wait_refcnt_zero(SLOW_MS))
		TH_LOG("module refcnt %ld", refcnt());
	tw = xl_count_rows(XL_NS_A, NULL, "TIME_WAIT") +
	     xl_count_rows(XL_NS_B, NULL, "TIME_WAIT");
	TH_LOG("TIME_WAIT entries at rmmod: %ld", tw);
	ASSERT_LE(1, tw);
	ASSERT_EQ(0, xl_exec(NULL, NULL, "rmmod", "xtcp", NULL));
	EXPECT_FALSE(xl_module_loaded());
	EXPECT_EQ(-1, xl_count_rows(XL_NS_A, NULL, NULL));
	EXPECT_EQ(0, module_slabs(_metadata));

	/* Past every 2 MSL timer the entries had: nothing may fire now */
	sleep(2 * 5 + 2);
	ASSERT_EQ(0, xl_module_load());
	ASSERT_EQ(0, xl_count_rows(XL_NS_A, NULL, NULL));
	ASSERT_EQ(0, xl_count_rows(XL_NS_B, NULL, NULL));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xl_local_str(cli, local, sizeof(local)));
	EXPECT_EQ(0, xl_wait_state(XL_NS_A, local, remote, "ESTABLISHED",
				     STATE_MS));
	/* Fresh per-namespace state after the reload */
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "ActiveOpens"));
	close(cli);
	close(srv);
}

XL_HARNESS_MAIN
