// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors reach xtcp connections as they reach TCP's (tcp_v4_err):
 *  - during the handshake an error fails connect() at once, with TCP's
 *    errno: protocol unreachable (a host without xtcp) ENOPROTOOPT, port
 *    unreachable ECONNREFUSED, host unreachable EHOSTUNREACH; forged in
 *    xb from the SYN a packet socket captured (the SYN itself is dropped
 *    at xb0's ingress, so that no RST answers it);
 *  - an error quoting a sequence number not in flight is ignored and
 *    counted (RFC 5927 4.1);
 *  - on an established connection an error is soft: the connection lives
 *    on, and only when it times out does the error replace ETIMEDOUT;
 *  - a router whose route is "unreachable" makes connect() fail at once,
 *    on Linux TCP and on xtcp alike;
 *  - path MTU discovery (RFC 1191): xtcp sends with DF set, a router with
 *    a smaller next-hop MTU answers "fragmentation needed", the MSS drops
 *    to fit, the data arrives intact and the router fragments nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define WAIT_MS		5000
/* connect() must fail well before the first SYN retransmission (1 s) */
#define FAIL_MS		900
#define SMALL_MTU	1280
#define PMTU_BYTES	(1024 * 1024)

FIXTURE(icmp) {
	int pfd;
	int fd;
};

FIXTURE_VARIANT(icmp) {
	int code;
	int err;
};

FIXTURE_VARIANT_ADD(icmp, protocol_unreachable) {
	.code = ICMP_PROT_UNREACH,
	.err = ENOPROTOOPT,
};

FIXTURE_VARIANT_ADD(icmp, port_unreachable) {
	.code = ICMP_PORT_UNREACH,
	.err = ECONNREFUSED,
};

FIXTURE_VARIANT_ADD(icmp, host_unreachable) {
	.code = ICMP_HOST_UNREACH,
	.err = EHOSTUNREACH,
};

FIXTURE_SETUP(icmp)
{
	self->pfd = -1;
	self->fd = -1;
}

FIXTURE_TEARDOWN(icmp)
{
	if (self->fd >= 0)
		xl_abort_close(self->fd);
	if (self->pfd >= 0)
		close(self->pfd);
	xl_topo("clean");
}

/* Through a router: errors the router's kernel sends */
FIXTURE(icmp_path) {
	int fd;
};

FIXTURE_SETUP(icmp_path)
{
	self->fd = -1;
	ASSERT_EQ(0, xl_topo("router"));
}

FIXTURE_TEARDOWN(icmp_path)
{
	if (self->fd >= 0)
		xl_abort_close(self->fd);
	xl_topo("clean");
}

/*
 * A non-blocking connect from xa to port PORT of xb whose SYN never
 * arrives; the SYN as xb0 saw it in @syn
 */
static int connect_unanswered(FIXTURE_DATA(icmp) *self, struct xl_seg *syn)
{
	if (xl_topo("veth") ||
	    xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS, "match u16 5000 0xffff at 22"))
		return -1;
	self->pfd = xl_capture_open(XL_NS_B, "xb0", true, 0);
	if (self->pfd < 0)
		return -1;
	self->fd = xl_connect_in(XL_NS_A, XL_IP_B, PORT, SOCK_NONBLOCK);
	if (self->fd < 0 || !xl_capture_next(self->pfd, PORT, syn, WAIT_MS))
		return -1;
	return 0;
}

/* The error connect() reports within @ms, or -1 if it is still pending */
static int connect_error(int fd, int ms)
{
	if (xl_poll(fd, POLLOUT, ms) <= 0)
		return -1;
	return xl_get_int(fd, SOL_SOCKET, SO_ERROR);
}

TEST_F(icmp, handshake_error_fails_connect_at_once)
{
	long fails = 0;
	struct xl_seg syn;
	long long start;
	int err;

	ASSERT_EQ(0, connect_unanswered(self, &syn));
	ASSERT_EQ(TH_SYN, syn.flags);
	fails = xl_snmp(XL_NS_A, "AttemptFails");
	start = xl_now_ms();
	ASSERT_EQ(0, xl_icmp_quote(XL_NS_B, &syn, ICMP_DEST_UNREACH, variant->code,
				syn.seq));
	err = connect_error(self->fd, WAIT_MS);
	TH_LOG("connect failed after %lld ms: %s", xl_now_ms() - start,
	       err > 0 ? strerror(err) : "no error");
	ASSERT_EQ(variant->err, err);
	EXPECT_GE(FAIL_MS * xl_timeout_scale(), xl_now_ms() - start);
	EXPECT_EQ(fails + 1, xl_snmp(XL_NS_A, "AttemptFails"));
	EXPECT_EQ(0, xl_count_rows(XL_NS_A, NULL, "SYN_SENT"));
	EXPECT_EQ(0, xl_snmp(XL_NS_A, "SynRetrans"));
}

TEST_F(icmp, error_outside_flight_ignored)
{
	struct xl_seg syn;
	long before;

	ASSERT_EQ(0, connect_unanswered(self, &syn));
	before = xl_snmp(XL_NS_A, "OutOfWindowIcmps");
	/* One past what is in flight, and one before it */
	ASSERT_EQ(0, xl_icmp_quote(XL_NS_B, &syn, ICMP_DEST_UNREACH, variant->code,
				syn.seq + 2));
	ASSERT_EQ(0, xl_icmp_quote(XL_NS_B, &syn, ICMP_DEST_UNREACH, variant->code,
				syn.seq - 1));
	ASSERT_EQ(0, xl_wait_snmp(XL_NS_A, "OutOfWindowIcmps", before + 2,
				  WAIT_MS));
	EXPECT_EQ(-1, connect_error(self->fd, 300));
	EXPECT_EQ(1, xl_count_rows(XL_NS_A, NULL, "SYN_SENT"));
}

/*
 * Established, with xb0 dropping everything from xa: an error quoting the
 * data in flight leaves the connection up (recv() still waits; SO_ERROR
 * would report and clear the soft error, as on TCP); when the
 * retransmissions run out (retries2 3), recv() reports that error
 * instead of ETIMEDOUT.
 */
TEST_F_TIMEOUT(icmp, established_error_is_soft, 60)
{
	struct xl_conn c;
	struct xl_seg seg;
	char buf[16];
	ssize_t n;

	ASSERT_EQ(0, xl_topo("veth"));
	ASSERT_EQ(0, xl_sysctl_set(XL_NS_A, "retries2", 3));
	ASSERT_EQ(0, xl_conn_pair(&c, PORT));
	ASSERT_EQ(0, xl_tc_drop(XL_NS_B, "xb0", XL_TC_INGRESS,
				"match u16 5000 0xffff at 22"));
	self->pfd = xl_capture_open(XL_NS_B, "xb0", true, 0);
	ASSERT_LE(0, self->pfd);
	ASSERT_EQ(0, xl_send_all(c.cli, "hello", 5));
	ASSERT_EQ(1, xl_capture_next(self->pfd, PORT, &seg, WAIT_MS));
	ASSERT_EQ(5U, seg.len);

	ASSERT_EQ(0, xl_icmp_quote(XL_NS_B, &seg, ICMP_DEST_UNREACH, variant->code,
				seg.seq));
	usleep(300 * 1000);
	EXPECT_EQ(-1, recv(c.cli, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, xl_count_rows(XL_NS_A, NULL, "ESTABLISHED"));

	ASSERT_EQ(0, xl_set_timeo(c.cli, SO_RCVTIMEO, 40000));
	n = recv(c.cli, buf, sizeof(buf), 0);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(variant->err, errno)
		TH_LOG("recv: %s", strerror(errno));
	xl_conn_abort(&c);
}

/*
 * A router in front of xb with an "unreachable" route to it: a SYN gets
 * an ICMP host unreachable from the router's kernel, and connect() fails
 * on TCP as on xtcp, long before its SYN retries would run out. The
 * router's kernel rate-limits these errors per source (ip_error(): none
 * for the first second, then one per second), so each connect may need
 * its SYN retransmitted once.
 */
TEST_F(icmp_path, router_unreachable_route_fails_connect)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int tcp, err, ms = WAIT_MS * xl_timeout_scale();
	long long start;

	ASSERT_EQ(0, xl_exec(XL_NS_R, NULL, "ip", "route", "add", "unreachable",
			     XL_IP_RB "/32", NULL));

	start = xl_now_ms();
	self->fd = xl_connect_in(XL_NS_A, XL_IP_RB, PORT, SOCK_NONBLOCK);
	ASSERT_LE(0, self->fd);
	err = connect_error(self->fd, ms);
	TH_LOG("xtcp: %s after %lld ms", err > 0 ? strerror(err) : "no error",
	       xl_now_ms() - start);
	EXPECT_EQ(EHOSTUNREACH, err);

	tcp = xl_socket_in(XL_NS_A, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, tcp);
	inet_pton(AF_INET, XL_IP_RB, &sa.sin_addr);
	start = xl_now_ms();
	ASSERT_EQ(-1, connect(tcp, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(EINPROGRESS, errno);
	err = connect_error(tcp, ms);
	close(tcp);
	TH_LOG("Linux TCP: %s after %lld ms",
	       err > 0 ? strerror(err) : "no error", xl_now_ms() - start);
	EXPECT_EQ(EHOSTUNREACH, err);
}

/* Ip: FragCreates of /proc/net/snmp in @ns */
static long frag_creates(const char *ns)
{
	char buf[8192], *names, *values, *n, *v, *sn, *sv;
	long val = -1;

	if (xl_read_file(ns, "/proc/net/snmp", buf, sizeof(buf)) <= 0)
		return -1;
	names = strstr(buf, "Ip: ");
	values = names ? strstr(names + 1, "Ip: ") : NULL;
	if (!values)
		return -1;
	*strchr(names, '\n') = 0;
	*strchrnul(values, '\n') = 0;
	n = strtok_r(names + 4, " ", &sn);
	v = strtok_r(values + 4, " ", &sv);
	while (n && v) {
		if (!strcmp(n, "FragCreates"))
			val = atol(v);
		n = strtok_r(NULL, " ", &sn);
		v = strtok_r(NULL, " ", &sv);
	}
	return val;
}

/*
 * RFC 1191 through a router whose link to xb has MTU 1280 (xb itself has
 * 1500, so its MSS option says 1460): the first full-sized segments are
 * refused with "fragmentation needed", the MSS becomes 1228 (1240 less
 * the timestamps option), and 1 MB arrives intact without one fragment.
 */
TEST_F_TIMEOUT(icmp_path, path_mtu_lowers_mss, 120)
{
	struct xl_xfer tx = { .seed = 3, .total = PMTU_BYTES };
	struct xl_xfer rx = { .seed = 3, .total = PMTU_BYTES };
	struct xtcp_info info;
	pthread_t sender;
	long frags;
	int lfd;

	ASSERT_EQ(0, xl_exec(XL_NS_R, NULL, "ip", "link", "set", "r1", "mtu",
			     "1280", NULL));
	frags = frag_creates(XL_NS_R);
	ASSERT_LE(0, frags);

	lfd = xl_listen_in(XL_NS_B, XL_IP_RB, PORT, 1, 0);
	ASSERT_LE(0, lfd);
	self->fd = xl_connect_in(XL_NS_A, XL_IP_RB, PORT, 0);
	ASSERT_LE(0, self->fd);
	rx.fd = accept(lfd, NULL, NULL);
	close(lfd);
	ASSERT_LE(0, rx.fd);
	tx.fd = self->fd;
	ASSERT_EQ(0, pthread_create(&sender, NULL, xl_send_stream, &tx));
	xl_recv_stream(&rx);
	pthread_join(sender, NULL);
	close(rx.fd);
	ASSERT_EQ(0, tx.err);
	ASSERT_EQ(0, rx.err);
	ASSERT_EQ((unsigned long long)PMTU_BYTES, rx.done);

	ASSERT_EQ(0, xl_get_info(self->fd, &info));
	TH_LOG("snd_mss %u, PMTUReduced %ld, router fragments %ld",
	       info.snd_mss, xl_snmp(XL_NS_A, "PMTUReduced"),
	       frag_creates(XL_NS_R) - frags);
	/* Less IPv4, TCP and the timestamps option on every segment */
	EXPECT_EQ(SMALL_MTU - 40U - 12, info.snd_mss);
	EXPECT_LE(1, xl_snmp(XL_NS_A, "PMTUReduced"));
	EXPECT_EQ(frags, frag_creates(XL_NS_R));
}

XL_HARNESS_MAIN
