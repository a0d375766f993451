// SPDX-License-Identifier: GPL-2.0
/*
 * Socket call errors: each check is the errno Linux TCP returns for the
 * same call (man 2 socket/bind/listen/accept/connect, man 7 tcp).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define UNREACHABLE	"198.18.0.3"

static void expect_socket_fails(struct __test_metadata *_metadata, int type,
				int protocol, int err)
{
	int fd = socket(xtcp_family(), type, protocol);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(err, errno);
	if (fd >= 0)
		close(fd);
}

TEST(socket_type)
{
	expect_socket_fails(_metadata, SOCK_DGRAM, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_SEQPACKET, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_RAW, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_RAW, IPPROTO_XTCP, ESOCKTNOSUPPORT);
}

TEST(socket_protocol)
{
	int fd;

	expect_socket_fails(_metadata, SOCK_STREAM, IPPROTO_TCP,
			    EPROTONOSUPPORT);
	expect_socket_fails(_metadata, SOCK_STREAM, IPPROTO_UDP,
			    EPROTONOSUPPORT);

	fd = socket(xtcp_family(), SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	close(fd);
	fd = socket(xtcp_family(), SOCK_STREAM, IPPROTO_XTCP);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST(socket_flags)
{
	int fd;

	fd = xtcp_socket(SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = xtcp_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST(unknown_option)
{
	socklen_t len = sizeof(int);
	int fd, val = 1;

	fd = xtcp_socket(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, 99, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(fd, SOL_XTCP, 99, &val, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	close(fd);
}

FIXTURE(veth) {
	int a;		/* unconnected socket in xa */
	int a2;		/* second unconnected socket in xa */
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->a = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->a);
	self->a2 = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->a2);
}

FIXTURE_TEARDOWN(veth)
{
	close(self->a);
	close(self->a2);
	xtcp_topo("clean");
}

/* A connected pair: @cli in xa, @srv accepted in xb; returns the listener. */
static int make_pair(struct __test_metadata *_metadata, int *cli, int *srv)
{
	int lfd;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 16, 0);
	ASSERT_LE(0, lfd);
	*cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, *cli);
	*srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, *srv);
	return lfd;
}

TEST_F(veth, bind_family)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xtcp_addr(&sa, IP_A, PORT));
	sa.sxtcp_family = AF_INET6;
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	sa.sxtcp_family = AF_UNIX;
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(0, xtcp_local_port(self->a));
}

TEST_F(veth, bind_short)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xtcp_addr(&sa, IP_A, PORT));
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xtcp_local_port(self->a));
}

TEST_F(veth, bind_twice)
{
	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, PORT));
	EXPECT_EQ(-1, xtcp_bind(self->a, IP_A, PORT + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PORT, xtcp_local_port(self->a));
}

TEST_F(veth, bind_in_use)
{
	int c;

	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, PORT));
	EXPECT_EQ(-1, xtcp_bind(self->a2, IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, xtcp_bind(self->a2, NULL, PORT));
	EXPECT_EQ(EADDRINUSE, errno);

	/* A wildcard bind conflicts with a specific address too. */
	c = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xtcp_bind(c, NULL, PORT + 1));
	EXPECT_EQ(-1, xtcp_bind(self->a2, IP_A, PORT + 1));
	EXPECT_EQ(EADDRINUSE, errno);
	close(c);

	/* Closing the owner frees the port. */
	close(self->a);
	self->a = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, self->a);
	EXPECT_EQ(0, xtcp_bind(self->a2, IP_A, PORT));
}

static int reuse_socket_in(const char *ns)
{
	int fd, one = 1;

	fd = xtcp_socket_in(ns, 0);
	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(veth, bind_reuseaddr)
{
	int r1, r2, r3;

	/* Both with SO_REUSEADDR and neither listening: allowed. */
	r1 = reuse_socket_in(NS_A);
	ASSERT_LE(0, r1);
	r2 = reuse_socket_in(NS_A);
	ASSERT_LE(0, r2);
	ASSERT_EQ(0, xtcp_bind(r1, IP_A, PORT));
	EXPECT_EQ(0, xtcp_bind(r2, IP_A, PORT));

	/* Only one side with SO_REUSEADDR: in use. */
	EXPECT_EQ(-1, xtcp_bind(self->a, IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	close(r2);

	/* Once the owner listens, SO_REUSEADDR does not help. */
	ASSERT_EQ(0, listen(r1, 4));
	r3 = reuse_socket_in(NS_A);
	ASSERT_LE(0, r3);
	EXPECT_EQ(-1, xtcp_bind(r3, IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	close(r3);
	close(r1);
}

TEST_F(veth, bind_nonlocal)
{
	EXPECT_EQ(-1, xtcp_bind(self->a, IP_B, PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(-1, xtcp_bind(self->a, "198.19.255.1", PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(0, xtcp_bind(self->a, "127.0.0.1", PORT));
}

TEST_F(veth, bind_ephemeral)
{
	struct sockaddr_xtcp sa, want;
	socklen_t len = sizeof(sa) + 8;
	struct {
		struct sockaddr_xtcp sa;
		char pad[8];
	} big;

	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, 0));
	memset(&big, 0xff, sizeof(big));
	ASSERT_EQ(0, getsockname(self->a, (struct sockaddr *)&big, &len));
	EXPECT_EQ(sizeof(sa), len);
	sa = big.sa;
	EXPECT_EQ(xtcp_family(), sa.sxtcp_family);
	EXPECT_LE(1024, ntohs(sa.sxtcp_port));
	ASSERT_EQ(0, xtcp_addr(&want, IP_A, 0));
	EXPECT_EQ(want.sxtcp_addr.s_addr, sa.sxtcp_addr.s_addr);

	/* A second port-0 bind gets a different port. */
	ASSERT_EQ(0, xtcp_bind(self->a2, IP_A, 0));
	EXPECT_NE(xtcp_local_port(self->a), xtcp_local_port(self->a2));
}

TEST_F(veth, bind_privileged)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(xtcp_bind(self->a, IP_A, 80) ? errno : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EACCES, WEXITSTATUS(status));

	/* The same socket with the capability binds. */
	EXPECT_EQ(0, xtcp_bind(self->a, IP_A, 80));
	EXPECT_EQ(80, xtcp_local_port(self->a));
}

TEST_F(veth, listen_autobind)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	ASSERT_EQ(0, listen(self->a, 4));
	ASSERT_EQ(0, getsockname(self->a, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(xtcp_family(), sa.sxtcp_family);
	EXPECT_NE(0, ntohs(sa.sxtcp_port));
	EXPECT_EQ(htonl(INADDR_ANY), sa.sxtcp_addr.s_addr);
}

TEST_F(veth, listen_connected)
{
	int lfd, cli, srv;

	lfd = make_pair(_metadata, &cli, &srv);
	EXPECT_EQ(-1, listen(cli, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, listen(srv, 4));
	EXPECT_EQ(EINVAL, errno);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, accept_not_listening)
{
	EXPECT_EQ(-1, accept(self->a, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, PORT));
	EXPECT_EQ(-1, accept(self->a, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(veth, accept_empty_nonblock)
{
	int lfd;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 4, SOCK_NONBLOCK);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, accept4(self->a, NULL, NULL, SOCK_NONBLOCK));
	EXPECT_EQ(EINVAL, errno);
	close(lfd);
}

TEST_F(veth, accept4_flags)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);
	char want[XTCP_ADDRSTRLEN], got[XTCP_ADDRSTRLEN];
	int lfd, c1, c2, s1, s2;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	c1 = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, c1);
	c2 = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, c2);

	s1 = accept4(lfd, (struct sockaddr *)&peer, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s1);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(xtcp_family(), peer.sxtcp_family);
	EXPECT_TRUE(fcntl(s1, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(s1, F_GETFD) & FD_CLOEXEC);
	ASSERT_NE(NULL, xtcp_addr_str(&peer, got, sizeof(got)));
	ASSERT_NE(NULL, xtcp_local_str(c1, want, sizeof(want)));
	EXPECT_STREQ(want, got);

	s2 = accept4(lfd, NULL, NULL, 0);
	ASSERT_LE(0, s2);
	EXPECT_FALSE(fcntl(s2, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(s2, F_GETFD) & FD_CLOEXEC);

	close(s1);
	close(s2);
	close(c1);
	close(c2);
	close(lfd);
}

TEST_F(veth, connect_family)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xtcp_addr(&sa, IP_B, PORT));
	sa.sxtcp_family = AF_INET6;
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

TEST_F(veth, connect_short)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xtcp_addr(&sa, IP_B, PORT));
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(veth, connect_listening)
{
	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, PORT));
	ASSERT_EQ(0, listen(self->a, 4));
	EXPECT_EQ(-1, xtcp_connect(self->a, IP_A, PORT));
	EXPECT_EQ(EISCONN, errno);
}

TEST_F(veth, connect_connected)
{
	int lfd, cli, srv;

	lfd = make_pair(_metadata, &cli, &srv);
	EXPECT_EQ(-1, xtcp_connect(cli, IP_B, PORT));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-1, xtcp_connect(srv, IP_A, PORT));
	EXPECT_EQ(EISCONN, errno);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, connect_already)
{
	int fd;

	/* Nobody answers ARP for this address: the SYN never leaves. */
	fd = xtcp_socket_in(NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_connect(fd, UNREACHABLE, PORT));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, xtcp_connect(fd, UNREACHABLE, PORT));
	EXPECT_EQ(EALREADY, errno);
	close(fd);
}

TEST_F(veth, getpeername_unconnected)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	EXPECT_EQ(-1, getpeername(self->a, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, listen(self->a, 4));
	EXPECT_EQ(-1, getpeername(self->a, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(ENOTCONN, errno);
}

static void expect_name(struct __test_metadata *_metadata, int fd, bool peer,
			const char *ip, int port)
{
	struct sockaddr_xtcp sa, want;
	socklen_t len = sizeof(sa);
	int ret;

	memset(&sa, 0xff, sizeof(sa));
	if (peer)
		ret = getpeername(fd, (struct sockaddr *)&sa, &len);
	else
		ret = getsockname(fd, (struct sockaddr *)&sa, &len);
	ASSERT_EQ(0, ret);
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(xtcp_family(), sa.sxtcp_family);
	ASSERT_EQ(0, xtcp_addr(&want, ip, port));
	EXPECT_EQ(want.sxtcp_addr.s_addr, sa.sxtcp_addr.s_addr);
	if (port)
		EXPECT_EQ(port, ntohs(sa.sxtcp_port));
}

TEST_F(veth, names)
{
	int lfd, cli, srv, cport;

	lfd = make_pair(_metadata, &cli, &srv);
	cport = xtcp_local_port(cli);
	ASSERT_LT(0, cport);
	expect_name(_metadata, lfd, false, IP_B, PORT);
	expect_name(_metadata, cli, false, IP_A, cport);
	expect_name(_metadata, cli, true, IP_B, PORT);
	expect_name(_metadata, srv, false, IP_B, PORT);
	expect_name(_metadata, srv, true, IP_A, cport);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_HARNESS_MAIN
