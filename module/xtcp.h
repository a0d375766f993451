/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp: internal types and helpers shared by the module's files.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/list_nulls.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/skbuff.h>
#include <linux/percpu.h>
#include <linux/siphash.h>
#include <linux/percpu_counter.h>
#include <linux/rbtree.h>
#include <linux/version.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/xtcp.h>

struct seq_file;
#ifdef XTCP_HAVE_PROTO_MEMORY_H
#include <net/proto_memory.h>
#endif
#ifdef XTCP_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* TCP header flag bits (RFC 9293 section 3.1) */
#define XTCPHDR_FIN	0x01
#define XTCPHDR_SYN	0x02
#define XTCPHDR_RST	0x04
#define XTCPHDR_PSH	0x08
#define XTCPHDR_ACK	0x10
#define XTCPHDR_URG	0x20

/* The flags byte of a TCP header */
#define xtcp_flag_byte(th) (((u8 *)(th))[13])

/* Sequence-number comparisons modulo 2^32 (RFC 9293 section 3.4) */
static inline bool xtcp_before(u32 seq1, u32 seq2)
{
	return (s32)(seq1 - seq2) < 0;
}

static inline bool xtcp_after(u32 seq1, u32 seq2)
{
	return xtcp_before(seq2, seq1);
}

/* @seq2 <= @seq1 <= @seq3, modulo 2^32 */
static inline bool xtcp_between(u32 seq1, u32 seq2, u32 seq3)
{
	return seq3 - seq2 >= seq1 - seq2;
}

/* TCP option kinds and lengths (RFC 9293 section 3.2) */
#define XTCPOPT_EOL		0
#define XTCPOPT_NOP		1
#define XTCPOPT_MSS		2
#define XTCPOPT_WINDOW		3
#define XTCPOPT_TIMESTAMP	8
#define XTCPOLEN_MSS		4
#define XTCPOLEN_WINDOW		3
#define XTCPOLEN_TIMESTAMP	10
/* The timestamp option behind two NOPs, as Linux lays it out */
#define XTCPOLEN_TSTAMP_ALIGNED	12
#define XTCP_MAX_OPTLEN		40
/* A ts_recent this many seconds old no longer counts (RFC 7323 5.5) */
#define XTCP_PAWS_24DAYS	(60 * 60 * 24 * 24)
#define XTCP_MAX_WSCALE		14
#define XTCP_RCV_WSCALE		7
#define XTCP_INIT_CWND		10
#define XTCP_ORPHAN_RETRIES	8
/* Keepalive defaults, as Linux TCP's (man 7 tcp) */
#define XTCP_KEEPALIVE_TIME	(7200 * HZ)
#define XTCP_KEEPALIVE_INTVL	(75 * HZ)
#define XTCP_KEEPALIVE_PROBES	9
#define XTCP_MAX_KEEPIDLE	32767
#define XTCP_DEFAULT_RATIO	128
/* Backlog room beyond the socket buffers, as tcp_add_backlog() */
#define XTCP_BACKLOG_SLACK	(64 * 1024)

/* Header room for our segments: link layer, IPv4 and TCP with options */
#define XTCP_MAX_HEADER		(MAX_HEADER + 64)
#define XTCP_HDR_LEN		20
#define XTCP_DEFAULT_MSS	536
#define XTCP_MIN_MSS		88

#define XTCP_LHASH_BITS		6
/* Nulls values that end the listener chains, distinct from ehash slots */
#define XTCP_LHASH_NULLS_BASE	BIT(29)
/* Retry interval when the device refuses a retransmission (as TCP) */
#define XTCP_RESOURCE_PROBE_INTERVAL	(HZ / 2)
/* RTO when the handshake was retransmitted and gave no sample (RFC 6298 5.7) */
#define XTCP_TIMEOUT_FALLBACK	(3 * HZ)

/**
 * enum xtcp_mib_field - per-namespace counters in /proc/net/xtcp/snmp
 * @XTCP_MIB_ACTIVEOPENS: transitions CLOSED -> SYN_SENT
 * @XTCP_MIB_PASSIVEOPENS: transitions LISTEN -> SYN_RECV
 * @XTCP_MIB_ATTEMPTFAILS: SYN_SENT/SYN_RECV -> CLOSED, SYN_RECV -> LISTEN
 * @XTCP_MIB_ESTABRESETS: ESTABLISHED/CLOSE_WAIT -> CLOSED by reset
 * @XTCP_MIB_CURRESTAB: connections in ESTABLISHED or CLOSE_WAIT (gauge)
 * @XTCP_MIB_INSEGS: segments received, including errors
 * @XTCP_MIB_OUTSEGS: segments sent, excluding retransmissions
 * @XTCP_MIB_RETRANSSEGS: segments retransmitted
 * @XTCP_MIB_INERRS: segments received in error
 * @XTCP_MIB_OUTRSTS: segments sent with RST set
 * @XTCP_MIB_INCSUMERRORS: segments received with a bad checksum
 * @XTCP_MIB_TIMEOUTS: retransmission timer expiries
 * @XTCP_MIB_FASTRETRANS: fast retransmissions
 * @XTCP_MIB_SYNRETRANS: SYN and SYN-ACK retransmissions
 * @XTCP_MIB_DUPACKSIN: duplicate ACKs received
 * @XTCP_MIB_OFOQUEUED: segments queued out of order
 * @XTCP_MIB_ZEROWINDOWPROBES: zero-window probes sent
 * @XTCP_MIB_DELAYEDACKS: delayed ACKs sent by the timer
 * @XTCP_MIB_TIMEWAITENTERED: connections that entered TIME_WAIT
 * @XTCP_MIB_TIMEWAITEXPIRED: TIME_WAIT entries that expired
 * @XTCP_MIB_LISTENOVERFLOWS: handshakes dropped on a full accept queue
 * @XTCP_MIB_LISTENDROPS: SYNs and handshakes a listener dropped
 * @XTCP_MIB_CHALLENGEACKS: challenge ACKs sent (RFC 5961)
 * @XTCP_MIB_ABORTONCLOSE: connections reset by close with unread data
 * @XTCP_MIB_ABORTONTIMEOUT: connections dropped after too many timeouts
 * @XTCP_MIB_ABORTONDATA: connections reset by data arriving after close
 * @XTCP_MIB_ABORTONLINGER: connections reset by close with SO_LINGER {1, 0}
 * @XTCP_MIB_BACKLOGDROP: segments dropped on a full socket backlog
 * @XTCP_MIB_RCVQDROP: segments dropped for lack of receive memory
 * @XTCP_MIB_OUTOFWINDOWICMPS: ICMP errors quoting a sequence number not in
 *	flight, ignored (RFC 5927)
 * @XTCP_MIB_LOCKDROPPEDICMPS: ICMP errors that arrived while the user owned
 *	the socket (kept as soft errors only)
 * @XTCP_MIB_PMTUREDUCED: path MTU reductions that lowered a connection's MSS
 * @XTCP_MIB_SEQOUTOFWINDOW: segments dropped for a sequence number outside
 *	the receive window
 * @XTCP_MIB_ACKSKIPPEDSEQ: ACKs to such segments not sent (invalid_ratelimit)
 * @XTCP_MIB_ACKSKIPPEDCHALLENGE: challenge ACKs not sent (invalid_ratelimit
 *	or challenge_ack_limit)
 * @XTCP_MIB_ACKUNSENTDATA: segments dropped for acknowledging data never
 *	sent (RFC 5961 5.2)
 * @XTCP_MIB_ACKTOOOLD: segments dropped for an acknowledgment older than
 *	snd_una less the largest window the peer offered (RFC 5961 5.2)
 * @XTCP_MIB_NOACKDROPS: segments dropped for lack of the ACK flag
 * @XTCP_MIB_TWOVERFLOW: connections closed without TIME_WAIT because the
 *	namespace had max_tw_buckets entries
 * @XTCP_MIB_ABORTONMEMORY: connections reset at close() because the
 *	namespace had max_orphans orphans
 * @XTCP_MIB_SYNCOOKIESSENT: SYN-ACKs sent with a SYN cookie (RFC 4987)
 * @XTCP_MIB_SYNCOOKIESRECV: ACKs with a valid SYN cookie, which opened a
 *	connection
 * @XTCP_MIB_SYNCOOKIESFAILED: ACKs to a listener whose cookie did not check
 * @XTCP_MIB_REQQFULLDROP: SYNs dropped on a full SYN queue, syncookies off
 * @XTCP_MIB_REQQFULLDOCOOKIES: SYNs answered with a cookie because the SYN
 *	queue was full
 * @XTCP_MIB_OFODROP: out-of-order segments dropped for lack of memory
 * @XTCP_MIB_OFOMERGE: out-of-order segments dropped because queued data
 *	covered them, or freed because a new segment covered them
 * @XTCP_MIB_OFOPRUNED: times out-of-order data was freed to make room
 * @XTCP_MIB_PRUNECALLED: times a segment did not fit the receive memory
 *	and pruning was tried
 * @XTCP_MIB_RCVPRUNED: times pruning could not make room for a segment
 * @XTCP_MIB_MEMORYPRESSURES: times the namespace entered memory pressure
 * @XTCP_MIB_MEMORYPRESSURESCHRONO: ms spent under memory pressure
 * @XTCP_MIB_PAWSESTABREJECTED: segments of a synchronised connection
 *	dropped for a timestamp older than the last one recorded (PAWS,
 *	RFC 7323 section 5)
 * @XTCP_MIB_PAWSACTIVEREJECTED: SYN-ACKs reset for echoing a timestamp
 *	our SYN never carried
 * @__XTCP_MIB_MAX: number of counters
 */
enum xtcp_mib_field {
	XTCP_MIB_ACTIVEOPENS,
	XTCP_MIB_PASSIVEOPENS,
	XTCP_MIB_ATTEMPTFAILS,
	XTCP_MIB_ESTABRESETS,
	XTCP_MIB_CURRESTAB,
	XTCP_MIB_INSEGS,
	XTCP_MIB_OUTSEGS,
	XTCP_MIB_RETRANSSEGS,
	XTCP_MIB_INERRS,
	XTCP_MIB_OUTRSTS,
	XTCP_MIB_INCSUMERRORS,
	XTCP_MIB_TIMEOUTS,
	XTCP_MIB_FASTRETRANS,
	XTCP_MIB_SYNRETRANS,
	XTCP_MIB_DUPACKSIN,
	XTCP_MIB_OFOQUEUED,
	XTCP_MIB_ZEROWINDOWPROBES,
	XTCP_MIB_DELAYEDACKS,
	XTCP_MIB_TIMEWAITENTERED,
	XTCP_MIB_TIMEWAITEXPIRED,
	XTCP_MIB_LISTENOVERFLOWS,
	XTCP_MIB_LISTENDROPS,
	XTCP_MIB_CHALLENGEACKS,
	XTCP_MIB_ABORTONCLOSE,
	XTCP_MIB_ABORTONTIMEOUT,
	XTCP_MIB_ABORTONDATA,
	XTCP_MIB_ABORTONLINGER,
	XTCP_MIB_BACKLOGDROP,
	XTCP_MIB_RCVQDROP,
	XTCP_MIB_OUTOFWINDOWICMPS,
	XTCP_MIB_LOCKDROPPEDICMPS,
	XTCP_MIB_PMTUREDUCED,
	XTCP_MIB_SEQOUTOFWINDOW,
	XTCP_MIB_ACKSKIPPEDSEQ,
	XTCP_MIB_ACKSKIPPEDCHALLENGE,
	XTCP_MIB_ACKUNSENTDATA,
	XTCP_MIB_ACKTOOOLD,
	XTCP_MIB_NOACKDROPS,
	XTCP_MIB_TWOVERFLOW,
	XTCP_MIB_ABORTONMEMORY,
	XTCP_MIB_SYNCOOKIESSENT,
	XTCP_MIB_SYNCOOKIESRECV,
	XTCP_MIB_SYNCOOKIESFAILED,
	XTCP_MIB_REQQFULLDROP,
	XTCP_MIB_REQQFULLDOCOOKIES,
	XTCP_MIB_OFODROP,
	XTCP_MIB_OFOMERGE,
	XTCP_MIB_OFOPRUNED,
	XTCP_MIB_PRUNECALLED,
	XTCP_MIB_RCVPRUNED,
	XTCP_MIB_MEMORYPRESSURES,
	XTCP_MIB_MEMORYPRESSURESCHRONO,
	XTCP_MIB_PAWSESTABREJECTED,
	XTCP_MIB_PAWSACTIVEREJECTED,
	__XTCP_MIB_MAX
};

/**
 * struct xtcp_mib - one CPU's copy of the counters
 * @mibs: indexed by enum xtcp_mib_field
 */
struct xtcp_mib {
	unsigned long mibs[__XTCP_MIB_MAX];
};

/**
 * struct xtcp_sysctl - per-namespace tunables under /proc/sys/net/xtcp
 * @msl_ms: maximum segment lifetime; TIME_WAIT lasts twice this
 * @rto_initial_ms: retransmission timeout before any RTT sample
 * @rto_min_ms: lower bound of the retransmission timeout
 * @rto_max_ms: upper bound of the retransmission timeout
 * @syn_retries: SYN retransmissions before connect() fails
 * @synack_retries: SYN-ACK retransmissions before a request is dropped
 * @retries2: data retransmissions before the connection is dropped
 * @fin_timeout_ms: lifetime of an orphaned FIN_WAIT2 connection
 * @delack_ms: delayed-ACK timeout
 * @challenge_ack_limit: challenge ACKs per second per namespace (RFC 5961)
 * @invalid_ratelimit: ms between replies to one socket's invalid segments
 * @max_tw_buckets: TIME_WAIT entries at most
 * @max_orphans: orphaned connections at most
 * @syncookies: 0 never, 1 when the SYN queue is full, 2 always answer a SYN
 *	with a SYN cookie (RFC 4987), as tcp_syncookies
 * @max_syn_backlog: requests at most in one listener's SYN queue
 * @mem: memory of the namespace's xtcp sockets, in pages: below [0] no
 *	pressure, above [1] pressure, above [2] nothing more (tcp_mem)
 * @timestamps: offer and accept RFC 7323 timestamps (tcp_timestamps)
 */
struct xtcp_sysctl {
	int msl_ms;
	int rto_initial_ms;
	int rto_min_ms;
	int rto_max_ms;
	int syn_retries;
	int synack_retries;
	int retries2;
	int fin_timeout_ms;
	int delack_ms;
	int challenge_ack_limit;
	int invalid_ratelimit;
	int max_tw_buckets;
	int max_orphans;
	int syncookies;
	int max_syn_backlog;
	long mem[3];
	int timestamps;
};

/**
 * struct xtcp_net - xtcp state of one network namespace
 * @lock: serialises changes to every table
 * @ehash_mask: number of @ehash (and @twhash) buckets less one
 * @bhash_mask: number of @bhash (and @tw_bhash) buckets less one
 * @ehash: connections (SYN_SENT onwards) by 4-tuple, through sk_nulls_node;
 *	RCU, each chain ends in its bucket number
 * @lhash: listeners by local port, through sk_nulls_node; RCU, each chain
 *	ends in XTCP_LHASH_NULLS_BASE plus its bucket number
 * @bhash: every socket holding a local port, through sk_bind_node
 * @twhash: TIME_WAIT entries by 4-tuple; RCU
 * @tw_bhash: TIME_WAIT entries by local port
 * @mib: per-CPU counters
 * @sysctl: tunables
 * @sysctl_hdr: registration of @sysctl
 * @proc_dir: /proc/net/xtcp
 * @challenge_second: jiffies / HZ of the second @challenge_budget is for
 * @challenge_budget: challenge ACKs still allowed in that second
 * @tw_count: TIME_WAIT entries in @twhash, under @lock
 * @orphans: connections closed by their user and not yet CLOSED
 * @cookie_key: secret of the SYN cookies, chosen when the namespace is
 *	created
 * @prot: xtcp_prot with this namespace's memory accounting; every socket
 *	of the namespace points its sk_prot here (xtcp_mem_sock_init())
 * @memory_allocated: pages charged to the namespace's sockets, less what
 *	the CPUs hold in @memory_per_cpu_fw_alloc
 * @memory_per_cpu_fw_alloc: pages charged or released on each CPU and not
 *	yet added to @memory_allocated
 * @sockets_allocated: xtcp sockets of the namespace, for the fair share
 *	under pressure
 * @memory_pressure: jiffies when memory pressure began, or 0
 */
struct xtcp_net {
	spinlock_t lock;	/* serialises changes to every table below */
	unsigned int ehash_mask;
	struct hlist_nulls_head *ehash;
	struct hlist_nulls_head lhash[1 << XTCP_LHASH_BITS];
	unsigned int bhash_mask;
	struct hlist_head *bhash;
	struct hlist_head *twhash;
	struct hlist_head *tw_bhash;
	struct xtcp_mib __percpu *mib;
	struct xtcp_sysctl sysctl;
	struct ctl_table_header *sysctl_hdr;
	struct proc_dir_entry *proc_dir;
	u32 challenge_second;
	u32 challenge_budget;
	int tw_count;
	atomic_t orphans;
	siphash_key_t cookie_key;
	struct proto prot;
	atomic_long_t memory_allocated;
	int __percpu *memory_per_cpu_fw_alloc;
	struct percpu_counter sockets_allocated;
	unsigned long memory_pressure;
};

/**
 * struct xtcp_request - a handshake in SYN_RECV, kept without a socket
 * @node: link in its listener's xtcp_sock.req_hash
 * @listener: the listener, referenced
 * @laddr: local address (the SYN's destination)
 * @raddr: remote address
 * @lport: local port
 * @rport: remote port
 * @iss: our initial sequence number
 * @irs: the peer's initial sequence number
 * @snd_wnd: window field of the peer's SYN (never scaled)
 * @rcv_wnd: window we advertise in the SYN-ACK
 * @rx_mss: MSS the peer announced, 0 when absent
 * @snd_wscale: the peer's window scale
 * @wscale_ok: the peer's SYN offered window scaling
 * @tstamp_ok: the peer's SYN offered timestamps and the namespace allows
 *	them (RFC 7323)
 * @ts_recent: TSval of the peer's SYN, echoed in the SYN-ACK
 * @ts_off: offset of our TSvals for this 4-tuple
 * @ts_cookie: the SYN-ACK is a cookie's: its TSval carries the window
 *	scale (syncookies.c)
 * @retrans: SYN-ACK retransmissions so far
 * @sent_us: when the first SYN-ACK went out, for an RTT sample
 * @refcnt: one for the listener's table, one for the pending timer, one
 *	per user
 * @timer: retransmits the SYN-ACK; drops the request after synack_retries
 *
 * A request is 120 bytes, a socket's struct alone 1472: a SYN only costs
 * this much until its handshake completes (TCP's request_sock).
 */
struct xtcp_request {
	struct hlist_node node;
	struct sock *listener;
	__be32 laddr;
	__be32 raddr;
	__be16 lport;
	__be16 rport;
	u32 iss;
	u32 irs;
	u16 snd_wnd;
	u16 rcv_wnd;
	u16 rx_mss;
	u8 snd_wscale;
	u8 wscale_ok:1,
	   tstamp_ok:1,
	   ts_cookie:1;
	u8 retrans;
	u32 ts_recent;
	u32 ts_off;
	u64 sent_us;
	refcount_t refcnt;
	struct timer_list timer;
};

/**
 * struct xtcp_tw - a connection in TIME_WAIT, kept without its socket
 * @node: link in xtcp_net.twhash
 * @bind_node: link in xtcp_net.tw_bhash
 * @net: namespace
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 * @snd_nxt: our next sequence number (after our FIN)
 * @rcv_nxt: the peer's next sequence number (after its FIN)
 * @window: window field to put in our ACKs
 * @reuse: the socket had SO_REUSEADDR (for bind conflicts)
 * @refcnt: one for the tables, one per user
 * @timer: the 2 MSL timer
 * @rcu: deferred free
 */
struct xtcp_tw {
	struct hlist_node node;
	struct hlist_node bind_node;
	struct net *net;
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	u32 snd_nxt;
	u32 rcv_nxt;
	u16 window;
	bool reuse;
	refcount_t refcnt;
	struct timer_list timer;
	struct rcu_head rcu;
};

/**
 * struct xtcp_options - TCP options of a segment, received or to be sent
 * @mss: MSS option value, 0 when absent
 * @wscale: window scale shift
 * @wscale_ok: the window scale option is present
 * @tstamp_ok: the timestamps option is present
 * @tsval: its TSval
 * @tsecr: its TSecr
 */
struct xtcp_options {
	u16 mss;
	u8 wscale;
	u8 wscale_ok:1,
	   tstamp_ok:1;
	u32 tsval;
	u32 tsecr;
};

/**
 * struct xtcp_skb_cb - per-segment control block, in skb->cb
 * @seq: first sequence number of the segment
 * @end_seq: @seq plus SYN, FIN and payload length
 * @ack_seq: acknowledgment number of a received segment
 * @tsval: TSval of a received segment's timestamps option
 * @tsecr: TSecr of a received segment's timestamps option
 * @flags: TCP header flags (XTCPHDR_*)
 * @retrans: the segment was retransmitted (no RTT sample from it, Karn)
 * @saw_tstamp: a received segment carries the timestamps option
 * @when_us: time the segment was last sent, for RTT samples
 */
struct xtcp_skb_cb {
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u32 tsval;
	u32 tsecr;
	u8 flags;
	u8 retrans;
	u8 saw_tstamp;
	u64 when_us;
};

#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/*
 * Bits of xtcp_sock.deferred: timer and ICMP work postponed while the user
 * owns the socket
 */
enum {
	XTCP_RETRANS_DEFERRED,
	XTCP_DELACK_DEFERRED,
	XTCP_LIFE_DEFERRED,
	XTCP_MTU_REDUCED_DEFERRED,
};

/* What the retransmission timer is armed for (xtcp_sock.pending) */
enum {
	XTCP_TIME_RETRANS = 1,
	XTCP_TIME_PROBE,
};

/* Congestion states (xtcp_sock.ca_state, xtcp_info.ca_state) */
enum {
	XTCP_CA_OPEN,
	XTCP_CA_RECOVERY,
	XTCP_CA_LOSS,
};

/**
 * struct xtcp_sock - an xtcp socket
 * @inet: IPv4 socket; must be first
 * @iss: initial send sequence number; the first field of the connection
 *	state, which runs to the end of the struct and is zeroed by
 *	xtcp_init_conn() when the socket is created, cloned for a listener's
 *	child, or disconnected
 * @irs: initial receive sequence number
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @snd_wnd: send window the peer advertised, in bytes
 * @snd_wl1: segment sequence number of the last window update
 * @snd_wl2: segment acknowledgment number of the last window update
 * @snd_max: highest sequence number sent so far
 * @write_seq: sequence number after the last byte queued by the user
 * @rcv_nxt: next sequence number expected
 * @rcv_wnd: receive window we advertised last, in bytes
 * @rcv_wup: rcv_nxt when we last advertised a window
 * @copied_seq: next sequence number the user reads
 * @mss_cache: maximum segment size we send
 * @rx_mss: MSS the peer announced in its SYN
 * @rcv_mss: largest segment received, for delayed-ACK decisions
 * @rcv_ratio: payload bytes per 256 bytes of skb truesize seen on input,
 *	which turns free receive memory into window
 * @snd_wscale: shift applied to the peer's window field
 * @rcv_wscale: shift applied to our window field
 * @wscale_ok: both ends sent the window scale option
 * @tstamp_ok: timestamps are on (RFC 7323): in SYN_SENT, our SYN offers
 *	them; from the SYN-ACK (or SYN) on, both ends agreed
 * @ack_pending: in-order data arrived that we have not acknowledged
 * @fin_queued: our FIN is on the write queue
 * @orphan_counted: closed by the user, counted in xtcp_net.orphans
 * @connect_bound: the local port was chosen by connect(), and other
 *	connect()s may share it with another 4-tuple (RFC 6056)
 * @pending: XTCP_TIME_* event the retransmission timer is armed for
 * @ca_state: XTCP_CA_* congestion state
 * @dupacks: duplicate ACKs counted since the last new ACK
 * @probes: zero-window probes sent without an answer
 * @backoff: exponential backoff shift of the retransmission timer, kept
 *	until an RTT sample is taken (Karn's algorithm, RFC 6298 section 5)
 * @retransmits: consecutive expiries of the retransmission timer
 * @ka_probes_out: keepalive probes sent since the last segment arrived
 * @refused_since: jiffies of the first of the retransmissions the device
 *	has refused in a row, or 0 (refusals do not count as retransmissions;
 *	their time is bounded as that of retries2 retransmissions)
 * @timeout: jiffies at which the retransmission timer is due; a handler
 *	that runs earlier (deferred while the user owned the socket) re-arms
 * @rto: current retransmission timeout, in jiffies
 * @srtt_us: smoothed RTT, in microseconds; 0 before the first sample
 * @rttvar_us: RTT variation, in microseconds
 * @syn_sent_us: when the SYN or SYN-ACK was sent first, for an RTT sample
 * @snd_cwnd: congestion window, in segments
 * @snd_ssthresh: slow-start threshold, in segments
 * @snd_cwnd_cnt: ACKed segments towards the next congestion-avoidance step
 * @recover: snd_max when loss recovery started (RFC 6582)
 * @send_head: first skb of the write queue not yet sent, or NULL
 * @total_retrans: segments retransmitted over the connection's life
 * @bytes_acked: bytes of ours the peer acknowledged
 * @bytes_received: bytes received in order
 * @segs_in: segments received
 * @segs_out: segments sent
 * @rcv_tstamp: jiffies when the last segment arrived
 * @mtu_info: next-hop MTU of the last fragmentation-needed error
 * @max_window: largest window the peer has offered (RFC 5961 5.2)
 * @ts_recent: TS.Recent of RFC 7323: the TSval to echo, from the last
 *	segment that covered the left edge of our window
 * @ts_recent_stamp: seconds (ktime_get_seconds()) when @ts_recent was set
 * @ts_off: random offset of our TSvals, from a keyed hash of the 4-tuple
 * @last_oow_ack: jiffies of the last reply to an invalid segment, or 0
 * @user_mss: XTCP_MAXSEG clamp, 0 when unset
 * @nodelay: XTCP_NODELAY is set
 * @keepalive_probes: unanswered keepalive probes before the connection drops
 * @keepalive_time: idle time before the first keepalive probe, jiffies
 * @keepalive_intvl: time between keepalive probes, jiffies
 * @ofo_queue: segments received out of order, an rbtree by sequence
 * @ofo_last: the segment of @ofo_queue with the highest sequence
 * @retrans_timer: retransmits SYN, SYN-ACK, data and FIN, or probes a zero window
 * @delack_timer: sends a delayed ACK
 * @life_timer: keepalive (SO_KEEPALIVE); ends an orphaned FIN_WAIT2
 *	after fin_timeout_ms
 * @deferred: XTCP_*_DEFERRED bits
 * @queue_lock: protects @syn_queue, @req_hash, @accept_queue and
 *	children's @parent
 * @syn_queue: a listener's children in SYN_RECV
 * @req_hash: a listener's requests (struct xtcp_request) by remote address
 *	and port
 * @req_hash_mask: buckets of @req_hash less one
 * @cookie_stamp: jiffies when the listener last sent a SYN cookie; cookie
 *	ACKs are only looked at for a while after
 * @accept_queue: a listener's established children not yet accepted
 * @syn_qlen: requests in @req_hash plus children on @syn_queue
 * @parent: listener of a child still on one of its queues
 * @queue_node: a child's link in its listener's @syn_queue or @accept_queue
 *
 * The user's settings (@user_mss to @keepalive_intvl) outlive a
 * connection and are inherited by a listener's children, as TCP's are.
 */
struct xtcp_sock {
	struct inet_sock inet;

	u16 user_mss;
	u8 nodelay;
	u8 keepalive_probes;
	unsigned long keepalive_time;
	unsigned long keepalive_intvl;

	struct rb_root ofo_queue;
	struct sk_buff *ofo_last;
	struct timer_list retrans_timer;
	struct timer_list delack_timer;
	struct timer_list life_timer;
	unsigned long deferred;

	spinlock_t queue_lock;	/* protects syn_queue, accept_queue, parent */
	struct list_head syn_queue;
	struct hlist_head *req_hash;
	u32 req_hash_mask;
	unsigned long cookie_stamp;
	struct list_head accept_queue;
	u32 syn_qlen;
	struct sock *parent;
	struct list_head queue_node;

	/* The connection state: from here to the end */
	u32 iss;
	u32 irs;
	u32 snd_una;
	u32 snd_nxt;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 snd_max;
	u32 write_seq;
	u32 rcv_nxt;
	u32 rcv_wnd;
	u32 rcv_wup;
	u32 copied_seq;

	u16 mss_cache;
	u16 rx_mss;
	u16 rcv_mss;
	u16 rcv_ratio;
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 wscale_ok:1,
	   ack_pending:1,
	   fin_queued:1,
	   orphan_counted:1,
	   connect_bound:1,
	   tstamp_ok:1;
	u8 pending;
	u8 ca_state;
	u8 dupacks;
	u8 probes;
	u8 backoff;
	u8 retransmits;
	u8 ka_probes_out;
	unsigned long refused_since;
	u32 mtu_info;
	u32 max_window;
	u32 ts_recent;
	u32 ts_recent_stamp;
	u32 ts_off;
	unsigned long last_oow_ack;
	unsigned long timeout;
	unsigned long rto;
	u32 srtt_us;
	u32 rttvar_us;
	u64 syn_sent_us;
	u32 snd_cwnd;
	u32 snd_ssthresh;
	u32 snd_cwnd_cnt;
	u32 recover;

	struct sk_buff *send_head;

	u32 total_retrans;
	u64 bytes_acked;
	u64 bytes_received;
	u64 segs_in;
	u64 segs_out;
	unsigned long rcv_tstamp;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

static inline void xtcp_state_store(struct sock *sk, int state)
{
	/* Paired with inet_sk_state_load() of lockless readers (poll, /proc) */
	smp_store_release(&sk->sk_state, state);
}

extern unsigned int xtcp_net_id;
extern int xtcp_family;
extern int xtcp_ipproto;
extern struct proto xtcp_prot;
extern const struct proto_ops xtcp_stream_ops;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

#define XTCP_INC_STATS(net, field) \
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_DEC_STATS(net, field) \
	this_cpu_dec(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_ADD_STATS(net, field, val) \
	this_cpu_add(xtcp_pernet(net)->mib->mibs[field], val)

static inline int xtcp_sysctl(const struct sock *sk, size_t offset)
{
	return READ_ONCE(*(int *)((char *)&xtcp_pernet(sock_net(sk))->sysctl + offset));
}

#define XTCP_SYSCTL(sk, name) \
	xtcp_sysctl(sk, offsetof(struct xtcp_sysctl, name))

/* lifecycle.c */
int xtcp_create(struct net *net, struct socket *sock, int protocol, int kern);
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk);
void xtcp_forget(struct sock *sk);
void xtcp_init_conn(struct sock *sk);
void xtcp_init_sock(struct sock *sk);
void xtcp_write_queue_purge(struct sock *sk);

/* close.c */
void xtcp_close(struct sock *sk, long timeout);
int xtcp_disconnect(struct sock *sk);
int xtcp_shutdown(struct socket *sock, int how);

/* socket.c */
void xtcp_get_info(struct sock *sk, struct xtcp_info *info);

/* table.c */
int xtcp_hash_init(void);
void xtcp_hash_exit(void);
int xtcp_table_init(struct xtcp_net *xn, unsigned int ehash_entries);
void xtcp_table_exit(struct xtcp_net *xn);
unsigned int xtcp_ehashfn(const struct xtcp_net *xn, __be32 laddr,
			  __be16 lport, __be32 raddr, __be16 rport);
unsigned int xtcp_bhashfn(const struct xtcp_net *xn, u16 port);
int xtcp_bind_port(struct sock *sk, u16 port);
void xtcp_unbind_port(struct sock *sk);
int xtcp_listen_hash(struct sock *sk);
int xtcp_connect_hash(struct sock *sk);
int xtcp_ehash_child(struct sock *child);
void xtcp_unhash(struct sock *sk);
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif);
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr, __be16 dport,
				  int dif, int sdif);

/* isn.c */
void xtcp_isn_init(void);
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_ts_off(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);
u32 xtcp_ts_clock(void);

/* Our TSval now (RFC 7323 section 4.1): a ms clock plus the offset */
static inline u32 xtcp_ts_now(const struct xtcp_sock *xs)
{
	return xtcp_ts_clock() + xs->ts_off;
}

/* output.c */
unsigned int xtcp_write_options(u8 *ptr, const struct xtcp_options *opts);
int xtcp_send_syn(struct sock *sk);
int xtcp_send_synack(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp);
void xtcp_v4_send_reset(struct net *net, struct sk_buff *skb);
void xtcp_v4_send_reply(struct net *net, __be32 saddr, __be32 daddr,
			__be16 sport, __be16 dport, u32 seq, u32 ack, u8 flags,
			u16 window);
void xtcp_send_fin(struct sock *sk);
int xtcp_req_send_synack(const struct xtcp_request *req);
u16 xtcp_mss_for_dst(struct sock *sk, struct dst_entry *dst);
int xtcp_route(struct sock *sk);
void xtcp_send_probe(struct sock *sk);
void xtcp_send_ack_probe(struct sock *sk);
u32 xtcp_receive_window(const struct xtcp_sock *xs);
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb);
int xtcp_retransmit_head(struct sock *sk);
void xtcp_write_xmit(struct sock *sk);
void xtcp_skb_entail(struct sock *sk, struct sk_buff *skb, u8 flags);

/* stream.c */
void xtcp_write_space(struct sock *sk);
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size);
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags);
void xtcp_cleanup_rbuf(struct sock *sk);

/* cong.c */
u64 xtcp_clock_us(void);
void xtcp_rtt_sample(struct sock *sk, u32 rtt_us);
bool xtcp_ts_rtt_sample(struct sock *sk, u32 tsecr);
void xtcp_handshake_rtt(struct sock *sk, u32 tsecr);
u32 xtcp_flight_segs(const struct xtcp_sock *xs);
void xtcp_enter_recovery(struct sock *sk);
void xtcp_enter_loss(struct sock *sk);
bool xtcp_cong_on_ack(struct sock *sk, u32 acked, u32 ack);
void xtcp_cong_init(struct xtcp_sock *xs);

/* input.c */
struct tcphdr;
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_parse_options(const struct tcphdr *th, struct xtcp_options *opt);
void xtcp_rcv_syn_options(struct sock *sk, const struct sk_buff *skb);
void xtcp_synchronize(struct sock *sk);
bool xtcp_queue_in_order(struct sock *sk, struct sk_buff *skb);

/* ofo.c */
bool xtcp_ofo_insert(struct sock *sk, struct sk_buff *skb,
		     enum skb_drop_reason *reason);
void xtcp_ofo_drain(struct sock *sk);
bool xtcp_ofo_prune(struct sock *sk, const struct sk_buff *in_skb);
void xtcp_ofo_purge(struct sock *sk);

static inline bool xtcp_ofo_empty(const struct xtcp_sock *xs)
{
	return RB_EMPTY_ROOT(&xs->ofo_queue);
}

/* mem.c */
int xtcp_mem_init_net(struct net *net);
void xtcp_mem_exit_net(struct net *net);
void xtcp_mem_defaults(long *mem);
void xtcp_mem_sock_init(struct sock *sk);
long xtcp_memory_allocated(struct xtcp_net *xn);
void xtcp_wmem_charge_forced(struct sock *sk, struct sk_buff *skb);

/* A segment joins the write queue, its memory scheduled (sk_wmem_schedule()) */
static inline void xtcp_wmem_charge(struct sock *sk, const struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
}

/*
 * A segment leaves the write queue: it no longer counts in sk_wmem_queued
 * nor in the namespace's memory (as tcp_wmem_free_skb()); the caller frees it
 */
static inline void xtcp_wmem_uncharge(struct sock *sk,
				      const struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
}

/* icmp.c */
int xtcp_v4_err(struct sk_buff *skb, u32 info);
void xtcp_mtu_reduced(struct sock *sk);

/* request.c */
int xtcp_req_cache_init(void);
void xtcp_req_cache_exit(void);
int xtcp_req_table_alloc(struct sock *sk);
void xtcp_req_table_free(struct sock *sk);
void xtcp_req_purge(struct sock *sk);
bool xtcp_req_syn(struct sock *sk, struct sk_buff *skb);
struct xtcp_request *xtcp_req_lookup(struct sock *sk, __be32 laddr,
				     __be32 raddr, __be16 rport);
bool xtcp_req_unlink(struct xtcp_request *req);
void xtcp_req_put(struct xtcp_request *req);
void xtcp_req_init(struct xtcp_request *req, struct sock *sk,
		   const struct sk_buff *skb);
void xtcp_req_rows(struct seq_file *seq, struct sock *sk, int sl);

/* syncookies.c */
void xtcp_cookie_init_net(struct xtcp_net *xn);
u32 xtcp_cookie_make(struct sock *sk, const struct sk_buff *skb, u16 *mss);
bool xtcp_cookie_check(struct sock *sk, const struct sk_buff *skb,
		       struct xtcp_request *req);
u32 xtcp_cookie_tsval(const struct xtcp_request *req);

/* listen.c */
int xtcp_listen_start(struct sock *sk, int backlog);
void xtcp_listen_stop(struct sock *sk);
struct sock *xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb);
int xtcp_child_established(struct sock *child);
void xtcp_child_drop(struct sock *child);
struct sock *xtcp_accept_wait(struct sock *sk, int flags, int *err);

/* timer.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_clear_xmit_timers(struct sock *sk);
void xtcp_clear_timers(struct sock *sk);
void xtcp_kill_timers(struct sock *sk);
unsigned long xtcp_rto_max(const struct sock *sk);
void xtcp_reset_retrans_timer(struct sock *sk, unsigned long when);
void xtcp_arm_retrans_timer(struct sock *sk);
void xtcp_arm_probe_timer(struct sock *sk);
void xtcp_stop_retrans_timer(struct sock *sk);
void xtcp_check_probe_timer(struct sock *sk);
void xtcp_timers_data_sent(struct sock *sk);
void xtcp_timers_acked(struct sock *sk);
void xtcp_schedule_ack(struct sock *sk);
void xtcp_ack_sent(struct sock *sk);
void xtcp_arm_fin_wait2_timer(struct sock *sk);
void xtcp_set_keepalive(struct sock *sk, int on);
void xtcp_keepalive_start(struct sock *sk);
void xtcp_release_cb(struct sock *sk);

/* timewait.c */
int xtcp_tw_cache_init(void);
void xtcp_tw_cache_exit(void);
void xtcp_time_wait(struct sock *sk);
struct xtcp_tw *xtcp_tw_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport);
bool xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb);
void xtcp_tw_put(struct xtcp_tw *tw);
void xtcp_tw_purge(struct net *net);
bool xtcp_tw_tuple_in_use(struct xtcp_net *xn, __be32 laddr, __be16 lport,
			  __be32 raddr, __be16 rport);
bool xtcp_tw_port_conflict(struct xtcp_net *xn, const struct sock *sk,
			   u16 port);
unsigned long xtcp_tw_left_ms(const struct xtcp_tw *tw);

/* proc.c */
const char *xtcp_state_name(int state);
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

/* sysctl.c */
int xtcp_sysctl_init_net(struct net *net);
void xtcp_sysctl_exit_net(struct net *net);

#endif /* _XTCP_H */
