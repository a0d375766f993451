// SPDX-License-Identifier: GPL-2.0
/*
 * The timers decide right whatever else happens to the connection:
 * keepalive keeps probing after data went both ways and drops a peer that
 * went silent (RFC 9293 3.8.4); an orphaned FIN_WAIT2 ends after
 * fin_timeout_ms even while the peer keeps provoking ACKs; a retransmission
 * the device refuses is tried again, so the timer never ends up off with
 * data unacknowledged; the backoff of the retransmission timer lasts until
 * an RTT sample comes (Karn's algorithm, RFC 6298 section 5), so an RTT
 * that jumps is learnt with few timeouts; a timer that expired while the
 * user held the socket looks again once the ACKs queued meanwhile are
 * processed (no spurious retransmission); a child in SYN_RECV behind a
 * full accept queue still gives up after synack_retries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define PORT2		5001
#define SRV		XL_IP_B ":5000"
#define WAIT_MS		10000
/* IP and TCP headers of a data segment */
/* IPv4 and TCP headers and the timestamps option (RFC 7323, on by default) */
#define SEG_HDRS	(40 + 12)

FIXTURE(timers) {
	int lfd;
	struct xl_conn c;
};

FIXTURE_SETUP(timers)
{
	self->c.cli = self->c.srv = -1;
	ASSERT_EQ(0, xl_topo("veth"));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 16, 0);
	ASSERT_LE(0, self->lfd);
}

FIXTURE_TEARDOWN(timers)
{
	xl_tc_clear(XL_NS_A, "xa0");
	xl_tc_clear(XL_NS_B, "xb0");
	xl_conn_abort(&self->c);
	close(self->lfd);
	xl_wait_only_timewait(XL_NS_A, WAIT_MS);
	xl_wait_only_timewait(XL_NS_B, WAIT_MS);
	xl_topo("clean");
}

/* Open self->c with Nagle off on both ends */
static int open_nodelay(FIXTURE_DATA(timers) *self)
{
	if (xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT))
		return -1;
	return xl_set_int(self->c.cli, SOL_XTCP, XTCP_NODELAY, 1) ||
	       xl_set_int(self->c.srv, SOL_XTCP, XTCP_NODELAY, 1);
}

static int keepalive(int fd, int idle, int intvl, int cnt)
{
	return xl_set_int(fd, SOL_XTCP, XTCP_KEEPIDLE, idle) ||
	       xl_set_int(fd, SOL_XTCP, XTCP_KEEPINTVL, intvl) ||
	       xl_set_int(fd, SOL_XTCP, XTCP_KEEPCNT, cnt) ||
	       xl_set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
}

/*
 * Keepalive 1 s / 1 s / 2 probes, one request and response, then the peer
 * goes silent: recv() fails with ETIMEDOUT after idle + 2 intervals, as
 * Linux TCP's does (3.1 s there); the data did not stop the timer.
 */
TEST_F_TIMEOUT(timers, keepalive_after_data_drops_silent_peer, 60)
{
	long long start, silent, ms;
	char buf[16];
	ssize_t n;

	ASSERT_EQ(0, open_nodelay(self));
	ASSERT_EQ(0, keepalive(self->c.cli, 1, 1, 2));
	ASSERT_EQ(0, xl_pass(self->c.cli, self->c.srv, 'q', 10, WAIT_MS));
	ASSERT_EQ(0, xl_pass(self->c.srv, self->c.cli, 'r', 10, WAIT_MS));
	/* The client's idle time counts from the response */
	start = xl_now_ms();
	ASSERT_EQ(0, xl_wait_acked(self->c.cli, 10, false, WAIT_MS));
	ASSERT_EQ(0, xl_wait_acked(self->c.srv, 10, false, WAIT_MS));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS, ""));
	silent = xl_now_ms();

	n = xl_recv_within(self->c.cli, buf, sizeof(buf), 20000);
	ms = xl_now_ms() - start;
	TH_LOG("recv: %zd (%s) after %lld ms, %lld ms after the peer fell silent",
	       n, strerror(errno), ms, xl_now_ms() - silent);
	ASSERT_EQ(-1, n);
	ASSERT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(2500, ms);
	/*
	 * A probe answered before the drop took effect (tc can take seconds
	 * on a loaded debug kernel) restarts the idle time, so the bound
	 * counts from the silence: idle + 2 intervals, and slack
	 */
	EXPECT_GE(5000, xl_now_ms() - silent);
	EXPECT_EQ(1, xl_snmp(XL_NS_A, "AbortOnTimeout"));
}

/*
 * The client closes first and its orphaned FIN_WAIT2 lasts fin_timeout_ms,
 * though the peer's keepalive probes (old sequence numbers) reach it every
 * second and each gets an ACK: the timeout still ends it, with a reset
 * that closes the peer's CLOSE_WAIT (EPIPE, as TCP's tcp_reset()).
 */
TEST_F_TIMEOUT(timers, orphan_fin_wait2_expires_while_poked, 60)
{
	struct xtcp_info before, after;
	long long start;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "fin_timeout_ms", 2500));
	ASSERT_EQ(0, open_nodelay(self));
	ASSERT_EQ(0, keepalive(self->c.srv, 1, 1, 9));
	ASSERT_EQ(0, close(self->c.cli));
	self->c.cli = -1;
	start = xl_now_ms();
	ASSERT_STATE(XL_NS_A, self->c.local, SRV, "FIN_WAIT2", WAIT_MS);
	ASSERT_EQ(0, xl_get_info(self->c.srv, &before));
	usleep(2000 * 1000);
	ASSERT_EQ(0, xl_get_info(self->c.srv, &after));
	TH_LOG("probes answered: segs_in %llu -> %llu",
	       (unsigned long long)before.segs_in,
	       (unsigned long long)after.segs_in);
	ASSERT_LT(before.segs_in, after.segs_in);

	ASSERT_GONE(XL_NS_A, self->c.local, SRV, 8000);
	TH_LOG("FIN_WAIT2 ended after %lld ms", xl_now_ms() - start);
	EXPECT_LE(2000, xl_now_ms() - start);
	ASSERT_GONE(XL_NS_B, SRV, self->c.local, WAIT_MS);
	EXPECT_EQ(EPIPE, xl_sock_error(self->c.srv));
}

/*
 * A segment is lost on the way, and the device then refuses its
 * retransmissions (a clsact egress drop: NET_XMIT_DROP): the timer keeps
 * trying, and once the device takes segments again the data arrives. The
 * timer is never off while the data is unacknowledged.
 */
TEST_F_TIMEOUT(timers, refused_retransmission_is_tried_again, 90)
{
	const int len = 1000;
	struct xl_row row;
	char buf[1000];
	long long end;
	int i;

	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_min_ms", 300));
	ASSERT_EQ(0, open_nodelay(self));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, xl_pass(self->c.cli, self->c.srv, 'w', 100, WAIT_MS));
	ASSERT_EQ(0, xl_wait_acked(self->c.cli, 1000, false, WAIT_MS));

	ASSERT_EQ(0, xl_tc_drop_len(XL_NS_B, "xb0", XL_TC_INGRESS,
				    SEG_HDRS + len));
	memset(buf, 'z', len);
	ASSERT_EQ(0, xl_send_all(self->c.cli, buf, len));
	ASSERT_EQ(0, xl_tc_drop_len(XL_NS_A, "xa0", XL_TC_REFUSE,
				    SEG_HDRS + len));
	/*
	 * Timeouts for 10 s, each retransmission refused: more refusals,
	 * tried every 500 ms, than retries2 (15) retransmissions, and still
	 * the connection lives (Linux TCP bounds them by the time retries2
	 * retransmissions would take, about 15 minutes)
	 */
	end = xl_now_ms() + 10000;
	for (i = 0; xl_now_ms() < end; i++) {
		usleep(150 * 1000);
		ASSERT_EQ(0, xl_find(XL_NS_A, self->c.local, SRV, &row)) {
			TH_LOG("%s: no row after %d checks: %s", self->c.local,
			       i, strerror(errno));
			xl_info_print("client", self->c.cli);
			xl_snmp_print(XL_NS_A);
		}
		ASSERT_EQ(len, row.tx_queue);
		/*
		 * The handler re-arms the timer it runs from, as TCP's does:
		 * a row read during its run shows it off for that moment
		 */
		if (!strcmp(row.timer, "off")) {
			usleep(30 * 1000);
			ASSERT_EQ(0, xl_find(XL_NS_A, self->c.local, SRV, &row));
		}
		ASSERT_STRNE("off", row.timer)
			TH_LOG("no timer with %ld bytes unacknowledged",
			       row.tx_queue);
	}
	EXPECT_LE(2, xl_snmp(XL_NS_A, "Timeouts"));

	ASSERT_EQ(0, xl_tc_clear(XL_NS_A, "xa0"));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
	ASSERT_EQ(len, xl_recv_within(self->c.srv, buf, len, WAIT_MS))
		TH_LOG("recv: %s; client error %d, %ld timeouts", strerror(errno),
		       xl_sock_error(self->c.cli), xl_snmp(XL_NS_A, "Timeouts"));
	ASSERT_EQ(0, xl_wait_acked(self->c.cli, 1000 + len, false, WAIT_MS));
}

/* The delay of the netem qdisc on @dev becomes @delay */
static int netem_change(const char *ns, const char *dev, const char *delay)
{
	return xl_exec(ns, NULL, "tc", "qdisc", "change", "dev", dev, "root",
		       "netem", "delay", delay, "limit", "10000", NULL);
}

struct pump {
	int fd;
	unsigned int seed;
	volatile bool stop;
	unsigned long long done;
	int err;
};

/* Thread: send stream @p->seed until @p->stop, then shut down writing */
static void *pump_send(void *arg)
{
	struct pump *p = arg;
	ssize_t n;

	while (!p->stop) {
		n = send(p->fd, xl_stream_at(p->seed, p->done), XL_CHUNK,
			 MSG_NOSIGNAL);
		if (n < 0) {
			p->err = errno;
			break;
		}
		p->done += n;
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

/*
 * The RTT jumps from 20 ms to 1500 ms during a transfer. The ACKs that
 * follow cover retransmitted data and give no RTT sample, so the timer's
 * backoff stays until a segment sent only once is acknowledged: SRTT
 * follows the new path after a handful of timeouts, instead of the timer
 * firing every rto_min for the rest of the transfer.
 */
TEST_F_TIMEOUT(timers, rtt_jump_backoff_lasts_until_sample, 180)
{
	struct xl_xfer rx = { .seed = 3, .total = ~0ULL };
	struct pump tx = { .seed = 3 };
	struct xtcp_info info;
	pthread_t ts, tr;
	long timeouts;

	xl_pattern_init();
	ASSERT_EQ(0, xl_netem(XL_NS_A, "xa0", "delay 10ms limit 10000"));
	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 10ms limit 10000"));
	ASSERT_EQ(0, xl_conn_open(&self->c, self->lfd, XL_IP_B, PORT));
	tx.fd = self->c.cli;
	rx.fd = self->c.srv;
	ASSERT_EQ(0, pthread_create(&ts, NULL, pump_send, &tx));
	ASSERT_EQ(0, pthread_create(&tr, NULL, xl_recv_stream, &rx));

	sleep(5);
	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	TH_LOG("at 20 ms: srtt %u us, rto %u us", info.srtt_us, info.rto_us);
	EXPECT_GT(200000U, info.srtt_us);
	ASSERT_EQ(0, netem_change(XL_NS_A, "xa0", "750ms"));
	ASSERT_EQ(0, netem_change(XL_NS_B, "xb0", "750ms"));
	sleep(40);

	ASSERT_EQ(0, xl_get_info(self->c.cli, &info));
	timeouts = xl_snmp(XL_NS_A, "Timeouts");
	TH_LOG("at 1500 ms: srtt %u us, rttvar %u us, rto %u us, backoff %u, timeouts %ld, retrans %u",
	       info.srtt_us, info.rttvar_us, info.rto_us, info.backoff,
	       timeouts, info.total_retrans);
	tx.stop = true;
	ASSERT_EQ(0, pthread_join(ts, NULL));
	ASSERT_EQ(0, pthread_join(tr, NULL));
	ASSERT_EQ(0, tx.err);
	ASSERT_EQ(0, rx.err);
	ASSERT_TRUE(rx.eof);
	ASSERT_EQ(tx.done, rx.done);

	EXPECT_LT(1000000U, info.srtt_us);
	EXPECT_GE(10, timeouts);
}

/* A thread that resolves one userfaultfd fault after @hold_ms */
struct fault_hold {
	int uffd;
	void *page;
	size_t size;
	int hold_ms;
	long long faulted_ms;
	int err;
};

static void *fault_hold(void *arg)
{
	struct fault_hold *h = arg;
	struct uffdio_copy copy = {};
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = h->uffd, .events = POLLIN };
	void *src;

	if (poll(&pfd, 1, WAIT_MS) != 1 ||
	    read(h->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		h->err = EIO;
		return NULL;
	}
	h->faulted_ms = xl_now_ms();
	usleep(h->hold_ms * 1000);
	src = calloc(1, h->size);
	if (!src) {
		h->err = ENOMEM;
		return NULL;
	}
	copy.dst = (unsigned long)h->page;
	copy.src = (unsigned long)src;
	copy.len = h->size;
	if (ioctl(h->uffd, UFFDIO_COPY, &copy))
		h->err = errno;
	free(src);
	return NULL;
}

/* A page whose first touch blocks until fault_hold() resolves it */
static int fault_page(struct fault_hold *h)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	h->size = sysconf(_SC_PAGESIZE);
	h->uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (h->uffd < 0)
		return -1;
	h->page = mmap(NULL, h->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->page == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)h->page;
	reg.range.len = h->size;
	if (ioctl(h->uffd, UFFDIO_API, &api) ||
	    ioctl(h->uffd, UFFDIO_REGISTER, &reg))
		return -1;
	return 0;
}

/*
 * The retransmission timer expires while the user owns the socket (recv()
 * blocked copying into a page that faults), and the ACK it waited for
 * arrives meanwhile into the backlog. When the user lets go, the ACK is
 * processed first and restarts the timer for the data still in flight; the
 * deferred expiry then finds the timer not yet due and retransmits
 * nothing (as tcp_write_timer_handler()'s icsk_timeout check).
 */
TEST_F_TIMEOUT(timers, deferred_expiry_sees_acks_from_backlog, 60)
{
	struct fault_hold h = { .hold_ms = 2000 };
	char data[100], s1[200], s2[300], buf[500];
	long long start, done;
	struct xl_row row;
	pthread_t th;
	ssize_t n;
	int i;

	if (fault_page(&h))
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "rto_min_ms", 1000));
	ASSERT_EQ(0, open_nodelay(self));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, xl_pass(self->c.cli, self->c.srv, 'w', 100, WAIT_MS));
	ASSERT_EQ(0, xl_wait_acked(self->c.cli, 1000, false, WAIT_MS));

	/* Data for the client to read later, already in its receive queue */
	memset(data, 'd', sizeof(data));
	ASSERT_EQ(0, xl_send_all(self->c.srv, data, sizeof(data)));
	ASSERT_EQ(0, xl_wait_rx_queue(XL_NS_A, self->c.local, SRV,
				      sizeof(data), &row, WAIT_MS));

	/* ACKs from xb now take 1.5 s, longer than the 1 s RTO; S2 is lost */
	ASSERT_EQ(0, xl_netem(XL_NS_B, "xb0", "delay 1500ms"));
	ASSERT_EQ(0, xl_tc_drop_len(XL_NS_B, "xb0", XL_TC_INGRESS,
				    SEG_HDRS + sizeof(s2)));
	memset(s1, '1', sizeof(s1));
	memset(s2, '2', sizeof(s2));
	start = xl_now_ms();
	ASSERT_EQ(0, xl_send_all(self->c.cli, s1, sizeof(s1)));
	ASSERT_EQ(0, xl_send_all(self->c.cli, s2, sizeof(s2)));

	ASSERT_EQ(0, pthread_create(&th, NULL, fault_hold, &h));
	n = recv(self->c.cli, h.page, sizeof(data), 0);
	done = xl_now_ms();
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, h.err);
	ASSERT_EQ((ssize_t)sizeof(data), n);
	ASSERT_EQ(0, memcmp(h.page, data, sizeof(data)));
	TH_LOG("lock held from %lld to %lld ms; timeouts %ld",
	       h.faulted_ms - start, done - start,
	       xl_snmp(XL_NS_A, "Timeouts"));
	/* The expiry at 1 s came while the lock was held, S1's ACK at 1.5 s */
	ASSERT_GT(1000, h.faulted_ms - start);
	ASSERT_LT(1800, done - start);
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "Timeouts"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "RetransSegs"));

	/*
	 * S2's own timeout comes an RTO after that ACK, and resends it (on a
	 * slow machine before the drop is cleared, then again, backed off)
	 */
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));
	ASSERT_EQ(0, xl_set_timeo(self->c.srv, SO_RCVTIMEO, WAIT_MS));
	ASSERT_EQ((ssize_t)sizeof(buf),
		  recv(self->c.srv, buf, sizeof(buf), MSG_WAITALL));
	ASSERT_EQ(0, memcmp(buf, s1, sizeof(s1)));
	ASSERT_EQ(0, memcmp(buf + sizeof(s1), s2, sizeof(s2)));
	EXPECT_LE(1, xl_snmp(XL_NS_A, "Timeouts"));
}

/* The remote address of the one SYN_RECV row of @local in @ns */
static int synrecv_peer(const char *ns, const char *local, char *peer,
			size_t n)
{
	struct xl_row rows[16];
	int i, found = 0, count = xl_rows(ns, rows, 16);

	for (i = 0; i < count; i++) {
		if (strcmp(rows[i].local, local) ||
		    strcmp(rows[i].state, "SYN_RECV"))
			continue;
		snprintf(peer, n, "%s", rows[i].remote);
		found++;
	}
	return found == 1 ? 0 : -1;
}

/*
 * Two handshakes reach SYN_RECV while their final ACKs are dropped; then
 * the ACKs pass, one child takes the last room in the accept queue
 * (backlog 1 holds two, as with TCP) and the other finds it full: it drops
 * the ACK and stays in SYN_RECV, and its client, ESTABLISHED, answers each
 * retransmitted SYN-ACK with an ACK. That child still gives up after
 * synack_retries retransmissions, and its client's next segment meets a
 * reset.
 */
TEST_F_TIMEOUT(timers, synrecv_child_behind_full_queue_gives_up, 90)
{
	char local[XL_ADDRSTRLEN], peer[XL_ADDRSTRLEN];
	const char *srv = XL_IP_B ":5001";
	int lfd, cli[3], i, last = -1;
	long retrans;
	char buf[16];

	/* Room for the slow debug kernel to clear the drop before the last */
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_B, "synack_retries", 3));
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT2, 1, 0);
	ASSERT_LE(0, lfd);
	cli[0] = xl_connect_in(XL_NS_A, XL_IP_B, PORT2, 0);
	ASSERT_LE(0, cli[0]);
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "PassiveOpens", 1, WAIT_MS));

	ASSERT_EQ(0, xl_tc_drop_flags(XL_NS_B, "xb0", XL_TC_INGRESS,
				      TH_ACK, 0xff));
	for (i = 1; i < 3; i++) {
		cli[i] = xl_connect_in(XL_NS_A, XL_IP_B, PORT2, 0);
		ASSERT_LE(0, cli[i]);
	}
	ASSERT_EQ(2, xl_count_rows(XL_NS_B, srv, "SYN_RECV"));
	ASSERT_EQ(0, xl_tc_clear(XL_NS_B, "xb0"));

	/* One child gets the room; the other stays behind the full queue */
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_B, "ListenOverflows", 1, WAIT_MS));
	ASSERT_EQ(0, synrecv_peer(XL_NS_B, srv, peer, sizeof(peer)));
	for (i = 1; i < 3; i++) {
		if (xl_local_str(cli[i], local, sizeof(local)) &&
		    !strcmp(local, peer))
			last = i;
	}
	ASSERT_LT(0, last);
	TH_LOG("%s stays in SYN_RECV", peer);

	/* 1 + 2 + 4 + 8 s of SYN-ACK timeouts (rto_initial_ms), then gone */
	ASSERT_GONE(XL_NS_B, srv, peer, 30000);
	retrans = xl_snmp(XL_NS_B, "SynRetrans");
	usleep(1500 * 1000);
	EXPECT_EQ(retrans, xl_snmp(XL_NS_B, "SynRetrans"));
	/* At most synack_retries for each of the two children */
	EXPECT_GE(6, retrans);

	ASSERT_EQ(0, xl_send_all(cli[last], "x", 1));
	ASSERT_EQ(-1, xl_recv_within(cli[last], buf, sizeof(buf), WAIT_MS));
	EXPECT_EQ(ECONNRESET, errno);
	for (i = 0; i < 3; i++)
		xl_abort_close(cli[i]);
	close(lfd);
}

XL_HARNESS_MAIN
