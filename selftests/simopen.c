// SPDX-License-Identifier: GPL-2.0
/*
 * Simultaneous open (RFC 9293 3.5, figure 7): both ends connect to each
 * other, the SYNs cross on a delayed link, and both reach ESTABLISHED
 * through SYN_RECV.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT_A		6001
#define PORT_B		6002
#define NAME_A		"198.18.0.1:6001"
#define NAME_B		"198.18.0.2:6002"
#define WAIT_MS		20000

FIXTURE(simopen) {
	int a;
	int b;
};

FIXTURE_SETUP(simopen)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc add dev xa0 root netem delay 200ms"));
	ASSERT_EQ(0, ns_run(NS_B, "tc qdisc add dev xb0 root netem delay 200ms"));
	self->a = xtcp_socket_in(NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->a);
	self->b = xtcp_socket_in(NS_B, SOCK_NONBLOCK);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, xtcp_bind(self->a, IP_A, PORT_A));
	ASSERT_EQ(0, xtcp_bind(self->b, IP_B, PORT_B));
}

FIXTURE_TEARDOWN(simopen)
{
	close(self->a);
	close(self->b);
	xtcp_topo("clean");
}

TEST_F_TIMEOUT(simopen, crossing_syns, 90)
{
	char name[XTCP_ADDRSTRLEN];
	int ra, rb;

	ASSERT_EQ(-1, xtcp_connect(self->a, IP_B, PORT_B));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(-1, xtcp_connect(self->b, IP_A, PORT_A));
	ASSERT_EQ(EINPROGRESS, errno);

	ra = poll_fd(self->a, POLLOUT, WAIT_MS);
	rb = poll_fd(self->b, POLLOUT, WAIT_MS);
	EXPECT_TRUE(ra & POLLOUT);
	EXPECT_TRUE(rb & POLLOUT);
	EXPECT_FALSE(ra & (POLLERR | POLLHUP));
	EXPECT_FALSE(rb & (POLLERR | POLLHUP));
	EXPECT_EQ(0, sock_error(self->a));
	EXPECT_EQ(0, sock_error(self->b));

	EXPECT_STREQ(NAME_B, xtcp_peer_str(self->a, name, sizeof(name)));
	EXPECT_STREQ(NAME_A, xtcp_peer_str(self->b, name, sizeof(name)));
	EXPECT_EQ(0, xtcp_wait_state(NS_A, NAME_A, NAME_B, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(0, xtcp_wait_state(NS_B, NAME_B, NAME_A, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "ActiveOpens"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "AttemptFails"));
	/* Neither side sends a RST: nothing in the exchange is unexpected. */
	EXPECT_EQ(0, xtcp_snmp(NS_A, "OutRsts"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "OutRsts"));
}

TEST_HARNESS_MAIN
