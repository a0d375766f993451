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

#include "xtcp_harness.h"

#define PORT		5001
#define WAIT_MS		10000

FIXTURE(refused) {
	int fd;
};

FIXTURE_SETUP(refused)
{
	ASSERT_EQ(0, xl_topo("veth"));
	self->fd = -1;
}

FIXTURE_TEARDOWN(refused)
{
	if (self->fd >= 0)
		close(self->fd);
	xl_topo("clean");
}

TEST_F(refused, blocking_connect_econnrefused)
{
	self->fd = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, xl_connect(self->fd, XL_IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	EXPECT_EQ(0, xl_sock_error(self->fd));
	EXPECT_COUNTS({ "AttemptFails", 1, XL_ANY },
		      { "OutRsts", XL_ANY, 1 },
		      { "CurrEstab", 0, XL_ANY },
		      { "PassiveOpens", XL_ANY, 0 });
}

TEST_F(refused, nonblocking_connect_so_error)
{
	int revents;

	self->fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, xl_connect(self->fd, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	revents = xl_poll(self->fd, POLLOUT, WAIT_MS);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_EQ(ECONNREFUSED, xl_sock_error(self->fd));
	EXPECT_EQ(0, xl_sock_error(self->fd));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AttemptFails"));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "OutRsts"));
}

TEST_F(refused, bound_socket_refuses)
{
	int b;

	b = xl_sock(XL_NS_B, 0);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, xl_bind(b, XL_IP_B, PORT));
	self->fd = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->fd);
	EXPECT_EQ(-1, xl_connect(self->fd, XL_IP_B, PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(b);
}

TEST_F(refused, refused_socket_connects_again)
{
	int lfd, srv;

	self->fd = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(-1, xl_connect(self->fd, XL_IP_B, PORT));
	ASSERT_EQ(ECONNREFUSED, errno);

	/* The same socket can try again once somebody listens. */
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(0, xl_connect(self->fd, XL_IP_B, PORT));
	srv = accept(lfd, NULL, NULL);
	EXPECT_LE(0, srv);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "CurrEstab"));
	close(srv);
	close(lfd);
}

TEST_F(refused, fifty_refusals_counted)
{
	int i, fd;

	for (i = 0; i < 50; i++) {
		fd = xl_sock(XL_NS_A, 0);
		ASSERT_LE(0, fd);
		EXPECT_EQ(-1, xl_connect(fd, XL_IP_B, PORT + i));
		EXPECT_EQ(ECONNREFUSED, errno);
		close(fd);
	}
	EXPECT_EQ(50, xl_snmp(XL_NS_A, "AttemptFails"));
	EXPECT_EQ(50, xl_snmp(XL_NS_B, "OutRsts"));
}

XL_HARNESS_MAIN
