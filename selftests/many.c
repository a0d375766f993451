// SPDX-License-Identifier: GPL-2.0
/*
 * Many sequential connections through one listener: every one is accepted
 * with matching addresses at both ends, and the counters add up.
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
#define CONNS		1000

FIXTURE(veth) {
	int lfd;
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 128, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(veth)
{
	close(self->lfd);
	xtcp_topo("clean");
}

TEST_F_TIMEOUT(veth, sequential, 900)
{
	char cl[XTCP_ADDRSTRLEN], cp[XTCP_ADDRSTRLEN];
	char sl[XTCP_ADDRSTRLEN], sp[XTCP_ADDRSTRLEN];
	long long start = now_ms();
	int i, cli, srv;

	for (i = 0; i < CONNS; i++) {
		cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
		ASSERT_LE(0, cli) TH_LOG("connection %d: %s", i,
					 strerror(errno));
		srv = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, srv) TH_LOG("connection %d: %s", i,
					 strerror(errno));
		ASSERT_NE(NULL, xtcp_local_str(cli, cl, sizeof(cl)));
		ASSERT_NE(NULL, xtcp_peer_str(cli, cp, sizeof(cp)));
		ASSERT_NE(NULL, xtcp_local_str(srv, sl, sizeof(sl)));
		ASSERT_NE(NULL, xtcp_peer_str(srv, sp, sizeof(sp)));
		ASSERT_STREQ(cl, sp);
		ASSERT_STREQ(cp, sl);
		ASSERT_STREQ("198.18.0.2:5000", sl);
		close(cli);
		close(srv);
	}
	TH_LOG("%d connections in %lld ms", CONNS, now_ms() - start);

	EXPECT_EQ(CONNS, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(CONNS, xtcp_snmp(NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "ListenDrops"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "ActiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "PassiveOpens"));
	EXPECT_EQ(0, xtcp_wait_snmp_eq(NS_A, "CurrEstab", 0, 10000));
	EXPECT_EQ(0, xtcp_wait_snmp_eq(NS_B, "CurrEstab", 0, 10000));
}

TEST_HARNESS_MAIN
