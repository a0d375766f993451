// SPDX-License-Identifier: GPL-2.0
/*
 * What xtcp hands to IP: a segment goes to ip_queue_xmit() with IP's own
 * control block (IPCB) in skb->cb cleared, as TCP's are, never with
 * xtcp's per-segment state left in it (IP would read it as options and
 * flags: an options length, IPSKB_REROUTED skipping netfilter's
 * POST_ROUTING). Seen with a kprobe event on ip_output() that reads
 * IPCB(skb)->opt.optlen and ->flags; Linux TCP with IP options set shows
 * that the probe reads the right place.
 *
 * xtcp-test: alone (the probe sees every socket of the system: another
 * test's sockets, with IP options of their own, would count)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define WAIT_MS		10000
#define TRACE_LINE	512
/* With 3% loss, retransmissions are all but certain */
#define BULK_BYTES	(256ULL * 1024)

/*
 * ip_output(net, sk, skb): sk in %si, skb in %dx. sk->sk_family is at 16
 * in struct sock_common; skb->cb at 40 in struct sk_buff (Linux 6.1 and
 * 6.12), and in struct inet_skb_parm opt.optlen is at 12, flags at 20.
 */
#define PROBE_ARGS	"family=+16(%si):u16 optlen=+52(%dx):u8 flags=+60(%dx):u16"

FIXTURE(transmit) {
	char tracefs[64];
	char event[64];
	char instance[128];
	bool defined;
};

static int write_str(const char *path, const char *val, bool append)
{
	int fd = open(path, O_WRONLY | (append ? O_APPEND : O_TRUNC));
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static const char *find_tracefs(char *buf, size_t n)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/kprobe_events", &st) ||
	    (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	     !stat("/sys/kernel/tracing/kprobe_events", &st)))
		snprintf(buf, n, "/sys/kernel/tracing");
	else if (!stat("/sys/kernel/debug/tracing/kprobe_events", &st))
		snprintf(buf, n, "/sys/kernel/debug/tracing");
	else
		return NULL;
	return buf;
}

FIXTURE_SETUP(transmit)
{
	char path[256], def[256];

	self->defined = false;
	if (!find_tracefs(self->tracefs, sizeof(self->tracefs)))
		SKIP(return, "no tracefs with kprobe events");
	snprintf(self->event, sizeof(self->event), "ipcb_%d", getpid());
	snprintf(def, sizeof(def), "p:xtcp_test/%s ip_output %s\n",
		 self->event, PROBE_ARGS);
	snprintf(path, sizeof(path), "%s/kprobe_events", self->tracefs);
	ASSERT_EQ(0, write_str(path, def, true));
	self->defined = true;

	/* A trace instance of our own: other tracing is left alone */
	snprintf(self->instance, sizeof(self->instance), "%s/instances/xtcp_%d",
		 self->tracefs, getpid());
	ASSERT_EQ(0, mkdir(self->instance, 0755));
	snprintf(path, sizeof(path), "%s/events/xtcp_test/%s/filter",
		 self->instance, self->event);
	snprintf(def, sizeof(def), "family == 2 || family == %d", xl_family());
	ASSERT_EQ(0, write_str(path, def, false));
	snprintf(path, sizeof(path), "%s/events/xtcp_test/%s/enable",
		 self->instance, self->event);
	ASSERT_EQ(0, write_str(path, "1", false));
	ASSERT_EQ(0, xl_topo("veth"));
}

FIXTURE_TEARDOWN(transmit)
{
	char path[256], def[128];

	xl_topo("clean");
	if (!self->defined)
		return;
	snprintf(path, sizeof(path), "%s/events/xtcp_test/%s/enable",
		 self->instance, self->event);
	write_str(path, "0", false);
	rmdir(self->instance);
	snprintf(path, sizeof(path), "%s/kprobe_events", self->tracefs);
	snprintf(def, sizeof(def), "-:xtcp_test/%s\n", self->event);
	write_str(path, def, true);
}

/**
 * struct seen - what the probe saw, by socket family
 * @tcp: TCP segments
 * @tcp_opt: of those, with an IP options length of 4
 * @xtcp: xtcp segments
 * @xtcp_dirty: of those, with a non-zero options length or flags
 */
struct seen {
	int tcp;
	int tcp_opt;
	int xtcp;
	int xtcp_dirty;
};

static int read_trace(FIXTURE_DATA(transmit) *self, struct seen *s)
{
	unsigned int family, optlen, flags;
	char path[256], line[TRACE_LINE];
	const char *p;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/trace", self->instance);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		p = strstr(line, "family=");
		if (!p || sscanf(p, "family=%u optlen=%u flags=%u", &family,
				 &optlen, &flags) != 3)
			continue;
		if (family == AF_INET) {
			s->tcp++;
			s->tcp_opt += optlen == 4;
		} else if (family == (unsigned int)xl_family()) {
			s->xtcp++;
			s->xtcp_dirty += optlen || flags;
		}
	}
	fclose(f);
	return 0;
}

/* Bulk data, with retransmissions, then a close: every kind of segment */
TEST_F_TIMEOUT(transmit, ip_control_block_is_clean, 120)
{
	static const unsigned char nops[4] = { 1, 1, 1, 0 };
	struct sockaddr_in tsa = { .sin_family = AF_INET,
				   .sin_port = htons(PORT + 1) };
	struct xl_xfer tx = { .seed = 1, .total = BULK_BYTES };
	struct xl_xfer rx = { .seed = 1, .total = BULK_BYTES };
	struct xl_conn c;
	struct seen s;
	int lfd, tl, tc;
	pthread_t th;

	/* Linux TCP with 4 bytes of IP options: the probe must see 4 */
	tl = xl_tcp_sock(XL_NS_B);
	ASSERT_LE(0, tl);
	ASSERT_EQ(1, inet_pton(AF_INET, XL_IP_B, &tsa.sin_addr));
	ASSERT_EQ(0, bind(tl, (struct sockaddr *)&tsa, sizeof(tsa)));
	ASSERT_EQ(0, listen(tl, 4));
	tc = xl_tcp_sock(XL_NS_A);
	ASSERT_LE(0, tc);
	ASSERT_EQ(0, setsockopt(tc, IPPROTO_IP, IP_OPTIONS, nops, sizeof(nops)));
	ASSERT_EQ(0, connect(tc, (struct sockaddr *)&tsa, sizeof(tsa)));
	ASSERT_EQ(0, xl_send_all(tc, "tcp", 3));
	close(tc);
	close(tl);

	ASSERT_EQ(0, xl_netem(XL_NS_A, "xa0", "loss 3%"));
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, xl_conn_open(&c, lfd, XL_IP_B, PORT));
	/* Sent and received at once: neither end's buffer has to hold it */
	xl_pattern_init();
	tx.fd = c.cli;
	rx.fd = c.srv;
	ASSERT_EQ(0, xl_set_timeo(c.srv, SO_RCVTIMEO, 30000 * xl_timeout_scale()));
	ASSERT_EQ(0, pthread_create(&th, NULL, xl_recv_stream, &rx));
	xl_send_stream(&tx);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, tx.err);
	ASSERT_EQ(0, rx.err);
	ASSERT_TRUE(rx.eof);
	ASSERT_EQ(BULK_BYTES, rx.done);
	ASSERT_EQ(0, xl_wait_acked(c.cli, BULK_BYTES, true, 30000));
	ASSERT_LT(0, xl_snmp(XL_NS_A, "RetransSegs"));
	close(c.srv);
	close(c.cli);
	close(lfd);

	ASSERT_EQ(0, read_trace(self, &s));
	TH_LOG("TCP segments %d (%d with options), xtcp segments %d (%d with IPCB left over)",
	       s.tcp, s.tcp_opt, s.xtcp, s.xtcp_dirty);
	ASSERT_LT(0, s.tcp_opt);
	ASSERT_LT(100, s.xtcp);
	EXPECT_EQ(0, s.xtcp_dirty);
}

XL_HARNESS_MAIN
