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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define MAX_SEGS	64
#define STATE_MS	5000
#define QUIET_MS	1000

FIXTURE(rst) {
	int pfd;
	int raw;
	int lfd;
	int cli;
	int srv;
	uint16_t cport;
	char local[XL_ADDRSTRLEN];
	char remote[XL_ADDRSTRLEN];
	uint32_t cli_snd_nxt;
	uint32_t cli_rcv_nxt;
};

/*
 * Segments of the connection captured until none has come for
 * @quiet_ms; at most @max.
 */
static int capture(FIXTURE_DATA(rst) *self, struct xl_seg *segs, int max,
		   int quiet_ms)
{
	int n = 0;

	while (n < max &&
	       xl_capture_next(self->pfd, self->cport, &segs[n], quiet_ms))
		n++;
	return n;
}

static void log_segs(struct __test_metadata *_metadata,
		     const struct xl_seg *segs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		TH_LOG("%s flags 0x%02x seq %u ack %u len %u%s",
		       segs[i].out ? "xb->xa" : "xa->xb", segs[i].flags,
		       segs[i].seq, segs[i].ack, segs[i].len,
		       segs[i].csum_ok ? "" : " BAD CHECKSUM");
}

/*
 * Move a line each way, then learn the client's snd_nxt and rcv_nxt from
 * its last segment: the client has then received and acknowledged all.
 */
static int sync_seqs(FIXTURE_DATA(rst) *self)
{
	struct xl_seg segs[MAX_SEGS];
	int i, n;

	if (xl_ping_pong(self->srv, self->cli, STATE_MS))
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
static int alive(FIXTURE_DATA(rst) *self)
{
	return xl_ping_pong(self->srv, self->cli, STATE_MS);
}

/* Fill in the checksum of the @len-byte segment in @buf, sent xb -> xa */
static void set_csum(uint8_t *buf, size_t len)
{
	struct in_addr a, b;
	uint16_t sum;

	inet_pton(AF_INET, XL_IP_A, &a);
	inet_pton(AF_INET, XL_IP_B, &b);
	buf[16] = buf[17] = 0;
	sum = ~xl_tcp_csum(b.s_addr, a.s_addr, buf, len);
	buf[16] = sum >> 8;
	buf[17] = sum & 0xff;
}

/*
 * Build a segment from the server's address and port to the client's,
 * in @buf (room for 64 bytes); returns its length (20).
 */
static size_t forge(FIXTURE_DATA(rst) *self, uint8_t *buf, uint32_t seq,
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
static int inject(FIXTURE_DATA(rst) *self, const uint8_t *buf, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	inet_pton(AF_INET, XL_IP_A, &to.sin_addr);
	return sendto(self->raw, buf, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -1;
}

static int forge_send(FIXTURE_DATA(rst) *self, uint32_t seq, uint32_t ack,
		      uint8_t flags)
{
	uint8_t buf[64];

	return inject(self, buf, forge(self, buf, seq, ack, flags));
}

FIXTURE_SETUP(rst)
{
	self->pfd = self->raw = self->lfd = self->cli = self->srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	self->pfd = xl_capture_veth();
	ASSERT_LE(0, self->pfd);
	self->raw = xl_socket_in(XL_NS_B, AF_INET, SOCK_RAW, xl_ipproto());
	ASSERT_LE(0, self->raw);

	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	self->cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	self->cport = xl_local_port(self->cli);
	ASSERT_NE(NULL, xl_local_str(self->cli, self->local,
				       sizeof(self->local)));
	ASSERT_NE(NULL, xl_peer_str(self->cli, self->remote,
				      sizeof(self->remote)));
	ASSERT_EQ(0, sync_seqs(self));
	TH_LOG("client %s: snd_nxt %u rcv_nxt %u", self->local,
	       self->cli_snd_nxt, self->cli_rcv_nxt);
}

FIXTURE_TEARDOWN(rst)
{
	xl_abort_close(self->cli);
	xl_abort_close(self->srv);
	xl_abort_close(self->lfd);
	if (self->raw >= 0)
		close(self->raw);
	if (self->pfd >= 0)
		close(self->pfd);
	xl_topo("clean");
}

TEST_F_TIMEOUT(rst, teardown_sequence_numbers, 60)
{
	uint32_t u = self->cli_snd_nxt, w = self->cli_rcv_nxt;
	struct xl_seg segs[MAX_SEGS];
	int n, i;

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(0, xl_wait_state(XL_NS_A, self->local, self->remote,
				     "FIN_WAIT2", STATE_MS));
	ASSERT_EQ(0, close(self->srv));
	self->srv = -1;
	ASSERT_EQ(0, xl_wait_state(XL_NS_A, self->local, self->remote,
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
static int client_answers(FIXTURE_DATA(rst) *self, struct xl_seg *answer)
{
	struct xl_seg segs[MAX_SEGS];
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
TEST_F_TIMEOUT(rst, rst_in_window_challenge_ack, 60)
{
	struct xl_seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 1,
				self->cli_snd_nxt, TH_RST | TH_ACK));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "ChallengeAcks", 1, STATE_MS));
	ASSERT_EQ(1, client_answers(self, &ack));
	EXPECT_EQ(TH_ACK, ack.flags);
	EXPECT_EQ(self->cli_snd_nxt, ack.seq);
	EXPECT_EQ(self->cli_rcv_nxt, ack.ack);
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "ChallengeAcks"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
}

/* A RST outside the window is dropped without an answer */
TEST_F_TIMEOUT(rst, rst_outside_window_ignored, 60)
{
	struct xl_seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 0x40000000,
				self->cli_snd_nxt, TH_RST | TH_ACK));
	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt - 1,
				self->cli_snd_nxt, TH_RST));
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "ChallengeAcks"));
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
}

/* A RST at exactly rcv_nxt resets the connection, unanswered */
TEST_F_TIMEOUT(rst, rst_at_rcv_nxt_resets, 60)
{
	struct xl_seg ack;
	char buf[8];

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt, 0, TH_RST));
	ASSERT_EQ(0, xl_wait_gone(XL_NS_A, self->local, self->remote,
				    STATE_MS));
	EXPECT_EQ(-1, recv(self->cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_COUNTS({ "EstabResets", 1, XL_ANY },
		      { "ChallengeAcks", 0, XL_ANY },
		      { "CurrEstab", 0, XL_ANY });
}

/* RFC 5961 4.2: a SYN on a synchronized connection -> challenge ACK */
TEST_F_TIMEOUT(rst, syn_in_window_challenge_ack, 60)
{
	struct xl_seg ack;

	ASSERT_EQ(0, forge_send(self, self->cli_rcv_nxt + 1, 0, TH_SYN));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "ChallengeAcks", 1, STATE_MS));
	ASSERT_EQ(1, client_answers(self, &ack));
	EXPECT_EQ(TH_ACK, ack.flags);
	EXPECT_EQ(self->cli_snd_nxt, ack.seq);
	EXPECT_EQ(self->cli_rcv_nxt, ack.ack);
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "EstabResets"));
}

/*
 * Malformed segments, each an exact RST that would reset the connection
 * if it were processed, are dropped and counted.
 */
TEST_F_TIMEOUT(rst, malformed_segments_dropped, 60)
{
	long errs = xl_snmp(XL_NS_A, "InErrs");
	long csums = xl_snmp(XL_NS_A, "InCsumErrors");
	uint32_t seq = self->cli_rcv_nxt;
	struct xl_seg ack;
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

	EXPECT_EQ(0, xl_wait_snmp(XL_NS_A, "InErrs", errs + 5, STATE_MS));
	EXPECT_EQ(0, client_answers(self, &ack));
	EXPECT_EQ(errs + 5, xl_snmp(XL_NS_A, "InErrs"));
	EXPECT_EQ(csums + 1, xl_snmp(XL_NS_A, "InCsumErrors"));
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
}

XL_HARNESS_MAIN
