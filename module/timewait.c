// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp TIME_WAIT (RFC 9293 section 3.6).
 *
 * A connection entering TIME_WAIT gives up its socket and leaves a small
 * struct xtcp_tw that keeps the 4-tuple and the sequence numbers for
 * 2 x MSL on its own kernel timer. The entry re-acknowledges a
 * retransmitted FIN (restarting the timer), lets a new SYN with a higher
 * sequence number reopen the 4-tuple (RFC 6191), and holds its local port
 * against bind() without SO_REUSEADDR. Entries are hashed by 4-tuple for
 * the receive path (RCU) and by port for bind conflicts, both under
 * xtcp_net.lock, and freed after an RCU grace period.
 */

#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/tcp.h>

#include "xtcp.h"

static struct kmem_cache *xtcp_tw_cachep __read_mostly;

/**
 * xtcp_tw_cache_init() - create the slab of TIME_WAIT entries
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_tw_cache_init(void)
{
	xtcp_tw_cachep = kmem_cache_create("xtcp_tw", sizeof(struct xtcp_tw),
					   0, SLAB_HWCACHE_ALIGN, NULL);
	return xtcp_tw_cachep ? 0 : -ENOMEM;
}

/**
 * xtcp_tw_cache_exit() - destroy the slab, once every entry is freed
 */
void xtcp_tw_cache_exit(void)
{
	kmem_cache_destroy(xtcp_tw_cachep);
}

static struct hlist_head *xtcp_tw_bucket(struct xtcp_net *xn, __be32 laddr,
					 __be16 lport, __be32 raddr,
					 __be16 rport)
{
	return &xn->twhash[xtcp_ehashfn(xn, laddr, lport, raddr, rport)];
}

static struct hlist_head *xtcp_tw_bind_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->tw_bhash[xtcp_bhashfn(xn, port)];
}

static unsigned long xtcp_tw_timeout(struct net *net)
{
	return msecs_to_jiffies(2 * READ_ONCE(xtcp_pernet(net)->sysctl.msl_ms));
}

static void xtcp_tw_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(xtcp_tw_cachep, container_of(head, struct xtcp_tw, rcu));
}

/**
 * xtcp_tw_put() - drop a reference on a TIME_WAIT entry
 * @tw: the entry
 */
void xtcp_tw_put(struct xtcp_tw *tw)
{
	if (refcount_dec_and_test(&tw->refcnt))
		call_rcu(&tw->rcu, xtcp_tw_free_rcu);
}

/* Take an entry out of the tables; the caller holds xtcp_net.lock */
static bool xtcp_tw_unhash_locked(struct xtcp_tw *tw)
{
	lockdep_assert_held(&xtcp_pernet(tw->net)->lock);
	if (hlist_unhashed(&tw->node))
		return false;
	hlist_del_init_rcu(&tw->node);
	hlist_del_init(&tw->bind_node);
	del_timer(&tw->timer);
	xtcp_pernet(tw->net)->tw_count--;
	return true;
}

/* End an entry early or on time; drops the tables' reference */
static bool xtcp_tw_kill(struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(tw->net);
	bool killed;

	spin_lock_bh(&xn->lock);
	killed = xtcp_tw_unhash_locked(tw);
	spin_unlock_bh(&xn->lock);
	if (killed)
		xtcp_tw_put(tw);
	return killed;
}

static void xtcp_tw_timer_fn(struct timer_list *t)
{
	struct xtcp_tw *tw = from_timer(tw, t, timer);
	struct net *net = tw->net;

	if (xtcp_tw_kill(tw))
		XTCP_INC_STATS(net, XTCP_MIB_TIMEWAITEXPIRED);
}

/* Restart the 2 MSL timer, unless the entry is already gone */
static void xtcp_tw_restart(struct xtcp_tw *tw)
{
	struct xtcp_net *xn = xtcp_pernet(tw->net);

	spin_lock_bh(&xn->lock);
	if (!hlist_unhashed(&tw->node))
		mod_timer(&tw->timer, jiffies + xtcp_tw_timeout(tw->net));
	spin_unlock_bh(&xn->lock);
}

/**
 * xtcp_time_wait() - move a connection to TIME_WAIT
 * @sk: the socket, locked, that received the peer's FIN with its own FIN
 *	acknowledged; it is closed afterwards
 *
 * When no entry can be allocated, or the namespace already has
 * max_tw_buckets of them (TWOverflow), the connection closes at once, as
 * TCP's does when its TIME_WAIT table overflows.
 */
void xtcp_time_wait(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	const struct xtcp_sock *xs = xtcp_sk(sk);
	const struct inet_sock *inet = inet_sk(sk);
	struct xtcp_tw *tw;

	sock_owned_by_me(sk);
	WARN_ON_ONCE(!((1 << sk->sk_state) & (TCPF_FIN_WAIT2 | TCPF_CLOSING)));
	tw = kmem_cache_alloc(xtcp_tw_cachep, GFP_ATOMIC);
	if (tw) {
		tw->net = sock_net(sk);
		tw->saddr = inet->inet_rcv_saddr;
		tw->daddr = inet->inet_daddr;
		tw->sport = inet->inet_sport;
		tw->dport = inet->inet_dport;
		tw->snd_nxt = xs->snd_nxt;
		tw->rcv_nxt = xs->rcv_nxt;
		tw->window = min_t(u32, xs->rcv_wnd >> xs->rcv_wscale, U16_MAX);
		tw->reuse = sk->sk_reuse;
		refcount_set(&tw->refcnt, 1);
		timer_setup(&tw->timer, xtcp_tw_timer_fn, 0);

		spin_lock_bh(&xn->lock);
		if (xn->tw_count >= READ_ONCE(xn->sysctl.max_tw_buckets)) {
			spin_unlock_bh(&xn->lock);
			kmem_cache_free(xtcp_tw_cachep, tw);
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TWOVERFLOW);
			net_info_ratelimited("xtcp: time wait bucket table overflow\n");
			xtcp_done(sk);
			return;
		}
		xn->tw_count++;
		hlist_add_head_rcu(&tw->node,
				   xtcp_tw_bucket(xn, tw->saddr, tw->sport,
						  tw->daddr, tw->dport));
		hlist_add_head(&tw->bind_node,
			       xtcp_tw_bind_bucket(xn, ntohs(tw->sport)));
		mod_timer(&tw->timer, jiffies + xtcp_tw_timeout(tw->net));
		spin_unlock_bh(&xn->lock);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEWAITENTERED);
	}
	xtcp_done(sk);
}

/**
 * xtcp_tw_lookup() - find the TIME_WAIT entry a segment belongs to
 * @net: namespace the segment arrived in
 * @saddr: segment's source address
 * @sport: segment's source port
 * @daddr: segment's destination address
 * @dport: segment's destination port
 *
 * Return: the entry with a reference held, or NULL.
 */
struct xtcp_tw *xtcp_tw_lookup(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct xtcp_tw *tw, *found = NULL;

	rcu_read_lock();
	hlist_for_each_entry_rcu(tw, xtcp_tw_bucket(xn, daddr, dport, saddr,
						    sport), node) {
		if (tw->saddr == daddr && tw->sport == dport &&
		    tw->daddr == saddr && tw->dport == sport) {
			if (refcount_inc_not_zero(&tw->refcnt))
				found = tw;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static void xtcp_tw_send_ack(struct xtcp_tw *tw)
{
	xtcp_v4_send_reply(tw->net, tw->saddr, tw->daddr, tw->sport, tw->dport,
			   tw->snd_nxt, tw->rcv_nxt, XTCPHDR_ACK, tw->window);
}

/**
 * xtcp_tw_rcv() - a segment for a connection in TIME_WAIT
 * @tw: the entry, referenced by the caller
 * @skb: the segment; not consumed
 *
 * RFC 9293 3.10.7.4 in TIME_WAIT: a retransmitted FIN is acknowledged and
 * restarts the 2 MSL timeout; an exact RST ends the entry; a SYN with a
 * sequence number above the old connection's reopens the 4-tuple
 * (RFC 6191); anything else carrying sequence space is acknowledged.
 *
 * Return: true when the segment is a SYN the caller must now hand to the
 * listener.
 */
bool xtcp_tw_rcv(struct xtcp_tw *tw, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (cb->flags & XTCPHDR_RST) {
		if (cb->seq == tw->rcv_nxt)
			xtcp_tw_kill(tw);
		return false;
	}
	if ((cb->flags & XTCPHDR_SYN) && !(cb->flags & XTCPHDR_ACK)) {
		if (xtcp_after(cb->seq, tw->rcv_nxt)) {
			xtcp_tw_kill(tw);
			return true;
		}
		xtcp_tw_send_ack(tw);
		return false;
	}
	if ((cb->flags & XTCPHDR_FIN) && cb->end_seq == tw->rcv_nxt) {
		xtcp_tw_restart(tw);
		xtcp_tw_send_ack(tw);
		return false;
	}
	if (cb->seq != cb->end_seq || cb->seq != tw->rcv_nxt)
		xtcp_tw_send_ack(tw);
	return false;
}

/**
 * xtcp_tw_tuple_in_use() - is a 4-tuple held by a TIME_WAIT entry?
 * @xn: the namespace, its lock held
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: true when the 4-tuple cannot be reused yet.
 */
bool xtcp_tw_tuple_in_use(struct xtcp_net *xn, __be32 laddr, __be16 lport,
			  __be32 raddr, __be16 rport)
{
	struct xtcp_tw *tw;

	lockdep_assert_held(&xn->lock);
	hlist_for_each_entry(tw, xtcp_tw_bucket(xn, laddr, lport, raddr, rport),
			     node)
		if (tw->saddr == laddr && tw->sport == lport &&
		    tw->daddr == raddr && tw->dport == rport)
			return true;
	return false;
}

/**
 * xtcp_tw_port_conflict() - does a TIME_WAIT entry keep @sk off a port?
 * @xn: the namespace, its lock held
 * @sk: the socket being bound, its local address set
 * @port: the port
 *
 * As with TCP, SO_REUSEADDR on both sides lets a socket bind a port that
 * TIME_WAIT entries hold.
 *
 * Return: true on conflict.
 */
bool xtcp_tw_port_conflict(struct xtcp_net *xn, const struct sock *sk,
			   u16 port)
{
	__be32 addr = sk->sk_rcv_saddr;
	struct xtcp_tw *tw;

	lockdep_assert_held(&xn->lock);
	hlist_for_each_entry(tw, xtcp_tw_bind_bucket(xn, port), bind_node) {
		if (ntohs(tw->sport) != port)
			continue;
		if (addr && tw->saddr != addr)
			continue;
		if (!(sk->sk_reuse && tw->reuse))
			return true;
	}
	return false;
}

/**
 * xtcp_tw_left_ms() - time left on an entry's 2 MSL timer
 * @tw: the entry
 *
 * Return: milliseconds.
 */
unsigned long xtcp_tw_left_ms(const struct xtcp_tw *tw)
{
	long left = READ_ONCE(tw->timer.expires) - jiffies;

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

/**
 * xtcp_tw_purge() - end every TIME_WAIT entry of a namespace
 * @net: the namespace, going away (or the module is)
 */
void xtcp_tw_purge(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct hlist_node *tmp;
	struct xtcp_tw *tw;
	unsigned int i;
	HLIST_HEAD(dead);

	spin_lock_bh(&xn->lock);
	for (i = 0; i <= xn->bhash_mask; i++) {
		hlist_for_each_entry_safe(tw, tmp, &xn->tw_bhash[i], bind_node) {
			xtcp_tw_unhash_locked(tw);
			hlist_add_head(&tw->bind_node, &dead);
		}
	}
	spin_unlock_bh(&xn->lock);

	hlist_for_each_entry_safe(tw, tmp, &dead, bind_node) {
		hlist_del(&tw->bind_node);
		del_timer_sync(&tw->timer);
		xtcp_tw_put(tw);
	}
}
