// SPDX-License-Identifier: GPL-2.0
/*
 * SYN retransmission: with the client's SYNs dropped on xa0, connect()
 * retransmits syn_retries times with the retransmit timer armed, then
 * fails with ETIMEDOUT (blocking), or reports it through SO_ERROR
 * (non-blocking).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define CPORT		7001
#define SRV		"198.18.0.2:5000"
#define CLI		"198.18.0.1:7001"
#define SYN_RETRIES	2
#define RTO_MS		200
#define GIVE_UP_MS	30000

/* Drop IPv4 protocol-253 packets with SYN set (TCP flags at 20 + 13). */
#define DROP_SYN \
	"tc qdisc add dev xa0 root handle 1: prio && " \
	"tc filter add dev xa0 parent 1: protocol ip prio 1 u32 " \
	"match ip protocol %d 0xff match u8 0x02 0x02 at 33 action drop"

FIXTURE(synsent) {
	int lfd;
};

FIXTURE_SETUP(synsent)
{
	ASSERT_EQ(0, xtcp_topo("veth"));
	ASSERT_EQ(0, ns_run(NS_A, DROP_SYN, xtcp_ipproto()));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "syn_retries", SYN_RETRIES));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "rto_initial_ms", RTO_MS));
	/* A listener is there: only the filter keeps the SYNs away. */
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(synsent)
{
	close(self->lfd);
	xtcp_topo("clean");
}

/**
 * struct watch - a thread that looks for the SYN_SENT row while the main
 * thread sits in a blocking connect()
 * @stop: set by the main thread when connect() returned
 * @seen: the row was seen in SYN_SENT with the retransmit timer
 */
struct watch {
	atomic_bool stop;
	atomic_bool seen;
};

static void *watch_syn_sent(void *arg)
{
	struct watch *w = arg;
	struct xtcp_row row;

	while (!atomic_load(&w->stop)) {
		if (!xtcp_find(NS_A, CLI, SRV, &row) &&
		    !strcmp(row.state, "SYN_SENT") &&
		    !strcmp(row.timer, "retrans")) {
			atomic_store(&w->seen, true);
			break;
		}
		usleep(20000);
	}
	return NULL;
}

TEST_F_TIMEOUT(synsent, blocking, 60)
{
	struct watch w = {};
	long long start, elapsed;
	pthread_t thr;
	int fd, ret, err;

	fd = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind(fd, IP_A, CPORT));
	ASSERT_EQ(0, pthread_create(&thr, NULL, watch_syn_sent, &w));

	start = now_ms();
	ret = xtcp_connect(fd, IP_B, PORT);
	err = errno;
	elapsed = now_ms() - start;
	atomic_store(&w.stop, true);
	pthread_join(thr, NULL);

	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, err);
	TH_LOG("connect gave up after %lld ms", elapsed);
	/* At least the first two backed-off timeouts: 200 + 400 ms. */
	EXPECT_LE(600, elapsed);
	EXPECT_GT(GIVE_UP_MS, elapsed);
	EXPECT_TRUE(atomic_load(&w.seen));

	EXPECT_EQ(SYN_RETRIES, xtcp_snmp(NS_A, "SynRetrans"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "ActiveOpens"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "InSegs"));
	EXPECT_EQ(0, xtcp_wait_gone(NS_A, CLI, SRV, 5000));
	/* The error is reported once, by connect(). */
	EXPECT_EQ(0, sock_error(fd));
	close(fd);
}

TEST_F_TIMEOUT(synsent, nonblocking, 60)
{
	char name[XTCP_ADDRSTRLEN];
	struct xtcp_row row;
	int fd, revents;

	fd = xtcp_socket_in(NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xtcp_connect(fd, IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_NE(NULL, xtcp_local_str(fd, name, sizeof(name)));

	ASSERT_EQ(0, xtcp_find(NS_A, name, SRV, &row));
	EXPECT_STREQ("SYN_SENT", row.state);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_GE(RTO_MS * 4, row.expires_ms);
	EXPECT_EQ(0, poll_fd(fd, POLLOUT, 0));

	revents = poll_fd(fd, POLLOUT, GIVE_UP_MS);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_EQ(ETIMEDOUT, sock_error(fd));
	EXPECT_EQ(0, sock_error(fd));

	EXPECT_EQ(SYN_RETRIES, xtcp_snmp(NS_A, "SynRetrans"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AttemptFails"));
	EXPECT_EQ(0, xtcp_wait_gone(NS_A, name, SRV, 5000));
	close(fd);
}

TEST_F_TIMEOUT(synsent, retries_sysctl, 60)
{
	int fd;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "syn_retries", 1));
	EXPECT_EQ(1, xtcp_sysctl_get(NS_A, "syn_retries"));
	fd = xtcp_socket_in(NS_A, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_connect(fd, IP_B, PORT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "SynRetrans"));
	close(fd);
}

TEST_F_TIMEOUT(synsent, close_while_connecting, 60)
{
	char name[XTCP_ADDRSTRLEN];
	long retrans;
	int fd;

	fd = xtcp_socket_in(NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xtcp_connect(fd, IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_NE(NULL, xtcp_local_str(fd, name, sizeof(name)));
	EXPECT_EQ(0, xtcp_wait_state(NS_A, name, SRV, "SYN_SENT", 5000));
	close(fd);
	EXPECT_EQ(0, xtcp_wait_gone(NS_A, name, SRV, 5000));
	/* The timer went with the socket: no retransmission after close. */
	retrans = xtcp_snmp(NS_A, "SynRetrans");
	usleep(RTO_MS * 8 * 1000);
	EXPECT_EQ(retrans, xtcp_snmp(NS_A, "SynRetrans"));
}

TEST_HARNESS_MAIN
