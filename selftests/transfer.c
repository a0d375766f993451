// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk data on a clean veth, checked byte for byte: 64 MB each way at once
 * on one connection, XTCP_INFO during a transfer, and XTCP_NODELAY and
 * XTCP_MAXSEG with the segment sizes seen on the wire.
 *
 * xtcp-test: long (starts early)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define VETH_MSS	1460U
#define BACKLOG		8
#define DUPLEX_BYTES	(64ULL * XL_MB)
#define WAIT_MS		20000

FIXTURE(transfer) {
	int lfd;
	struct xl_conn c;
};

FIXTURE_SETUP(transfer)
{
	xl_pattern_init();
	self->c.cli = self->c.srv = -1;
	self->lfd = xl_veth_listen(PORT, BACKLOG, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(transfer)
{
	xl_conn_close(&self->c);
	close(self->lfd);
	xl_topo("clean");
}

TEST_F_TIMEOUT(transfer, duplex_64mb_intact, 300)
{
	struct xl_xfer a_tx = { .seed = 1, .total = DUPLEX_BYTES };
	struct xl_xfer b_tx = { .seed = 2, .total = DUPLEX_BYTES };
	struct xl_xfer a_rx = { .seed = 2, .total = DUPLEX_BYTES };
	struct xl_xfer b_rx = { .seed = 1, .total = DUPLEX_BYTES };
	struct xl_xfer *x[] = { &a_tx, &a_rx, &b_tx, &b_rx };
	void *(*fn[])(void *) = { xl_send_stream, xl_recv_stream,
				  xl_send_stream, xl_recv_stream };
	struct xtcp_info ia, ib;
	pthread_t thr[4];
	long long start, ms;
	int i;

	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	a_tx.fd = a_rx.fd = self->c.cli;
	b_tx.fd = b_rx.fd = self->c.srv;

	start = xl_now_ms();
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&thr[i], NULL, fn[i], x[i]));
	for (i = 0; i < 4; i++)
		pthread_join(thr[i], NULL);
	ms = xl_now_ms() - start;
	TH_LOG("64 MB each way at once in %lld ms: %.2f MB/s each way",
	       ms, 64.0 * 1000 / (ms ? ms : 1));

	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, x[i]->err) TH_LOG("%s %d: %s at byte %llu",
					      i & 1 ? "receiver" : "sender",
					      i, strerror(x[i]->err),
					      x[i]->done);
		EXPECT_EQ(DUPLEX_BYTES, x[i]->done);
	}
	EXPECT_TRUE(a_rx.eof);
	EXPECT_TRUE(b_rx.eof);

	EXPECT_EQ(0, xl_wait_acked(self->c.cli, DUPLEX_BYTES, true, WAIT_MS));
	EXPECT_EQ(0, xl_wait_acked(self->c.srv, DUPLEX_BYTES, true, WAIT_MS));
	ASSERT_EQ(0, xl_get_info(self->c.cli, &ia));
	ASSERT_EQ(0, xl_get_info(self->c.srv, &ib));
	TH_LOG("bytes_acked: xa %llu, xb %llu", ia.bytes_acked,
	       ib.bytes_acked);
	EXPECT_EQ(DUPLEX_BYTES, ia.bytes_received);
	EXPECT_EQ(DUPLEX_BYTES, ib.bytes_received);
	TH_LOG("xa: segs_out %llu segs_in %llu retrans %u; xb: segs_out %llu segs_in %llu retrans %u",
	       ia.segs_out, ia.segs_in, ia.total_retrans,
	       ib.segs_out, ib.segs_in, ib.total_retrans);
	xl_snmp_print(XL_NS_A);
	xl_snmp_print(XL_NS_B);
	EXPECT_LE(DUPLEX_BYTES / VETH_MSS, ia.segs_out);
	EXPECT_LE(DUPLEX_BYTES / VETH_MSS, ib.segs_out);
}

TEST_F_TIMEOUT(transfer, xtcp_info_during_transfer, 120)
{
	struct xl_xfer tx = { .seed = 5, .total = 8 * XL_MB, .keep_open = true };
	struct xl_xfer rx = { .seed = 5, .total = 8 * XL_MB };
	struct xtcp_info info, ri;
	unsigned int max_wnd = 0;
	pthread_t thr[2];
	int samples = 0;
	long long end;

	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.state);
	EXPECT_EQ(0ULL, info.bytes_acked);
	EXPECT_EQ(0ULL, info.bytes_received);

	tx.fd = self->c.cli;
	rx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&thr[0], NULL, xl_send_stream, &tx));
	ASSERT_EQ(0, pthread_create(&thr[1], NULL, xl_recv_stream, &rx));
	while (tx.done < tx.total && !tx.err) {
		ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
		if (info.snd_wnd > max_wnd)
			max_wnd = info.snd_wnd;
		if (info.bytes_acked > XL_MB && samples++ < 3) {
			TH_LOG("rto %u srtt %u rttvar %u mss %u cwnd %u ssthresh %u snd_wnd %u unacked %u acked %llu",
			       info.rto_us, info.srtt_us, info.rttvar_us,
			       info.snd_mss, info.snd_cwnd, info.snd_ssthresh,
			       info.snd_wnd, info.unacked, info.bytes_acked);
			EXPECT_EQ(XTCP_ESTABLISHED, info.state);
			EXPECT_LT(0U, info.srtt_us);
			EXPECT_LE(200000U, info.rto_us);
			EXPECT_GE(120000000U, info.rto_us);
			EXPECT_LE(1U, info.snd_cwnd);
			EXPECT_LT(0U, info.snd_mss);
			EXPECT_GE(VETH_MSS, info.snd_mss);
			EXPECT_LT(0ULL, info.segs_out);
			EXPECT_LT(0ULL, info.segs_in);
			/* At most the send() in progress is acked beyond tx.done. */
			EXPECT_GE(tx.done + XL_CHUNK, info.bytes_acked);
		}
		usleep(20000);
	}
	pthread_join(thr[0], NULL);
	ASSERT_EQ(0, tx.err);
	EXPECT_LT(0, samples);
	/* Window scaling: the 64 KB of the bare header field is exceeded. */
	EXPECT_LT(65535U, max_wnd);

	/* Once the peer has read everything, all of it is acknowledged. */
	end = xl_now_ms() + WAIT_MS;
	while (rx.done < tx.total && !rx.err && xl_now_ms() < end)
		usleep(20000);
	ASSERT_EQ(tx.total, rx.done) TH_LOG("recv: %s at byte %llu",
					    strerror(rx.err), rx.done);
	EXPECT_EQ(0, xl_wait_acked(self->c.cli, tx.total, false, WAIT_MS));
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	ASSERT_EQ(0, xl_get_info(self->c.srv, &ri));
	EXPECT_EQ(tx.total, info.bytes_acked);
	EXPECT_EQ(0ULL, info.bytes_received);
	EXPECT_EQ(tx.total, ri.bytes_received);
	EXPECT_EQ(0ULL, ri.bytes_acked);
	EXPECT_EQ(0U, info.unacked);
	EXPECT_LE(tx.total / info.snd_mss, info.segs_out);
	EXPECT_LE(tx.total / info.snd_mss, ri.segs_in);
	EXPECT_LT(0U, info.snd_wscale);
	EXPECT_LT(0U, ri.rcv_wscale);
	EXPECT_EQ(info.snd_wscale, ri.rcv_wscale);

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	pthread_join(thr[1], NULL);
	EXPECT_EQ(0, rx.err);
	EXPECT_TRUE(rx.eof);
}

TEST_F(transfer, nodelay_and_maxseg_options)
{
	int fd = xl_sock(XL_NS_A, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, xl_get_int(fd, SOL_XTCP, XTCP_NODELAY));
	EXPECT_EQ(0, xl_set_int(fd, SOL_XTCP, XTCP_NODELAY, 1));
	EXPECT_EQ(1, xl_get_int(fd, SOL_XTCP, XTCP_NODELAY));
	EXPECT_EQ(0, xl_set_int(fd, SOL_XTCP, XTCP_NODELAY, 0));
	EXPECT_EQ(0, xl_get_int(fd, SOL_XTCP, XTCP_NODELAY));
	/* As Linux TCP: MSS clamps below 88 bytes are refused. */
	EXPECT_EQ(-1, xl_set_int(fd, SOL_XTCP, XTCP_MAXSEG, 10));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xl_set_int(fd, SOL_XTCP, XTCP_MAXSEG, 500));
	EXPECT_EQ(500, xl_get_int(fd, SOL_XTCP, XTCP_MAXSEG));
	close(fd);
}

/**
 * struct sizes - payload sizes of the captured xtcp segments from xa
 * @segs: data segments
 * @bytes: payload bytes
 * @max: largest payload
 * @full: segments of exactly the expected MSS
 */
struct sizes {
	int segs;
	unsigned long long bytes;
	int max;
	int full;
};

/* Drain @fd, counting payloads of segments to PORT; @mss is "full". */
static void count_payloads(int fd, int mss, struct sizes *s)
{
	struct xl_seg seg;

	while (xl_capture_next(fd, PORT, &seg, 0)) {
		if (ntohs(seg.th.dest) != PORT || !seg.len)
			continue;
		s->segs++;
		s->bytes += seg.len;
		if ((int)seg.len > s->max)
			s->max = seg.len;
		if ((int)seg.len == mss)
			s->full++;
	}
}

TEST_F_TIMEOUT(transfer, maxseg_bounds_segments_on_wire, 120)
{
	struct xl_xfer tx = { .seed = 6, .total = XL_MB };
	struct xl_xfer rx = { .seed = 6, .total = XL_MB };
	struct sizes sz = {};
	struct xtcp_info info;
	pthread_t thr;
	int pfd;

	/* What arrives at xb0 from xa */
	pfd = xl_capture_open(XL_NS_B, "xb0", false, 32 * XL_MB);
	ASSERT_LE(0, pfd);
	self->c.cli = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->c.cli);
	ASSERT_EQ(0, xl_set_int(self->c.cli, SOL_XTCP, XTCP_MAXSEG, 500));
	ASSERT_EQ(0, xl_connect(self->c.cli, XL_IP_B, PORT));
	self->c.srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->c.srv);
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	TH_LOG("snd_mss %u rcv_mss %u", info.snd_mss, info.rcv_mss);
	EXPECT_GE(500U, info.snd_mss);
	EXPECT_LE(88U, info.snd_mss);
	EXPECT_GE(500, xl_get_int(self->c.cli, SOL_XTCP, XTCP_MAXSEG));

	tx.fd = self->c.cli;
	rx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&thr, NULL, xl_recv_stream, &rx));
	xl_send_stream(&tx);
	pthread_join(thr, NULL);
	ASSERT_EQ(0, tx.err);
	ASSERT_EQ(0, rx.err);
	ASSERT_EQ(tx.total, rx.done);
	count_payloads(pfd, info.snd_mss, &sz);
	close(pfd);
	TH_LOG("%d data segments, %llu bytes, largest %d, %d of %u bytes",
	       sz.segs, sz.bytes, sz.max, sz.full, info.snd_mss);
	EXPECT_LE(tx.total, sz.bytes);
	EXPECT_GE(500, sz.max);
	EXPECT_LT(sz.segs / 2, sz.full);
}

XL_HARNESS_MAIN
