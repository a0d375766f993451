// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespace isolation: sockets, ports, counters and sysctls of one
 * namespace are invisible to and independent of another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define MAX_ROWS	64

FIXTURE(netns) {
	int lfd;
};

FIXTURE_SETUP(netns)
{
	ASSERT_EQ(0, xl_topo("veth"));
	self->lfd = -1;
}

FIXTURE_TEARDOWN(netns)
{
	if (self->lfd >= 0)
		close(self->lfd);
	xl_topo("clean");
}

TEST_F(netns, proc_sockets_per_namespace)
{
	struct xl_row rows[MAX_ROWS];

	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	EXPECT_EQ(1, xl_rows(XL_NS_B, rows, MAX_ROWS));
	EXPECT_STREQ("198.18.0.2:5000", rows[0].local);
	EXPECT_STREQ("LISTEN", rows[0].state);
	EXPECT_EQ(0, xl_rows(XL_NS_A, rows, MAX_ROWS));
	EXPECT_EQ(-1, xl_find(NULL, "198.18.0.2:5000", NULL, NULL));
}

TEST_F(netns, same_port_in_two_namespaces)
{
	int a, b;

	a = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, a);
	b = xl_sock(XL_NS_B, 0);
	ASSERT_LE(0, b);
	EXPECT_EQ(0, xl_bind(a, NULL, PORT));
	EXPECT_EQ(0, listen(a, 4));
	EXPECT_EQ(0, xl_bind(b, NULL, PORT));
	EXPECT_EQ(0, listen(b, 4));
	close(a);
	close(b);
}

TEST_F(netns, loopback_per_namespace)
{
	int cli, srv;

	/* The same address in two namespaces is two different endpoints. */
	self->lfd = xl_listen_in(XL_NS_B, "127.0.0.1", PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	cli = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, cli);
	EXPECT_EQ(-1, xl_connect(cli, "127.0.0.1", PORT));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cli);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AttemptFails"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "AttemptFails"));

	cli = xl_connect_in(XL_NS_B, "127.0.0.1", PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_EQ(2, xl_snmp(XL_NS_B, "CurrEstab"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "CurrEstab"));
	close(srv);
	close(cli);
}

TEST_F(netns, sysctls_per_namespace)
{
	long def = xl_sysctl_get(XL_NS_B, "syn_retries");

	ASSERT_LT(0, def);
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "syn_retries", def + 1));
	EXPECT_EQ(def + 1, xl_sysctl_get(XL_NS_A, "syn_retries"));
	EXPECT_EQ(def, xl_sysctl_get(XL_NS_B, "syn_retries"));
}

TEST_F(netns, counters_per_namespace)
{
	int cli, srv;

	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	ASSERT_LE(0, self->lfd);
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, cli);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_COUNTS({ "ActiveOpens", 1, 0 }, { "PassiveOpens", 0, 1 });
	close(srv);
	close(cli);

	/* A new namespace starts from zero. */
	ASSERT_EQ(0, xl_topo("veth"));
	EXPECT_COUNTS({ "ActiveOpens", 0, XL_ANY },
		      { "PassiveOpens", XL_ANY, 0 },
		      { "OutSegs", 0, XL_ANY });
}

XL_HARNESS_MAIN
