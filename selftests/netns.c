// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace isolation: sockets, ports, counters and sysctls of one
 * namespace are invisible to and independent of another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define MAX_ROWS	64

FIXTURE(veth) {
	int lfd;
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = -1;
}

FIXTURE_TEARDOWN(veth)
{
	if (self->lfd >= 0)
		close(self->lfd);
	xtcp_topo("clean");
}

TEST_F(veth, proc_sockets)
{
	struct xtcp_row rows[MAX_ROWS];

	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	EXPECT_EQ(1, xtcp_rows(NS_B, rows, MAX_ROWS));
	EXPECT_STREQ("198.18.0.2:5000", rows[0].local);
	EXPECT_STREQ("LISTEN", rows[0].state);
	EXPECT_EQ(0, xtcp_rows(NS_A, rows, MAX_ROWS));
	EXPECT_EQ(-1, xtcp_find(NULL, "198.18.0.2:5000", NULL, NULL));
}

TEST_F(veth, ports)
{
	int a, b;

	a = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, a);
	b = xtcp_socket_in(NS_B, 0);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, xtcp_bind(a, NULL, PORT));
	EXPECT_EQ(0, listen(a, 4));
	EXPECT_EQ(0, xtcp_bind(b, NULL, PORT));
	EXPECT_EQ(0, listen(b, 4));
	close(a);
	close(b);
}

TEST_F(veth, loopback)
{
	int cli, srv;

	/* The same address in two namespaces is two different endpoints. */
	self->lfd = xtcp_listen_in(NS_B, "127.0.0.1", PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	cli = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, cli);
	EXPECT_EQ(-1, xtcp_connect(cli, "127.0.0.1", PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cli);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "AttemptFails"));

	cli = xtcp_connect_in(NS_B, "127.0.0.1", PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_EQ(2, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	close(srv);
	close(cli);
}

TEST_F(veth, sysctls)
{
	long def = xtcp_sysctl_get(NS_B, "syn_retries");

	ASSERT_LT(0, def);
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "syn_retries", def + 1));
	EXPECT_EQ(def + 1, xtcp_sysctl_get(NS_A, "syn_retries"));
	EXPECT_EQ(def, xtcp_sysctl_get(NS_B, "syn_retries"));
}

TEST_F(veth, counters)
{
	int cli, srv;

	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "ActiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "PassiveOpens"));
	close(srv);
	close(cli);

	/* A new namespace starts from zero. */
	ASSERT_EQ(0, xtcp_topo("veth"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "OutSegs"));
}

TEST_HARNESS_MAIN
