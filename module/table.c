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
#include <linux/siphash.h>
#include <linux/mm.h>
#include <net/ip.h>

#include "xtcp.h"

/*
 * The keys of every table and of the port choice, set once at module
 * init before any namespace exists, so no lookup ever sees them change.
 */
static u32 xtcp_hash_rnd __read_mostly;
static siphash_key_t xtcp_port_key __read_mostly;

/*
 * RFC 6056 section 3.3.4 (Algorithm 4, "Double-Hash Port Selection"):
 * the offset into the ephemeral range comes from a keyed hash of the
 * destination, and a counter picked by the same hash moves it on after
 * each use, so consecutive connections to one destination do not reveal
 * where another destination's ports are. 2^16 counters, as Linux's
 * table_perturb, so that the counters do not leak a host's identity.
 */
#define XTCP_PERTURB_SHIFT	16
static u32 *xtcp_port_perturb __read_mostly;

/**
 * xtcp_hash_init() - choose the tables' secrets, at module init
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_hash_init(void)
{
	xtcp_port_perturb = kvmalloc_array(1 << XTCP_PERTURB_SHIFT,
					   sizeof(*xtcp_port_perturb),
					   GFP_KERNEL);
	if (!xtcp_port_perturb)
		return -ENOMEM;
	get_random_bytes(xtcp_port_perturb,
			 sizeof(*xtcp_port_perturb) << XTCP_PERTURB_SHIFT);
	get_random_bytes(&xtcp_port_key, sizeof(xtcp_port_key));
	xtcp_hash_rnd = get_random_u32();
	return 0;
}

/**
 * xtcp_hash_exit() - free the port counters, at module exit
 */
void xtcp_hash_exit(void)
{
	kvfree(xtcp_port_perturb);
}

/**
 * xtcp_table_init() - allocate and initialise a namespace's tables
 * @xn: the namespace's xtcp state
 * @ehash_entries: buckets of the connection and TIME_WAIT tables, a power
 *	of two; the port tables get a quarter of that, at least 1024 and at
 *	most one per port
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_table_init(struct xtcp_net *xn, unsigned int ehash_entries)
{
	unsigned int bhash_entries = clamp(ehash_entries / 4, 1024U, 65536U);
	unsigned int i;

	xn->ehash = kvcalloc(ehash_entries, sizeof(*xn->ehash), GFP_KERNEL);
	xn->twhash = kvcalloc(ehash_entries, sizeof(*xn->twhash), GFP_KERNEL);
	xn->bhash = kvcalloc(bhash_entries, sizeof(*xn->bhash), GFP_KERNEL);
	xn->tw_bhash = kvcalloc(bhash_entries, sizeof(*xn->tw_bhash),
				GFP_KERNEL);
	if (!xn->ehash || !xn->twhash || !xn->bhash || !xn->tw_bhash) {
		xtcp_table_exit(xn);
		return -ENOMEM;
	}
	xn->ehash_mask = ehash_entries - 1;
	xn->bhash_mask = bhash_entries - 1;
	spin_lock_init(&xn->lock);
	for (i = 0; i < ehash_entries; i++) {
		INIT_HLIST_NULLS_HEAD(&xn->ehash[i], i);
		INIT_HLIST_HEAD(&xn->twhash[i]);
	}
	for (i = 0; i < ARRAY_SIZE(xn->lhash); i++)
		INIT_HLIST_NULLS_HEAD(&xn->lhash[i], XTCP_LHASH_NULLS_BASE + i);
	for (i = 0; i < bhash_entries; i++) {
		INIT_HLIST_HEAD(&xn->bhash[i]);
		INIT_HLIST_HEAD(&xn->tw_bhash[i]);
	}
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
	kvfree(xn->bhash);
	kvfree(xn->tw_bhash);
	xn->ehash = NULL;
	xn->twhash = NULL;
	xn->bhash = NULL;
	xn->tw_bhash = NULL;
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

/**
 * xtcp_bhashfn() - the bucket of a local port in the bind and TIME_WAIT
 *	port tables
 * @xn: the namespace's xtcp state
 * @port: the port
 *
 * Return: the bucket number, keyed as xtcp_ehashfn().
 */
unsigned int xtcp_bhashfn(const struct xtcp_net *xn, u16 port)
{
	return jhash_1word(port, xtcp_hash_rnd) & xn->bhash_mask;
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
	return jhash_1word(port, ~xtcp_hash_rnd) &
	       ((1 << XTCP_LHASH_BITS) - 1);
}

static struct hlist_nulls_head *xtcp_lhash_bucket(struct xtcp_net *xn,
						  u16 port)
{
	return &xn->lhash[xtcp_lhash_slot(port)];
}

static struct hlist_head *xtcp_bhash_bucket(struct xtcp_net *xn, u16 port)
{
	return &xn->bhash[xtcp_bhashfn(xn, port)];
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

/*
 * Is @port held by a socket? With @connect, sockets whose port connect()
 * chose do not count: another connect() may share the port with them when
 * its 4-tuple differs, as with __inet_hash_connect()'s buckets of
 * fastreuse -1.
 */
static bool xtcp_port_in_use(struct xtcp_net *xn, u16 port, bool connect)
{
	struct sock *sk2;

	sk_for_each_bound(sk2, xtcp_bhash_bucket(xn, port))
		if (inet_sk(sk2)->inet_num == port &&
		    !(connect && xtcp_sk(sk2)->connect_bound))
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

static void xtcp_ehash_add(struct xtcp_net *xn, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);

	lockdep_assert_held(&xn->lock);
	sock_hold(sk);
	__sk_nulls_add_node_rcu(sk, xtcp_ehash_bucket(xn, inet->inet_saddr,
						      inet->inet_sport,
						      inet->inet_daddr,
						      inet->inet_dport));
}

/*
 * Take @port for an unbound socket, under the table lock: bind(0) and
 * listen() want a port no one holds; connect() wants one no bind() holds
 * and whose 4-tuple is free, and enters the connection table with it.
 */
static bool xtcp_port_take(struct xtcp_net *xn, struct sock *sk, u16 port,
			   bool connect)
{
	const struct inet_sock *inet = inet_sk(sk);

	lockdep_assert_held(&xn->lock);
	if (xtcp_port_in_use(xn, port, connect))
		return false;
	if (!connect) {
		if (xtcp_tw_port_conflict(xn, sk, port))
			return false;
		xtcp_bhash_add(xn, sk, port);
		return true;
	}
	if (xtcp_tuple_in_use(xn, inet->inet_saddr, htons(port),
			      inet->inet_daddr, inet->inet_dport))
		return false;
	xtcp_bhash_add(xn, sk, port);
	xtcp_sk(sk)->connect_bound = 1;
	xtcp_ehash_add(xn, sk);
	return true;
}

/*
 * Give an unbound socket a port from the namespace's ephemeral range, in
 * process context. The scan starts at @offset and walks one parity, then
 * the other (even offsets first for connect(), odd for bind(), as Linux,
 * so that the two rarely compete); the table lock is taken for one
 * candidate at a time and the scan yields the CPU between candidates, so
 * a full range costs time, never a stall of the receive path.
 *
 * Return: the port taken, with the number of candidates tried in
 * @tried, or 0 when the range is exhausted.
 */
static u16 xtcp_port_scan(struct xtcp_net *xn, struct sock *sk, u32 offset,
			  bool connect, u32 *tried)
{
	struct net *net = sock_net(sk);
	u32 remaining, i, pass;
	int low, high;

	inet_get_local_port_range(net, &low, &high);
	remaining = high - low + 1;
	if (remaining > 1)
		remaining &= ~1U;
	offset %= remaining;
	offset = (offset & ~1U) | (connect ? 0 : 1);
	if (offset >= remaining)
		offset = 0;

	for (pass = 0; pass < 2; pass++, offset ^= 1) {
		for (i = 0; i < remaining; i += 2) {
			u16 port = low + (offset + i) % remaining;
			bool taken;

			if (inet_is_local_reserved_port(net, port))
				continue;
			spin_lock_bh(&xn->lock);
			taken = xtcp_port_take(xn, sk, port, connect);
			spin_unlock_bh(&xn->lock);
			if (taken) {
				*tried = i;
				return port;
			}
			cond_resched();
		}
		if (remaining == 1)
			break;
	}
	return 0;
}

/**
 * xtcp_bind_port() - give a socket a local port
 * @sk: the socket, not yet bound; its local address is already set
 * @port: the port, or 0 for an ephemeral one
 *
 * Context: process context; may sleep when @port is 0.
 * Return: 0, or -EADDRINUSE when the port is taken (or none is free).
 */
int xtcp_bind_port(struct sock *sk, u16 port)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	u32 tried;
	int err = 0;

	if (!port)
		return xtcp_port_scan(xn, sk, get_random_u32(), false,
				      &tried) ? 0 : -EADDRINUSE;

	spin_lock_bh(&xn->lock);
	if (xtcp_bind_conflict(xn, sk, port))
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
	xtcp_sk(sk)->connect_bound = 0;
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

/*
 * RFC 6056 3.3.4: the scan's offset F(laddr, faddr, fport) plus the
 * counter G(laddr, faddr, fport) selects; the counter then moves past the
 * port taken, and on by a random amount so that a peer cannot count the
 * connections of others to the same destination.
 */
static int xtcp_connect_port(struct xtcp_net *xn, struct sock *sk)
{
	const struct inet_sock *inet = inet_sk(sk);
	u32 *perturb;
	u32 tried;
	u64 hash;

	hash = siphash_3u32((__force u32)inet->inet_saddr,
			    (__force u32)inet->inet_daddr,
			    (__force u32)inet->inet_dport, &xtcp_port_key);
	perturb = &xtcp_port_perturb[hash & ((1 << XTCP_PERTURB_SHIFT) - 1)];
	if (!xtcp_port_scan(xn, sk, READ_ONCE(*perturb) + (u32)(hash >> 32),
			    true, &tried))
		return -EADDRNOTAVAIL;
	tried = max(tried, get_random_u32_below(8) * 2);
	WRITE_ONCE(*perturb, READ_ONCE(*perturb) + tried + 2);
	return 0;
}

/**
 * xtcp_connect_hash() - enter a connecting socket in the connection table
 * @sk: the socket, with its addresses and remote port set; an unbound
 *	socket gets an ephemeral port here
 *
 * Context: process context; may sleep when the socket is unbound.
 * Return: 0, -EADDRNOTAVAIL when the 4-tuple is taken or no port is free.
 */
int xtcp_connect_hash(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	int err = 0;

	if (!inet->inet_num)
		return xtcp_connect_port(xn, sk);

	spin_lock_bh(&xn->lock);
	if (xtcp_tuple_in_use(xn, inet->inet_saddr, inet->inet_sport,
			      inet->inet_daddr, inet->inet_dport))
		err = -EADDRNOTAVAIL;
	else
		xtcp_ehash_add(xn, sk);
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
	xtcp_ehash_add(xn, child);
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
