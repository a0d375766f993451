// SPDX-License-Identifier: GPL-2.0
/*
 * Non-blocking and event-driven use: connect() in progress, poll()/epoll
 * readiness of connecting sockets and listeners, and a blocking accept()
 * woken by an arriving connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define UNREACHABLE	"198.18.0.3"
#define WAIT_MS		10000

FIXTURE(nonblock) {
	int lfd;
};

FIXTURE_SETUP(nonblock)
{
	self->lfd = xl_veth_listen(PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(nonblock)
{
	close(self->lfd);
	xl_topo("clean");
}

TEST_F(nonblock, connect_einprogress_then_writable)
{
	char name[XL_ADDRSTRLEN];
	int fd, revents, srv;

	fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	revents = xl_poll(fd, POLLOUT, WAIT_MS);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_FALSE(revents & (POLLERR | POLLHUP));
	EXPECT_EQ(0, xl_sock_error(fd));
	/* As Linux TCP: connect() again reports success once, then EISCONN. */
	EXPECT_EQ(0, xl_connect(fd, XL_IP_B, PORT));
	EXPECT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_STREQ(SRV, xl_peer_str(fd, name, sizeof(name)));

	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
	close(fd);
}

TEST_F(nonblock, pending_connect_not_writable)
{
	int fd;

	/* Nobody answers ARP for this address: the connect stays pending. */
	fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xl_connect(fd, UNREACHABLE, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(0, xl_poll(fd, POLLIN | POLLOUT, 500));
	EXPECT_EQ(0, xl_sock_error(fd));
	close(fd);
}

TEST_F(nonblock, listener_readable_on_connection)
{
	int cli, srv;

	EXPECT_EQ(0, xl_poll(self->lfd, POLLIN | POLLOUT, 0));
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	EXPECT_EQ(POLLIN, xl_poll(self->lfd, POLLIN | POLLOUT, WAIT_MS));
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_EQ(0, xl_poll(self->lfd, POLLIN, 0));
	close(srv);
	close(cli);
}

TEST_F(nonblock, epoll_reports_connect_and_accept)
{
	struct epoll_event ev, out[4];
	bool got_out = false, got_in = false;
	int ep, cli, srv, n, i;
	long long end;

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.events = EPOLLIN;
	ev.data.fd = self->lfd;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->lfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));

	cli = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, cli);
	ev.events = EPOLLOUT | EPOLLET;
	ev.data.fd = cli;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, cli, &ev));
	ASSERT_EQ(-1, xl_connect(cli, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);

	end = xl_now_ms() + WAIT_MS;
	while ((!got_out || !got_in) && xl_now_ms() < end) {
		n = epoll_wait(ep, out, 4, 500);
		for (i = 0; i < n; i++) {
			if (out[i].data.fd == cli && (out[i].events & EPOLLOUT))
				got_out = true;
			if (out[i].data.fd == self->lfd &&
			    (out[i].events & EPOLLIN))
				got_in = true;
		}
	}
	EXPECT_TRUE(got_out);
	EXPECT_TRUE(got_in);
	EXPECT_EQ(0, xl_sock_error(cli));
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
	close(cli);
	close(ep);
}

/**
 * struct acceptor - a thread blocked in accept()
 * @lfd: listener
 * @fd: accept()'s result
 * @err: errno when @fd is -1
 */
struct acceptor {
	int lfd;
	int fd;
	int err;
};

static void *do_accept(void *arg)
{
	struct acceptor *a = arg;

	a->fd = accept(a->lfd, NULL, NULL);
	a->err = errno;
	return NULL;
}

TEST_F(nonblock, blocking_accept_woken)
{
	struct acceptor acc = { .lfd = self->lfd, .fd = -1 };
	char cname[XL_ADDRSTRLEN], peer[XL_ADDRSTRLEN];
	struct timespec deadline;
	pthread_t thr;
	int cli;

	ASSERT_EQ(0, pthread_create(&thr, NULL, do_accept, &acc));
	usleep(300000);
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	ASSERT_EQ(0, pthread_timedjoin_np(thr, NULL, &deadline));
	ASSERT_LE(0, acc.fd) TH_LOG("accept: %s", strerror(acc.err));
	ASSERT_NE(NULL, xl_local_str(cli, cname, sizeof(cname)));
	EXPECT_STREQ(cname, xl_peer_str(acc.fd, peer, sizeof(peer)));
	close(acc.fd);
	close(cli);
}

TEST_F(nonblock, accept_rcvtimeo_eagain)
{
	struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
	long long start;

	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	start = xl_now_ms();
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(250, xl_now_ms() - start);
}

XL_HARNESS_MAIN
