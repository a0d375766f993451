/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtcp: internal types and helpers shared by the module's files.
 */
#ifndef _XTCP_H
#define _XTCP_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/skbuff.h>
#include <linux/percpu.h>
#include <linux/version.h>
#include <net/sock.h>
#include <net/inet_sock.h>
#include <net/tcp_states.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/xtcp.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
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

/* TCP option kinds and lengths (RFC 9293 section 3.2) */
#define XTCPOPT_EOL		0
#define XTCPOPT_NOP		1
#define XTCPOPT_MSS		2
#define XTCPOLEN_MSS		4

/* Header room for our segments: link layer, IPv4 and TCP with options */
#define XTCP_MAX_HEADER		(MAX_HEADER + 128)
#define XTCP_HDR_LEN		20
#define XTCP_DEFAULT_MSS	536
#define XTCP_MIN_MSS		88

#define XTCP_EHASH_BITS		10
#define XTCP_LHASH_BITS		6
#define XTCP_BHASH_BITS		10

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
};

/**
 * struct xtcp_net - xtcp state of one network namespace
 * @lock: serialises changes to the three tables
 * @ehash: connections (SYN_SENT onwards) by 4-tuple, through sk_node; RCU
 * @lhash: listeners by local port, through sk_node; RCU
 * @bhash: every socket holding a local port, through sk_bind_node
 * @mib: per-CPU counters
 * @sysctl: tunables
 * @sysctl_hdr: registration of @sysctl
 * @proc_dir: /proc/net/xtcp
 */
struct xtcp_net {
	spinlock_t lock;
	struct hlist_head ehash[1 << XTCP_EHASH_BITS];
	struct hlist_head lhash[1 << XTCP_LHASH_BITS];
	struct hlist_head bhash[1 << XTCP_BHASH_BITS];
	struct xtcp_mib __percpu *mib;
	struct xtcp_sysctl sysctl;
	struct ctl_table_header *sysctl_hdr;
	struct proc_dir_entry *proc_dir;
};

/**
 * struct xtcp_skb_cb - per-segment control block, in skb->cb
 * @seq: first sequence number of the segment
 * @end_seq: @seq plus SYN, FIN and payload length
 * @ack_seq: acknowledgment number of a received segment
 * @flags: TCP header flags (XTCPHDR_*)
 */
struct xtcp_skb_cb {
	u32 seq;
	u32 end_seq;
	u32 ack_seq;
	u8 flags;
};

#define XTCP_SKB_CB(skb) ((struct xtcp_skb_cb *)&((skb)->cb[0]))

/* Bits of xtcp_sock.deferred: timer work postponed while the user owns the socket */
enum {
	XTCP_RETRANS_DEFERRED,
};

/**
 * struct xtcp_sock - an xtcp socket
 * @inet: IPv4 socket; must be first
 * @iss: initial send sequence number
 * @irs: initial receive sequence number
 * @snd_una: oldest unacknowledged sequence number
 * @snd_nxt: next sequence number to send
 * @snd_wnd: send window the peer advertised, in bytes
 * @snd_wl1: segment sequence number of the last window update
 * @snd_wl2: segment acknowledgment number of the last window update
 * @rcv_nxt: next sequence number expected
 * @rcv_wnd: receive window we advertise, in bytes
 * @mss_cache: maximum segment size we send
 * @rx_mss: MSS the peer announced in its SYN
 * @user_mss: XTCP_MAXSEG clamp, 0 when unset
 * @nodelay: XTCP_NODELAY is set
 * @backoff: exponential backoff shift of the retransmission timer
 * @retransmits: consecutive expiries of the retransmission timer
 * @rto: current retransmission timeout, in jiffies
 * @srtt_us: smoothed RTT, in microseconds
 * @rttvar_us: RTT variation, in microseconds
 * @total_retrans: segments retransmitted over the connection's life
 * @segs_in: segments received
 * @segs_out: segments sent
 * @retrans_timer: retransmits SYN, SYN-ACK and data
 * @deferred: XTCP_*_DEFERRED bits
 * @queue_lock: protects @syn_queue, @accept_queue and children's @parent
 * @syn_queue: a listener's children in SYN_RECV
 * @accept_queue: a listener's established children not yet accepted
 * @syn_qlen: length of @syn_queue
 * @parent: listener of a child still on one of its queues
 * @queue_node: a child's link in its listener's @syn_queue or @accept_queue
 */
struct xtcp_sock {
	struct inet_sock inet;

	u32 iss;
	u32 irs;
	u32 snd_una;
	u32 snd_nxt;
	u32 snd_wnd;
	u32 snd_wl1;
	u32 snd_wl2;
	u32 rcv_nxt;
	u32 rcv_wnd;

	u16 mss_cache;
	u16 rx_mss;
	u16 user_mss;
	u8 nodelay:1;
	u8 backoff;
	u8 retransmits;
	unsigned long rto;
	u32 srtt_us;
	u32 rttvar_us;

	u32 total_retrans;
	u64 segs_in;
	u64 segs_out;

	struct timer_list retrans_timer;
	unsigned long deferred;

	spinlock_t queue_lock;
	struct list_head syn_queue;
	struct list_head accept_queue;
	u32 syn_qlen;
	struct sock *parent;
	struct list_head queue_node;
};

static inline struct xtcp_sock *xtcp_sk(const struct sock *sk)
{
	return (struct xtcp_sock *)sk;
}

/* Paired with inet_sk_state_load() of lockless readers (poll, /proc) */
static inline void xtcp_state_store(struct sock *sk, int state)
{
	smp_store_release(&sk->sk_state, state);
}

extern unsigned int xtcp_net_id;
extern int xtcp_family;
extern int xtcp_ipproto;
extern struct proto xtcp_prot;
extern struct proto_ops xtcp_stream_ops;

static inline struct xtcp_net *xtcp_pernet(const struct net *net)
{
	return net_generic(net, xtcp_net_id);
}

#define XTCP_INC_STATS(net, field) \
	this_cpu_inc(xtcp_pernet(net)->mib->mibs[field])
#define XTCP_DEC_STATS(net, field) \
	this_cpu_dec(xtcp_pernet(net)->mib->mibs[field])

static inline int xtcp_sysctl(const struct sock *sk, size_t offset)
{
	return READ_ONCE(*(int *)((char *)&xtcp_pernet(sock_net(sk))->sysctl + offset));
}

#define XTCP_SYSCTL(sk, name) \
	xtcp_sysctl(sk, offsetof(struct xtcp_sysctl, name))

/* af_xtcp.c */
void xtcp_set_state(struct sock *sk, int state);
void xtcp_done(struct sock *sk);
void xtcp_init_sock(struct sock *sk);

/* socket.c */
void xtcp_close(struct sock *sk, long timeout);
void xtcp_get_info(struct sock *sk, struct xtcp_info *info);

/* table.c */
void xtcp_table_init(struct xtcp_net *xn);
int xtcp_bind_port(struct sock *sk, u16 port);
void xtcp_unbind_port(struct sock *sk);
int xtcp_listen_hash(struct sock *sk);
int xtcp_connect_hash(struct sock *sk);
int xtcp_ehash_child(struct sock *child);
void xtcp_unhash(struct sock *sk);
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport);
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr, __be16 dport);

/* isn.c */
void xtcp_isn_init(void);
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport);

/* output.c */
int xtcp_send_syn(struct sock *sk);
int xtcp_send_synack(struct sock *sk);
void xtcp_send_ack(struct sock *sk);
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp);
void xtcp_v4_send_reset(struct net *net, struct sk_buff *skb);
u16 xtcp_mss_for_dst(struct sock *sk, struct dst_entry *dst);
int xtcp_route(struct sock *sk);

/* input.c */
int xtcp_v4_rcv(struct sk_buff *skb);
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb);
void xtcp_parse_options(const struct sk_buff *skb, struct xtcp_sock *xs);

/* listen.c */
int xtcp_listen_start(struct sock *sk, int backlog);
void xtcp_listen_stop(struct sock *sk);
int xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb);
int xtcp_child_established(struct sock *child);
void xtcp_child_drop(struct sock *child);
struct sock *xtcp_accept_wait(struct sock *sk, int flags, int *err);

/* timer.c */
void xtcp_init_timers(struct sock *sk);
void xtcp_clear_timers(struct sock *sk);
void xtcp_kill_timers(struct sock *sk);
unsigned long xtcp_rto_max(const struct sock *sk);
void xtcp_reset_retrans_timer(struct sock *sk, unsigned long when);
void xtcp_release_cb(struct sock *sk);

/* proc.c */
const char *xtcp_state_name(int state);
int xtcp_proc_init_net(struct net *net);
void xtcp_proc_exit_net(struct net *net);

/* sysctl.c */
int xtcp_sysctl_init_net(struct net *net);
void xtcp_sysctl_exit_net(struct net *net);

#endif /* _XTCP_H */
