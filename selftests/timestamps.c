// SPDX-License-Identifier: GPL-2.0
/*
 * RFC 7323 timestamps on the veth topology, seen by a packet socket on
 * xb0, with a raw IPv4 socket of protocol IPPROTO_XTCP in xb to forge
 * segments from the server towards the client in xa:
 *  - negotiation: the SYN offers the option, the SYN-ACK answers it,
 *    then every segment both ways carries it, each TSecr echoing a TSval
 *    the other end sent, and the MSS leaves room for it (1448 on the
 *    veth); with the timestamps sysctl 0 on either end no segment after
 *    the SYN carries it, and the MSS is 1460; TSvals carry a random
 *    offset per connection;
 *  - PAWS (RFC 7323 section 5): a segment in the window whose TSval is
 *    older than the last one recorded is dropped, counted in
 *    PAWSEstabRejected and answered with an ACK, its data never
 *    delivered, and the connection carries on; the same segment with a
 *    newer TSval is taken; a RST is exempt;
 *  - RTTM (RFC 7323 section 4): the echo gives an RTT sample where Karn's
 *    rule forbids one, after a retransmitted SYN (srtt close to the netem
 *    delay; none without timestamps) and after retransmitted data (the
 *    backoff ends; without timestamps it stays).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define MAX_SEGS	256
#define WAIT_MS		5000
#define QUIET_MS	500
#define VETH_MSS	1460U
#define TS_OPTLEN	12
/* netem delay of the RTT tests, on xb0's egress */
#define DELAY_MS	100

FIXTURE(ts) {
	int pfd;
	int raw;
	int lfd;
	int cli;
	int srv;
	uint16_t cport;
	char local[XL_ADDRSTRLEN];
	char remote[XL_ADDRSTRLEN];
	/* What the last segments of each end said, from sync() */
	uint32_t cli_snd_nxt;
	uint32_t cli_rcv_nxt;
	uint32_t cli_tsval;
	uint32_t srv_tsval;
};

FIXTURE_SETUP(ts)
{
	self->pfd = self->raw = self->lfd = self->cli = self->srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	self->pfd = xl_capture_veth();
	ASSERT_LE(0, self->pfd);
	self->raw = xl_socket_in(XL_NS_B, AF_INET, SOCK_RAW, xl_ipproto());
	ASSERT_LE(0, self->raw);
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(ts)
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

/* Connect the client and accept the server end */
static int open_conn(FIXTURE_DATA(ts) *self)
{
	self->cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	if (self->cli < 0)
		return -1;
	self->srv = accept(self->lfd, NULL, NULL);
	if (self->srv < 0)
		return -1;
	self->cport = xl_local_port(self->cli);
	if (!xl_local_str(self->cli, self->local, sizeof(self->local)) ||
	    !xl_peer_str(self->cli, self->remote, sizeof(self->remote)))
		return -1;
	return 0;
}

/*
 * Move a line each way, then learn from the captured segments the
 * client's snd_nxt and rcv_nxt and the last TSval of each end.
 */
static int sync_conn(FIXTURE_DATA(ts) *self)
{
	struct xl_seg segs[MAX_SEGS];
	bool cli = false, srv = false;
	int i, n;

	if (xl_ping_pong(self->srv, self->cli, WAIT_MS))
		return -1;
	n = xl_capture_quiet(self->pfd, PORT, segs, MAX_SEGS, QUIET_MS);
	for (i = n - 1; i >= 0 && !(cli && srv); i--) {
		if (!segs[i].ts)
			return -1;
		if (!segs[i].out && !cli) {
			self->cli_snd_nxt = segs[i].seq + segs[i].len;
			self->cli_rcv_nxt = segs[i].ack;
			self->cli_tsval = segs[i].tsval;
			cli = true;
		} else if (segs[i].out && !srv) {
			self->srv_tsval = segs[i].tsval;
			srv = true;
		}
	}
	return cli && srv ? 0 : -1;
}

/*
 * A segment from the server to the client with the timestamps option
 * (TSval @tsval, TSecr the client's last TSval) and @plen bytes of
 * @payload, injected at xb; 0 if sent.
 */
static int forge_ts(FIXTURE_DATA(ts) *self, uint32_t seq, uint8_t flags,
		    uint32_t tsval, const char *payload, size_t plen)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct tcphdr th = {};
	uint8_t buf[128];
	size_t len = sizeof(th) + TS_OPTLEN + plen;
	struct in_addr a, b;
	uint32_t v;

	if (len > sizeof(buf))
		return -1;
	th.source = htons(PORT);
	th.dest = htons(self->cport);
	th.seq = htonl(seq);
	th.ack_seq = htonl(self->cli_snd_nxt);
	th.doff = (sizeof(th) + TS_OPTLEN) / 4;
	th.window = htons(1024);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &th, sizeof(th));
	buf[13] = flags;
	buf[20] = 1;
	buf[21] = 1;
	buf[22] = 8;
	buf[23] = 10;
	v = htonl(tsval);
	memcpy(buf + 24, &v, 4);
	v = htonl(self->cli_tsval);
	memcpy(buf + 28, &v, 4);
	memcpy(buf + sizeof(th) + TS_OPTLEN, payload, plen);
	inet_pton(AF_INET, XL_IP_A, &a);
	inet_pton(AF_INET, XL_IP_B, &b);
	xl_tcp_csum_set(b.s_addr, a.s_addr, buf, len);
	to.sin_addr = a;
	return sendto(self->raw, buf, len, 0, (struct sockaddr *)&to,
		      sizeof(to)) == (ssize_t)len ? 0 : -1;
}

/* Bytes waiting in the client's receive queue, or -1 */
static int cli_inq(FIXTURE_DATA(ts) *self)
{
	int inq;

	return ioctl(self->cli, SIOCINQ, &inq) ? -1 : inq;
}

/* Was @tsval sent by the other end than @segs[@i]'s, before it? */
static bool echoes(const struct xl_seg *segs, int i)
{
	int j;

	for (j = i - 1; j >= 0; j--)
		if (segs[j].out != segs[i].out && segs[j].tsval == segs[i].tsecr)
			return true;
	return false;
}

TEST_F_TIMEOUT(ts, negotiated_and_on_every_segment, 60)
{
	struct xl_seg segs[MAX_SEGS];
	uint32_t last[2] = { 0, 0 };
	struct xtcp_info si;
	int n, i, bad_echo = 0;

	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, xl_pass(self->cli, self->srv, 'c', 20000, WAIT_MS));
	ASSERT_EQ(0, xl_pass(self->srv, self->cli, 's', 20000, WAIT_MS));
	ASSERT_EQ(0, close(self->cli));
	self->cli = -1;
	n = xl_capture_quiet(self->pfd, PORT, segs, MAX_SEGS, QUIET_MS);
	xl_segs_print(segs, n < 8 ? n : 8);
	ASSERT_LE(6, n);

	/* SYN: offered, nothing to echo yet; the MSS counts no options */
	EXPECT_FALSE(segs[0].out);
	EXPECT_EQ(TH_SYN, segs[0].flags);
	EXPECT_TRUE(segs[0].ts);
	EXPECT_EQ(0U, segs[0].tsecr);
	EXPECT_EQ((int)VETH_MSS, segs[0].mss);
	/* SYN-ACK: accepted, echoing the SYN's TSval */
	EXPECT_TRUE(segs[1].out);
	EXPECT_EQ(TH_SYN | TH_ACK, segs[1].flags);
	EXPECT_TRUE(segs[1].ts);
	EXPECT_EQ(segs[0].tsval, segs[1].tsecr);
	EXPECT_EQ((int)VETH_MSS, segs[1].mss);

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(segs[i].ts);
		EXPECT_TRUE(segs[i].csum_ok);
		/* Full segments: the MTU less 40 bytes and the option */
		EXPECT_GE(VETH_MSS - TS_OPTLEN, segs[i].len);
		/* A clock: each end's TSvals never go back */
		if (last[segs[i].out])
			EXPECT_LE(0, (int32_t)(segs[i].tsval - last[segs[i].out]));
		last[segs[i].out] = segs[i].tsval;
		if (i && !echoes(segs, i))
			bad_echo++;
	}
	EXPECT_EQ(0, bad_echo);

	ASSERT_EQ(0, xl_get_info(self->srv, &si));
	EXPECT_EQ(VETH_MSS - TS_OPTLEN, si.snd_mss);
}

/* With timestamps off in @ns, no segment carries them */
static void check_off(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ts) *self, bool client_off)
{
	struct xl_seg segs[MAX_SEGS];
	struct xtcp_info ci, si;
	int n, i;

	ASSERT_EQ(0, xl_sysctl_set(client_off ? XL_NS_A : XL_NS_B,
				   "timestamps", 0));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, xl_pass(self->cli, self->srv, 'c', 5000, WAIT_MS));
	ASSERT_EQ(0, xl_pass(self->srv, self->cli, 's', 5000, WAIT_MS));
	n = xl_capture_quiet(self->pfd, PORT, segs, MAX_SEGS, QUIET_MS);
	xl_segs_print(segs, n < 6 ? n : 6);
	ASSERT_LE(4, n);
	EXPECT_EQ(TH_SYN, segs[0].flags);
	/* A client with them on still offers them */
	EXPECT_EQ(!client_off, segs[0].ts);
	for (i = 1; i < n; i++)
		EXPECT_FALSE(segs[i].ts);
	ASSERT_EQ(0, xl_get_info(self->cli, &ci));
	ASSERT_EQ(0, xl_get_info(self->srv, &si));
	EXPECT_EQ(VETH_MSS, ci.snd_mss);
	EXPECT_EQ(VETH_MSS, si.snd_mss);
}

TEST_F_TIMEOUT(ts, off_in_client_none_on_the_wire, 60)
{
	check_off(_metadata, self, true);
}

TEST_F_TIMEOUT(ts, off_in_server_none_after_the_syn, 60)
{
	check_off(_metadata, self, false);
}

TEST_F_TIMEOUT(ts, offset_random_per_connection, 60)
{
	struct xl_seg segs[MAX_SEGS], *syn[2] = { NULL, NULL };
	int fd[2], n, i, k = 0;
	uint32_t d;

	fd[0] = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, fd[0]);
	fd[1] = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, fd[1]);
	n = xl_capture_quiet(self->pfd, PORT, segs, MAX_SEGS, QUIET_MS);
	for (i = 0; i < n && k < 2; i++)
		if (segs[i].flags == TH_SYN)
			syn[k++] = &segs[i];
	close(fd[0]);
	close(fd[1]);
	ASSERT_EQ(2, k);
	ASSERT_TRUE(syn[0]->ts && syn[1]->ts);
	/* Sent within ms of each other: only the offsets tell them apart */
	d = syn[1]->tsval - syn[0]->tsval;
	if (d > 0x80000000U)
		d = -d;
	TH_LOG("TSvals %u and %u", syn[0]->tsval, syn[1]->tsval);
	EXPECT_LT(1000000U, d);
}

TEST_F_TIMEOUT(ts, paws_drops_old_tsval, 60)
{
	static const char forged[] = "FORGED";
	struct xl_seg segs[MAX_SEGS];
	long paws;
	int n, i, dupacks = 0;
	char buf[16];

	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, sync_conn(self));
	paws = xl_snmp(XL_NS_A, "PAWSEstabRejected");
	ASSERT_EQ(0, paws);

	/* At rcv_nxt, acknowledging all, but from before the last segment */
	ASSERT_EQ(0, forge_ts(self, self->cli_rcv_nxt, TH_ACK | TH_PUSH,
			      self->srv_tsval - 1000, forged,
			      sizeof(forged) - 1));
	EXPECT_EQ(0, xl_wait_snmp(XL_NS_A, "PAWSEstabRejected", 1, WAIT_MS));
	n = xl_capture_quiet(self->pfd, PORT, segs, MAX_SEGS, QUIET_MS);
	xl_segs_print(segs, n);
	/* Answered with an ACK that does not take the data */
	for (i = 0; i < n; i++)
		if (!segs[i].out && segs[i].flags == TH_ACK && !segs[i].len &&
		    segs[i].ack == self->cli_rcv_nxt)
			dupacks++;
	EXPECT_LE(1, dupacks);
	EXPECT_EQ(0, cli_inq(self));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "PAWSEstabRejected"));

	/* The connection carries on, with the server's own bytes */
	EXPECT_EQ(0, xl_pass(self->srv, self->cli, 'r', 1000, WAIT_MS));
	EXPECT_EQ(0, xl_pass(self->cli, self->srv, 'q', 1000, WAIT_MS));

	/* The same segment with a TSval not older is taken */
	ASSERT_EQ(0, sync_conn(self));
	ASSERT_EQ(0, forge_ts(self, self->cli_rcv_nxt, TH_ACK | TH_PUSH,
			      self->srv_tsval + 1, forged,
			      sizeof(forged) - 1));
	ASSERT_EQ((ssize_t)sizeof(forged) - 1,
		  xl_recv_within(self->cli, buf, sizeof(forged) - 1, WAIT_MS));
	EXPECT_EQ(0, memcmp(buf, forged, sizeof(forged) - 1));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "PAWSEstabRejected"));
}

TEST_F_TIMEOUT(ts, paws_exempts_rst, 60)
{
	char c;

	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, sync_conn(self));
	ASSERT_EQ(0, forge_ts(self, self->cli_rcv_nxt, TH_RST | TH_ACK,
			      self->srv_tsval - 1000, NULL, 0));
	ASSERT_LT(0, xl_poll(self->cli, POLLIN, WAIT_MS));
	EXPECT_EQ(-1, recv(self->cli, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "PAWSEstabRejected"));
}

/*
 * The client's SYN is lost once (a tc filter on xa0), the SYN-ACK comes
 * DELAY_MS late (netem on xb0); returns the client's XTCP_INFO once
 * connected.
 */
static void syn_retransmitted(struct __test_metadata *_metadata,
			      FIXTURE_DATA(ts) *self, struct xtcp_info *info)
{
	int err;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_initial_ms", 300));
	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 100ms"));
	ASSERT_EQ(0, xl_tc_drop_flags(XL_NS_A, "xa0", XL_TC_LOSE, TH_SYN,
				      TH_SYN | TH_ACK));
	self->cli = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->cli);
	ASSERT_EQ(-1, xl_connect(self->cli, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "SynRetrans", 1, WAIT_MS));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	/* The next SYN may be backed off by seconds on a slow kernel */
	ASSERT_LT(0, xl_poll(self->cli, POLLOUT, 4 * WAIT_MS));
	err = xl_sock_error(self->cli);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, xl_get_info(self->cli, info));
	TH_LOG("srtt %u us rttvar %u us rto %u us, SynRetrans %ld",
	       info->srtt_us, info->rttvar_us, info->rto_us,
	       xl_snmp(XL_NS_A, "SynRetrans"));
	ASSERT_LE(2, xl_snmp(XL_NS_A, "SynRetrans"));
}

TEST_F_TIMEOUT(ts, rtt_from_echo_after_syn_retransmission, 60)
{
	struct xtcp_info info;

	syn_retransmitted(_metadata, self, &info);
	EXPECT_LE(DELAY_MS * 900U, info.srtt_us);
	EXPECT_GE(DELAY_MS * 1500U, info.srtt_us);
}

TEST_F_TIMEOUT(ts, no_rtt_after_syn_retransmission_without_timestamps, 60)
{
	struct xtcp_info info;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "timestamps", 0));
	syn_retransmitted(_metadata, self, &info);
	/* Karn: the write queue's clock cannot tell which SYN was answered */
	EXPECT_EQ(0U, info.srtt_us);
}

/*
 * 100 bytes sent while everything from xa is lost, retransmitted twice,
 * then let through; returns the client's XTCP_INFO once they are acked.
 */
static void data_retransmitted(struct __test_metadata *_metadata,
			       FIXTURE_DATA(ts) *self, struct xtcp_info *info)
{
	struct xtcp_info before;
	char data[100];

	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 100ms"));
	ASSERT_EQ(0, open_conn(self));
	ASSERT_EQ(0, xl_ping_pong(self->cli, self->srv, WAIT_MS));
	ASSERT_EQ(0, xl_set_int(self->cli, SOL_XTCP, XTCP_NODELAY, 1));
	ASSERT_EQ(0, xl_wait_acked(self->cli, 4, false, WAIT_MS));
	ASSERT_EQ(0, xl_get_info(self->cli, &before));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_A, "xa0", XL_TC_LOSE, ""));
	memset(data, 'd', sizeof(data));
	ASSERT_EQ(0, xl_send_all(self->cli, data, sizeof(data)));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "Timeouts", 2, 2 * WAIT_MS));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	ASSERT_EQ(0, xl_wait_acked(self->cli, before.bytes_acked + sizeof(data),
				   false, 2 * WAIT_MS));
	ASSERT_EQ(0, xl_get_info(self->cli, info));
	TH_LOG("srtt %u us rttvar %u us rto %u us backoff %u, Timeouts %ld",
	       info->srtt_us, info->rttvar_us, info->rto_us, info->backoff,
	       xl_snmp(XL_NS_A, "Timeouts"));
}

TEST_F_TIMEOUT(ts, rtt_from_echo_after_data_retransmission, 60)
{
	struct xtcp_info info;

	data_retransmitted(_metadata, self, &info);
	/* A sample was taken: the backoff is over */
	EXPECT_EQ(0, info.backoff);
	/* The delay, and up to a delayed ACK more for each sample */
	EXPECT_LE(DELAY_MS * 900U, info.srtt_us);
	EXPECT_GE(DELAY_MS * 2500U, info.srtt_us);
}

TEST_F_TIMEOUT(ts, no_rtt_after_data_retransmission_without_timestamps, 60)
{
	struct xtcp_info info;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "timestamps", 0));
	data_retransmitted(_metadata, self, &info);
	/* Karn: no sample, the backoff stays until one */
	EXPECT_LE(1, info.backoff);
}

XL_HARNESS_MAIN
