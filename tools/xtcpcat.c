// SPDX-License-Identifier: GPL-2.0
/*
 * xtcpcat: a small netcat for xtcp (and, with -T, for Linux TCP).
 *
 *	xtcpcat [-kqNTvz] [-s addr] [-p port] [-w secs] host port
 *	xtcpcat -l [-kqNTvz] [-s addr] [-p port] [-w secs] [[addr] port]
 *
 * Connects to host:port, or listens and accepts one connection (-k: one
 * after the other, forever), then copies stdin to the socket and the
 * socket to stdout until the peer closes (with -N: a half-close each way,
 * until both have ended). With -T it speaks Linux TCP, so that the same
 * tool is both ends of the tests through the router that rewrites xtcp's
 * IP protocol to TCP's. Standalone: needs only libc and the uapi header.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/xtcp.h>

#define FAMILY_PARAM	"/sys/module/xtcp/parameters/family"
#define BUF_SIZE	65536
#define LISTEN_BACKLOG	16

struct opts {
	bool listen;
	bool keep;
	bool quit_on_eof;
	bool shut_on_eof;
	bool tcp;
	bool verbose;
	bool zero_io;
	int timeout_ms;
	const char *src_addr;
	const char *src_port;
	const char *host;
	const char *port;
};

static struct opts opt = { .timeout_ms = -1 };

static void usage(void)
{
	fprintf(stderr,
		"usage: xtcpcat [-kqNTvz] [-s addr] [-p port] [-w secs] host port\n"
		"       xtcpcat -l [-kqNTvz] [-s addr] [-p port] [-w secs] [[addr] port]\n"
		"  -l       listen and accept a connection\n"
		"  -k       with -l, accept connections one after the other, forever\n"
		"  -s addr  local address to bind\n"
		"  -p port  local port (the listening port with -l)\n"
		"  -q       close the connection at end of stdin\n"
		"  -N       shut down the sending side at end of stdin, and go on\n"
		"           sending after the peer shut down its side\n"
		"  -w secs  time out connect, accept and idle connections\n"
		"  -T       use Linux TCP (AF_INET) instead of xtcp, e.g. as the\n"
		"           peer of xtcp across the protocol-rewriting router\n"
		"  -z       open the connection, then close it without I/O\n"
		"  -v       print addresses and the result on stderr\n");
	exit(2);
}

static void verbose(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (!opt.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "xtcpcat: %s\n", line);
}

/* Report the failed call and errno, then exit non-zero. */
static void __attribute__((noreturn)) fail(const char *what, int err)
{
	fprintf(stderr, "xtcpcat: %s: %s\n", what, strerror(err));
	verbose("result %s", strerrorname_np(err) ?: "unknown");
	exit(1);
}

static int xtcp_family(void)
{
	FILE *f = fopen(FAMILY_PARAM, "r");
	int family;

	if (!f)
		return AF_XTCP;
	if (fscanf(f, "%d", &family) != 1)
		family = AF_XTCP;
	fclose(f);
	return family;
}

static int sock_family(void)
{
	return opt.tcp ? AF_INET : xtcp_family();
}

static void parse_addr(const char *host, const char *port,
		       struct sockaddr_in *sin)
{
	struct addrinfo hints = { .ai_family = AF_INET };
	struct addrinfo *res;
	char *end;
	long p;
	int err;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = sock_family();
	p = port ? strtol(port, &end, 10) : 0;
	if (port && (*end || p < 0 || p > 65535)) {
		fprintf(stderr, "xtcpcat: bad port: %s\n", port);
		exit(2);
	}
	sin->sin_port = htons(p);
	if (!host || inet_pton(AF_INET, host, &sin->sin_addr) == 1)
		return;
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "xtcpcat: %s: %s\n", host, gai_strerror(err));
		exit(2);
	}
	sin->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
}

static const char *addr_str(const struct sockaddr_in *sin, char *buf,
			    size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, ntohs(sin->sin_port));
	return buf;
}

static const char *sock_name(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int ret;

	ret = peer ? getpeername(fd, (struct sockaddr *)&sin, &slen) :
		     getsockname(fd, (struct sockaddr *)&sin, &slen);
	if (ret) {
		snprintf(buf, len, "?(%s)", strerrorname_np(errno) ?: "?");
		return buf;
	}
	return addr_str(&sin, buf, len);
}

static void print_conn(int fd)
{
	char local[64], remote[64];

	verbose("connected local=%s remote=%s",
		sock_name(fd, false, local, sizeof(local)),
		sock_name(fd, true, remote, sizeof(remote)));
}

static int open_socket(void)
{
	int fd = socket(sock_family(), SOCK_STREAM, 0);

	if (fd < 0)
		fail("socket", errno);
	return fd;
}

static void bind_local(int fd, const char *addr, const char *port)
{
	struct sockaddr_in sin;
	int one = 1;

	if (!addr && !port)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		fail("setsockopt SO_REUSEADDR", errno);
	parse_addr(addr, port, &sin);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		fail("bind", errno);
}

/* Wait for events on one fd; returns 0 on timeout, else the revents. */
static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		fail("poll", errno);
	return n ? pfd.revents : 0;
}

static int do_connect(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(int);
	int fd = open_socket();
	int flags, err;

	bind_local(fd, opt.src_addr, opt.src_port);
	parse_addr(opt.host, opt.port, &sin);
	if (opt.timeout_ms < 0) {
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
			fail("connect", errno);
		return fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		fail("fcntl", errno);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		if (errno != EINPROGRESS)
			fail("connect", errno);
		if (!wait_fd(fd, POLLOUT, opt.timeout_ms))
			fail("connect", ETIMEDOUT);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
			fail("getsockopt SO_ERROR", errno);
		if (err)
			fail("connect", err);
	}
	if (fcntl(fd, F_SETFL, flags))
		fail("fcntl", errno);
	return fd;
}

static int do_listen(void)
{
	char local[64];
	int fd = open_socket();

	bind_local(fd, opt.src_addr ?: "0.0.0.0", opt.src_port);
	if (listen(fd, LISTEN_BACKLOG))
		fail("listen", errno);
	sock_name(fd, false, local, sizeof(local));
	verbose("listening local=%s", local);
	return fd;
}

static int do_accept(int lfd)
{
	int fd;

	if (opt.timeout_ms >= 0 && !wait_fd(lfd, POLLIN, opt.timeout_ms))
		fail("accept", ETIMEDOUT);
	do {
		fd = accept(lfd, NULL, NULL);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fail("accept", errno);
	return fd;
}

/* Write all of buf; returns 0 or the errno of the failed write. */
static int write_all(int fd, const char *buf, size_t len, bool sock)
{
	ssize_t n;

	while (len) {
		n = sock ? send(fd, buf, len, MSG_NOSIGNAL) :
			   write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Copy stdin to the socket and the socket to stdout until the peer closes
 * (with -N, until both the peer and stdin have ended), stdin ends with -q,
 * or the connection is idle for the -w time. The socket is written only
 * when poll() says it takes data, and read meanwhile: two xtcpcat sending
 * to each other at once never both wait in send() for a window the other
 * does not open.
 */
static void copy_loop(int fd)
{
	static char in[BUF_SIZE], out[BUF_SIZE];
	bool in_open = true, sock_open = true;
	size_t pending = 0, off = 0;
	struct pollfd pfd[2];
	ssize_t n;
	int err;

	if (fcntl(STDIN_FILENO, F_GETFD) < 0)
		in_open = false;
	for (;;) {
		pfd[0].fd = in_open && !pending ? STDIN_FILENO : -1;
		pfd[0].events = POLLIN;
		pfd[1].events = (sock_open ? POLLIN : 0) | (pending ? POLLOUT : 0);
		pfd[1].fd = pfd[1].events ? fd : -1;
		if (pfd[0].fd < 0 && pfd[1].fd < 0)
			return;
		n = poll(pfd, 2, opt.timeout_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("poll", errno);
		if (!n) {
			verbose("idle timeout");
			return;
		}
		if (sock_open && (pfd[1].revents & ~POLLOUT)) {
			n = read(fd, out, sizeof(out));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fail("read", errno);
			if (!n) {
				verbose("peer closed");
				/* With -N, a half-close: send the rest of stdin */
				if (!opt.shut_on_eof)
					return;
				sock_open = false;
				continue;
			}
			err = write_all(STDOUT_FILENO, out, n, false);
			if (err)
				fail("write stdout", err);
		}
		if (pending && (pfd[1].revents & ~POLLIN)) {
			n = send(fd, in + off, pending, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				fail("write", errno);
			if (n > 0) {
				off += n;
				pending -= n;
			}
		}
		if (pfd[0].revents) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fail("read stdin", errno);
			if (!n) {
				in_open = false;
				if (opt.quit_on_eof)
					return;
				if (opt.shut_on_eof && shutdown(fd, SHUT_WR))
					fail("shutdown", errno);
				continue;
			}
			pending = n;
			off = 0;
		}
	}
}

static void serve(int fd)
{
	print_conn(fd);
	if (!opt.zero_io)
		copy_loop(fd);
	if (close(fd))
		fail("close", errno);
}

static void parse_args(int argc, char **argv)
{
	char *end;
	long secs;
	int c;

	while ((c = getopt(argc, argv, "hklNp:qs:Tvw:z")) != -1) {
		switch (c) {
		case 'k':
			opt.keep = true;
			break;
		case 'l':
			opt.listen = true;
			break;
		case 'N':
			opt.shut_on_eof = true;
			break;
		case 'p':
			opt.src_port = optarg;
			break;
		case 'q':
			opt.quit_on_eof = true;
			break;
		case 's':
			opt.src_addr = optarg;
			break;
		case 'T':
			opt.tcp = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'w':
			secs = strtol(optarg, &end, 10);
			if (*end || secs < 0 || secs > 86400)
				usage();
			opt.timeout_ms = secs * 1000;
			break;
		case 'z':
			opt.zero_io = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.listen) {
		if (argc > 2 || (argc && opt.src_port))
			usage();
		if (argc == 2)
			opt.src_addr = *argv++;
		if (argc)
			opt.src_port = *argv;
		if (!opt.src_port)
			usage();
		return;
	}
	if (argc != 2 || opt.keep)
		usage();
	opt.host = argv[0];
	opt.port = argv[1];
}

int main(int argc, char **argv)
{
	int lfd;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (!opt.listen) {
		serve(do_connect());
		verbose("result 0");
		return 0;
	}
	lfd = do_listen();
	do {
		serve(do_accept(lfd));
	} while (opt.keep);
	close(lfd);
	verbose("result 0");
	return 0;
}
