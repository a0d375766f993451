// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp listeners: the SYN queue, the accept queue and child sockets.
 *
 * A SYN to a listener creates a child socket in SYN_RECV at once (a clone
 * of the listener), enters it in the connection table and puts it on the
 * listener's SYN queue; the child then retransmits its SYN-ACK on its own
 * timer. The final ACK of the handshake finds the child in the connection
 * table, and the child moves to the accept queue. Both queues are bounded
 * by the listen() backlog.
 *
 * A child on a queue holds a reference on its listener, and the queue
 * holds a reference on the child. Whoever takes a child off a queue
 * (accept, the listener's close, the child's own failure) takes over both
 * references, under the listener's queue_lock.
 */

#include <linux/tcp.h>
#include <net/ip.h>

#include "xtcp.h"

/**
 * xtcp_listen_start() - move a socket to LISTEN
 * @sk: the socket, locked, in CLOSE
 * @backlog: the listen() backlog
 *
 * An unbound socket gets an ephemeral port, as with TCP.
 *
 * Return: 0 or a negative errno.
 */
int xtcp_listen_start(struct sock *sk, int backlog)
{
	int err;

	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	sk->sk_ack_backlog = 0;
	if (!inet_sk(sk)->inet_num) {
		err = xtcp_bind_port(sk, 0);
		if (err)
			return err;
	}
	err = xtcp_listen_hash(sk);
	if (err && !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		xtcp_unbind_port(sk);
	return err;
}

static void xtcp_child_abort(struct sock *child, struct sock *parent)
{
	local_bh_disable();
	bh_lock_sock(child);
	if ((1 << child->sk_state) & (TCPF_SYN_RECV | TCPF_ESTABLISHED |
				      TCPF_CLOSE_WAIT))
		xtcp_send_active_reset(child, GFP_ATOMIC);
	xtcp_forget(child);
	bh_unlock_sock(child);
	local_bh_enable();
	xtcp_kill_timers(child);
	sock_put(parent);
	sock_put(child);
}

/**
 * xtcp_listen_stop() - close a listener and reset its unaccepted children
 * @sk: the listener, locked
 */
void xtcp_listen_stop(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sock *cxs, *tmp;
	LIST_HEAD(children);

	spin_lock_bh(&xs->queue_lock);
	xtcp_state_store(sk, TCP_CLOSE);
	list_splice_init(&xs->syn_queue, &children);
	list_splice_init(&xs->accept_queue, &children);
	list_for_each_entry(cxs, &children, queue_node)
		cxs->parent = NULL;
	xs->syn_qlen = 0;
	WRITE_ONCE(sk->sk_ack_backlog, 0);
	spin_unlock_bh(&xs->queue_lock);

	xtcp_unhash(sk);
	list_for_each_entry_safe(cxs, tmp, &children, queue_node) {
		list_del_init(&cxs->queue_node);
		xtcp_child_abort(&cxs->inet.sk, sk);
	}
}

/*
 * Set up a fresh clone of @parent as the passive end of the connection
 * that @skb (a SYN) opens, per RFC 9293 3.10.7.2.
 */
static int xtcp_child_init(struct sock *child, struct sock *parent,
			   struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(child);
	struct inet_sock *inet = inet_sk(child);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	int err;

	INIT_HLIST_NODE(&child->sk_bind_node);
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	atomic_set(&inet->inet_id, get_random_u16());
	inet->inet_daddr = iph->saddr;
	inet->inet_dport = th->source;
	inet->inet_saddr = iph->daddr;
	child->sk_rcv_saddr = iph->daddr;
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;
	child->sk_state = TCP_SYN_RECV;

	xtcp_init_sock(child);
	xtcp_rcv_syn_options(child, skb);
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->snd_wnd = ntohs(th->window);
	xs->snd_wl1 = cb->seq;
	xs->iss = xtcp_isn(iph->daddr, iph->saddr, th->dest, th->source);
	xs->ts_off = xtcp_ts_off(iph->daddr, iph->saddr, th->dest, th->source);
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss + 1;
	xs->segs_in = 1;

	err = xtcp_route(child);
	if (err)
		return err;
	xtcp_synchronize(child);
	return xtcp_ehash_child(child);
}

/* Drop a child that never became visible to anyone but its creator */
static void xtcp_child_discard(struct sock *child)
	__releases(&child->sk_lock.slock)
{
	xtcp_forget(child);
	bh_unlock_sock(child);
	sock_put(child);
	sock_put(child);
}

/*
 * RFC 9293 3.10.7.2, LISTEN state, a SYN: create the child, queue it and
 * answer with SYN-ACK. Called without the listener's lock; the listener's
 * queue_lock orders this against listen() and close().
 */
static void xtcp_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	struct sock *child;
	u32 limit;

	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		goto drop;
	}
	limit = max_t(u32, READ_ONCE(sk->sk_max_ack_backlog), 8);
	if (READ_ONCE(xs->syn_qlen) >= limit)
		goto drop;

	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		goto drop;
	/* sk_clone_lock() returns the child bh-locked */
	__acquire(&child->sk_lock.slock);
	if (xtcp_child_init(child, sk, skb)) {
		xtcp_child_discard(child);
		goto drop;
	}

	spin_lock(&xs->queue_lock);
	if (sk->sk_state != TCP_LISTEN) {
		spin_unlock(&xs->queue_lock);
		xtcp_child_discard(child);
		goto drop;
	}
	sock_hold(sk);
	xtcp_sk(child)->parent = sk;
	list_add_tail(&xtcp_sk(child)->queue_node, &xs->syn_queue);
	xs->syn_qlen++;
	spin_unlock(&xs->queue_lock);

	XTCP_INC_STATS(net, XTCP_MIB_PASSIVEOPENS);
	xtcp_sk(child)->syn_sent_us = xtcp_clock_us();
	xtcp_send_synack(child);
	xtcp_reset_retrans_timer(child, xtcp_sk(child)->rto);
	bh_unlock_sock(child);
	sock_put(child);
	return;
drop:
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
}

/**
 * xtcp_listen_rcv() - a segment for a listener (RFC 9293 3.10.7.2)
 * @sk: the listener, referenced, not locked
 * @skb: the segment; consumed
 *
 * Return: 0.
 */
int xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	u8 flags = XTCP_SKB_CB(skb)->flags;

	if (flags & XTCPHDR_RST)
		goto out;
	if (flags & XTCPHDR_ACK) {
		xtcp_v4_send_reset(sock_net(sk), skb);
		goto out;
	}
	if ((flags & XTCPHDR_SYN) && !(flags & XTCPHDR_FIN))
		xtcp_listen_syn(sk, skb);
out:
	consume_skb(skb);
	return 0;
}

/**
 * xtcp_child_established() - the handshake of a child completed
 * @child: the child, locked, in SYN_RECV, on its listener's SYN queue
 *
 * Moves the child to ESTABLISHED and to the accept queue and wakes the
 * listener. When the accept queue is full the ACK is dropped and the child
 * stays in SYN_RECV, so that its SYN-ACK is retransmitted later.
 *
 * Return: 0, -ENOBUFS (accept queue full) or -ECONNABORTED (listener gone).
 */
int xtcp_child_established(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;
	struct xtcp_sock *pxs;

	sock_owned_by_me(child);
	if (!parent)
		return -ECONNABORTED;
	pxs = xtcp_sk(parent);
	spin_lock(&pxs->queue_lock);
	if (!xs->parent) {
		spin_unlock(&pxs->queue_lock);
		return -ECONNABORTED;
	}
	if (sk_acceptq_is_full(parent)) {
		spin_unlock(&pxs->queue_lock);
		XTCP_INC_STATS(sock_net(child), XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(sock_net(child), XTCP_MIB_LISTENDROPS);
		return -ENOBUFS;
	}
	xtcp_set_state(child, TCP_ESTABLISHED);
	xtcp_keepalive_start(child);
	list_move_tail(&xs->queue_node, &pxs->accept_queue);
	pxs->syn_qlen--;
	sk_acceptq_added(parent);
	spin_unlock(&pxs->queue_lock);
	parent->sk_data_ready(parent);
	return 0;
}

/**
 * xtcp_child_drop() - forget a child that failed in SYN_RECV
 * @child: the child, locked
 *
 * Used when its SYN-ACK retries run out or a reset arrives. If the child
 * is still on its listener's SYN queue it is taken off it here; otherwise
 * the listener's close already owns it.
 */
void xtcp_child_drop(struct sock *child)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct sock *parent = xs->parent;
	bool owned = false;

	if (parent) {
		struct xtcp_sock *pxs = xtcp_sk(parent);

		spin_lock(&pxs->queue_lock);
		if (xs->parent) {
			list_del_init(&xs->queue_node);
			pxs->syn_qlen--;
			xs->parent = NULL;
			owned = true;
		}
		spin_unlock(&pxs->queue_lock);
	}
	xtcp_forget(child);
	if (owned) {
		sock_put(parent);
		sock_put(child);
	}
}

/*
 * Wait for a connection on the accept queue; the same loop as
 * inet_csk_wait_for_connect().
 */
static int xtcp_accept_wait_queue(struct sock *sk, long timeo)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	DEFINE_WAIT(wait);
	int err;

	for (;;) {
		prepare_to_wait_exclusive(sk_sleep(sk), &wait,
					  TASK_INTERRUPTIBLE);
		release_sock(sk);
		if (list_empty(&xs->accept_queue))
			timeo = schedule_timeout(timeo);
		sched_annotate_sleep();
		lock_sock(sk);
		err = 0;
		if (!list_empty(&xs->accept_queue))
			break;
		err = -EINVAL;
		if (sk->sk_state != TCP_LISTEN)
			break;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			break;
		err = -EAGAIN;
		if (!timeo)
			break;
	}
	finish_wait(sk_sleep(sk), &wait);
	return err;
}

/**
 * xtcp_accept_wait() - take a connection off a listener's accept queue
 * @sk: the listener
 * @flags: file flags of the listening socket (O_NONBLOCK)
 * @err: set to a negative errno when no connection is returned
 *
 * Return: the child, with the queue's reference, or NULL.
 */
struct sock *xtcp_accept_wait(struct sock *sk, int flags, int *err)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_sock *cxs = NULL;

	lock_sock(sk);
	*err = -EINVAL;
	if (sk->sk_state != TCP_LISTEN)
		goto out;
	if (list_empty(&xs->accept_queue)) {
		long timeo = sock_rcvtimeo(sk, flags & O_NONBLOCK);

		*err = -EAGAIN;
		if (!timeo)
			goto out;
		*err = xtcp_accept_wait_queue(sk, timeo);
		if (*err)
			goto out;
	}
	spin_lock_bh(&xs->queue_lock);
	cxs = list_first_entry_or_null(&xs->accept_queue, struct xtcp_sock,
				       queue_node);
	if (cxs) {
		list_del_init(&cxs->queue_node);
		cxs->parent = NULL;
		sk_acceptq_removed(sk);
	}
	spin_unlock_bh(&xs->queue_lock);
	if (cxs) {
		*err = 0;
		__sock_put(sk);
	} else {
		*err = -EAGAIN;
	}
out:
	release_sock(sk);
	return cxs ? &cxs->inet.sk : NULL;
}
