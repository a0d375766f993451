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

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define SRV		IP_B ":5000"

FIXTURE(veth) {
	int lfd;
	int cli;
	int srv;
	char local[XTCP_ADDRSTRLEN];
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
	self->cli = xtcp_connect_in(NS_A, IP_B, PORT, 0);
	ASSERT_LE(0, self->cli);
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
	ASSERT_NE(NULL, xtcp_local_str(self->cli, self->local,
				       sizeof(self->local)));
}

FIXTURE_TEARDOWN(veth)
{
	close(self->cli);
	close(self->srv);
	close(self->lfd);
	xtcp_topo("clean");
}

static int set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

static int get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int val = -1;

	if (getsockopt(fd, level, name, &val, &len))
		return -1;
	return val;
}

/* Keepalive every second, dropping after @cnt unanswered probes */
static int keepalive_fast(int fd, int cnt)
{
	return set_int(fd, SOL_XTCP, XTCP_KEEPIDLE, 1) ||
	       set_int(fd, SOL_XTCP, XTCP_KEEPINTVL, 1) ||
	       set_int(fd, SOL_XTCP, XTCP_KEEPCNT, cnt) ||
	       set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
}

TEST_F(veth, options)
{
	EXPECT_EQ(7200, get_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE));
	EXPECT_EQ(75, get_int(self->cli, SOL_XTCP, XTCP_KEEPINTVL));
	EXPECT_EQ(9, get_int(self->cli, SOL_XTCP, XTCP_KEEPCNT));
	ASSERT_EQ(0, keepalive_fast(self->cli, 3));
	EXPECT_EQ(1, get_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE));
	EXPECT_EQ(1, get_int(self->cli, SOL_XTCP, XTCP_KEEPINTVL));
	EXPECT_EQ(3, get_int(self->cli, SOL_XTCP, XTCP_KEEPCNT));
	EXPECT_EQ(1, get_int(self->cli, SOL_SOCKET, SO_KEEPALIVE));

	errno = 0;
	EXPECT_EQ(-1, set_int(self->cli, SOL_XTCP, XTCP_KEEPIDLE, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, set_int(self->cli, SOL_XTCP, XTCP_KEEPCNT, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(veth, live_peer_answers)
{
	struct xtcp_row row = {};
	long in_before, in_after;

	ASSERT_EQ(0, keepalive_fast(self->cli, 3));
	ASSERT_EQ(0, xtcp_find(NS_A, self->local, SRV, &row));
	EXPECT_STREQ("keepalive", row.timer);

	in_before = xtcp_snmp(NS_A, "InSegs");
	sleep(5);
	in_after = xtcp_snmp(NS_A, "InSegs");
	TH_LOG("client InSegs %ld -> %ld while idle", in_before, in_after);
	/* Each probe (one a second after the first idle second) is answered */
	EXPECT_LE(in_before + 2, in_after);

	ASSERT_EQ(0, xtcp_find(NS_A, self->local, SRV, &row));
	EXPECT_STREQ("ESTABLISHED", row.state);
	EXPECT_EQ(0, sock_error(self->cli));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "AbortOnTimeout"));
	EXPECT_EQ(3, write(self->cli, "abc", 3));
	EXPECT_EQ(POLLIN, poll_fd(self->srv, POLLIN, 5000));
}

TEST_F(veth, silent_peer_dropped)
{
	char buf[16];
	long long start;

	ASSERT_EQ(0, ns_run(NS_B, "tc qdisc add dev xb0 clsact && "
			    "tc filter add dev xb0 ingress protocol ip u32 "
			    "match ip protocol %d 0xff action drop",
			    xtcp_ipproto()));
	start = now_ms();
	ASSERT_EQ(0, keepalive_fast(self->cli, 2));

	/* idle 1 s, then 2 probes 1 s apart: dropped after about 3 s */
	EXPECT_NE(0, poll_fd(self->cli, POLLIN, 20000) & (POLLERR | POLLHUP));
	TH_LOG("dropped after %lld ms", now_ms() - start);
	EXPECT_LE(2000, now_ms() - start);
	EXPECT_EQ(-1, recv(self->cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AbortOnTimeout"));
	EXPECT_EQ(0, xtcp_wait_gone(NS_A, self->local, SRV, 5000));
	/* Let the server's close reach xa (and its RST come back) */
	EXPECT_EQ(0, ns_run(NS_B, "tc qdisc del dev xb0 clsact"));
}

TEST_HARNESS_MAIN
