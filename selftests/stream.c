// SPDX-License-Identifier: GPL-2.0
/*
 * The byte-stream socket calls, as man 7 tcp describes them: poll() and
 * epoll readiness (POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP), MSG_PEEK,
 * MSG_WAITALL, MSG_DONTWAIT and O_NONBLOCK, SO_RCVTIMEO and SO_SNDTIMEO,
 * interruption by a signal (EINTR, or the partial count), and EPIPE with
 * and without MSG_NOSIGNAL.
 *
 * xtcp-test: long (starts early)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define WAIT_MS		10000
#define BIG		(8 * 1024 * 1024)
#define TIMEO_MS	300

/* Stream bytes @off .. @off + @len - 1 into @buf. */
static void fill(unsigned char *buf, size_t off, size_t len)
{
	size_t n;

	for (; len; buf += n, off += n, len -= n) {
		n = xl_chunk_len(0, len);
		memcpy(buf, xl_stream_at(0, off), n);
	}
}

/* 0 if @buf holds stream bytes @off .. @off + @len - 1. */
static int check(const unsigned char *buf, size_t off, size_t len)
{
	size_t n;

	for (; len; buf += n, off += n, len -= n) {
		n = xl_chunk_len(0, len);
		if (memcmp(buf, xl_stream_at(0, off), n))
			return -1;
	}
	return 0;
}

/* Wait until @len bytes are readable on @fd (MSG_PEEK), up to WAIT_MS. */
static int wait_readable(int fd, size_t len)
{
	long long end = xl_now_ms() + WAIT_MS;
	char *tmp = malloc(len);
	ssize_t n = -1;

	while (tmp && xl_now_ms() < end) {
		n = recv(fd, tmp, len, MSG_PEEK | MSG_DONTWAIT);
		if (n == (ssize_t)len)
			break;
		usleep(10000);
	}
	free(tmp);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * Send the stream from @buf + *@off with MSG_DONTWAIT until the peer's
 * window is closed, all that was sent is acknowledged, and the send buffer
 * takes nothing more: from then on nothing changes until the peer reads.
 * Advances *@off; returns 0, or -1 on an error other than EAGAIN.
 */
static int fill_path(int fd, const unsigned char *buf, long *off)
{
	long long end = xl_now_ms() + WAIT_MS;
	struct xtcp_info info;
	bool settled = false;
	ssize_t n;

	while (xl_now_ms() < end) {
		n = send(fd, buf + *off, BIG - *off, MSG_DONTWAIT);
		if (n > 0) {
			*off += n;
			continue;
		}
		if (n == 0 || errno != EAGAIN || xl_get_info(fd, &info))
			return -1;
		if (settled)
			return 0;
		/* One more round once settled: an ACK may have freed room. */
		settled = !info.snd_wnd && !info.unacked;
		if (!settled)
			xl_poll(fd, POLLOUT, 100);
	}
	return -1;
}

/* Receive exactly @len stream bytes from offset @off; 0 if intact. */
static int drain(int fd, unsigned char *buf, size_t off, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf, xl_chunk_len(got, len), 0);
		if (n <= 0 || check(buf, off + got, n))
			return -1;
		got += n;
	}
	return 0;
}

FIXTURE(stream) {
	struct xl_conn c;
	unsigned char *buf;
	unsigned char *in;
};

FIXTURE_SETUP(stream)
{
	self->c.cli = self->c.srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_conn_pair(&self->c, PORT));
	xl_pattern_init();
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
	fill(self->buf, 0, BIG);
	self->in = malloc(BIG);
	ASSERT_NE(NULL, self->in);
}

FIXTURE_TEARDOWN(stream)
{
	xl_conn_close(&self->c);
	free(self->buf);
	free(self->in);
	xl_topo("clean");
}

TEST_F(stream, poll_readable_with_data)
{
	char msg[4];

	EXPECT_EQ(POLLOUT, xl_poll(self->c.srv, POLLIN | POLLOUT | POLLRDHUP, 0));
	EXPECT_EQ(POLLOUT, xl_poll(self->c.cli, POLLIN | POLLOUT | POLLRDHUP, 0));
	ASSERT_EQ(4, send(self->c.cli, "ping", 4, 0));
	EXPECT_EQ(POLLIN, xl_poll(self->c.srv, POLLIN | POLLRDHUP, WAIT_MS));
	ASSERT_EQ(0, wait_readable(self->c.srv, 4));
	ASSERT_EQ(4, recv(self->c.srv, msg, sizeof(msg), 0));
	EXPECT_EQ(0, memcmp(msg, "ping", 4));
	EXPECT_EQ(0, xl_poll(self->c.srv, POLLIN | POLLRDHUP, 0));
}

TEST_F_TIMEOUT(stream, pollout_when_room_again, 120)
{
	long sent = 0;

	ASSERT_EQ(0, xl_set_nonblock(self->c.cli, true));
	ASSERT_EQ(0, fill_path(self->c.cli, self->buf, &sent));
	TH_LOG("%ld bytes taken before the path filled up", sent);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	EXPECT_EQ(0, xl_poll(self->c.cli, POLLOUT, 0));
	EXPECT_EQ(-1, send(self->c.cli, self->buf + sent, 1, 0));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, drain(self->c.srv, self->in, 0, sent));
	EXPECT_EQ(POLLOUT, xl_poll(self->c.cli, POLLOUT, WAIT_MS));
}

TEST_F(stream, poll_rdhup_on_peer_fin)
{
	char c;

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	EXPECT_EQ(POLLIN | POLLRDHUP | POLLOUT,
		  xl_poll(self->c.srv, POLLIN | POLLOUT | POLLRDHUP, WAIT_MS));
	EXPECT_EQ(0, recv(self->c.srv, &c, 1, 0));
	/* Half-closed: the other direction still works. */
	ASSERT_EQ(1, send(self->c.srv, "y", 1, 0));
	EXPECT_EQ(POLLIN, xl_poll(self->c.cli, POLLIN | POLLRDHUP, WAIT_MS));
	EXPECT_EQ(POLLOUT, xl_poll(self->c.srv, POLLOUT, 0));
	ASSERT_EQ(1, recv(self->c.cli, &c, 1, 0));
	EXPECT_EQ('y', c);
}

TEST_F(stream, poll_err_hup_on_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int revents;
	char c;

	ASSERT_EQ(0, setsockopt(self->c.srv, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	ASSERT_EQ(0, close(self->c.srv));
	self->c.srv = -1;
	/* Nothing to read before the RST: poll() returns on its arrival. */
	revents = xl_poll(self->c.cli, POLLIN | POLLRDHUP, WAIT_MS);
	TH_LOG("revents after RST: 0x%x", revents);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_TRUE(revents & POLLHUP);
	EXPECT_TRUE(revents & POLLIN);
	EXPECT_TRUE(revents & POLLRDHUP);
	EXPECT_EQ(-1, recv(self->c.cli, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* As Linux TCP: the error is reported once, then end of stream. */
	EXPECT_EQ(0, recv(self->c.cli, &c, 1, 0));
	EXPECT_EQ(-1, send(self->c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(stream, epoll_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	struct epoll_event out[2];
	char msg[16];
	int ep, epo;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->c.srv;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->c.srv, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	epo = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, epo);
	ev.events = EPOLLOUT;
	ev.data.fd = self->c.cli;
	ASSERT_EQ(0, epoll_ctl(epo, EPOLL_CTL_ADD, self->c.cli, &ev));
	ASSERT_EQ(1, epoll_wait(epo, out, 2, WAIT_MS));
	EXPECT_EQ((uint32_t)EPOLLOUT, out[0].events);
	close(epo);

	ASSERT_EQ(5, send(self->c.cli, "hello", 5, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, WAIT_MS));
	EXPECT_EQ(self->c.srv, out[0].data.fd);
	EXPECT_EQ((uint32_t)EPOLLIN, out[0].events);
	ASSERT_EQ(0, wait_readable(self->c.srv, 5));
	ASSERT_EQ(5, recv(self->c.srv, msg, sizeof(msg), 0));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, WAIT_MS));
	EXPECT_EQ(self->c.srv, out[0].data.fd);
	EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLRDHUP), out[0].events);
	EXPECT_EQ(0, recv(self->c.srv, msg, sizeof(msg), 0));
	close(ep);
}

TEST_F(stream, msg_peek_keeps_data)
{
	unsigned char *peek = self->in;

	ASSERT_EQ(500, send(self->c.cli, self->buf, 500, 0));
	ASSERT_EQ(500, send(self->c.cli, self->buf + 500, 500, 0));
	ASSERT_EQ(0, wait_readable(self->c.srv, 1000));

	EXPECT_EQ(100, recv(self->c.srv, peek, 100, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 0, 100));
	memset(peek, 0, 1000);
	EXPECT_EQ(1000, recv(self->c.srv, peek, 2000, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 0, 1000));
	memset(peek, 0, 1000);
	EXPECT_EQ(10, recv(self->c.srv, peek, 10, 0));
	EXPECT_EQ(0, check(peek, 0, 10));
	EXPECT_EQ(990, recv(self->c.srv, peek, 2000, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 10, 990));
	memset(peek, 0, 1000);
	EXPECT_EQ(990, recv(self->c.srv, peek, 2000, 0));
	EXPECT_EQ(0, check(peek, 10, 990));
	EXPECT_EQ(-1, recv(self->c.srv, peek, 1, MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/**
 * struct dribble - a thread sending @count pieces of @len stream bytes,
 *	@gap_ms apart
 * @fd: the sending socket
 * @buf: the stream
 * @count: pieces
 * @len: bytes per piece
 * @gap_ms: pause before each piece
 * @err: errno of a failed send, else 0
 */
struct dribble {
	int fd;
	const unsigned char *buf;
	int count;
	int len;
	int gap_ms;
	int err;
};

static void *dribble(void *arg)
{
	struct dribble *d = arg;
	int i;

	for (i = 0; i < d->count; i++) {
		usleep(d->gap_ms * 1000);
		if (send(d->fd, d->buf + i * d->len, d->len, 0) != d->len) {
			d->err = errno ? : EIO;
			break;
		}
	}
	return NULL;
}

TEST_F(stream, msg_waitall_waits_for_all)
{
	struct dribble d = { .fd = self->c.cli, .buf = self->buf, .count = 8,
			     .len = 1000, .gap_ms = 100 };
	long long start;
	pthread_t thr;
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->c.cli, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
	start = xl_now_ms();
	ASSERT_EQ(0, pthread_create(&thr, NULL, dribble, &d));
	EXPECT_EQ(8000, recv(self->c.srv, self->in, 8000, MSG_WAITALL));
	EXPECT_LE(500, xl_now_ms() - start);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(0, check(self->in, 0, 8000));

	/* End of stream ends the wait early with what arrived. */
	ASSERT_EQ(100, send(self->c.cli, self->buf + 8000, 100, 0));
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	EXPECT_EQ(100, recv(self->c.srv, self->in, 1000, MSG_WAITALL));
	EXPECT_EQ(0, check(self->in, 8000, 100));
	EXPECT_EQ(0, recv(self->c.srv, self->in, 1000, MSG_WAITALL));
}

TEST_F(stream, nonblocking_recv_eagain)
{
	char c;

	EXPECT_EQ(-1, recv(self->c.srv, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, xl_set_nonblock(self->c.srv, true));
	EXPECT_EQ(-1, read(self->c.srv, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(1, send(self->c.cli, "z", 1, 0));
	ASSERT_EQ(POLLIN, xl_poll(self->c.srv, POLLIN, WAIT_MS));
	EXPECT_EQ(1, read(self->c.srv, &c, 1));
	EXPECT_EQ('z', c);
	EXPECT_EQ(-1, read(self->c.srv, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F_TIMEOUT(stream, nonblocking_send_bounded_eagain, 120)
{
	socklen_t len = sizeof(int);
	int sndbuf, rcvbuf;
	long sent = 0;

	ASSERT_EQ(0, getsockopt(self->c.cli, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				&len));
	ASSERT_EQ(0, getsockopt(self->c.srv, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				&len));
	/* MSG_DONTWAIT on a blocking socket. */
	ASSERT_EQ(0, fill_path(self->c.cli, self->buf, &sent));
	TH_LOG("SO_SNDBUF %d, peer SO_RCVBUF %d: %ld bytes taken", sndbuf,
	       rcvbuf, sent);
	/* Socket memory is accounted: a fast sender cannot queue without bound. */
	EXPECT_GE(2L * (sndbuf + rcvbuf), sent);
	EXPECT_EQ(-1, send(self->c.cli, self->buf + sent, 1000, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, xl_set_nonblock(self->c.cli, true));
	EXPECT_EQ(-1, write(self->c.cli, self->buf + sent, 1000));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, drain(self->c.srv, self->in, 0, sent));
	EXPECT_EQ(-1, recv(self->c.srv, self->in, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(stream, rcvtimeo_eagain)
{
	long long start, ms;
	char c;

	ASSERT_EQ(0, xl_set_timeo(self->c.srv, SO_RCVTIMEO, TIMEO_MS));
	start = xl_now_ms();
	EXPECT_EQ(-1, recv(self->c.srv, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = xl_now_ms() - start;
	TH_LOG("recv timed out after %lld ms", ms);
	EXPECT_LE(TIMEO_MS - 50, ms);
	EXPECT_GT(WAIT_MS, ms);
}

TEST_F_TIMEOUT(stream, sndtimeo_partial_then_eagain, 120)
{
	long long start, ms;
	long sent;

	ASSERT_EQ(0, xl_set_timeo(self->c.cli, SO_SNDTIMEO, TIMEO_MS));
	/* The peer does not read: the send stops with a partial count. */
	sent = send(self->c.cli, self->buf, BIG, 0);
	TH_LOG("first send: %ld of %d bytes", sent, BIG);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	/* Once nothing more fits, the timeout ends a send with EAGAIN. */
	ASSERT_EQ(0, fill_path(self->c.cli, self->buf, &sent));
	start = xl_now_ms();
	EXPECT_EQ(-1, send(self->c.cli, self->buf + sent, BIG - sent, 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = xl_now_ms() - start;
	TH_LOG("second send timed out after %lld ms", ms);
	EXPECT_LE(TIMEO_MS - 50, ms);
	EXPECT_GT(WAIT_MS, ms);
	ASSERT_EQ(0, drain(self->c.srv, self->in, 0, sent));
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

/* SIGALRM after @ms, with a handler installed without SA_RESTART. */
static int alarm_in(int ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_sec = ms / 1000,
					      .tv_usec = (ms % 1000) * 1000 } };

	alarms = 0;
	if (sigaction(SIGALRM, &sa, NULL))
		return -1;
	return setitimer(ITIMER_REAL, &it, NULL);
}

TEST_F(stream, signal_interrupts_recv_eintr)
{
	long long start;
	char c;

	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	start = xl_now_ms();
	EXPECT_EQ(-1, recv(self->c.srv, &c, 1, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(1, alarms);
	EXPECT_LE(TIMEO_MS - 50, xl_now_ms() - start);
}

TEST_F(stream, signal_after_data_returns_count)
{
	ASSERT_EQ(100, send(self->c.cli, self->buf, 100, 0));
	ASSERT_EQ(0, wait_readable(self->c.srv, 100));
	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	/* Interrupted after some data: the count so far, not EINTR. */
	EXPECT_EQ(100, recv(self->c.srv, self->in, 1000, MSG_WAITALL));
	EXPECT_EQ(1, alarms);
	EXPECT_EQ(0, check(self->in, 0, 100));
}

TEST_F_TIMEOUT(stream, signal_interrupts_send, 120)
{
	long sent;

	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	sent = send(self->c.cli, self->buf, BIG, 0);
	TH_LOG("interrupted send: %ld of %d bytes", sent, BIG);
	EXPECT_EQ(1, alarms);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	/* Interrupted before any byte fits: EINTR. */
	ASSERT_EQ(0, fill_path(self->c.cli, self->buf, &sent));
	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	EXPECT_EQ(-1, send(self->c.cli, self->buf + sent, BIG - sent, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(1, alarms);
	ASSERT_EQ(0, drain(self->c.srv, self->in, 0, sent));
}

TEST_F(stream, send_after_shutdown_epipe)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	EXPECT_EQ(-1, send(self->c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	EXPECT_EQ(-1, write(self->c.cli, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F_SIGNAL(stream, send_after_shutdown_sigpipe, SIGPIPE)
{
	ASSERT_EQ(0, shutdown(self->c.cli, SHUT_WR));
	send(self->c.cli, "x", 1, 0);
}

XL_HARNESS_MAIN
