// SPDX-License-Identifier: GPL-2.0
/*
 * A receiver that stops reading: the sender blocks, the advertised window
 * closes, the persist timer probes it (ZeroWindowProbes, "persist" in
 * /proc), and the transfer resumes intact once the receiver reads again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define BACKLOG		8
#define WAIT_MS		20000

/*
 * Fill the path with the non-blocking @x->fd until no byte has been taken
 * for @idle_ms; returns the errno of the last send (EAGAIN expected).
 */
static int fill_until_stuck(struct xl_xfer *x, int idle_ms)
{
	ssize_t n;

	for (;;) {
		n = send(x->fd, xl_stream_at(x->seed, x->done), XL_CHUNK,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			x->done += n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			return n ? errno : EIO;
		if (!(xl_poll(x->fd, POLLOUT, idle_ms) & POLLOUT))
			return EAGAIN;
	}
}

FIXTURE(zerowin) {
	int lfd;
	struct xl_conn c;
};

FIXTURE_SETUP(zerowin)
{
	xl_pattern_init();
	self->c.cli = self->c.srv = -1;
	self->lfd = xl_veth_listen(PORT, BACKLOG, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(zerowin)
{
	xl_conn_close(&self->c);
	close(self->lfd);
	xl_topo("clean");
}

/*
 * Stall the receiver: @cli (non-blocking, in xa) fills the path until the
 * window is closed; then the persist timer probes it.
 */
static void stall_receiver(struct __test_metadata *_metadata,
			   FIXTURE_DATA(zerowin) *self, struct xl_xfer *tx)
{
	char local[XL_ADDRSTRLEN];
	struct xl_row row = {};
	struct xtcp_info info;
	long long end;

	ASSERT_EQ(0, xl_set_nonblock(self->c.cli, true));
	tx->fd = self->c.cli;
	ASSERT_EQ(EAGAIN, fill_until_stuck(tx, 1000));
	TH_LOG("the sender took %llu bytes before blocking", tx->done);
	EXPECT_FALSE(xl_poll(self->c.cli, POLLOUT, 0) & POLLOUT);

	/* The receiver's advertised window reaches zero. */
	end = xl_now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
		if (!info.snd_wnd)
			break;
		usleep(50000);
	} while (xl_now_ms() < end);
	EXPECT_EQ(0U, info.snd_wnd);
	EXPECT_LT(0U, info.rcv_wnd);

	/* The persist timer shows in /proc while data waits to be sent. */
	ASSERT_NE(NULL, xl_local_str(self->c.cli, local, sizeof(local)));
	end = xl_now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, xl_find(XL_NS_A, local, SRV, &row));
		if (!strcmp(row.timer, "persist"))
			break;
		usleep(20000);
	} while (xl_now_ms() < end);
	EXPECT_STREQ("persist", row.timer);
	EXPECT_STREQ("ESTABLISHED", row.state);
	EXPECT_LT(0, row.tx_queue);
	TH_LOG("sender row: tx_queue %ld timer %s expires %ld ms",
	       row.tx_queue, row.timer, row.expires_ms);
	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, local, &row));
	EXPECT_LT(0, row.rx_queue);
	TH_LOG("receiver row: rx_queue %ld", row.rx_queue);
	xl_info_print("sender", self->c.cli);
	xl_info_print("receiver", self->c.srv);
	xl_snmp_print(XL_NS_A);
	xl_snmp_print(XL_NS_B);
}

/*
 * Read everything in a thread (@rx continuing from where it is) while the
 * rest is sent; check it all.
 */
static void resume_and_check(struct __test_metadata *_metadata,
			     FIXTURE_DATA(zerowin) *self, struct xl_xfer *tx,
			     struct xl_xfer *rx)
{
	struct xtcp_info info;
	pthread_t thr;

	tx->total = tx->done + 2 * XL_MB;
	rx->fd = self->c.srv;
	rx->seed = tx->seed;
	rx->total = tx->total;
	ASSERT_EQ(0, pthread_create(&thr, NULL, xl_recv_stream, rx));
	ASSERT_EQ(0, xl_set_nonblock(self->c.cli, false));
	xl_send_stream(tx);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, tx->err) TH_LOG("send: %s", strerror(tx->err));
	EXPECT_EQ(0, rx->err) TH_LOG("recv: %s at byte %llu",
				     strerror(rx->err), rx->done);
	EXPECT_EQ(tx->total, rx->done);
	EXPECT_TRUE(rx->eof);
	EXPECT_EQ(0, xl_wait_acked(self->c.cli, tx->total, true, WAIT_MS));
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	EXPECT_LT(0U, info.snd_wnd);
}

TEST_F_TIMEOUT(zerowin, zero_window_probed_then_resumes, 120)
{
	struct xl_xfer tx = { .seed = 3, .total = ~0ULL };
	struct xl_xfer rx = {};
	long probes;

	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	stall_receiver(_metadata, self, &tx);
	probes = xl_snmp(XL_NS_A, "ZeroWindowProbes");
	EXPECT_EQ(0, xl_wait_snmp(XL_NS_A, "ZeroWindowProbes", probes + 3,
				    WAIT_MS));
	TH_LOG("ZeroWindowProbes %ld -> %ld", probes,
	       xl_snmp(XL_NS_A, "ZeroWindowProbes"));
	resume_and_check(_metadata, self, &tx, &rx);
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "AbortOnTimeout"));
}

/*
 * RFC 9293 3.8.6.1: the connection stays open as long as the receiver
 * answers the probes, however many there are; retries2 bounds only
 * unanswered ones.
 */
TEST_F_TIMEOUT(zerowin, answered_probes_keep_connection, 120)
{
	struct xl_xfer tx = { .seed = 4, .total = ~0ULL };
	struct xl_xfer rx = {};
	char state[16] = "";
	char local[XL_ADDRSTRLEN];
	long probes;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "retries2", 2));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_max_ms", 400));
	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	stall_receiver(_metadata, self, &tx);
	probes = xl_snmp(XL_NS_A, "ZeroWindowProbes");
	EXPECT_EQ(0, xl_wait_snmp(XL_NS_A, "ZeroWindowProbes", probes + 8,
				    WAIT_MS));
	ASSERT_NE(NULL, xl_local_str(self->c.cli, local, sizeof(local)));
	EXPECT_EQ(0, xl_state(XL_NS_A, local, SRV, state, sizeof(state)));
	EXPECT_STREQ("ESTABLISHED", state);
	EXPECT_EQ(0, xl_sock_error(self->c.cli));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "AbortOnTimeout"));
	resume_and_check(_metadata, self, &tx, &rx);
}

/*
 * The backoff of the probes ends with the closed window, as in Linux
 * (tcp_ack_probe()): data sent once the window reopens is retransmitted
 * after one RTO, not after the backed-off probe interval. The path from
 * xa is cut when the window reopens, so that the data sent then is lost
 * and waits for its retransmission timer.
 */
TEST_F_TIMEOUT(zerowin, window_reopen_resets_backoff, 120)
{
	struct xl_xfer tx = { .seed = 5, .total = ~0ULL };
	struct xl_xfer rx = { .seed = 5, .total = ~0ULL };
	unsigned char *buf = malloc(XL_CHUNK);
	char local[XL_ADDRSTRLEN];
	struct xtcp_info info;
	struct xl_row row;
	long long end;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	stall_receiver(_metadata, self, &tx);
	end = xl_now_ms() + 30000;
	do {
		ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
		if (info.backoff >= 5)
			break;
		usleep(100000);
	} while (xl_now_ms() < end);
	TH_LOG("probing: backoff %u rto %u us", info.backoff, info.rto_us);
	ASSERT_LE(5, info.backoff);

	ASSERT_EQ(0, xl_netem(XL_NS_A, "xa0", "loss 100%"));
	rx.fd = self->c.srv;
	while ((n = recv(self->c.srv, buf, XL_CHUNK, MSG_DONTWAIT)) > 0)
		ASSERT_TRUE(xl_check_stream(&rx, buf, n));
	free(buf);
	end = xl_now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
		if (info.snd_wnd && info.unacked)
			break;
		usleep(20000);
	} while (xl_now_ms() < end);
	ASSERT_NE(NULL, xl_local_str(self->c.cli, local, sizeof(local)));
	ASSERT_EQ(0, xl_find(XL_NS_A, local, SRV, &row));
	TH_LOG("window reopened: snd_wnd %u unacked %u backoff %u rto %u us; timer %s in %ld ms",
	       info.snd_wnd, info.unacked, info.backoff, info.rto_us,
	       row.timer, row.expires_ms);
	EXPECT_LT(0U, info.snd_wnd);
	EXPECT_LT(0U, info.unacked);
	EXPECT_EQ(0, info.backoff);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_GE(info.rto_us / 1000 + 200, row.expires_ms);

	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	resume_and_check(_metadata, self, &tx, &rx);
}

XL_HARNESS_MAIN
