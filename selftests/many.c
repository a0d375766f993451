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

#include "xtcp_harness.h"

#define PORT		5000
#define CONNS		1000

FIXTURE(many) {
	int lfd;
};

FIXTURE_SETUP(many)
{
	self->lfd = xl_veth_listen(PORT, 128, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(many)
{
	close(self->lfd);
	xl_topo("clean");
}

TEST_F_TIMEOUT(many, thousand_sequential_connections, 900)
{
	char cl[XL_ADDRSTRLEN], cp[XL_ADDRSTRLEN];
	char sl[XL_ADDRSTRLEN], sp[XL_ADDRSTRLEN];
	long long start = xl_now_ms();
	int i, cli, srv;

	for (i = 0; i < CONNS; i++) {
		cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
		ASSERT_LE(0, cli) TH_LOG("connection %d: %s", i,
					 strerror(errno));
		srv = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, srv) TH_LOG("connection %d: %s", i,
					 strerror(errno));
		ASSERT_NE(NULL, xl_local_str(cli, cl, sizeof(cl)));
		ASSERT_NE(NULL, xl_peer_str(cli, cp, sizeof(cp)));
		ASSERT_NE(NULL, xl_local_str(srv, sl, sizeof(sl)));
		ASSERT_NE(NULL, xl_peer_str(srv, sp, sizeof(sp)));
		ASSERT_STREQ(cl, sp);
		ASSERT_STREQ(cp, sl);
		ASSERT_STREQ("198.18.0.2:5000", sl);
		close(cli);
		close(srv);
	}
	TH_LOG("%d connections in %lld ms", CONNS, xl_now_ms() - start);

	EXPECT_COUNTS({ "ActiveOpens", CONNS, 0 },
		      { "PassiveOpens", 0, CONNS },
		      { "AttemptFails", 0, XL_ANY },
		      { "ListenDrops", XL_ANY, 0 });
	EXPECT_EQ(0, xl_wait_snmp_eq(XL_NS_A, "CurrEstab", 0, 10000));
	EXPECT_EQ(0, xl_wait_snmp_eq(XL_NS_B, "CurrEstab", 0, 10000));
}

XL_HARNESS_MAIN
