// SPDX-License-Identifier: GPL-2.0
/*
 * Three-way handshake between namespaces: socket states in each
 * namespace's /proc/net/xtcp/sockets, per-namespace counters, and the
 * rows going away after both ends close.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define WAIT_MS		10000

FIXTURE(veth) {
	char cli_name[XTCP_ADDRSTRLEN];
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	/* TIME_WAIT of 2 s, so that closed connections leave the table. */
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", 1000));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "msl_ms", 1000));
}

FIXTURE_TEARDOWN(veth)
{
	xtcp_topo("clean");
}

TEST_F(veth, establish)
{
	struct xtcp_row row;
	int lfd, cli, srv;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_find(NS_B, SRV, NULL, &row));
	EXPECT_STREQ("LISTEN", row.state);
	EXPECT_STREQ("0.0.0.0:0", row.remote);
	EXPECT_STREQ("off", row.timer);
	EXPECT_EQ(-1, xtcp_find(NS_A, SRV, NULL, NULL));

	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xtcp_local_str(cli, self->cli_name,
				       sizeof(self->cli_name)));

	ASSERT_EQ(0, xtcp_find(NS_A, self->cli_name, SRV, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	ASSERT_EQ(0, xtcp_find(NS_B, SRV, self->cli_name, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	ASSERT_EQ(0, xtcp_find(NS_B, SRV, "0.0.0.0:0", &row));
	EXPECT_STREQ("LISTEN", row.state);
	/* Each namespace sees its own end only. */
	EXPECT_EQ(-1, xtcp_find(NS_A, SRV, NULL, NULL));
	EXPECT_EQ(-1, xtcp_find(NS_B, self->cli_name, NULL, NULL));

	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "PassiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "ActiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "AttemptFails"));
	EXPECT_LE(2, xtcp_snmp(NS_A, "OutSegs"));
	EXPECT_LE(1, xtcp_snmp(NS_A, "InSegs"));
	EXPECT_LE(1, xtcp_snmp(NS_B, "OutSegs"));
	EXPECT_LE(2, xtcp_snmp(NS_B, "InSegs"));

	close(cli);
	close(srv);
	EXPECT_EQ(0, xtcp_wait_gone(NS_A, self->cli_name, SRV, WAIT_MS));
	EXPECT_EQ(0, xtcp_wait_gone(NS_B, SRV, self->cli_name, WAIT_MS));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));

	ASSERT_EQ(0, xtcp_find(NS_B, SRV, NULL, &row));
	EXPECT_STREQ("LISTEN", row.state);
	close(lfd);
	EXPECT_EQ(0, xtcp_wait_gone(NS_B, SRV, NULL, WAIT_MS));
}

TEST_F(veth, accept_addresses)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);
	char name[XTCP_ADDRSTRLEN];
	int lfd, cli, srv;

	/* A wildcard listener; the accepted socket has the real address. */
	lfd = xtcp_listen_in(NS_B, NULL, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xtcp_find(NS_B, "0.0.0.0:5000", "0.0.0.0:0", NULL));
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, (struct sockaddr *)&peer, &len);
	ASSERT_LE(0, srv);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(xtcp_family(), peer.sxtcp_family);
	ASSERT_NE(NULL, xtcp_local_str(cli, self->cli_name,
				       sizeof(self->cli_name)));
	EXPECT_STREQ(self->cli_name, xtcp_addr_str(&peer, name, sizeof(name)));
	EXPECT_STREQ(SRV, xtcp_local_str(srv, name, sizeof(name)));
	EXPECT_STREQ(SRV, xtcp_peer_str(cli, name, sizeof(name)));
	EXPECT_EQ(0, xtcp_find(NS_B, SRV, self->cli_name, NULL));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, bound_client)
{
	char name[XTCP_ADDRSTRLEN];
	int lfd, cli, srv;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, xtcp_bind(cli, IP_A, 7000));
	ASSERT_EQ(0, xtcp_connect(cli, IP_B, PORT));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_STREQ("198.18.0.1:7000", xtcp_local_str(cli, name, sizeof(name)));
	EXPECT_STREQ("198.18.0.1:7000", xtcp_peer_str(srv, name, sizeof(name)));
	EXPECT_EQ(0, xtcp_wait_state(NS_B, SRV, "198.18.0.1:7000",
				     "ESTABLISHED", WAIT_MS));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, ephemeral_ports)
{
	int lfd, c1, c2, s1, s2, p1, p2;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	c1 = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, c1);
	c2 = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, c2);
	s1 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s1);
	s2 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s2);
	p1 = xtcp_local_port(c1);
	p2 = xtcp_local_port(c2);
	EXPECT_LE(1024, p1);
	EXPECT_LE(1024, p2);
	EXPECT_NE(p1, p2);
	EXPECT_EQ(2, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(2, xtcp_snmp(NS_A, "CurrEstab"));
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(lfd);
}

TEST_F(veth, loopback)
{
	char cname[XTCP_ADDRSTRLEN], sname[XTCP_ADDRSTRLEN];
	int lfd, cli, srv;

	lfd = xtcp_listen_in(NS_A, "127.0.0.1", PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xtcp_connect_in(NS_A, "127.0.0.1", PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xtcp_local_str(cli, cname, sizeof(cname)));
	ASSERT_NE(NULL, xtcp_local_str(srv, sname, sizeof(sname)));
	EXPECT_STREQ("127.0.0.1:5000", sname);
	EXPECT_EQ(0, xtcp_wait_state(NS_A, cname, sname, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(0, xtcp_wait_state(NS_A, sname, cname, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "PassiveOpens"));
	EXPECT_EQ(2, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "ActiveOpens"));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(veth, info)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	int lfd, cli, srv;

	lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);

	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, getsockopt(cli, SOL_XTCP, XTCP_INFO, &info, &len));
	EXPECT_EQ(sizeof(info), len);
	TH_LOG("state %u rto %u mss %u cwnd %u ssthresh %u snd_wnd %u rcv_wnd %u segs %llu/%llu",
	       info.state, info.rto_us, info.snd_mss, info.snd_cwnd,
	       info.snd_ssthresh, info.snd_wnd, info.rcv_wnd,
	       (unsigned long long)info.segs_out,
	       (unsigned long long)info.segs_in);
	EXPECT_EQ(XTCP_ESTABLISHED, info.state);
	EXPECT_LT(0U, info.rto_us);
	EXPECT_LT(0U, info.snd_mss);
	EXPECT_GE(1460U, info.snd_mss);
	EXPECT_LT(0U, info.snd_cwnd);
	EXPECT_LT(0U, info.rcv_wnd);
	EXPECT_LE(1ULL, info.segs_out);
	EXPECT_LE(1ULL, info.segs_in);

	len = sizeof(info);
	ASSERT_EQ(0, getsockopt(srv, SOL_XTCP, XTCP_INFO, &info, &len));
	EXPECT_EQ(XTCP_ESTABLISHED, info.state);
	EXPECT_LT(0U, info.snd_wnd);

	len = sizeof(info);
	ASSERT_EQ(0, getsockopt(lfd, SOL_XTCP, XTCP_INFO, &info, &len));
	EXPECT_EQ(XTCP_LISTEN, info.state);
	close(cli);
	close(srv);
	close(lfd);
}

TEST_HARNESS_MAIN
