// SPDX-License-Identifier: GPL-2.0
/*
 * Connection teardown (RFC 9293 3.6, 3.10.4, 3.10.7): every state of the
 * four-way close, simultaneous close and TIME_WAIT seen in
 * /proc/net/xtcp/sockets while it lasts, with tc filters that drop chosen
 * segments to hold a state; half-close; abortive close and SO_LINGER;
 * receiving RST; closing a listener; the orphaned FIN_WAIT2 timeout. The
 * same life cycle against Linux TCP is in teardown_tcp.c.
 *
 * xtcp-test: long (starts early)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define BOUND_PORT	40000
#define STATE_MS	5000
#define SLOW_MS		30000
#define HALF_CLOSE_LEN	(10 << 20)

FIXTURE(teardown) {
	struct xl_fds fds;
	int lfd;
};

FIXTURE_SETUP(teardown)
{
	self->lfd = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	self->lfd = xl_fds_add(&self->fds,
			       xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0));
	ASSERT_LE(0, self->lfd);
}

/*
 * Let every connection the test left behind finish: lift the filters,
 * abort what is still open, and wait for orphans to go, so that nothing
 * outlives the test holding the module.
 */
FIXTURE_TEARDOWN(teardown)
{
	xl_tc_clear(XL_NS_A, "xa0");
	xl_tc_clear(XL_NS_B, "xb0");
	xl_fds_abort(&self->fds);
	xl_wait_only_timewait(XL_NS_A, SLOW_MS);
	xl_wait_only_timewait(XL_NS_B, SLOW_MS);
	xl_topo("clean");
}

/* Connect xa to xb's listener and accept; fills @c. */
static int open_conn(FIXTURE_DATA(teardown) *self, struct xl_conn *c)
{
	if (xl_conn_open(c, self->lfd, XL_IP_B, PORT))
		return -1;
	xl_fds_add(&self->fds, c->cli);
	xl_fds_add(&self->fds, c->srv);
	return 0;
}

/* Drop the segments whose flags byte is exactly @flags arriving at @dev */
static int drop_flags(const char *ns, const char *dev, int flags)
{
	return xl_tc_drop_flags(ns, dev, XL_TC_INGRESS, flags, 0xff);
}

TEST_F_TIMEOUT(teardown, active_close_states, 120)
{
	struct xl_row row;
	struct xl_conn c;
	char buf[16];

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "ESTABLISHED", STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "ESTABLISHED", STATE_MS);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "CurrEstab"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "CurrEstab"));

	/* Our FIN is acknowledged: FIN_WAIT2; the peer: CLOSE_WAIT */
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, xl_recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "CurrEstab"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "CurrEstab"));

	/* CLOSE_WAIT still sends; FIN_WAIT2 still receives */
	ASSERT_EQ(4, send(c.srv, "tail", 4, MSG_NOSIGNAL));
	ASSERT_EQ(4, xl_recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, memcmp(buf, "tail", 4));
	EXPECT_EQ(-1, send(c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	/* The peer closes: LAST_ACK, gone once acknowledged; TIME_WAIT here */
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_GONE(XL_NS_B, c.remote, c.local, STATE_MS);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_LT(0, row.expires_ms);
	EXPECT_EQ(0, xl_recv_within(c.cli, buf, sizeof(buf), STATE_MS));

	EXPECT_COUNTS({ "TimeWaitEntered", 1, 0 },
		      { "CurrEstab", 0, 0 },
		      { "EstabResets", 0, 0 },
		      { "OutRsts", 0, 0 });
}

/* The peer's ACK of our FIN is lost: FIN_WAIT1 holds, the FIN goes again */
TEST_F_TIMEOUT(teardown, fin_wait1_retransmits_fin, 120)
{
	struct xl_row row;
	struct xl_conn c;
	char buf[16];
	long retrans;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, drop_flags(XL_NS_A, "xa0", TH_ACK));
	retrans = xl_snmp(XL_NS_A, "RetransSegs");
	ASSERT_LE(0, retrans);

	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, xl_recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "RetransSegs", retrans + 2,
				    SLOW_MS));
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("FIN_WAIT1", row.state);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_LE(1, row.retransmits);
	TH_LOG("FIN_WAIT1: retransmits %ld, RetransSegs %ld -> %ld",
	       row.retransmits, retrans, xl_snmp(XL_NS_A, "RetransSegs"));

	/* The next copy of the FIN is acknowledged */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", SLOW_MS);
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

/* FIN and the ACK of our FIN in one segment: FIN_WAIT1 -> TIME_WAIT */
TEST_F_TIMEOUT(teardown, fin_ack_skips_fin_wait2, 60)
{
	struct xl_conn c;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, drop_flags(XL_NS_A, "xa0", TH_ACK));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT1", STATE_MS);

	/* The peer's FIN carries ack = our FIN + 1; pure ACKs stay dropped */
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_GONE(XL_NS_B, c.remote, c.local, STATE_MS);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "TimeWaitEntered"));
}

/*
 * Our last ACK is lost: the peer holds LAST_ACK and retransmits its FIN,
 * which TIME_WAIT acknowledges again, restarting its 2 MSL timer.
 */
TEST_F_TIMEOUT(teardown, last_ack_reacks_fin, 180)
{
	long retrans, out, left0, left1;
	long long t0, t1;
	struct xl_row row;
	struct xl_conn c;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", 10000));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);

	ASSERT_EQ(0, drop_flags(XL_NS_B, "xb0", TH_ACK));
	retrans = xl_snmp(XL_NS_B, "RetransSegs");
	out = xl_snmp(XL_NS_A, "OutSegs");
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	t0 = xl_now_ms();
	left0 = row.expires_ms;
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(20100, left0);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "LAST_ACK", STATE_MS);

	/* Two copies of the FIN, each answered from TIME_WAIT */
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "RetransSegs", retrans + 2, SLOW_MS));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "OutSegs", out + 3, STATE_MS))
		TH_LOG("OutSegs %ld -> %ld", out, xl_snmp(XL_NS_A, "OutSegs"));
	ASSERT_EQ(0, xl_find(XL_NS_B, c.remote, c.local, &row));
	EXPECT_STREQ("LAST_ACK", row.state);
	EXPECT_STREQ("retrans", row.timer);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", 0);

	/*
	 * A copy arriving 1.5 s or more later restarts the timer: without
	 * the restart, left1 would be at most left0 - 1500.
	 */
	while (xl_now_ms() < t0 + 1500)
		usleep(50000);
	retrans = xl_snmp(XL_NS_B, "RetransSegs");
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "RetransSegs", retrans + 1,
				    SLOW_MS));
	usleep(200000);
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	t1 = xl_now_ms();
	left1 = row.expires_ms;
	TH_LOG("TIME_WAIT left %ld ms, %lld ms later %ld ms", left0, t1 - t0,
	       left1);
	EXPECT_LT(left0 - 1000, left1);

	/* Let the next re-ACK through: LAST_ACK ends */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
	ASSERT_GONE(XL_NS_B, c.remote, c.local, SLOW_MS);
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "CurrEstab"));
}

/*
 * Both FINs cross (1.5 s each way): CLOSING on both ends, then TIME_WAIT.
 * The initial RTO is well above the handshake's round trip (3 s, and
 * more when the machine is loaded), so nothing is retransmitted.
 */
TEST_F_TIMEOUT(teardown, simultaneous_close_via_closing, 120)
{
	struct xl_conn c;
	char buf[16];

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_initial_ms", 20000));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "rto_initial_ms", 20000));
	ASSERT_EQ(0, xl_netem(XL_NS_A, "xa0", "delay 1500ms"));
	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 1500ms"));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "ESTABLISHED", STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "ESTABLISHED", STATE_MS);

	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_EQ(0, shutdown(c.srv, SHUT_WR));
	EXPECT_STREQ("FIN_WAIT1", xl_state_str(XL_NS_A, c.local, c.remote));
	EXPECT_STREQ("FIN_WAIT1", xl_state_str(XL_NS_B, c.remote, c.local));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "CLOSING", STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSING", STATE_MS);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", 2 * STATE_MS);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "TIME_WAIT", 2 * STATE_MS);
	EXPECT_EQ(0, xl_recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, xl_recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_COUNTS({ "TimeWaitEntered", 1, 1 }, { "RetransSegs", 0, 0 });
}

/* TIME_WAIT lasts 2 x msl_ms on its timer, then the entry is gone */
TEST_F_TIMEOUT(teardown, time_wait_lasts_2msl, 120)
{
	struct xl_row row;
	long long start, gone;
	struct xl_conn c;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", 2000));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	start = xl_now_ms();
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	TH_LOG("TIME_WAIT %lld ms after the peer's close: timer %s %ld ms",
	       xl_now_ms() - start, row.timer, row.expires_ms);
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(4100, row.expires_ms);
	EXPECT_LE(1500, row.expires_ms);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "TimeWaitExpired"));

	ASSERT_GONE(XL_NS_A, c.local, c.remote, SLOW_MS);
	gone = xl_now_ms() - start;
	TH_LOG("TIME_WAIT gone %lld ms after the peer's close", gone);
	EXPECT_LE(3500, gone);
	EXPECT_GE(15000, gone);
	EXPECT_EQ(0, xl_wait_snmp(XL_NS_A, "TimeWaitExpired", 1, STATE_MS));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "TimeWaitExpired"));
}

/* While TIME_WAIT lasts, its 4-tuple and (without SO_REUSEADDR) its port
 * cannot be taken again.
 */
TEST_F_TIMEOUT(teardown, time_wait_holds_tuple, 120)
{
	char local[XL_ADDRSTRLEN], remote[XL_ADDRSTRLEN];
	int cli, srv, fd;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", 2000));
	cli = xl_fds_add(&self->fds, xl_sock_reuseaddr(XL_NS_A, 0));
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, xl_bind(cli, XL_IP_A, BOUND_PORT));
	ASSERT_EQ(0, xl_connect(cli, XL_IP_B, PORT));
	srv = xl_fds_add(&self->fds, accept(self->lfd, NULL, NULL));
	ASSERT_LE(0, srv);
	snprintf(local, sizeof(local), "%s:%d", XL_IP_A, BOUND_PORT);
	snprintf(remote, sizeof(remote), "%s:%d", XL_IP_B, PORT);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_STATE(XL_NS_A, local, remote, "FIN_WAIT2", STATE_MS);
	ASSERT_EQ(0, xl_fds_close(&self->fds, srv));
	ASSERT_STATE(XL_NS_A, local, remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xl_fds_close(&self->fds, cli));
	ASSERT_STATE(XL_NS_A, local, remote, "TIME_WAIT", 0);

	fd = xl_fds_add(&self->fds, xl_sock(XL_NS_A, 0));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xl_bind(fd, XL_IP_A, BOUND_PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, xl_bind(fd, NULL, BOUND_PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	xl_fds_close(&self->fds, fd);

	/* SO_REUSEADDR on both: the port binds, the 4-tuple stays taken */
	fd = xl_fds_add(&self->fds, xl_sock_reuseaddr(XL_NS_A, 0));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xl_bind(fd, XL_IP_A, BOUND_PORT));
	EXPECT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	ASSERT_STATE(XL_NS_A, local, remote, "TIME_WAIT", 0);
	xl_fds_close(&self->fds, fd);

	/* After 2 MSL the 4-tuple is free */
	ASSERT_GONE(XL_NS_A, local, remote, SLOW_MS);
	fd = xl_fds_add(&self->fds, xl_sock(XL_NS_A, 0));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xl_bind(fd, XL_IP_A, BOUND_PORT));
	ASSERT_EQ(0, xl_connect(fd, XL_IP_B, PORT));
	srv = xl_fds_add(&self->fds, accept(self->lfd, NULL, NULL));
	ASSERT_LE(0, srv);
	ASSERT_STATE(XL_NS_A, local, remote, "ESTABLISHED", STATE_MS);
}

/* Thread: send the stream of @arg (struct xl_xfer), then close() */
static void *send_then_close(void *arg)
{
	struct xl_xfer *x = arg;

	xl_send_stream(x);
	if (close(x->fd) && !x->err)
		x->err = errno;
	return NULL;
}

/* Half-close: after SHUT_WR the client still receives 10 MB intact */
TEST_F_TIMEOUT(teardown, half_close_still_receives, 300)
{
	struct xl_xfer tx = { .seed = 1, .total = HALF_CLOSE_LEN,
			      .keep_open = true };
	struct xl_xfer rx = { .seed = 1, .total = HALF_CLOSE_LEN };
	unsigned char buf[16];
	pthread_t thread;
	struct xl_conn c;
	long long t;

	xl_pattern_init();
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	/* The server sees end of stream before any data moves */
	ASSERT_EQ(0, xl_recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	tx.fd = c.srv;
	rx.fd = c.cli;
	xl_fds_forget(&self->fds, c.srv);
	t = xl_now_ms();
	ASSERT_EQ(0, pthread_create(&thread, NULL, send_then_close, &tx));
	xl_set_timeo(c.cli, SO_RCVTIMEO, SLOW_MS);
	xl_recv_stream(&rx);
	EXPECT_EQ(0, rx.err) TH_LOG("recv: %s at byte %llu",
				    strerror(rx.err), rx.done);
	EXPECT_TRUE(rx.eof);
	TH_LOG("%llu bytes after SHUT_WR in %lld ms", rx.done,
	       xl_now_ms() - t);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, tx.err) TH_LOG("sender: %s", strerror(tx.err));
	EXPECT_EQ((unsigned long long)HALF_CLOSE_LEN, rx.done);
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

/* close() with unread data resets the connection (RFC 9293 3.10.4) */
TEST_F_TIMEOUT(teardown, close_with_unread_data_resets, 60)
{
	struct xl_row row;
	struct xl_conn c;
	char buf[128];

	ASSERT_EQ(0, open_conn(self, &c));
	memset(buf, 'u', sizeof(buf));
	ASSERT_EQ(100, send(c.cli, buf, 100, MSG_NOSIGNAL));
	ASSERT_EQ(0, xl_wait_rx_queue(XL_NS_B, c.remote, c.local, 100, &row,
				      STATE_MS));

	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_GONE(XL_NS_B, c.remote, c.local, 0);
	EXPECT_COUNTS({ "AbortOnClose", XL_ANY, 1 },
		      { "OutRsts", XL_ANY, 1 },
		      { "TimeWaitEntered", XL_ANY, 0 });

	EXPECT_EQ(-1, xl_recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(XL_NS_A, c.local, c.remote, STATE_MS);
	EXPECT_COUNTS({ "EstabResets", 1, XL_ANY }, { "CurrEstab", 0, 0 });
}

/* SO_LINGER {1, 0}: close() sends RST, no TIME_WAIT */
TEST_F_TIMEOUT(teardown, linger_zero_resets, 60)
{
	struct xl_conn c;
	char buf[16];

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, xl_set_linger(c.cli, 1, 0));
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.cli));
	ASSERT_GONE(XL_NS_A, c.local, c.remote, 0);
	EXPECT_COUNTS({ "TimeWaitEntered", 0, XL_ANY },
		      { "OutRsts", 1, XL_ANY },
		      { "AbortOnLinger", 1, XL_ANY });

	EXPECT_EQ(-1, xl_recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(XL_NS_B, c.remote, c.local, STATE_MS);
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "EstabResets"));
}

/*
 * SO_LINGER {1, 10} on a clean path with 300 ms between the peer and us:
 * close() waits for the ACK of our FIN, no longer.
 */
TEST_F_TIMEOUT(teardown, linger_returns_when_fin_acked, 60)
{
	static char data[65536];
	size_t got = 0;
	long long t;
	struct xl_conn c;
	ssize_t n;

	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 300ms"));
	ASSERT_EQ(0, open_conn(self, &c));
	memset(data, 'l', sizeof(data));
	ASSERT_EQ(0, xl_set_linger(c.cli, 1, 10));
	ASSERT_EQ(0, xl_send_all(c.cli, data, sizeof(data)));
	t = xl_now_ms();
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.cli));
	t = xl_now_ms() - t;
	TH_LOG("close() with SO_LINGER {1, 10} took %lld ms", t);
	EXPECT_LE(250, t);
	EXPECT_GT(5000, t);
	/* Everything, FIN included, was acknowledged before close returned */
	EXPECT_STREQ("FIN_WAIT2", xl_state_str(XL_NS_A, c.local, c.remote));

	xl_set_timeo(c.srv, SO_RCVTIMEO, STATE_MS);
	while ((n = recv(c.srv, data, sizeof(data), 0)) > 0)
		got += n;
	EXPECT_EQ(0, n);
	EXPECT_EQ(sizeof(data), got);
}

/* SO_LINGER {1, 2} when our FIN is never ACKed: close() waits ~2 s */
TEST_F_TIMEOUT(teardown, linger_times_out, 60)
{
	long long t;
	struct xl_conn c;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, drop_flags(XL_NS_A, "xa0", TH_ACK));
	ASSERT_EQ(0, xl_set_linger(c.cli, 1, 2));
	t = xl_now_ms();
	EXPECT_EQ(0, xl_fds_close(&self->fds, c.cli));
	t = xl_now_ms() - t;
	TH_LOG("close() with SO_LINGER {1, 2} took %lld ms", t);
	EXPECT_LE(1800, t);
	EXPECT_GT(10000, t);
	/* The orphan goes on with the teardown */
	EXPECT_STREQ("FIN_WAIT1", xl_state_str(XL_NS_A, c.local, c.remote));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", SLOW_MS);
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.srv));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

/* Reset the connection from the server side, wait until the client saw it */
static int peer_resets(FIXTURE_DATA(teardown) *self, struct xl_conn *c)
{
	if (xl_set_linger(c->srv, 1, 0) || xl_fds_close(&self->fds, c->srv))
		return -1;
	return xl_wait_gone(XL_NS_A, c->local, c->remote, STATE_MS);
}

/* After RST: ECONNRESET on the next recv, then EPIPE (and SIGPIPE) */
TEST_F_TIMEOUT(teardown, rst_then_recv_econnreset, 60)
{
	struct xl_conn c;
	char buf[16];

	ASSERT_NE(SIG_ERR, signal(SIGPIPE, count_sigpipe));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, peer_resets(self, &c));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "EstabResets"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "CurrEstab"));

	EXPECT_EQ(-1, recv(c.cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, send(c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
}

/* After RST, a send first reports ECONNRESET (no SIGPIPE), then EPIPE */
TEST_F_TIMEOUT(teardown, rst_then_send_econnreset, 60)
{
	struct xl_conn c;
	char buf[16];

	ASSERT_NE(SIG_ERR, signal(SIGPIPE, count_sigpipe));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, peer_resets(self, &c));

	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(0, recv(c.cli, buf, sizeof(buf), MSG_DONTWAIT));
}

/* Closing a listener resets what waits in its accept and SYN queues */
TEST_F_TIMEOUT(teardown, listener_close_resets_queues, 60)
{
	char l1[XL_ADDRSTRLEN], l2[XL_ADDRSTRLEN], remote[XL_ADDRSTRLEN];
	int c1, c2, rsts;
	char buf[16];

	snprintf(remote, sizeof(remote), "%s:%d", XL_IP_B, PORT);
	c1 = xl_fds_add(&self->fds, xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0));
	ASSERT_LE(0, c1);
	ASSERT_NE(NULL, xl_local_str(c1, l1, sizeof(l1)));
	ASSERT_STATE(XL_NS_B, remote, l1, "ESTABLISHED", STATE_MS);

	/* The client's ACK of the SYN-ACK is lost: SYN_RECV at the server */
	ASSERT_EQ(0, drop_flags(XL_NS_B, "xb0", TH_ACK));
	c2 = xl_fds_add(&self->fds, xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0));
	ASSERT_LE(0, c2);
	ASSERT_NE(NULL, xl_local_str(c2, l2, sizeof(l2)));
	ASSERT_STATE(XL_NS_B, remote, l2, "SYN_RECV", STATE_MS);
	ASSERT_STATE(XL_NS_A, l2, remote, "ESTABLISHED", STATE_MS);

	rsts = xl_snmp(XL_NS_B, "OutRsts");
	ASSERT_EQ(0, xl_fds_close(&self->fds, self->lfd));
	ASSERT_GONE(XL_NS_B, remote, l1, STATE_MS);
	ASSERT_GONE(XL_NS_B, remote, l2, STATE_MS);
	EXPECT_EQ(rsts + 2, xl_snmp(XL_NS_B, "OutRsts"));

	EXPECT_EQ(-1, xl_recv_within(c1, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, xl_recv_within(c2, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(XL_NS_A, l1, remote, STATE_MS);
	ASSERT_GONE(XL_NS_A, l2, remote, STATE_MS);
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "CurrEstab"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "CurrEstab"));
}

/* A closed socket whose peer never closes leaves FIN_WAIT2 after
 * fin_timeout_ms.
 */
TEST_F_TIMEOUT(teardown, orphan_fin_wait2_expires, 60)
{
	struct xl_row row;
	long long t;
	struct xl_conn c;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "fin_timeout_ms", 2000));
	ASSERT_EQ(0, open_conn(self, &c));
	t = xl_now_ms();
	ASSERT_EQ(0, xl_fds_close(&self->fds, c.cli));
	ASSERT_STATE(XL_NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_EQ(0, xl_find(XL_NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(2100, row.expires_ms);
	ASSERT_STATE(XL_NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);

	ASSERT_GONE(XL_NS_A, c.local, c.remote, SLOW_MS);
	t = xl_now_ms() - t;
	TH_LOG("orphaned FIN_WAIT2 gone %lld ms after close()", t);
	EXPECT_LE(1800, t);
	EXPECT_GT(15000, t);
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "TimeWaitEntered"));
	TH_LOG("peer after the timeout: %s",
	       xl_state_str(XL_NS_B, c.remote, c.local));
}

XL_HARNESS_MAIN
