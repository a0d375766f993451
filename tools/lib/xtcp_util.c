// SPDX-License-Identifier: GPL-2.0
/*
 * Shared user-space helpers for xtcp tests and tools.
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
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_util.h"

#define FAMILY_PARAM	"/sys/module/xtcp/parameters/family"
#define IPPROTO_PARAM	"/sys/module/xtcp/parameters/ipproto"
#define SNMP_PATH	"/proc/net/xtcp/snmp"
#define SOCKETS_PATH	"/proc/net/xtcp/sockets"
#define SYSCTL_DIR	"/proc/sys/net/xtcp/"
#define POLL_STEP_MS	50

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

int xtcp_family(void)
{
	return read_param(FAMILY_PARAM, AF_XTCP);
}

int xtcp_ipproto(void)
{
	return read_param(IPPROTO_PARAM, IPPROTO_XTCP);
}

int xtcp_socket(int type_flags)
{
	return socket(xtcp_family(), SOCK_STREAM | type_flags, 0);
}

int ns_open(const char *ns)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int ns_enter(const char *ns)
{
	int fd, ret, err;

	fd = ns_open(ns);
	if (fd < 0)
		return -1;
	ret = setns(fd, CLONE_NEWNET);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

int socket_in(const char *ns, int domain, int type, int protocol)
{
	int self, fd, err;

	if (!ns)
		return socket(domain, type, protocol);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -1;
	if (ns_enter(ns)) {
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

int xtcp_socket_in(const char *ns, int type_flags)
{
	return socket_in(ns, xtcp_family(), SOCK_STREAM | type_flags, 0);
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

int ns_run(const char *ns, const char *fmt, ...)
{
	char *cmd;
	va_list ap;
	pid_t pid;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(cmd);
		return -1;
	}
	if (pid == 0) {
		/* Keep the TAP stream on stdout clean. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		if (ns && ns_enter(ns))
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	return wait_child(pid);
}

const char *xtcp_top(void)
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

int xtcp_topo(const char *kind)
{
	return ns_run(NULL, "'%s/selftests/topo.sh' %s", xtcp_top(), kind);
}

int xtcp_addr(struct sockaddr_xtcp *sa, const char *ip, unsigned short port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sxtcp_family = xtcp_family();
	sa->sxtcp_port = htons(port);
	if (!ip)
		return 0;
	return inet_pton(AF_INET, ip, &sa->sxtcp_addr) == 1 ? 0 : -1;
}

char *xtcp_addr_str(const struct sockaddr_xtcp *sa, char *buf, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &sa->sxtcp_addr, ip, sizeof(ip)))
		return NULL;
	snprintf(buf, n, "%s:%u", ip, ntohs(sa->sxtcp_port));
	return buf;
}

char *xtcp_local_str(int fd, char *buf, size_t n)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return NULL;
	return xtcp_addr_str(&sa, buf, n);
}

char *xtcp_peer_str(int fd, char *buf, size_t n)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	if (getpeername(fd, (struct sockaddr *)&sa, &len))
		return NULL;
	return xtcp_addr_str(&sa, buf, n);
}

int xtcp_bind(int fd, const char *ip, unsigned short port)
{
	struct sockaddr_xtcp sa;

	if (xtcp_addr(&sa, ip, port)) {
		errno = EINVAL;
		return -1;
	}
	return bind(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int xtcp_connect(int fd, const char *ip, unsigned short port)
{
	struct sockaddr_xtcp sa;

	if (xtcp_addr(&sa, ip, port)) {
		errno = EINVAL;
		return -1;
	}
	return connect(fd, (struct sockaddr *)&sa, sizeof(sa));
}

int xtcp_local_port(int fd)
{
	struct sockaddr_xtcp sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	return ntohs(sa.sxtcp_port);
}

int xtcp_listen_in(const char *ns, const char *ip, unsigned short port,
		   int backlog, int type_flags)
{
	int fd, err;

	fd = xtcp_socket_in(ns, type_flags);
	if (fd < 0)
		return -1;
	if (xtcp_bind(fd, ip, port) || listen(fd, backlog)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

int xtcp_connect_in(const char *ns, const char *ip, unsigned short port,
		    int type_flags)
{
	int fd, err;

	fd = xtcp_socket_in(ns, type_flags);
	if (fd < 0)
		return -1;
	if (xtcp_connect(fd, ip, port) &&
	    !((type_flags & SOCK_NONBLOCK) && errno == EINPROGRESS)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* Child side of ns_slurp(): copy @path as seen from @ns into @out. */
static void __attribute__((noreturn)) slurp_child(const char *ns,
						  const char *path, int out)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (ns && ns_enter(ns))
		_exit(errno);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		_exit(errno);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, n))
			_exit(EIO);
	}
	_exit(n < 0 ? errno : 0);
}

/* Read all of @path as seen from @ns into a malloc()ed, NUL-ended buffer. */
static char *ns_slurp(const char *ns, const char *path, size_t *lenp)
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

ssize_t ns_read_file(const char *ns, const char *path, char *buf, size_t n)
{
	size_t len;
	char *data;

	if (!n) {
		errno = EINVAL;
		return -1;
	}
	data = ns_slurp(ns, path, &len);
	if (!data)
		return -1;
	if (len >= n)
		len = n - 1;
	memcpy(buf, data, len);
	buf[len] = '\0';
	free(data);
	return len;
}

int ns_write_file(const char *ns, const char *path, const char *val)
{
	pid_t pid;
	int fd, ret;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (ns && ns_enter(ns))
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

long xtcp_snmp(const char *ns, const char *name)
{
	char key[64], *data, *line, *save;
	long value, found = -1;

	data = ns_slurp(ns, SNMP_PATH, NULL);
	if (!data)
		return -1;
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%63s %ld", key, &value) == 2 &&
		    !strcmp(key, name)) {
			found = value;
			break;
		}
	}
	free(data);
	return found;
}

static int parse_row(const char *line, struct xtcp_row *row)
{
	return sscanf(line, "%*s %31s %31s %15s %ld %ld %15s %ld %ld",
		      row->local, row->remote, row->state, &row->tx_queue,
		      &row->rx_queue, row->timer, &row->expires_ms,
		      &row->retransmits) == 8 ? 0 : -1;
}

int xtcp_rows(const char *ns, struct xtcp_row *rows, int max)
{
	char *data, *line, *save;
	int count = 0;

	data = ns_slurp(ns, SOCKETS_PATH, NULL);
	if (!data)
		return -1;
	line = strtok_r(data, "\n", &save);
	/* The first line is the header. */
	while (line && count < max) {
		line = strtok_r(NULL, "\n", &save);
		if (line && !parse_row(line, &rows[count]))
			count++;
	}
	free(data);
	return count;
}

int xtcp_find(const char *ns, const char *local, const char *remote,
	      struct xtcp_row *row)
{
	char *data, *line, *save;
	struct xtcp_row r;
	int ret = -1;

	data = ns_slurp(ns, SOCKETS_PATH, NULL);
	if (!data)
		return -1;
	line = strtok_r(data, "\n", &save);
	while (line) {
		line = strtok_r(NULL, "\n", &save);
		if (!line || parse_row(line, &r))
			continue;
		if (strcmp(r.local, local))
			continue;
		if (remote && strcmp(r.remote, remote))
			continue;
		if (row)
			*row = r;
		ret = 0;
		break;
	}
	free(data);
	return ret;
}

int xtcp_state(const char *ns, const char *local, const char *remote,
	       char *state, size_t n)
{
	struct xtcp_row row;

	if (xtcp_find(ns, local, remote, &row))
		return -1;
	snprintf(state, n, "%s", row.state);
	return 0;
}

int xtcp_wait_state(const char *ns, const char *local, const char *remote,
		    const char *state, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	struct xtcp_row row;

	for (;;) {
		if (!xtcp_find(ns, local, remote, &row) &&
		    !strcmp(row.state, state))
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(POLL_STEP_MS * 1000);
	}
}

int xtcp_wait_gone(const char *ns, const char *local, const char *remote,
		   int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (xtcp_find(ns, local, remote, NULL))
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(POLL_STEP_MS * 1000);
	}
}

int xtcp_wait_snmp(const char *ns, const char *name, long min, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (xtcp_snmp(ns, name) >= min)
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(POLL_STEP_MS * 1000);
	}
}

int xtcp_wait_snmp_eq(const char *ns, const char *name, long value,
		      int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		if (xtcp_snmp(ns, name) == value)
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(POLL_STEP_MS * 1000);
	}
}

int xtcp_sysctl_set(const char *ns, const char *name, long value)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	snprintf(val, sizeof(val), "%ld\n", value);
	return ns_write_file(ns, path, val);
}

long xtcp_sysctl_get(const char *ns, const char *name)
{
	char path[PATH_MAX], val[32];

	snprintf(path, sizeof(path), SYSCTL_DIR "%s", name);
	if (ns_read_file(ns, path, val, sizeof(val)) <= 0)
		return -1;
	return strtol(val, NULL, 10);
}

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int poll_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int ret;

	ret = poll(&pfd, 1, timeout_ms);
	if (ret <= 0)
		return ret;
	return pfd.revents;
}

int sock_error(int fd)
{
	socklen_t len = sizeof(int);
	int err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

uint32_t xtcp_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; len -= 2, p += 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

uint16_t xtcp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t xtcp_tcp_csum(uint32_t saddr, uint32_t daddr, const void *seg,
		       size_t len)
{
	uint8_t pseudo[12];

	memcpy(pseudo, &saddr, 4);
	memcpy(pseudo + 4, &daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = len >> 8;
	pseudo[11] = len & 0xff;
	return xtcp_csum_fold(xtcp_csum_add(xtcp_csum_add(0, pseudo,
							  sizeof(pseudo)),
					    seg, len));
}
