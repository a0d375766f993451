// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp /proc/net/xtcp: the counters (snmp) and the socket table (sockets),
 * per network namespace.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/jiffies.h>
#include <net/ip.h>

#include "xtcp.h"

static const char * const xtcp_mib_names[__XTCP_MIB_MAX] = {
	[XTCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[XTCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[XTCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[XTCP_MIB_ESTABRESETS]		= "EstabResets",
	[XTCP_MIB_CURRESTAB]		= "CurrEstab",
	[XTCP_MIB_INSEGS]		= "InSegs",
	[XTCP_MIB_OUTSEGS]		= "OutSegs",
	[XTCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[XTCP_MIB_INERRS]		= "InErrs",
	[XTCP_MIB_OUTRSTS]		= "OutRsts",
	[XTCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[XTCP_MIB_TIMEOUTS]		= "Timeouts",
	[XTCP_MIB_FASTRETRANS]		= "FastRetrans",
	[XTCP_MIB_SYNRETRANS]		= "SynRetrans",
	[XTCP_MIB_DUPACKSIN]		= "DupAcksIn",
	[XTCP_MIB_OFOQUEUED]		= "OfoQueued",
	[XTCP_MIB_ZEROWINDOWPROBES]	= "ZeroWindowProbes",
	[XTCP_MIB_DELAYEDACKS]		= "DelayedAcks",
	[XTCP_MIB_TIMEWAITENTERED]	= "TimeWaitEntered",
	[XTCP_MIB_TIMEWAITEXPIRED]	= "TimeWaitExpired",
	[XTCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[XTCP_MIB_LISTENDROPS]		= "ListenDrops",
	[XTCP_MIB_CHALLENGEACKS]	= "ChallengeAcks",
	[XTCP_MIB_ABORTONCLOSE]		= "AbortOnClose",
	[XTCP_MIB_ABORTONTIMEOUT]	= "AbortOnTimeout",
	[XTCP_MIB_ABORTONDATA]		= "AbortOnData",
	[XTCP_MIB_ABORTONLINGER]	= "AbortOnLinger",
	[XTCP_MIB_BACKLOGDROP]		= "BacklogDrop",
	[XTCP_MIB_RCVQDROP]		= "RcvQDrop",
	[XTCP_MIB_OUTOFWINDOWICMPS]	= "OutOfWindowIcmps",
	[XTCP_MIB_LOCKDROPPEDICMPS]	= "LockDroppedIcmps",
	[XTCP_MIB_PMTUREDUCED]		= "PMTUReduced",
	[XTCP_MIB_SEQOUTOFWINDOW]	= "SeqOutOfWindow",
	[XTCP_MIB_ACKSKIPPEDSEQ]	= "AckSkippedSeq",
	[XTCP_MIB_ACKSKIPPEDCHALLENGE]	= "AckSkippedChallenge",
	[XTCP_MIB_ACKUNSENTDATA]	= "AckUnsentData",
	[XTCP_MIB_ACKTOOOLD]		= "AckTooOld",
	[XTCP_MIB_NOACKDROPS]		= "NoAckDrops",
	[XTCP_MIB_TWOVERFLOW]		= "TWOverflow",
	[XTCP_MIB_ABORTONMEMORY]	= "AbortOnMemory",
	[XTCP_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[XTCP_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[XTCP_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[XTCP_MIB_REQQFULLDROP]		= "ReqQFullDrop",
	[XTCP_MIB_REQQFULLDOCOOKIES]	= "ReqQFullDoCookies",
	[XTCP_MIB_OFODROP]		= "OfoDrop",
	[XTCP_MIB_OFOMERGE]		= "OfoMerge",
	[XTCP_MIB_OFOPRUNED]		= "OfoPruned",
	[XTCP_MIB_PRUNECALLED]		= "PruneCalled",
	[XTCP_MIB_RCVPRUNED]		= "RcvPruned",
	[XTCP_MIB_MEMORYPRESSURES]	= "MemoryPressures",
	[XTCP_MIB_MEMORYPRESSURESCHRONO] = "MemoryPressuresChrono",
	[XTCP_MIB_PAWSESTABREJECTED]	= "PAWSEstabRejected",
	[XTCP_MIB_PAWSACTIVEREJECTED]	= "PAWSActiveRejected",
};

static const char * const xtcp_state_names[] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
};

/**
 * xtcp_state_name() - name of a state as /proc shows it
 * @state: TCP_* state
 *
 * Return: the name, "UNKNOWN" for an out-of-range value.
 */
const char *xtcp_state_name(int state)
{
	if (state < 0 || state >= ARRAY_SIZE(xtcp_state_names) ||
	    !xtcp_state_names[state])
		return "UNKNOWN";
	return xtcp_state_names[state];
}

static int xtcp_snmp_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(seq));
	int i, cpu;

	for (i = 0; i < __XTCP_MIB_MAX; i++) {
		long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(xn->mib, cpu)->mibs[i];
		seq_printf(seq, "%-18s %ld\n", xtcp_mib_names[i], sum);
	}
	/* A gauge, as "mem" in /proc/net/sockstat: pages, net.xtcp.mem's unit */
	seq_printf(seq, "%-18s %ld\n", "MemoryAllocated",
		   max(0L, xtcp_memory_allocated(xn)));
	return 0;
}

static unsigned long xtcp_timer_left_ms(const struct timer_list *t)
{
	long left = READ_ONCE(t->expires) - jiffies;

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

static void xtcp_timer_info(const struct sock *sk, const char **name,
			    unsigned long *ms)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	*name = "off";
	*ms = 0;
	if (timer_pending(&xs->retrans_timer)) {
		*name = READ_ONCE(xs->pending) == XTCP_TIME_PROBE ?
			"persist" : "retrans";
		*ms = xtcp_timer_left_ms(&xs->retrans_timer);
	} else if (timer_pending(&xs->delack_timer)) {
		*name = "delack";
		*ms = xtcp_timer_left_ms(&xs->delack_timer);
	} else if (timer_pending(&xs->life_timer)) {
		*name = sk->sk_state == TCP_FIN_WAIT2 ? "timewait" : "keepalive";
		*ms = xtcp_timer_left_ms(&xs->life_timer);
	}
}

static void xtcp_sock_row(struct seq_file *seq, struct sock *sk, int sl)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	int state = inet_sk_state_load(sk);
	u32 txq = 0, rxq = 0;
	const char *timer;
	unsigned long ms;

	if (state == TCP_LISTEN) {
		rxq = READ_ONCE(sk->sk_ack_backlog);
	} else {
		txq = READ_ONCE(xs->write_seq) - READ_ONCE(xs->snd_una);
		rxq = READ_ONCE(xs->rcv_nxt) - READ_ONCE(xs->copied_seq);
	}
	xtcp_timer_info(sk, &timer, &ms);
	seq_printf(seq, "%d %pI4:%u %pI4:%u %s %u %u %s %lu %u %u %lu\n",
		   sl, &inet->inet_rcv_saddr, ntohs(inet->inet_sport),
		   &inet->inet_daddr, ntohs(inet->inet_dport),
		   xtcp_state_name(state), txq, rxq, timer, ms,
		   READ_ONCE(xs->retransmits),
		   from_kuid_munged(seq_user_ns(seq), sk->sk_uid),
		   sock_i_ino(sk));
}

/*
 * /proc/net/xtcp/sockets walks lhash, then ehash, then twhash, one bucket
 * at a time, as Linux's /proc/net/tcp does (listening_get_first(),
 * established_get_first()): the table lock is held only while the walk
 * is inside a bucket, and empty buckets are skipped without it, so a
 * reader never keeps the receive path or a connect() off the tables for
 * longer than one chain takes. The lock is held exactly while the
 * iterator returns an entry; the entry is valid until the next call.
 * For sparse, the iterator holds the lock from start to stop, and the
 * steps where it does not really hold it say so with __acquire() and
 * __release().
 */
enum {
	XTCP_SEQ_LHASH,
	XTCP_SEQ_EHASH,
	XTCP_SEQ_TWHASH,
	XTCP_SEQ_END,
};

/**
 * struct xtcp_seq_state - where a read of /proc/net/xtcp/sockets is
 * @p: the namespace; must be first
 * @table: XTCP_SEQ_* table being walked
 * @bucket: bucket of @table being walked
 * @offset: entries of @bucket before the current one
 * @sl: row number of the current entry
 * @last_pos: position of the current entry, for the next read to resume
 *	there without walking the tables from the start
 */
struct xtcp_seq_state {
	struct seq_net_private p;
	int table;
	unsigned int bucket;
	int offset;
	int sl;
	loff_t last_pos;
};

static unsigned int xtcp_seq_buckets(const struct xtcp_net *xn, int table)
{
	return table == XTCP_SEQ_LHASH ? ARRAY_SIZE(xn->lhash) :
					 xn->ehash_mask + 1;
}

static bool xtcp_seq_bucket_empty(const struct xtcp_net *xn, int table,
				  unsigned int bucket)
{
	switch (table) {
	case XTCP_SEQ_LHASH:
		return hlist_nulls_empty(&xn->lhash[bucket]);
	case XTCP_SEQ_EHASH:
		return hlist_nulls_empty(&xn->ehash[bucket]);
	default:
		return hlist_empty(&xn->twhash[bucket]);
	}
}

/* Entry @n of a bucket, with the table lock held */
static void *xtcp_seq_nth(struct xtcp_net *xn, int table, unsigned int bucket,
			  int n)
{
	struct hlist_nulls_head *head;
	struct hlist_nulls_node *node;
	struct xtcp_tw *tw;
	struct sock *sk;

	lockdep_assert_held(&xn->lock);
	if (table == XTCP_SEQ_TWHASH) {
		hlist_for_each_entry(tw, &xn->twhash[bucket], node)
			if (n-- == 0)
				return tw;
		return NULL;
	}
	head = table == XTCP_SEQ_LHASH ? &xn->lhash[bucket] :
					 &xn->ehash[bucket];
	sk_nulls_for_each(sk, node, head)
		if (n-- == 0)
			return sk;
	return NULL;
}

/*
 * The entry @skip of the first bucket holding one from the state's table
 * and bucket on, with the table lock taken; NULL, unlocked, at the end.
 */
static void *xtcp_seq_from(struct seq_file *seq, int skip)
	__acquires(&xn->lock)
{
	struct xtcp_seq_state *st = seq->private;
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));
	void *v;

	for (; st->table < XTCP_SEQ_END; st->table++, st->bucket = 0) {
		for (; st->bucket < xtcp_seq_buckets(xn, st->table);
		     st->bucket++, skip = 0) {
			if (xtcp_seq_bucket_empty(xn, st->table, st->bucket))
				continue;
			spin_lock_bh(&xn->lock);
			v = xtcp_seq_nth(xn, st->table, st->bucket, skip);
			if (v) {
				st->offset = skip;
				return v;
			}
			spin_unlock_bh(&xn->lock);
		}
		skip = 0;
	}
	__acquire(&xn->lock);
	return NULL;
}

/* The entry after @v, leaving its bucket (and the lock) when it is last */
static void *xtcp_seq_after(struct seq_file *seq, void *v)
	__must_hold(&xn->lock)
{
	struct xtcp_seq_state *st = seq->private;
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));
	void *next;

	if (st->table == XTCP_SEQ_TWHASH)
		next = hlist_entry_safe(((struct xtcp_tw *)v)->node.next,
					struct xtcp_tw, node);
	else
		next = sk_nulls_next(v);
	st->sl++;
	if (next) {
		st->offset++;
		return next;
	}
	spin_unlock_bh(&xn->lock);
	st->bucket++;
	return xtcp_seq_from(seq, 0);
}

static void *xtcp_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(&xn->lock)
{
	struct xtcp_seq_state *st = seq->private;
	loff_t n;
	void *v;

	/* Where the last read stopped: its bucket, and the offset in it */
	if (*pos && *pos == st->last_pos)
		return xtcp_seq_from(seq, st->offset);
	st->table = XTCP_SEQ_LHASH;
	st->bucket = 0;
	st->offset = 0;
	st->sl = 0;
	st->last_pos = *pos;
	if (!*pos) {
		__acquire(&xn->lock);
		return SEQ_START_TOKEN;
	}
	v = xtcp_seq_from(seq, 0);
	for (n = *pos - 1; v && n; n--)
		v = xtcp_seq_after(seq, v);
	return v;
}

static void *xtcp_seq_next(struct seq_file *seq, void *v, loff_t *pos)
	__must_hold(&xn->lock)
{
	struct xtcp_seq_state *st = seq->private;

	++*pos;
	st->last_pos = *pos;
	if (v == SEQ_START_TOKEN) {
		__release(&xn->lock);
		return xtcp_seq_from(seq, 0);
	}
	return xtcp_seq_after(seq, v);
}

static void xtcp_seq_stop(struct seq_file *seq, void *v)
	__releases(&xn->lock)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_net(seq));

	if (v && v != SEQ_START_TOKEN)
		spin_unlock_bh(&xn->lock);
	else
		__release(&xn->lock);
}

static void xtcp_tw_row(struct seq_file *seq, struct xtcp_tw *tw, int sl)
{
	seq_printf(seq, "%d %pI4:%u %pI4:%u TIME_WAIT 0 0 timewait %lu 0 0 0\n",
		   sl, &tw->saddr, ntohs(tw->sport), &tw->daddr,
		   ntohs(tw->dport), xtcp_tw_left_ms(tw));
}

static int xtcp_seq_show(struct seq_file *seq, void *v)
{
	struct xtcp_seq_state *st = seq->private;

	if (v == SEQ_START_TOKEN)
		seq_puts(seq, "sl local_address remote_address state tx_queue rx_queue timer expires_ms retransmits uid inode\n");
	else if (st->table == XTCP_SEQ_TWHASH)
		xtcp_tw_row(seq, v, st->sl);
	else
		xtcp_sock_row(seq, v, st->sl);
	/* A listener's requests follow it, under its row number */
	if (st->table == XTCP_SEQ_LHASH && v != SEQ_START_TOKEN)
		xtcp_req_rows(seq, v, st->sl);
	return 0;
}

static const struct seq_operations xtcp_seq_ops = {
	.start	= xtcp_seq_start,
	.next	= xtcp_seq_next,
	.stop	= xtcp_seq_stop,
	.show	= xtcp_seq_show,
};

/**
 * xtcp_proc_init_net() - create /proc/net/xtcp in a namespace
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_proc_init_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xn->proc_dir = proc_net_mkdir(net, "xtcp", net->proc_net);
	if (!xn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("snmp", 0444, xn->proc_dir,
				    xtcp_snmp_show, NULL) ||
	    !proc_create_net("sockets", 0444, xn->proc_dir, &xtcp_seq_ops,
			     sizeof(struct xtcp_seq_state))) {
		remove_proc_subtree("xtcp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_proc_exit_net() - remove /proc/net/xtcp of a namespace
 * @net: the namespace
 */
void xtcp_proc_exit_net(struct net *net)
{
	remove_proc_subtree("xtcp", net->proc_net);
}
