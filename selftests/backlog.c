// SPDX-License-Identifier: GPL-2.0
/*
 * The accept queue is bounded by listen()'s backlog: a listener that never
 * accepts holds at most backlog + 1 established children (as Linux does)
 * and counts what it turns away in ListenOverflows/ListenDrops; accepting
 * makes room again.
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
#define BACKLOG		2
#define CLIENTS		20
#define MAX_ROWS	256
#define WAIT_MS		30000

/* Freeze the clients: drop everything xtcp leaving xa. */
#define DROP_ALL \
	"tc qdisc add dev xa0 root handle 1: prio && " \
	"tc filter add dev xa0 parent 1: protocol ip prio 1 u32 " \
	"match ip protocol %d 0xff action drop"

FIXTURE(veth) {
	int lfd;
	int cli[CLIENTS];
	char names[CLIENTS][XTCP_ADDRSTRLEN];
};

FIXTURE_SETUP(veth)
{
	int i;

	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = xtcp_listen_in(NS_B, IP_B, PORT, BACKLOG, SOCK_NONBLOCK);
	ASSERT_LE(0, self->lfd);
	for (i = 0; i < CLIENTS; i++)
		self->cli[i] = -1;
}

FIXTURE_TEARDOWN(veth)
{
	int i;

	for (i = 0; i < CLIENTS; i++) {
		if (self->cli[i] >= 0)
			close(self->cli[i]);
	}
	close(self->lfd);
	xtcp_topo("clean");
}

/* Established children of the listener, i.e. its accept queue. */
static int queued_children(void)
{
	static struct xtcp_row rows[MAX_ROWS];
	int n, i, count = 0;

	n = xtcp_rows(NS_B, rows, MAX_ROWS);
	for (i = 0; i < n; i++) {
		if (!strcmp(rows[i].local, SRV) &&
		    !strcmp(rows[i].state, "ESTABLISHED"))
			count++;
	}
	return n < 0 ? -1 : count;
}

static const char *peer_of(int fd, char *buf, size_t n)
{
	return xtcp_peer_str(fd, buf, n) ?: "";
}

static bool is_client(FIXTURE_DATA(veth) *self, const char *name)
{
	int i;

	for (i = 0; i < CLIENTS; i++) {
		if (!strcmp(self->names[i], name))
			return true;
	}
	return false;
}

TEST_F_TIMEOUT(veth, overflow, 180)
{
	char peer[XTCP_ADDRSTRLEN], name[XTCP_ADDRSTRLEN];
	long overflows, drops;
	long long end;
	int i, fd, cli, srv = -1, accepted = 0, queued;

	for (i = 0; i < CLIENTS; i++) {
		self->cli[i] = xtcp_connect_in(NS_A, IP_B, PORT, SOCK_NONBLOCK);
		ASSERT_LE(0, self->cli[i]);
		ASSERT_NE(NULL, xtcp_local_str(self->cli[i], self->names[i],
					       sizeof(self->names[i])));
	}
	ASSERT_EQ(0, xtcp_wait_snmp(NS_B, "ListenOverflows", 1, WAIT_MS));
	queued = queued_children();
	TH_LOG("accept queue: %d", queued);
	EXPECT_LE(1, queued);
	EXPECT_GE(BACKLOG + 1, queued);

	overflows = xtcp_snmp(NS_B, "ListenOverflows");
	drops = xtcp_snmp(NS_B, "ListenDrops");
	TH_LOG("ListenOverflows %ld ListenDrops %ld", overflows, drops);
	EXPECT_LE(overflows, drops);

	/* With the clients frozen, the queue is all there is to accept. */
	ASSERT_EQ(0, ns_run(NS_A, DROP_ALL, xtcp_ipproto()));
	while ((fd = accept(self->lfd, NULL, NULL)) >= 0) {
		EXPECT_TRUE(is_client(self, peer_of(fd, peer, sizeof(peer))));
		accepted++;
		close(fd);
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(1, accepted);
	EXPECT_GE(BACKLOG + 1, accepted);
	EXPECT_EQ(0, queued_children());

	/* Room again: a new connection gets through. */
	ASSERT_EQ(0, ns_run(NS_A, "tc qdisc del dev xa0 root"));
	for (i = 0; i < CLIENTS; i++) {
		close(self->cli[i]);
		self->cli[i] = -1;
	}
	cli = xtcp_connect_in(NS_A, IP_B, PORT, SOCK_NONBLOCK);
	ASSERT_LE(0, cli);
	ASSERT_NE(NULL, xtcp_local_str(cli, name, sizeof(name)));
	end = now_ms() + WAIT_MS;
	while (srv < 0 && now_ms() < end) {
		if (!(poll_fd(self->lfd, POLLIN, 200) & POLLIN))
			continue;
		while (srv < 0 && (fd = accept(self->lfd, NULL, NULL)) >= 0) {
			if (!strcmp(name, peer_of(fd, peer, sizeof(peer))))
				srv = fd;
			else
				close(fd);
		}
	}
	EXPECT_LE(0, srv);
	EXPECT_TRUE(poll_fd(cli, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(0, sock_error(cli));
	close(srv);
	close(cli);
}

TEST_HARNESS_MAIN
