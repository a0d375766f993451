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

#include "xtcp_harness.h"

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
	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_netem(XL_NS_A, "xa0", "delay 200ms"));
	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 200ms"));
	self->a = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->a);
	self->b = xl_sock(XL_NS_B, SOCK_NONBLOCK);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, xl_bind(self->a, XL_IP_A, PORT_A));
	ASSERT_EQ(0, xl_bind(self->b, XL_IP_B, PORT_B));
}

FIXTURE_TEARDOWN(simopen)
{
	close(self->a);
	close(self->b);
	xl_topo("clean");
}

TEST_F_TIMEOUT(simopen, crossing_syns_establish, 90)
{
	char name[XL_ADDRSTRLEN];
	int ra, rb;

	ASSERT_EQ(-1, xl_connect(self->a, XL_IP_B, PORT_B));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_EQ(-1, xl_connect(self->b, XL_IP_A, PORT_A));
	ASSERT_EQ(EINPROGRESS, errno);

	ra = xl_poll(self->a, POLLOUT, WAIT_MS);
	rb = xl_poll(self->b, POLLOUT, WAIT_MS);
	EXPECT_TRUE(ra & POLLOUT);
	EXPECT_TRUE(rb & POLLOUT);
	EXPECT_FALSE(ra & (POLLERR | POLLHUP));
	EXPECT_FALSE(rb & (POLLERR | POLLHUP));
	EXPECT_EQ(0, xl_sock_error(self->a));
	EXPECT_EQ(0, xl_sock_error(self->b));

	EXPECT_STREQ(NAME_B, xl_peer_str(self->a, name, sizeof(name)));
	EXPECT_STREQ(NAME_A, xl_peer_str(self->b, name, sizeof(name)));
	EXPECT_EQ(0, xl_wait_state(XL_NS_A, NAME_A, NAME_B, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_EQ(0, xl_wait_state(XL_NS_B, NAME_B, NAME_A, "ESTABLISHED",
				     WAIT_MS));
	EXPECT_COUNTS({ "ActiveOpens", 1, 1 },
		      { "CurrEstab", 1, 1 },
		      { "AttemptFails", 0, 0 });
	/* Neither side sends a RST: nothing in the exchange is unexpected. */
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "OutRsts"));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "OutRsts"));
}

XL_HARNESS_MAIN
