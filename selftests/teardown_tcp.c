// SPDX-License-Identifier: GPL-2.0
/*
 * The connection life cycle of teardown.c against Linux TCP (RFC 9293
 * 3.6): xtcp in xa, Linux TCP in xb, through the router that rewrites the
 * IP protocol byte. Whichever side closes first goes through FIN_WAIT2 to
 * TIME_WAIT, the other through CLOSE_WAIT and LAST_ACK, each seen in its
 * own /proc (/proc/net/xtcp/sockets, /proc/net/tcp).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define STATE_MS	5000
#define SLOW_MS		30000

FIXTURE(teardown_tcp) {
	int fd[4];
};

FIXTURE_SETUP(teardown_tcp)
{
	int i;

	for (i = 0; i < 4; i++)
		self->fd[i] = -1;
	ASSERT_EQ(0, xl_topo("interop"));
}

FIXTURE_TEARDOWN(teardown_tcp)
{
	int i;

	for (i = 0; i < 4; i++)
		xl_abort_close(self->fd[i]);
	xl_wait_only_timewait(XL_NS_A, SLOW_MS);
	xl_topo("clean");
}

static int tcp_addr(struct sockaddr_in *sin, const char *ip, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

/* xtcp client, Linux TCP server; the xtcp side closes first */
TEST_F_TIMEOUT(teardown_tcp, xtcp_closes_first, 120)
{
	char local[XL_ADDRSTRLEN], remote[XL_ADDRSTRLEN], buf[8];
	struct sockaddr_in sin;
	int lfd, cli, srv, cport, one = 1;

	lfd = self->fd[0] = xl_tcp_sock(XL_NS_B);
	ASSERT_LE(0, lfd);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, tcp_addr(&sin, XL_IP_RB, 7000));
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(lfd, 4));
	cli = self->fd[1] = xl_connect_in(XL_NS_A, XL_IP_RB, 7000, 0);
	ASSERT_LE(0, cli);
	srv = self->fd[2] = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_ping_pong(cli, srv, STATE_MS));
	cport = xl_local_port(cli);
	ASSERT_NE(NULL, xl_local_str(cli, local, sizeof(local)));
	snprintf(remote, sizeof(remote), "%s:%d", XL_IP_RB, 7000);
	ASSERT_STATE(XL_NS_A, local, remote, "ESTABLISHED", STATE_MS);
	ASSERT_TCP_STATE(XL_NS_B, 7000, cport, TCP_ESTABLISHED, STATE_MS);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_STATE(XL_NS_A, local, remote, "FIN_WAIT2", STATE_MS);
	ASSERT_TCP_STATE(XL_NS_B, 7000, cport, TCP_CLOSE_WAIT, STATE_MS);
	EXPECT_EQ(0, xl_recv_within(srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(3, send(srv, "bye", 3, MSG_NOSIGNAL));
	EXPECT_EQ(3, xl_recv_within(cli, buf, sizeof(buf), STATE_MS));

	ASSERT_EQ(0, close(srv));
	self->fd[2] = -1;
	ASSERT_STATE(XL_NS_A, local, remote, "TIME_WAIT", STATE_MS);
	ASSERT_TCP_STATE(XL_NS_B, 7000, cport, 0, STATE_MS);
	EXPECT_EQ(0, xl_recv_within(cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "EstabResets"));
}

/* Linux TCP client, xtcp server; the Linux side closes first */
TEST_F_TIMEOUT(teardown_tcp, tcp_closes_first, 120)
{
	char local[XL_ADDRSTRLEN], remote[XL_ADDRSTRLEN], buf[8];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, cli, srv, cport;

	lfd = self->fd[0] = xl_listen_in(XL_NS_A, XL_IP_RA, 7001, 4, 0);
	ASSERT_LE(0, lfd);
	cli = self->fd[1] = xl_tcp_sock(XL_NS_B);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, tcp_addr(&sin, XL_IP_RA, 7001));
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&sin, sizeof(sin)));
	srv = self->fd[2] = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_ping_pong(cli, srv, STATE_MS));
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&sin, &len));
	cport = ntohs(sin.sin_port);
	snprintf(local, sizeof(local), "%s:%d", XL_IP_RA, 7001);
	snprintf(remote, sizeof(remote), "%s:%d", XL_IP_RB, cport);
	ASSERT_STATE(XL_NS_A, local, remote, "ESTABLISHED", STATE_MS);
	ASSERT_TCP_STATE(XL_NS_B, cport, 7001, TCP_ESTABLISHED, STATE_MS);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_TCP_STATE(XL_NS_B, cport, 7001, TCP_FIN_WAIT2, STATE_MS);
	ASSERT_STATE(XL_NS_A, local, remote, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, xl_recv_within(srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(3, send(srv, "bye", 3, MSG_NOSIGNAL));
	EXPECT_EQ(3, xl_recv_within(cli, buf, sizeof(buf), STATE_MS));

	ASSERT_EQ(0, close(srv));
	self->fd[2] = -1;
	ASSERT_GONE(XL_NS_A, local, remote, STATE_MS);
	ASSERT_TCP_STATE(XL_NS_B, cport, 7001, TCP_TIME_WAIT, STATE_MS);
	EXPECT_EQ(0, xl_recv_within(cli, buf, sizeof(buf), STATE_MS));
	EXPECT_COUNTS({ "TimeWaitEntered", 0, XL_ANY },
		      { "EstabResets", 0, XL_ANY },
		      { "CurrEstab", 0, XL_ANY });
}

XL_HARNESS_MAIN
