// SPDX-License-Identifier: GPL-2.0
/*
 * SYN-ACK retransmission: with the client's final ACK of the handshake
 * dropped on xa0, the listener keeps a SYN_RECV entry with the retransmit
 * timer armed and retransmits the SYN-ACK; once the filter goes, the
 * answer to a retransmitted SYN-ACK completes the connection. With the
 * filter kept, the entry expires after synack_retries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define RTO_MS		200
#define WAIT_MS		20000

/* Drop IPv4 protocol-253 packets whose TCP flags are exactly ACK. */
#define DROP_ACK \
	"tc qdisc add dev xa0 root handle 1: prio && " \
	"tc filter add dev xa0 parent 1: protocol ip prio 1 u32 " \
	"match ip protocol %d 0xff match u8 0x10 0xff at 33 action drop"

FIXTURE(synrecv) {
	int lfd;
	int cli;
	char cli_name[XTCP_ADDRSTRLEN];
};

FIXTURE_SETUP(synrecv)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	ASSERT_EQ(0, ns_run(NS_A, DROP_ACK, xtcp_ipproto()));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "rto_initial_ms", RTO_MS));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, SOCK_NONBLOCK);
	ASSERT_LE(0, self->lfd);
	self->cli = -1;
}

FIXTURE_TEARDOWN(synrecv)
{
	if (self->cli >= 0)
		close(self->cli);
	close(self->lfd);
	xtcp_topo("clean");
}

/* Connect from xa; the client is established, the server half-open. */
static void half_open(struct __test_metadata *_metadata,
		      FIXTURE_DATA(synrecv) *self)
{
	struct xtcp_row row;

	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	ASSERT_NE(NULL, xtcp_local_str(self->cli, self->cli_name,
				       sizeof(self->cli_name)));
	ASSERT_EQ(0, xtcp_wait_state(NS_B, SRV, self->cli_name, "SYN_RECV",
				     WAIT_MS));
	ASSERT_EQ(0, xtcp_find(NS_B, SRV, self->cli_name, &row));
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, poll_fd(self->lfd, POLLIN, 0));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
}

TEST_F_TIMEOUT(synrecv, retransmit_then_establish, 90)
{
	char name[XTCP_ADDRSTRLEN];
	int srv;

	half_open(_metadata, self);
	ASSERT_EQ(0, xtcp_wait_snmp(NS_B, "SynRetrans", 1, WAIT_MS));
	ASSERT_EQ(0, xtcp_wait_state(NS_B, SRV, self->cli_name, "SYN_RECV",
				     0));

	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc del dev xa0 root"));
	ASSERT_EQ(0, xtcp_wait_state(NS_B, SRV, self->cli_name, "ESTABLISHED",
				     WAIT_MS));
	ASSERT_TRUE(poll_fd(self->lfd, POLLIN, WAIT_MS) & POLLIN);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_STREQ(self->cli_name, xtcp_peer_str(srv, name, sizeof(name)));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "CurrEstab"));
	close(srv);
}

TEST_F_TIMEOUT(synrecv, expire, 90)
{
	int srv;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "synack_retries", 1));
	half_open(_metadata, self);
	EXPECT_EQ(0, xtcp_wait_gone(NS_B, SRV, self->cli_name, WAIT_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "SynRetrans"));
	EXPECT_EQ(0, poll_fd(self->lfd, POLLIN, 1000));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));

	/* The listener still works once the ACKs get through. */
	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc del dev xa0 root"));
	close(self->cli);
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	ASSERT_TRUE(poll_fd(self->lfd, POLLIN, WAIT_MS) & POLLIN);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
}

TEST_HARNESS_MAIN
