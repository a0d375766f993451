// SPDX-License-Identifier: GPL-2.0
/*
 * IPsec input policy on xtcp segments, as tcp_v4_rcv() applies it: an
 * xfrm policy in xb that blocks protocol IPPROTO_XTCP from xa drops the
 * SYNs before any listener sees them (no child, PassiveOpens 0, counted
 * by xfrm in XfrmInPolBlock), and once it is removed the retransmitted SYN
 * connects. Segments that no socket takes are checked too: no RST comes
 * back while the policy blocks them. Skipped where the kernel has no
 * xfrm (ip xfrm policy fails); XfrmInPolBlock is only checked where the
 * kernel counts it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define CLOSED_PORT	5001
#define WAIT_MS		5000
#define BLOCK_MS	1500

FIXTURE(policy) {
	int lfd;
	int cli;
	char proto[8];
};

/*
 * XfrmInPolBlock of xb's /proc/net/xfrm_stat, or -1 on a kernel without
 * CONFIG_XFRM_STATISTICS (the debug kernel)
 */
static long pol_blocks(void)
{
	char buf[4096], *p;

	if (xl_read_file(XL_NS_B, "/proc/net/xfrm_stat", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "XfrmInPolBlock");
	return p ? strtol(p + strlen("XfrmInPolBlock"), NULL, 10) : -1;
}

FIXTURE_SETUP(policy)
{
	self->lfd = self->cli = -1;
	snprintf(self->proto, sizeof(self->proto), "%d", xl_ipproto());
	ASSERT_EQ(0, xl_topo("veth"));
	if (xl_exec(XL_NS_B, NULL, "ip", "xfrm", "policy", "add", "src",
		    XL_IP_A "/32", "dst", XL_IP_B "/32", "proto", self->proto,
		    "dir", "in", "action", "block", NULL))
		SKIP(return, "no xfrm policies in this kernel");
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(policy)
{
	xl_abort_close(self->cli);
	xl_abort_close(self->lfd);
	xl_topo("clean");
}

TEST_F_TIMEOUT(policy, blocked_syn_never_reaches_listener, 60)
{
	long blocks = pol_blocks();

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_initial_ms", 300));
	self->cli = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->cli);
	ASSERT_EQ(-1, xl_connect(self->cli, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	/* SYNs keep coming and are dropped by the policy */
	EXPECT_EQ(0, xl_poll(self->cli, POLLOUT, BLOCK_MS));
	TH_LOG("XfrmInPolBlock %ld -> %ld, SynRetrans %ld", blocks,
	       pol_blocks(), xl_snmp(XL_NS_A, "SynRetrans"));
	if (blocks >= 0)
		EXPECT_LE(blocks + 2, pol_blocks());
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "PassiveOpens"));
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, NULL, "SYN_RECV"));

	ASSERT_EQ(0, xl_exec(XL_NS_B, NULL, "ip", "xfrm", "policy", "flush",
			     NULL));
	ASSERT_LT(0, xl_poll(self->cli, POLLOUT, WAIT_MS));
	EXPECT_EQ(0, xl_sock_error(self->cli));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "PassiveOpens"));
}

TEST_F_TIMEOUT(policy, blocked_segment_to_closed_port_gets_no_rst, 60)
{
	long blocks = pol_blocks(), rsts = xl_snmp(XL_NS_B, "OutRsts");

	self->cli = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, self->cli);
	ASSERT_EQ(-1, xl_connect(self->cli, XL_IP_B, CLOSED_PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(0, xl_poll(self->cli, POLLOUT, BLOCK_MS));
	if (blocks >= 0)
		EXPECT_LE(blocks + 1, pol_blocks());
	EXPECT_EQ(rsts, xl_snmp(XL_NS_B, "OutRsts"));

	/* Without the policy the next SYN is refused with a RST */
	ASSERT_EQ(0, xl_exec(XL_NS_B, NULL, "ip", "xfrm", "policy", "flush",
			     NULL));
	ASSERT_LT(0, xl_poll(self->cli, POLLOUT, WAIT_MS));
	EXPECT_EQ(ECONNREFUSED, xl_sock_error(self->cli));
}

XL_HARNESS_MAIN
