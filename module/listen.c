// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp listeners: the SYN queue, the accept queue and child sockets.
 *
 * A SYN to a listener leaves a small request (request.c) that answers
 * with SYN-ACK and retransmits it; when the SYN queue is full, a SYN
 * cookie (syncookies.c) answers instead and nothing is kept. The ACK that
 * completes a handshake, of a request or of a valid cookie, creates the
 * child socket (a clone of the listener) in SYN_RECV, enters it in the
 * connection table and on the SYN queue, and the child processes that ACK
 * at once: it moves to ESTABLISHED and to the accept queue. Both queues
 * are bounded by the listen() backlog, the SYN queue by max_syn_backlog
 * too.
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
	err = xtcp_req_table_alloc(sk);
	if (err)
		return err;
	if (!inet_sk(sk)->inet_num) {
		err = xtcp_bind_port(sk, 0);
		if (err)
			goto free_table;
	}
	err = xtcp_listen_hash(sk);
	if (!err)
		return 0;
	if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
		xtcp_unbind_port(sk);
free_table:
	xtcp_req_table_free(sk);
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
	xtcp_req_purge(sk);
	xtcp_req_table_free(sk);
	list_for_each_entry_safe(cxs, tmp, &children, queue_node) {
		list_del_init(&cxs->queue_node);
		xtcp_child_abort(&cxs->inet.sk, sk);
	}
}

/*
 * Set up a fresh clone of @parent as the passive end of the handshake
 * that @req describes, per RFC 9293 3.10.7.2: its SYN-ACK is out, and the
 * ACK that completes it is about to be processed by the child.
 */
static int xtcp_child_init(struct sock *child, struct sock *parent,
			   const struct xtcp_request *req)
{
	struct xtcp_sock *xs = xtcp_sk(child);
	struct inet_sock *inet = inet_sk(child);
	int err;

	INIT_HLIST_NODE(&child->sk_bind_node);
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_list = NULL;
	atomic_set(&inet->inet_id, get_random_u16());
	inet->inet_daddr = req->raddr;
	inet->inet_dport = req->rport;
	inet->inet_saddr = req->laddr;
	child->sk_rcv_saddr = req->laddr;
	child->sk_ack_backlog = 0;
	child->sk_max_ack_backlog = 0;
	child->sk_state = TCP_SYN_RECV;

	xtcp_init_sock(child);
	xs->rx_mss = req->rx_mss;
	xs->wscale_ok = req->wscale_ok;
	xs->snd_wscale = req->snd_wscale;
	/* Before the route: the MSS leaves room for the timestamps */
	xs->tstamp_ok = req->tstamp_ok;
	xs->ts_recent = req->ts_recent;
	xs->ts_recent_stamp = (u32)ktime_get_seconds();
	xs->ts_off = req->ts_off;
	xs->irs = req->irs;
	xs->rcv_nxt = req->irs + 1;
	xs->snd_wnd = req->snd_wnd;
	xs->snd_wl1 = req->irs;
	xs->iss = req->iss;
	xs->snd_una = req->iss;
	xs->snd_nxt = req->iss + 1;
	xs->segs_in = 1;
	xs->segs_out = 1 + req->retrans;
	xs->total_retrans = req->retrans;
	xs->retransmits = req->retrans;
	xs->backoff = req->retrans;
	xs->syn_sent_us = req->sent_us;

	err = xtcp_route(child);
	if (err)
		return err;
	xtcp_synchronize(child);
	xs->rcv_wnd = req->rcv_wnd;
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
 * The handshake of @req completes: create its child socket, in SYN_RECV
 * on the listener's SYN queue, with the SYN-ACK timer of the request
 * still running should the ACK not be taken after all.
 *
 * Return: the child, unlocked, with a reference for the caller; or NULL.
 */
static struct sock *xtcp_child_create(struct sock *sk,
				      const struct xtcp_request *req)
{
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct sock *child;

	child = sk_clone_lock(sk, GFP_ATOMIC);
	if (!child)
		return NULL;
	/* sk_clone_lock() returns the child bh-locked */
	__acquire(&child->sk_lock.slock);
	if (xtcp_child_init(child, sk, req)) {
		xtcp_child_discard(child);
		return NULL;
	}

	spin_lock(&lxs->queue_lock);
	if (sk->sk_state != TCP_LISTEN) {
		spin_unlock(&lxs->queue_lock);
		xtcp_child_discard(child);
		return NULL;
	}
	sock_hold(sk);
	xtcp_sk(child)->parent = sk;
	list_add_tail(&xtcp_sk(child)->queue_node, &lxs->syn_queue);
	lxs->syn_qlen++;
	spin_unlock(&lxs->queue_lock);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PASSIVEOPENS);
	xtcp_arm_retrans_timer(child);
	bh_unlock_sock(child);
	return child;
}

/* The SYN queue holds at most max(backlog, 8) and max_syn_backlog */
static bool xtcp_syn_queue_full(const struct sock *sk)
{
	u32 limit = max_t(u32, READ_ONCE(sk->sk_max_ack_backlog), 8);

	limit = min_t(u32, limit, XTCP_SYSCTL(sk, max_syn_backlog));
	return READ_ONCE(xtcp_sk(sk)->syn_qlen) >= limit;
}

/* Answer @skb, a SYN, with a SYN cookie and keep nothing (RFC 4987 3.6) */
static void xtcp_listen_cookie_synack(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_request req;
	u16 mss;

	xtcp_req_init(&req, sk, skb);
	req.iss = xtcp_cookie_make(sk, skb, &mss);
	req.rx_mss = mss;
	/* Only the timestamp has room for the window scale (syncookies.c) */
	req.ts_cookie = 1;
	if (!req.tstamp_ok) {
		req.wscale_ok = 0;
		req.snd_wscale = 0;
	}
	if (!xtcp_req_send_synack(&req))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SYNCOOKIESSENT);
}

/*
 * RFC 9293 3.10.7.2, LISTEN state, a SYN: keep a request and answer with
 * a SYN-ACK; with the SYN queue full (or syncookies 2), answer with a
 * cookie instead and keep nothing. Called without the listener's lock;
 * its queue_lock orders this against listen() and close().
 */
static void xtcp_listen_syn(struct sock *sk, struct sk_buff *skb)
{
	int cookies = XTCP_SYSCTL(sk, syncookies);
	struct net *net = sock_net(sk);

	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		goto drop;
	}
	if (cookies == 2) {
		xtcp_listen_cookie_synack(sk, skb);
		return;
	}
	if (xtcp_syn_queue_full(sk)) {
		if (!cookies) {
			XTCP_INC_STATS(net, XTCP_MIB_REQQFULLDROP);
			goto drop;
		}
		XTCP_INC_STATS(net, XTCP_MIB_REQQFULLDOCOOKIES);
		xtcp_listen_cookie_synack(sk, skb);
		return;
	}
	if (xtcp_req_syn(sk, skb))
		return;
drop:
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
}

/*
 * A segment for the handshake of @req (RFC 9293 3.10.7.4, SYN_RECV, and
 * RFC 5961): a retransmitted SYN gets the SYN-ACK again, a reset with the
 * exact sequence number ends the request, an ACK of something else gets a
 * reset, and an acceptable ACK completes the handshake, unless the accept
 * queue is full: then it is dropped and the request's timer goes on.
 *
 * Return: the new child, referenced, which is to process @skb; or NULL
 * with @skb used up.
 */
static struct sock *xtcp_req_rcv(struct sock *sk, struct xtcp_request *req,
				 struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct net *net = sock_net(sk);
	struct sock *child;
	u32 rcv_nxt = req->irs + 1;

	if (cb->flags & XTCPHDR_RST) {
		if (cb->seq == rcv_nxt)
			xtcp_req_unlink(req);
		goto out;
	}
	if (cb->flags & XTCPHDR_SYN) {
		if (cb->flags & XTCPHDR_ACK)
			xtcp_v4_send_reset(net, skb);
		else
			xtcp_req_send_synack(req);
		goto out;
	}
	if (!(cb->flags & XTCPHDR_ACK)) {
		XTCP_INC_STATS(net, XTCP_MIB_NOACKDROPS);
		goto out;
	}
	if (cb->ack_seq != req->iss + 1) {
		xtcp_v4_send_reset(net, skb);
		goto out;
	}
	if (xtcp_before(cb->seq, rcv_nxt) ||
	    !xtcp_before(cb->seq, rcv_nxt + max_t(u32, req->rcv_wnd, 1))) {
		XTCP_INC_STATS(net, XTCP_MIB_SEQOUTOFWINDOW);
		xtcp_v4_send_reply(net, req->laddr, req->raddr, req->lport,
				   req->rport, req->iss + 1, rcv_nxt,
				   XTCPHDR_ACK, req->rcv_wnd);
		goto out;
	}
	if (sk_acceptq_is_full(sk)) {
		XTCP_INC_STATS(net, XTCP_MIB_LISTENOVERFLOWS);
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
		goto out;
	}
	if (!xtcp_req_unlink(req))
		goto out;
	child = xtcp_child_create(sk, req);
	if (child)
		return child;
	XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
out:
	consume_skb(skb);
	return NULL;
}

/*
 * An ACK for a listener that has no request for it: the handshake of a
 * SYN cookie completes (RFC 4987 3.6), or it gets a reset.
 */
static struct sock *xtcp_listen_ack(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_request req;
	struct sock *child;

	if (!(XTCP_SKB_CB(skb)->flags & XTCPHDR_SYN) &&
	    xtcp_cookie_check(sk, skb, &req)) {
		if (sk_acceptq_is_full(sk)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENOVERFLOWS);
			goto drop;
		}
		child = xtcp_child_create(sk, &req);
		if (child)
			return child;
drop:
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_LISTENDROPS);
		consume_skb(skb);
		return NULL;
	}
	xtcp_v4_send_reset(sock_net(sk), skb);
	consume_skb(skb);
	return NULL;
}

/**
 * xtcp_listen_rcv() - a segment for a listener (RFC 9293 3.10.7.2)
 * @sk: the listener, referenced, not locked
 * @skb: the segment
 *
 * Return: a new child, referenced, that is to process @skb as any
 * connection's segment; or NULL, and @skb is used up.
 */
struct sock *xtcp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	u8 flags = XTCP_SKB_CB(skb)->flags;
	struct xtcp_request *req;
	struct sock *child;

	req = xtcp_req_lookup(sk, ip_hdr(skb)->daddr, ip_hdr(skb)->saddr,
			      tcp_hdr(skb)->source);
	if (req) {
		child = xtcp_req_rcv(sk, req, skb);
		xtcp_req_put(req);
		return child;
	}
	if (flags & XTCPHDR_RST)
		goto out;
	if (flags & XTCPHDR_ACK)
		return xtcp_listen_ack(sk, skb);
	if ((flags & XTCPHDR_SYN) && !(flags & XTCPHDR_FIN))
		xtcp_listen_syn(sk, skb);
out:
	consume_skb(skb);
	return NULL;
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
