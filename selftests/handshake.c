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

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define WAIT_MS		10000

FIXTURE(handshake) {
	char cli_name[XL_ADDRSTRLEN];
};

FIXTURE_SETUP(handshake)
{
	ASSERT_EQ(0, xl_topo("veth"));
	/* TIME_WAIT of 2 s, so that closed connections leave the table. */
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "msl_ms", 1000));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "msl_ms", 1000));
}

FIXTURE_TEARDOWN(handshake)
{
	xl_topo("clean");
}

TEST_F(handshake, states_and_counters_per_namespace)
{
	struct xl_row row;
	int lfd, cli, srv;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, NULL, &row));
	EXPECT_STREQ("LISTEN", row.state);
	EXPECT_STREQ("0.0.0.0:0", row.remote);
	EXPECT_STREQ("off", row.timer);
	EXPECT_EQ(-1, xl_find(XL_NS_A, SRV, NULL, NULL));

	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xl_local_str(cli, self->cli_name,
				       sizeof(self->cli_name)));

	ASSERT_EQ(0, xl_find(XL_NS_A, self->cli_name, SRV, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, self->cli_name, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, "0.0.0.0:0", &row));
	EXPECT_STREQ("LISTEN", row.state);
	/* Each namespace sees its own end only. */
	EXPECT_EQ(-1, xl_find(XL_NS_A, SRV, NULL, NULL));
	EXPECT_EQ(-1, xl_find(XL_NS_B, self->cli_name, NULL, NULL));

	EXPECT_COUNTS({ "ActiveOpens", 1, 0 },
		      { "PassiveOpens", 0, 1 },
		      { "CurrEstab", 1, 1 },
		      { "AttemptFails", 0, 0 });
	EXPECT_LE(2, xl_snmp(XL_NS_A, "OutSegs"));
	EXPECT_LE(1, xl_snmp(XL_NS_A, "InSegs"));
	EXPECT_LE(1, xl_snmp(XL_NS_B, "OutSegs"));
	EXPECT_LE(2, xl_snmp(XL_NS_B, "InSegs"));

	close(cli);
	close(srv);
	EXPECT_EQ(0, xl_wait_gone(XL_NS_A, self->cli_name, SRV, WAIT_MS));
	EXPECT_EQ(0, xl_wait_gone(XL_NS_B, SRV, self->cli_name, WAIT_MS));
	EXPECT_COUNTS({ "CurrEstab", 0, 0 }, { "EstabResets", 0, XL_ANY });

	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, NULL, &row));
	EXPECT_STREQ("LISTEN", row.state);
	close(lfd);
	EXPECT_EQ(0, xl_wait_gone(XL_NS_B, SRV, NULL, WAIT_MS));
}

TEST_F(handshake, wildcard_listener_accepts_real_address)
{
	struct sockaddr_xtcp peer;
	socklen_t len = sizeof(peer);
	char name[XL_ADDRSTRLEN];
	int lfd, cli, srv;

	/* A wildcard listener; the accepted socket has the real address. */
	lfd = xl_listen_in(XL_NS_B, NULL, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xl_find(XL_NS_B, "0.0.0.0:5000", "0.0.0.0:0", NULL));
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, (struct sockaddr *)&peer, &len);
	ASSERT_LE(0, srv);
	EXPECT_EQ(sizeof(peer), len);
	EXPECT_EQ(xl_family(), peer.sxtcp_family);
	ASSERT_NE(NULL, xl_local_str(cli, self->cli_name,
				       sizeof(self->cli_name)));
	EXPECT_STREQ(self->cli_name, xl_addr_str(&peer, name, sizeof(name)));
	EXPECT_STREQ(SRV, xl_local_str(srv, name, sizeof(name)));
	EXPECT_STREQ(SRV, xl_peer_str(cli, name, sizeof(name)));
	EXPECT_EQ(0, xl_find(XL_NS_B, SRV, self->cli_name, NULL));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(handshake, bound_client_keeps_port)
{
	char name[XL_ADDRSTRLEN];
	int lfd, cli, srv;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, xl_bind(cli, XL_IP_A, 7000));
	ASSERT_EQ(0, xl_connect(cli, XL_IP_B, PORT));
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_STREQ("198.18.0.1:7000", xl_local_str(cli, name, sizeof(name)));
	EXPECT_STREQ("198.18.0.1:7000", xl_peer_str(srv, name, sizeof(name)));
	EXPECT_EQ(0, xl_wait_state(XL_NS_B, SRV, "198.18.0.1:7000",
				     "ESTABLISHED", WAIT_MS));
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(handshake, ephemeral_ports_differ)
{
	int lfd, c1, c2, s1, s2, p1, p2;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	c1 = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, c1);
	c2 = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, c2);
	s1 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s1);
	s2 = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s2);
	p1 = xl_local_port(c1);
	p2 = xl_local_port(c2);
	EXPECT_LE(1024, p1);
	EXPECT_LE(1024, p2);
	EXPECT_NE(p1, p2);
	EXPECT_EQ(2, xl_snmp(XL_NS_B, "CurrEstab"));
	EXPECT_EQ(2, xl_snmp(XL_NS_A, "CurrEstab"));
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(lfd);
}

TEST_F(handshake, loopback_connects)
{
	char cname[XL_ADDRSTRLEN], sname[XL_ADDRSTRLEN];
	int lfd, cli, srv;

	lfd = xl_listen_in(XL_NS_A, "127.0.0.1", PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xl_connect_in(XL_NS_A, "127.0.0.1", PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_NE(NULL, xl_local_str(cli, cname, sizeof(cname)));
	ASSERT_NE(NULL, xl_local_str(srv, sname, sizeof(sname)));
	EXPECT_STREQ("127.0.0.1:5000", sname);
	EXPECT_EQ(0, xl_wait_state(XL_NS_A, cname, sname, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(0, xl_wait_state(XL_NS_A, sname, cname, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_COUNTS({ "ActiveOpens", 1, 0 },
		      { "PassiveOpens", 1, XL_ANY },
		      { "CurrEstab", 2, XL_ANY });
	close(cli);
	close(srv);
	close(lfd);
}

TEST_F(handshake, xtcp_info_after_handshake)
{
	struct xtcp_info info;
	socklen_t len = sizeof(info);
	int lfd, cli, srv;

	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, lfd);
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
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

XL_HARNESS_MAIN
