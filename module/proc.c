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

static int xtcp_sockets_show(struct seq_file *seq, void *v)
{
	struct xtcp_net *xn = xtcp_pernet(seq_file_single_net(seq));
	struct hlist_nulls_node *node;
	struct xtcp_tw *tw;
	struct sock *sk;
	unsigned int i;
	int sl = 0;

	seq_puts(seq, "sl local_address remote_address state tx_queue rx_queue timer expires_ms retransmits uid inode\n");
	spin_lock_bh(&xn->lock);
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		sk_nulls_for_each(sk, node, &xn->lhash[i])
			xtcp_sock_row(seq, sk, sl++);
	for (i = 0; i <= xn->ehash_mask; i++)
		sk_nulls_for_each(sk, node, &xn->ehash[i])
			xtcp_sock_row(seq, sk, sl++);
	for (i = 0; i <= xn->ehash_mask; i++)
		hlist_for_each_entry(tw, &xn->twhash[i], node)
			seq_printf(seq, "%d %pI4:%u %pI4:%u TIME_WAIT 0 0 timewait %lu 0 0 0\n",
				   sl++, &tw->saddr, ntohs(tw->sport),
				   &tw->daddr, ntohs(tw->dport),
				   xtcp_tw_left_ms(tw));
	spin_unlock_bh(&xn->lock);
	return 0;
}

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
	    !proc_create_net_single("sockets", 0444, xn->proc_dir,
				    xtcp_sockets_show, NULL)) {
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
