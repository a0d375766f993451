// SPDX-License-Identifier: GPL-2.0
/*
 * Connection refused: a SYN for a port nobody listens on is answered with
 * a RST, and the connect fails with ECONNREFUSED, blocking or not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5001
#define WAIT_MS		10000

FIXTURE(veth) {
	int fd;
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->fd = -1;
}

FIXTURE_TEARDOWN(veth)
{
	if (self->fd >= 0)
		close(self->fd);
	xtcp_topo("clean");
}

TEST_F(veth, blocking)
{
	self->fd = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, xtcp_connect(self->fd, IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(0, sock_error(self->fd));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "OutRsts"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "PassiveOpens"));
}

TEST_F(veth, nonblocking)
{
	int revents;

	self->fd = xtcp_socket_in(NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, xtcp_connect(self->fd, IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	revents = poll_fd(self->fd, POLLOUT, WAIT_MS);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_EQ(ECONNREFUSED, sock_error(self->fd));
	EXPECT_EQ(0, sock_error(self->fd));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "OutRsts"));
}

TEST_F(veth, bound_not_listening)
{
	int b;

	b = xtcp_socket_in(NS_B, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, xtcp_bind(b, IP_B, PORT));
	self->fd = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, xtcp_connect(self->fd, IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(b);
}

TEST_F(veth, reconnect)
{
	int lfd, srv;

	self->fd = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, xtcp_connect(self->fd, IP_B, PORT));
	ASSERT_EQ(ECONNREFUSED, errno);

	/* The same socket can try again once somebody listens. */
	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, xtcp_connect(self->fd, IP_B, PORT));
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "CurrEstab"));
	close(srv);
	close(lfd);
}

TEST_F(veth, many_refused)
{
	int i, fd;

	for (i = 0; i < 50; i++) {
		fd = xtcp_socket_in(NS_A, 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, xtcp_connect(fd, IP_B, PORT + i));
		EXPECT_EQ(ECONNREFUSED, errno);
		close(fd);
	}
	EXPECT_EQ(50, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(50, xtcp_snmp(NS_B, "OutRsts"));
}

TEST_HARNESS_MAIN
