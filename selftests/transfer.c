// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk data on a clean veth, checked byte for byte: 64 MB each way at once
 * on one connection, XTCP_INFO during a transfer, and XTCP_NODELAY and
 * XTCP_MAXSEG with the segment sizes seen on the wire.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"
#include "xfer.h"

#define PORT		5000
#define VETH_MSS	1460U
#define BACKLOG		8
#define DUPLEX_BYTES	(64ULL * MB)
#define WAIT_MS		20000

static int set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

static int get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int val;

	if (getsockopt(fd, level, name, &val, &len))
		return -1;
	return val;
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

TEST_F_TIMEOUT(veth, duplex_64mb, 300)
{
	struct xfer a_tx = { .seed = 1, .total = DUPLEX_BYTES };
	struct xfer b_tx = { .seed = 2, .total = DUPLEX_BYTES };
	struct xfer a_rx = { .seed = 2, .total = DUPLEX_BYTES };
	struct xfer b_rx = { .seed = 1, .total = DUPLEX_BYTES };
	struct xfer *x[] = { &a_tx, &a_rx, &b_tx, &b_rx };
	void *(*fn[])(void *) = { send_stream, recv_stream,
				  send_stream, recv_stream };
	struct xtcp_info ia, ib;
	pthread_t thr[4];
	long long start, ms;
	int i;

	ASSERT_EQ(0, connect_pair(self));
	a_tx.fd = a_rx.fd = self->cli;
	b_tx.fd = b_rx.fd = self->srv;

	start = now_ms();
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&thr[i], NULL, fn[i], x[i]));
	for (i = 0; i < 4; i++)
		pthread_join(thr[i], NULL);
	ms = now_ms() - start;
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

	EXPECT_EQ(0, wait_acked(self->cli, DUPLEX_BYTES, true, WAIT_MS));
	EXPECT_EQ(0, wait_acked(self->srv, DUPLEX_BYTES, true, WAIT_MS));
	ASSERT_EQ(0, get_info(self->cli, &ia));
	ASSERT_EQ(0, get_info(self->srv, &ib));
	TH_LOG("bytes_acked: xa %llu, xb %llu", ia.bytes_acked,
	       ib.bytes_acked);
	EXPECT_EQ(DUPLEX_BYTES, ia.bytes_received);
	EXPECT_EQ(DUPLEX_BYTES, ib.bytes_received);
	TH_LOG("xa: segs_out %llu segs_in %llu retrans %u; xb: segs_out %llu segs_in %llu retrans %u",
	       ia.segs_out, ia.segs_in, ia.total_retrans,
	       ib.segs_out, ib.segs_in, ib.total_retrans);
	print_snmp(NS_A);
	print_snmp(NS_B);
	EXPECT_LE(DUPLEX_BYTES / VETH_MSS, ia.segs_out);
	EXPECT_LE(DUPLEX_BYTES / VETH_MSS, ib.segs_out);
}

TEST_F_TIMEOUT(veth, info_during_transfer, 120)
{
	struct xfer tx = { .seed = 5, .total = 8 * MB, .keep_open = true };
	struct xfer rx = { .seed = 5, .total = 8 * MB };
	struct xtcp_info info, ri;
	unsigned int max_wnd = 0;
	pthread_t thr[2];
	int samples = 0;
	long long end;

	ASSERT_EQ(0, connect_pair(self));
	ASSERT_EQ(0, get_info(self->cli, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.state);
	EXPECT_EQ(0ULL, info.bytes_acked);
	EXPECT_EQ(0ULL, info.bytes_received);

	tx.fd = self->cli;
	rx.fd = self->srv;
	ASSERT_EQ(0, pthread_create(&thr[0], NULL, send_stream, &tx));
	ASSERT_EQ(0, pthread_create(&thr[1], NULL, recv_stream, &rx));
	while (tx.done < tx.total && !tx.err) {
		ASSERT_EQ(0, get_info(self->cli, &info));
		if (info.snd_wnd > max_wnd)
			max_wnd = info.snd_wnd;
		if (info.bytes_acked > MB && samples++ < 3) {
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
			EXPECT_GE(tx.done + CHUNK, info.bytes_acked);
		}
		usleep(20000);
	}
	pthread_join(thr[0], NULL);
	ASSERT_EQ(0, tx.err);
	EXPECT_LT(0, samples);
	/* Window scaling: the 64 KB of the bare header field is exceeded. */
	EXPECT_LT(65535U, max_wnd);

	/* Once the peer has read everything, all of it is acknowledged. */
	end = now_ms() + WAIT_MS;
	while (rx.done < tx.total && !rx.err && now_ms() < end)
		usleep(20000);
	ASSERT_EQ(tx.total, rx.done) TH_LOG("recv: %s at byte %llu",
					    strerror(rx.err), rx.done);
	EXPECT_EQ(0, wait_acked(self->cli, tx.total, false, WAIT_MS));
	ASSERT_EQ(0, get_info(self->cli, &info));
	ASSERT_EQ(0, get_info(self->srv, &ri));
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

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(thr[1], NULL);
	EXPECT_EQ(0, rx.err);
	EXPECT_TRUE(rx.eof);
}

TEST_F(veth, nodelay_get_set)
{
	int fd = xtcp_socket_in(NS_A, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, get_int(fd, SOL_XTCP, XTCP_NODELAY));
	EXPECT_EQ(0, set_int(fd, SOL_XTCP, XTCP_NODELAY, 1));
	EXPECT_EQ(1, get_int(fd, SOL_XTCP, XTCP_NODELAY));
	EXPECT_EQ(0, set_int(fd, SOL_XTCP, XTCP_NODELAY, 0));
	EXPECT_EQ(0, get_int(fd, SOL_XTCP, XTCP_NODELAY));
	/* As Linux TCP: MSS clamps below 88 bytes are refused. */
	EXPECT_EQ(-1, set_int(fd, SOL_XTCP, XTCP_MAXSEG, 10));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_int(fd, SOL_XTCP, XTCP_MAXSEG, 500));
	EXPECT_EQ(500, get_int(fd, SOL_XTCP, XTCP_MAXSEG));
	close(fd);
}

/* A packet socket on xb0 that sees the IPv4 packets arriving from xa. */
static int open_capture(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = {};
	int fd;

	fd = socket_in(NS_B, AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "xb0");
	sll.sll_protocol = htons(ETH_P_IP);
	if (set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, 32 * MB) ||
	    ioctl(fd, SIOCGIFINDEX, &ifr)) {
		close(fd);
		return -1;
	}
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
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
	unsigned char pkt[65536];
	struct iphdr ip;
	struct tcphdr th;
	ssize_t len;
	int payload;

	while ((len = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT)) > 0) {
		if ((size_t)len < sizeof(ip))
			continue;
		memcpy(&ip, pkt, sizeof(ip));
		if (ip.protocol != xtcp_ipproto() ||
		    (size_t)len < ip.ihl * 4U + sizeof(th))
			continue;
		memcpy(&th, pkt + ip.ihl * 4, sizeof(th));
		if (ntohs(th.dest) != PORT)
			continue;
		payload = ntohs(ip.tot_len) - ip.ihl * 4 - th.doff * 4;
		if (payload <= 0)
			continue;
		s->segs++;
		s->bytes += payload;
		if (payload > s->max)
			s->max = payload;
		if (payload == mss)
			s->full++;
	}
}

TEST_F_TIMEOUT(veth, maxseg_on_wire, 120)
{
	struct xfer tx = { .seed = 6, .total = MB };
	struct xfer rx = { .seed = 6, .total = MB };
	struct sizes sz = {};
	struct xtcp_info info;
	pthread_t thr;
	int pfd;

	pfd = open_capture();
	ASSERT_LE(0, pfd);
	self->cli = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->cli);
	ASSERT_EQ(0, set_int(self->cli, SOL_XTCP, XTCP_MAXSEG, 500));
	ASSERT_EQ(0, xtcp_connect(self->cli, IP_B, PORT));
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	ASSERT_EQ(0, get_info(self->cli, &info));
	TH_LOG("snd_mss %u rcv_mss %u", info.snd_mss, info.rcv_mss);
	EXPECT_GE(500U, info.snd_mss);
	EXPECT_LE(88U, info.snd_mss);
	EXPECT_GE(500, get_int(self->cli, SOL_XTCP, XTCP_MAXSEG));

	tx.fd = self->cli;
	rx.fd = self->srv;
	ASSERT_EQ(0, pthread_create(&thr, NULL, recv_stream, &rx));
	send_stream(&tx);
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

TEST_HARNESS_MAIN
