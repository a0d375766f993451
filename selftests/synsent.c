// SPDX-License-Identifier: GPL-2.0
/*
 * SYN retransmission: with the client's SYNs dropped on xa0, connect()
 * retransmits syn_retries times with the retransmit timer armed, then
 * fails with ETIMEDOUT (blocking), or reports it through SO_ERROR
 * (non-blocking).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define CPORT		7001
#define SRV		"198.18.0.2:5000"
#define CLI		"198.18.0.1:7001"
#define SYN_RETRIES	2
#define RTO_MS		200
#define GIVE_UP_MS	30000

FIXTURE(synsent) {
	int lfd;
};

FIXTURE_SETUP(synsent)
{
	ASSERT_EQ(0, xl_topo("veth"));
	/* Every segment with SYN set is lost */
	ASSERT_EQ(0, xl_tc_drop_flags(XL_NS_A, "xa0", XL_TC_LOSE, TH_SYN, TH_SYN));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "syn_retries", SYN_RETRIES));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_initial_ms", RTO_MS));
	/* A listener is there: only the filter keeps the SYNs away. */
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 8, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(synsent)
{
	close(self->lfd);
	xl_topo("clean");
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
	struct xl_row row;

	while (!atomic_load(&w->stop)) {
		if (!xl_find(XL_NS_A, CLI, SRV, &row) &&
		    !strcmp(row.state, "SYN_SENT") &&
		    !strcmp(row.timer, "retrans")) {
			atomic_store(&w->seen, true);
			break;
		}
		usleep(20000);
	}
	return NULL;
}

TEST_F_TIMEOUT(synsent, blocking_connect_etimedout, 60)
{
	struct watch w = {};
	long long start, elapsed;
	pthread_t thr;
	int fd, ret, err;

	fd = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xl_bind(fd, XL_IP_A, CPORT));
	ASSERT_EQ(0, pthread_create(&thr, NULL, watch_syn_sent, &w));

	start = xl_now_ms();
	ret = xl_connect(fd, XL_IP_B, PORT);
	err = errno;
	elapsed = xl_now_ms() - start;
	atomic_store(&w.stop, true);
	pthread_join(thr, NULL);

	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ETIMEDOUT, err);
	TH_LOG("connect gave up after %lld ms", elapsed);
	/* At least the first two backed-off timeouts: 200 + 400 ms. */
	EXPECT_LE(600, elapsed);
	EXPECT_GT(GIVE_UP_MS, elapsed);
	EXPECT_TRUE(atomic_load(&w.seen));

	EXPECT_COUNTS({ "SynRetrans", SYN_RETRIES, XL_ANY },
		      { "AttemptFails", 1, XL_ANY },
		      { "ActiveOpens", 1, XL_ANY },
		      { "CurrEstab", 0, XL_ANY },
		      { "InSegs", XL_ANY, 0 });
	EXPECT_EQ(0, xl_wait_gone(XL_NS_A, CLI, SRV, 5000));
	/* The error is reported once, by connect(). */
	EXPECT_EQ(0, xl_sock_error(fd));
	close(fd);
}

TEST_F_TIMEOUT(synsent, nonblocking_connect_etimedout, 60)
{
	char name[XL_ADDRSTRLEN];
	struct xl_row row;
	int fd, revents;

	fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_NE(NULL, xl_local_str(fd, name, sizeof(name)));

	ASSERT_EQ(0, xl_find(XL_NS_A, name, SRV, &row));
	EXPECT_STREQ("SYN_SENT", row.state);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_GE(RTO_MS * 4, row.expires_ms);
	EXPECT_EQ(0, xl_poll(fd, POLLOUT, 0));

	revents = xl_poll(fd, POLLOUT, GIVE_UP_MS);
	EXPECT_TRUE(revents & POLLOUT);
	EXPECT_TRUE(revents & POLLERR);
	EXPECT_EQ(ETIMEDOUT, xl_sock_error(fd));
	EXPECT_EQ(0, xl_sock_error(fd));

	EXPECT_EQ(SYN_RETRIES, xl_snmp(XL_NS_A, "SynRetrans"));
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AttemptFails"));
	EXPECT_EQ(0, xl_wait_gone(XL_NS_A, name, SRV, 5000));
	close(fd);
}

TEST_F_TIMEOUT(synsent, syn_retries_sysctl_applies, 60)
{
	int fd;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "syn_retries", 1));
	EXPECT_EQ(1, xl_sysctl_get(XL_NS_A, "syn_retries"));
	fd = xl_sock(XL_NS_A, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "SynRetrans"));
	close(fd);
}

TEST_F_TIMEOUT(synsent, close_stops_syn_retransmission, 60)
{
	char name[XL_ADDRSTRLEN];
	long retrans;
	int fd;

	fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, xl_connect(fd, XL_IP_B, PORT));
	ASSERT_EQ(EINPROGRESS, errno);
	ASSERT_NE(NULL, xl_local_str(fd, name, sizeof(name)));
	EXPECT_EQ(0, xl_wait_state(XL_NS_A, name, SRV, "SYN_SENT", 5000));
	close(fd);
	EXPECT_EQ(0, xl_wait_gone(XL_NS_A, name, SRV, 5000));
	/* The timer went with the socket: no retransmission after close. */
	retrans = xl_snmp(XL_NS_A, "SynRetrans");
	usleep(RTO_MS * 8 * 1000);
	EXPECT_EQ(retrans, xl_snmp(XL_NS_A, "SynRetrans"));
}

XL_HARNESS_MAIN
