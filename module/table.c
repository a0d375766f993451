// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp socket tables: port binding, listeners and connections.
 *
 * Each namespace has three hash tables. bhash holds every socket that owns
 * a local port (through sk_bind_node) and decides bind conflicts. lhash
 * holds listeners by local port and ehash holds connections by 4-tuple,
 * both through sk_nulls_node, so a socket is in at most one of them.
 * Writers take xtcp_net.lock; the receive path looks up lhash and ehash
 * under RCU. Sockets are freed after an RCU grace period (SOCK_RCU_FREE),
 * so a socket the walk is on stays valid memory; since a socket may move
 * to another chain meanwhile, every chain ends in a nulls marker naming
 * it, and a walk that ends elsewhere starts again.
 */

#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/rculist_nulls.h>
#include <linux/mm.h>
#include <net/ip.h>

#include "xtcp.h"

static u32 xtcp_hash_rnd __read_mostly;

/**
 * xtcp_table_init() - allocate and initialise a namespace's tables
 * @xn: the namespace's xtcp state
 * @ehash_entries: buckets of the connection and TIME_WAIT tables, a power
 *	of two
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_table_init(struct xtcp_net *xn, unsigned int ehash_entries)
{
	unsigned int i;

	if (!xtcp_hash_rnd)
		xtcp_hash_rnd = get_random_u32() | 1;
	xn->ehash = kvcalloc(ehash_entries, sizeof(*xn->ehash), GFP_KERNEL);
	xn->twhash = kvcalloc(ehash_entries, sizeof(*xn->twhash), GFP_KERNEL);
	if (!xn->ehash || !xn->twhash) {
		xtcp_table_exit(xn);
		return -ENOMEM;
	}
	xn->ehash_mask = ehash_entries - 1;
	spin_lock_init(&xn->lock);
	for (i = 0; i < ehash_entries; i++) {
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i], i);
		INIT_HLIST_HEAD(&xn->twhash[i]);
	}
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i], XTCP_LHASH_NULLS_BASE + i);
	for (i = 0; i < ARRAY_SIZE(xn->bhash); i++)
		INIT_HLIST_HEAD(&xn->bhash[i]);
	for (i = 0; i < ARRAY_SIZE(xn->tw_bhash); i++)
		INIT_HLIST_HEAD(&xn->tw_bhash[i]);
	return 0;
}

/**
 * xtcp_table_exit() - free a namespace's tables, all empty by now
 * @xn: the namespace's xtcp state
 */
void xtcp_table_exit(struct xtcp_net *xn)
{
	kvfree(xn->ehash);
	kvfree(xn->twhash);
	xn->ehash = NULL;
	xn->twhash = NULL;
}

/**
 * xtcp_ehashfn() - the bucket of a 4-tuple in the connection and
 *	TIME_WAIT tables
 * @xn: the namespace's xtcp state
 * @laddr: local address
 * @lport: local port
 * @raddr: remote address
 * @rport: remote port
 *
 * Return: the bucket number, keyed by a secret chosen at module load.
 */
unsigned int xtcp_ehashfn(const struct xtcp_net *xn, __be32 laddr,
			  __be16 lport, __be32 raddr, __be16 rport)
{
	u32 h = jhash_3words((__force u32)laddr, (__force u32)raddr,
			     ((__force u32)lport << 16) | (__force u32)rport,
			     xtcp_hash_rnd);

	return h & xn->ehash_mask;
}

static bool xtcp_dev_match(int bound_dev_if, int dif, int sdif)
{
	return !bound_dev_if || bound_dev_if == dif || bound_dev_if == sdif;
}

static bool xtcp_ehash_match(const struct sock *sk, __be32 laddr,
			     __be16 lport, __be32 raddr, __be16 rport)
{
	const struct inet_sock *inet = inet_sk(sk);

	return inet->inet_rcv_saddr == laddr && inet->inet_sport == lport &&
	       inet->inet_daddr == raddr && inet->inet_dport == rport;
}

static struct hlist_nulls_head *xtcp_ehash_bucket(struct xtcp_net *xn,
						  __be32 laddr, __be16 lport,
						  __be32 raddr, __be16 rport)
{
	return &xn->ehash[xtcp_ehashfn(xn, laddr, lport, raddr, rport)];
}

static unsigned int xtcp_lhash_slot(u16 port)
{
	return port & ((1 << XTCP_LHASH_BITS) - 1);
}

static struct hlist_nulls_head *xtcp_lhash_bucket(struct xtcp_net *xn,
						  u16 port)
{
	return &xn->lhash[xtcp_lhash_slot(port)];
}

static struct hlist_head *xtcp_bhash_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->bhash[port & (ARRAY_SIZE(xn->bhash) - 1)];
}

/*
 * As inet_bind_conflict(): two sockets collide on a port when their local
 * addresses overlap and they are bound to the same device or one of them
 * to none.
 */
static bool xtcp_addr_overlap(const struct sock *a, const struct sock *b)
{
	__be32 x = a->sk_rcv_saddr, y = b->sk_rcv_saddr;

	if (a->sk_bound_dev_if && b->sk_bound_dev_if &&
	    a->sk_bound_dev_if != b->sk_bound_dev_if)
		return false;
	return !x || !y || x == y;
}

/*
 * As Linux TCP: two sockets may share a port when their local addresses
 * differ, or when both set SO_REUSEADDR and the other one is not
 * listening.
 */
static bool xtcp_bind_conflict(struct xtcp_net *xn, const struct sock *sk,
			       u16 port)
{
	struct sock *sk2;

	lockdep_assert_held(&xn->lock);
	sk_for_each_bound(sk2, xtcp_bhash_bucket(xn, port)) {
		if (sk2 == sk || inet_sk(sk2)->inet_num != port)
			continue;
		if (!xtcp_addr_overlap(sk, sk2))
			continue;
		if (sk->sk_reuse && sk2->sk_reuse && sk2->sk_state != TCP_LISTEN)
			continue;
		return true;
	}
	return xtcp_tw_port_conflict(xn, sk, port);
}

static bool xtcp_port_in_use(struct xtcp_net *xn, u16 port)
{
	struct sock *sk2;

	sk_for_each_bound(sk2, xtcp_bhash_bucket(xn, port))
		if (inet_sk(sk2)->inet_num == port)
			return true;
	return false;
}

static bool xtcp_tuple_in_use(struct xtcp_net *xn, __be32 laddr,
			      __be16 lport, __be32 raddr, __be16 rport)
{
	struct hlist_nulls_node *node;
	struct sock *sk2;

	lockdep_assert_held(&xn->lock);
	sk_nulls_for_each(sk2, node, xtcp_ehash_bucket(xn, laddr, lport, raddr,
						       rport))
		if (xtcp_ehash_match(sk2, laddr, lport, raddr, rport))
			return true;
	return xtcp_tw_tuple_in_use(xn, laddr, lport, raddr, rport);
}

static void xtcp_bhash_add(struct xtcp_net *xn, struct sock *sk, u16 port)
{
	lockdep_assert_held(&xn->lock);
	inet_sk(sk)->inet_num = port;
	inet_sk(sk)->inet_sport = htons(port);
	hlist_add_head(&sk->sk_bind_node, xtcp_bhash_bucket(xn, port));
}

/*
 * Pick a free port from the namespace's ephemeral range, starting at a
 * random offset. @fits tells whether a candidate is acceptable.
 */
static u16 xtcp_pick_port(struct xtcp_net *xn, struct sock *sk,
			  bool (*fits)(struct xtcp_net *, struct sock *, u16))
{
	int low, high;
	u32 range, off, i;

	inet_get_local_port_range(sock_net(sk), &low, &high);
	range = high - low + 1;
	off = get_random_u32_below(range);
	for (i = 0; i < range; i++) {
		u16 port = low + (off + i) % range;

		if (inet_is_local_reserved_port(sock_net(sk), port))
			continue;
		if (fits(xn, sk, port))
			return port;
	}
	return 0;
}

static bool xtcp_port_fits_bind(struct xtcp_net *xn, struct sock *sk, u16 port)
{
	return !xtcp_port_in_use(xn, port) &&
	       !xtcp_tw_port_conflict(xn, sk, port);
}

static bool xtcp_port_fits_connect(struct xtcp_net *xn, struct sock *sk,
				   u16 port)
{
	const struct inet_sock *inet = inet_sk(sk);

	return !xtcp_port_in_use(xn, port) &&
	       !xtcp_tuple_in_use(xn, inet->inet_saddr, htons(port),
				  inet->inet_daddr, inet->inet_dport);
}

/**
 * xtcp_bind_port() - give a socket a local port
 * @sk: the socket, not yet bound; its local address is already set
 * @port: the port, or 0 for an ephemeral one
 *
 * Return: 0, or -EADDRINUSE when the port is taken (or none is free).
 */
int xtcp_bind_port(struct sock *sk, u16 port)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	int err = 0;

	spin_lock_bh(&xn->lock);
	if (!port)
		port = xtcp_pick_port(xn, sk, xtcp_port_fits_bind);
	if (!port || xtcp_bind_conflict(xn, sk, port))
		err = -EADDRINUSE;
	else
		xtcp_bhash_add(xn, sk, port);
	spin_unlock_bh(&xn->lock);
	return err;
}

/**
 * xtcp_unbind_port() - release a socket's local port
 * @sk: the socket
 */
void xtcp_unbind_port(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	spin_lock_bh(&xn->lock);
	if (!hlist_unhashed(&sk->sk_bind_node))
		hlist_del_init(&sk->sk_bind_node);
	inet_sk(sk)->inet_num = 0;
	inet_sk(sk)->inet_sport = 0;
	spin_unlock_bh(&xn->lock);
}

/**
 * xtcp_listen_hash() - put a bound socket in LISTEN and make it findable
 * @sk: the socket, bound
 *
 * Return: 0, or -EADDRINUSE when another socket listens on an
 * overlapping address and the same port.
 */
int xtcp_listen_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	u16 port = inet_sk(sk)->inet_num;
	struct sock *sk2;
	int err = 0;

	spin_lock_bh(&xn->lock);
	sk_for_each_bound(sk2, xtcp_bhash_bucket(xn, port)) {
		if (sk2 != sk && inet_sk(sk2)->inet_num == port &&
		    sk2->sk_state == TCP_LISTEN && xtcp_addr_overlap(sk, sk2)) {
			err = -EADDRINUSE;
			goto out;
		}
	}
	xtcp_state_store(sk, TCP_LISTEN);
	sock_hold(sk);
	__sk_nulls_add_node_rcu(sk, xtcp_lhash_bucket(xn, port));
out:
	spin_unlock_bh(&xn->lock);
	return err;
}

/**
 * xtcp_connect_hash() - enter a connecting socket in the connection table
 * @sk: the socket, with its addresses and remote port set; an unbound
 *	socket gets an ephemeral port here
 *
 * Return: 0, -EADDRNOTAVAIL when the 4-tuple is taken or no port is free.
 */
int xtcp_connect_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	int err = 0;

	spin_lock_bh(&xn->lock);
	if (!inet->inet_num) {
		u16 port = xtcp_pick_port(xn, sk, xtcp_port_fits_connect);

		if (!port) {
			err = -EADDRNOTAVAIL;
			goto out;
		}
		xtcp_bhash_add(xn, sk, port);
	} else if (xtcp_tuple_in_use(xn, inet->inet_saddr, inet->inet_sport,
				     inet->inet_daddr, inet->inet_dport)) {
		err = -EADDRNOTAVAIL;
		goto out;
	}
	sock_hold(sk);
	__sk_nulls_add_node_rcu(sk, xtcp_ehash_bucket(xn, inet->inet_saddr,
						      inet->inet_sport,
						      inet->inet_daddr,
						      inet->inet_dport));
out:
	spin_unlock_bh(&xn->lock);
	return err;
}

/**
 * xtcp_ehash_child() - enter a listener's new child in the tables
 * @child: the child, sharing its listener's port
 *
 * Return: 0, or -EEXIST when a connection with the same 4-tuple exists.
 */
int xtcp_ehash_child(struct sock *child)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(child));
	struct inet_sock *inet = inet_sk(child);

	spin_lock(&xn->lock);
	if (xtcp_tuple_in_use(xn, inet->inet_saddr, inet->inet_sport,
			      inet->inet_daddr, inet->inet_dport)) {
		spin_unlock(&xn->lock);
		return -EEXIST;
	}
	hlist_add_head(&child->sk_bind_node,
		       xtcp_bhash_bucket(xn, inet->inet_num));
	sock_hold(child);
	__sk_nulls_add_node_rcu(child, xtcp_ehash_bucket(xn, inet->inet_saddr,
							 inet->inet_sport,
							 inet->inet_daddr,
							 inet->inet_dport));
	spin_unlock(&xn->lock);
	return 0;
}

/**
 * xtcp_unhash() - remove a socket from lhash or ehash
 * @sk: the socket; its table reference is dropped
 */
void xtcp_unhash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	bool hashed;

	spin_lock_bh(&xn->lock);
	hashed = __sk_nulls_del_node_init_rcu(sk);
	spin_unlock_bh(&xn->lock);
	if (hashed)
		__sock_put(sk);
}

/**
 * xtcp_lookup_established() - find the connection a segment belongs to
 * @net: namespace the segment arrived in
 * @saddr: segment's source address
 * @sport: segment's source port
 * @daddr: segment's destination address
 * @dport: segment's destination port
 * @dif: the device the segment arrived on
 * @sdif: the layer 3 master device (VRF) it arrived through, or 0
 *
 * A connection bound to a device (SO_BINDTODEVICE) only matches segments
 * that arrived on it, as INET_MATCH(). A socket can leave its chain for
 * another while the walk is on it (a disconnected socket connecting
 * again), so the walk restarts when it ends in another chain's nulls
 * marker, and the keys are checked again once a reference is held (as
 * __inet_lookup_established()).
 *
 * Return: the socket with a reference held, or NULL.
 */
struct sock *xtcp_lookup_established(struct net *net, __be32 saddr,
				     __be16 sport, __be32 daddr, __be16 dport,
				     int dif, int sdif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	unsigned int slot = xtcp_ehashfn(xn, daddr, dport, saddr, sport);
	struct hlist_nulls_node *node;
	struct sock *sk;

	rcu_read_lock();
begin:
	sk_nulls_for_each_rcu(sk, node, &xn->ehash[slot]) {
		if (!xtcp_ehash_match(sk, daddr, dport, saddr, sport) ||
		    !xtcp_dev_match(READ_ONCE(sk->sk_bound_dev_if), dif, sdif))
			continue;
		if (unlikely(!refcount_inc_not_zero(&sk->sk_refcnt)))
			goto begin;
		if (unlikely(!xtcp_ehash_match(sk, daddr, dport, saddr,
					       sport) ||
			     !xtcp_dev_match(READ_ONCE(sk->sk_bound_dev_if),
					     dif, sdif))) {
			sock_put(sk);
			goto begin;
		}
		goto found;
	}
	if (get_nulls_value(node) != slot)
		goto begin;
	sk = NULL;
found:
	rcu_read_unlock();
	return sk;
}

/*
 * How well a listener fits a segment, as compute_score(): -1 when it does
 * not; a listener bound to the address beats one on INADDR_ANY, and
 * between those, one bound to the device beats one bound to none.
 */
#define XTCP_LISTENER_BEST	3

static int xtcp_listener_score(const struct sock *sk, __be32 daddr, u16 port,
			       int dif, int sdif)
{
	const struct inet_sock *inet = inet_sk(sk);
	int bound_dev_if = READ_ONCE(sk->sk_bound_dev_if);
	int score = 0;

	if (inet->inet_num != port)
		return -1;
	if (inet->inet_rcv_saddr) {
		if (inet->inet_rcv_saddr != daddr)
			return -1;
		score += 2;
	}
	if (bound_dev_if) {
		if (!xtcp_dev_match(bound_dev_if, dif, sdif))
			return -1;
		score++;
	}
	return score;
}

/**
 * xtcp_lookup_listener() - find the listener for a segment
 * @net: namespace the segment arrived in
 * @daddr: segment's destination address
 * @dport: segment's destination port
 * @dif: the device the segment arrived on
 * @sdif: the layer 3 master device (VRF) it arrived through, or 0
 *
 * A listener bound to @daddr is preferred to one bound to INADDR_ANY, and
 * one bound to the device (SO_BINDTODEVICE) to one bound to none; one
 * bound to another device does not match. The walk restarts as in
 * xtcp_lookup_established().
 *
 * Return: the listener with a reference held, or NULL.
 */
struct sock *xtcp_lookup_listener(struct net *net, __be32 daddr, __be16 dport,
				  int dif, int sdif)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	u16 port = ntohs(dport);
	unsigned int slot = xtcp_lhash_slot(port);
	struct hlist_nulls_node *node;
	struct sock *sk, *best;
	int score, hiscore;

	rcu_read_lock();
begin:
	best = NULL;
	hiscore = -1;
	sk_nulls_for_each_rcu(sk, node, &xn->lhash[slot]) {
		score = xtcp_listener_score(sk, daddr, port, dif, sdif);
		if (score <= hiscore)
			continue;
		best = sk;
		hiscore = score;
		if (score == XTCP_LISTENER_BEST)
			goto exact;
	}
	if (get_nulls_value(node) != XTCP_LHASH_NULLS_BASE + slot)
		goto begin;
exact:
	if (best) {
		if (unlikely(!refcount_inc_not_zero(&best->sk_refcnt)))
			goto begin;
		if (unlikely(xtcp_listener_score(best, daddr, port, dif,
						 sdif) != hiscore ||
			     inet_sk_state_load(best) != TCP_LISTEN)) {
			sock_put(best);
			goto begin;
		}
	}
	rcu_read_unlock();
	return best;
}
