// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake on the wire, captured with a packet socket on xb0: TCP
 * segments bit for bit (RFC 9293 header, MSS option, checksum over the
 * pseudo-header with protocol 6) inside IPv4 packets of protocol 253.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define MAX_SEGS	16
#define VETH_MSS	1460

/* Segments to or from PORT captured on @fd within @timeout_ms, at most @max */
static int capture(int fd, struct xl_seg *segs, int max, int timeout_ms)
{
	long long end = xl_now_ms() + timeout_ms;
	int n = 0;

	while (n < max && xl_now_ms() < end) {
		if (xl_capture_next(fd, PORT, &segs[n], end - xl_now_ms()))
			n++;
	}
	return n;
}

FIXTURE(capture) {
	int pfd;
};

FIXTURE_SETUP(capture)
{
	self->pfd = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	/* Both ways on xb0, checksums final when the tap sees them */
	self->pfd = xl_capture_veth();
	ASSERT_LE(0, self->pfd);
}

FIXTURE_TEARDOWN(capture)
{
	close(self->pfd);
	xl_topo("clean");
}

TEST_F(capture, handshake_segments_are_tcp)
{
	struct xl_seg segs[MAX_SEGS], *syn = NULL, *synack = NULL, *ack = NULL;
	struct in_addr a, b;
	int lfd, cli, srv, cport, n, i;

	inet_pton(AF_INET, XL_IP_A, &a);
	inet_pton(AF_INET, XL_IP_B, &b);
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	cport = xl_local_port(cli);

	n = capture(self->pfd, segs, 3, 5000);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		uint8_t fl = segs[i].flags;

		TH_LOG("seg %d: %s flags 0x%02x seq %u ack %u mss %d", i,
		       segs[i].out ? "out" : "in", fl,
		       ntohl(segs[i].th.seq), ntohl(segs[i].th.ack_seq),
		       segs[i].mss);
		if (fl == TH_SYN && !syn)
			syn = &segs[i];
		else if (fl == (TH_SYN | TH_ACK) && !synack)
			synack = &segs[i];
		else if (fl == TH_ACK && !ack)
			ack = &segs[i];
	}
	ASSERT_NE(NULL, syn);
	ASSERT_NE(NULL, synack);
	ASSERT_NE(NULL, ack);
	/* Captured in order: SYN, SYN-ACK, ACK. */
	EXPECT_TRUE(syn < synack && synack < ack);

	for (i = 0; i < n; i++) {
		EXPECT_EQ(xl_ipproto(), segs[i].ip.protocol);
		EXPECT_TRUE(segs[i].ip_ok);
		EXPECT_TRUE(segs[i].csum_ok);
		EXPECT_EQ(0, segs[i].th.urg_ptr);
		EXPECT_NE(0, segs[i].th.window);
	}

	EXPECT_FALSE(syn->out);
	EXPECT_EQ(a.s_addr, syn->ip.saddr);
	EXPECT_EQ(b.s_addr, syn->ip.daddr);
	EXPECT_EQ(cport, ntohs(syn->th.source));
	EXPECT_EQ(PORT, ntohs(syn->th.dest));
	EXPECT_EQ(0U, ntohl(syn->th.ack_seq));
	EXPECT_EQ(VETH_MSS, syn->mss);

	EXPECT_TRUE(synack->out);
	EXPECT_EQ(b.s_addr, synack->ip.saddr);
	EXPECT_EQ(a.s_addr, synack->ip.daddr);
	EXPECT_EQ(PORT, ntohs(synack->th.source));
	EXPECT_EQ(cport, ntohs(synack->th.dest));
	EXPECT_EQ(ntohl(syn->th.seq) + 1, ntohl(synack->th.ack_seq));
	EXPECT_EQ(VETH_MSS, synack->mss);

	EXPECT_FALSE(ack->out);
	EXPECT_EQ(cport, ntohs(ack->th.source));
	EXPECT_EQ(PORT, ntohs(ack->th.dest));
	EXPECT_EQ(ntohl(syn->th.seq) + 1, ntohl(ack->th.seq));
	EXPECT_EQ(ntohl(synack->th.seq) + 1, ntohl(ack->th.ack_seq));
	EXPECT_EQ(0, ack->mss);

	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(capture, isn_differs_per_connection)
{
	struct xl_seg segs[MAX_SEGS];
	uint32_t isn[2] = {};
	int lfd, cli, srv, i, k, n;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	for (k = 0; k < 2; k++) {
		cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
		ASSERT_LE(0, cli);
		srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv);
		n = capture(self->pfd, segs, MAX_SEGS, 1000);
		for (i = 0; i < n; i++) {
			if (segs[i].flags == TH_SYN)
				isn[k] = ntohl(segs[i].th.seq);
		}
		close(cli);
		close(srv);
	}
	TH_LOG("ISNs %u %u", isn[0], isn[1]);
	EXPECT_NE(0U, isn[0]);
	EXPECT_NE(isn[0], isn[1]);
	close(lfd);
}

TEST_F(capture, rst_answers_syn_to_closed_port)
{
	struct xl_seg segs[MAX_SEGS], *rst = NULL;
	int cli, n, i;

	cli = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(-1, xl_connect(cli, XL_IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	n = capture(self->pfd, segs, 2, 5000);
	ASSERT_EQ(2, n);
	EXPECT_EQ(TH_SYN, segs[0].flags);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(segs[i].csum_ok);
		if (segs[i].out && (segs[i].flags & TH_RST))
			rst = &segs[i];
	}
	ASSERT_NE(NULL, rst);
	EXPECT_EQ(TH_RST | TH_ACK, rst->flags);
	EXPECT_EQ(0U, ntohl(rst->th.seq));
	EXPECT_EQ(ntohl(segs[0].th.seq) + 1, ntohl(rst->th.ack_seq));
	close(cli);
}

XL_HARNESS_MAIN
