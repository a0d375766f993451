// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-test: alone (it floods the CPUs; beside tests adding and removing
 * tc qdiscs, both vCPUs of a 6.1 VM locked up in __netif_receive_skb_core)
 *
 * A segment fuzzer. A packet socket on xb0 sniffs a live flow and learns
 * each side's sequence numbers, acknowledgments and windows; raw IPv4
 * sockets in both namespaces then send segments with the flow's addresses
 * and ports into it, each one a segment that a correct TCP must drop (or
 * that repeats what the peer already sent), so that the flow's bytes stay
 * the peer's:
 *  - a bad checksum (1 in 8), on any of the kinds below;
 *  - malformed: truncated headers, data offsets below 5 or beyond the
 *    segment;
 *  - outside the receive window (2^30 away), with any flags (RST, SYN,
 *    FIN included), options and payload;
 *  - inside the window with an ACK field no peer could send (above
 *    snd_nxt, or below snd_una by 2^30: RFC 5961 5.2), any payload, FIN
 *    or SYN;
 *  - inside the window without ACK, with payload or FIN;
 *  - a copy of a segment the peer sent, with random, unknown, malformed
 *    and over-long options in place of its own.
 * Options are random: known kinds with right and wrong lengths, unknown
 * kinds, lengths 0, 1 and beyond the header.
 *
 * Tests: a transfer each way survives the fuzzer with identical bytes on
 * xtcp (and, as the reference, on Linux TCP), every bad checksum is
 * counted in InCsumErrors and every malformed segment in InErrs; a
 * listener takes fuzzed segments from random ports while clients connect
 * and talk through it. XTCP_FUZZ_SEGS sets the segments per xtcp test
 * (default 500000: 10^6 over the suite; a fiftieth on a debug kernel,
 * where XTCP_TIMEOUT_SCALE is above 1); the Linux TCP run takes a fifth.
 * Each tenth of a run is marked in the kernel log.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define FUZZ_SEGS	500000
/* Linux TCP is the reference: a fifth of that shows it holds */
#define FUZZ_TCP_SHARE	5
/* A debug kernel sends some 220 a second: 10,000 take 45 s there */
#define FUZZ_DEBUG_SHARE	50
#define XFER_BYTES	(8ULL * XL_MB)
#define CLIENTS		20
#define WAIT_MS		20000
/* Injected packets carry this TOS, so that the sniffer skips them */
#define FUZZ_TOS	0x10
#define SEG_MAX		1600
#define HDR_MAX		60
#define PAYLOAD_MAX	256

enum fuzz_kind {
	FUZZ_MALFORMED,
	FUZZ_OUT_OF_WINDOW,
	FUZZ_BAD_ACK,
	FUZZ_NO_ACK,
	FUZZ_REPLAY,
	FUZZ_LISTENER,
	__FUZZ_KINDS,
};

static const char * const fuzz_kind_names[] = {
	"malformed", "out-of-window", "bad-ack", "no-ack", "replay",
	"to-listener",
};

/**
 * struct fuzz_side - what the sniffer learnt about one end of the flow
 * @addr: its address, network order
 * @port: its port
 * @snd_nxt: highest sequence number it sent, plus one
 * @ack: the latest acknowledgment it sent (its rcv_nxt)
 * @seen: a segment of it was seen
 * @replay: its latest segment no larger than SEG_MAX, from the TCP header
 * @replay_len: bytes in @replay
 */
struct fuzz_side {
	uint32_t addr;
	uint16_t port;
	uint32_t snd_nxt;
	uint32_t ack;
	bool seen;
	uint8_t replay[SEG_MAX];
	size_t replay_len;
};

/**
 * struct fuzz - a fuzzer
 * @proto: IP protocol of the flow: xtcp's or IPPROTO_TCP
 * @cap: packet socket on xb0
 * @raw: raw sockets of @proto, [0] in XL_NS_A, [1] in XL_NS_B
 * @side: [0] the end in XL_NS_A, [1] the end in XL_NS_B
 * @rng: xorshift state
 * @sent: segments sent
 * @bad_csum: of those, with a bad checksum
 * @malformed: of those, malformed (and with a good checksum)
 * @kinds: segments sent of each kind
 */
struct fuzz {
	int proto;
	int cap;
	int raw[2];
	struct fuzz_side side[2];
	uint64_t rng;
	unsigned long sent;
	unsigned long bad_csum;
	unsigned long malformed;
	unsigned long kinds[__FUZZ_KINDS];
};

static uint32_t rnd(struct fuzz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng >> 11;
}

static uint32_t rnd_below(struct fuzz *f, uint32_t n)
{
	return n ? rnd(f) % n : 0;
}

static void fill_random(struct fuzz *f, uint8_t *p, size_t len)
{
	while (len--)
		*p++ = rnd(f);
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static int fuzz_open(struct fuzz *f, int proto, uint16_t port_a,
		     uint16_t port_b)
{
	int tos = FUZZ_TOS, i;

	memset(f, 0, sizeof(*f));
	f->proto = proto;
	f->rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)xl_now_ms();
	inet_pton(AF_INET, XL_IP_A, &f->side[0].addr);
	inet_pton(AF_INET, XL_IP_B, &f->side[1].addr);
	f->side[0].port = port_a;
	f->side[1].port = port_b;
	f->cap = xl_capture_open(XL_NS_B, "xb0", true, 4 << 20);
	f->raw[0] = xl_socket_in(XL_NS_A, AF_INET, SOCK_RAW, proto);
	f->raw[1] = xl_socket_in(XL_NS_B, AF_INET, SOCK_RAW, proto);
	for (i = 0; i < 2; i++) {
		if (f->raw[i] < 0 || setsockopt(f->raw[i], IPPROTO_IP, IP_TOS,
						&tos, sizeof(tos)))
			return -1;
	}
	return f->cap < 0 ? -1 : 0;
}

static void fuzz_close(struct fuzz *f)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (f->raw[i] >= 0)
			close(f->raw[i]);
	}
	if (f->cap >= 0)
		close(f->cap);
}

/* Learn from what xb0 saw since the last call */
static void fuzz_sniff(struct fuzz *f)
{
	static uint8_t pkt[65536];
	struct fuzz_side *s;
	struct xl_seg seg;
	uint32_t end;
	ssize_t len;
	int n, ihl;

	for (n = 0; n < 256; n++) {
		len = recv(f->cap, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (len <= 0)
			return;
		if (xl_seg_parse_proto(pkt, len, f->proto, &seg) ||
		    (seg.ip.tos & 0xfc) == FUZZ_TOS)
			continue;
		if (seg.ip.saddr == f->side[0].addr &&
		    ntohs(seg.th.source) == f->side[0].port &&
		    ntohs(seg.th.dest) == f->side[1].port)
			s = &f->side[0];
		else if (seg.ip.saddr == f->side[1].addr &&
			 ntohs(seg.th.source) == f->side[1].port &&
			 ntohs(seg.th.dest) == f->side[0].port)
			s = &f->side[1];
		else
			continue;
		end = seg.seq + seg.len + !!(seg.flags & TH_SYN) +
		      !!(seg.flags & TH_FIN);
		if (!s->seen || seq_after(end, s->snd_nxt))
			s->snd_nxt = end;
		if ((seg.flags & TH_ACK) && (!s->seen || seq_after(seg.ack, s->ack)))
			s->ack = seg.ack;
		s->seen = true;
		ihl = seg.ip.ihl * 4;
		if (ntohs(seg.ip.tot_len) - ihl <= SEG_MAX &&
		    !(seg.flags & (TH_RST | TH_SYN))) {
			s->replay_len = ntohs(seg.ip.tot_len) - ihl;
			memcpy(s->replay, pkt + ihl, s->replay_len);
		}
	}
}

/*
 * Random options, @room bytes at most, into @opt; their length, padded to
 * a multiple of four. @safe leaves out timestamps and SACK blocks, which
 * on a copy of a real segment could be taken for the peer's (a later
 * timestamp would make PAWS drop the peer's own segments).
 */
static size_t random_options(struct fuzz *f, uint8_t *opt, size_t room,
			     bool safe)
{
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 29, 30, 34,
					 253, 254 };
	size_t len = 0, want = rnd_below(f, room + 1), olen;
	uint8_t kind;

	while (len < want) {
		kind = rnd_below(f, 4) ? kinds[rnd_below(f, sizeof(kinds))] :
					 rnd(f);
		if (safe && (kind == 5 || kind == 8))
			kind = 254;
		if (kind <= 1) {
			opt[len++] = kind;
			continue;
		}
		switch (rnd_below(f, 6)) {
		case 0:
			olen = rnd_below(f, 2);		/* 0 or 1: malformed */
			break;
		case 1:
			olen = 40 + rnd_below(f, 200);	/* beyond the header */
			break;
		default:
			olen = kind == 2 ? 4 : kind == 3 ? 3 : kind == 4 ? 2 :
			       kind == 8 ? 10 : 2 + rnd_below(f, 16);
		}
		if (len + 2 > room)
			break;
		opt[len] = kind;
		opt[len + 1] = olen;
		fill_random(f, opt + len + 2,
			    olen >= 2 && len + olen <= room ? olen - 2 :
			    room - len - 2);
		len += olen >= 2 && len + olen <= room ? olen : room - len;
	}
	while (len % 4)
		opt[len++] = 1;
	return len;
}

/* A header with random options and a random payload, in @seg */
static size_t build(struct fuzz *f, uint8_t *seg, int from, int to,
		    uint32_t seq, uint32_t ack, uint8_t flags, bool safe)
{
	struct tcphdr th = {};
	size_t optlen, plen;

	optlen = random_options(f, seg + sizeof(th), HDR_MAX - sizeof(th),
				safe);
	plen = rnd_below(f, 2) ? rnd_below(f, PAYLOAD_MAX) : 0;
	th.source = htons(f->side[from].port);
	th.dest = htons(f->side[to].port);
	th.seq = htonl(seq);
	th.ack_seq = htonl(ack);
	th.doff = (sizeof(th) + optlen) / 4;
	th.window = htons(rnd(f));
	memcpy(seg, &th, sizeof(th));
	seg[13] = flags;
	fill_random(f, seg + sizeof(th) + optlen, plen);
	return sizeof(th) + optlen + plen;
}

/* A copy of @from's latest segment with other options; 0 if none */
static size_t replay(struct fuzz *f, uint8_t *seg, int from)
{
	const struct fuzz_side *s = &f->side[from];
	size_t doff, plen, optlen;

	if (!s->replay_len)
		return 0;
	doff = (s->replay[12] >> 4) * 4;
	if (doff < sizeof(struct tcphdr) || doff > s->replay_len)
		return 0;
	plen = s->replay_len - doff;
	optlen = random_options(f, seg + sizeof(struct tcphdr),
				HDR_MAX - sizeof(struct tcphdr), true);
	memcpy(seg, s->replay, sizeof(struct tcphdr));
	seg[12] = ((sizeof(struct tcphdr) + optlen) / 4) << 4;
	memcpy(seg + sizeof(struct tcphdr) + optlen, s->replay + doff, plen);
	return sizeof(struct tcphdr) + optlen + plen;
}

/*
 * Build one fuzzed segment from @from to @to of kind @kind in @seg;
 * returns its length, with *@good_csum false for a malformed segment
 * (its checksum is still right over what is sent)
 */
static size_t fuzz_build(struct fuzz *f, uint8_t *seg, int from, int to,
			 enum fuzz_kind kind)
{
	const struct fuzz_side *v = &f->side[to], *o = &f->side[from];
	uint32_t rcv_nxt = v->ack, snd_una = o->ack, snd_nxt = v->snd_nxt;
	uint8_t flags;
	size_t len;

	switch (kind) {
	case FUZZ_MALFORMED:
		len = build(f, seg, from, to, rnd(f), rnd(f), rnd(f), false);
		switch (rnd_below(f, 3)) {
		case 0:		/* a truncated header */
			return rnd_below(f, sizeof(struct tcphdr));
		case 1:		/* a data offset below 5 */
			seg[12] = rnd_below(f, 5) << 4;
			return len;
		default:	/* a data offset beyond the segment */
			len = len < 56 ? len : 56;
			seg[12] = (len / 4 + 1 + rnd_below(f, 15 - len / 4)) << 4;
			return len;
		}
	case FUZZ_OUT_OF_WINDOW:
		return build(f, seg, from, to,
			     rcv_nxt + 0x40000000 + rnd_below(f, 0x3fff0000),
			     snd_una + rnd_below(f, 0x10000), rnd(f), false);
	case FUZZ_BAD_ACK:
		flags = TH_ACK | (rnd(f) & (TH_PUSH | TH_FIN | TH_URG | 0xc0));
		if (!rnd_below(f, 8))
			flags |= TH_SYN;
		return build(f, seg, from, to, rcv_nxt + rnd_below(f, 2000),
			     rnd_below(f, 2) ?
			     snd_una - 0x40000000 - rnd_below(f, 0x10000000) :
			     snd_nxt + 0x20000000 + rnd_below(f, 0x10000000),
			     flags, false);
	case FUZZ_NO_ACK:
		flags = rnd(f) & (TH_PUSH | TH_FIN | TH_URG | 0xc0);
		return build(f, seg, from, to, rcv_nxt + rnd_below(f, 2000),
			     rnd(f), flags, false);
	case FUZZ_REPLAY:
		return replay(f, seg, from);
	case FUZZ_LISTENER:
		flags = rnd(f);
		/* A valid SYN now and then: its SYN-ACK is answered by a RST */
		if (rnd_below(f, 256))
			flags &= ~TH_SYN;
		len = build(f, seg, from, to, rnd(f), rnd(f), flags, false);
		seg[0] = rnd(f);
		seg[1] = rnd(f) | 0x80;
		return len;
	default:
		return 0;
	}
}

/* Send one fuzzed segment of kind @kind to side @to; 0 or -1 */
static int fuzz_one(struct fuzz *f, int to, enum fuzz_kind kind)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int from = !to;
	uint8_t seg[SEG_MAX + HDR_MAX];
	/* A malformed header is refused before its checksum is looked at */
	bool bad = kind != FUZZ_MALFORMED && !rnd_below(f, 8);
	size_t len;

	len = fuzz_build(f, seg, from, to, kind);
	if (!len && kind != FUZZ_MALFORMED)
		return 0;
	if (len >= sizeof(struct tcphdr)) {
		xl_tcp_csum_set(f->side[from].addr, f->side[to].addr, seg,
				len);
		if (bad)
			seg[16 + rnd_below(f, 2)] ^= 1 << rnd_below(f, 8);
	}
	dst.sin_addr.s_addr = f->side[to].addr;
	if (sendto(f->raw[from], seg, len, 0, (struct sockaddr *)&dst,
		   sizeof(dst)) != (ssize_t)len)
		return errno == ENOBUFS ? 0 : -1;
	f->sent++;
	f->kinds[kind]++;
	if (bad)
		f->bad_csum++;
	else if (kind == FUZZ_MALFORMED)
		f->malformed++;
	return 0;
}

/*
 * Fuzz the flow: @n segments, to both ends, once the sniffer has seen
 * both; a short pause every 64 keeps the veth queues from overflowing, so
 * that every segment reaches the receive path
 */
static int fuzz_flow(struct fuzz *f, unsigned long n)
{
	long long end = xl_now_ms() + WAIT_MS;
	unsigned long logged = 0;
	enum fuzz_kind kind;

	while (!f->side[0].seen || !f->side[1].seen) {
		fuzz_sniff(f);
		if (xl_now_ms() > end)
			return -1;
		usleep(1000);
	}
	while (f->sent < n) {
		if (!(f->sent % 64)) {
			fuzz_sniff(f);
			usleep(200);
		}
		if (f->sent >= logged) {
			xl_kmsg("fuzz: %lu of %lu segments", f->sent, n);
			logged += n / 10 ? : 1;
		}
		kind = rnd_below(f, FUZZ_REPLAY + 1);
		if (fuzz_one(f, rnd_below(f, 2), kind))
			return -1;
	}
	return 0;
}

static unsigned long fuzz_segs(void)
{
	const char *env = getenv("XTCP_FUZZ_SEGS");
	unsigned long n = env ? strtoul(env, NULL, 0) : FUZZ_SEGS;

	if (xl_timeout_scale() > 1)
		n /= FUZZ_DEBUG_SHARE;
	return n ? : 1;
}

static void fuzz_log(struct __test_metadata *_metadata, const struct fuzz *f)
{
	int i;

	TH_LOG("%lu segments fuzzed, %lu with a bad checksum, %lu malformed",
	       f->sent, f->bad_csum, f->malformed);
	for (i = 0; i < __FUZZ_KINDS; i++) {
		if (f->kinds[i])
			TH_LOG("  %-14s %lu", fuzz_kind_names[i], f->kinds[i]);
	}
}

FIXTURE(fuzz) {
	struct fuzz f;
	int fds[4];
};

FIXTURE_VARIANT(fuzz) {
	bool tcp;
};

FIXTURE_VARIANT_ADD(fuzz, xtcp) {
	.tcp = false,
};

FIXTURE_VARIANT_ADD(fuzz, tcp) {
	.tcp = true,
};

FIXTURE_SETUP(fuzz)
{
	int i;

	self->f.cap = self->f.raw[0] = self->f.raw[1] = -1;
	for (i = 0; i < 4; i++)
		self->fds[i] = -1;
	ASSERT_EQ(0, xl_topo("veth"));
}

FIXTURE_TEARDOWN(fuzz)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (self->fds[i] >= 0)
			xl_abort_close(self->fds[i]);
	}
	fuzz_close(&self->f);
	xl_topo("clean");
}

/* A connected pair, client in XL_NS_A: fds[0] client, fds[1] server */
static int pair(FIXTURE_DATA(fuzz) *self, bool tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int lfd;

	if (!tcp) {
		lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 1, 0);
		self->fds[0] = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	} else {
		inet_pton(AF_INET, XL_IP_B, &sa.sin_addr);
		lfd = xl_tcp_sock(XL_NS_B);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(lfd, 1))
			return -1;
		self->fds[0] = xl_tcp_sock(XL_NS_A);
		if (self->fds[0] < 0 ||
		    connect(self->fds[0], (struct sockaddr *)&sa, sizeof(sa)))
			return -1;
	}
	if (lfd < 0 || self->fds[0] < 0)
		return -1;
	self->fds[1] = accept(lfd, NULL, NULL);
	close(lfd);
	return self->fds[1] < 0 ? -1 : 0;
}

/* Counters of both namespaces together */
static long snmp2(const char *name)
{
	return xl_snmp(XL_NS_A, name) + xl_snmp(XL_NS_B, name);
}

/*
 * XFER_BYTES each way while the fuzzer runs; the bytes arrive as sent,
 * nothing resets, and on xtcp every bad checksum and malformed segment is
 * counted
 */
TEST_F_TIMEOUT(fuzz, live_transfer_survives, 600)
{
	struct xl_xfer x[4] = {
		{ .seed = 1, .total = XFER_BYTES },
		{ .seed = 1, .total = XFER_BYTES },
		{ .seed = 2, .total = XFER_BYTES },
		{ .seed = 2, .total = XFER_BYTES },
	};
	long csums = 0, errs = 0, resets = 0;
	pthread_t th[4];
	int i, proto;

	ASSERT_EQ(0, pair(self, variant->tcp));
	proto = variant->tcp ? IPPROTO_TCP : xl_ipproto();
	ASSERT_EQ(0, fuzz_open(&self->f, proto, xl_local_port(self->fds[0]),
			       PORT));
	if (!variant->tcp) {
		csums = snmp2("InCsumErrors");
		errs = snmp2("InErrs");
		resets = snmp2("EstabResets");
	}
	/* client -> server with seed 1, server -> client with seed 2 */
	x[0].fd = self->fds[0];
	x[1].fd = self->fds[1];
	x[2].fd = self->fds[1];
	x[3].fd = self->fds[0];
	ASSERT_EQ(0, pthread_create(&th[0], NULL, xl_send_stream, &x[0]));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, xl_recv_stream, &x[1]));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, xl_send_stream, &x[2]));
	ASSERT_EQ(0, pthread_create(&th[3], NULL, xl_recv_stream, &x[3]));
	EXPECT_EQ(0, fuzz_flow(&self->f, variant->tcp ?
			       fuzz_segs() / FUZZ_TCP_SHARE : fuzz_segs()));
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	fuzz_log(_metadata, &self->f);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, x[i].err)
			TH_LOG("stream %d: %s after %llu bytes", i,
			       strerror(x[i].err), x[i].done);
		EXPECT_EQ(XFER_BYTES, x[i].done);
	}
	if (variant->tcp)
		return;
	/* Every segment reached the receive path and was counted */
	sleep(1);
	TH_LOG("InCsumErrors +%ld, InErrs +%ld, EstabResets +%ld",
	       snmp2("InCsumErrors") - csums, snmp2("InErrs") - errs,
	       snmp2("EstabResets") - resets);
	EXPECT_EQ(csums + (long)self->f.bad_csum, snmp2("InCsumErrors"));
	EXPECT_EQ(errs + (long)(self->f.bad_csum + self->f.malformed),
		  snmp2("InErrs"));
	EXPECT_EQ(resets, snmp2("EstabResets"));
}

/*
 * Fuzzed segments from random ports at a listener (every flag, options,
 * now and then a valid SYN) while CLIENTS clients in turn connect, send
 * a line and read it back: every client gets through, and what the
 * fuzzer left (SYN_RECV children, answered by RSTs) is gone afterwards.
 */
TEST_F_TIMEOUT(fuzz, listener_survives, 600)
{
	unsigned long n = fuzz_segs(), per_client;
	struct xl_conn c;
	int lfd, i, ok = 0;
	long long start;

	if (variant->tcp)
		SKIP(return, "xtcp only");
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 64, 0);
	ASSERT_LE(0, lfd);
	self->fds[2] = lfd;
	ASSERT_EQ(0, fuzz_open(&self->f, xl_ipproto(), 0, PORT));
	per_client = n / CLIENTS;
	for (i = 0; i < CLIENTS; i++) {
		while (self->f.sent < per_client * (i + 1)) {
			if (!(self->f.sent % 64))
				usleep(200);
			ASSERT_EQ(0, fuzz_one(&self->f, 1, FUZZ_LISTENER));
		}
		start = xl_now_ms();
		xl_kmsg("fuzz: client %d, %lu segments", i, self->f.sent);
		if (!xl_conn_open(&c, lfd, XL_IP_B, PORT)) {
			ok += !xl_ping_pong(c.cli, c.srv, WAIT_MS);
			xl_conn_close(&c);
		}
		if (xl_now_ms() - start > 1000)
			TH_LOG("client %d: %lld ms", i, xl_now_ms() - start);
	}
	fuzz_log(_metadata, &self->f);
	TH_LOG("%d of %d clients got through; ListenDrops %ld", ok, CLIENTS,
	       xl_snmp(XL_NS_B, "ListenDrops"));
	EXPECT_EQ(CLIENTS, ok);
	start = xl_now_ms();
	while (xl_count_rows(XL_NS_B, NULL, "SYN_RECV") > 0 &&
	       xl_now_ms() - start < WAIT_MS)
		usleep(100 * 1000);
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, NULL, "SYN_RECV"));
	EXPECT_EQ(1, xl_count_rows(XL_NS_B, NULL, NULL));
}

XL_HARNESS_MAIN
