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
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define RTO_MS		200
#define WAIT_MS		20000

FIXTURE(synrecv) {
	int lfd;
	int cli;
	char cli_name[XL_ADDRSTRLEN];
};

FIXTURE_SETUP(synrecv)
{
	ASSERT_EQ(0, xl_topo("veth"));
	/* The client's ACKs (the handshake's last segment) are lost */
	ASSERT_EQ(0, xl_tc_drop_flags(XL_NS_A, "xa0", XL_TC_LOSE, TH_ACK, 0xff));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "rto_initial_ms", RTO_MS));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, SOCK_NONBLOCK);
	ASSERT_LE(0, self->lfd);
	self->cli = -1;
}

FIXTURE_TEARDOWN(synrecv)
{
	if (self->cli >= 0)
		close(self->cli);
	close(self->lfd);
	xl_topo("clean");
}

/* Connect from xa; the client is established, the server half-open. */
static void half_open(struct __test_metadata *_metadata,
		      FIXTURE_DATA(synrecv) *self)
{
	struct xl_row row;

	self->cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	ASSERT_NE(NULL, xl_local_str(self->cli, self->cli_name,
				       sizeof(self->cli_name)));
	ASSERT_EQ(0, xl_wait_state(XL_NS_B, SRV, self->cli_name, "SYN_RECV",
				     WAIT_MS));
	ASSERT_EQ(0, xl_find(XL_NS_B, SRV, self->cli_name, &row));
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, xl_poll(self->lfd, POLLIN, 0));
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "CurrEstab"));
}

TEST_F_TIMEOUT(synrecv, synack_retransmitted_then_established, 90)
{
	char name[XL_ADDRSTRLEN];
	int srv;

	half_open(_metadata, self);
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "SynRetrans", 1, WAIT_MS));
	ASSERT_EQ(0, xl_wait_state(XL_NS_B, SRV, self->cli_name, "SYN_RECV",
				     0));

	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	ASSERT_EQ(0, xl_wait_state(XL_NS_B, SRV, self->cli_name, "ESTABLISHED",
				     WAIT_MS));
	ASSERT_TRUE(xl_poll(self->lfd, POLLIN, WAIT_MS) & POLLIN);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	EXPECT_STREQ(self->cli_name, xl_peer_str(srv, name, sizeof(name)));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "CurrEstab"));
	close(srv);
}

TEST_F_TIMEOUT(synrecv, syn_recv_expires_after_synack_retries, 90)
{
	int srv;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "synack_retries", 1));
	half_open(_metadata, self);
	EXPECT_EQ(0, xl_wait_gone(XL_NS_B, SRV, self->cli_name, WAIT_MS));
	EXPECT_EQ(1, xl_snmp(XL_NS_B, "SynRetrans"));
	EXPECT_EQ(0, xl_poll(self->lfd, POLLIN, 1000));
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "CurrEstab"));

	/* The listener still works once the ACKs get through. */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	close(self->cli);
	self->cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	ASSERT_TRUE(xl_poll(self->lfd, POLLIN, WAIT_MS) & POLLIN);
	srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	close(srv);
}

XL_HARNESS_MAIN
