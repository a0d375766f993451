// SPDX-License-Identifier: GPL-2.0
/*
 * Segments lost one at a time, picked by a tc filter on their IP length:
 * the retransmission timer resends them, and its RTT estimate follows
 * RFC 6298 (Karn's rule); a segment the local device refused is sent
 * again too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define WAIT_MS		20000
#define RTO_MIN_MS	3000
#define LOST_LEN	1000
#define SEG_HDRS	40

FIXTURE(rto) {
	struct xl_conn c;
};

FIXTURE_SETUP(rto)
{
	xl_pattern_init();
	self->c.cli = self->c.srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_min_ms", RTO_MIN_MS));
	/*
	 * Without timestamps: their echo would time retransmissions too
	 * (timestamps.c), and these tests are about the write queue's clock;
	 * A's segments then have SEG_HDRS bytes of headers.
	 */
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "timestamps", 0));
	ASSERT_EQ(0, xl_conn_pair(&self->c, PORT));
	ASSERT_EQ(0, xl_set_int(self->c.cli, SOL_XTCP, XTCP_NODELAY, 1));
}

FIXTURE_TEARDOWN(rto)
{
	xl_conn_close(&self->c);
	xl_topo("clean");
}

/* Send @len stream bytes from @x->done; 0 if all were taken. */
static int send_part(struct xl_xfer *x, size_t len)
{
	ssize_t n = send(x->fd, xl_stream_at(x->seed, x->done), len, 0);

	if (n != (ssize_t)len)
		return -1;
	x->done += n;
	return 0;
}

/* Receive exactly @len stream bytes into @rx; 0 if intact. */
static int recv_part(struct xl_xfer *rx, size_t len)
{
	unsigned char buf[4096];
	ssize_t n;

	if (len > sizeof(buf))
		return -1;
	n = recv(rx->fd, buf, len, MSG_WAITALL);
	if (n != (ssize_t)len || !xl_check_stream(rx, buf, n))
		return -1;
	return 0;
}

static int wait_all_acked(int fd)
{
	long long end = xl_now_ms() + WAIT_MS;
	struct xtcp_info info;

	while (xl_now_ms() < end) {
		if (xl_get_info(fd, &info))
			return -1;
		if (!info.unacked)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* Ping-pong on the clean veth: RTT samples; returns XTCP_INFO after. */
static void warm_up(struct __test_metadata *_metadata, struct xl_xfer *tx,
		    struct xl_xfer *rx, struct xtcp_info *info)
{
	int i;

	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, send_part(tx, 100));
		ASSERT_EQ(0, recv_part(rx, 100));
	}
	ASSERT_EQ(0, wait_all_acked(tx->fd));
	ASSERT_EQ(0, xl_get_info(tx->fd, info));
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
TEST_F_TIMEOUT(rto, karn_no_sample_from_retransmission, 120)
{
	struct xl_xfer tx = { .fd = self->c.cli, .seed = 7, .total = ~0ULL };
	struct xl_xfer rx = { .fd = self->c.srv, .seed = 7, .total = ~0ULL };
	struct xtcp_info before, after;

	warm_up(_metadata, &tx, &rx, &before);
	ASSERT_EQ(0, xl_tc_drop_len(XL_NS_B, "xb0", XL_TC_INGRESS,
				    SEG_HDRS + LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, 200));
	ASSERT_EQ(0, send_part(&tx, 300));
	usleep(RTO_MIN_MS * 1000 / 4);
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "Timeouts"));

	ASSERT_EQ(0, recv_part(&rx, LOST_LEN + 500));
	ASSERT_EQ(0, wait_all_acked(self->c.cli));
	ASSERT_EQ(0, xl_get_info(self->c.cli, &after));
	TH_LOG("after: srtt %u us rttvar %u us rto %u us, retrans %u",
	       after.srtt_us, after.rttvar_us, after.rto_us,
	       after.total_retrans);
	xl_snmp_print(XL_NS_A);
	/* Recovered by the retransmission timer, not by fast retransmit. */
	ASSERT_EQ(1, xl_snmp(XL_NS_A, "Timeouts"));
	ASSERT_EQ(0, xl_snmp(XL_NS_A, "FastRetrans"));
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
TEST_F_TIMEOUT(rto, refused_segment_sent_again, 120)
{
	struct xl_xfer tx = { .fd = self->c.cli, .seed = 8, .total = ~0ULL };
	struct xl_xfer rx = { .fd = self->c.srv, .seed = 8, .total = ~0ULL };
	char local[XL_ADDRSTRLEN];
	struct xtcp_info info;
	struct xl_row row;

	warm_up(_metadata, &tx, &rx, &info);
	ASSERT_EQ(0, xl_tc_drop_len(XL_NS_A, "xa0", XL_TC_REFUSE,
				    SEG_HDRS + LOST_LEN));
	ASSERT_EQ(0, send_part(&tx, LOST_LEN));
	usleep(RTO_MIN_MS * 1000 / 4);
	ASSERT_NE(NULL, xl_local_str(self->c.cli, local, sizeof(local)));
	ASSERT_EQ(0, xl_find(XL_NS_A, local, XL_IP_B ":5000", &row));
	TH_LOG("while refused: tx_queue %ld timer %s %ld ms", row.tx_queue,
	       row.timer, row.expires_ms);
	EXPECT_EQ(LOST_LEN, row.tx_queue);
	EXPECT_STRNE("off", row.timer);
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));

	EXPECT_EQ(POLLIN, xl_poll(self->c.srv, POLLIN, WAIT_MS));
	ASSERT_EQ(0, xl_set_nonblock(self->c.srv, true));
	ASSERT_EQ(0, recv_part(&rx, LOST_LEN));
	ASSERT_EQ(0, wait_all_acked(self->c.cli));
}

XL_HARNESS_MAIN
