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

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"
#include "xfer.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define BACKLOG		8
#define WAIT_MS		20000

/*
 * Fill the path with the non-blocking @x->fd until no byte has been taken
 * for @idle_ms; returns the errno of the last send (EAGAIN expected).
 */
static int fill_until_stuck(struct xfer *x, int idle_ms)
{
	ssize_t n;

	for (;;) {
		n = send(x->fd, stream_at(x->seed, x->done), CHUNK,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			x->done += n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			return n ? errno : EIO;
		if (!(poll_fd(x->fd, POLLOUT, idle_ms) & POLLOUT))
			return EAGAIN;
	}
}

FIXTURE(veth) {
	int lfd;
	int cli;
	int srv;
};

FIXTURE_SETUP(veth)
{
	pattern_init();
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, BACKLOG, 0);
	ASSERT_LE(0, self->lfd);
	self->cli = -1;
	self->srv = -1;
}

FIXTURE_TEARDOWN(veth)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	close(self->lfd);
	xtcp_topo("clean");
}

/* Connect xa to xb and accept: self->cli in xa, self->srv in xb. */
static int connect_pair(FIXTURE_DATA(veth) *self)
{
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	if (self->cli < 0)
		return -1;
	self->srv = accept(self->lfd, NULL, NULL);
	return self->srv < 0 ? -1 : 0;
}

/*
 * Stall the receiver: @cli (non-blocking, in xa) fills the path until the
 * window is closed; then the persist timer probes it.
 */
static void stall_receiver(struct __test_metadata *_metadata,
			   FIXTURE_DATA(veth) *self, struct xfer *tx)
{
	char local[XTCP_ADDRSTRLEN];
	struct xtcp_row row = {};
	struct xtcp_info info;
	long long end;

	ASSERT_EQ(0, set_nonblock(self->cli, true));
	tx->fd = self->cli;
	ASSERT_EQ(EAGAIN, fill_until_stuck(tx, 1000));
	TH_LOG("the sender took %llu bytes before blocking", tx->done);
	EXPECT_FALSE(poll_fd(self->cli, POLLOUT, 0) & POLLOUT);

	/* The receiver's advertised window reaches zero. */
	end = now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, get_info(self->cli, &info));
		if (!info.snd_wnd)
			break;
		usleep(50000);
	} while (now_ms() < end);
	EXPECT_EQ(0U, info.snd_wnd);
	EXPECT_LT(0U, info.rcv_wnd);

	/* The persist timer shows in /proc while data waits to be sent. */
	ASSERT_NE(NULL, xtcp_local_str(self->cli, local, sizeof(local)));
	end = now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, xtcp_find(NS_A, local, SRV, &row));
		if (!strcmp(row.timer, "persist"))
			break;
		usleep(20000);
	} while (now_ms() < end);
	EXPECT_STREQ("persist", row.timer);
	EXPECT_STREQ("ESTABLISHED", row.state);
	EXPECT_LT(0, row.tx_queue);
	TH_LOG("sender row: tx_queue %ld timer %s expires %ld ms",
	       row.tx_queue, row.timer, row.expires_ms);
	ASSERT_EQ(0, xtcp_find(NS_B, SRV, local, &row));
	EXPECT_LT(0, row.rx_queue);
	TH_LOG("receiver row: rx_queue %ld", row.rx_queue);
	print_info("sender", self->cli);
	print_info("receiver", self->srv);
	print_snmp(NS_A);
	print_snmp(NS_B);
}

/*
 * Read everything in a thread (@rx continuing from where it is) while the
 * rest is sent; check it all.
 */
static void resume_and_check(struct __test_metadata *_metadata,
			     FIXTURE_DATA(veth) *self, struct xfer *tx,
			     struct xfer *rx)
{
	struct xtcp_info info;
	pthread_t thr;

	tx->total = tx->done + 2 * MB;
	rx->fd = self->srv;
	rx->seed = tx->seed;
	rx->total = tx->total;
	ASSERT_EQ(0, pthread_create(&thr, NULL, recv_stream, rx));
	ASSERT_EQ(0, set_nonblock(self->cli, false));
	send_stream(tx);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, tx->err) TH_LOG("send: %s", strerror(tx->err));
	EXPECT_EQ(0, rx->err) TH_LOG("recv: %s at byte %llu",
				     strerror(rx->err), rx->done);
	EXPECT_EQ(tx->total, rx->done);
	EXPECT_TRUE(rx->eof);
	EXPECT_EQ(0, wait_acked(self->cli, tx->total, true, WAIT_MS));
	ASSERT_EQ(0, get_info(self->cli, &info));
	EXPECT_LT(0U, info.snd_wnd);
}

TEST_F_TIMEOUT(veth, zero_window, 120)
{
	struct xfer tx = { .seed = 3, .total = ~0ULL };
	struct xfer rx = {};
	long probes;

	ASSERT_EQ(0, connect_pair(self));
	stall_receiver(_metadata, self, &tx);
	probes = xtcp_snmp(NS_A, "ZeroWindowProbes");
	EXPECT_EQ(0, xtcp_wait_snmp(NS_A, "ZeroWindowProbes", probes + 3,
				    WAIT_MS));
	TH_LOG("ZeroWindowProbes %ld -> %ld", probes,
	       xtcp_snmp(NS_A, "ZeroWindowProbes"));
	resume_and_check(_metadata, self, &tx, &rx);
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AbortOnTimeout"));
}

/*
 * RFC 9293 3.8.6.1: the connection stays open as long as the receiver
 * answers the probes, however many there are; retries2 bounds only
 * unanswered ones.
 */
TEST_F_TIMEOUT(veth, zero_window_answered_probes, 120)
{
	struct xfer tx = { .seed = 4, .total = ~0ULL };
	struct xfer rx = {};
	char state[16] = "";
	char local[XTCP_ADDRSTRLEN];
	long probes;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "retries2", 2));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "rto_max_ms", 400));
	ASSERT_EQ(0, connect_pair(self));
	stall_receiver(_metadata, self, &tx);
	probes = xtcp_snmp(NS_A, "ZeroWindowProbes");
	EXPECT_EQ(0, xtcp_wait_snmp(NS_A, "ZeroWindowProbes", probes + 8,
				    WAIT_MS));
	ASSERT_NE(NULL, xtcp_local_str(self->cli, local, sizeof(local)));
	EXPECT_EQ(0, xtcp_state(NS_A, local, SRV, state, sizeof(state)));
	EXPECT_STREQ("ESTABLISHED", state);
	EXPECT_EQ(0, sock_error(self->cli));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AbortOnTimeout"));
	resume_and_check(_metadata, self, &tx, &rx);
}

/*
 * The backoff of the probes ends with the closed window, as in Linux
 * (tcp_ack_probe()): data sent once the window reopens is retransmitted
 * after one RTO, not after the backed-off probe interval. The path from
 * xa is cut when the window reopens, so that the data sent then is lost
 * and waits for its retransmission timer.
 */
TEST_F_TIMEOUT(veth, window_reopen_resets_backoff, 120)
{
	struct xfer tx = { .seed = 5, .total = ~0ULL };
	struct xfer rx = { .seed = 5, .total = ~0ULL };
	unsigned char *buf = malloc(CHUNK);
	char local[XTCP_ADDRSTRLEN];
	struct xtcp_info info;
	struct xtcp_row row;
	long long end;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, connect_pair(self));
	stall_receiver(_metadata, self, &tx);
	end = now_ms() + 30000;
	do {
		ASSERT_EQ(0, get_info(self->cli, &info));
		if (info.backoff >= 5)
			break;
		usleep(100000);
	} while (now_ms() < end);
	TH_LOG("probing: backoff %u rto %u us", info.backoff, info.rto_us);
	ASSERT_LE(5, info.backoff);

	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc add dev xa0 root netem loss 100%%"));
	rx.fd = self->srv;
	while ((n = recv(self->srv, buf, CHUNK, MSG_DONTWAIT)) > 0)
		ASSERT_TRUE(check_stream(&rx, buf, n));
	free(buf);
	end = now_ms() + WAIT_MS;
	do {
		ASSERT_EQ(0, get_info(self->cli, &info));
		if (info.snd_wnd && info.unacked)
			break;
		usleep(20000);
	} while (now_ms() < end);
	ASSERT_NE(NULL, xtcp_local_str(self->cli, local, sizeof(local)));
	ASSERT_EQ(0, xtcp_find(NS_A, local, SRV, &row));
	TH_LOG("window reopened: snd_wnd %u unacked %u backoff %u rto %u us; timer %s in %ld ms",
	       info.snd_wnd, info.unacked, info.backoff, info.rto_us,
	       row.timer, row.expires_ms);
	EXPECT_LT(0U, info.snd_wnd);
	EXPECT_LT(0U, info.unacked);
	EXPECT_EQ(0, info.backoff);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_GE(info.rto_us / 1000 + 200, row.expires_ms);

	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc del dev xa0 root"));
	resume_and_check(_metadata, self, &tx, &rx);
}

TEST_HARNESS_MAIN
