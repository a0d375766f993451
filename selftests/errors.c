// SPDX-License-Identifier: GPL-2.0
/*
 * Socket call errors: each check is the errno Linux TCP returns for the
 * same call (man 2 socket/bind/listen/accept/connect, man 7 tcp).
 *
 * xtcp-test: long (starts early)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define UNREACHABLE	"198.18.0.3"

static void expect_socket_fails(struct __test_metadata *_metadata, int type,
				int protocol, int err)
{
	int fd = socket(xl_family(), type, protocol);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(err, errno);
	if (fd >= 0)
		close(fd);
}

FIXTURE(errors) {
	int a;		/* unconnected socket in xa */
	int a2;		/* second unconnected socket in xa */
};

FIXTURE_SETUP(errors)
{
	ASSERT_EQ(0, xl_topo("veth"));
	self->a = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->a);
	self->a2 = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->a2);
}

FIXTURE_TEARDOWN(errors)
{
	close(self->a);
	close(self->a2);
	xl_topo("clean");
}

TEST_F(errors, socket_type_unsupported)
{
	expect_socket_fails(_metadata, SOCK_DGRAM, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_SEQPACKET, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_RAW, 0, ESOCKTNOSUPPORT);
	expect_socket_fails(_metadata, SOCK_RAW, IPPROTO_XTCP, ESOCKTNOSUPPORT);
}

TEST_F(errors, socket_protocol_checked)
{
	int fd;

	expect_socket_fails(_metadata, SOCK_STREAM, IPPROTO_TCP,
			    EPROTONOSUPPORT);
	expect_socket_fails(_metadata, SOCK_STREAM, IPPROTO_UDP,
			    EPROTONOSUPPORT);

	fd = socket(xl_family(), SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	close(fd);
	fd = socket(xl_family(), SOCK_STREAM, IPPROTO_XTCP);
	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(errors, socket_flags_applied)
{
	int fd;

	fd = xl_sock(NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	fd = xl_sock(NULL, 0);
	ASSERT_LE(0, fd);
	EXPECT_FALSE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_FALSE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

TEST_F(errors, unknown_option_enoprotoopt)
{
	socklen_t len = sizeof(int);
	int fd, val = 1;

	fd = xl_sock(NULL, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XTCP, 99, &val, sizeof(val)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(fd, SOL_XTCP, 99, &val, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	close(fd);
}

/* A connected pair: @cli in xa, @srv accepted in xb; returns the listener. */
static int make_pair(struct __test_metadata *_metadata, int *cli, int *srv)
{
	int lfd;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, lfd);
	*cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, *cli);
	*srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, *srv);
	return lfd;
}

TEST_F(errors, bind_wrong_family_eafnosupport)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xl_addr(&sa, XL_IP_A, PORT));
	sa.sxtcp_family = AF_INET6;
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	sa.sxtcp_family = AF_UNIX;
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(0, xl_local_port(self->a));
}

TEST_F(errors, bind_short_address_einval)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xl_addr(&sa, XL_IP_A, PORT));
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, sizeof(sa) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(self->a, (struct sockaddr *)&sa, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xl_local_port(self->a));
}

TEST_F(errors, bind_twice_einval)
{
	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, PORT));
	EXPECT_EQ(-1, xl_bind(self->a, XL_IP_A, PORT + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(PORT, xl_local_port(self->a));
}

TEST_F(errors, bind_in_use_eaddrinuse)
{
	int c;

	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, PORT));
	EXPECT_EQ(-1, xl_bind(self->a2, XL_IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, xl_bind(self->a2, NULL, PORT));
	EXPECT_EQ(EADDRINUSE, errno);

	/* A wildcard bind conflicts with a specific address too. */
	c = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, xl_bind(c, NULL, PORT + 1));
	EXPECT_EQ(-1, xl_bind(self->a2, XL_IP_A, PORT + 1));
	EXPECT_EQ(EADDRINUSE, errno);
	close(c);

	/* Closing the owner frees the port. */
	close(self->a);
	self->a = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, self->a);
	EXPECT_EQ(0, xl_bind(self->a2, XL_IP_A, PORT));
}

TEST_F(errors, bind_reuseaddr_shares_port)
{
	int r1, r2, r3;

	/* Both with SO_REUSEADDR and neither listening: allowed. */
	r1 = xl_sock_reuseaddr(XL_NS_A, 0);
	ASSERT_LE(0, r1);
	r2 = xl_sock_reuseaddr(XL_NS_A, 0);
	ASSERT_LE(0, r2);
	ASSERT_EQ(0, xl_bind(r1, XL_IP_A, PORT));
	EXPECT_EQ(0, xl_bind(r2, XL_IP_A, PORT));

	/* Only one side with SO_REUSEADDR: in use. */
	EXPECT_EQ(-1, xl_bind(self->a, XL_IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	close(r2);

	/* Once the owner listens, SO_REUSEADDR does not help. */
	ASSERT_EQ(0, listen(r1, 4));
	r3 = xl_sock_reuseaddr(XL_NS_A, 0);
	ASSERT_LE(0, r3);
	EXPECT_EQ(-1, xl_bind(r3, XL_IP_A, PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	close(r3);
	close(r1);
}

TEST_F(errors, bind_nonlocal_eaddrnotavail)
{
	EXPECT_EQ(-1, xl_bind(self->a, XL_IP_B, PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(-1, xl_bind(self->a, "198.19.255.1", PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(0, xl_bind(self->a, "127.0.0.1", PORT));
}

TEST_F(errors, bind_port_zero_picks_port)
{
	struct sockaddr_xtcp sa, want;
	socklen_t len = sizeof(sa) + 8;
	struct {
		struct sockaddr_xtcp sa;
		char pad[8];
	} big;

	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, 0));
	memset(&big, 0xff, sizeof(big));
	ASSERT_EQ(0, getsockname(self->a, (struct sockaddr *)&big, &len));
	EXPECT_EQ(sizeof(sa), len);
	sa = big.sa;
	EXPECT_EQ(xl_family(), sa.sxtcp_family);
	EXPECT_LE(1024, ntohs(sa.sxtcp_port));
	ASSERT_EQ(0, xl_addr(&want, XL_IP_A, 0));
	EXPECT_EQ(want.sxtcp_addr.s_addr, sa.sxtcp_addr.s_addr);

	/* A second port-0 bind gets a different port. */
	ASSERT_EQ(0, xl_bind(self->a2, XL_IP_A, 0));
	EXPECT_NE(xl_local_port(self->a), xl_local_port(self->a2));
}

TEST_F(errors, bind_low_port_needs_capability)
{
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		_exit(xl_bind(self->a, XL_IP_A, 80) ? errno : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EACCES, WEXITSTATUS(status));

	/* The same socket with the capability binds. */
	EXPECT_EQ(0, xl_bind(self->a, XL_IP_A, 80));
	EXPECT_EQ(80, xl_local_port(self->a));
}

/*
 * bind() as nobody, without CAP_NET_BIND_SERVICE, in a child: the errno
 * (0 for success) of binding @port with an xtcp socket and with a Linux
 * TCP socket of xa, written to @fd.
 */
static void bind_as_nobody(int fd, unsigned short port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int res[2];
	int x, t;

	x = xl_sock(XL_NS_A, 0);
	t = xl_tcp_sock(XL_NS_A);
	if (x < 0 || t < 0 || inet_pton(AF_INET, XL_IP_A, &sin.sin_addr) != 1 ||
	    setgid(65534) || setuid(65534))
		_exit(100);
	res[0] = xl_bind(x, XL_IP_A, port) ? errno : 0;
	res[1] = bind(t, (struct sockaddr *)&sin, sizeof(sin)) ? errno : 0;
	_exit(write(fd, res, sizeof(res)) == sizeof(res) ? 0 : 101);
}

/* Run bind_as_nobody() in a child; its two errnos in @res. */
static int nobody_binds(unsigned short port, int res[2])
{
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		bind_as_nobody(p[1], port);
	}
	close(p[1]);
	if (read(p[0], res, 2 * sizeof(int)) != 2 * sizeof(int))
		res[0] = res[1] = -1;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return 0;
}

/*
 * net.ipv4.ip_unprivileged_port_start (as inet_bind()): ports below it
 * need CAP_NET_BIND_SERVICE; lowered, they do not. Linux TCP gives the
 * same errno in each case.
 */
TEST_F(errors, bind_privilege_follows_unprivileged_port_start)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
	int res[2];

	ASSERT_EQ(0, nobody_binds(1000, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(EACCES, res[1]);

	ASSERT_EQ(0, xl_write_file(XL_NS_A, path, "1000"));
	ASSERT_EQ(0, nobody_binds(1000, res));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
	ASSERT_EQ(0, nobody_binds(999, res));
	EXPECT_EQ(EACCES, res[0]);
	EXPECT_EQ(EACCES, res[1]);

	/* 0: every port is unprivileged */
	ASSERT_EQ(0, xl_write_file(XL_NS_A, path, "0"));
	ASSERT_EQ(0, nobody_binds(80, res));
	EXPECT_EQ(0, res[0]);
	EXPECT_EQ(0, res[1]);
}

TEST_F(errors, listen_unbound_autobinds)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	ASSERT_EQ(0, listen(self->a, 4));
	ASSERT_EQ(0, getsockname(self->a, (struct sockaddr *)&sa, &len));
	EXPECT_EQ(sizeof(sa), len);
	EXPECT_EQ(xl_family(), sa.sxtcp_family);
	EXPECT_NE(0, ntohs(sa.sxtcp_port));
	EXPECT_EQ(htonl(INADDR_ANY), sa.sxtcp_addr.s_addr);
}

TEST_F(errors, listen_connected_einval)
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

TEST_F(errors, accept_not_listening_einval)
{
	EXPECT_EQ(-1, accept(self->a, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, PORT));
	EXPECT_EQ(-1, accept(self->a, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(errors, accept_empty_nonblock_eagain)
{
	int lfd;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, SOCK_NONBLOCK);
	ASSERT_LE(0, lfd);
	EXPECT_EQ(-1, accept(lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, accept4(self->a, NULL, NULL, SOCK_NONBLOCK));
	EXPECT_EQ(EINVAL, errno);
	close(lfd);
}

TEST_F(errors, accept4_flags_applied)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);
	char want[XL_ADDRSTRLEN], got[XL_ADDRSTRLEN];
	int lfd, c1, c2, s1, s2;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	c1 = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, c1);
	c2 = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, c2);

	s1 = accept4(lfd, (struct sockaddr *)&peer, &len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, s1);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(xl_family(), peer.sxtcp_family);
	EXPECT_TRUE(fcntl(s1, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(s1, F_GETFD) & FD_CLOEXEC);
	ASSERT_NE(NULL, xl_addr_str(&peer, got, sizeof(got)));
	ASSERT_NE(NULL, xl_local_str(c1, want, sizeof(want)));
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

TEST_F(errors, connect_wrong_family_eafnosupport)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xl_addr(&sa, XL_IP_B, PORT));
	sa.sxtcp_family = AF_INET6;
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, sizeof(sa)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

TEST_F(errors, connect_short_address_einval)
{
	struct sockaddr_xtcp sa;

	ASSERT_EQ(0, xl_addr(&sa, XL_IP_B, PORT));
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, connect(self->a, (struct sockaddr *)&sa, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(errors, connect_listener_eisconn)
{
	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, PORT));
	ASSERT_EQ(0, listen(self->a, 4));
	EXPECT_EQ(-1, xl_connect(self->a, XL_IP_A, PORT));
	EXPECT_EQ(EISCONN, errno);
}

TEST_F(errors, connect_connected_eisconn)
{
	int lfd, cli, srv;

	lfd = make_pair(_metadata, &cli, &srv);
	EXPECT_EQ(-1, xl_connect(cli, XL_IP_B, PORT));
	EXPECT_EQ(EISCONN, errno);
	EXPECT_EQ(-1, xl_connect(srv, XL_IP_A, PORT));
	EXPECT_EQ(EISCONN, errno);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(errors, connect_pending_ealready)
{
	int fd;

	/* Nobody answers ARP for this address: the SYN never leaves. */
	fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xl_connect(fd, UNREACHABLE, PORT));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, xl_connect(fd, UNREACHABLE, PORT));
	EXPECT_EQ(EALREADY, errno);
	close(fd);
}

TEST_F(errors, getpeername_unconnected_enotconn)
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
	EXPECT_EQ(xl_family(), sa.sxtcp_family);
	ASSERT_EQ(0, xl_addr(&want, ip, port));
	EXPECT_EQ(want.sxtcp_addr.s_addr, sa.sxtcp_addr.s_addr);
	if (port)
		EXPECT_EQ(port, ntohs(sa.sxtcp_port));
}

TEST_F(errors, names_of_both_ends)
{
	int lfd, cli, srv, cport;

	lfd = make_pair(_metadata, &cli, &srv);
	cport = xl_local_port(cli);
	ASSERT_LT(0, cport);
	expect_name(_metadata, lfd, false, XL_IP_B, PORT);
	expect_name(_metadata, cli, false, XL_IP_A, cport);
	expect_name(_metadata, cli, true, XL_IP_B, PORT);
	expect_name(_metadata, srv, false, XL_IP_B, PORT);
	expect_name(_metadata, srv, true, XL_IP_A, cport);
	close(cli);
	close(srv);
	close(lfd);
}

XL_HARNESS_MAIN
