// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-test: alone (it measures insert times and fills the namespace's
 * memory on purpose)
 *
 * Bounded memory from remote input. A raw IPv4 socket in XL_NS_A plays
 * the peer of a live connection (its ISNs learnt from a capture of the
 * handshake; the real client in XL_NS_A hears nothing from B any more, a
 * tc filter drops it):
 *  - a flood of out-of-order segments with holes, overlaps and duplicates
 *    keeps the receiver within twice SO_RCVBUF and the namespace's
 *    MemoryAllocated within that, with OfoMerge counting the duplicates
 *    and OfoDrop/OfoPruned the segments memory refused; once the holes
 *    are filled the bytes read are the bytes sent;
 *  - thousands of segments with holes between them, sent in descending
 *    order (the worst case of a sorted list) are all queued (OfoQueued),
 *    and the stream comes out whole once the holes are filled; the time
 *    per insert is printed.
 * A debug kernel (XTCP_TIMEOUT_SCALE above 1) sends an eighth of the
 * segments of both.
 * Memory pressure (net.xtcp.mem set low in XL_NS_B): connections that
 * hold unread data put the namespace under pressure (MemoryPressures)
 * and past its limit, where in-order data is refused (RcvQDrop); the data
 * that fills the raw peer's hole first frees the out-of-order data queued
 * behind it (OfoPruned); every connection survives and delivers identical
 * bytes once the readers read, and MemoryAllocated is back to 0 in both
 * namespaces after close.
 * net.xtcp.mem: defaults as tcp_mem, per namespace, three values in
 * order, anything else refused with EINVAL.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define MEM_PATH	"/proc/sys/net/xtcp/mem"
#define WAIT_MS		30000
#define SEG_MAX		1400
/* The flood: segments, and the stream the holes are then filled with */
#define FLOOD_SEGS	20000
#define FLOOD_BYTES	(1ULL * XL_MB)
/* Descending inserts: holes of HOLE_LEN every 2 * HOLE_LEN bytes */
#define HOLES		16384
#define HOLE_LEN	64
#define HOLES_RCVBUF	(32 * XL_MB)
/* Pressure: connections, bytes each, and net.xtcp.mem in XL_NS_B */
#define PRESS_CONNS	4
#define PRESS_BYTES	(3ULL * XL_MB)
#define PRESS_RCVBUF	XL_MB
#define PRESS_MEM	"256 512 768"
#define PRESS_MAX	768
/* The raw peer's out-of-order data, behind a hole of SEG_MAX bytes */
#define PRESS_PEER_OFO	(40 * SEG_MAX)
#define PRESS_PEER_BYTES	(64 * 1024)
/* Pages the CPUs may hold before memory_allocated sees them: 2 x 1 MB */
#define PCPU_SLACK	512

/**
 * struct peer - a raw socket that speaks for the client of a connection
 * @raw: raw socket of xtcp's protocol in XL_NS_A
 * @saddr: client address, network order
 * @daddr: server address, network order
 * @sport: client port, network order
 * @iss: client's initial sequence number
 * @irs: server's initial sequence number
 * @seed: stream the payload comes from
 * @sent: segments sent
 */
struct peer {
	int raw;
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint32_t iss;
	uint32_t irs;
	unsigned int seed;
	unsigned long sent;
};

FIXTURE(memory) {
	int lfd;
	int cap;
	struct xl_conn c;
	struct peer p;
};

FIXTURE_SETUP(memory)
{
	xl_pattern_init();
	self->c.cli = self->c.srv = -1;
	self->cap = -1;
	self->p.raw = -1;
	self->lfd = xl_veth_listen(PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(memory)
{
	if (self->p.raw >= 0)
		close(self->p.raw);
	if (self->cap >= 0)
		close(self->cap);
	xl_conn_abort(&self->c);
	close(self->lfd);
	xl_topo("clean");
}

/* Send @len bytes of the stream at @off (and a FIN after them with @fin) */
static int peer_send(struct peer *p, uint32_t off, uint32_t len, bool fin)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	uint8_t seg[sizeof(struct tcphdr) + SEG_MAX];
	struct tcphdr *th = (struct tcphdr *)seg;
	int tries;

	memset(th, 0, sizeof(*th));
	th->source = p->sport;
	th->dest = htons(PORT);
	th->seq = htonl(p->iss + 1 + off);
	th->ack_seq = htonl(p->irs + 1);
	th->doff = 5;
	th->ack = 1;
	th->psh = !!len;
	th->fin = fin;
	th->window = htons(65535);
	memcpy(seg + sizeof(*th), xl_stream_at(p->seed, off), len);
	xl_tcp_csum_set(p->saddr, p->daddr, seg, sizeof(*th) + len);
	dst.sin_addr.s_addr = p->daddr;
	for (tries = 0; tries < 100; tries++) {
		if (sendto(p->raw, seg, sizeof(*th) + len, 0,
			   (struct sockaddr *)&dst, sizeof(dst)) >= 0)
			break;
		if (errno != ENOBUFS)
			return -1;
		usleep(1000);
	}
	/* Let the veth backlog drain now and then */
	if (!(++p->sent % 32))
		usleep(200);
	return 0;
}

/*
 * Connect self->c, learning both ISNs from a capture of the handshake;
 * then B's segments no longer reach the client, and a raw socket speaks
 * in its name. The listener's SO_RCVBUF is @rcvbuf (0: default).
 */
static int peer_open(struct __test_metadata *_metadata,
		     FIXTURE_DATA(memory) *self, int rcvbuf)
{
	bool syn = false, synack = false;
	struct xl_seg seg;
	char match[64];
	int port;

	if (rcvbuf)
		ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUFFORCE,
					&rcvbuf, sizeof(rcvbuf)));
	self->cap = xl_capture_veth();
	ASSERT_LE(0, self->cap);
	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	port = xl_local_port(self->c.cli);
	ASSERT_LT(0, port);
	while ((!syn || !synack) &&
	       xl_capture_next(self->cap, PORT, &seg, 5000) == 1) {
		if ((seg.flags & 0x12) == 0x02 && ntohs(seg.th.source) == port) {
			self->p.iss = seg.seq;
			syn = true;
		} else if ((seg.flags & 0x12) == 0x12 &&
			   ntohs(seg.th.dest) == port) {
			self->p.irs = seg.seq;
			synack = true;
		}
	}
	ASSERT_TRUE(syn && synack) TH_LOG("handshake not captured");
	/* The destination port: 20 bytes of IPv4 header, then offset 2 */
	snprintf(match, sizeof(match), "match u16 0x%04x 0xffff at 22", port);
	ASSERT_EQ(0, xl_tc_drop(XL_NS_A, "xa0", XL_TC_INGRESS, match));
	self->p.raw = xl_socket_in(XL_NS_A, AF_INET, SOCK_RAW, xl_ipproto());
	ASSERT_LE(0, self->p.raw);
	inet_pton(AF_INET, XL_IP_A, &self->p.saddr);
	inet_pton(AF_INET, XL_IP_B, &self->p.daddr);
	self->p.sport = htons(port);
	self->p.seed = 7;
	return 0;
}

/* A debug kernel (XTCP_TIMEOUT_SCALE above 1) takes an eighth */
static int scaled(int n)
{
	return xl_timeout_scale() > 1 ? n / 8 : n;
}

static long long bytes_received(int fd)
{
	struct xtcp_info info;

	return xl_get_info(fd, &info) ? -1 : (long long)info.bytes_received;
}

/*
 * Fill every hole below @total as a plain sender would: send what the
 * receiver lacks from its rcv_nxt on, a window's worth at a time, until
 * it has all of it, then a FIN. Return: 0, or -1 when it makes no progress
 * for @ms.
 */
static int peer_fill(struct peer *p, int srv, unsigned long long total,
		     int ms)
{
	long long got, last = -1, since = xl_now_ms();
	unsigned long long off, end;

	for (;;) {
		got = bytes_received(srv);
		if (got < 0)
			return -1;
		if (got != last)
			since = xl_now_ms();
		else if (xl_now_ms() - since > ms)
			return -1;
		last = got;
		if ((unsigned long long)got >= total)
			break;
		end = (unsigned long long)got + 64 * 1024;
		if (end > total)
			end = total;
		for (off = got; off < end; off += SEG_MAX)
			if (peer_send(p, off, end - off < SEG_MAX ?
				      end - off : SEG_MAX, false))
				return -1;
		usleep(20000);
	}
	return peer_send(p, total, 0, true);
}

static void meminfo(int fd, uint32_t *rmem, uint32_t *rcvbuf)
{
	uint32_t mi[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mi);

	getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mi, &len);
	*rmem = mi[SK_MEMINFO_RMEM_ALLOC];
	*rcvbuf = mi[SK_MEMINFO_RCVBUF];
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s >> 11;
}

TEST_F_TIMEOUT(memory, ofo_flood_stays_bounded_and_stream_intact, 300)
{
	struct xl_xfer rx = { .seed = 7, .total = FLOOD_BYTES };
	long merge0, drop0, pruned0, queued0, pages, max_pages = 0;
	uint32_t rmem, rcvbuf, max_rmem = 0, win, off, len = 0;
	uint64_t rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)xl_now_ms();
	struct xtcp_info info;
	pthread_t thr;
	int i;

	ASSERT_EQ(0, peer_open(_metadata, self, 0));
	queued0 = xl_snmp(XL_NS_B, "OfoQueued");
	merge0 = xl_snmp(XL_NS_B, "OfoMerge");
	drop0 = xl_snmp(XL_NS_B, "OfoDrop");
	pruned0 = xl_snmp(XL_NS_B, "OfoPruned");
	ASSERT_LE(0, merge0);
	ASSERT_LE(0, drop0);
	ASSERT_LE(0, pruned0);
	/* The handshake's window first; the first segment opens it wider */
	win = 60000;
	ASSERT_EQ(0, peer_send(&self->p, 1, 1, false));
	ASSERT_EQ(0, xl_get_info(self->c.srv, &info));
	if (info.rcv_wnd > win)
		win = info.rcv_wnd;
	off = 1;
	for (i = 0; i < scaled(FLOOD_SEGS); i++) {
		switch (rng_next(&rng) % 4) {
		case 0:
		case 1:
			/* One byte with a hole on each side; never offset 0 */
			off = 1 + 2 * (rng_next(&rng) % (win / 2 - 1));
			len = 1;
			break;
		case 2:
			/* Anything, overlapping what is queued */
			off = 1 + rng_next(&rng) % (win - SEG_MAX - 1);
			len = 1 + rng_next(&rng) % SEG_MAX;
			break;
		default:
			/* The previous segment again */
			break;
		}
		ASSERT_EQ(0, peer_send(&self->p, off, len, false));
		if (!(i % 500)) {
			meminfo(self->c.srv, &rmem, &rcvbuf);
			if (rmem > max_rmem)
				max_rmem = rmem;
			pages = xl_snmp(XL_NS_B, "MemoryAllocated");
			if (pages > max_pages)
				max_pages = pages;
		}
	}
	meminfo(self->c.srv, &rmem, &rcvbuf);
	TH_LOG("flood: %d segments in a %u-byte window; receiver at most %u bytes (SO_RCVBUF %u), namespace %ld pages; OfoQueued +%ld OfoMerge +%ld OfoDrop +%ld OfoPruned +%ld",
	       scaled(FLOOD_SEGS), win, max_rmem, rcvbuf, max_pages,
	       xl_snmp(XL_NS_B, "OfoQueued") - queued0,
	       xl_snmp(XL_NS_B, "OfoMerge") - merge0,
	       xl_snmp(XL_NS_B, "OfoDrop") - drop0,
	       xl_snmp(XL_NS_B, "OfoPruned") - pruned0);
	EXPECT_GE(2ULL * rcvbuf, max_rmem);
	EXPECT_GE((2 * rcvbuf) / 4096 + 2, max_pages);
	EXPECT_LT(merge0, xl_snmp(XL_NS_B, "OfoMerge"));
	EXPECT_LT(drop0 + pruned0, xl_snmp(XL_NS_B, "OfoDrop") +
		  xl_snmp(XL_NS_B, "OfoPruned"));
	EXPECT_EQ(0, bytes_received(self->c.srv));

	rx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&thr, NULL, xl_recv_stream, &rx));
	EXPECT_EQ(0, peer_fill(&self->p, self->c.srv, FLOOD_BYTES, WAIT_MS));
	for (i = 0; i < 100 && !rx.eof && !rx.err; i++) {
		peer_send(&self->p, FLOOD_BYTES, 0, true);
		usleep(100000);
	}
	if (!rx.eof && !rx.err)
		shutdown(self->c.srv, SHUT_RD);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, rx.err);
	EXPECT_TRUE(rx.eof);
	EXPECT_EQ(FLOOD_BYTES, rx.done);
}

TEST_F_TIMEOUT(memory, ofo_descending_holes_all_queued, 300)
{
	int holes = scaled(HOLES);
	struct xl_xfer rx = { .seed = 7, .total = 2ULL * holes * HOLE_LEN };
	long long start, sent_ms, queued_ms;
	long queued0, merge0;
	pthread_t thr;
	int i;

	ASSERT_EQ(0, peer_open(_metadata, self, HOLES_RCVBUF));
	queued0 = xl_snmp(XL_NS_B, "OfoQueued");
	merge0 = xl_snmp(XL_NS_B, "OfoMerge");
	/* The first hole is within the handshake's window and widens it */
	ASSERT_EQ(0, peer_send(&self->p, HOLE_LEN, HOLE_LEN, false));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "OfoQueued", queued0 + 1, 5000));
	start = xl_now_ms();
	for (i = holes - 1; i > 0; i--)
		ASSERT_EQ(0, peer_send(&self->p, (2 * i + 1) * HOLE_LEN,
				       HOLE_LEN, false));
	sent_ms = xl_now_ms() - start;
	EXPECT_EQ(0, xl_wait_snmp(XL_NS_B, "OfoQueued", queued0 + holes,
				  WAIT_MS))
		TH_LOG("OfoQueued +%ld of %d", xl_snmp(XL_NS_B, "OfoQueued") -
		       queued0, holes);
	queued_ms = xl_now_ms() - start;
	TH_LOG("%d segments queued out of order in descending order: sent in %lld ms, all queued after %lld ms (%.1f us a segment)",
	       holes, sent_ms, queued_ms, queued_ms * 1000.0 / holes);
	EXPECT_EQ(merge0, xl_snmp(XL_NS_B, "OfoMerge"));
	EXPECT_EQ(0, bytes_received(self->c.srv));

	rx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&thr, NULL, xl_recv_stream, &rx));
	start = xl_now_ms();
	for (i = 0; i < holes; i++)
		ASSERT_EQ(0, peer_send(&self->p, 2 * i * HOLE_LEN, HOLE_LEN,
				       false));
	EXPECT_EQ(0, peer_fill(&self->p, self->c.srv, rx.total, WAIT_MS));
	TH_LOG("holes filled and drained in %lld ms", xl_now_ms() - start);
	for (i = 0; i < 100 && !rx.eof && !rx.err; i++) {
		peer_send(&self->p, rx.total, 0, true);
		usleep(100000);
	}
	if (!rx.eof && !rx.err)
		shutdown(self->c.srv, SHUT_RD);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, rx.err);
	EXPECT_EQ(rx.total, rx.done);
}

TEST_F_TIMEOUT(memory, pressure_prunes_ofo_first_connections_finish, 400)
{
	struct xl_xfer tx[PRESS_CONNS], rx[PRESS_CONNS];
	struct xl_xfer prx = { .seed = 7, .total = PRESS_PEER_BYTES };
	pthread_t txt[PRESS_CONNS], rxt[PRESS_CONNS], pthr;
	long pressures0, pruned0, queued0, refused0, pages, max_pages = 0;
	struct xl_conn c[PRESS_CONNS];
	int i, rcvbuf = PRESS_RCVBUF;
	long long start;
	uint32_t off;

	for (i = 0; i < PRESS_CONNS; i++)
		c[i].cli = c[i].srv = -1;
	ASSERT_EQ(0, xl_write_file(XL_NS_B, MEM_PATH, PRESS_MEM));
	pressures0 = xl_snmp(XL_NS_B, "MemoryPressures");
	pruned0 = xl_snmp(XL_NS_B, "OfoPruned");
	queued0 = xl_snmp(XL_NS_B, "OfoQueued");
	ASSERT_LE(0, pressures0);

	/* The raw peer's connection holds out-of-order data behind a hole */
	ASSERT_EQ(0, peer_open(_metadata, self, 0));
	for (off = SEG_MAX; off < PRESS_PEER_OFO; off += SEG_MAX)
		ASSERT_EQ(0, peer_send(&self->p, off, SEG_MAX, false));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "OfoQueued", queued0 + 1, 5000));

	/* Connections whose readers do not read fill the namespace */
	for (i = 0; i < PRESS_CONNS; i++) {
		ASSERT_EQ(0, xl_conn_open(&c[i], self->lfd, XL_IP_B, PORT));
		ASSERT_EQ(0, setsockopt(c[i].srv, SOL_SOCKET, SO_RCVBUFFORCE,
					&rcvbuf, sizeof(rcvbuf)));
		tx[i] = (struct xl_xfer){ .fd = c[i].cli, .seed = i + 1,
					  .total = PRESS_BYTES };
		rx[i] = (struct xl_xfer){ .fd = c[i].srv, .seed = i + 1,
					  .total = PRESS_BYTES };
		ASSERT_EQ(0, pthread_create(&txt[i], NULL, xl_send_stream,
					    &tx[i]));
	}
	start = xl_now_ms();
	refused0 = -1;
	while (xl_now_ms() - start < 60000) {
		pages = xl_snmp(XL_NS_B, "MemoryAllocated");
		if (pages > max_pages)
			max_pages = pages;
		if (xl_snmp(XL_NS_B, "MemoryPressures") > pressures0 &&
		    refused0 < 0)
			refused0 = xl_snmp(XL_NS_B, "RcvQDrop");
		/* Under pressure, and in-order data refused for a while */
		if (refused0 >= 0 && xl_snmp(XL_NS_B, "RcvQDrop") > refused0 + 20)
			break;
		usleep(100000);
	}
	EXPECT_LT(pressures0, xl_snmp(XL_NS_B, "MemoryPressures"));
	/* Now the hole: its data first frees the queued data after it */
	EXPECT_EQ(pruned0, xl_snmp(XL_NS_B, "OfoPruned"));
	for (i = 0; i < 20 && xl_snmp(XL_NS_B, "OfoPruned") == pruned0; i++) {
		ASSERT_EQ(0, peer_send(&self->p, 0, SEG_MAX, false));
		usleep(100000);
	}
	TH_LOG("net.xtcp.mem %s: at most %ld pages; MemoryPressures +%ld, PruneCalled %ld, OfoPruned +%ld, RcvPruned %ld, OfoDrop %ld, RcvQDrop %ld",
	       PRESS_MEM, max_pages,
	       xl_snmp(XL_NS_B, "MemoryPressures") - pressures0,
	       xl_snmp(XL_NS_B, "PruneCalled"),
	       xl_snmp(XL_NS_B, "OfoPruned") - pruned0,
	       xl_snmp(XL_NS_B, "RcvPruned"), xl_snmp(XL_NS_B, "OfoDrop"),
	       xl_snmp(XL_NS_B, "RcvQDrop"));
	EXPECT_LT(pruned0, xl_snmp(XL_NS_B, "OfoPruned"));
	EXPECT_GE(PRESS_MAX + PCPU_SLACK, max_pages);

	start = xl_now_ms();
	for (i = 0; i < PRESS_CONNS; i++)
		ASSERT_EQ(0, pthread_create(&rxt[i], NULL, xl_recv_stream,
					    &rx[i]));
	prx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&pthr, NULL, xl_recv_stream, &prx));
	EXPECT_EQ(0, peer_fill(&self->p, self->c.srv, prx.total, WAIT_MS));
	for (i = 0; i < 100 && !prx.eof && !prx.err; i++) {
		peer_send(&self->p, prx.total, 0, true);
		usleep(100000);
	}
	if (!prx.eof && !prx.err)
		shutdown(self->c.srv, SHUT_RD);
	pthread_join(pthr, NULL);
	EXPECT_EQ(0, prx.err);
	EXPECT_EQ(prx.total, prx.done);
	for (i = 0; i < PRESS_CONNS; i++) {
		pthread_join(txt[i], NULL);
		pthread_join(rxt[i], NULL);
		EXPECT_EQ(0, tx[i].err) TH_LOG("sender %d", i);
		EXPECT_EQ(0, rx[i].err) TH_LOG("receiver %d", i);
		EXPECT_EQ(PRESS_BYTES, rx[i].done) TH_LOG("receiver %d", i);
	}
	TH_LOG("all read %lld ms after the readers started; MemoryPressuresChrono %ld ms",
	       xl_now_ms() - start, xl_snmp(XL_NS_B, "MemoryPressuresChrono"));
	for (i = 0; i < PRESS_CONNS; i++)
		xl_conn_close(&c[i]);
	xl_conn_abort(&self->c);
	EXPECT_EQ(0, xl_wait_snmp_eq(XL_NS_B, "MemoryAllocated", 0, 10000))
		TH_LOG("MemoryAllocated %ld in B",
		       xl_snmp(XL_NS_B, "MemoryAllocated"));
	EXPECT_EQ(0, xl_wait_snmp_eq(XL_NS_A, "MemoryAllocated", 0, 10000))
		TH_LOG("MemoryAllocated %ld in A",
		       xl_snmp(XL_NS_A, "MemoryAllocated"));
}

FIXTURE(mem_sysctl) {
	char def[128];
};

FIXTURE_SETUP(mem_sysctl)
{
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_LT(0, xl_read_file(XL_NS_A, MEM_PATH, self->def,
				  sizeof(self->def)));
}

FIXTURE_TEARDOWN(mem_sysctl)
{
	xl_topo("clean");
}

static int read_mem(const char *ns, long *v)
{
	char buf[128];

	if (xl_read_file(ns, MEM_PATH, buf, sizeof(buf)) <= 0)
		return -1;
	return sscanf(buf, "%ld %ld %ld", &v[0], &v[1], &v[2]) == 3 ? 0 : -1;
}

TEST_F(mem_sysctl, defaults_as_tcp_mem)
{
	long v[3], t[3];
	char buf[128];
	int i;

	ASSERT_EQ(0, read_mem(XL_NS_A, v));
	/* tcp_mem is global: only the initial namespace shows it */
	ASSERT_LT(0, xl_read_file(NULL, "/proc/sys/net/ipv4/tcp_mem",
				  buf, sizeof(buf)));
	ASSERT_EQ(3, sscanf(buf, "%ld %ld %ld", &t[0], &t[1], &t[2]));
	TH_LOG("net.xtcp.mem %ld %ld %ld, net.ipv4.tcp_mem %ld %ld %ld",
	       v[0], v[1], v[2], t[0], t[1], t[2]);
	EXPECT_LE(v[0], v[1]);
	EXPECT_LE(v[1], v[2]);
	/* Both from the same memory; xtcp's is computed later, after boot */
	for (i = 0; i < 3; i++) {
		EXPECT_LE(t[i] * 99 / 100, v[i]);
		EXPECT_GE(t[i] * 102 / 100, v[i]);
	}
}

TEST_F(mem_sysctl, ordered_values_per_namespace)
{
	long v[3];

	ASSERT_EQ(0, xl_write_file(XL_NS_A, MEM_PATH, "100 200 300"));
	ASSERT_EQ(0, read_mem(XL_NS_A, v));
	EXPECT_EQ(100, v[0]);
	EXPECT_EQ(200, v[1]);
	EXPECT_EQ(300, v[2]);
	ASSERT_EQ(0, xl_write_file(XL_NS_A, MEM_PATH, "5 5 5"));
	ASSERT_EQ(0, read_mem(XL_NS_A, v));
	EXPECT_EQ(5, v[2]);
	/* One value: the others stay, and the order must still hold */
	ASSERT_EQ(0, xl_write_file(XL_NS_A, MEM_PATH, "1"));
	ASSERT_EQ(0, read_mem(XL_NS_A, v));
	EXPECT_EQ(1, v[0]);
	EXPECT_EQ(5, v[1]);
	ASSERT_EQ(0, read_mem(XL_NS_B, v));
	EXPECT_NE(5, v[2]);
}

TEST_F(mem_sysctl, out_of_order_or_range_is_einval)
{
	static const char * const bad[] = {
		"3 2 1", "1 3 2", "2 1 3", "0 1 2", "-1 2 3", "1 2 -3",
		"1 2 99999999999999999999", "10 20 x", "100000000",
	};
	char now[128];
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, xl_write_file(XL_NS_A, MEM_PATH, bad[i]))
			TH_LOG("\"%s\" accepted", bad[i]);
		ASSERT_LT(0, xl_read_file(XL_NS_A, MEM_PATH, now, sizeof(now)));
		EXPECT_STREQ(self->def, now) TH_LOG("after \"%s\"", bad[i]);
	}
}

XL_HARNESS_MAIN
