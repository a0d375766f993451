// SPDX-License-Identifier: GPL-2.0
/*
 * Segments lost one at a time, picked by a tc filter on their IP length:
 * the retransmission timer resends them, and its RTT estimate follows
 * RFC 6298 (Karn's rule); a segment the local device refused is sent
 * again too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"
#include "xfer.h"

#define PORT		5000
#define WAIT_MS		20000
#define RTO_MIN_MS	1000
#define LOST_LEN	1000
#define SEG_HDRS	40

FIXTURE(veth) {
	int cli;
	int srv;
};

FIXTURE_SETUP(veth)
{
	int lfd, one = 1;

	pattern_init();
	ASSERT_EQ(0, xtcp_topo("veth"));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "rto_min_ms", RTO_MIN_MS));
	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	close(lfd);
	ASSERT_EQ(0, setsockopt(self->cli, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
}

FIXTURE_TEARDOWN(veth)
{
	close(self->cli);
	close(self->srv);
	xtcp_topo("clean");
}

/* Send @len stream bytes from @x->done; 0 if all were taken. */
static int send_part(struct xfer *x, size_t len)
{
	ssize_t n = send(x->fd, stream_at(x->seed, x->done), len, 0);

	if (n != (ssize_t)len)
		return -1;
	x->done += n;
	return 0;
}

/* Receive exactly @len stream bytes into @rx; 0 if intact. */
static int recv_part(struct xfer *rx, size_t len)
{
	unsigned char buf[4096];
	ssize_t n;

	if (len > sizeof(buf))
		return -1;
	n = recv(rx->fd, buf, len, MSG_WAITALL);
	if (n != (ssize_t)len || !check_stream(rx, buf, n))
		return -1;
	return 0;
}

static int wait_all_acked(int fd)
{
	long long end = now_ms() + WAIT_MS;
	struct xtcp_info info;

	while (now_ms() < end) {
		if (get_info(fd, &info))
			return -1;
		if (!info.unacked)
			return 0;
		usleep(20000);
	}
	return -1;
}

/*
 * Drop xtcp packets of IP length SEG_HDRS + @len on @dev of @ns, egress
 * or ingress (@dir), until undrop().
 */
static int drop_len(const char *ns, const char *dev, const char *dir, int len)
{
	return ns_run(ns, "tc qdisc add dev %s clsact && "
		      "tc filter add dev %s %s protocol ip u32 "
		      "match ip protocol %d 0xff match u16 %d 0xffff at 2 "
		      "action drop", dev, dev, dir, xtcp_ipproto(),
		      SEG_HDRS + len);
}

static int undrop(const char *ns, const char *dev)
{
	return ns_run(ns, "tc qdisc del dev %s clsact", dev);
}

/* Ping-pong on the clean veth: RTT samples; returns XTCP_INFO after. */
static void warm_up(struct __test_metadata *_metadata, struct xfer *tx,
		    struct xfer *rx, struct xtcp_info *info)
{
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, send_part(tx, 100));
		ASSERT_EQ(0, recv_part(rx, 100));
	}
	ASSERT_EQ(0, wait_all_acked(tx->fd));
	ASSERT_EQ(0, get_info(tx->fd, info));
	TH_LOG("warmed up: srtt %u us rttvar %u us rto %u us", info->srtt_us,
	       info->rttvar_us, info->rto_us);
	ASSERT_LT(0U, info->srtt_us);
}

/*
 * Karn's rule (RFC 6298 section 3): an ACK that covers a retransmitted
 * segment gives no RTT sample, even when it also covers segments sent only
 * once; Linux TCP drops the sample when FLAG_RETRANS_DATA_ACKED. The first
 * of three segments is lost on its way into xb; the two behind it arrive
 * out of order, too few for a fast retransmit, so the retransmission timer
 * resends it, after RTO_MIN_MS.
 */
TEST_F_TIMEOUT(veth, karn_ack_covering_retransmission, 120)
{
	struct xfer tx = { .fd = self->cli, .seed = 7, .total = ~0ULL };
	struct xfer rx = { .fd = self->srv, .seed = 7, .total = ~0ULL };
	struct xtcp_info before, after;

	warm_up(_metadata, &tx, &rx, &before);
	ASSERT_EQ(0, drop_len(NS_B, "xb0", "ingress", LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, 200));
	ASSERT_EQ(0, send_part(&tx, 300));
	usleep(RTO_MIN_MS * 1000 / 4);
	ASSERT_EQ(0, undrop(NS_B, "xb0"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "Timeouts"));

	ASSERT_EQ(0, recv_part(&rx, LOST_LEN + 500));
	ASSERT_EQ(0, wait_all_acked(self->cli));
	ASSERT_EQ(0, get_info(self->cli, &after));
	TH_LOG("after: srtt %u us rttvar %u us rto %u us, retrans %u",
	       after.srtt_us, after.rttvar_us, after.rto_us,
	       after.total_retrans);
	print_snmp(NS_A);
	/* Recovered by the retransmission timer, not by fast retransmit. */
	ASSERT_EQ(1, xtcp_snmp(NS_A, "Timeouts"));
	ASSERT_EQ(0, xtcp_snmp(NS_A, "FastRetrans"));
	/* That ACK gave no sample: SRTT and the RTO are still the veth's. */
	EXPECT_GT(before.srtt_us + 50000, after.srtt_us);
	EXPECT_EQ(before.rto_us, after.rto_us);
}

/*
 * A segment the local device refuses (here a tc drop on xa0's egress,
 * which ip_queue_xmit() reports as NET_XMIT_DROP) with nothing else in
 * flight is sent again later, as Linux TCP does from its probe timer
 * (tcp_check_probe_timer()); it does not wait for the next send().
 */
TEST_F_TIMEOUT(veth, refused_segment_is_sent_later, 120)
{
	struct xfer tx = { .fd = self->cli, .seed = 8, .total = ~0ULL };
	struct xfer rx = { .fd = self->srv, .seed = 8, .total = ~0ULL };
	char local[XTCP_ADDRSTRLEN];
	struct xtcp_info info;
	struct xtcp_row row;

	warm_up(_metadata, &tx, &rx, &info);
	ASSERT_EQ(0, drop_len(NS_A, "xa0", "egress", LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, LOST_LEN));
	usleep(RTO_MIN_MS * 1000 / 4);
	ASSERT_NE(NULL, xtcp_local_str(self->cli, local, sizeof(local)));
	ASSERT_EQ(0, xtcp_find(NS_A, local, IP_B ":5000", &row));
	TH_LOG("while refused: tx_queue %ld timer %s %ld ms", row.tx_queue,
	       row.timer, row.expires_ms);
	EXPECT_EQ(LOST_LEN, row.tx_queue);
	EXPECT_STRNE("off", row.timer);
	ASSERT_EQ(0, undrop(NS_A, "xa0"));

	EXPECT_EQ(POLLIN, poll_fd(self->srv, POLLIN, WAIT_MS));
	ASSERT_EQ(0, set_nonblock(self->srv, true));
	ASSERT_EQ(0, recv_part(&rx, LOST_LEN));
	ASSERT_EQ(0, wait_all_acked(self->cli));
}

TEST_HARNESS_MAIN
