// SPDX-License-Identifier: GPL-2.0
/*
 * What a namespace keeps for connections its users are done with is
 * bounded, as Linux TCP bounds it:
 *  - TIME_WAIT entries by max_tw_buckets: past it a connection that would
 *    enter TIME_WAIT closes at once and TWOverflow counts it;
 *  - orphans (closed by the user, still tearing down) by max_orphans:
 *    past it close() resets the connection (AbortOnMemory); an orphan that
 *    ends frees its place;
 *  - an orphan whose data waits behind a window the peer keeps closed ends
 *    after its retries, though the peer answers every probe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define CONNS		6
#define LIMIT		3
#define WAIT_MS		10000

FIXTURE(limits) {
	struct xl_conn c[CONNS + 1];
	int lfd;
};

FIXTURE_SETUP(limits)
{
	int i;

	for (i = 0; i <= CONNS; i++)
		self->c[i].cli = self->c[i].srv = -1;
	self->lfd = xl_veth_listen(PORT, CONNS + 1, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(limits)
{
	int i;

	for (i = 0; i <= CONNS; i++)
		xl_conn_abort(&self->c[i]);
	xl_abort_close(self->lfd);
	xl_tc_clear(XL_NS_B, "xb0");
	xl_topo("clean");
}

TEST_F_TIMEOUT(limits, time_wait_bounded_by_max_tw_buckets, 120)
{
	int i;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "max_tw_buckets", LIMIT));
	for (i = 0; i < CONNS; i++) {
		ASSERT_EQ(0, xl_conn_open(&self->c[i], self->lfd, XL_IP_B, PORT));
		/* The client closes first: it is the end that waits */
		ASSERT_EQ(0, close(self->c[i].cli));
		self->c[i].cli = -1;
		ASSERT_EQ(0, xl_wait_state(XL_NS_B, self->c[i].remote,
					   self->c[i].local, "CLOSE_WAIT",
					   WAIT_MS));
		ASSERT_EQ(0, close(self->c[i].srv));
		self->c[i].srv = -1;
		ASSERT_EQ(0, xl_wait_gone(XL_NS_B, self->c[i].remote,
					  self->c[i].local, WAIT_MS));
	}
	EXPECT_EQ(LIMIT, xl_count_rows(XL_NS_A, NULL, "TIME_WAIT"));
	EXPECT_COUNTS({ "TimeWaitEntered", LIMIT, XL_ANY },
		      { "TWOverflow", CONNS - LIMIT, 0 });
	/* Without an entry the closed connections left nothing behind */
	EXPECT_EQ(LIMIT, xl_count_rows(XL_NS_A, NULL, NULL));
}

/*
 * Each client sends data that xb0 drops, then closes: its FIN waits
 * behind the data, an orphan in FIN_WAIT1. The first LIMIT stay; the
 * others are reset by close(). Once the data may pass and the servers
 * have read it and closed, the orphans end in TIME_WAIT, and a new
 * close() leaves an orphan again.
 */
TEST_F_TIMEOUT(limits, orphans_bounded_by_max_orphans, 120)
{
	char buf[4];
	int i;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "max_orphans", LIMIT));
	for (i = 0; i < CONNS; i++)
		ASSERT_EQ(0, xl_conn_open(&self->c[i], self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS,
				"match u16 5000 0xffff at 22"));
	for (i = 0; i < CONNS; i++) {
		ASSERT_EQ(0, xl_send_all(self->c[i].cli, "data", 4));
		ASSERT_EQ(0, close(self->c[i].cli));
		self->c[i].cli = -1;
	}
	EXPECT_EQ(LIMIT, xl_count_rows(XL_NS_A, NULL, "FIN_WAIT1"));
	EXPECT_COUNTS({ "AbortOnMemory", CONNS - LIMIT, 0 },
		      { "OutRsts", CONNS - LIMIT, XL_ANY });

	/* The orphans' data and FIN go through; the reset ones' RST did not */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
	for (i = 0; i < CONNS; i++) {
		if (i < LIMIT) {
			ASSERT_EQ(4, xl_recv_within(self->c[i].srv, buf, 4,
						    WAIT_MS));
			ASSERT_EQ(0, memcmp(buf, "data", 4));
			ASSERT_EQ(0, close(self->c[i].srv));
		} else {
			xl_abort_close(self->c[i].srv);
		}
		self->c[i].srv = -1;
	}
	for (i = 0; i < WAIT_MS / 100; i++) {
		if (!xl_count_rows(XL_NS_A, NULL, "FIN_WAIT1") &&
		    !xl_count_rows(XL_NS_A, NULL, "FIN_WAIT2") &&
		    !xl_count_rows(XL_NS_A, NULL, "CLOSING"))
			break;
		usleep(100 * 1000);
	}
	EXPECT_EQ(LIMIT, xl_count_rows(XL_NS_A, NULL, "TIME_WAIT"));

	/* The orphans that ended gave their places back */
	ASSERT_EQ(0, xl_conn_open(&self->c[CONNS], self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS,
				"match u16 5000 0xffff at 22"));
	ASSERT_EQ(0, xl_send_all(self->c[CONNS].cli, "data", 4));
	ASSERT_EQ(0, close(self->c[CONNS].cli));
	self->c[CONNS].cli = -1;
	EXPECT_EQ(1, xl_count_rows(XL_NS_A, NULL, "FIN_WAIT1"));
	EXPECT_EQ(CONNS - LIMIT, xl_snmp(XL_NS_A, "AbortOnMemory"));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
}

/*
 * The server never reads and its window closes; the client fills it,
 * queues more and closes. With retries2 3, the orphan's probes back off
 * 0.2, 0.4, 0.8 s...: it ends (AbortOnTimeout) though each probe is
 * answered with window 0.
 */
TEST_F_TIMEOUT(limits, orphan_behind_zero_window_ends, 120)
{
	char buf[4096] = {};
	long long start;
	int i;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "retries2", 3));
	/* A small window from the start: the listener's buffer is inherited */
	ASSERT_EQ(0, xl_set_int(self->lfd, SOL_SOCKET, SO_RCVBUF, 4096));
	ASSERT_EQ(0, xl_conn_open(&self->c[0], self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_set_nonblock(self->c[0].cli, true));
	for (i = 0; i < 256; i++) {
		if (send(self->c[0].cli, buf, sizeof(buf), MSG_NOSIGNAL) < 0) {
			ASSERT_EQ(EAGAIN, errno);
			usleep(50 * 1000);
		}
	}
	ASSERT_EQ(0, close(self->c[0].cli));
	self->c[0].cli = -1;
	ASSERT_EQ(1, xl_count_rows(XL_NS_A, NULL, "FIN_WAIT1"));
	start = xl_now_ms();
	while (xl_count_rows(XL_NS_A, NULL, "FIN_WAIT1") > 0 &&
	       xl_now_ms() - start < 60000)
		usleep(200 * 1000);
	TH_LOG("orphan ended after %lld ms, %ld zero-window probes",
	       xl_now_ms() - start, xl_snmp(XL_NS_A, "ZeroWindowProbes"));
	EXPECT_EQ(0, xl_count_rows(XL_NS_A, NULL, NULL));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AbortOnTimeout"));
	EXPECT_LE(3, xl_snmp(XL_NS_A, "ZeroWindowProbes"));
}

XL_HARNESS_MAIN
