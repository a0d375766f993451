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

#include "xtcp_harness.h"

#define PORT		5000
#define SRV		"198.18.0.2:5000"
#define BACKLOG		2
#define CLIENTS		20
#define WAIT_MS		30000

FIXTURE(backlog) {
	int lfd;
	int cli[CLIENTS];
	char names[CLIENTS][XL_ADDRSTRLEN];
};

FIXTURE_SETUP(backlog)
{
	int i;

	self->lfd = xl_veth_listen(PORT, BACKLOG, SOCK_NONBLOCK);
	ASSERT_LE(0, self->lfd);
	for (i = 0; i < CLIENTS; i++)
		self->cli[i] = -1;
}

FIXTURE_TEARDOWN(backlog)
{
	int i;

	for (i = 0; i < CLIENTS; i++) {
		if (self->cli[i] >= 0)
			close(self->cli[i]);
	}
	close(self->lfd);
	xl_topo("clean");
}

static const char *peer_of(int fd, char *buf, size_t n)
{
	return xl_peer_str(fd, buf, n) ?: "";
}

static bool is_client(FIXTURE_DATA(backlog) *self, const char *name)
{
	int i;

	for (i = 0; i < CLIENTS; i++) {
		if (!strcmp(self->names[i], name))
			return true;
	}
	return false;
}

TEST_F_TIMEOUT(backlog, accept_queue_bounded_by_backlog, 180)
{
	char peer[XL_ADDRSTRLEN], name[XL_ADDRSTRLEN];
	long overflows, drops;
	long long end;
	int i, fd, cli, srv = -1, accepted = 0, queued;

	for (i = 0; i < CLIENTS; i++) {
		self->cli[i] = xl_connect_in(XL_NS_A, XL_IP_B, PORT, SOCK_NONBLOCK);
		ASSERT_LE(0, self->cli[i]);
		ASSERT_NE(NULL, xl_local_str(self->cli[i], self->names[i],
					       sizeof(self->names[i])));
	}
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "ListenOverflows", 1, WAIT_MS));
	/* The accept queue: the listener's established children */
	queued = xl_count_rows(XL_NS_B, SRV, "ESTABLISHED");
	TH_LOG("accept queue: %d", queued);
	EXPECT_LE(1, queued);
	EXPECT_GE(BACKLOG + 1, queued);

	overflows = xl_snmp(XL_NS_B, "ListenOverflows");
	drops = xl_snmp(XL_NS_B, "ListenDrops");
	TH_LOG("ListenOverflows %ld ListenDrops %ld", overflows, drops);
	EXPECT_LE(overflows, drops);

	/*
	 * With the clients frozen (all they send is lost on the way), the
	 * queue is all there is to accept.
	 */
	ASSERT_EQ(0, xl_tc_drop(XL_NS_A, "xa0", XL_TC_LOSE, ""));
	while ((fd = accept(self->lfd, NULL, NULL)) >= 0) {
		EXPECT_TRUE(is_client(self, peer_of(fd, peer, sizeof(peer))));
		accepted++;
		close(fd);
	}
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(1, accepted);
	EXPECT_GE(BACKLOG + 1, accepted);
	EXPECT_EQ(0, xl_count_rows(XL_NS_B, SRV, "ESTABLISHED"));

	/* Room again: a new connection gets through. */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	for (i = 0; i < CLIENTS; i++) {
		close(self->cli[i]);
		self->cli[i] = -1;
	}
	cli = xl_connect_in(XL_NS_A, XL_IP_B, PORT, SOCK_NONBLOCK);
	ASSERT_LE(0, cli);
	ASSERT_NE(NULL, xl_local_str(cli, name, sizeof(name)));
	end = xl_now_ms() + WAIT_MS;
	while (srv < 0 && xl_now_ms() < end) {
		if (!(xl_poll(self->lfd, POLLIN, 200) & POLLIN))
			continue;
		while (srv < 0 && (fd = accept(self->lfd, NULL, NULL)) >= 0) {
			if (!strcmp(name, peer_of(fd, peer, sizeof(peer))))
				srv = fd;
			else
				close(fd);
		}
	}
	EXPECT_LE(0, srv);
	EXPECT_TRUE(xl_poll(cli, POLLOUT, WAIT_MS) & POLLOUT);
	EXPECT_EQ(0, xl_sock_error(cli));
	close(srv);
	close(cli);
}

XL_HARNESS_MAIN
