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
 *  - RFC 5961 5.2: data whose ACK field is above snd_nxt, or below
 *    snd_una by more than the peer's largest window, is never delivered:
 *    the segment is dropped, counted and answered with a challenge ACK;
 *  - a segment outside the receive window never changes the send window
 *    and does not keep a silent peer's connection alive (keepalive);
 *  - challenge ACKs are limited per socket (invalid_ratelimit) and per
 *    namespace (challenge_ack_limit, a random budget each second);
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
#include <linux/sockios.h>
#include <sys/ioctl.h>
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
 * Move a line each way, then learn the client's snd_nxt and rcv_nxt from
 * its last segment: the client has then received and acknowledged all.
 */
static int sync_seqs(FIXTURE_DATA(rst) *self)
{
	struct xl_seg segs[MAX_SEGS];
	int i, n;

	if (xl_ping_pong(self->srv, self->cli, STATE_MS))
		return -1;
	n = xl_capture_quiet(self->pfd, self->cport, segs, MAX_SEGS, 500);
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

	inet_pton(AF_INET, XL_IP_A, &a);
	inet_pton(AF_INET, XL_IP_B, &b);
	xl_tcp_csum_set(b.s_addr, a.s_addr, buf, len);
}

/*
 * Build a segment from the server's address and port to the client's,
 * with window field @window and @plen bytes of @payload, in @buf (room
 * for 64 bytes); returns its length.
 */
static size_t forge_data(FIXTURE_DATA(rst) *self, uint8_t *buf, uint32_t seq,
			 uint32_t ack, uint8_t flags, uint16_t window,
			 const char *payload, size_t plen)
{
	struct tcphdr th = {};

	th.source = htons(PORT);
	th.dest = htons(self->cport);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack);
	th.doff = 5;
	th.window = htons(window);
	memset(buf, 0, 64);
	memcpy(buf, &th, sizeof(th));
	buf[13] = flags;
	memcpy(buf + sizeof(th), payload, plen);
	set_csum(buf, sizeof(th) + plen);
	return sizeof(th) + plen;
}

/* A segment without payload (see forge_data()) */
static size_t forge(FIXTURE_DATA(rst) *self, uint8_t *buf, uint32_t seq,
		    uint32_t ack, uint8_t flags)
{
	return forge_data(self, buf, seq, ack, flags, 1024, NULL, 0);
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
	n = xl_capture_quiet(self->pfd, self->cport, segs, MAX_SEGS, QUIET_MS);
	xl_segs_print(segs, n);
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

	n = xl_capture_quiet(self->pfd, self->cport, segs, MAX_SEGS, QUIET_MS);
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

/*
 * RFC 5961 5.2: data at exactly rcv_nxt, but with an ACK field no peer
 * could send, is not delivered: the client answers with a challenge ACK
 * that does not acknowledge it, and the stream goes on untouched.
 */
static void blind_data(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rst) *self, uint32_t ack,
		       const char *counter)
{
	struct xl_seg answer;
	uint8_t buf[64];
	int inq = -1;
	size_t len;

	len = forge_data(self, buf, self->cli_rcv_nxt, ack, TH_ACK | TH_PUSH,
			 1024, "EVIL", 4);
	ASSERT_EQ(0, inject(self, buf, len));
	ASSERT_EQ(1, client_answers(self, &answer));
	EXPECT_EQ(TH_ACK, answer.flags);
	EXPECT_EQ(self->cli_rcv_nxt, answer.ack);
	EXPECT_EQ(0, ioctl(self->cli, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	/* The next bytes the client reads are the server's */
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, counter));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "ChallengeAcks"));
}

TEST_F_TIMEOUT(rst, data_with_too_old_ack_not_delivered, 60)
{
	blind_data(_metadata, self, self->cli_snd_nxt - 0x40000000,
		   "AckTooOld");
}

TEST_F_TIMEOUT(rst, data_acking_unsent_data_not_delivered, 60)
{
	blind_data(_metadata, self, self->cli_snd_nxt + 0x100000,
		   "AckUnsentData");
}

/*
 * A segment far outside the receive window that says "window 0" leaves
 * the client's send window as it was; it is counted and answered.
 */
TEST_F_TIMEOUT(rst, out_of_window_segment_keeps_send_window, 60)
{
	struct xtcp_info before, after;
	struct xl_seg answer;
	uint8_t buf[64];
	size_t len;

	ASSERT_EQ(0, xl_get_info(self->cli, &before));
	ASSERT_LT(0U, before.snd_wnd);
	len = forge_data(self, buf, self->cli_rcv_nxt + 0x40000000,
			 self->cli_snd_nxt, TH_ACK, 0, NULL, 0);
	ASSERT_EQ(0, inject(self, buf, len));
	ASSERT_EQ(1, client_answers(self, &answer));
	EXPECT_EQ(self->cli_rcv_nxt, answer.ack);
	ASSERT_EQ(0, xl_get_info(self->cli, &after));
	EXPECT_EQ(before.snd_wnd, after.snd_wnd);
	EXPECT_EQ(0, alive(self));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "SeqOutOfWindow"));
}

/*
 * Keepalive (idle 1 s, interval 1 s, 2 probes) with the server's own
 * segments dropped on the wire (tos 0 at xb0's egress) while forged
 * out-of-window segments (tos 0x10) keep arriving every 200 ms: they
 * prove nothing, and the connection times out as with a silent peer.
 */
TEST_F_TIMEOUT(rst, invalid_segments_do_not_feed_keepalive, 60)
{
	long long start, end;
	uint8_t buf[64];
	int tos = 0x10;
	size_t len;
	char c;

	ASSERT_EQ(0, setsockopt(self->raw, IPPROTO_IP, IP_TOS, &tos,
				sizeof(tos)));
	ASSERT_EQ(0, xl_set_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE, 1));
	ASSERT_EQ(0, xl_set_int(self->cli, SOL_XTCP, XTCP_KEEPINTVL, 1));
	ASSERT_EQ(0, xl_set_int(self->cli, SOL_XTCP, XTCP_KEEPCNT, 2));
	ASSERT_EQ(0, xl_set_int(self->cli, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_LOSE,
				"match u8 0 0xff at 1"));
	ASSERT_EQ(0, xl_set_nonblock(self->cli, true));

	start = xl_now_ms();
	end = start + 20000;
	len = forge_data(self, buf, self->cli_rcv_nxt + 0x40000000,
			 self->cli_snd_nxt, TH_ACK, 1024, NULL, 0);
	while (xl_now_ms() < end) {
		if (recv(self->cli, &c, 1, 0) < 0 && errno != EAGAIN)
			break;
		ASSERT_EQ(0, inject(self, buf, len));
		usleep(200 * 1000);
	}
	TH_LOG("recv: %s after %lld ms, %ld forged segments dropped",
	       strerror(errno), xl_now_ms() - start,
	       xl_snmp(XL_NS_A, "SeqOutOfWindow"));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LT(5, xl_snmp(XL_NS_A, "SeqOutOfWindow"));
}

/*
 * RFC 5961 section 7: with invalid_ratelimit 0 and challenge_ack_limit
 * 10, a burst of 100 in-window SYNs gets between 5 and 14 challenge ACKs
 * per second (the budget is drawn from [limit/2, 3 limit/2)); with the
 * default per-socket limit (one per 500 ms) a burst gets one or two.
 * (A new limit applies from the next second's budget.)
 */
TEST_F_TIMEOUT(rst, challenge_acks_rate_limited, 60)
{
	long acks, skipped, total;
	uint8_t buf[64];
	size_t len;
	int i;

	len = forge(self, buf, self->cli_rcv_nxt + 1, 0, TH_SYN);
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, inject(self, buf, len));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "AckSkippedChallenge", 17,
				  STATE_MS));
	acks = xl_snmp(XL_NS_A, "ChallengeAcks");
	TH_LOG("per socket: %ld challenge ACKs for 20 SYNs", acks);
	EXPECT_LE(1, acks);
	EXPECT_GE(2 * xl_timeout_scale(), acks);
	EXPECT_EQ(20, acks + xl_snmp(XL_NS_A, "AckSkippedChallenge"));

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "invalid_ratelimit", 0));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "challenge_ack_limit", 10));
	/* The budget drawn for this second still has the old limit */
	usleep(1100 * 1000);
	skipped = xl_snmp(XL_NS_A, "AckSkippedChallenge");
	for (i = 0; i < 100; i++)
		ASSERT_EQ(0, inject(self, buf, len));
	for (i = 0; i < STATE_MS / 100; i++) {
		total = xl_snmp(XL_NS_A, "ChallengeAcks") +
			xl_snmp(XL_NS_A, "AckSkippedChallenge");
		if (total >= 120)
			break;
		usleep(100 * 1000);
	}
	acks = xl_snmp(XL_NS_A, "ChallengeAcks") - acks;
	skipped = xl_snmp(XL_NS_A, "AckSkippedChallenge") - skipped;
	TH_LOG("per namespace: %ld challenge ACKs, %ld skipped for 100 SYNs",
	       acks, skipped);
	EXPECT_LE(5, acks);
	/* At most two seconds' budgets */
	EXPECT_GE(28, acks);
	EXPECT_EQ(100, acks + skipped);
	EXPECT_STREQ("ESTABLISHED",
		     xl_state_str(XL_NS_A, self->local, self->remote));
	EXPECT_EQ(0, alive(self));
}

XL_HARNESS_MAIN
