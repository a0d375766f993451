// SPDX-License-Identifier: GPL-2.0
/*
 * The byte-stream socket calls, as man 7 tcp describes them: poll() and
 * epoll readiness (POLLIN, POLLOUT, POLLRDHUP, POLLERR, POLLHUP), MSG_PEEK,
 * MSG_WAITALL, MSG_DONTWAIT and O_NONBLOCK, SO_RCVTIMEO and SO_SNDTIMEO,
 * interruption by a signal (EINTR, or the partial count), and EPIPE with
 * and without MSG_NOSIGNAL.
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

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"
#include "xfer.h"

#define PORT		5000
#define WAIT_MS		10000
#define BIG		(8 * 1024 * 1024)
#define TIMEO_MS	300

/* Stream bytes @off .. @off + @len - 1 into @buf. */
static void fill(unsigned char *buf, size_t off, size_t len)
{
	size_t n;

	for (; len; buf += n, off += n, len -= n) {
		n = chunk_len(0, len);
		memcpy(buf, stream_at(0, off), n);
	}
}

/* 0 if @buf holds stream bytes @off .. @off + @len - 1. */
static int check(const unsigned char *buf, size_t off, size_t len)
{
	size_t n;

	for (; len; buf += n, off += n, len -= n) {
		n = chunk_len(0, len);
		if (memcmp(buf, stream_at(0, off), n))
			return -1;
	}
	return 0;
}

static int set_timeo(int fd, int name, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv));
}

/* Wait until @len bytes are readable on @fd (MSG_PEEK), up to WAIT_MS. */
static int wait_readable(int fd, size_t len)
{
	long long end = now_ms() + WAIT_MS;
	char *tmp = malloc(len);
	ssize_t n = -1;

	while (tmp && now_ms() < end) {
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
	long long end = now_ms() + WAIT_MS;
	struct xtcp_info info;
	bool settled = false;
	ssize_t n;

	while (now_ms() < end) {
		n = send(fd, buf + *off, BIG - *off, MSG_DONTWAIT);
		if (n > 0) {
			*off += n;
			continue;
		}
		if (n == 0 || errno != EAGAIN || get_info(fd, &info))
			return -1;
		if (settled)
			return 0;
		/* One more round once settled: an ACK may have freed room. */
		settled = !info.snd_wnd && !info.unacked;
		if (!settled)
			poll_fd(fd, POLLOUT, 100);
	}
	return -1;
}

/* Receive exactly @len stream bytes from offset @off; 0 if intact. */
static int drain(int fd, unsigned char *buf, size_t off, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, buf, chunk_len(got, len), 0);
		if (n <= 0 || check(buf, off + got, n))
			return -1;
		got += n;
	}
	return 0;
}

FIXTURE(pair) {
	int cli;
	int srv;
	unsigned char *buf;
	unsigned char *in;
};

FIXTURE_SETUP(pair)
{
	int lfd;

	ASSERT_EQ(0, xtcp_topo("veth"));
	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	close(lfd);
	pattern_init();
	self->buf = malloc(BIG);
	ASSERT_NE(NULL, self->buf);
	fill(self->buf, 0, BIG);
	self->in = malloc(BIG);
	ASSERT_NE(NULL, self->in);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->cli);
	close(self->srv);
	free(self->buf);
	free(self->in);
	xtcp_topo("clean");
}

TEST_F(pair, poll_data)
{
	char msg[4];

	EXPECT_EQ(POLLOUT, poll_fd(self->srv, POLLIN | POLLOUT | POLLRDHUP, 0));
	EXPECT_EQ(POLLOUT, poll_fd(self->cli, POLLIN | POLLOUT | POLLRDHUP, 0));
	ASSERT_EQ(4, send(self->cli, "ping", 4, 0));
	EXPECT_EQ(POLLIN, poll_fd(self->srv, POLLIN | POLLRDHUP, WAIT_MS));
	ASSERT_EQ(0, wait_readable(self->srv, 4));
	ASSERT_EQ(4, recv(self->srv, msg, sizeof(msg), 0));
	EXPECT_EQ(0, memcmp(msg, "ping", 4));
	EXPECT_EQ(0, poll_fd(self->srv, POLLIN | POLLRDHUP, 0));
}

TEST_F_TIMEOUT(pair, pollout_when_writable, 120)
{
	long sent = 0;

	ASSERT_EQ(0, set_nonblock(self->cli, true));
	ASSERT_EQ(0, fill_path(self->cli, self->buf, &sent));
	TH_LOG("%ld bytes taken before the path filled up", sent);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	EXPECT_EQ(0, poll_fd(self->cli, POLLOUT, 0));
	EXPECT_EQ(-1, send(self->cli, self->buf + sent, 1, 0));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, drain(self->srv, self->in, 0, sent));
	EXPECT_EQ(POLLOUT, poll_fd(self->cli, POLLOUT, WAIT_MS));
}

TEST_F(pair, poll_peer_fin)
{
	char c;

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	EXPECT_EQ(POLLIN | POLLRDHUP | POLLOUT,
		  poll_fd(self->srv, POLLIN | POLLOUT | POLLRDHUP, WAIT_MS));
	EXPECT_EQ(0, recv(self->srv, &c, 1, 0));
	/* Half-closed: the other direction still works. */
	ASSERT_EQ(1, send(self->srv, "y", 1, 0));
	EXPECT_EQ(POLLIN, poll_fd(self->cli, POLLIN | POLLRDHUP, WAIT_MS));
	EXPECT_EQ(POLLOUT, poll_fd(self->srv, POLLOUT, 0));
	ASSERT_EQ(1, recv(self->cli, &c, 1, 0));
	EXPECT_EQ('y', c);
}

TEST_F(pair, poll_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int revents;
	char c;

	ASSERT_EQ(0, setsockopt(self->srv, SOL_SOCKET, SO_LINGER, &lg,
				sizeof(lg)));
	ASSERT_EQ(0, close(self->srv));
	self->srv = -1;
	/* Nothing to read before the RST: poll() returns on its arrival. */
	revents = poll_fd(self->cli, POLLIN | POLLRDHUP, WAIT_MS);
	TH_LOG("revents after RST: 0x%x", revents);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_TRUE(revents & POLLHUP);
	EXPECT_TRUE(revents & POLLIN);
	EXPECT_TRUE(revents & POLLRDHUP);
	EXPECT_EQ(-1, recv(self->cli, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	/* As Linux TCP: the error is reported once, then end of stream. */
	EXPECT_EQ(0, recv(self->cli, &c, 1, 0));
	EXPECT_EQ(-1, send(self->cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(pair, epoll_edges)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
	struct epoll_event out[2];
	char msg[16];
	int ep, epo;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.fd = self->srv;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->srv, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	epo = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, epo);
	ev.events = EPOLLOUT;
	ev.data.fd = self->cli;
	ASSERT_EQ(0, epoll_ctl(epo, EPOLL_CTL_ADD, self->cli, &ev));
	ASSERT_EQ(1, epoll_wait(epo, out, 2, WAIT_MS));
	EXPECT_EQ((uint32_t)EPOLLOUT, out[0].events);
	close(epo);

	ASSERT_EQ(5, send(self->cli, "hello", 5, 0));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, WAIT_MS));
	EXPECT_EQ(self->srv, out[0].data.fd);
	EXPECT_EQ((uint32_t)EPOLLIN, out[0].events);
	ASSERT_EQ(0, wait_readable(self->srv, 5));
	ASSERT_EQ(5, recv(self->srv, msg, sizeof(msg), 0));
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(ep, out, 2, WAIT_MS));
	EXPECT_EQ(self->srv, out[0].data.fd);
	EXPECT_EQ((uint32_t)(EPOLLIN | EPOLLRDHUP), out[0].events);
	EXPECT_EQ(0, recv(self->srv, msg, sizeof(msg), 0));
	close(ep);
}

TEST_F(pair, msg_peek)
{
	unsigned char *peek = self->in;

	ASSERT_EQ(500, send(self->cli, self->buf, 500, 0));
	ASSERT_EQ(500, send(self->cli, self->buf + 500, 500, 0));
	ASSERT_EQ(0, wait_readable(self->srv, 1000));

	EXPECT_EQ(100, recv(self->srv, peek, 100, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 0, 100));
	memset(peek, 0, 1000);
	EXPECT_EQ(1000, recv(self->srv, peek, 2000, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 0, 1000));
	memset(peek, 0, 1000);
	EXPECT_EQ(10, recv(self->srv, peek, 10, 0));
	EXPECT_EQ(0, check(peek, 0, 10));
	EXPECT_EQ(990, recv(self->srv, peek, 2000, MSG_PEEK));
	EXPECT_EQ(0, check(peek, 10, 990));
	memset(peek, 0, 1000);
	EXPECT_EQ(990, recv(self->srv, peek, 2000, 0));
	EXPECT_EQ(0, check(peek, 10, 990));
	EXPECT_EQ(-1, recv(self->srv, peek, 1, MSG_PEEK | MSG_DONTWAIT));
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

TEST_F(pair, msg_waitall)
{
	struct dribble d = { .fd = self->cli, .buf = self->buf, .count = 8,
			     .len = 1000, .gap_ms = 100 };
	long long start;
	pthread_t thr;
	int one = 1;

	ASSERT_EQ(0, setsockopt(self->cli, SOL_XTCP, XTCP_NODELAY, &one,
				sizeof(one)));
	start = now_ms();
	ASSERT_EQ(0, pthread_create(&thr, NULL, dribble, &d));
	EXPECT_EQ(8000, recv(self->srv, self->in, 8000, MSG_WAITALL));
	EXPECT_LE(500, now_ms() - start);
	pthread_join(thr, NULL);
	EXPECT_EQ(0, d.err);
	EXPECT_EQ(0, check(self->in, 0, 8000));

	/* End of stream ends the wait early with what arrived. */
	ASSERT_EQ(100, send(self->cli, self->buf + 8000, 100, 0));
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	EXPECT_EQ(100, recv(self->srv, self->in, 1000, MSG_WAITALL));
	EXPECT_EQ(0, check(self->in, 8000, 100));
	EXPECT_EQ(0, recv(self->srv, self->in, 1000, MSG_WAITALL));
}

TEST_F(pair, nonblocking_recv)
{
	char c;

	EXPECT_EQ(-1, recv(self->srv, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, set_nonblock(self->srv, true));
	EXPECT_EQ(-1, read(self->srv, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(1, send(self->cli, "z", 1, 0));
	ASSERT_EQ(POLLIN, poll_fd(self->srv, POLLIN, WAIT_MS));
	EXPECT_EQ(1, read(self->srv, &c, 1));
	EXPECT_EQ('z', c);
	EXPECT_EQ(-1, read(self->srv, &c, 1));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F_TIMEOUT(pair, nonblocking_send, 120)
{
	socklen_t len = sizeof(int);
	int sndbuf, rcvbuf;
	long sent = 0;

	ASSERT_EQ(0, getsockopt(self->cli, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				&len));
	ASSERT_EQ(0, getsockopt(self->srv, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				&len));
	/* MSG_DONTWAIT on a blocking socket. */
	ASSERT_EQ(0, fill_path(self->cli, self->buf, &sent));
	TH_LOG("SO_SNDBUF %d, peer SO_RCVBUF %d: %ld bytes taken", sndbuf,
	       rcvbuf, sent);
	/* Socket memory is accounted: a fast sender cannot queue without bound. */
	EXPECT_GE(2L * (sndbuf + rcvbuf), sent);
	EXPECT_EQ(-1, send(self->cli, self->buf + sent, 1000, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, set_nonblock(self->cli, true));
	EXPECT_EQ(-1, write(self->cli, self->buf + sent, 1000));
	EXPECT_EQ(EAGAIN, errno);

	ASSERT_EQ(0, drain(self->srv, self->in, 0, sent));
	EXPECT_EQ(-1, recv(self->srv, self->in, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(pair, rcvtimeo)
{
	long long start, ms;
	char c;

	ASSERT_EQ(0, set_timeo(self->srv, SO_RCVTIMEO, TIMEO_MS));
	start = now_ms();
	EXPECT_EQ(-1, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = now_ms() - start;
	TH_LOG("recv timed out after %lld ms", ms);
	EXPECT_LE(TIMEO_MS - 50, ms);
	EXPECT_GT(WAIT_MS, ms);
}

TEST_F_TIMEOUT(pair, sndtimeo, 120)
{
	long long start, ms;
	long sent;

	ASSERT_EQ(0, set_timeo(self->cli, SO_SNDTIMEO, TIMEO_MS));
	/* The peer does not read: the send stops with a partial count. */
	sent = send(self->cli, self->buf, BIG, 0);
	TH_LOG("first send: %ld of %d bytes", sent, BIG);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	/* Once nothing more fits, the timeout ends a send with EAGAIN. */
	ASSERT_EQ(0, fill_path(self->cli, self->buf, &sent));
	start = now_ms();
	EXPECT_EQ(-1, send(self->cli, self->buf + sent, BIG - sent, 0));
	EXPECT_EQ(EAGAIN, errno);
	ms = now_ms() - start;
	TH_LOG("second send timed out after %lld ms", ms);
	EXPECT_LE(TIMEO_MS - 50, ms);
	EXPECT_GT(WAIT_MS, ms);
	ASSERT_EQ(0, drain(self->srv, self->in, 0, sent));
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

TEST_F(pair, eintr_recv)
{
	long long start;
	char c;

	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	start = now_ms();
	EXPECT_EQ(-1, recv(self->srv, &c, 1, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(1, alarms);
	EXPECT_LE(TIMEO_MS - 50, now_ms() - start);
}

TEST_F(pair, eintr_partial_recv)
{
	ASSERT_EQ(100, send(self->cli, self->buf, 100, 0));
	ASSERT_EQ(0, wait_readable(self->srv, 100));
	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	/* Interrupted after some data: the count so far, not EINTR. */
	EXPECT_EQ(100, recv(self->srv, self->in, 1000, MSG_WAITALL));
	EXPECT_EQ(1, alarms);
	EXPECT_EQ(0, check(self->in, 0, 100));
}

TEST_F_TIMEOUT(pair, eintr_partial_send, 120)
{
	long sent;

	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	sent = send(self->cli, self->buf, BIG, 0);
	TH_LOG("interrupted send: %ld of %d bytes", sent, BIG);
	EXPECT_EQ(1, alarms);
	ASSERT_LT(0, sent);
	ASSERT_GT(BIG, sent);
	/* Interrupted before any byte fits: EINTR. */
	ASSERT_EQ(0, fill_path(self->cli, self->buf, &sent));
	ASSERT_EQ(0, alarm_in(TIMEO_MS));
	EXPECT_EQ(-1, send(self->cli, self->buf + sent, BIG - sent, 0));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(1, alarms);
	ASSERT_EQ(0, drain(self->srv, self->in, 0, sent));
}

TEST_F(pair, epipe)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	EXPECT_EQ(-1, send(self->cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	EXPECT_EQ(-1, write(self->cli, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F_SIGNAL(pair, sigpipe, SIGPIPE)
{
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	send(self->cli, "x", 1, 0);
}

TEST_HARNESS_MAIN
