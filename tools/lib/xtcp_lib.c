// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_lib: the C side of the test library (see xtcp_lib.h).
 *
 * A socket stays in the network namespace it was created in, and setns()
 * only moves the calling thread, so one thread can own sockets in several
 * namespaces. /proc/net and /proc/sys/net follow the namespace of the
 * reading task, so every /proc access forks a child that enters the
 * namespace first and hands the result back through a pipe.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_lib.h"

#define FAMILY_PARAM	"/sys/module/xtcp/parameters/family"
#define IPPROTO_PARAM	"/sys/module/xtcp/parameters/ipproto"
#define SNMP_PATH	"/proc/net/xtcp/snmp"
#define SOCKETS_PATH	"/proc/net/xtcp/sockets"
#define SYSCTL_DIR	"/proc/sys/net/xtcp/"
#define TAG_ENV		"XTCP_NS_TAG"
#define TAG_LEN		8
#define POLL_STEP_MS	50
#define PATTERN_LEN	((1 << 20) + 13)

static int write_all(int fd, const void *buf, size_t len, bool sock);

/* Namespaces and topologies */

static char tag[TAG_LEN + 1];

static bool tag_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n > TAG_LEN)
		return false;
	for (i = 0; i < n; i++) {
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz", s[i]))
			return false;
	}
	return true;
}

/*
 * Pick the tag before anything forks, and hand it to the commands this
 * process runs (selftests/topo.sh among them) through the environment.
 */
static void __attribute__((constructor)) xl_init_tag(void)
{
	const char *env = getenv(TAG_ENV);
	unsigned char rnd[TAG_LEN / 2];
	size_t i;

	if (env && tag_valid(env)) {
		snprintf(tag, sizeof(tag), "%s", env);
		return;
	}
	/* Never wait for entropy: a fresh VM may have none yet. */
	if (getrandom(rnd, sizeof(rnd), GRND_INSECURE) != sizeof(rnd)) {
		unsigned int seed = getpid() ^ (unsigned int)time(NULL);

		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = rand_r(&seed);
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(tag + 2 * i, 3, "%02x", rnd[i]);
	setenv(TAG_ENV, tag, 1);
}

const char *xl_tag(void)
{
	return tag;
}

const char *xl_ns(char role)
{
	static char names[3][TAG_LEN + 4];
	int i = role == 'a' ? 0 : role == 'b' ? 1 : 2;

	if (!names[i][0])
		snprintf(names[i], sizeof(names[i]), "x%c-%s", role, tag);
	return names[i];
}

const char *xl_top(void)
{
	static char top[PATH_MAX];
	const char *env = getenv("XTCP_TOP");
	ssize_t len;
	int i;

	if (env && *env)
		return env;
	len = readlink("/proc/self/exe", top, sizeof(top) - 1);
	if (len < 0)
		return ".";
	top[len] = '\0';
	/* <top>/build/<dir>/<exe>: drop three components. */
	for (i = 0; i < 3; i++) {
		char *slash = strrchr(top, '/');

		if (!slash)
			return ".";
		*slash = '\0';
	}
	return top[0] ? top : "/";
}

const char *xl_module_path(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("XTCP_KO");

	if (env && *env)
		return env;
	snprintf(path, sizeof(path), "%s/xtcp.ko", xl_top());
	return path;
}

bool xl_module_loaded(void)
{
	return !access("/sys/module/xtcp", F_OK);
}

int xl_module_load(void)
{
	if (xl_module_loaded())
		return 0;
	return xl_exec(NULL, NULL, "insmod", xl_module_path(), NULL);
}

int xl_kmsg(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int fd, n, len;

	len = snprintf(line, sizeof(line), "xtcp-test: ");
	va_start(ap, fmt);
	vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, line, strlen(line));
	close(fd);
	return n < 0 ? -1 : 0;
}

int xl_module_unload(int timeout_ms)
{
	long long start = xl_now_ms();

	while (syscall(SYS_delete_module, "xtcp", O_NONBLOCK)) {
		if (errno == ENOENT)
			break;
		if (errno != EWOULDBLOCK)
			return -1;
		if (xl_now_ms() - start > timeout_ms) {
			errno = EBUSY;
			return -1;
		}
		usleep(POLL_STEP_MS * 1000);
	}
	return xl_now_ms() - start;
}

/*
 * Delete this process's namespaces as "ip netns delete" does (as
 * xl_topo_clean of selftests/lib.sh does), without running a program.
 */
static int topo_clean(void)
{
	static const char roles[] = "abr";
	char path[PATH_MAX];
	int i, ret = 0;

	for (i = 0; roles[i]; i++) {
		snprintf(path, sizeof(path), "/run/netns/%s", xl_ns(roles[i]));
		if (access(path, F_OK))
			continue;
		umount2(path, MNT_DETACH);
		if (unlink(path))
			ret = -1;
	}
	return ret;
}

int xl_topo(const char *kind)
{
	char path[PATH_MAX];

	if (!strcmp(kind, "clean"))
		return topo_clean();
	snprintf(path, sizeof(path), "%s/selftests/topo.sh", xl_top());
	return xl_exec(NULL, NULL, "bash", path, kind, NULL);
}

int xl_ns_open(const char *ns)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int xl_ns_enter(const char *ns)
{
	int fd, ret, err;

	fd = xl_ns_open(ns);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run @argv (no shell; PATH is searched) inside @ns (NULL: here), with
 * @input (NULL: our stdin) on its stdin and its output in @out (@n bytes,
 * NUL-terminated; NULL: on our stderr, which keeps the TAP stream on stdout
 * clean). Returns its exit status, or -1.
 */
static int run_argv(const char *ns, const char *input, char *out, size_t n,
		    char *const argv[])
{
	int in[2] = { -1, -1 }, res[2] = { -1, -1 }, ret = -1;
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	if ((input && pipe2(in, O_CLOEXEC)) || (out && pipe2(res, O_CLOEXEC)))
		goto out;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		if (input)
			dup2(in[0], STDIN_FILENO);
		dup2(out ? res[1] : STDERR_FILENO, STDOUT_FILENO);
		if (ns && xl_ns_enter(ns))
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (input) {
		close(in[0]);
		in[0] = -1;
		write_all(in[1], input, strlen(input), false);
		close(in[1]);
		in[1] = -1;
	}
	if (out) {
		close(res[1]);
		res[1] = -1;
		while (len + 1 < n &&
		       (r = read(res[0], out + len, n - 1 - len)) != 0) {
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;
			len += r;
		}
		out[len] = '\0';
	}
	ret = wait_child(pid);
out:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (res[0] >= 0)
		close(res[0]);
	if (res[1] >= 0)
		close(res[1]);
	return ret;
}

int xl_exec(const char *ns, const char *input, const char *prog, ...)
{
	char *argv[XL_MAX_ARGS + 1];
	va_list ap;
	int i = 0;

	argv[i++] = (char *)prog;
	va_start(ap, prog);
	while (i <= XL_MAX_ARGS && (argv[i] = va_arg(ap, char *)))
		i++;
	va_end(ap);
	if (i > XL_MAX_ARGS) {
		errno = E2BIG;
		return -1;
	}
	return run_argv(ns, input, NULL, 0, argv);
}

int xl_socket_in(const char *ns, int domain, int type, int protocol)
{
	int self, fd, err;

	if (!ns)
		return socket(domain, type, protocol);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -1;
	if (xl_ns_enter(ns)) {
		err = errno;
		close(self);
		errno = err;
		return -1;
	}
	fd = socket(domain, type, protocol);
	err = errno;
	if (setns(self, CLONE_NEWNET)) {
		err = errno;
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	close(self);
	errno = err;
	return fd;
}

/* xtcp sockets */

/* close() @fd keeping errno; returns -1 */
static int close_fail(int fd)
{
	int err = errno;

	close(fd);
	errno = err;
	return -1;
}


static int read_param(const char *path, int def)
{
	char buf[32];
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return def;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return def;
	buf[len] = '\0';
	return atoi(buf);
}

int xl_family(void)
{
	return read_param(FAMILY_PARAM, AF_XTCP);
}

int xl_ipproto(void)
{
	return read_param(IPPROTO_PARAM, IPPROTO_XTCP);
}

int xl_sock(const char *ns, int type_flags)
{
	return xl_socket_in(ns, xl_family(), SOCK_STREAM | type_flags, 0);
}

int xl_sock_reuseaddr(const char *ns, int type_flags)
{
	int fd = xl_sock(ns, type_flags);

	if (fd >= 0 && xl_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1))
		return close_fail(fd);
	return fd;
}

int xl_tcp_sock(const char *ns)
{
	return xl_socket_in(ns, AF_INET, SOCK_STREAM, 0);
}

int xl_addr(struct sockaddr_xtcp *sa, const char *ip, unsigned short port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sxtcp_family = xl_family();
	sa->sxtcp_port = htons(port);
	if (!ip)
		return 0;
	return inet_pton(AF_INET, ip, &sa->sxtcp_addr) == 1 ? 0 : -1;
}

char *xl_addr_str(const struct sockaddr_xtcp *sa, char *buf, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sa->sxtcp_addr, ip, sizeof(ip)))
		return NULL;
	snprintf(buf, n, "%s:%u", ip, ntohs(sa->sxtcp_port));
	return buf;
}

/* getsockname() or, with @peer, getpeername() of @fd into @sa */
static int sock_name(int fd, bool peer, struct sockaddr_xtcp *sa)
{
	socklen_t len = sizeof(*sa);

	return peer ? getpeername(fd, (struct sockaddr *)sa, &len) :
		      getsockname(fd, (struct sockaddr *)sa, &len);
}

char *xl_local_str(int fd, char *buf, size_t n)
{
	struct sockaddr_xtcp sa;

	return sock_name(fd, false, &sa) ? NULL : xl_addr_str(&sa, buf, n);
}

char *xl_peer_str(int fd, char *buf, size_t n)
{
	struct sockaddr_xtcp sa;

	return sock_name(fd, true, &sa) ? NULL : xl_addr_str(&sa, buf, n);
}

int xl_local_port(int fd)
{
	struct sockaddr_xtcp sa;

	return sock_name(fd, false, &sa) ? -1 : ntohs(sa.sxtcp_port);
}

/* bind() or, with @to, connect() @fd to @ip:@port */
static int bind_or_connect(int fd, bool to, const char *ip,
			   unsigned short port)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(int);
	int domain;

	if (xl_addr(&sa, ip, port)) {
		errno = EINVAL;
		return -1;
	}
	/* The same calls serve Linux TCP sockets, the reference */
	if (!getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) &&
	    domain == AF_INET)
		sa.sxtcp_family = AF_INET;
	return to ? connect(fd, (struct sockaddr *)&sa, sizeof(sa)) :
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int xl_bind(int fd, const char *ip, unsigned short port)
{
	return bind_or_connect(fd, false, ip, port);
}

int xl_connect(int fd, const char *ip, unsigned short port)
{
	return bind_or_connect(fd, true, ip, port);
}

int xl_listen_in(const char *ns, const char *ip, unsigned short port,
		 int backlog, int type_flags)
{
	int fd;

	fd = xl_sock(ns, type_flags);
	if (fd < 0)
		return -1;
	if (xl_bind(fd, ip, port) || listen(fd, backlog))
		return close_fail(fd);
	return fd;
}

int xl_connect_in(const char *ns, const char *ip, unsigned short port,
		  int type_flags)
{
	int fd;

	fd = xl_sock(ns, type_flags);
	if (fd < 0)
		return -1;
	if (xl_connect(fd, ip, port) &&
	    !((type_flags & SOCK_NONBLOCK) && errno == EINPROGRESS))
		return close_fail(fd);
	return fd;
}

int xl_tcp_listen_in(const char *ns, const char *ip, unsigned short port,
		     int backlog)
{
	int fd;

	fd = xl_tcp_sock(ns);
	if (fd < 0)
		return -1;
	if (xl_set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) ||
	    xl_bind(fd, ip, port) || listen(fd, backlog))
		return close_fail(fd);
	return fd;
}

int xl_tcp_connect_in(const char *ns, const char *ip, unsigned short port)
{
	int fd;

	fd = xl_tcp_sock(ns);
	if (fd < 0)
		return -1;
	if (xl_connect(fd, ip, port))
		return close_fail(fd);
	return fd;
}

int xl_bind_dev(int fd, const char *dev)
{
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev));
}

int xl_conn_open(struct xl_conn *c, int lfd, const char *ip,
		 unsigned short port)
{
	c->srv = -1;
	c->cli = xl_connect_in(XL_NS_A, ip, port, 0);
	if (c->cli < 0)
		return -1;
	c->srv = accept(lfd, NULL, NULL);
	if (c->srv < 0 || !xl_local_str(c->cli, c->local, sizeof(c->local)) ||
	    !xl_peer_str(c->cli, c->remote, sizeof(c->remote))) {
		xl_conn_abort(c);
		return -1;
	}
	return 0;
}

int xl_veth_listen(unsigned short port, int backlog, int type_flags)
{
	if (xl_topo("veth"))
		return -1;
	return xl_listen_in(XL_NS_B, XL_IP_B, port, backlog, type_flags);
}

int xl_conn_pair(struct xl_conn *c, unsigned short port)
{
	int lfd, ret;

	c->cli = c->srv = -1;
	lfd = xl_listen_in(XL_NS_B, XL_IP_B, port, 8, 0);
	if (lfd < 0)
		return -1;
	ret = xl_conn_open(c, lfd, XL_IP_B, port);
	close(lfd);
	return ret;
}

void xl_conn_close(struct xl_conn *c)
{
	if (c->cli >= 0)
		close(c->cli);
	if (c->srv >= 0)
		close(c->srv);
	c->cli = c->srv = -1;
}

void xl_conn_abort(struct xl_conn *c)
{
	xl_abort_close(c->cli);
	xl_abort_close(c->srv);
	c->cli = c->srv = -1;
}

int xl_fds_add(struct xl_fds *fds, int fd)
{
	if (fd >= 0 && fds->n < XL_MAX_FDS)
		fds->fd[fds->n++] = fd;
	return fd;
}

void xl_fds_forget(struct xl_fds *fds, int fd)
{
	int i;

	for (i = 0; i < fds->n; i++) {
		if (fds->fd[i] == fd) {
			fds->fd[i] = fds->fd[--fds->n];
			return;
		}
	}
}

int xl_fds_close(struct xl_fds *fds, int fd)
{
	xl_fds_forget(fds, fd);
	return close(fd);
}

void xl_fds_abort(struct xl_fds *fds)
{
	while (fds->n)
		xl_abort_close(fds->fd[--fds->n]);
}

/* Socket calls */

int xl_set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

int xl_get_int(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int val;

	if (getsockopt(fd, level, name, &val, &len))
		return -1;
	return val;
}

int xl_set_timeo(int fd, int name, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv));
}

int xl_set_linger(int fd, int onoff, int secs)
{
	struct linger lg = { .l_onoff = onoff, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

int xl_set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK :
				       flags & ~O_NONBLOCK);
}

void xl_abort_close(int fd)
{
	if (fd < 0)
		return;
	xl_set_linger(fd, 1, 0);
	close(fd);
}

int xl_sock_error(int fd)
{
	return xl_get_int(fd, SOL_SOCKET, SO_ERROR);
}

int xl_poll(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret <= 0)
		return ret;
	return pfd.revents;
}

/* Write all of @buf to @fd, with send() (no SIGPIPE) for a @sock; 0 or -1 */
static int write_all(int fd, const void *buf, size_t len, bool sock)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = sock ? send(fd, p, len, MSG_NOSIGNAL) : write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int xl_send_all(int fd, const void *buf, size_t len)
{
	return write_all(fd, buf, len, true);
}

ssize_t xl_recv_within(int fd, void *buf, size_t len, int ms)
{
	xl_set_timeo(fd, SO_RCVTIMEO, ms);
	return recv(fd, buf, len, 0);
}

int xl_pass(int tx, int rx, char c, size_t len, int ms)
{
	char *out = malloc(len ?: 1), *in = malloc(len ?: 1);
	int ret = -1;

	if (!out || !in)
		goto out;
	memset(out, c, len);
	if (xl_send_all(tx, out, len) || xl_set_timeo(rx, SO_RCVTIMEO, ms) ||
	    recv(rx, in, len, MSG_WAITALL) != (ssize_t)len)
		goto out;
	ret = memcmp(in, out, len) ? -1 : 0;
out:
	free(out);
	free(in);
	return ret;
}

/* Send @msg on @a and receive exactly it on @b within @ms; 0 or -1 */
static int one_way(int a, int b, const char *msg, int ms)
{
	size_t len = strlen(msg);
	char buf[16];

	xl_set_timeo(b, SO_RCVTIMEO, ms);
	if (send(a, msg, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    recv(b, buf, len, MSG_WAITALL) != (ssize_t)len ||
	    memcmp(buf, msg, len))
		return -1;
	return 0;
}

int xl_ping_pong(int a, int b, int ms)
{
	return one_way(a, b, "ping", ms) || one_way(b, a, "pong", ms) ? -1 : 0;
}

int xl_get_info(int fd, struct xtcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &len))
		return -1;
	return len == sizeof(*info) ? 0 : -1;
}

int xl_wait_acked(int fd, unsigned long long bytes, bool fin, int timeout_ms)
{
	long long end = xl_now_ms() + timeout_ms;
	struct xtcp_info info;

	for (;;) {
		if (xl_get_info(fd, &info))
			return -1;
		if (info.bytes_acked == bytes ||
		    (fin && info.bytes_acked == bytes + 1))
			return 0;
		if (xl_now_ms() >= end)
			return -1;
		usleep(POLL_STEP_MS * 1000);
	}
}

long long xl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* /proc and /proc/sys as seen from a namespace */

/* Child side of slurp(): copy @path as seen from @ns into @out. */
static void __attribute__((noreturn)) slurp_child(const char *ns,
						  const char *path, int out)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (ns && xl_ns_enter(ns))
		_exit(errno);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		_exit(errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, n, false))
			_exit(EIO);
	}
	_exit(n < 0 ? errno : 0);
}

/* Read all of @path as seen from @ns into a malloc()ed, NUL-ended buffer. */
static char *slurp(const char *ns, const char *path, size_t *lenp)
{
	size_t len = 0, cap = 65536;
	char *buf, *grown;
	int pfd[2], status;
	pid_t pid;
	ssize_t n;

	buf = malloc(cap);
	if (!buf)
		return NULL;
	if (pipe2(pfd, O_CLOEXEC)) {
		free(buf);
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return NULL;
	}
	if (pid == 0)
		slurp_child(ns, path, pfd[1]);
	close(pfd[1]);
	for (;;) {
		if (cap - len < 4096) {
			grown = realloc(buf, cap * 2);
			if (!grown)
				break;
			buf = grown;
			cap *= 2;
		}
		n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(pfd[0]);
	status = wait_child(pid);
	if (status) {
		free(buf);
		errno = status > 0 ? status : EIO;
		return NULL;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

ssize_t xl_read_file(const char *ns, const char *path, char *buf, size_t n)
{
	size_t len;
	char *data;

	if (!n) {
		errno = EINVAL;
		return -1;
	}
	data = slurp(ns, path, &len);
	if (!data)
		return -1;
	if (len >= n)
		len = n - 1;
	memcpy(buf, data, len);
	buf[len] = '\0';
	free(data);
	return len;
}

int xl_write_file(const char *ns, const char *path, const char *val)
{
	pid_t pid;
	int fd, ret;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (ns && xl_ns_enter(ns))
			_exit(errno);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			_exit(errno);
		if (write(fd, val, strlen(val)) < 0)
			_exit(errno);
		_exit(close(fd) ? errno : 0);
	}
	ret = wait_child(pid);
	return ret ? -(ret > 0 ? ret : EIO) : 0;
}

/*
 * Call @fn for each "Name value" line of /proc/net/xtcp/snmp in @ns until
 * it returns true; -1 if the file cannot be read.
 */
static int snmp_each(const char *ns,
		     bool (*fn)(const char *name, long value, void *arg),
		     void *arg)
{
	char key[64], *data, *line, *save;
	long value;

	data = slurp(ns, SNMP_PATH, NULL);
	if (!data)
		return -1;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %ld", key, &value) == 2 &&
		    fn(key, value, arg))
			break;
	}
	free(data);
	return 0;
}

struct snmp_query {
	const char *name;
	long value;
};

static bool snmp_match(const char *name, long value, void *arg)
{
	struct snmp_query *q = arg;

	if (strcmp(name, q->name))
		return false;
	q->value = value;
	return true;
}

long xl_snmp(const char *ns, const char *name)
{
	struct snmp_query q = { .name = name, .value = -1 };

	snmp_each(ns, snmp_match, &q);
	return q.value;
}

static int parse_row(const char *line, struct xl_row *row)
{
	return sscanf(line, "%*s %31s %31s %15s %ld %ld %15s %ld %ld",
		      row->local, row->remote, row->state, &row->tx_queue,
		      &row->rx_queue, row->timer, &row->expires_ms,
		      &row->retransmits) == 8 ? 0 : -1;
}

/*
 * Call @fn for each row of /proc/net/xtcp/sockets in @ns until it returns
 * true; the number of rows seen, or -1 if the file cannot be read.
 */
static int rows_each(const char *ns,
		     bool (*fn)(const struct xl_row *row, void *arg), void *arg)
{
	char *data, *line, *save;
	struct xl_row row;
	int count = 0;

	data = slurp(ns, SOCKETS_PATH, NULL);
	if (!data)
		return -1;
	/* The first line is the header. */
	line = strtok_r(data, "\n", &save);
	while (line && (line = strtok_r(NULL, "\n", &save))) {
		if (parse_row(line, &row))
			continue;
		count++;
		if (fn(&row, arg))
			break;
	}
	free(data);
	return count;
}

struct rows_order {
	long next;
};

/* Rows carry their position in the sl column: 0, 1, 2, ... */
static bool row_in_order(const char *line, struct rows_order *o)
{
	long sl;

	if (sscanf(line, "%ld", &sl) != 1 || sl != o->next)
		return false;
	o->next++;
	return true;
}

int xl_rows_in_order(const char *ns)
{
	struct rows_order o = { 0 };
	char *data, *line, *save;
	int ret = 0;

	data = slurp(ns, SOCKETS_PATH, NULL);
	if (!data)
		return -1;
	line = strtok_r(data, "\n", &save);
	while (line && (line = strtok_r(NULL, "\n", &save))) {
		if (!row_in_order(line, &o)) {
			ret = -1;
			break;
		}
	}
	free(data);
	return ret ? ret : (int)o.next;
}

long xl_meminfo_kb(const char *name)
{
	char *data, *line, *save;
	size_t n = strlen(name);
	long kb = -1;

	data = slurp(NULL, "/proc/meminfo", NULL);
	if (!data)
		return -1;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	free(data);
	return kb;
}

struct rows_copy {
	struct xl_row *rows;
	int max;
	int n;
};

static bool row_copy(const struct xl_row *row, void *arg)
{
	struct rows_copy *c = arg;

	c->rows[c->n++] = *row;
	return c->n >= c->max;
}

int xl_rows(const char *ns, struct xl_row *rows, int max)
{
	struct rows_copy c = { .rows = rows, .max = max };

	if (max <= 0)
		return 0;
	return rows_each(ns, row_copy, &c) < 0 ? -1 : c.n;
}

struct rows_query {
	const char *local;
	const char *remote;
	const char *state;
	struct xl_row *row;
	int count;
};

static bool row_count(const struct xl_row *row, void *arg)
{
	struct rows_query *q = arg;

	if ((!q->local || !strcmp(row->local, q->local)) &&
	    (!q->state || !strcmp(row->state, q->state)))
		q->count++;
	return false;
}

int xl_count_rows(const char *ns, const char *local, const char *state)
{
	struct rows_query q = { .local = local, .state = state };

	return rows_each(ns, row_count, &q) < 0 ? -1 : q.count;
}

static bool row_find(const struct xl_row *row, void *arg)
{
	struct rows_query *q = arg;

	if (strcmp(row->local, q->local) ||
	    (q->remote && strcmp(row->remote, q->remote)))
		return false;
	if (q->row)
		*q->row = *row;
	q->count = 1;
	return true;
}

int xl_find(const char *ns, const char *local, const char *remote,
	    struct xl_row *row)
{
	struct rows_query q = { .local = local, .remote = remote, .row = row };

	rows_each(ns, row_find, &q);
	return q.count ? 0 : -1;
}

int xl_state(const char *ns, const char *local, const char *remote,
	     char *state, size_t n)
{
	struct xl_row row;

	if (xl_find(ns, local, remote, &row))
		return -1;
	snprintf(state, n, "%s", row.state);
	return 0;
}

const char *xl_state_str(const char *ns, const char *local,
			 const char *remote)
{
	static char state[16];

	if (xl_state(ns, local, remote, state, sizeof(state)))
		strcpy(state, "(none)");
	return state;
}

/*
 * Poll @cond until it holds; 0, or -1 once @timeout_ms have passed (it is
 * tried at least once).
 */
#define WAIT_UNTIL(cond, timeout_ms)					\
	({								\
		long long __end = xl_now_ms() + (timeout_ms);		\
		int __ret = 0;						\
									\
		while (!(cond)) {					\
			if (xl_now_ms() >= __end) {			\
				__ret = -1;				\
				break;					\
			}						\
			usleep(POLL_STEP_MS * 1000);			\
		}							\
		__ret;							\
	})

int xl_wait_state(const char *ns, const char *local, const char *remote,
		  const char *state, int timeout_ms)
{
	struct xl_row row;

	return WAIT_UNTIL(!xl_find(ns, local, remote, &row) &&
			  !strcmp(row.state, state), timeout_ms);
}

int xl_wait_gone(const char *ns, const char *local, const char *remote,
		 int timeout_ms)
{
	return WAIT_UNTIL(xl_find(ns, local, remote, NULL), timeout_ms);
}

int xl_wait_rx_queue(const char *ns, const char *local, const char *remote,
		     long bytes, struct xl_row *row, int timeout_ms)
{
	return WAIT_UNTIL(!xl_find(ns, local, remote, row) &&
			  row->rx_queue >= bytes, timeout_ms);
}

int xl_wait_no_rows(const char *ns, int timeout_ms)
{
	return WAIT_UNTIL(xl_count_rows(ns, NULL, NULL) == 0, timeout_ms);
}

static bool row_not_timewait(const struct xl_row *row, void *arg)
{
	bool *found = arg;

	*found = strcmp(row->state, "TIME_WAIT");
	return *found;
}

static bool only_timewait(const char *ns)
{
	bool other = false;

	return rows_each(ns, row_not_timewait, &other) >= 0 && !other;
}

int xl_wait_only_timewait(const char *ns, int timeout_ms)
{
	return WAIT_UNTIL(only_timewait(ns), timeout_ms);
}

int xl_wait_snmp(const char *ns, const char *name, long min, int timeout_ms)
{
	return WAIT_UNTIL(xl_snmp(ns, name) >= min, timeout_ms);
}

int xl_wait_snmp_eq(const char *ns, const char *name, long value,
		    int timeout_ms)
{
	return WAIT_UNTIL(xl_snmp(ns, name) == value, timeout_ms);
}

int xl_sysctl_set(const char *ns, const char *name, long value)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	snprintf(val, sizeof(val), "%ld\n", value);
	return xl_write_file(ns, path, val);
}

long xl_sysctl_get(const char *ns, const char *name)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	if (xl_read_file(ns, path, val, sizeof(val)) <= 0)
		return -1;
	return strtol(val, NULL, 10);
}

int xl_tcp_state(const char *ns, int lport, int rport)
{
	unsigned int lp, rp, st;
	char *data, *line, *save;
	int state = 0;

	data = slurp(ns, "/proc/net/tcp", NULL);
	if (!data)
		return -1;
	line = strtok_r(data, "\n", &save);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, " %*d: %*x:%x %*x:%x %x", &lp, &rp, &st) == 3 &&
		    (int)lp == lport && (int)rp == rport) {
			state = st;
			break;
		}
	}
	free(data);
	return state;
}

int xl_wait_tcp_state(const char *ns, int lport, int rport, int state,
		      int timeout_ms)
{
	return WAIT_UNTIL(xl_tcp_state(ns, lport, rport) == state, timeout_ms);
}

/* Diagnostics */

void xl_log(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "# %s\n", line);
}

struct snmp_line {
	char buf[1024];
	size_t len;
};

static bool snmp_nonzero(const char *name, long value, void *arg)
{
	struct snmp_line *l = arg;

	if (value && l->len < sizeof(l->buf))
		l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len,
				   "%s=%ld ", name, value);
	return false;
}

void xl_snmp_print(const char *ns)
{
	struct snmp_line l = { .len = 0 };

	if (snmp_each(ns, snmp_nonzero, &l))
		xl_log("%s: %s: %s", ns, SNMP_PATH, strerror(errno));
	else
		xl_log("%s: %s", ns, l.buf);
}

void xl_row_print(const char *what, const struct xl_row *row)
{
	xl_log("%s: %s -> %s %s tx_queue %ld rx_queue %ld timer %s %ld ms retransmits %ld",
	       what, row->local, row->remote, row->state, row->tx_queue,
	       row->rx_queue, row->timer, row->expires_ms, row->retransmits);
}

void xl_info_print(const char *what, int fd)
{
	struct xtcp_info i;

	if (xl_get_info(fd, &i)) {
		xl_log("%s: XTCP_INFO: %s", what, strerror(errno));
		return;
	}
	xl_log("%s: state %u ca_state %u retransmits %u backoff %u rto %u srtt %u mss %u cwnd %u ssthresh %u snd_wnd %u rcv_wnd %u unacked %u retrans %u acked %llu received %llu segs %llu/%llu",
	       what, i.state, i.ca_state, i.retransmits, i.backoff, i.rto_us,
	       i.srtt_us, i.snd_mss, i.snd_cwnd, i.snd_ssthresh, i.snd_wnd,
	       i.rcv_wnd, i.unacked, i.total_retrans,
	       (unsigned long long)i.bytes_acked,
	       (unsigned long long)i.bytes_received,
	       (unsigned long long)i.segs_out, (unsigned long long)i.segs_in);
}

/* tc filters */

int xl_tc_drop(const char *ns, const char *dev, enum xl_tc_where where,
	       const char *match)
{
	const char *qdisc = "clsact", *parent = "egress";
	char cmds[512];

	if (where == XL_TC_LOSE) {
		qdisc = "root handle 1: prio";
		parent = "parent 1:";
	} else if (where == XL_TC_INGRESS) {
		parent = "ingress";
	}
	snprintf(cmds, sizeof(cmds), "qdisc add dev %s %s\n"
		 "filter add dev %s %s protocol ip prio 1 u32 "
		 "match ip protocol %d 0xff %s action drop\n",
		 dev, qdisc, dev, parent, xl_ipproto(), match);
	return xl_exec(ns, cmds, "tc", "-batch", "-", NULL);
}

int xl_tc_drop_flags(const char *ns, const char *dev, enum xl_tc_where where,
		     int flags, int mask)
{
	char match[64];

	/* The flags byte: 20 bytes of IPv4 header, then offset 13. */
	snprintf(match, sizeof(match), "match u8 0x%02x 0x%02x at 33",
		 flags, mask);
	return xl_tc_drop(ns, dev, where, match);
}

int xl_tc_drop_len(const char *ns, const char *dev, enum xl_tc_where where,
		   int len)
{
	char match[64];

	snprintf(match, sizeof(match), "match u16 %d 0xffff at 2", len);
	return xl_tc_drop(ns, dev, where, match);
}

int xl_netem(const char *ns, const char *dev, const char *opts)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "qdisc add dev %s root netem %s\n", dev,
		 opts);
	return xl_exec(ns, cmd, "tc", "-batch", "-", NULL);
}

int xl_tc_clear(const char *ns, const char *dev)
{
	char *show_argv[] = { "tc", "qdisc", "show", "dev", (char *)dev, NULL };
	char show[4096], cmds[256] = "";
	size_t len = 0;

	if (run_argv(ns, NULL, show, sizeof(show), show_argv))
		return -1;
	if (strstr(show, "qdisc clsact "))
		len += snprintf(cmds + len, sizeof(cmds) - len,
				"qdisc del dev %s clsact\n", dev);
	if (strstr(show, "qdisc prio ") || strstr(show, "qdisc netem "))
		len += snprintf(cmds + len, sizeof(cmds) - len,
				"qdisc del dev %s root\n", dev);
	return len ? xl_exec(ns, cmds, "tc", "-batch", "-", NULL) : 0;
}

/* Captures */

int xl_capture_open(const char *ns, const char *dev, bool both_ways,
		    int rcvbuf)
{
	int proto = htons(both_ways ? ETH_P_ALL : ETH_P_IP);
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = proto,
	};
	struct ifreq ifr = {};
	int fd;

	fd = xl_socket_in(ns, AF_PACKET, SOCK_DGRAM, proto);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if ((rcvbuf && xl_set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)) ||
	    ioctl(fd, SIOCGIFINDEX, &ifr))
		return close_fail(fd);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		return close_fail(fd);
	return fd;
}

int xl_capture_veth(void)
{
	char *a_argv[] = { "ethtool", "-K", "xa0", "tx", "off", NULL };
	char *b_argv[] = { "ethtool", "-K", "xb0", "tx", "off", NULL };
	char out[1024];

	if (run_argv(XL_NS_A, NULL, out, sizeof(out), a_argv) ||
	    run_argv(XL_NS_B, NULL, out, sizeof(out), b_argv))
		return -1;
	return xl_capture_open(XL_NS_B, "xb0", true, 0);
}

/* The MSS and timestamps options of a segment into @s */
static void seg_options(const uint8_t *opt, size_t len, struct xl_seg *s)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			s->mss = (opt[i + 2] << 8) | opt[i + 3];
		if (opt[i] == 8 && opt[i + 1] == 10) {
			s->ts = true;
			s->tsval = (uint32_t)opt[i + 2] << 24 | opt[i + 3] << 16 |
				   opt[i + 4] << 8 | opt[i + 5];
			s->tsecr = (uint32_t)opt[i + 6] << 24 | opt[i + 7] << 16 |
				   opt[i + 8] << 8 | opt[i + 9];
		}
		i += opt[i + 1];
	}
}

int xl_seg_parse_proto(const uint8_t *pkt, size_t len, int proto,
		       struct xl_seg *s)
{
	size_t ihl, tot, doff;
	const uint8_t *tcp;

	memset(s, 0, sizeof(*s));
	if (len < sizeof(struct iphdr))
		return -1;
	memcpy(&s->ip, pkt, sizeof(s->ip));
	ihl = s->ip.ihl * 4;
	tot = ntohs(s->ip.tot_len);
	if (s->ip.version != 4 || s->ip.protocol != proto ||
	    ihl < 20 || tot > len || tot < ihl + sizeof(struct tcphdr))
		return -1;
	tcp = pkt + ihl;
	memcpy(&s->th, tcp, sizeof(s->th));
	doff = s->th.doff * 4;
	if (doff < sizeof(struct tcphdr) || ihl + doff > tot)
		return -1;
	s->seq = ntohl(s->th.seq);
	s->ack = ntohl(s->th.ack_seq);
	s->flags = tcp[13];
	s->len = tot - ihl - doff;
	s->ip_ok = xl_csum_fold(xl_csum_add(0, pkt, ihl)) == 0xffff;
	s->csum_ok = xl_tcp_csum(s->ip.saddr, s->ip.daddr, tcp,
				 tot - ihl) == 0xffff;
	seg_options(tcp + sizeof(struct tcphdr), doff - sizeof(struct tcphdr),
		    s);
	return 0;
}

int xl_seg_parse(const uint8_t *pkt, size_t len, struct xl_seg *s)
{
	return xl_seg_parse_proto(pkt, len, xl_ipproto(), s);
}

int xl_capture_next(int fd, int port, struct xl_seg *seg, int timeout_ms)
{
	long long end = xl_now_ms() + timeout_ms;
	struct sockaddr_ll from;
	static uint8_t pkt[65536];
	socklen_t alen;
	ssize_t len;
	int left;

	for (;;) {
		alen = sizeof(from);
		len = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
			       (struct sockaddr *)&from, &alen);
		if (len > 0 && from.sll_protocol == htons(ETH_P_IP) &&
		    !xl_seg_parse(pkt, len, seg) &&
		    (!port || ntohs(seg->th.source) == port ||
		     ntohs(seg->th.dest) == port)) {
			seg->out = from.sll_pkttype == PACKET_OUTGOING;
			return 1;
		}
		if (len > 0)
			continue;
		left = end - xl_now_ms();
		if (left <= 0 || xl_poll(fd, POLLIN, left) <= 0)
			return 0;
	}
}

int xl_capture_quiet(int fd, int port, struct xl_seg *segs, int max,
		     int quiet_ms)
{
	int n = 0;

	while (n < max && xl_capture_next(fd, port, &segs[n], quiet_ms))
		n++;
	return n;
}

void xl_segs_print(const struct xl_seg *segs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		xl_log("%s flags 0x%02x seq %u ack %u len %u mss %d ts %s %u %u%s",
		       segs[i].out ? "out" : "in", segs[i].flags, segs[i].seq,
		       segs[i].ack, segs[i].len, segs[i].mss,
		       segs[i].ts ? "yes" : "no", segs[i].tsval, segs[i].tsecr,
		       segs[i].csum_ok ? "" : " BAD CHECKSUM");
}

int xl_icmp_quote(const char *ns, const struct xl_seg *seg, int type,
		  int code, uint32_t seq)
{
	struct {
		struct icmphdr icmp;
		struct iphdr ip;
		struct tcphdr th;
	} __attribute__((packed)) msg;
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = seg->ip.saddr,
	};
	size_t len = sizeof(msg.icmp) + sizeof(msg.ip) + 8;
	ssize_t n;
	int fd;

	memset(&msg, 0, sizeof(msg));
	msg.icmp.type = type;
	msg.icmp.code = code;
	msg.ip = seg->ip;
	msg.th = seg->th;
	msg.th.seq = htonl(seq);
	msg.icmp.checksum = htons(~xl_csum_fold(xl_csum_add(0, &msg, len)));
	fd = xl_socket_in(ns, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	if (fd < 0)
		return -1;
	n = sendto(fd, &msg, len, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* Checksums */

uint32_t xl_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

uint16_t xl_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t xl_tcp_csum(uint32_t saddr, uint32_t daddr, const void *seg,
		     size_t len)
{
	uint8_t pseudo[12];

	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = len >> 8;
	pseudo[11] = len & 0xff;
	return xl_csum_fold(xl_csum_add(xl_csum_add(0, pseudo, sizeof(pseudo)),
					seg, len));
}

void xl_tcp_csum_set(uint32_t saddr, uint32_t daddr, uint8_t *seg, size_t len)
{
	uint16_t sum;

	seg[16] = seg[17] = 0;
	sum = ~xl_tcp_csum(saddr, daddr, seg, len);
	seg[16] = sum >> 8;
	seg[17] = sum & 0xff;
}

/* Byte streams */

static unsigned char pattern[2 * PATTERN_LEN];

void xl_pattern_init(void)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < PATTERN_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = x >> 24;
	}
	memcpy(pattern + PATTERN_LEN, pattern, PATTERN_LEN);
}

const unsigned char *xl_stream_at(unsigned int seed, unsigned long long off)
{
	return pattern + (off + seed * 7919ULL) % PATTERN_LEN;
}

size_t xl_chunk_len(unsigned long long done, unsigned long long total)
{
	return total - done < XL_CHUNK ? total - done : XL_CHUNK;
}

void *xl_send_stream(void *arg)
{
	struct xl_xfer *x = arg;
	ssize_t n;

	while (x->done < x->total) {
		n = send(x->fd, xl_stream_at(x->seed, x->done),
			 xl_chunk_len(x->done, x->total), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->err = n < 0 ? errno : EIO;
			return NULL;
		}
		x->done += n;
	}
	if (!x->keep_open && shutdown(x->fd, SHUT_WR))
		x->err = errno;
	return NULL;
}

bool xl_check_stream(struct xl_xfer *x, const unsigned char *buf, size_t n)
{
	if (x->done + n > x->total ||
	    memcmp(buf, xl_stream_at(x->seed, x->done), n)) {
		x->err = EBADMSG;
		return false;
	}
	x->done += n;
	return true;
}

void *xl_recv_stream(void *arg)
{
	struct xl_xfer *x = arg;
	unsigned char *buf = malloc(XL_CHUNK);
	ssize_t n;

	if (!buf) {
		x->err = ENOMEM;
		return NULL;
	}
	for (;;) {
		n = recv(x->fd, buf, XL_CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			x->err = errno;
			break;
		}
		if (!n) {
			x->eof = true;
			break;
		}
		if (!xl_check_stream(x, buf, n))
			break;
	}
	free(buf);
	return NULL;
}
