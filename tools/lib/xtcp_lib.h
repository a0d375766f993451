/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp_lib: the C side of the test library (the shell side is
 * selftests/lib.sh), for the tests and tools. One prefix, xl_:
 *
 *  - namespaces and topologies: xl_ns(), xl_topo() (selftests/topo.sh),
 *    xl_ns_enter(), xl_exec(), xl_socket_in(); the names carry a tag
 *    of this process ($XTCP_NS_TAG, else random), so concurrent tests
 *    never share a namespace;
 *  - xtcp sockets: xl_sock(), xl_listen_in(), xl_connect_in(),
 *    xl_conn_open(), addresses, options, xl_abort_close(), struct xl_fds;
 *  - /proc/net/xtcp and /proc/sys/net/xtcp as seen from a namespace:
 *    xl_snmp(), xl_rows(), xl_find(), xl_wait_*(), xl_sysctl_*();
 *  - Linux TCP's /proc/net/tcp: xl_tcp_state();
 *  - tc filters: xl_tc_drop*(), xl_netem(), xl_tc_clear();
 *  - captures with a packet socket: xl_capture_open(), xl_capture_next();
 *  - checksums: xl_csum_*(), xl_tcp_csum();
 *  - byte streams that show a byte lost, duplicated or moved:
 *    xl_pattern_init(), struct xl_xfer, xl_send_stream(), xl_recv_stream().
 */
#ifndef XTCP_LIB_H
#define XTCP_LIB_H

#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/xtcp.h>

#define XL_ADDRSTRLEN	32

/* Roles of the namespaces of selftests/topo.sh (see selftests/lib.sh) */
#define XL_NS_A		xl_ns('a')
#define XL_NS_B		xl_ns('b')
#define XL_NS_R		xl_ns('r')

/* veth: XL_NS_A xa0 <-> xb0 XL_NS_B */
#define XL_IP_A		"198.18.0.1"
#define XL_IP_B		"198.18.0.2"
/* router and interop: XL_NS_A a0 <-> r0 XL_NS_R r1 <-> b0 XL_NS_B */
#define XL_IP_RA	"198.18.1.1"
#define XL_IP_RB	"198.18.2.2"

/**
 * struct xl_row - one row of /proc/net/xtcp/sockets
 * @local: local address as "a.b.c.d:port"
 * @remote: remote address as "a.b.c.d:port"
 * @state: state name (LISTEN, SYN_SENT, ESTABLISHED, ...)
 * @timer: pending timer (off, retrans, persist, delack, keepalive, timewait)
 * @tx_queue: bytes in the send queue
 * @rx_queue: bytes in the receive queue
 * @expires_ms: time left on @timer
 * @retransmits: consecutive retransmissions
 */
struct xl_row {
	char local[XL_ADDRSTRLEN];
	char remote[XL_ADDRSTRLEN];
	char state[16];
	char timer[16];
	long tx_queue;
	long rx_queue;
	long expires_ms;
	long retransmits;
};

/**
 * struct xl_conn - a connection from XL_NS_A to a listener
 * @cli: the connecting end
 * @srv: the accepted end
 * @local: @cli's address, "a.b.c.d:port"
 * @remote: @cli's peer, the listener's address
 */
struct xl_conn {
	int cli;
	int srv;
	char local[XL_ADDRSTRLEN];
	char remote[XL_ADDRSTRLEN];
};

/* Namespaces and topologies */

/* The tag in this process's namespace names: $XTCP_NS_TAG, else random. */
const char *xl_tag(void);
/* Name of the namespace of role @role ('a', 'b', 'r'): "x<role>-<tag>". */
const char *xl_ns(char role);
/*
 * Run selftests/topo.sh @kind (veth, veth2, router, interop, clean) for this
 * process's namespaces, which replaces a previous topology of theirs;
 * 0 on success.
 */
int xl_topo(const char *kind);
/* Repository top: $XTCP_TOP, else two levels above the executable's dir. */
const char *xl_top(void);
/* The module to load: $XTCP_KO, else xtcp.ko at the top. */
const char *xl_module_path(void);
/* xtcp.ko is loaded. */
bool xl_module_loaded(void);
/* insmod xl_module_path() unless xtcp.ko is loaded; 0 on success. */
int xl_module_load(void);
/*
 * Unload xtcp.ko with delete_module(2), retried while sockets that are
 * closed but not yet freed (an RCU grace period, an orphan's timer) hold
 * it, for up to @timeout_ms; the ms it took, or -1 (errno set).
 */
int xl_module_unload(int timeout_ms);
/*
 * A line in the kernel log ("xtcp-test: ..."), so a report the kernel
 * prints can be placed among the test's steps; 0 or -1.
 */
int xl_kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Open /run/netns/@ns; returns an fd or -1. */
int xl_ns_open(const char *ns);
/* Move the calling thread into @ns; returns 0 or -1 with errno. */
int xl_ns_enter(const char *ns);
#define XL_MAX_ARGS	15

/*
 * Run @prog with the arguments that follow, up to XL_MAX_ARGS and NULL,
 * inside @ns (NULL: here), without a shell (under TCG every exec counts),
 * with @input (NULL: our stdin) on its stdin and its output on our stderr,
 * which keeps the TAP stream on stdout clean. Returns its exit status.
 */
int xl_exec(const char *ns, const char *input, const char *prog, ...)
	__attribute__((sentinel));
/* Any socket created inside network namespace @ns (NULL: current). */
int xl_socket_in(const char *ns, int domain, int type, int protocol);

/* xtcp sockets */

/* Family number in use: /sys/module/xtcp/parameters/family, else AF_XTCP. */
int xl_family(void);
/* IPv4 protocol number in use: /sys/module/xtcp/parameters/ipproto. */
int xl_ipproto(void);
/* An xtcp socket (SOCK_STREAM | @type_flags) created in @ns (NULL: here). */
int xl_sock(const char *ns, int type_flags);
/* The same, with SO_REUSEADDR set. */
int xl_sock_reuseaddr(const char *ns, int type_flags);
/* A Linux TCP socket created in @ns. */
int xl_tcp_sock(const char *ns);
/* Fill @sa with @ip (dotted quad, NULL for any) and host-order @port. */
int xl_addr(struct sockaddr_xtcp *sa, const char *ip, unsigned short port);
/* Format @sa as "a.b.c.d:port" into @buf. */
char *xl_addr_str(const struct sockaddr_xtcp *sa, char *buf, size_t n);
/* getsockname()/getpeername() of @fd as "a.b.c.d:port"; NULL on error. */
char *xl_local_str(int fd, char *buf, size_t n);
char *xl_peer_str(int fd, char *buf, size_t n);
/* Host-order port of getsockname(@fd), or -1. */
int xl_local_port(int fd);
/* bind()/connect() to @ip:@port; return the syscall's result. */
int xl_bind(int fd, const char *ip, unsigned short port);
int xl_connect(int fd, const char *ip, unsigned short port);
/* An xtcp socket in @ns bound to @ip:@port and listening; fd or -1. */
int xl_listen_in(const char *ns, const char *ip, unsigned short port,
		 int backlog, int type_flags);
/*
 * An xtcp socket in @ns connecting to @ip:@port; fd or -1. With
 * SOCK_NONBLOCK in @type_flags, a connect still in progress (EINPROGRESS)
 * counts as success.
 */
int xl_connect_in(const char *ns, const char *ip, unsigned short port,
		  int type_flags);
/* A Linux TCP socket in @ns (SO_REUSEADDR) listening on @ip:@port; fd or -1. */
int xl_tcp_listen_in(const char *ns, const char *ip, unsigned short port,
		     int backlog);
/* A Linux TCP socket in @ns connected to @ip:@port; fd or -1. */
int xl_tcp_connect_in(const char *ns, const char *ip, unsigned short port);
/* SO_BINDTODEVICE @dev; 0 or -1. */
int xl_bind_dev(int fd, const char *dev);
/*
 * Connect from XL_NS_A to @ip:@port, where @lfd listens, and accept:
 * fills @c (both fds -1 on failure); 0 or -1.
 */
int xl_conn_open(struct xl_conn *c, int lfd, const char *ip,
		 unsigned short port);
/*
 * The veth topology (xl_topo("veth")) and an xtcp listener on
 * XL_IP_B:@port in XL_NS_B; the listener's fd, or -1.
 */
int xl_veth_listen(unsigned short port, int backlog, int type_flags);
/*
 * Connect from XL_NS_A to a listener on XL_IP_B:@port in XL_NS_B, accept
 * and close the listener: @c; 0 or -1.
 */
int xl_conn_pair(struct xl_conn *c, unsigned short port);
/* close() @c's fds that are open. */
void xl_conn_close(struct xl_conn *c);
/* Close @c's fds that are open, with RST (xl_abort_close()). */
void xl_conn_abort(struct xl_conn *c);

#define XL_MAX_FDS	32

/**
 * struct xl_fds - the fds a test has open, for its teardown to abort
 * @fd: the fds
 * @n: how many
 */
struct xl_fds {
	int fd[XL_MAX_FDS];
	int n;
};

/* Remember @fd (if >= 0) in @fds; returns @fd. */
int xl_fds_add(struct xl_fds *fds, int fd);
/* Forget @fd: something else closes it. */
void xl_fds_forget(struct xl_fds *fds, int fd);
/* Forget and close() @fd; returns close()'s result. */
int xl_fds_close(struct xl_fds *fds, int fd);
/* xl_abort_close() every fd still in @fds. */
void xl_fds_abort(struct xl_fds *fds);

/* Socket calls */

int xl_set_int(int fd, int level, int name, int val);
/* The int option, or -1 if getsockopt fails. */
int xl_get_int(int fd, int level, int name);
/* SO_RCVTIMEO or SO_SNDTIMEO (@name) of @ms milliseconds. */
int xl_set_timeo(int fd, int name, int ms);
int xl_set_linger(int fd, int onoff, int secs);
int xl_set_nonblock(int fd, bool on);
/* SO_LINGER {1, 0} and close(): a RST, no TIME_WAIT; ignores @fd < 0. */
void xl_abort_close(int fd);
/* SO_ERROR of @fd, or -1 if getsockopt fails. */
int xl_sock_error(int fd);
/* poll() one fd for @events; returns revents, 0 on timeout, -1 on error. */
int xl_poll(int fd, short events, int timeout_ms);
/* send() all of @buf (MSG_NOSIGNAL); 0, or -1 with errno. */
int xl_send_all(int fd, const void *buf, size_t len);
/* recv() with an SO_RCVTIMEO of @ms: recv()'s result, errno kept. */
ssize_t xl_recv_within(int fd, void *buf, size_t len, int ms);
/*
 * @len bytes of @c sent on @tx arrive whole and intact on @rx within @ms
 * (MSG_WAITALL); 0 or -1.
 */
int xl_pass(int tx, int rx, char c, size_t len, int ms);
/*
 * "ping" from @a to @b, "pong" back, each within @ms: both ends surely
 * connected and carrying data; 0 or -1.
 */
int xl_ping_pong(int a, int b, int ms);
/* XTCP_INFO of @fd; 0 or -1. */
int xl_get_info(int fd, struct xtcp_info *info);
/*
 * Wait until XTCP_INFO of @fd shows @bytes acknowledged, or with @fin one
 * more (the FIN's sequence number, which Linux TCP counts too); 0, or -1
 * after @timeout_ms.
 */
int xl_wait_acked(int fd, unsigned long long bytes, bool fin, int timeout_ms);
/* Monotonic clock in milliseconds. */
long long xl_now_ms(void);

/* /proc and /proc/sys as seen from a namespace */

/* Read @path as seen from inside @ns into @buf (NUL-terminated). */
ssize_t xl_read_file(const char *ns, const char *path, char *buf, size_t n);
/* Write @val to @path from inside @ns; 0 or -errno. */
int xl_write_file(const char *ns, const char *path, const char *val);
/* Counter @name of /proc/net/xtcp/snmp in @ns, or -1 if absent. */
long xl_snmp(const char *ns, const char *name);
/*
 * Rows of /proc/net/xtcp/sockets in @ns when their sl column counts 0, 1,
 * 2, ... without a gap or a repeat; -1 otherwise.
 */
int xl_rows_in_order(const char *ns);
/* Field @name of /proc/meminfo (e.g. "Slab"), in kB, or -1. */
long xl_meminfo_kb(const char *name);
/* Rows of /proc/net/xtcp/sockets in @ns; returns the count or -1. */
int xl_rows(const char *ns, struct xl_row *rows, int max);
/* Rows of @ns with local address @local and state @state (NULL: any). */
int xl_count_rows(const char *ns, const char *local, const char *state);
/*
 * The first row of @ns matching @local and @remote (NULL: any remote);
 * 0 if found, -1 if not.
 */
int xl_find(const char *ns, const char *local, const char *remote,
	    struct xl_row *row);
/* State name of the matching row into @state; 0 if found, -1 if not. */
int xl_state(const char *ns, const char *local, const char *remote,
	     char *state, size_t n);
/* The matching row's state, or "(none)", in a static buffer (for logs). */
const char *xl_state_str(const char *ns, const char *local,
			 const char *remote);
/* Poll until the matching row is in @state; 0, or -1 after @timeout_ms. */
int xl_wait_state(const char *ns, const char *local, const char *remote,
		  const char *state, int timeout_ms);
/* Poll until no row matches; 0, or -1 after @timeout_ms. */
int xl_wait_gone(const char *ns, const char *local, const char *remote,
		 int timeout_ms);
/* Poll until the matching row's rx_queue is >= @bytes; 0, or -1. */
int xl_wait_rx_queue(const char *ns, const char *local, const char *remote,
		     long bytes, struct xl_row *row, int timeout_ms);
/* Poll until @ns has no row; 0, or -1 after @timeout_ms. */
int xl_wait_no_rows(const char *ns, int timeout_ms);
/* Poll until every row of @ns is in TIME_WAIT (or none is left). */
int xl_wait_only_timewait(const char *ns, int timeout_ms);
/* Poll until counter @name in @ns is >= @min; 0, or -1 after @timeout_ms. */
int xl_wait_snmp(const char *ns, const char *name, long min, int timeout_ms);
/* Poll until counter @name in @ns is @value; 0, or -1 after @timeout_ms. */
int xl_wait_snmp_eq(const char *ns, const char *name, long value,
		    int timeout_ms);
/* /proc/sys/net/xtcp/@name in @ns: set (0 or -errno) and get (-1 on error). */
int xl_sysctl_set(const char *ns, const char *name, long value);
long xl_sysctl_get(const char *ns, const char *name);
/*
 * State (TCP_ESTABLISHED, ...) of the Linux TCP socket in @ns from port
 * @lport to port @rport in /proc/net/tcp; 0 if there is none, -1 on error.
 */
int xl_tcp_state(const char *ns, int lport, int rport);
int xl_wait_tcp_state(const char *ns, int lport, int rport, int state,
		      int timeout_ms);

/* Diagnostics, as TAP comments on stderr (with TH_LOG's lines) */

void xl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The non-zero counters of /proc/net/xtcp/snmp in @ns. */
void xl_snmp_print(const char *ns);
/* A row of /proc/net/xtcp/sockets, headed @what. */
void xl_row_print(const char *what, const struct xl_row *row);
/* XTCP_INFO of @fd, headed @what. */
void xl_info_print(const char *what, int fd);

/* tc filters on xtcp's IP protocol */

/**
 * enum xl_tc_where - where a filter drops the packets it matches on a device
 * @XL_TC_LOSE: leaving it, after the sender handed them over: for the
 *	sender, lost on the wire (a prio qdisc's filter, which reports
 *	success)
 * @XL_TC_INGRESS: arriving at it (the clsact ingress hook)
 * @XL_TC_REFUSE: leaving it, refused by the device (the clsact egress
 *	hook): the send reports NET_XMIT_DROP
 */
enum xl_tc_where {
	XL_TC_LOSE,
	XL_TC_INGRESS,
	XL_TC_REFUSE,
};

/*
 * Drop the xtcp packets on @dev in @ns that match the u32 selectors
 * @match ("" for all of them), at @where; 0 on success.
 */
int xl_tc_drop(const char *ns, const char *dev, enum xl_tc_where where,
	       const char *match);
/* Segments whose TCP flags byte & @mask is @flags. */
int xl_tc_drop_flags(const char *ns, const char *dev, enum xl_tc_where where,
		     int flags, int mask);
/* Packets of IP total length @len. */
int xl_tc_drop_len(const char *ns, const char *dev, enum xl_tc_where where,
		   int len);
/* A netem root qdisc on @dev with the options @opts ("delay 10ms"). */
int xl_netem(const char *ns, const char *dev, const char *opts);
/* Remove the filters and qdiscs above from @dev; 0 if none is left. */
int xl_tc_clear(const char *ns, const char *dev);

/* Captures */

/**
 * struct xl_seg - one captured xtcp segment
 * @out: sent from the capturing device (PACKET_OUTGOING)
 * @ip: the IPv4 header
 * @th: the TCP header
 * @seq: sequence number
 * @ack: acknowledgment number
 * @flags: the TCP flags byte
 * @len: payload bytes
 * @mss: value of the MSS option, 0 if absent
 * @ts: the segment carries the timestamps option (RFC 7323)
 * @tsval: its TSval
 * @tsecr: its TSecr
 * @ip_ok: the IPv4 header checksum verifies
 * @csum_ok: the TCP checksum verifies with pseudo-header protocol 6
 */
struct xl_seg {
	bool out;
	struct iphdr ip;
	struct tcphdr th;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint32_t len;
	int mss;
	bool ts;
	uint32_t tsval;
	uint32_t tsecr;
	bool ip_ok;
	bool csum_ok;
};

/*
 * A packet socket in @ns on @dev: with @both_ways, ETH_P_ALL (what the
 * device sends too), else ETH_P_IP (what it receives); a receive buffer of
 * @rcvbuf bytes unless 0. Returns the fd or -1.
 */
int xl_capture_open(const char *ns, const char *dev, bool both_ways,
		    int rcvbuf);
/*
 * On the veth topology, with checksums filled in before the tap sees the
 * packets (tx offload off on both ends): a capture of both ways on xb0.
 */
int xl_capture_veth(void);
/*
 * The next xtcp segment to or from port @port (0: any) captured on @fd
 * within @timeout_ms: 1 if one came, 0 if none.
 */
int xl_capture_next(int fd, int port, struct xl_seg *seg, int timeout_ms);
/*
 * Segments of port @port captured on @fd until none has come for
 * @quiet_ms, at most @max, into @segs; returns how many.
 */
int xl_capture_quiet(int fd, int port, struct xl_seg *segs, int max,
		     int quiet_ms);
/* Log @n captured segments, one line each ("out": sent by the device). */
void xl_segs_print(const struct xl_seg *segs, int n);
/*
 * From @ns, send the source of @seg the ICMP error @type/@code quoting
 * @seg's IPv4 header and the first 8 bytes of its TCP header, with the
 * sequence number @seq there. 0 or -1.
 */
int xl_icmp_quote(const char *ns, const struct xl_seg *seg, int type,
		  int code, uint32_t seq);
/* Parse the IPv4 packet @pkt; 0 if it is an xtcp segment. */
int xl_seg_parse(const uint8_t *pkt, size_t len, struct xl_seg *seg);
/* The same for a segment of IP protocol @proto (IPPROTO_TCP: Linux TCP). */
int xl_seg_parse_proto(const uint8_t *pkt, size_t len, int proto,
		       struct xl_seg *seg);

/* Internet checksum (RFC 1071): add @len bytes to a 32-bit running sum. */
uint32_t xl_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold a running sum to 16 bits (0xffff when a checksummed span verifies). */
uint16_t xl_csum_fold(uint32_t sum);
/*
 * Folded sum over the TCP pseudo-header with protocol 6 (RFC 9293 3.1) and
 * the @len-byte segment at @seg; addresses in network order. 0xffff means a
 * received segment's checksum verifies; for a segment being built with a
 * zero checksum field, the complement is the checksum to put in.
 */
uint16_t xl_tcp_csum(uint32_t saddr, uint32_t daddr, const void *seg,
		     size_t len);
/* Fill in the checksum field of the @len-byte segment at @seg. */
void xl_tcp_csum_set(uint32_t saddr, uint32_t daddr, uint8_t *seg, size_t len);

/* Byte streams */

#define XL_CHUNK	65536
#define XL_MB		(1024 * 1024)

/*
 * Stream @seed carries at offset i the byte pattern[(i + seed * 7919) %
 * P] of one random block, whose odd length P keeps the period out of step
 * with segment and buffer sizes. Call xl_pattern_init() first.
 */
void xl_pattern_init(void);
/* At least XL_CHUNK contiguous bytes of stream @seed from @off. */
const unsigned char *xl_stream_at(unsigned int seed, unsigned long long off);
/* min(XL_CHUNK, @total - @done) */
size_t xl_chunk_len(unsigned long long done, unsigned long long total);

/**
 * struct xl_xfer - one direction of one connection
 * @fd: the socket
 * @seed: the stream sent or expected
 * @total: bytes to send, or expected before end of stream
 * @done: bytes sent, or received and verified, so far
 * @err: 0, an errno, or EBADMSG for data that differs from the stream
 * @eof: the receiver saw end of stream
 * @keep_open: the sender does not shut down writing at the end
 */
struct xl_xfer {
	int fd;
	unsigned int seed;
	unsigned long long total;
	unsigned long long done;
	int err;
	bool eof;
	bool keep_open;
};

/* Thread: send @x's stream on a blocking socket, then shut down writing. */
void *xl_send_stream(void *x);
/* Thread: receive and verify until end of stream, on a blocking socket. */
void *xl_recv_stream(void *x);
/*
 * Check @n received bytes against the stream; false (with @x->err set) if
 * they differ from it or overrun it.
 */
bool xl_check_stream(struct xl_xfer *x, const unsigned char *buf, size_t n);

#endif /* XTCP_LIB_H */
