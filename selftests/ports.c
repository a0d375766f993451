// SPDX-License-Identifier: GPL-2.0
/*
 * Local ports and addresses over a connection's life (RFC 9293 3.6, 3.10):
 * a port a client bound, or a listener's port that an accepted connection
 * shares, is free again once the connection's TIME_WAIT ends, and binding
 * the ports after it (spread over the keyed bind table) finds nothing stale;
 * connect(AF_UNSPEC) leaves a socket that connects again as a new one,
 * with nothing of the old connection (data, end of stream, counters);
 * connect() to INADDR_ANY reaches this host, as Linux TCP's does.
 * Ephemeral ports are chosen per destination (RFC 6056): with a range of
 * four ports, four connections to one destination take all four, the
 * fifth connect() fails with EADDRNOTAVAIL at once, and another
 * destination still gets the four ports; bind() and listen() of port 0
 * then fail with EADDRINUSE at once.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define PORT2		5001
#define CLIENT_PORT	40001
/* Consecutive ports swept after one is freed */
#define SWEEP_PORTS	1025
/* TIME_WAIT lasts 2 s: long enough for a /proc poll on the debug kernel */
#define MSL_MS		1000
#define WAIT_MS		10000
#define SRV		XL_IP_B ":5000"
#define RANGE_LO	40100
#define RANGE_PORTS	4
/* How long a connect() or bind() may take to find the range exhausted */
#define EXHAUSTED_MS	1000

FIXTURE(ports) {
	int lfd;
};

FIXTURE_SETUP(ports)
{
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", MSL_MS));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "msl_ms", MSL_MS));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(ports)
{
	if (self->lfd >= 0)
		close(self->lfd);
	xl_topo("clean");
}

/*
 * Bind and release every port from @lo to @hi on @ip in @ns: each bind
 * walks the bucket of its port. Returns the first port that failed, or 0.
 */
static int bind_sweep(const char *ns, const char *ip, int lo, int hi)
{
	int port, fd, err;

	for (port = lo; port <= hi; port++) {
		fd = xl_sock(ns, 0);
		if (fd < 0)
			return port;
		err = xl_bind(fd, ip, port);
		close(fd);
		if (err)
			return port;
	}
	return 0;
}

/* A connection from CLIENT_PORT, bound first, to the listener */
static int bound_pair(FIXTURE_DATA(ports) *self, int *cli, int *srv)
{
	*cli = xl_sock(XL_NS_A, 0);
	if (*cli < 0 || xl_bind(*cli, XL_IP_A, CLIENT_PORT) ||
	    xl_connect(*cli, XL_IP_B, PORT))
		return -1;
	*srv = accept(self->lfd, NULL, NULL);
	return *srv < 0 ? -1 : 0;
}

/*
 * A client bound to a port closes first and goes through TIME_WAIT; once
 * the entry expires the port is free, and no socket of that connection is
 * left in the bind table: binding the ports after it works, and the port
 * connects again.
 */
TEST_F_TIMEOUT(ports, bound_port_free_after_time_wait, 120)
{
	char local[XL_ADDRSTRLEN];
	int cli, srv;

	snprintf(local, sizeof(local), "%s:%d", XL_IP_A, CLIENT_PORT);
	ASSERT_EQ(0, bound_pair(self, &cli, &srv));
	ASSERT_EQ(0, xl_pass(cli, srv, 'a', 100, WAIT_MS));

	ASSERT_EQ(0, close(cli));
	ASSERT_STATE(XL_NS_A, local, SRV, "FIN_WAIT2", WAIT_MS);
	ASSERT_EQ(0, close(srv));
	ASSERT_STATE(XL_NS_A, local, SRV, "TIME_WAIT", WAIT_MS);
	ASSERT_GONE(XL_NS_A, local, SRV, WAIT_MS);
	ASSERT_EQ(1, xl_snmp(XL_NS_A, "TimeWaitExpired"));

	ASSERT_EQ(0, bind_sweep(XL_NS_A, XL_IP_A, CLIENT_PORT + 1,
				CLIENT_PORT + SWEEP_PORTS));
	ASSERT_EQ(0, bind_sweep(XL_NS_A, NULL, CLIENT_PORT + 1,
				CLIENT_PORT + SWEEP_PORTS));

	ASSERT_EQ(0, bound_pair(self, &cli, &srv));
	ASSERT_EQ(0, xl_pass(srv, cli, 'b', 200, WAIT_MS));
	xl_abort_close(cli);
	xl_abort_close(srv);
}

/*
 * The accepted end closes first, so the server's side of the connection
 * goes through TIME_WAIT while sharing the listener's port. After it
 * expires and the listener closes, the ports after it bind, and the port
 * listens and accepts again.
 */
TEST_F_TIMEOUT(ports, accepted_port_free_after_time_wait, 120)
{
	char local[XL_ADDRSTRLEN];
	struct xl_conn c;

	snprintf(local, sizeof(local), "%s:%d", XL_IP_B, PORT);
	ASSERT_EQ(0, xl_conn_open(&c, self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_pass(c.cli, c.srv, 'c', 100, WAIT_MS));
	ASSERT_EQ(0, close(c.srv));
	ASSERT_EQ(0, close(c.cli));
	ASSERT_STATE(XL_NS_B, local, c.local, "TIME_WAIT", WAIT_MS);
	ASSERT_GONE(XL_NS_B, local, c.local, WAIT_MS);
	ASSERT_EQ(0, close(self->lfd));
	self->lfd = -1;

	ASSERT_EQ(0, bind_sweep(XL_NS_B, XL_IP_B, PORT, PORT + SWEEP_PORTS));

	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, xl_conn_open(&c, self->lfd, XL_IP_B, PORT));
	ASSERT_EQ(0, xl_pass(c.srv, c.cli, 'd', 200, WAIT_MS));
	xl_conn_abort(&c);
}

/*
 * connect(AF_UNSPEC) drops the connection (RFC 9293 ABORT, as
 * tcp_disconnect()): data and the end of stream the old peer left unread,
 * its MSS and the connection's counters are gone, so the next connect()
 * behaves as a new socket's would.
 */
TEST_F_TIMEOUT(ports, reconnect_after_disconnect_is_a_new_connection, 120)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	char old[3000], buf[sizeof(old)];
	struct xtcp_info info;
	int lfd2, cli, srv, inq;
	char peer[XL_ADDRSTRLEN];

	ASSERT_EQ(0, xl_set_int(self->lfd, SOL_XTCP, XTCP_MAXSEG, 600));
	lfd2 = xl_listen_in(XL_NS_B, XL_IP_B, PORT2, 16, 0);
	ASSERT_LE(0, lfd2);

	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	memset(old, 'o', sizeof(old));
	ASSERT_EQ(0, xl_send_all(srv, old, sizeof(old)));
	ASSERT_EQ(0, close(srv));
	ASSERT_EQ(0, xl_wait_state(XL_NS_A, xl_local_str(cli, buf, sizeof(buf)),
				   SRV, "CLOSE_WAIT", WAIT_MS));
	ASSERT_EQ(0, xl_get_info(cli, &info));
	/* 600 less the timestamps option of every segment (RFC 7323) */
	ASSERT_EQ(600U - 12, info.snd_mss);
	ASSERT_EQ(sizeof(old), info.bytes_received);

	ASSERT_EQ(0, connect(cli, &unspec, sizeof(unspec)));
	ASSERT_EQ(0, xl_connect(cli, XL_IP_B, PORT2));
	srv = accept(lfd2, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xl_peer_str(cli, peer, sizeof(peer)));
	EXPECT_STREQ(XL_IP_B ":5001", peer);

	ASSERT_EQ(0, ioctl(cli, SIOCINQ, &inq));
	EXPECT_EQ(0, inq);
	ASSERT_EQ(0, xl_get_info(cli, &info));
	EXPECT_EQ(XTCP_ESTABLISHED, info.state);
	EXPECT_EQ(1460U - 12, info.snd_mss);
	EXPECT_EQ(0ULL, info.bytes_received);
	EXPECT_EQ(0U, info.total_retrans);

	/* What arrives now is the new peer's, and no end of stream precedes it */
	ASSERT_EQ(0, xl_pass(srv, cli, 'n', 100, WAIT_MS));
	ASSERT_EQ(0, xl_get_info(cli, &info));
	EXPECT_EQ(100ULL, info.bytes_received);
	ASSERT_EQ(0, xl_pass(cli, srv, 'm', 100, WAIT_MS));
	xl_abort_close(cli);
	xl_abort_close(srv);
	close(lfd2);
}

/*
 * connect() to 0.0.0.0 connects to this host (the route gives 127.0.0.1
 * as the destination), for xtcp as for Linux TCP, and getpeername() shows
 * the address the route chose.
 */
TEST_F_TIMEOUT(ports, connect_to_any_address_reaches_this_host, 60)
{
	char xpeer[XL_ADDRSTRLEN];
	struct sockaddr_in tsa = { .sin_family = AF_INET };
	socklen_t len = sizeof(tsa);
	int lfd, cli, srv, tl, tc;

	lfd = xl_listen_in(XL_NS_A, NULL, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	cli = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, xl_set_timeo(cli, SO_SNDTIMEO, WAIT_MS));
	ASSERT_EQ(0, xl_connect(cli, "0.0.0.0", PORT));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xl_peer_str(cli, xpeer, sizeof(xpeer)));
	EXPECT_STREQ("127.0.0.1:5000", xpeer);
	ASSERT_EQ(0, xl_pass(cli, srv, 'x', 300, WAIT_MS));
	ASSERT_EQ(0, xl_pass(srv, cli, 'y', 300, WAIT_MS));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "InCsumErrors"));

	/* Linux TCP, the reference */
	tl = xl_tcp_sock(XL_NS_A);
	ASSERT_LE(0, tl);
	tsa.sin_port = htons(PORT);
	ASSERT_EQ(0, bind(tl, (struct sockaddr *)&tsa, sizeof(tsa)));
	ASSERT_EQ(0, listen(tl, 4));
	tc = xl_tcp_sock(XL_NS_A);
	ASSERT_LE(0, tc);
	ASSERT_EQ(0, connect(tc, (struct sockaddr *)&tsa, sizeof(tsa)));
	ASSERT_EQ(0, getpeername(tc, (struct sockaddr *)&tsa, &len));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), tsa.sin_addr.s_addr);

	close(tc);
	close(tl);
	xl_abort_close(cli);
	xl_abort_close(srv);
	close(lfd);
}


/*
 * Connect RANGE_PORTS clients to @port and accept them into @fds; returns
 * the set of local ports used as a bit mask over the range, or -1.
 */
static int fill_range(struct xl_fds *fds, int lfd, unsigned short port)
{
	int i, cli, srv, lp, mask = 0;

	for (i = 0; i < RANGE_PORTS; i++) {
		cli = xl_fds_add(fds, xl_connect_in(XL_NS_A, XL_IP_B, port, 0));
		if (cli < 0)
			return -1;
		srv = xl_fds_add(fds, accept(lfd, NULL, NULL));
		if (srv < 0)
			return -1;
		lp = xl_local_port(cli);
		if (lp < RANGE_LO || lp >= RANGE_LO + RANGE_PORTS)
			return -1;
		mask |= 1 << (lp - RANGE_LO);
	}
	return mask;
}

/* connect() to @port fails with EADDRNOTAVAIL within EXHAUSTED_MS */
static int connect_exhausted(unsigned short port)
{
	long long t0 = xl_now_ms();
	int fd, err;

	fd = xl_sock(XL_NS_A, 0);
	if (fd < 0)
		return -1;
	err = xl_connect(fd, XL_IP_B, port) ? errno : 0;
	close(fd);
	if (err != EADDRNOTAVAIL || xl_now_ms() - t0 > EXHAUSTED_MS)
		return -1;
	return 0;
}

TEST_F_TIMEOUT(ports, exhausted_range_per_destination, 60)
{
	char range[32];
	struct xl_fds fds = { .n = 0 };
	long long t0;
	int lfd2, fd;

	snprintf(range, sizeof(range), "%d %d", RANGE_LO,
		 RANGE_LO + RANGE_PORTS - 1);
	ASSERT_EQ(0, xl_write_file(XL_NS_A,
				   "/proc/sys/net/ipv4/ip_local_port_range",
				   range));
	lfd2 = xl_fds_add(&fds, xl_listen_in(XL_NS_B, XL_IP_B, PORT2, 16, 0));
	ASSERT_LE(0, lfd2);

	EXPECT_EQ((1 << RANGE_PORTS) - 1, fill_range(&fds, self->lfd, PORT));
	EXPECT_EQ(0, connect_exhausted(PORT));
	EXPECT_EQ((1 << RANGE_PORTS) - 1, fill_range(&fds, lfd2, PORT2));
	EXPECT_EQ(0, connect_exhausted(PORT2));
	EXPECT_EQ(2 * RANGE_PORTS, xl_count_rows(XL_NS_A, NULL, "ESTABLISHED"));

	/* Ports that connect() holds are not for bind(0) or listen() */
	fd = xl_fds_add(&fds, xl_sock(XL_NS_A, 0));
	ASSERT_LE(0, fd);
	t0 = xl_now_ms();
	EXPECT_EQ(-1, xl_bind(fd, XL_IP_A, 0));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_GE(EXHAUSTED_MS, xl_now_ms() - t0);
	xl_fds_abort(&fds);
}

XL_HARNESS_MAIN
