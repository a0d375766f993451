// SPDX-License-Identifier: GPL-2.0
/*
 * SO_KEEPALIVE with XTCP_KEEPIDLE/KEEPINTVL/KEEPCNT: an idle connection to
 * a live peer is probed and stays up; one whose peer went silent is
 * dropped with ETIMEDOUT after KEEPCNT unanswered probes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		XL_IP_B ":5000"

FIXTURE(keepalive) {
	int lfd;
	int cli;
	int srv;
	char local[XL_ADDRSTRLEN];
};

FIXTURE_SETUP(keepalive)
{
	self->lfd = xl_veth_listen(PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	self->cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	ASSERT_NE(NULL, xl_local_str(self->cli, self->local,
				       sizeof(self->local)));
}

FIXTURE_TEARDOWN(keepalive)
{
	close(self->cli);
	close(self->srv);
	close(self->lfd);
	xl_topo("clean");
}

/* Keepalive every second, dropping after @cnt unanswered probes */
static int keepalive_fast(int fd, int cnt)
{
	return xl_set_int(fd, SOL_XTCP, XTCP_KEEPIDLE, 1) ||
	       xl_set_int(fd, SOL_XTCP, XTCP_KEEPINTVL, 1) ||
	       xl_set_int(fd, SOL_XTCP, XTCP_KEEPCNT, cnt) ||
	       xl_set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
}

TEST_F(keepalive, options_default_and_set)
{
	EXPECT_EQ(7200, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE));
	EXPECT_EQ(75, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPINTVL));
	EXPECT_EQ(9, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPCNT));
	ASSERT_EQ(0, keepalive_fast(self->cli, 3));
	EXPECT_EQ(1, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE));
	EXPECT_EQ(1, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPINTVL));
	EXPECT_EQ(3, xl_get_int(self->cli, SOL_XTCP, XTCP_KEEPCNT));
	EXPECT_EQ(1, xl_get_int(self->cli, SOL_SOCKET, SO_KEEPALIVE));

	errno = 0;
	EXPECT_EQ(-1, xl_set_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, xl_set_int(self->cli, SOL_XTCP, XTCP_KEEPCNT, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(keepalive, live_peer_answers_probes)
{
	struct xl_row row = {};
	long in_before, in_after;

	ASSERT_EQ(0, keepalive_fast(self->cli, 3));
	ASSERT_EQ(0, xl_find(XL_NS_A, self->local, SRV, &row));
	EXPECT_STREQ("keepalive", row.timer);

	in_before = xl_snmp(XL_NS_A, "InSegs");
	sleep(5);
	in_after = xl_snmp(XL_NS_A, "InSegs");
	TH_LOG("client InSegs %ld -> %ld while idle", in_before, in_after);
	/* Each probe (one a second after the first idle second) is answered */
	EXPECT_LE(in_before + 2, in_after);

	ASSERT_EQ(0, xl_find(XL_NS_A, self->local, SRV, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	EXPECT_EQ(0, xl_sock_error(self->cli));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "AbortOnTimeout"));
	EXPECT_EQ(3, write(self->cli, "abc", 3));
	EXPECT_EQ(POLLIN, xl_poll(self->srv, POLLIN, 5000));
}

TEST_F(keepalive, silent_peer_dropped_etimedout)
{
	char buf[16];
	long long start;

	/* The peer hears nothing more */
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS, ""));
	start = xl_now_ms();
	ASSERT_EQ(0, keepalive_fast(self->cli, 2));

	/* idle 1 s, then 2 probes 1 s apart: dropped after about 3 s */
	EXPECT_NE(0, xl_poll(self->cli, POLLIN, 20000) & (POLLERR | POLLHUP));
	TH_LOG("dropped after %lld ms", xl_now_ms() - start);
	EXPECT_LE(2000, xl_now_ms() - start);
	EXPECT_EQ(-1, recv(self->cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AbortOnTimeout"));
	EXPECT_EQ(0, xl_wait_gone(XL_NS_A, self->local, SRV, 5000));
	/* Let the server's close reach xa (and its RST come back) */
	EXPECT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
}

XL_HARNESS_MAIN
