// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown and RST on the wire. A packet socket on xb0 captures what
 * crosses the link, and a raw IPv4 socket of protocol IPPROTO_XTCP in xb
 * forges segments from the server's address and port towards the client
 * in xa:
 *  - the four teardown segments carry the sequence numbers of RFC 9293
 *    3.6 (FIN seq=u; ACK ack=u+1; FIN seq=w ack=u+1; ACK seq=u+1 ack=w+1);
 *  - RFC 5961: a RST in the window but not at rcv_nxt, and a SYN in the
 *    window, get a challenge ACK and the connection lives on; a RST
 *    outside the window is ignored; only an exact RST resets;
 *  - malformed segments (short header, bad data offset, bad checksum)
 *    are dropped and counted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define MAX_SEGS	64
#define STATE_MS	5000
#define QUIET_MS	1000

/**
 * struct seg - one captured segment of the connection under test
 * @out: sent from xb (the server side, or forged there)
 * @seq: sequence number
 * @ack: acknowledgment number
 * @flags: the flags byte
 * @len: payload bytes
 * @csum_ok: the checksum verifies over the pseudo-header with protocol 6
 */
struct seg {
	bool out;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint32_t len;
	bool csum_ok;
};

FIXTURE(wire) {
	int pfd;
	int raw;
	int lfd;
	int cli;
	int srv;
	uint16_t cport;
	char local[XTCP_ADDRSTRLEN];
	char remote[XTCP_ADDRSTRLEN];
	uint32_t cli_snd_nxt;
	uint32_t cli_rcv_nxt;
};

/* Parse one captured IPv4 packet; 0 if it belongs to the connection */
static int parse(FIXTURE_DATA(wire) *self, const uint8_t *pkt, size_t len,
		 struct seg *s)
{
	struct iphdr ip;
	struct tcphdr th;
	size_t ihl, tot, doff;

	if (len < sizeof(ip))
		return -1;
	memcpy(&ip, pkt, sizeof(ip));
	ihl = ip.ihl * 4;
	tot = ntohs(ip.tot_len);
	if (ip.version != 4 || ip.protocol != xtcp_ipproto() || ihl < 20 ||
	    tot > len || tot < ihl + sizeof(th))
		return -1;
	memcpy(&th, pkt + ihl, sizeof(th));
	doff = th.doff * 4;
	if (doff < sizeof(th) || ihl + doff > tot)
		return -1;
	if (!((ntohs(th.source) == PORT && ntohs(th.dest) == self->cport) ||
	      (ntohs(th.dest) == PORT && ntohs(th.source) == self->cport)))
		return -1;
	s->seq = ntohl(th.seq);
	s->ack = ntohl(th.ack_seq);
	s->flags = pkt[ihl + 13];
	s->len = tot - ihl - doff;
	s->csum_ok = xtcp_tcp_csum(ip.saddr, ip.daddr, pkt + ihl,
			      tot - ihl) == 0xffff;
	return 0;
}

/*
 * Segments of the connection captured until none has come for
 * @quiet_ms; at most @max.
 */
static int capture(FIXTURE_DATA(wire) *self, struct seg *segs, int max,
		   int quiet_ms)
{
	struct sockaddr_ll from;
	uint8_t pkt[2048];
	socklen_t alen;
	ssize_t len;
	int n = 0;

	while (n < max && poll_fd(self->pfd, POLLIN, quiet_ms) > 0) {
		alen = sizeof(from);
		len = recvfrom(self->pfd, pkt, sizeof(pkt), MSG_DONTWAIT,
			       (struct sockaddr *)&from, &alen);
		if (len <= 0 || from.sll_protocol != htons(ETH_P_IP))
			continue;
		if (parse(self, pkt, len, &segs[n]))
			continue;
		segs[n].out = from.sll_pkttype == PACKET_OUTGOING;
		n++;
	}
	return n;
}

static void log_segs(struct __test_metadata *_metadata,
		     const struct seg *segs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		TH_LOG("%s flags 0x%02x seq %u ack %u len %u%s",
		       segs[i].out ? "xb->xa" : "xa->xb", segs[i].flags,
		       segs[i].seq, segs[i].ack, segs[i].len,
		       segs[i].csum_ok ? "" : " BAD CHECKSUM");
}

static int exchange(int a, int b, const char *msg)
{
	size_t len = strlen(msg);
	char buf[32];
	struct timeval tv = { .tv_sec = STATE_MS / 1000 };

	setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(a, msg, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    recv(b, buf, sizeof(buf), MSG_WAITALL) < 0)
		return -1;
	return 0;
}

/*
 * Move a line each way, then learn the client's snd_nxt and rcv_nxt from
 * its last segment: the client has then received and acknowledged all.
 */
static int sync_seqs(FIXTURE_DATA(wire) *self)
{
	struct seg segs[MAX_SEGS];
	int i, n;

	if (exchange(self->srv, self->cli, "ping") ||
	    exchange(self->cli, self->srv, "pong"))
		return -1;
	n = capture(self, segs, MAX_SEGS, 500);
	for (i = n - 1; i >= 0; i--) {
		if (!segs[i].out) {
			self->cli_snd_nxt = segs[i].seq + segs[i].len;
			self->cli_rcv_nxt = segs[i].ack;
			return 0;
		}
	}
	return -1;
}

/* Both directions still carry data */
static int alive(FIXTURE_DATA(wire) *self)
{
	char buf[8];
	struct timeval tv = { .tv_sec = STATE_MS / 1000 };

	setsockopt(self->cli, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(self->srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(self->srv, "live", 4, MSG_NOSIGNAL) != 4 ||
	    recv(self->cli, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "live", 4) ||
	    send(self->cli, "well", 4, MSG_NOSIGNAL) != 4 ||
	    recv(self->srv, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "well", 4))
		return -1;
	return 0;
}

/* Fill in the checksum of the @len-byte segment in @buf, sent xb -> xa */
static void set_csum(uint8_t *buf, size_t len)
{
	struct in_addr a, b;
	uint16_t sum;

	inet_pton(AF_INET, IP_A, &a);
	inet_pton(AF_INET, IP_B, &b);
	buf[16] = buf[17] = 0;
	sum = ~xtcp_tcp_csum(b.s_addr, a.s_addr, buf, len);
	buf[16] = sum >> 8;
	buf[17] = sum & 0xff;
}

/*
 * Build a segment from the server's address and port to the client's,
 * in @buf (room for 64 bytes); returns its length (20).
 */
static size_t forge(FIXTURE_DATA(wire) *self, uint8_t *buf, uint32_t seq,
		    uint32_t ack, uint8_t flags)
{
	struct tcphdr th = {};

	th.source = htons(PORT);
	th.dest = htons(self->cport);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack);
	th.doff = 5;
	th.window = htons(1024);
	memset(buf, 0, 64);
	memcpy(buf, &th, sizeof(th));
	buf[13] = flags;
	set_csum(buf, sizeof(th));
	return sizeof(th);
}

/* Send @len bytes of @buf as the payload of an IPv4 packet from xb to xa */
static int inject(FIXTURE_DATA(wire) *self, const uint8_t *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	inet_pton(AF_INET, IP_A, &to.sin_addr);
	return sendto(self->raw, buf, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -1;
}

static int forge_send(FIXTURE_DATA(wire) *self, uint32_t seq, uint32_t ack,
		      uint8_t flags)
{
	uint8_t buf[64];

	return inject(self, buf, forge(self, buf, seq, ack, flags));
}

FIXTURE_SETUP(wire)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = {};

	self->pfd = self->raw = self->lfd = self->cli = self->srv = -1;
	ASSERT_EQ(0, xtcp_topo("veth"));
	/* Checksums are final when the tap sees outgoing packets */
	ASSERT_EQ(0, ns_run(NS_A, "ethtool -K xa0 tx off >/dev/null"));
	ASSERT_EQ(0, ns_run(NS_B, "ethtool -K xb0 tx off >/dev/null"));

	self->pfd = socket_in(NS_B, AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	ASSERT_LE(0, self->pfd);
	strcpy(ifr.ifr_name, "xb0");
	ASSERT_EQ(0, ioctl(self->pfd, SIOCGIFINDEX, &ifr));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifr.ifr_ifindex;
	ASSERT_EQ(0, bind(self->pfd, (struct sockaddr *)&sll, sizeof(sll)));
	self->raw = socket_in(NS_B, AF_INET, SOCK_RAW, xtcp_ipproto());
	ASSERT_LE(0, self->raw);

	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	self->cport = xtcp_local_port(self->cli);
	ASSERT_NE(NULL, xtcp_local_str(self->cli, self->local,
				       sizeof(self->local)));
	ASSERT_NE(NULL, xtcp_peer_str(self->cli, self->remote,
				      sizeof(self->remote)));
	ASSERT_EQ(0, sync_seqs(self));
	TH_LOG("client %s: snd_nxt %u rcv_nxt %u", self->local,
	       self->cli_snd_nxt, self->cli_rcv_nxt);
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

FIXTURE_TEARDOWN(wire)
{
	abort_close(self->cli);
	abort_close(self->srv);
	abort_close(self->lfd);
	if (self->raw >= 0)
		close(self->raw);
	if (self->pfd >= 0)
		close(self->pfd);
	xtcp_topo("clean");
}

static const char *state_now(const char *ns, const char *local,
			     const char *remote)
{
	static char state[16];

	if (xtcp_state(ns, local, remote, state, sizeof(state)))
		strcpy(state, "(none)");
	return state;
}

TEST_F_TIMEOUT(wire, four_way_teardown, 60)
{
	uint32_t u = self->cli_snd_nxt, w = self->cli_rcv_nxt;
	struct seg segs[MAX_SEGS];
	int n, i;

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(0, xtcp_wait_state(NS_A, self->local, self->remote,
				     "FIN_WAIT2", STATE_MS));
	ASSERT_EQ(0, close(self->srv));
	self->srv = -1;
	ASSERT_EQ(0, xtcp_wait_state(NS_A, self->local, self->remote,
				     "TIME_WAIT", STATE_MS));
	n = capture(self, segs, MAX_SEGS, QUIET_MS);
	log_segs(_metadata, segs, n);
	ASSERT_EQ(4, n);
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(segs[i].csum_ok);
		EXPECT_EQ(0U, segs[i].len);
	}

	/* xa: FIN, seq = u */
	EXPECT_FALSE(segs[0].out);
	EXPECT_EQ(TH_FIN | TH_ACK, segs[0].flags);
	EXPECT_EQ(u, segs[0].seq);
	EXPECT_EQ(w, segs[0].ack);
	/* xb: ACK, ack = u + 1 */
	EXPECT_TRUE(segs[1].out);
	EXPECT_EQ(TH_ACK, segs[1].flags);
	EXPECT_EQ(w, segs[1].seq);
	EXPECT_EQ(u + 1, segs[1].ack);
	/* xb: FIN, seq = w, ack = u + 1 */
	EXPECT_TRUE(segs[2].out);
	EXPECT_EQ(TH_FIN | TH_ACK, segs[2].flags);
	EXPECT_EQ(w, segs[2].seq);
	EXPECT_EQ(u + 1, segs[2].ack);
	/* xa: ACK, seq = u + 1, ack = w + 1 */
	EXPECT_FALSE(segs[3].out);
	EXPECT_EQ(TH_ACK, segs[3].flags);
	EXPECT_EQ(u + 1, segs[3].seq);
	EXPECT_EQ(w + 1, segs[3].ack);
}

/* Find the client's answer to a forged segment: its only segment */
static int client_answers(FIXTURE_DATA(wire) *self, struct seg *answer)
{
	struct seg segs[MAX_SEGS];
	int i, n, found = 0;

	n = capture(self, segs, MAX_SEGS, QUIET_MS);
	for (i = 0; i < n; i++) {
		if (!segs[i].out) {
			*answer = segs[i];
			found++;
		}
	}
	return found;
}

/* RFC 5961 3.2: RST in the window, not at rcv_nxt -> challenge ACK */
TEST_F_TIMEOUT(wire, rst_in_window_challenged, 60)
{
	struct seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 1,
				self->cli_snd_nxt, TH_RST | TH_ACK));
	ASSERT_EQ(0, xtcp_wait_snmp(NS_A, "ChallengeAcks", 1, STATE_MS));
	ASSERT_EQ(1, client_answers(self, &ack));
	EXPECT_EQ(TH_ACK, ack.flags);
	EXPECT_EQ(self->cli_snd_nxt, ack.seq);
	EXPECT_EQ(self->cli_rcv_nxt, ack.ack);
	EXPECT_STREQ("ESTABLISHED",
		     state_now(NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ChallengeAcks"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
}

/* A RST outside the window is dropped without an answer */
TEST_F_TIMEOUT(wire, rst_outside_window_ignored, 60)
{
	struct seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 0x40000000,
				self->cli_snd_nxt, TH_RST | TH_ACK));
	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt - 1,
				self->cli_snd_nxt, TH_RST));
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "ChallengeAcks"));
	EXPECT_STREQ("ESTABLISHED",
		     state_now(NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
}

/* A RST at exactly rcv_nxt resets the connection, unanswered */
TEST_F_TIMEOUT(wire, rst_exact_resets, 60)
{
	struct seg ack;
	char buf[8];

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt, 0, TH_RST));
	ASSERT_EQ(0, xtcp_wait_gone(NS_A, self->local, self->remote,
				    STATE_MS));
	EXPECT_EQ(-1, recv(self->cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "ChallengeAcks"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
}

/* RFC 5961 4.2: a SYN on a synchronized connection -> challenge ACK */
TEST_F_TIMEOUT(wire, syn_in_window_challenged, 60)
{
	struct seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 1, 0, TH_SYN));
	ASSERT_EQ(0, xtcp_wait_snmp(NS_A, "ChallengeAcks", 1, STATE_MS));
	ASSERT_EQ(1, client_answers(self, &ack));
	EXPECT_EQ(TH_ACK, ack.flags);
	EXPECT_EQ(self->cli_snd_nxt, ack.seq);
	EXPECT_EQ(self->cli_rcv_nxt, ack.ack);
	EXPECT_STREQ("ESTABLISHED",
		     state_now(NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "EstabResets"));
}

/*
 * Malformed segments, each an exact RST that would reset the connection
 * if it were processed, are dropped and counted.
 */
TEST_F_TIMEOUT(wire, malformed_dropped, 60)
{
	long errs = xtcp_snmp(NS_A, "InErrs");
	long csums = xtcp_snmp(NS_A, "InCsumErrors");
	uint32_t seq = self->cli_rcv_nxt;
	struct seg ack;
	uint8_t buf[64];
	size_t len;

	ASSERT_LE(0, errs);
	ASSERT_LE(0, csums);

	/* Bad checksum */
	len = forge(self, buf, seq, 0, TH_RST);
	buf[17] ^= 0x01;
	ASSERT_EQ(0, inject(self, buf, len));
	/* Data offset below 5 words (checksum valid over 20 bytes) */
	len = forge(self, buf, seq, 0, TH_RST);
	buf[12] = 4 << 4;
	set_csum(buf, len);
	ASSERT_EQ(0, inject(self, buf, len));
	/* Data offset beyond the segment */
	len = forge(self, buf, seq, 0, TH_RST);
	buf[12] = 15 << 4;
	set_csum(buf, len);
	ASSERT_EQ(0, inject(self, buf, len));
	/* Truncated header: 12 bytes */
	len = forge(self, buf, seq, 0, TH_RST);
	ASSERT_EQ(0, inject(self, buf, 12));
	/* No header at all */
	ASSERT_EQ(0, inject(self, buf, 0));

	EXPECT_EQ(0, xtcp_wait_snmp(NS_A, "InErrs", errs + 5, STATE_MS));
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_EQ(errs + 5, xtcp_snmp(NS_A, "InErrs"));
	EXPECT_EQ(csums + 1, xtcp_snmp(NS_A, "InCsumErrors"));
	EXPECT_STREQ("ESTABLISHED",
		     state_now(NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
}

TEST_HARNESS_MAIN
