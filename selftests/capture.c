// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake on the wire, captured with a packet socket on xb0: TCP
 * segments bit for bit (RFC 9293 header, MSS option, checksum over the
 * pseudo-header with protocol 6) inside IPv4 packets of protocol 253.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define MAX_SEGS	16
#define VETH_MSS	1460

/**
 * struct seg - one captured segment
 * @outgoing: sent by xb (PACKET_OUTGOING) rather than received
 * @ip: the IPv4 header
 * @th: the TCP header
 * @mss: value of the MSS option, 0 if absent
 * @ip_ok: the IPv4 header checksum verifies
 * @csum_ok: the TCP checksum verifies with pseudo-header protocol 6
 */
struct seg {
	bool outgoing;
	struct iphdr ip;
	struct tcphdr th;
	int mss;
	bool ip_ok;
	bool csum_ok;
};

static int mss_option(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			return (opt[i + 2] << 8) | opt[i + 3];
		i += opt[i + 1];
	}
	return 0;
}

/* Parse an IPv4 packet; 0 if it is an xtcp segment to or from @port. */
static int parse(const uint8_t *pkt, size_t len, int port, struct seg *s)
{
	size_t ihl, tot, doff;
	const uint8_t *tcp;

	if (len < sizeof(struct iphdr))
		return -1;
	memcpy(&s->ip, pkt, sizeof(s->ip));
	ihl = s->ip.ihl * 4;
	tot = ntohs(s->ip.tot_len);
	if (s->ip.version != 4 || s->ip.protocol != xtcp_ipproto() ||
	    ihl < 20 || tot > len || tot < ihl + sizeof(struct tcphdr))
		return -1;
	tcp = pkt + ihl;
	memcpy(&s->th, tcp, sizeof(s->th));
	if (ntohs(s->th.source) != port && ntohs(s->th.dest) != port)
		return -1;
	doff = s->th.doff * 4;
	if (doff < sizeof(struct tcphdr) || ihl + doff > tot)
		return -1;
	s->ip_ok = xtcp_csum_fold(xtcp_csum_add(0, pkt, ihl)) == 0xffff;
	s->csum_ok = xtcp_tcp_csum(s->ip.saddr, s->ip.daddr, tcp,
				   tot - ihl) == 0xffff;
	s->mss = mss_option(tcp + sizeof(struct tcphdr),
			    doff - sizeof(struct tcphdr));
	return 0;
}

/* Segments captured on @fd within @timeout_ms, at most @max. */
static int capture(int fd, int port, struct seg *segs, int max,
		   int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	struct sockaddr_ll from;
	socklen_t alen;
	uint8_t pkt[2048];
	int n = 0;
	ssize_t len;

	while (n < max && now_ms() < end) {
		if (poll_fd(fd, POLLIN, 100) <= 0)
			continue;
		alen = sizeof(from);
		len = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
			       (struct sockaddr *)&from, &alen);
		if (len <= 0)
			continue;
		if (from.sll_protocol != htons(ETH_P_IP))
			continue;
		memset(&segs[n], 0, sizeof(segs[n]));
		if (parse(pkt, len, port, &segs[n]))
			continue;
		segs[n].outgoing = from.sll_pkttype == PACKET_OUTGOING;
		n++;
	}
	return n;
}

static uint8_t flags_of(const struct tcphdr *th)
{
	return ((const uint8_t *)th)[13];
}

FIXTURE(veth) {
	int pfd;
};

FIXTURE_SETUP(veth)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = {};

	ASSERT_EQ(0, xtcp_topo("veth"));
	/* Checksums are filled in before the tap sees the packets. */
	ASSERT_EQ(0, ns_run(NS_A, "ethtool -K xa0 tx off >/dev/null"));
	ASSERT_EQ(0, ns_run(NS_B, "ethtool -K xb0 tx off >/dev/null"));

	/* Only ETH_P_ALL taps see outgoing packets too. */
	self->pfd = socket_in(NS_B, AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ASSERT_LE(0, self->pfd);
	strcpy(ifr.ifr_name, "xb0");
	ASSERT_EQ(0, ioctl(self->pfd, SIOCGIFINDEX, &ifr));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	ASSERT_EQ(0, bind(self->pfd, (struct sockaddr *)&sll, sizeof(sll)));
}

FIXTURE_TEARDOWN(veth)
{
	close(self->pfd);
	xtcp_topo("clean");
}

TEST_F(veth, three_way)
{
	struct seg segs[MAX_SEGS], *syn = NULL, *synack = NULL, *ack = NULL;
	struct in_addr a, b;
	int lfd, cli, srv, cport, n, i;

	inet_pton(AF_INET, IP_A, &a);
	inet_pton(AF_INET, IP_B, &b);
	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	cport = xtcp_local_port(cli);

	n = capture(self->pfd, PORT, segs, 3, 5000);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		uint8_t fl = flags_of(&segs[i].th);

		TH_LOG("seg %d: %s flags 0x%02x seq %u ack %u mss %d", i,
		       segs[i].outgoing ? "out" : "in", fl,
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
		EXPECT_EQ(xtcp_ipproto(), segs[i].ip.protocol);
		EXPECT_TRUE(segs[i].ip_ok);
		EXPECT_TRUE(segs[i].csum_ok);
		EXPECT_EQ(0, segs[i].th.urg_ptr);
		EXPECT_NE(0, segs[i].th.window);
	}

	EXPECT_FALSE(syn->outgoing);
	EXPECT_EQ(a.s_addr, syn->ip.saddr);
	EXPECT_EQ(b.s_addr, syn->ip.daddr);
	EXPECT_EQ(cport, ntohs(syn->th.source));
	EXPECT_EQ(PORT, ntohs(syn->th.dest));
	EXPECT_EQ(0U, ntohl(syn->th.ack_seq));
	EXPECT_EQ(VETH_MSS, syn->mss);

	EXPECT_TRUE(synack->outgoing);
	EXPECT_EQ(b.s_addr, synack->ip.saddr);
	EXPECT_EQ(a.s_addr, synack->ip.daddr);
	EXPECT_EQ(PORT, ntohs(synack->th.source));
	EXPECT_EQ(cport, ntohs(synack->th.dest));
	EXPECT_EQ(ntohl(syn->th.seq) + 1, ntohl(synack->th.ack_seq));
	EXPECT_EQ(VETH_MSS, synack->mss);

	EXPECT_FALSE(ack->outgoing);
	EXPECT_EQ(cport, ntohs(ack->th.source));
	EXPECT_EQ(PORT, ntohs(ack->th.dest));
	EXPECT_EQ(ntohl(syn->th.seq) + 1, ntohl(ack->th.seq));
	EXPECT_EQ(ntohl(synack->th.seq) + 1, ntohl(ack->th.ack_seq));
	EXPECT_EQ(0, ack->mss);

	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, isn_differs)
{
	struct seg segs[MAX_SEGS];
	uint32_t isn[2] = {};
	int lfd, cli, srv, i, k, n;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	for (k = 0; k < 2; k++) {
		cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
		ASSERT_LE(0, cli);
		srv = accept(lfd, NULL, NULL);
		ASSERT_LE(0, srv);
		n = capture(self->pfd, PORT, segs, MAX_SEGS, 1000);
		for (i = 0; i < n; i++) {
			if (flags_of(&segs[i].th) == TH_SYN)
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

TEST_F(veth, rst_for_no_socket)
{
	struct seg segs[MAX_SEGS], *rst = NULL;
	int cli, n, i;

	cli = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(-1, xtcp_connect(cli, IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	n = capture(self->pfd, PORT, segs, 2, 5000);
	ASSERT_EQ(2, n);
	EXPECT_EQ(TH_SYN, flags_of(&segs[0].th));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(segs[i].csum_ok);
		if (segs[i].outgoing && (flags_of(&segs[i].th) & TH_RST))
			rst = &segs[i];
	}
	ASSERT_NE(NULL, rst);
	EXPECT_EQ(TH_RST | TH_ACK, flags_of(&rst->th));
	EXPECT_EQ(0U, ntohl(rst->th.seq));
	EXPECT_EQ(ntohl(segs[0].th.seq) + 1, ntohl(rst->th.ack_seq));
	close(cli);
}

TEST_HARNESS_MAIN
