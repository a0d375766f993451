// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp requests: handshakes in SYN_RECV held without a socket.
 *
 * A SYN to a listener leaves a struct xtcp_request, a few hundred bytes,
 * in the listener's request table; its timer retransmits the SYN-ACK and
 * drops it after synack_retries (RFC 9293 3.10.7.2, RFC 6298 for the
 * backoff). Only the ACK that completes the handshake costs a socket
 * (listen.c). A SYN flood thus fills a table of small entries, bounded by
 * max_syn_backlog, and beyond it SYN cookies take over (syncookies.c).
 *
 * The table and the request queue count (syn_qlen) belong to the
 * listener's queue_lock. Every request in the table holds a reference for
 * the table and one for its pending timer, as TCP's request_sock: whoever
 * takes a request out of the table drops the first and, by deleting the
 * timer, the second.
 */

#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/seq_file.h>
#include <linux/jhash.h>
#include <net/ip.h>

#include "xtcp.h"

static struct kmem_cache *xtcp_req_cachep __read_mostly;

/**
 * xtcp_req_cache_init() - create the slab of requests
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_req_cache_init(void)
{
	xtcp_req_cachep = kmem_cache_create("xtcp_request",
					    sizeof(struct xtcp_request), 0,
					    SLAB_HWCACHE_ALIGN, NULL);
	return xtcp_req_cachep ? 0 : -ENOMEM;
}

/**
 * xtcp_req_cache_exit() - destroy the slab, once every request is freed
 */
void xtcp_req_cache_exit(void)
{
	kmem_cache_destroy(xtcp_req_cachep);
}

/**
 * xtcp_req_put() - drop a reference on a request
 * @req: the request
 *
 * The last reference frees it and releases its listener.
 */
void xtcp_req_put(struct xtcp_request *req)
{
	if (!refcount_dec_and_test(&req->refcnt))
		return;
	sock_put(req->listener);
	kmem_cache_free(xtcp_req_cachep, req);
}

/**
 * xtcp_req_table_alloc() - give a new listener its request table
 * @sk: the socket entering LISTEN
 *
 * Sized for max_syn_backlog requests at two per bucket.
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_req_table_alloc(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned int n = XTCP_SYSCTL(sk, max_syn_backlog) / 2;
	struct hlist_head *table;

	n = roundup_pow_of_two(clamp(n, 16U, 65536U));
	table = kvcalloc(n, sizeof(*table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	spin_lock_bh(&xs->queue_lock);
	xs->req_hash = table;
	xs->req_hash_mask = n - 1;
	spin_unlock_bh(&xs->queue_lock);
	return 0;
}

/**
 * xtcp_req_table_free() - free a listener's request table
 * @sk: the socket, no longer in LISTEN, its requests purged
 */
void xtcp_req_table_free(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct hlist_head *table;

	spin_lock_bh(&xs->queue_lock);
	table = xs->req_hash;
	xs->req_hash = NULL;
	xs->req_hash_mask = 0;
	spin_unlock_bh(&xs->queue_lock);
	kvfree(table);
}

static struct hlist_head *xtcp_req_bucket(const struct xtcp_sock *lxs,
					  __be32 raddr, __be16 rport)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(&lxs->inet.sk));
	u32 h = jhash_2words((__force u32)raddr, (__force u32)rport,
			     (u32)xn->cookie_key.key[1]);

	return &lxs->req_hash[h & lxs->req_hash_mask];
}

/* Take @req out of its listener's table; under the listener's queue_lock */
static void xtcp_req_unhash_locked(struct xtcp_request *req)
{
	struct xtcp_sock *lxs = xtcp_sk(req->listener);

	lockdep_assert_held(&lxs->queue_lock);
	hlist_del_init(&req->node);
	lxs->syn_qlen--;
}

/*
 * The table's and the timer's references of a request just taken out of
 * the table. Not from the request's own timer.
 */
static void xtcp_req_release(struct xtcp_request *req)
{
	if (del_timer_sync(&req->timer))
		xtcp_req_put(req);
	xtcp_req_put(req);
}

/**
 * xtcp_req_unlink() - take a request out of its listener's table and
 *	release it
 * @req: the request, found by xtcp_req_find(); the finder's reference
 *	stays the caller's
 *
 * Return: true, or false when someone else took it out first.
 */
bool xtcp_req_unlink(struct xtcp_request *req)
{
	struct xtcp_sock *lxs = xtcp_sk(req->listener);
	bool unlinked = false;

	spin_lock_bh(&lxs->queue_lock);
	if (!hlist_unhashed(&req->node)) {
		xtcp_req_unhash_locked(req);
		unlinked = true;
	}
	spin_unlock_bh(&lxs->queue_lock);
	if (unlinked)
		xtcp_req_release(req);
	return unlinked;
}

/*
 * RFC 6298 (5.5): each SYN-ACK retransmission doubles the timeout, from
 * rto_initial_ms up to rto_max_ms.
 */
static unsigned long xtcp_req_timeout(const struct xtcp_request *req)
{
	const struct sock *sk = req->listener;
	unsigned long rto = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_initial_ms));

	return min(rto << min_t(u8, req->retrans, 15), xtcp_rto_max(sk));
}

static void xtcp_req_timer_fn(struct timer_list *t)
{
	struct xtcp_request *req = from_timer(req, t, timer);
	struct sock *sk = req->listener;
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct net *net = sock_net(sk);
	bool resend = false;

	spin_lock(&lxs->queue_lock);
	if (hlist_unhashed(&req->node)) {
		/* Taken out meanwhile: only the timer's reference is left */
	} else if (req->retrans >= XTCP_SYSCTL(sk, synack_retries)) {
		xtcp_req_unhash_locked(req);
		/* The table's reference; the timer's is dropped below */
		refcount_dec(&req->refcnt);
	} else {
		req->retrans++;
		refcount_inc(&req->refcnt);
		mod_timer(&req->timer, jiffies + xtcp_req_timeout(req));
		resend = true;
	}
	spin_unlock(&lxs->queue_lock);

	XTCP_INC_STATS(net, XTCP_MIB_TIMEOUTS);
	if (resend) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNRETRANS);
		XTCP_INC_STATS(net, XTCP_MIB_RETRANSSEGS);
		xtcp_req_send_synack(req);
	}
	xtcp_req_put(req);
}

/**
 * xtcp_req_init() - describe the handshake that a SYN opens
 * @req: the request to fill in
 * @sk: the listener
 * @skb: the SYN
 *
 * The peer's options, our ISN (RFC 6528) and the window we offer: the
 * listener's receive buffer at the default payload ratio, unscaled.
 */
void xtcp_req_init(struct xtcp_request *req, struct sock *sk,
		   const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_options opts;
	u64 space;

	xtcp_parse_options(th, &opts);
	req->listener = sk;
	req->laddr = iph->daddr;
	req->raddr = iph->saddr;
	req->lport = th->dest;
	req->rport = th->source;
	req->irs = cb->seq;
	req->iss = xtcp_isn(iph->daddr, iph->saddr, th->dest, th->source);
	req->snd_wnd = ntohs(th->window);
	space = (u64)READ_ONCE(sk->sk_rcvbuf) * XTCP_DEFAULT_RATIO >> 8;
	req->rcv_wnd = min_t(u64, space, U16_MAX);
	req->rx_mss = opts.mss ? max_t(u16, opts.mss, XTCP_MIN_MSS) : 0;
	req->wscale_ok = opts.wscale_ok;
	req->snd_wscale = min_t(u8, opts.wscale, XTCP_MAX_WSCALE);
	/* RFC 7323 3.2: timestamps only when the SYN offers them */
	req->tstamp_ok = opts.tstamp_ok && XTCP_SYSCTL(sk, timestamps);
	req->ts_recent = opts.tsval;
	req->ts_off = xtcp_ts_off(req->laddr, req->raddr, req->lport,
				  req->rport);
	req->ts_cookie = 0;
	req->retrans = 0;
	req->sent_us = xtcp_clock_us();
}

/**
 * xtcp_req_syn() - queue a request for a SYN and send its SYN-ACK
 * @sk: the listener, not locked
 * @skb: the SYN
 *
 * Return: false when no request could be queued (no memory, the listener
 * closed, or the queue filled meanwhile).
 */
bool xtcp_req_syn(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct xtcp_request *req;

	req = kmem_cache_alloc(xtcp_req_cachep, GFP_ATOMIC);
	if (!req)
		return false;
	xtcp_req_init(req, sk, skb);
	timer_setup(&req->timer, xtcp_req_timer_fn, 0);
	/* The table's, the timer's, and ours until the SYN-ACK is out */
	refcount_set(&req->refcnt, 3);
	sock_hold(sk);

	spin_lock(&lxs->queue_lock);
	if (sk->sk_state != TCP_LISTEN || !lxs->req_hash) {
		spin_unlock(&lxs->queue_lock);
		sock_put(sk);
		kmem_cache_free(xtcp_req_cachep, req);
		return false;
	}
	hlist_add_head(&req->node, xtcp_req_bucket(lxs, req->raddr,
						   req->rport));
	lxs->syn_qlen++;
	mod_timer(&req->timer, jiffies + xtcp_req_timeout(req));
	spin_unlock(&lxs->queue_lock);

	xtcp_req_send_synack(req);
	xtcp_req_put(req);
	return true;
}

/**
 * xtcp_req_lookup() - a listener's request for a peer
 * @sk: the listener
 * @laddr: the local address the peer's SYN went to
 * @raddr: the peer's address
 * @rport: the peer's port
 *
 * Return: the request, referenced, or NULL.
 */
struct xtcp_request *xtcp_req_lookup(struct sock *sk, __be32 laddr,
				     __be32 raddr, __be16 rport)
{
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct xtcp_request *req, *found = NULL;

	spin_lock(&lxs->queue_lock);
	if (sk->sk_state != TCP_LISTEN || !lxs->req_hash)
		goto out;
	hlist_for_each_entry(req, xtcp_req_bucket(lxs, raddr, rport), node) {
		if (req->raddr == raddr && req->rport == rport &&
		    req->laddr == laddr) {
			refcount_inc(&req->refcnt);
			found = req;
			break;
		}
	}
out:
	spin_unlock(&lxs->queue_lock);
	return found;
}

/**
 * xtcp_req_purge() - reset and drop every request of a listener that is
 *	closing
 * @sk: the listener, already out of LISTEN, so nothing is added any more,
 *	and with its SYN queue's children taken off
 *
 * Each peer gets a reset at the sequence number it expects, so that a
 * client whose final ACK was lost learns at once, as a child's would.
 */
void xtcp_req_purge(struct sock *sk)
{
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct xtcp_request *req;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	unsigned int i;

	spin_lock_bh(&lxs->queue_lock);
	for (i = 0; lxs->req_hash && i <= lxs->req_hash_mask; i++) {
		hlist_for_each_entry_safe(req, tmp, &lxs->req_hash[i], node) {
			hlist_del(&req->node);
			hlist_add_head(&req->node, &gone);
		}
	}
	lxs->syn_qlen = 0;
	spin_unlock_bh(&lxs->queue_lock);

	hlist_for_each_entry_safe(req, tmp, &gone, node) {
		hlist_del_init(&req->node);
		local_bh_disable();
		xtcp_v4_send_reply(sock_net(sk), req->laddr, req->raddr,
				   req->lport, req->rport, req->iss + 1,
				   req->irs + 1, XTCPHDR_RST | XTCPHDR_ACK, 0);
		local_bh_enable();
		xtcp_req_release(req);
	}
}

static unsigned long xtcp_req_left_ms(const struct xtcp_request *req)
{
	long left = READ_ONCE(req->timer.expires) - jiffies;

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

/**
 * xtcp_req_rows() - a listener's requests in /proc/net/xtcp/sockets
 * @seq: the file
 * @sk: the listener
 * @sl: the listener's row number, which its requests' rows carry too
 *
 * One SYN_RECV row each, with the SYN-ACK timer, as TCP shows its
 * request sockets.
 */
void xtcp_req_rows(struct seq_file *seq, struct sock *sk, int sl)
{
	struct xtcp_sock *lxs = xtcp_sk(sk);
	struct xtcp_request *req;
	unsigned int i;

	spin_lock_bh(&lxs->queue_lock);
	for (i = 0; lxs->req_hash && i <= lxs->req_hash_mask; i++)
		hlist_for_each_entry(req, &lxs->req_hash[i], node)
			seq_printf(seq, "%d %pI4:%u %pI4:%u SYN_RECV 0 0 retrans %lu %u %u 0\n",
				   sl, &req->laddr, ntohs(req->lport),
				   &req->raddr, ntohs(req->rport),
				   xtcp_req_left_ms(req), req->retrans,
				   from_kuid_munged(seq_user_ns(seq),
						    sk->sk_uid));
	spin_unlock_bh(&lxs->queue_lock);
}
