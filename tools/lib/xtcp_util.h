/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared user-space helpers for xtcp tests and tools: the family number,
 * sockets created in a given network namespace, addresses, the test
 * topology, and namespace-correct readers of /proc/net/xtcp and
 * /proc/sys/net/xtcp.
 */
#ifndef XTCP_UTIL_H
#define XTCP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/xtcp.h>

#define XTCP_ADDRSTRLEN	32

/* The veth topology of selftests/topo.sh */
#define NS_A		"xa"
#define NS_B		"xb"
#define IP_A		"198.18.0.1"
#define IP_B		"198.18.0.2"

/**
 * struct xtcp_row - one row of /proc/net/xtcp/sockets
 * @local: local address as "a.b.c.d:port"
 * @remote: remote address as "a.b.c.d:port"
 * @state: state name (LISTEN, SYN_SENT, ESTABLISHED, ...)
 * @timer: pending timer (off, retrans, persist, delack, keepalive, timewait)
 * @tx_queue: bytes in the send queue
 * @rx_queue: bytes in the receive queue
 * @expires_ms: time left on @timer
 * @retransmits: consecutive retransmissions
 */
struct xtcp_row {
	char local[XTCP_ADDRSTRLEN];
	char remote[XTCP_ADDRSTRLEN];
	char state[16];
	char timer[16];
	long tx_queue;
	long rx_queue;
	long expires_ms;
	long retransmits;
};

/* Family number in use: /sys/module/xtcp/parameters/family, else AF_XTCP. */
int xtcp_family(void);
/* IPv4 protocol number in use: /sys/module/xtcp/parameters/ipproto. */
int xtcp_ipproto(void);
/* socket(family, SOCK_STREAM | type_flags, 0) in the current namespace. */
int xtcp_socket(int type_flags);
/* The same, created inside network namespace @ns (NULL: current). */
int xtcp_socket_in(const char *ns, int type_flags);
/* Any socket created inside network namespace @ns (NULL: current). */
int socket_in(const char *ns, int domain, int type, int protocol);

/* Open /run/netns/@ns; returns an fd or -1. */
int ns_open(const char *ns);
/* Move the calling thread into @ns; returns 0 or -1 with errno. */
int ns_enter(const char *ns);
/* Run @fmt as a /bin/sh command inside @ns (NULL: current); exit status. */
int ns_run(const char *ns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Repository top: $XTCP_TOP, else two levels above the executable's dir. */
const char *xtcp_top(void);
/*
 * Run selftests/topo.sh @kind (veth, router, interop, clean), which replaces
 * any previous topology; 0 on success.
 */
int xtcp_topo(const char *kind);

/* Fill @sa with @ip (dotted quad, NULL for any) and host-order @port. */
int xtcp_addr(struct sockaddr_xtcp *sa, const char *ip, unsigned short port);
/* Format @sa as "a.b.c.d:port" into @buf. */
char *xtcp_addr_str(const struct sockaddr_xtcp *sa, char *buf, size_t n);
/* getsockname()/getpeername() of @fd as "a.b.c.d:port"; NULL on error. */
char *xtcp_local_str(int fd, char *buf, size_t n);
char *xtcp_peer_str(int fd, char *buf, size_t n);
/* bind()/connect() to @ip:@port; return the syscall's result. */
int xtcp_bind(int fd, const char *ip, unsigned short port);
int xtcp_connect(int fd, const char *ip, unsigned short port);
/* Host-order port of getsockname(@fd), or -1. */
int xtcp_local_port(int fd);
/* A socket in @ns bound to @ip:@port and listening; fd or -1. */
int xtcp_listen_in(const char *ns, const char *ip, unsigned short port,
		   int backlog, int type_flags);
/*
 * A socket in @ns connecting to @ip:@port; fd or -1. With SOCK_NONBLOCK in
 * @type_flags, a connect still in progress (EINPROGRESS) counts as success.
 */
int xtcp_connect_in(const char *ns, const char *ip, unsigned short port,
		    int type_flags);

/* Read @path as seen from inside @ns into @buf (NUL-terminated). */
ssize_t ns_read_file(const char *ns, const char *path, char *buf, size_t n);
/* Write @val to @path from inside @ns; 0 or -errno. */
int ns_write_file(const char *ns, const char *path, const char *val);

/* Counter @name of /proc/net/xtcp/snmp in @ns, or -1 if absent. */
long xtcp_snmp(const char *ns, const char *name);
/* Rows of /proc/net/xtcp/sockets in @ns; returns the count or -1. */
int xtcp_rows(const char *ns, struct xtcp_row *rows, int max);
/*
 * The first row of @ns matching @local and @remote (NULL: any remote);
 * 0 if found, -1 if not.
 */
int xtcp_find(const char *ns, const char *local, const char *remote,
	      struct xtcp_row *row);
/* State name of the matching row into @state; 0 if found, -1 if not. */
int xtcp_state(const char *ns, const char *local, const char *remote,
	       char *state, size_t n);
/* Poll until the matching row is in @state; 0, or -1 after @timeout_ms. */
int xtcp_wait_state(const char *ns, const char *local, const char *remote,
		    const char *state, int timeout_ms);
/* Poll until no row matches; 0, or -1 after @timeout_ms. */
int xtcp_wait_gone(const char *ns, const char *local, const char *remote,
		   int timeout_ms);
/* Poll until counter @name in @ns is >= @min; 0, or -1 after @timeout_ms. */
int xtcp_wait_snmp(const char *ns, const char *name, long min, int timeout_ms);
/* Poll until counter @name in @ns is @value; 0, or -1 after @timeout_ms. */
int xtcp_wait_snmp_eq(const char *ns, const char *name, long value,
		      int timeout_ms);

/* /proc/sys/net/xtcp/@name in @ns: set (0 or -errno) and get (-1 on error). */
int xtcp_sysctl_set(const char *ns, const char *name, long value);
long xtcp_sysctl_get(const char *ns, const char *name);

/* Monotonic clock in milliseconds. */
long long now_ms(void);
/* poll() one fd for @events; returns revents, 0 on timeout, -1 on error. */
int poll_fd(int fd, short events, int timeout_ms);
/* SO_ERROR of @fd, or -1 if getsockopt fails. */
int sock_error(int fd);

/* Internet checksum (RFC 1071): add @len bytes to a 32-bit running sum. */
uint32_t xtcp_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a running sum to 16 bits (0xffff when a checksummed span verifies). */
uint16_t xtcp_csum_fold(uint32_t sum);
/*
 * Folded sum over the TCP pseudo-header with protocol 6 (RFC 9293 3.1) and
 * the @len-byte segment at @seg; addresses in network order. 0xffff means a
 * received segment's checksum verifies; for a segment being built with a
 * zero checksum field, the complement is the checksum to put in.
 */
uint16_t xtcp_tcp_csum(uint32_t saddr, uint32_t daddr, const void *seg,
		       size_t len);

#endif /* XTCP_UTIL_H */
