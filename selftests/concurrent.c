// SPDX-License-Identifier: GPL-2.0
/*
 * 200 connections at once from xa to xb, 1 MB each (CONN_BYTES), driven
 * by one poll() loop over non-blocking sockets; every stream arrives
 * intact, and no stream stalls for STALL_MS (scaled by XTCP_TIMEOUT_SCALE) with nothing
 * sent or received.
 *
 * xtcp-test: alone (it saturates the CPU: other tests' timers would fire
 * late)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define CONNS		200
/*
 * 1 MB per connection; on a debug kernel (XTCP_TIMEOUT_SCALE) 1/scale of
 * that, still more than a receive window, so that flow control is in play
 */
#define CONN_BYTES	(1ULL * XL_MB / xl_timeout_scale())
#define STALL_MS	30000
#define LIMIT_MS	400000

/**
 * struct conn - one of the concurrent connections
 * @cli: client end in xa, sending
 * @rx: server end in xb, receiving and verifying
 * @sent: bytes sent by @cli
 * @shut: @cli has shut down writing
 * @done: @rx reached end of stream or an error
 */
struct conn {
	int cli;
	struct xl_xfer rx;
	unsigned long long sent;
	bool shut;
	bool done;
};

static struct conn conns[CONNS];
static struct pollfd pfd[2 * CONNS];

FIXTURE(concurrent) {
	int lfd;
};

FIXTURE_SETUP(concurrent)
{
	int i;

	xl_pattern_init();
	for (i = 0; i < CONNS; i++)
		conns[i].cli = conns[i].rx.fd = -1;
	self->lfd = xl_veth_listen(PORT, CONNS + 16, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(concurrent)
{
	int i;

	for (i = 0; i < CONNS; i++) {
		if (conns[i].cli >= 0)
			close(conns[i].cli);
		if (conns[i].rx.fd >= 0)
			close(conns[i].rx.fd);
	}
	close(self->lfd);
	xl_topo("clean");
}

/* One step of a client: send what the socket takes, then shut down. */
static int conn_send(struct conn *c)
{
	ssize_t n;

	while (c->sent < CONN_BYTES) {
		n = send(c->cli, xl_stream_at(c->rx.seed, c->sent),
			 xl_chunk_len(c->sent, CONN_BYTES),
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		c->sent += n;
	}
	c->shut = true;
	return shutdown(c->cli, SHUT_WR) ? errno : 0;
}

/* One step of a server end: receive and verify what is there. */
static void conn_recv(struct conn *c, unsigned char *buf)
{
	ssize_t n;

	for (;;) {
		n = recv(c->rx.fd, buf, XL_CHUNK, MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN)
			c->rx.err = errno;
		if (n < 0)
			return;
		if (!n) {
			c->rx.eof = true;
			return;
		}
		if (!xl_check_stream(&c->rx, buf, n))
			return;
	}
}

/* Both ends of an unfinished connection: XTCP_INFO and /proc rows. */
static void print_stuck(int i)
{
	char local[XL_ADDRSTRLEN], what[64];
	struct xl_row row;

	xl_log("connection %d: sent %llu, received %llu, %s", i,
	       conns[i].sent, conns[i].rx.done,
	       conns[i].shut ? "shut down" : "open");
	snprintf(what, sizeof(what), "connection %d xa", i);
	xl_info_print(what, conns[i].cli);
	snprintf(what, sizeof(what), "connection %d xb", i);
	xl_info_print(what, conns[i].rx.fd);
	if (!xl_local_str(conns[i].cli, local, sizeof(local)))
		return;
	if (!xl_find(XL_NS_A, local, SRV, &row))
		xl_row_print("xa row", &row);
	if (!xl_find(XL_NS_B, SRV, local, &row))
		xl_row_print("xb row", &row);
}

/* Connect all clients, then accept them all and pair them by port. */
static void open_all(struct __test_metadata *_metadata, int lfd)
{
	struct sockaddr_xtcp peer;
	socklen_t alen;
	int i, k, fd;

	for (i = 0; i < CONNS; i++) {
		conns[i].cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
		ASSERT_LE(0, conns[i].cli) TH_LOG("connect %d: %s", i,
						  strerror(errno));
		ASSERT_EQ(0, xl_set_nonblock(conns[i].cli, true));
		conns[i].rx.seed = xl_local_port(conns[i].cli);
		conns[i].rx.total = CONN_BYTES;
	}
	for (i = 0; i < CONNS; i++) {
		alen = sizeof(peer);
		fd = accept(lfd, (struct sockaddr *)&peer, &alen);
		ASSERT_LE(0, fd) TH_LOG("accept %d: %s", i, strerror(errno));
		for (k = 0; k < CONNS; k++) {
			if (conns[k].rx.seed == ntohs(peer.sxtcp_port))
				break;
		}
		ASSERT_GT(CONNS, k);
		ASSERT_EQ(-1, conns[k].rx.fd);
		conns[k].rx.fd = fd;
		ASSERT_EQ(0, xl_set_nonblock(fd, true));
	}
}

TEST_F_TIMEOUT(concurrent, two_hundred_streams_intact, 500)
{
	static unsigned char buf[XL_CHUNK];
	unsigned long long total = 0, moved, last_moved = 0;
	long long start, last_progress, now, stall_ms, limit_ms;
	int i, err, finished = 0;

	open_all(_metadata, self->lfd);
	EXPECT_EQ(CONNS, xl_snmp(XL_NS_A, "CurrEstab"));
	EXPECT_EQ(CONNS, xl_snmp(XL_NS_B, "CurrEstab"));

	/* On a debug kernel one pass over the sockets takes seconds */
	stall_ms = STALL_MS * xl_timeout_scale();
	limit_ms = LIMIT_MS * xl_timeout_scale();
	start = last_progress = xl_now_ms();
	while (finished < CONNS) {
		for (i = 0; i < CONNS; i++) {
			pfd[2 * i].fd = conns[i].shut ? -1 : conns[i].cli;
			pfd[2 * i].events = POLLOUT;
			pfd[2 * i + 1].fd = conns[i].done ? -1 : conns[i].rx.fd;
			pfd[2 * i + 1].events = POLLIN;
		}
		ASSERT_LE(0, poll(pfd, 2 * CONNS, 1000));
		for (i = 0; i < CONNS; i++) {
			struct conn *c = &conns[i];

			if (pfd[2 * i].revents) {
				err = conn_send(c);
				ASSERT_EQ(0, err) TH_LOG("send %d: %s", i,
							 strerror(err));
			}
			if (!pfd[2 * i + 1].revents)
				continue;
			total -= c->rx.done;
			conn_recv(c, buf);
			total += c->rx.done;
			if (c->rx.eof || c->rx.err) {
				c->done = true;
				finished++;
			}
		}
		now = xl_now_ms();
		for (i = 0, moved = total; i < CONNS; i++)
			moved += conns[i].sent;
		if (moved != last_moved) {
			last_moved = moved;
			last_progress = now;
		}
		if (now - last_progress > stall_ms || now - start > limit_ms)
			break;
	}
	now = xl_now_ms();
	TH_LOG("%d connections x %llu KB: %d finished in %lld ms, %.2f MB/s",
	       CONNS, CONN_BYTES >> 10, finished, now - start,
	       total * 1000.0 / XL_MB / (now - start + 1));
	if (finished < CONNS) {
		TH_LOG("no data sent or received for the last %lld ms",
		       now - last_progress);
		for (i = 0; i < CONNS; i++) {
			if (!conns[i].done)
				print_stuck(i);
		}
		xl_snmp_print(XL_NS_A);
		xl_snmp_print(XL_NS_B);
	}
	EXPECT_EQ(CONNS, finished);
	for (i = 0; i < CONNS; i++) {
		EXPECT_EQ(0, conns[i].rx.err) TH_LOG("connection %d: %s at byte %llu",
						     i, strerror(conns[i].rx.err),
						     conns[i].rx.done);
		EXPECT_EQ(CONN_BYTES, conns[i].rx.done);
		EXPECT_TRUE(conns[i].rx.eof);
	}
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "AbortOnTimeout"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
}

XL_HARNESS_MAIN
