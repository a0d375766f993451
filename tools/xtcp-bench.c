// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-bench: throughput and latency of xtcp (or, with -T, Linux TCP).
 *
 *	xtcp-bench -s [-T] [-N netns] [-B addr] [-p port] [-n conns]
 *	xtcp-bench -c host [-T] [-N netns] [-p port] [-m bulk|rr|crr]
 *		   [-b bytes] [-t secs] [-i secs] [-w secs]
 *
 * Modes, all on the client:
 *   bulk  send -b bytes (default 64M) as fast as possible, shut down
 *         writing and wait for the server's byte count and close;
 *         reports Mbit/s.
 *   rr    1-byte request, 1-byte response, on one connection with
 *         XTCP_NODELAY (TCP_NODELAY) set, for -t seconds; reports
 *         transactions/s and the mean latency.
 *   crr   connect, 1-byte request, 1-byte response, close, repeated for
 *         -t seconds; reports connections/s.
 *
 * The server handles one connection after the other: a connection whose
 * first byte is 'B' is a bulk sink (it answers the byte count as a
 * big-endian u64 at EOF, then closes), any other is echoed until EOF. It
 * exits after -n connections, or on SIGTERM or SIGINT.
 *
 * Output follows iperf3's conventions (interval lines every -i seconds,
 * a summary line), followed by one machine-readable line:
 *
 *	RESULT mode=bulk proto=xtcp value=812.4 unit=Mbit/s ...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_lib.h"

#define DEFAULT_PORT	5201
#define DEFAULT_BYTES	(64ULL << 20)
#define DEFAULT_SECS	5.0
#define DEFAULT_WAIT_S	30
#define BUF_SIZE	(128 * 1024)
#define BULK_MAGIC	'B'
#define SEPARATOR	"- - - - - - - - - - - - - - - - - - - - - - - - -"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum mode { MODE_BULK, MODE_RR, MODE_CRR };

static const char * const mode_names[] = {
	[MODE_BULK] = "bulk",
	[MODE_RR] = "rr",
	[MODE_CRR] = "crr",
};

struct opts {
	bool server;
	bool tcp;
	enum mode mode;
	const char *host;
	const char *bind_addr;
	const char *netns;
	unsigned short port;
	unsigned long long bytes;
	double secs;
	double interval;
	int wait_s;
	long max_conns;
};

static struct opts opt = {
	.port = DEFAULT_PORT,
	.bytes = DEFAULT_BYTES,
	.secs = DEFAULT_SECS,
	.interval = 1.0,
	.wait_s = DEFAULT_WAIT_S,
};

static volatile sig_atomic_t stop;
static char buf[BUF_SIZE];

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: xtcp-bench -s [-T] [-N netns] [-B addr] [-p port] [-n conns]\n"
		"       xtcp-bench -c host [-T] [-N netns] [-p port] [-m bulk|rr|crr]\n"
		"                  [-b bytes] [-t secs] [-i secs] [-w secs]\n"
		"  -s        server: sink bulk connections, echo the others\n"
		"  -c host   client: connect to host and run the mode\n"
		"  -T        Linux TCP (AF_INET) instead of xtcp\n"
		"  -N netns  run in network namespace /run/netns/netns\n"
		"  -B addr   server address to bind (default any)\n"
		"  -p port   server port (default %d)\n"
		"  -n conns  server: exit after this many connections\n"
		"  -m mode   bulk (default), rr or crr\n"
		"  -b bytes  bulk: bytes to send, K/M/G suffixes (default 64M)\n"
		"  -t secs   rr, crr: duration (default %.0f)\n"
		"  -i secs   interval between reports, 0 for none (default 1)\n"
		"  -w secs   fail when a connection stalls this long (default %d)\n",
		DEFAULT_PORT, DEFAULT_SECS, DEFAULT_WAIT_S);
	exit(2);
}

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "xtcp-bench: %s %s: %s: %s\n",
		opt.tcp ? "tcp" : "xtcp", mode_names[opt.mode], what,
		strerror(errno));
	exit(1);
}

static const char *proto_name(void)
{
	return opt.tcp ? "tcp" : "xtcp";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Format @v with three significant digits and a 1000- or 1024-based unit. */
static char *fmt_units(char *out, size_t n, double v, double base,
		       const char * const *units)
{
	int i = 0;

	while (v >= base && units[i + 1]) {
		v /= base;
		i++;
	}
	snprintf(out, n, v < 9.995 ? "%.2f %s" : v < 99.95 ? "%.1f %s" :
		 "%.0f %s", v, units[i]);
	return out;
}

static char *fmt_bytes(char *out, size_t n, double bytes)
{
	static const char * const units[] = {
		"Bytes", "KBytes", "MBytes", "GBytes", NULL
	};

	return fmt_units(out, n, bytes, 1024, units);
}

static char *fmt_bitrate(char *out, size_t n, double bits_per_s)
{
	static const char * const units[] = {
		"bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec", NULL
	};

	return fmt_units(out, n, bits_per_s, 1000, units);
}

static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	switch (*end) {
	case 'k': case 'K':
		v *= 1 << 10;
		end++;
		break;
	case 'm': case 'M':
		v *= 1 << 20;
		end++;
		break;
	case 'g': case 'G':
		v *= 1 << 30;
		end++;
		break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static double parse_secs(const char *s, double min)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (end == s || *end || v < min)
		usage();
	return v;
}

static int new_socket(void)
{
	int fd;

	if (opt.tcp)
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else
		fd = socket(xl_family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	return fd;
}

static void set_nodelay(int fd)
{
	int one = 1;

	if (opt.tcp ? setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) :
	    setsockopt(fd, SOL_XTCP, XTCP_NODELAY, &one, sizeof(one)))
		die("setsockopt NODELAY");
}

/* Bound every blocking call, so that a stalled transfer fails visibly. */
static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = opt.wait_s };

	if (!opt.wait_s)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		die("setsockopt SO_RCVTIMEO/SO_SNDTIMEO");
}

static void fill_addr(struct sockaddr_in *sin, const char *ip,
		      unsigned short port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = opt.tcp ? AF_INET : xl_family();
	sin->sin_port = htons(port);
	if (ip && inet_pton(AF_INET, ip, &sin->sin_addr) != 1) {
		fprintf(stderr, "xtcp-bench: %s: not an IPv4 address\n", ip);
		exit(2);
	}
}

static char *addr_str(const struct sockaddr_in *sin, char *out, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	snprintf(out, n, "%s port %u", ip, ntohs(sin->sin_port));
	return out;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_full(int fd, char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int client_connect(bool quiet)
{
	struct sockaddr_in sin, local;
	socklen_t len = sizeof(local);
	char a[64], b[64];
	int fd;

	fd = new_socket();
	set_timeouts(fd);
	if (opt.mode != MODE_BULK)
		set_nodelay(fd);
	fill_addr(&sin, opt.host, opt.port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect");
	if (quiet)
		return fd;
	if (getsockname(fd, (struct sockaddr *)&local, &len))
		die("getsockname");
	printf("[%3d] local %s connected to %s\n", fd,
	       addr_str(&local, a, sizeof(a)), addr_str(&sin, b, sizeof(b)));
	return fd;
}

/**
 * struct meter - interval reporting for one run
 * @id: the "[ ID]" column (iperf3 prints the socket's fd)
 * @start: when the run started
 * @last: when the last interval ended
 * @last_count: the count at the end of the last interval
 * @next: when the next interval ends
 */
struct meter {
	int id;
	double start;
	double last;
	unsigned long long last_count;
	double next;
};

static void meter_header(void)
{
	switch (opt.mode) {
	case MODE_BULK:
		printf("[ ID] Interval           Transfer     Bitrate\n");
		break;
	case MODE_RR:
		printf("[ ID] Interval           Transactions  Rate               Latency\n");
		break;
	case MODE_CRR:
		printf("[ ID] Interval           Connections   Rate\n");
		break;
	}
}

static void meter_line(int id, double from, double to,
		       unsigned long long count, const char *tail)
{
	double dt = to - from > 0 ? to - from : 1e-9;
	char x[32], y[32], line[160];
	size_t len;

	switch (opt.mode) {
	case MODE_BULK:
		snprintf(line, sizeof(line),
			 "[%3d] %6.2f-%-6.2f sec  %-11s  %-15s  %s", id, from,
			 to, fmt_bytes(x, sizeof(x), count),
			 fmt_bitrate(y, sizeof(y), count * 8.0 / dt), tail);
		break;
	case MODE_RR:
		snprintf(y, sizeof(y), "%.0f trans/sec", count / dt);
		snprintf(line, sizeof(line),
			 "[%3d] %6.2f-%-6.2f sec  %-12llu  %-17s  %.1f usec  %s",
			 id, from, to, count, y,
			 count ? dt * 1e6 / count : 0.0, tail);
		break;
	case MODE_CRR:
		snprintf(line, sizeof(line),
			 "[%3s] %6.2f-%-6.2f sec  %-12llu  %.0f conn/sec  %s",
			 "SUM", from, to, count, count / dt, tail);
		break;
	}
	len = strlen(line);
	while (len && line[len - 1] == ' ')
		line[--len] = '\0';
	puts(line);
}

static void meter_start(struct meter *m, int id)
{
	m->id = id;
	m->start = now_s();
	m->last = m->start;
	m->last_count = 0;
	m->next = opt.interval > 0 ? m->start + opt.interval : 1e300;
	if (opt.interval > 0)
		meter_header();
}

/* Print an interval line if one is due; returns the current time. */
static double meter_tick(struct meter *m, unsigned long long count)
{
	double t = now_s();

	if (t < m->next)
		return t;
	meter_line(m->id, m->last - m->start, t - m->start,
		   count - m->last_count, "");
	fflush(stdout);
	m->last = t;
	m->last_count = count;
	m->next = t + opt.interval;
	return t;
}

static void meter_summary(struct meter *m, double end, unsigned long long count,
			  const char *tail)
{
	printf("%s\n", SEPARATOR);
	meter_header();
	meter_line(m->id, 0, end - m->start, count, tail);
}

static void run_bulk(void)
{
	unsigned long long sent = 0, echoed;
	struct meter m;
	uint64_t be;
	double t, secs;
	size_t len;
	ssize_t n;
	int fd;

	fd = client_connect(false);
	for (len = 0; len < sizeof(buf); len++)
		buf[len] = 'a' + len % 26;
	buf[0] = BULK_MAGIC;
	meter_start(&m, fd);
	while (sent < opt.bytes) {
		len = opt.bytes - sent < sizeof(buf) ? opt.bytes - sent :
		      sizeof(buf);
		if (write_all(fd, buf, len))
			die("write");
		buf[0] = 'a';
		sent += len;
		meter_tick(&m, sent);
	}
	if (shutdown(fd, SHUT_WR))
		die("shutdown");
	if (read_full(fd, (char *)&be, sizeof(be)))
		die("read byte count");
	n = read(fd, buf, 1);
	if (n) {
		if (n > 0)
			errno = EPROTO;
		die("EOF after the byte count");
	}
	t = now_s();
	close(fd);
	echoed = be64toh(be);
	if (echoed != sent) {
		fprintf(stderr, "xtcp-bench: server received %llu bytes of %llu\n",
			echoed, sent);
		exit(1);
	}
	meter_summary(&m, t, sent, "sender+receiver");
	secs = t - m.start;
	printf("RESULT mode=bulk proto=%s value=%.1f unit=Mbit/s bytes=%llu seconds=%.3f\n",
	       proto_name(), sent * 8.0 / secs / 1e6, sent, secs);
}

static void request_response(int fd, char c)
{
	char r;

	if (write_all(fd, &c, 1))
		die("write request");
	if (read_full(fd, &r, 1))
		die("read response");
	if (r != c) {
		fprintf(stderr, "xtcp-bench: response %#x to request %#x\n", r, c);
		exit(1);
	}
}

static void run_rr(void)
{
	unsigned long long n = 0;
	struct meter m;
	double t, end;
	int fd;

	fd = client_connect(false);
	meter_start(&m, fd);
	end = m.start + opt.secs;
	do {
		request_response(fd, 'r');
		t = meter_tick(&m, ++n);
	} while (t < end);
	close(fd);
	meter_summary(&m, t, n, "");
	printf("RESULT mode=rr proto=%s value=%.0f unit=trans/s latency_us=%.1f count=%llu seconds=%.3f\n",
	       proto_name(), n / (t - m.start), (t - m.start) * 1e6 / n, n,
	       t - m.start);
}

static void run_crr(void)
{
	unsigned long long n = 0;
	struct meter m;
	double t, end;
	int fd;

	meter_start(&m, 0);
	end = m.start + opt.secs;
	do {
		fd = client_connect(true);
		request_response(fd, 'c');
		close(fd);
		t = meter_tick(&m, ++n);
	} while (t < end);
	meter_summary(&m, t, n, "");
	printf("RESULT mode=crr proto=%s value=%.0f unit=conn/s count=%llu seconds=%.3f\n",
	       proto_name(), n / (t - m.start), n, t - m.start);
}

static void run_client(void)
{
	printf("Connecting to host %s, port %u (%s %s)\n", opt.host, opt.port,
	       proto_name(), mode_names[opt.mode]);
	switch (opt.mode) {
	case MODE_BULK:
		run_bulk();
		break;
	case MODE_RR:
		run_rr();
		break;
	case MODE_CRR:
		run_crr();
		break;
	}
}

/*
 * Serve one connection: a bulk sink when the first byte is BULK_MAGIC,
 * else an echo. 0 when it ended in an orderly way, -1 on an error.
 */
static int serve(int fd)
{
	unsigned long long total = 0;
	double start = 0;
	bool sink = false;
	char x[32], y[32];
	uint64_t be;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR) {
			if (stop)
				return 0;
			continue;
		}
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (!total) {
			sink = buf[0] == BULK_MAGIC;
			start = now_s();
		}
		total += n;
		if (!sink && write_all(fd, buf, n))
			return -1;
	}
	if (!sink)
		return 0;
	be = htobe64(total);
	if (write_all(fd, (char *)&be, sizeof(be)))
		return -1;
	printf("[%3d] bulk: received %s in %.2f sec, %s\n", fd,
	       fmt_bytes(x, sizeof(x), total), now_s() - start,
	       fmt_bitrate(y, sizeof(y), total * 8.0 / (now_s() - start)));
	fflush(stdout);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void run_server(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long conns = 0, errors = 0;
	struct sockaddr_in sin;
	char a[64];
	int one = 1, lfd, fd;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	lfd = new_socket();
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	fill_addr(&sin, opt.bind_addr, opt.port);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	if (listen(lfd, 128))
		die("listen");
	printf("-----------------------------------------------------------\n"
	       "Server listening on %u (%s)\n"
	       "-----------------------------------------------------------\n",
	       opt.port, proto_name());
	fflush(stdout);
	while (!stop && (!opt.max_conns || conns < (unsigned long)opt.max_conns)) {
		socklen_t len = sizeof(sin);

		fd = accept4(lfd, (struct sockaddr *)&sin, &len, SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			die("accept");
		conns++;
		set_nodelay(fd);
		set_timeouts(fd);
		if (serve(fd)) {
			errors++;
			fprintf(stderr, "xtcp-bench: connection from %s: %s\n",
				addr_str(&sin, a, sizeof(a)), strerror(errno));
		}
		close(fd);
	}
	close(lfd);
	printf("Server done: %lu connections, %lu errors\n", conns, errors);
	exit(errors ? 1 : 0);
}

static enum mode parse_mode(const char *s)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strcmp(s, mode_names[i]))
			return i;
	}
	usage();
}

int main(int argc, char **argv)
{
	char *end;
	long v;
	int c;

	while ((c = getopt(argc, argv, "sc:TN:B:p:n:m:b:t:i:w:")) != -1) {
		switch (c) {
		case 's':
			opt.server = true;
			break;
		case 'c':
			opt.host = optarg;
			break;
		case 'T':
			opt.tcp = true;
			break;
		case 'N':
			opt.netns = optarg;
			break;
		case 'B':
			opt.bind_addr = optarg;
			break;
		case 'p':
			v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 65535)
				usage();
			opt.port = v;
			break;
		case 'n':
			opt.max_conns = strtol(optarg, &end, 10);
			if (*end || opt.max_conns < 0)
				usage();
			break;
		case 'm':
			opt.mode = parse_mode(optarg);
			break;
		case 'b':
			if (parse_size(optarg, &opt.bytes))
				usage();
			break;
		case 't':
			opt.secs = parse_secs(optarg, 0.001);
			break;
		case 'i':
			opt.interval = parse_secs(optarg, 0);
			break;
		case 'w':
			opt.wait_s = (int)parse_secs(optarg, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || opt.server == !!opt.host)
		usage();
	if (opt.netns && xl_ns_enter(opt.netns))
		die("enter network namespace");
	signal(SIGPIPE, SIG_IGN);
	if (opt.server)
		run_server();
	else
		run_client();
	return 0;
}
