// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies and a bounded SYN queue (RFC 4987) hold a listener up
 * against a SYN flood. A SYN leaves a small request (a SYN_RECV row), at
 * most max_syn_backlog of them; with the queue full a SYN is answered
 * with a cookie (syncookies 1, ReqQFullDoCookies) and the ACK that
 * returns it opens the connection (SyncookiesRecv), or it is dropped
 * (syncookies 0, ReqQFullDrop); syncookies 2 always answers with a cookie.
 * With timestamps the cookie's TSval carries the window scale; without,
 * the connection is unscaled.
 * An ACK with a forged cookie gets a reset and counts SyncookiesFailed.
 * An ICMP host unreachable quoting a request's SYN-ACK ends it, one
 * quoting another sequence number is ignored (RFC 5927, tcp_req_err()).
 * Then the flood: 100,000 SYNs from spoofed sources whose SYN-ACKs are
 * routed to a namespace that drops them, while 100 clients connect; all
 * 100 connect and exchange data, the SYN queue never holds more than its
 * bound, and Linux TCP takes the same flood in the same VM for comparison.
 * XTCP_FLOOD_SYNS sets the flood (a tenth of it on a debug kernel).
 *
 * xtcp-test: alone (floods the VM's CPU)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		XL_IP_B ":5000"
#define WAIT_MS		10000
/* Spoofed sources: routed from B to A, which does not forward them */
#define SPOOF_NET	"10.99.0.0/16"
#define SPOOF_BASE	0x0a630000u
#define FLOOD_SYNS	100000
#define FLOOD_CLIENTS	100
#define FLOOD_BACKLOG	128
#define SYN_LEN		44
/* A request's SYN-ACK retries: 1 + 2 + 4 + 8 + 16 + 32 s */
#define REQUEST_LIFE_MS	63000

/* An IPv4 SYN from @saddr:@sport to @daddr:@dport with an MSS option */
static void syn_build(uint8_t *pkt, int proto, uint32_t saddr,
		      uint16_t sport, uint32_t daddr, uint16_t dport,
		      uint32_t seq)
{
	uint8_t *th = pkt + 20;

	memset(pkt, 0, SYN_LEN);
	pkt[0] = 0x45;
	pkt[2] = SYN_LEN >> 8;
	pkt[3] = SYN_LEN & 0xff;
	pkt[6] = 0x40;
	pkt[8] = 64;
	pkt[9] = proto;
	memcpy(pkt + 12, &saddr, 4);
	memcpy(pkt + 16, &daddr, 4);
	th[0] = sport >> 8;
	th[1] = sport & 0xff;
	th[2] = dport >> 8;
	th[3] = dport & 0xff;
	th[4] = seq >> 24;
	th[5] = seq >> 16;
	th[6] = seq >> 8;
	th[7] = seq;
	th[12] = 6 << 4;
	th[13] = TH_SYN;
	th[14] = 0xfa;
	th[15] = 0xf0;
	th[20] = 2;
	th[21] = 4;
	th[22] = 1460 >> 8;
	th[23] = 1460 & 0xff;
	xl_tcp_csum_set(saddr, daddr, th, SYN_LEN - 20);
}

/*
 * Send @count SYNs from spoofed sources in SPOOF_NET (source address and
 * port drawn from @first on) to B:PORT over the raw socket @fd.
 * Return: SYNs sent, or -1.
 */
static long syn_flood(int fd, int proto, unsigned long first,
		      unsigned long count)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint8_t pkt[SYN_LEN];
	uint32_t daddr;
	unsigned long i;

	inet_pton(AF_INET, XL_IP_B, &daddr);
	to.sin_addr.s_addr = daddr;
	for (i = first; i < first + count; i++) {
		uint32_t saddr = htonl(SPOOF_BASE | (i & 0xffff));

		syn_build(pkt, proto, saddr, 1024 + (i >> 16) * 7919 % 60000,
			  daddr, PORT, (uint32_t)(i * 2654435761u));
		while (sendto(fd, pkt, SYN_LEN, 0, (struct sockaddr *)&to,
			      sizeof(to)) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				return -1;
			usleep(1000);
		}
	}
	return count;
}

/* Spoofed sources reach B from A; B's answers to them die in A */
static int spoof_route(void)
{
	return xl_exec(XL_NS_B, NULL, "ip", "route", "add", SPOOF_NET, "via",
		       XL_IP_A, NULL);
}

static int raw_sock(void)
{
	return xl_socket_in(XL_NS_A, AF_INET, SOCK_RAW, IPPROTO_RAW);
}

FIXTURE(syncookies) {
	int lfd;
	int raw;
	struct xl_conn c;
};

FIXTURE_SETUP(syncookies)
{
	self->c.cli = self->c.srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, spoof_route());
	self->raw = raw_sock();
	ASSERT_LE(0, self->raw);
	self->lfd = -1;
}

FIXTURE_TEARDOWN(syncookies)
{
	xl_conn_abort(&self->c);
	if (self->lfd >= 0)
		close(self->lfd);
	close(self->raw);
	xl_topo("clean");
}

/* @n spoofed half-open handshakes: the listener keeps n requests */
static int half_open(FIXTURE_DATA(syncookies) *self, int n)
{
	long long end = xl_now_ms() + WAIT_MS;

	if (syn_flood(self->raw, xl_ipproto(), 0, n) != n)
		return -1;
	while (xl_count_rows(XL_NS_B, SRV, "SYN_RECV") != n) {
		if (xl_now_ms() > end)
			return -1;
		usleep(10 * 1000);
	}
	return 0;
}

/* A connection through the listener moves 64 kB each way intact */
static void conn_works(struct __test_metadata *_metadata,
		       FIXTURE_DATA(syncookies) *self)
{
	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_pass(self->c.cli, self->c.srv, 'c', 65536, WAIT_MS));
	ASSERT_EQ(0, xl_pass(self->c.srv, self->c.cli, 's', 65536, WAIT_MS));
}

/*
 * syncookies 2: every SYN gets a cookie, no request is kept, and the
 * connection opened from the returning ACK carries data both ways.
 */
TEST_F(syncookies, always_cookies_connection_works)
{
	struct xtcp_info info;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "syncookies", 2));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(5, syn_flood(self->raw, xl_ipproto(), 0, 5));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "SyncookiesSent", 5, WAIT_MS));
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, SRV, "SYN_RECV"));
	conn_works(_metadata, self);
	EXPECT_EQ(6, xl_snmp(XL_NS_B, "SyncookiesSent"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "SyncookiesRecv"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "SyncookiesFailed"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "PassiveOpens"));
	/*
	 * The cookie carried the client's MSS (1460 on veth, less the
	 * timestamps' 12 bytes), and its TSval the client's window scale
	 */
	ASSERT_EQ(0, xl_get_info(self->c.srv, &info));
	EXPECT_EQ(1448U, info.snd_mss);
	EXPECT_EQ(7, info.snd_wscale);
	EXPECT_EQ(7, info.rcv_wscale);
}

/*
 * Without timestamps a cookie has no room for the window scale: the
 * connection works unscaled on both ends.
 */
TEST_F(syncookies, cookie_without_timestamps_is_unscaled)
{
	struct xtcp_info info;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "syncookies", 2));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "timestamps", 0));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	conn_works(_metadata, self);
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "SyncookiesRecv"));
	ASSERT_EQ(0, xl_get_info(self->c.srv, &info));
	EXPECT_EQ(1460U, info.snd_mss);
	EXPECT_EQ(0, info.snd_wscale);
	EXPECT_EQ(0, info.rcv_wscale);
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	EXPECT_EQ(0, info.snd_wscale);
	EXPECT_EQ(0, info.rcv_wscale);
}

/*
 * syncookies 1 and a full SYN queue (max_syn_backlog 4): the next SYN is
 * answered with a cookie, its connection works, and the queue stays at 4.
 */
TEST_F(syncookies, full_queue_answers_with_cookies)
{
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "max_syn_backlog", 4));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, half_open(self, 4));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "SyncookiesSent"));
	conn_works(_metadata, self);
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "ReqQFullDoCookies"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "SyncookiesSent"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "SyncookiesRecv"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "ListenDrops"));
	EXPECT_EQ(4, xl_count_rows(XL_NS_B, SRV, "SYN_RECV"));
}

/*
 * syncookies 0 and a full SYN queue: the SYN is dropped and counted, the
 * client's connect() still pending; once the listener closes, its
 * requests are gone.
 */
TEST_F(syncookies, full_queue_without_cookies_drops)
{
	int cli;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "syncookies", 0));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "max_syn_backlog", 4));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, half_open(self, 4));
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, SOCK_NONBLOCK);
	ASSERT_LE(0, cli);
	EXPECT_EQ(0, xl_poll(cli, POLLOUT, 500));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "ReqQFullDrop"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "ListenDrops"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "SyncookiesSent"));
	close(cli);
	close(self->lfd);
	self->lfd = -1;
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, SRV, "SYN_RECV"));
}

/*
 * While cookies are in use, an ACK whose acknowledgment number is no
 * cookie of ours gets a reset, opens nothing and counts SyncookiesFailed.
 */
TEST_F(syncookies, forged_cookie_ack_gets_reset)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t saddr, daddr;
	uint8_t pkt[SYN_LEN];
	long rsts;
	int i;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "syncookies", 2));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(1, syn_flood(self->raw, xl_ipproto(), 0, 1));
	ASSERT_EQ(1, xl_snmp(XL_NS_B, "SyncookiesSent"));

	rsts = xl_snmp(XL_NS_B, "OutRsts");
	inet_pton(AF_INET, XL_IP_B, &daddr);
	to.sin_addr.s_addr = daddr;
	for (i = 0; i < 10; i++) {
		saddr = htonl(SPOOF_BASE | i);
		syn_build(pkt, xl_ipproto(), saddr, 1024, daddr, PORT, 1000);
		/* The same segment as an ACK of a guessed cookie */
		pkt[20 + 13] = TH_ACK;
		pkt[20 + 8] = 0x12;
		pkt[20 + 9] = 0x34;
		pkt[20 + 10] = 0x56;
		pkt[20 + 11] = i;
		xl_tcp_csum_set(saddr, daddr, pkt + 20, SYN_LEN - 20);
		ASSERT_EQ(SYN_LEN, sendto(self->raw, pkt, SYN_LEN, 0,
					  (struct sockaddr *)&to, sizeof(to)));
	}
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "SyncookiesFailed", 10, WAIT_MS));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "SyncookiesRecv"));
	EXPECT_EQ(rsts + 10, xl_snmp(XL_NS_B, "OutRsts"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, NULL, "SYN_RECV"));
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, NULL, "ESTABLISHED"));
}

TEST_F(syncookies, icmp_unreachable_ends_request)
{
	struct xl_seg synack;
	int cap;

	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	cap = xl_capture_open(XL_NS_B, "xb0", true, 0);
	ASSERT_LE(0, cap);
	ASSERT_EQ(0, half_open(self, 1));
	do {
		ASSERT_EQ(1, xl_capture_next(cap, PORT, &synack, WAIT_MS));
	} while (synack.flags != (TH_SYN | TH_ACK));
	close(cap);

	ASSERT_EQ(0, xl_icmp_quote(XL_NS_A, &synack, ICMP_DEST_UNREACH,
				   ICMP_HOST_UNREACH, synack.seq + 1));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "OutOfWindowIcmps", 1, WAIT_MS));
	EXPECT_EQ(1, xl_count_rows(XL_NS_B, SRV, "SYN_RECV"));

	ASSERT_EQ(0, xl_icmp_quote(XL_NS_A, &synack, ICMP_DEST_UNREACH,
				   ICMP_HOST_UNREACH, synack.seq));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "ListenDrops", 1, WAIT_MS));
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, SRV, "SYN_RECV"));
}

FIXTURE(synflood) {
	int lfd;
	int raw;
	int cli[FLOOD_CLIENTS];
	int srv[FLOOD_CLIENTS];
};

FIXTURE_VARIANT(synflood) {
	bool tcp;
};

FIXTURE_VARIANT_ADD(synflood, xtcp) {
	.tcp = false,
};

FIXTURE_VARIANT_ADD(synflood, linux_tcp) {
	.tcp = true,
};

FIXTURE_SETUP(synflood)
{
	int i;

	for (i = 0; i < FLOOD_CLIENTS; i++)
		self->cli[i] = self->srv[i] = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, spoof_route());
	self->raw = raw_sock();
	ASSERT_LE(0, self->raw);
	if (variant->tcp) {
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(PORT) };

		inet_pton(AF_INET, XL_IP_B, &sa.sin_addr);
		self->lfd = xl_tcp_sock(XL_NS_B);
		ASSERT_LE(0, self->lfd);
		ASSERT_EQ(0, bind(self->lfd, (struct sockaddr *)&sa,
				  sizeof(sa)));
		ASSERT_EQ(0, listen(self->lfd, FLOOD_BACKLOG));
	} else {
		self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, FLOOD_BACKLOG,
					 0);
		ASSERT_LE(0, self->lfd);
	}
}

FIXTURE_TEARDOWN(synflood)
{
	int i;

	for (i = 0; i < FLOOD_CLIENTS; i++) {
		xl_abort_close(self->cli[i]);
		xl_abort_close(self->srv[i]);
	}
	close(self->lfd);
	close(self->raw);
	xl_topo("clean");
}

struct flood {
	int fd;
	int proto;
	unsigned long syns;
	long sent;
	long long ms;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	long long start = xl_now_ms();

	f->sent = syn_flood(f->fd, f->proto, 0, f->syns);
	f->ms = xl_now_ms() - start;
	return NULL;
}

static unsigned long flood_syns(void)
{
	const char *env = getenv("XTCP_FLOOD_SYNS");
	unsigned long n = env ? strtoul(env, NULL, 0) : FLOOD_SYNS;

	if (xl_timeout_scale() > 1)
		n /= 10;
	return n ? : 1;
}

/* A client socket of the variant's protocol in A, connecting to B */
static int flood_client(const FIXTURE_VARIANT(synflood) *variant)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int fd;

	if (!variant->tcp)
		return xl_connect_in(XL_NS_A, XL_IP_B, PORT, SOCK_NONBLOCK);
	inet_pton(AF_INET, XL_IP_B, &sa.sin_addr);
	fd = xl_tcp_sock(XL_NS_A);
	if (fd < 0 || xl_set_nonblock(fd, true))
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Wait until every client is connected; Return: how many are */
static int wait_connected(FIXTURE_DATA(synflood) *self, int timeout_ms)
{
	long long end = xl_now_ms() + timeout_ms;
	int i, done;

	do {
		for (i = 0, done = 0; i < FLOOD_CLIENTS; i++) {
			struct pollfd p = { .fd = self->cli[i],
					    .events = POLLOUT };

			if (poll(&p, 1, 0) == 1 && xl_sock_error(self->cli[i]) == 0)
				done++;
		}
		if (done == FLOOD_CLIENTS)
			break;
		usleep(20 * 1000);
	} while (xl_now_ms() < end);
	return done;
}

static const char *flood_counters[] = {
	"SyncookiesSent", "SyncookiesRecv", "SyncookiesFailed",
	"ReqQFullDoCookies", "ListenDrops", "ListenOverflows", "PassiveOpens",
};

/*
 * 100,000 spoofed SYNs while 100 clients connect: every client connects
 * and moves data, the flood's SYNs beyond the SYN queue are answered with
 * cookies, and the queue holds no more than its bound. The time the
 * clients took is logged for xtcp and Linux TCP alike.
 */
TEST_F_TIMEOUT(synflood, clients_connect_during_flood, 600)
{
	struct flood f = { .fd = self->raw, .syns = flood_syns() };
	long long start, connected_ms;
	int i, done, max_rows = 0;
	long requests;
	pthread_t thr;
	char buf[64];

	f.proto = variant->tcp ? IPPROTO_TCP : xl_ipproto();
	ASSERT_EQ(0, pthread_create(&thr, NULL, flood_thread, &f));
	/* The flood fills the SYN queue before the clients come */
	usleep(500 * 1000);
	start = xl_now_ms();
	for (i = 0; i < FLOOD_CLIENTS; i++) {
		self->cli[i] = flood_client(variant);
		ASSERT_LE(0, self->cli[i]);
	}
	done = wait_connected(self, 60000);
	connected_ms = xl_now_ms() - start;
	if (!variant->tcp)
		max_rows = xl_count_rows(XL_NS_B, SRV, "SYN_RECV");
	pthread_join(thr, NULL);
	TH_LOG("%s: %ld spoofed SYNs in %lld ms; %d of %d clients connected in %lld ms",
	       variant->tcp ? "Linux TCP" : "xtcp", f.sent, f.ms, done,
	       FLOOD_CLIENTS, connected_ms);
	ASSERT_EQ((long)f.syns, f.sent);
	ASSERT_EQ(FLOOD_CLIENTS, done);

	for (i = 0; i < FLOOD_CLIENTS; i++) {
		ASSERT_EQ(0, xl_set_timeo(self->lfd, SO_RCVTIMEO, WAIT_MS));
		self->srv[i] = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->srv[i]);
	}
	for (i = 0; i < FLOOD_CLIENTS; i++) {
		ASSERT_EQ(0, xl_set_nonblock(self->cli[i], false));
		ASSERT_EQ(4, send(self->cli[i], "ping", 4, 0));
	}
	for (i = 0; i < FLOOD_CLIENTS; i++) {
		ASSERT_EQ(4, xl_recv_within(self->srv[i], buf, sizeof(buf),
					    WAIT_MS));
		ASSERT_EQ(0, memcmp(buf, "ping", 4));
	}
	if (variant->tcp)
		return;

	for (i = 0; i < (int)ARRAY_SIZE(flood_counters); i++)
		TH_LOG("  %-18s %ld", flood_counters[i],
		       xl_snmp(XL_NS_B, flood_counters[i]));
	TH_LOG("  SYN_RECV requests during the flood: %d", max_rows);
	EXPECT_GE(FLOOD_BACKLOG, max_rows);
	/*
	 * Every SYN that reached xtcp beyond the queue got a cookie: all
	 * segments in, less the clients' SYN, ACK and data, less the
	 * requests, each of which holds its place for the 63 s of its
	 * SYN-ACK retries (a slow kernel's flood outlasts them)
	 */
	requests = FLOOD_BACKLOG * (1 + f.ms / REQUEST_LIFE_MS) + FLOOD_CLIENTS;
	TH_LOG("  InSegs             %ld", xl_snmp(XL_NS_B, "InSegs"));
	EXPECT_LE(xl_snmp(XL_NS_B, "InSegs") - 3 * FLOOD_CLIENTS - requests,
		  xl_snmp(XL_NS_B, "SyncookiesSent") +
		  xl_snmp(XL_NS_B, "ListenDrops"));
	EXPECT_EQ(xl_snmp(XL_NS_B, "ReqQFullDoCookies"),
		  xl_snmp(XL_NS_B, "SyncookiesSent"));
	EXPECT_EQ(FLOOD_CLIENTS, xl_snmp(XL_NS_B, "PassiveOpens"));
	/* Every client's first SYN was answered */
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "SynRetrans"));
}

XL_HARNESS_MAIN
