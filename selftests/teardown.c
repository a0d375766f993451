// SPDX-License-Identifier: GPL-2.0
/*
 * Connection teardown (RFC 9293 3.6, 3.10.4, 3.10.7): every state of the
 * four-way close, simultaneous close and TIME_WAIT seen in
 * /proc/net/xtcp/sockets while it lasts, with tc filters that drop chosen
 * segments to hold a state; half-close; abortive close and SO_LINGER;
 * receiving RST; closing a listener; the orphaned FIN_WAIT2 timeout; and
 * the same life cycle against Linux TCP through the rewriting router.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* kselftest_harness.h of Linux 6.1 is not -Wextra clean. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#include "xtcp_util.h"

#define PORT		5000
#define BOUND_PORT	40000
#define MAX_FDS		16
#define STATE_MS	5000
#define SLOW_MS		30000
#define HALF_CLOSE_LEN	(10 << 20)

/* Addresses of the interop topology (selftests/topo.sh router, interop) */
#define IP_RA		"198.18.1.1"
#define IP_RB		"198.18.2.2"

struct conn {
	int cli;
	int srv;
	char local[XTCP_ADDRSTRLEN];
	char remote[XTCP_ADDRSTRLEN];
};

FIXTURE(veth) {
	int fds[MAX_FDS];
	int nfds;
	int lfd;
};

/* Remember @fd so that teardown aborts it if the test did not close it. */
static int track(FIXTURE_DATA(veth) *self, int fd)
{
	if (fd >= 0 && self->nfds < MAX_FDS)
		self->fds[self->nfds++] = fd;
	return fd;
}

/* Forget @fd: something else closes it. */
static void untrack(FIXTURE_DATA(veth) *self, int fd)
{
	int i;

	for (i = 0; i < self->nfds; i++) {
		if (self->fds[i] == fd) {
			self->fds[i] = self->fds[--self->nfds];
			return;
		}
	}
}

/* close() a tracked fd; returns close()'s result. */
static int untrack_close(FIXTURE_DATA(veth) *self, int fd)
{
	untrack(self, fd);
	return close(fd);
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void tc_clear(const char *ns, const char *dev)
{
	ns_run(ns, "tc qdisc del dev %s ingress 2>/dev/null; "
	       "tc qdisc del dev %s root 2>/dev/null; true", dev, dev);
}

/* Drop segments whose flags byte is exactly @flags arriving on @dev. */
static int tc_drop_flags(const char *ns, const char *dev, int flags)
{
	return ns_run(ns, "tc qdisc add dev %s ingress && "
		      "tc filter add dev %s parent ffff: protocol ip prio 1 u32 "
		      "match ip protocol %d 0xff match u8 0x%02x 0xff at 33 "
		      "action drop", dev, dev, xtcp_ipproto(), flags);
}

static int tc_delay(const char *ns, const char *dev, int ms)
{
	return ns_run(ns, "tc qdisc add dev %s root netem delay %dms",
		      dev, ms);
}

/* Every row of @ns is a TIME_WAIT entry (or there is none). */
static bool only_timewait(const char *ns)
{
	struct xtcp_row rows[64];
	int i, n = xtcp_rows(ns, rows, 64);

	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].state, "TIME_WAIT"))
			return false;
	}
	return n >= 0;
}

static void wait_quiet(const char *ns, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	while (!only_timewait(ns) && now_ms() < end)
		usleep(100000);
}

FIXTURE_SETUP(veth)
{
	self->lfd = -1;
	ASSERT_EQ(0, xtcp_topo("veth"));
	self->lfd = track(self, xtcp_listen_in(NS_B, IP_B, PORT, 16, 0));
	ASSERT_LE(0, self->lfd);
}

/*
 * Let every connection the test left behind finish: lift the filters,
 * abort what is still open, and wait for orphans to go, so that nothing
 * outlives the test holding the module.
 */
FIXTURE_TEARDOWN(veth)
{
	tc_clear(NS_A, "xa0");
	tc_clear(NS_B, "xb0");
	while (self->nfds)
		abort_close(self->fds[--self->nfds]);
	wait_quiet(NS_A, SLOW_MS);
	wait_quiet(NS_B, SLOW_MS);
	xtcp_topo("clean");
}

static const char *state_now(const char *ns, const char *local,
			     const char *remote)
{
	static char state[16];

	if (xtcp_state(ns, local, remote, state, sizeof(state)))
		strcpy(state, "(none)");
	return state;
}

#define ASSERT_STATE(ns, l, r, st, ms) \
	ASSERT_EQ(0, xtcp_wait_state(ns, l, r, st, ms)) \
		TH_LOG("%s %s -> %s is %s, not %s", ns, l, r, \
		       state_now(ns, l, r), st)

#define ASSERT_GONE(ns, l, r, ms) \
	ASSERT_EQ(0, xtcp_wait_gone(ns, l, r, ms)) \
		TH_LOG("%s %s -> %s is still %s", ns, l, r, state_now(ns, l, r))

/* Connect xa to xb's listener and accept; fills @c. */
static int open_conn(FIXTURE_DATA(veth) *self, struct conn *c)
{
	c->cli = track(self, xtcp_connect_in(NS_A, IP_B, PORT, 0));
	if (c->cli < 0)
		return -1;
	c->srv = track(self, accept(self->lfd, NULL, NULL));
	if (c->srv < 0)
		return -1;
	if (!xtcp_local_str(c->cli, c->local, sizeof(c->local)) ||
	    !xtcp_peer_str(c->cli, c->remote, sizeof(c->remote)))
		return -1;
	return 0;
}

static int set_rcvtimeo(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static int set_linger(int fd, int onoff, int secs)
{
	struct linger lg = { .l_onoff = onoff, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

/* recv() with a timeout: the result, errno kept. */
static ssize_t recv_within(int fd, void *buf, size_t len, int ms)
{
	set_rcvtimeo(fd, ms);
	return recv(fd, buf, len, 0);
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

TEST_F_TIMEOUT(veth, active_close_states, 120)
{
	struct xtcp_row row;
	struct conn c;
	char buf[16];

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_STATE(NS_A, c.local, c.remote, "ESTABLISHED", STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "ESTABLISHED", STATE_MS);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "CurrEstab"));

	/* Our FIN is acknowledged: FIN_WAIT2; the peer: CLOSE_WAIT */
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "CurrEstab"));

	/* CLOSE_WAIT still sends; FIN_WAIT2 still receives */
	ASSERT_EQ(4, send(c.srv, "tail", 4, MSG_NOSIGNAL));
	ASSERT_EQ(4, recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, memcmp(buf, "tail", 4));
	EXPECT_EQ(-1, send(c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	/* The peer closes: LAST_ACK, gone once acknowledged; TIME_WAIT here */
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_GONE(NS_B, c.remote, c.local, STATE_MS);
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_LT(0, row.expires_ms);
	EXPECT_EQ(0, recv_within(c.cli, buf, sizeof(buf), STATE_MS));

	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "OutRsts"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "OutRsts"));
}

/* The peer's ACK of our FIN is lost: FIN_WAIT1 holds, the FIN goes again */
TEST_F_TIMEOUT(veth, fin_wait1_retransmits_fin, 120)
{
	struct xtcp_row row;
	struct conn c;
	char buf[16];
	long retrans;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, tc_drop_flags(NS_A, "xa0", TH_ACK));
	retrans = xtcp_snmp(NS_A, "RetransSegs");
	ASSERT_LE(0, retrans);

	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(0, xtcp_wait_snmp(NS_A, "RetransSegs", retrans + 2,
				    SLOW_MS));
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("FIN_WAIT1", row.state);
	EXPECT_STREQ("retrans", row.timer);
	EXPECT_LE(1, row.retransmits);
	TH_LOG("FIN_WAIT1: retransmits %ld, RetransSegs %ld -> %ld",
	       row.retransmits, retrans, xtcp_snmp(NS_A, "RetransSegs"));

	/* The next copy of the FIN is acknowledged */
	tc_clear(NS_A, "xa0");
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", SLOW_MS);
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

/* FIN and the ACK of our FIN in one segment: FIN_WAIT1 -> TIME_WAIT */
TEST_F_TIMEOUT(veth, fin_wait1_to_time_wait, 60)
{
	struct conn c;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, tc_drop_flags(NS_A, "xa0", TH_ACK));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT1", STATE_MS);

	/* The peer's FIN carries ack = our FIN + 1; pure ACKs stay dropped */
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_GONE(NS_B, c.remote, c.local, STATE_MS);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitEntered"));
}

/*
 * Our last ACK is lost: the peer holds LAST_ACK and retransmits its FIN,
 * which TIME_WAIT acknowledges again, restarting its 2 MSL timer.
 */
TEST_F_TIMEOUT(veth, last_ack_and_time_wait_reack, 180)
{
	long retrans, out, left0, left1;
	long long t0, t1;
	struct xtcp_row row;
	struct conn c;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", 10000));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);

	ASSERT_EQ(0, tc_drop_flags(NS_B, "xb0", TH_ACK));
	retrans = xtcp_snmp(NS_B, "RetransSegs");
	out = xtcp_snmp(NS_A, "OutSegs");
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	t0 = now_ms();
	left0 = row.expires_ms;
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(20100, left0);
	ASSERT_STATE(NS_B, c.remote, c.local, "LAST_ACK", STATE_MS);

	/* Two copies of the FIN, each answered from TIME_WAIT */
	ASSERT_EQ(0, xtcp_wait_snmp(NS_B, "RetransSegs", retrans + 2, SLOW_MS));
	ASSERT_EQ(0, xtcp_wait_snmp(NS_A, "OutSegs", out + 3, STATE_MS))
		TH_LOG("OutSegs %ld -> %ld", out, xtcp_snmp(NS_A, "OutSegs"));
	ASSERT_EQ(0, xtcp_find(NS_B, c.remote, c.local, &row));
	EXPECT_STREQ("LAST_ACK", row.state);
	EXPECT_STREQ("retrans", row.timer);
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", 0);

	/*
	 * A copy arriving 1.5 s or more later restarts the timer: without
	 * the restart, left1 would be at most left0 - 1500.
	 */
	while (now_ms() < t0 + 1500)
		usleep(50000);
	retrans = xtcp_snmp(NS_B, "RetransSegs");
	ASSERT_EQ(0, xtcp_wait_snmp(NS_B, "RetransSegs", retrans + 1,
				    SLOW_MS));
	usleep(200000);
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	t1 = now_ms();
	left1 = row.expires_ms;
	TH_LOG("TIME_WAIT left %ld ms, %lld ms later %ld ms", left0, t1 - t0,
	       left1);
	EXPECT_LT(left0 - 1000, left1);

	/* Let the next re-ACK through: LAST_ACK ends */
	tc_clear(NS_B, "xb0");
	ASSERT_GONE(NS_B, c.remote, c.local, SLOW_MS);
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
}

/*
 * Both FINs cross (1.5 s each way): CLOSING on both ends, then TIME_WAIT.
 * The initial RTO is above the handshake's round trip, so nothing is
 * retransmitted.
 */
TEST_F_TIMEOUT(veth, simultaneous_close, 120)
{
	struct conn c;
	char buf[16];

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "rto_initial_ms", 6000));
	ASSERT_EQ(0, xtcp_sysctl_set(NS_B, "rto_initial_ms", 6000));
	ASSERT_EQ(0, tc_delay(NS_A, "xa0", 1500));
	ASSERT_EQ(0, tc_delay(NS_B, "xb0", 1500));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_STATE(NS_A, c.local, c.remote, "ESTABLISHED", STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "ESTABLISHED", STATE_MS);

	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_EQ(0, shutdown(c.srv, SHUT_WR));
	EXPECT_STREQ("FIN_WAIT1", state_now(NS_A, c.local, c.remote));
	EXPECT_STREQ("FIN_WAIT1", state_now(NS_B, c.remote, c.local));
	ASSERT_STATE(NS_A, c.local, c.remote, "CLOSING", STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSING", STATE_MS);
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", 2 * STATE_MS);
	ASSERT_STATE(NS_B, c.remote, c.local, "TIME_WAIT", 2 * STATE_MS);
	EXPECT_EQ(0, recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "RetransSegs"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "RetransSegs"));
}

/* TIME_WAIT lasts 2 x msl_ms on its timer, then the entry is gone */
TEST_F_TIMEOUT(veth, time_wait_expires, 120)
{
	struct xtcp_row row;
	long long start, gone;
	struct conn c;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", 2000));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	start = now_ms();
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	TH_LOG("TIME_WAIT %lld ms after the peer's close: timer %s %ld ms",
	       now_ms() - start, row.timer, row.expires_ms);
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(4100, row.expires_ms);
	EXPECT_LE(1500, row.expires_ms);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "TimeWaitExpired"));

	ASSERT_GONE(NS_A, c.local, c.remote, SLOW_MS);
	gone = now_ms() - start;
	TH_LOG("TIME_WAIT gone %lld ms after the peer's close", gone);
	EXPECT_LE(3500, gone);
	EXPECT_GE(15000, gone);
	EXPECT_EQ(0, xtcp_wait_snmp(NS_A, "TimeWaitExpired", 1, STATE_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitExpired"));
}

static int reuse_socket(bool reuse)
{
	int one = 1, fd = xtcp_socket_in(NS_A, 0);

	if (fd >= 0 && reuse &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* While TIME_WAIT lasts, its 4-tuple and (without SO_REUSEADDR) its port
 * cannot be taken again.
 */
TEST_F_TIMEOUT(veth, time_wait_holds_tuple, 120)
{
	char local[XTCP_ADDRSTRLEN], remote[XTCP_ADDRSTRLEN];
	int cli, srv, fd;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "msl_ms", 2000));
	cli = track(self, reuse_socket(true));
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, xtcp_bind(cli, IP_A, BOUND_PORT));
	ASSERT_EQ(0, xtcp_connect(cli, IP_B, PORT));
	srv = track(self, accept(self->lfd, NULL, NULL));
	ASSERT_LE(0, srv);
	snprintf(local, sizeof(local), "%s:%d", IP_A, BOUND_PORT);
	snprintf(remote, sizeof(remote), "%s:%d", IP_B, PORT);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_STATE(NS_A, local, remote, "FIN_WAIT2", STATE_MS);
	ASSERT_EQ(0, untrack_close(self, srv));
	ASSERT_STATE(NS_A, local, remote, "TIME_WAIT", STATE_MS);
	ASSERT_EQ(0, untrack_close(self, cli));
	ASSERT_STATE(NS_A, local, remote, "TIME_WAIT", 0);

	fd = track(self, reuse_socket(false));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xtcp_bind(fd, IP_A, BOUND_PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	EXPECT_EQ(-1, xtcp_bind(fd, NULL, BOUND_PORT));
	EXPECT_EQ(EADDRINUSE, errno);
	untrack_close(self, fd);

	/* SO_REUSEADDR on both: the port binds, the 4-tuple stays taken */
	fd = track(self, reuse_socket(true));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind(fd, IP_A, BOUND_PORT));
	EXPECT_EQ(-1, xtcp_connect(fd, IP_B, PORT));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	ASSERT_STATE(NS_A, local, remote, "TIME_WAIT", 0);
	untrack_close(self, fd);

	/* After 2 MSL the 4-tuple is free */
	ASSERT_GONE(NS_A, local, remote, SLOW_MS);
	fd = track(self, reuse_socket(false));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xtcp_bind(fd, IP_A, BOUND_PORT));
	ASSERT_EQ(0, xtcp_connect(fd, IP_B, PORT));
	srv = track(self, accept(self->lfd, NULL, NULL));
	ASSERT_LE(0, srv);
	ASSERT_STATE(NS_A, local, remote, "ESTABLISHED", STATE_MS);
}

static unsigned char pattern(size_t i)
{
	return (i * 131 + (i >> 12)) & 0xff;
}

struct sender {
	int fd;
	size_t len;
	int err;
};

static void *send_pattern(void *arg)
{
	struct sender *s = arg;
	unsigned char buf[32768];
	size_t off = 0, i, n;

	while (off < s->len) {
		n = s->len - off < sizeof(buf) ? s->len - off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(off + i);
		if (send_all(s->fd, buf, n)) {
			s->err = errno;
			return NULL;
		}
		off += n;
	}
	s->err = close(s->fd) ? errno : 0;
	return NULL;
}

/* Half-close: after SHUT_WR the client still receives 10 MB intact */
TEST_F_TIMEOUT(veth, half_close_receives, 300)
{
	struct sender s = { .len = HALF_CLOSE_LEN };
	unsigned char buf[65536];
	size_t got = 0, bad = 0, i;
	pthread_t thread;
	struct conn c;
	long long t;
	ssize_t n;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, shutdown(c.cli, SHUT_WR));
	/* The server sees end of stream before any data moves */
	ASSERT_EQ(0, recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);

	s.fd = c.srv;
	untrack(self, c.srv);
	t = now_ms();
	ASSERT_EQ(0, pthread_create(&thread, NULL, send_pattern, &s));
	set_rcvtimeo(c.cli, SLOW_MS);
	while ((n = recv(c.cli, buf, sizeof(buf), 0)) > 0) {
		for (i = 0; i < (size_t)n; i++)
			bad += buf[i] != pattern(got + i);
		got += n;
	}
	EXPECT_EQ(0, n) TH_LOG("recv: %s", strerror(errno));
	TH_LOG("%zu bytes after SHUT_WR in %lld ms", got, now_ms() - t);
	pthread_join(thread, NULL);
	EXPECT_EQ(0, s.err) TH_LOG("sender: %s", strerror(s.err));
	EXPECT_EQ((size_t)HALF_CLOSE_LEN, got);
	EXPECT_EQ(0U, bad);
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

/* Poll until the row's rx_queue reaches @bytes; 0, or -1 after STATE_MS */
static int wait_rx_queue(const char *ns, const char *local,
			 const char *remote, long bytes, struct xtcp_row *row)
{
	long long end = now_ms() + STATE_MS;

	for (;;) {
		if (!xtcp_find(ns, local, remote, row) && row->rx_queue >= bytes)
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(50000);
	}
}

/* close() with unread data resets the connection (RFC 9293 3.10.4) */
TEST_F_TIMEOUT(veth, close_with_unread_data, 60)
{
	struct xtcp_row row;
	struct conn c;
	char buf[128];

	ASSERT_EQ(0, open_conn(self, &c));
	memset(buf, 'u', sizeof(buf));
	ASSERT_EQ(100, send(c.cli, buf, 100, MSG_NOSIGNAL));
	ASSERT_EQ(0, wait_rx_queue(NS_B, c.remote, c.local, 100, &row));

	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_GONE(NS_B, c.remote, c.local, 0);
	EXPECT_EQ(1, xtcp_snmp(NS_B, "AbortOnClose"));
	EXPECT_EQ(1, xtcp_snmp(NS_B, "OutRsts"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "TimeWaitEntered"));

	EXPECT_EQ(-1, recv_within(c.cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(NS_A, c.local, c.remote, STATE_MS);
	EXPECT_EQ(1, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
}

/* SO_LINGER {1, 0}: close() sends RST, no TIME_WAIT */
TEST_F_TIMEOUT(veth, linger_zero_resets, 60)
{
	struct conn c;
	char buf[16];

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, set_linger(c.cli, 1, 0));
	ASSERT_EQ(0, untrack_close(self, c.cli));
	ASSERT_GONE(NS_A, c.local, c.remote, 0);
	EXPECT_EQ(0, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "OutRsts"));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "AbortOnLinger"));

	EXPECT_EQ(-1, recv_within(c.srv, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(NS_B, c.remote, c.local, STATE_MS);
	EXPECT_EQ(1, xtcp_snmp(NS_B, "EstabResets"));
}

/*
 * SO_LINGER {1, 10} on a clean path with 300 ms between the peer and us:
 * close() waits for the ACK of our FIN, no longer.
 */
TEST_F_TIMEOUT(veth, linger_returns_when_acked, 60)
{
	static char data[65536];
	size_t got = 0;
	long long t;
	struct conn c;
	ssize_t n;

	ASSERT_EQ(0, tc_delay(NS_B, "xb0", 300));
	ASSERT_EQ(0, open_conn(self, &c));
	memset(data, 'l', sizeof(data));
	ASSERT_EQ(0, set_linger(c.cli, 1, 10));
	ASSERT_EQ(0, send_all(c.cli, data, sizeof(data)));
	t = now_ms();
	ASSERT_EQ(0, untrack_close(self, c.cli));
	t = now_ms() - t;
	TH_LOG("close() with SO_LINGER {1, 10} took %lld ms", t);
	EXPECT_LE(250, t);
	EXPECT_GT(5000, t);
	/* Everything, FIN included, was acknowledged before close returned */
	EXPECT_STREQ("FIN_WAIT2", state_now(NS_A, c.local, c.remote));

	set_rcvtimeo(c.srv, STATE_MS);
	while ((n = recv(c.srv, data, sizeof(data), 0)) > 0)
		got += n;
	EXPECT_EQ(0, n);
	EXPECT_EQ(sizeof(data), got);
}

/* SO_LINGER {1, 2} when our FIN is never ACKed: close() waits ~2 s */
TEST_F_TIMEOUT(veth, linger_times_out, 60)
{
	long long t;
	struct conn c;

	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, tc_drop_flags(NS_A, "xa0", TH_ACK));
	ASSERT_EQ(0, set_linger(c.cli, 1, 2));
	t = now_ms();
	EXPECT_EQ(0, untrack_close(self, c.cli));
	t = now_ms() - t;
	TH_LOG("close() with SO_LINGER {1, 2} took %lld ms", t);
	EXPECT_LE(1800, t);
	EXPECT_GT(10000, t);
	/* The orphan goes on with the teardown */
	EXPECT_STREQ("FIN_WAIT1", state_now(NS_A, c.local, c.remote));
	tc_clear(NS_A, "xa0");
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", SLOW_MS);
	ASSERT_EQ(0, untrack_close(self, c.srv));
	ASSERT_STATE(NS_A, c.local, c.remote, "TIME_WAIT", STATE_MS);
}

static volatile sig_atomic_t sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

/* Reset the connection from the server side, wait until the client saw it */
static int peer_resets(FIXTURE_DATA(veth) *self, struct conn *c)
{
	if (set_linger(c->srv, 1, 0) || untrack_close(self, c->srv))
		return -1;
	return xtcp_wait_gone(NS_A, c->local, c->remote, STATE_MS);
}

/* After RST: ECONNRESET on the next recv, then EPIPE (and SIGPIPE) */
TEST_F_TIMEOUT(veth, rst_then_recv, 60)
{
	struct conn c;
	char buf[16];

	ASSERT_NE(SIG_ERR, signal(SIGPIPE, count_sigpipe));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, peer_resets(self, &c));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));

	EXPECT_EQ(-1, recv(c.cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, send(c.cli, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
}

/* After RST, a send first reports ECONNRESET (no SIGPIPE), then EPIPE */
TEST_F_TIMEOUT(veth, rst_then_send, 60)
{
	struct conn c;
	char buf[16];

	ASSERT_NE(SIG_ERR, signal(SIGPIPE, count_sigpipe));
	ASSERT_EQ(0, open_conn(self, &c));
	ASSERT_EQ(0, peer_resets(self, &c));

	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(c.cli, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(0, recv(c.cli, buf, sizeof(buf), MSG_DONTWAIT));
}

/* Closing a listener resets what waits in its accept and SYN queues */
TEST_F_TIMEOUT(veth, listener_close_resets_queue, 60)
{
	char l1[XTCP_ADDRSTRLEN], l2[XTCP_ADDRSTRLEN], remote[XTCP_ADDRSTRLEN];
	int c1, c2, rsts;
	char buf[16];

	snprintf(remote, sizeof(remote), "%s:%d", IP_B, PORT);
	c1 = track(self, xtcp_connect_in(NS_A, IP_B, PORT, 0));
	ASSERT_LE(0, c1);
	ASSERT_NE(NULL, xtcp_local_str(c1, l1, sizeof(l1)));
	ASSERT_STATE(NS_B, remote, l1, "ESTABLISHED", STATE_MS);

	/* The client's ACK of the SYN-ACK is lost: SYN_RECV at the server */
	ASSERT_EQ(0, tc_drop_flags(NS_B, "xb0", TH_ACK));
	c2 = track(self, xtcp_connect_in(NS_A, IP_B, PORT, 0));
	ASSERT_LE(0, c2);
	ASSERT_NE(NULL, xtcp_local_str(c2, l2, sizeof(l2)));
	ASSERT_STATE(NS_B, remote, l2, "SYN_RECV", STATE_MS);
	ASSERT_STATE(NS_A, l2, remote, "ESTABLISHED", STATE_MS);

	rsts = xtcp_snmp(NS_B, "OutRsts");
	ASSERT_EQ(0, untrack_close(self, self->lfd));
	ASSERT_GONE(NS_B, remote, l1, STATE_MS);
	ASSERT_GONE(NS_B, remote, l2, STATE_MS);
	EXPECT_EQ(rsts + 2, xtcp_snmp(NS_B, "OutRsts"));

	EXPECT_EQ(-1, recv_within(c1, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, recv_within(c2, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(ECONNRESET, errno);
	ASSERT_GONE(NS_A, l1, remote, STATE_MS);
	ASSERT_GONE(NS_A, l2, remote, STATE_MS);
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
	EXPECT_EQ(0, xtcp_snmp(NS_B, "CurrEstab"));
}

/* A closed socket whose peer never closes leaves FIN_WAIT2 after
 * fin_timeout_ms.
 */
TEST_F_TIMEOUT(veth, orphan_fin_wait2_expires, 60)
{
	struct xtcp_row row;
	long long t;
	struct conn c;

	ASSERT_EQ(0, xtcp_sysctl_set(NS_A, "fin_timeout_ms", 2000));
	ASSERT_EQ(0, open_conn(self, &c));
	t = now_ms();
	ASSERT_EQ(0, untrack_close(self, c.cli));
	ASSERT_STATE(NS_A, c.local, c.remote, "FIN_WAIT2", STATE_MS);
	ASSERT_EQ(0, xtcp_find(NS_A, c.local, c.remote, &row));
	EXPECT_STREQ("timewait", row.timer);
	EXPECT_GE(2100, row.expires_ms);
	ASSERT_STATE(NS_B, c.remote, c.local, "CLOSE_WAIT", STATE_MS);

	ASSERT_GONE(NS_A, c.local, c.remote, SLOW_MS);
	t = now_ms() - t;
	TH_LOG("orphaned FIN_WAIT2 gone %lld ms after close()", t);
	EXPECT_LE(1800, t);
	EXPECT_GT(15000, t);
	EXPECT_EQ(0, xtcp_snmp(NS_A, "TimeWaitEntered"));
	TH_LOG("peer after the timeout: %s",
	       state_now(NS_B, c.remote, c.local));
}

/* Linux TCP in xb through the router that rewrites the protocol byte */
FIXTURE(interop) {
	int fds[4];
};

FIXTURE_SETUP(interop)
{
	int i;

	for (i = 0; i < 4; i++)
		self->fds[i] = -1;
	ASSERT_EQ(0, xtcp_topo("interop"));
}

FIXTURE_TEARDOWN(interop)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (self->fds[i] >= 0)
			abort_close(self->fds[i]);
	}
	wait_quiet(NS_A, SLOW_MS);
	xtcp_topo("clean");
}

/* State of the Linux TCP socket in @ns between the two ports, 0 if none */
static int tcp_state(const char *ns, int lport, int rport)
{
	static char buf[1 << 16];
	unsigned int lp, rp, st;
	char *line, *save;

	if (ns_read_file(ns, "/proc/net/tcp", buf, sizeof(buf)) < 0)
		return -1;
	line = strtok_r(buf, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &lp, &rp, &st) == 3 &&
		    (int)lp == lport && (int)rp == rport)
			return st;
	}
	return 0;
}

static int wait_tcp_state(const char *ns, int lport, int rport, int state,
			  int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (tcp_state(ns, lport, rport) == state)
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(50000);
	}
}

#define ASSERT_TCP_STATE(ns, lp, rp, st, ms) \
	ASSERT_EQ(0, wait_tcp_state(ns, lp, rp, st, ms)) \
		TH_LOG("TCP %s :%d -> :%d is in state %d, not %d (%s)", ns, \
		       lp, rp, tcp_state(ns, lp, rp), st, #st)

static int tcp_socket_in(const char *ns)
{
	return socket_in(ns, AF_INET, SOCK_STREAM, 0);
}

static int tcp_addr(struct sockaddr_in *sin, const char *ip, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

/* Exchange a line each way, so that both ends are surely connected */
static int ping_pong(int a, int b)
{
	char buf[8];

	if (send(a, "ping", 4, MSG_NOSIGNAL) != 4 ||
	    recv_within(b, buf, 4, STATE_MS) != 4 || memcmp(buf, "ping", 4) ||
	    send(b, "pong", 4, MSG_NOSIGNAL) != 4 ||
	    recv_within(a, buf, 4, STATE_MS) != 4 || memcmp(buf, "pong", 4))
		return -1;
	return 0;
}

/* xtcp client, Linux TCP server; the xtcp side closes first */
TEST_F_TIMEOUT(interop, xtcp_closes_first, 120)
{
	char local[XTCP_ADDRSTRLEN], remote[XTCP_ADDRSTRLEN], buf[8];
	struct sockaddr_in sin;
	int lfd, cli, srv, cport, one = 1;

	lfd = self->fds[0] = tcp_socket_in(NS_B);
	ASSERT_LE(0, lfd);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, tcp_addr(&sin, IP_RB, 7000));
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&sin, sizeof(sin)));
	ASSERT_EQ(0, listen(lfd, 4));
	cli = self->fds[1] = xtcp_connect_in(NS_A, IP_RB, 7000, 0);
	ASSERT_LE(0, cli);
	srv = self->fds[2] = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, ping_pong(cli, srv));
	cport = xtcp_local_port(cli);
	ASSERT_NE(NULL, xtcp_local_str(cli, local, sizeof(local)));
	snprintf(remote, sizeof(remote), "%s:%d", IP_RB, 7000);
	ASSERT_STATE(NS_A, local, remote, "ESTABLISHED", STATE_MS);
	ASSERT_TCP_STATE(NS_B, 7000, cport, TCP_ESTABLISHED, STATE_MS);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_STATE(NS_A, local, remote, "FIN_WAIT2", STATE_MS);
	ASSERT_TCP_STATE(NS_B, 7000, cport, TCP_CLOSE_WAIT, STATE_MS);
	EXPECT_EQ(0, recv_within(srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(3, send(srv, "bye", 3, MSG_NOSIGNAL));
	EXPECT_EQ(3, recv_within(cli, buf, sizeof(buf), STATE_MS));

	ASSERT_EQ(0, close(srv));
	self->fds[2] = -1;
	ASSERT_STATE(NS_A, local, remote, "TIME_WAIT", STATE_MS);
	ASSERT_TCP_STATE(NS_B, 7000, cport, 0, STATE_MS);
	EXPECT_EQ(0, recv_within(cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(1, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
}

/* Linux TCP client, xtcp server; the Linux side closes first */
TEST_F_TIMEOUT(interop, tcp_closes_first, 120)
{
	char local[XTCP_ADDRSTRLEN], remote[XTCP_ADDRSTRLEN], buf[8];
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, cli, srv, cport;

	lfd = self->fds[0] = xtcp_listen_in(NS_A, IP_RA, 7001, 4, 0);
	ASSERT_LE(0, lfd);
	cli = self->fds[1] = tcp_socket_in(NS_B);
	ASSERT_LE(0, cli);
	ASSERT_EQ(0, tcp_addr(&sin, IP_RA, 7001));
	ASSERT_EQ(0, connect(cli, (struct sockaddr *)&sin, sizeof(sin)));
	srv = self->fds[2] = accept(lfd, NULL, NULL);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, ping_pong(cli, srv));
	ASSERT_EQ(0, getsockname(cli, (struct sockaddr *)&sin, &len));
	cport = ntohs(sin.sin_port);
	snprintf(local, sizeof(local), "%s:%d", IP_RA, 7001);
	snprintf(remote, sizeof(remote), "%s:%d", IP_RB, cport);
	ASSERT_STATE(NS_A, local, remote, "ESTABLISHED", STATE_MS);
	ASSERT_TCP_STATE(NS_B, cport, 7001, TCP_ESTABLISHED, STATE_MS);

	ASSERT_EQ(0, shutdown(cli, SHUT_WR));
	ASSERT_TCP_STATE(NS_B, cport, 7001, TCP_FIN_WAIT2, STATE_MS);
	ASSERT_STATE(NS_A, local, remote, "CLOSE_WAIT", STATE_MS);
	EXPECT_EQ(0, recv_within(srv, buf, sizeof(buf), STATE_MS));
	ASSERT_EQ(3, send(srv, "bye", 3, MSG_NOSIGNAL));
	EXPECT_EQ(3, recv_within(cli, buf, sizeof(buf), STATE_MS));

	ASSERT_EQ(0, close(srv));
	self->fds[2] = -1;
	ASSERT_GONE(NS_A, local, remote, STATE_MS);
	ASSERT_TCP_STATE(NS_B, cport, 7001, TCP_TIME_WAIT, STATE_MS);
	EXPECT_EQ(0, recv_within(cli, buf, sizeof(buf), STATE_MS));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "TimeWaitEntered"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "EstabResets"));
	EXPECT_EQ(0, xtcp_snmp(NS_A, "CurrEstab"));
}

TEST_HARNESS_MAIN
