// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp out-of-order queue: segments that arrived beyond rcv_nxt wait here
 * until the hole before them is filled (RFC 9293 3.10.7.4, seventh check:
 * "segments with higher beginning sequence numbers may be held for later
 * processing").
 *
 * The queue is an rbtree keyed by sequence number, as Linux TCP's, so that
 * a peer sending many segments with holes, in any order, costs O(log n)
 * per segment rather than a walk of the queue. A segment already covered
 * by queued data is dropped (OfoMerge); queued segments that a new one
 * covers are freed (OfoMerge); a segment that starts where a queued one
 * ends is merged into it when skb_try_coalesce() can do so cheaply; a
 * partial overlap is kept and trimmed when the data moves to the receive
 * queue. Every queued skb is charged to the socket's receive memory
 * (skb_set_owner_r()); under memory pressure the queue is pruned from its
 * far end first (OfoPruned), as tcp_prune_ofo_queue() does.
 *
 * Everything here runs with the socket locked (bh_lock_sock or owned).
 */

#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <net/sock.h>

#include "xtcp.h"

static void xtcp_ofo_free(struct sock *sk, struct sk_buff *skb,
			  enum skb_drop_reason reason)
{
	atomic_inc(&sk->sk_drops);
	kfree_skb_reason(skb, reason);
}

/*
 * Append @from to @to when it starts where @to ends: the payload moves
 * into @to (its head or pages stolen when possible), @to takes over the
 * extra truesize, and @from is freed. @to is owned by @sk, @from not yet.
 * Return: true when @from was merged and freed.
 */
static bool xtcp_ofo_coalesce(struct sock *sk, struct sk_buff *to,
			      struct sk_buff *from)
{
	struct xtcp_skb_cb *tcb = XTCP_SKB_CB(to);
	const struct xtcp_skb_cb *fcb = XTCP_SKB_CB(from);
	bool fragstolen;
	int delta;

	/* A FIN ends the stream: nothing goes after it */
	if (fcb->seq != tcb->end_seq || (tcb->flags & XTCPHDR_FIN))
		return false;
	if (!skb_try_coalesce(to, from, &fragstolen, &delta))
		return false;
	atomic_add(delta, &sk->sk_rmem_alloc);
	sk_mem_charge(sk, delta);
	tcb->end_seq = fcb->end_seq;
	tcb->flags |= fcb->flags;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUED);
	kfree_skb_partial(from, fragstolen);
	return true;
}

/* Free the segments after @skb that it covers; @skb becomes the last if none follows */
static void xtcp_ofo_merge_right(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 end_seq = XTCP_SKB_CB(skb)->end_seq;
	struct sk_buff *next;

	while ((next = skb_rb_next(skb))) {
		if (!xtcp_after(end_seq, XTCP_SKB_CB(next)->seq) ||
		    xtcp_before(end_seq, XTCP_SKB_CB(next)->end_seq))
			break;
		rb_erase(&next->rbnode, &xs->ofo_queue);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
		xtcp_ofo_free(sk, next, SKB_DROP_REASON_TCP_OFOMERGE);
	}
	if (!next)
		xs->ofo_last = skb;
}

/**
 * xtcp_ofo_insert() - queue a segment that starts beyond rcv_nxt
 * @sk: the socket
 * @skb: the segment, its header pulled, its memory scheduled
 *	(xtcp_rmem_schedule()) but not yet charged to @sk
 * @reason: set when the segment is dropped
 *
 * As tcp_data_queue_ofo(): appending after the last queued segment, the
 * common case, needs no lookup; otherwise the rbtree is walked once, and
 * overlaps are settled on the way.
 *
 * Return: true when the skb was queued or merged into a queued one (it
 * is consumed), false when it must be dropped (all its data is queued
 * already).
 */
bool xtcp_ofo_insert(struct sock *sk, struct sk_buff *skb,
		     enum skb_drop_reason *reason)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 seq = XTCP_SKB_CB(skb)->seq, end_seq = XTCP_SKB_CB(skb)->end_seq;
	struct rb_node **p = &xs->ofo_queue.rb_node, *parent = NULL;
	struct sk_buff *skb1;

	if (RB_EMPTY_ROOT(&xs->ofo_queue))
		goto insert;

	skb1 = xs->ofo_last;
	if (xtcp_ofo_coalesce(sk, skb1, skb))
		return true;
	if (!xtcp_before(seq, XTCP_SKB_CB(skb1)->end_seq)) {
		parent = &skb1->rbnode;
		p = &parent->rb_right;
		goto insert;
	}

	while (*p) {
		parent = *p;
		skb1 = rb_to_skb(parent);
		if (xtcp_before(seq, XTCP_SKB_CB(skb1)->seq)) {
			p = &parent->rb_left;
			continue;
		}
		if (xtcp_before(seq, XTCP_SKB_CB(skb1)->end_seq)) {
			if (!xtcp_after(end_seq, XTCP_SKB_CB(skb1)->end_seq)) {
				/* All of it is queued already */
				XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
				*reason = SKB_DROP_REASON_TCP_OFOMERGE;
				return false;
			}
			if (seq == XTCP_SKB_CB(skb1)->seq) {
				/* @skb covers @skb1: it takes its place */
				rb_replace_node(&skb1->rbnode, &skb->rbnode,
						&xs->ofo_queue);
				skb_set_owner_r(skb, sk);
				XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUED);
				XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOMERGE);
				xtcp_ofo_free(sk, skb1,
					      SKB_DROP_REASON_TCP_OFOMERGE);
				xtcp_ofo_merge_right(sk, skb);
				return true;
			}
			/* A partial overlap, trimmed when it is drained */
		} else if (xtcp_ofo_coalesce(sk, skb1, skb)) {
			xtcp_ofo_merge_right(sk, skb1);
			return true;
		}
		p = &parent->rb_right;
	}
insert:
	rb_link_node(&skb->rbnode, parent, p);
	rb_insert_color(&skb->rbnode, &xs->ofo_queue);
	skb_set_owner_r(skb, sk);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOQUEUED);
	xtcp_ofo_merge_right(sk, skb);
	return true;
}

/**
 * xtcp_ofo_drain() - move segments that became in-sequence to the
 *	receive queue
 * @sk: the socket, rcv_nxt just advanced
 *
 * Segments wholly below rcv_nxt (their data came again in order) are
 * freed; one that overlaps rcv_nxt is trimmed by xtcp_queue_in_order().
 * A FIN among them ends the stream and empties the queue.
 */
void xtcp_ofo_drain(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&xs->ofo_queue))) {
		if (xtcp_after(XTCP_SKB_CB(skb)->seq, xs->rcv_nxt))
			break;
		rb_erase(&skb->rbnode, &xs->ofo_queue);
		if (skb == xs->ofo_last)
			xs->ofo_last = NULL;
		/* The rbtree node overlaid the device pointer */
		skb->dev = NULL;
		if (!xtcp_after(XTCP_SKB_CB(skb)->end_seq, xs->rcv_nxt)) {
			xtcp_ofo_free(sk, skb, SKB_DROP_REASON_TCP_OFO_DROP);
			continue;
		}
		if (!xtcp_queue_in_order(sk, skb))
			kfree_skb(skb);
	}
}

/**
 * xtcp_ofo_prune() - free out-of-order data from the far end to make room
 * @sk: the socket
 * @in_skb: the segment that needs the room; queued segments that start
 *	before it are kept (they are closer to being useful)
 *
 * As tcp_prune_ofo_queue(): segments go from the highest sequence down,
 * an eighth of SO_RCVBUF at a time, until the socket is within SO_RCVBUF
 * and the namespace is not under memory pressure, or nothing beyond
 * @in_skb is left. The data freed is still unacknowledged, so the peer
 * sends it again.
 *
 * Return: true when something was freed.
 */
bool xtcp_ofo_prune(struct sock *sk, const struct sk_buff *in_skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = xs->ofo_last, *prev;
	bool pruned = false;
	int goal;

	if (!skb)
		return false;
	goal = READ_ONCE(sk->sk_rcvbuf) >> 3;
	while (skb) {
		if (!xtcp_after(XTCP_SKB_CB(skb)->seq, XTCP_SKB_CB(in_skb)->seq))
			break;
		if (!pruned)
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OFOPRUNED);
		pruned = true;
		prev = skb_rb_prev(skb);
		rb_erase(&skb->rbnode, &xs->ofo_queue);
		goal -= skb->truesize;
		xtcp_ofo_free(sk, skb, SKB_DROP_REASON_TCP_OFO_QUEUE_PRUNE);
		skb = prev;
		if (goal <= 0) {
			if (atomic_read(&sk->sk_rmem_alloc) <=
			    READ_ONCE(sk->sk_rcvbuf) &&
			    !sk_under_memory_pressure(sk))
				break;
			goal = READ_ONCE(sk->sk_rcvbuf) >> 3;
		}
	}
	xs->ofo_last = RB_EMPTY_ROOT(&xs->ofo_queue) ? NULL :
		       skb_rb_last(&xs->ofo_queue);
	return pruned;
}

/**
 * xtcp_ofo_purge() - free the whole out-of-order queue
 * @sk: the socket
 */
void xtcp_ofo_purge(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb;

	while ((skb = skb_rb_first(&xs->ofo_queue))) {
		rb_erase(&skb->rbnode, &xs->ofo_queue);
		kfree_skb(skb);
	}
	xs->ofo_last = NULL;
}
