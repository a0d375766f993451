// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp socket life cycle: creation, the state bookkeeping every other file
 * uses, the end of a connection, and the release of what a socket holds.
 *
 * A socket holds a reference for each table it is in (lhash or ehash) and
 * for each armed timer; the user holds the one sk_alloc() gave. Once the
 * user has closed it (SOCK_DEAD) or never had it (a listener's child that
 * was not accepted), a socket that reaches CLOSE gives up its local port
 * at once: nothing else would (RFC 9293 3.10.4; as inet_csk_destroy_sock()).
 */

#include <linux/net.h>
#include <net/ip.h>

#include "xtcp.h"

/**
 * xtcp_set_state() - move a socket to a new state
 * @sk: the socket, locked
 * @state: TCP_* state
 *
 * Keeps CurrEstab, EstabResets and AttemptFails with their RFC 1213
 * meanings, and on CLOSE takes the socket out of the tables and releases
 * its port, unless a user still holds the socket and bound that port; an
 * orphan no longer counts towards max_orphans.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	const int estab = TCPF_ESTABLISHED | TCPF_CLOSE_WAIT;
	int old = sk->sk_state;
	bool was = (1 << old) & estab;
	bool is = (1 << state) & estab;

	sock_owned_by_me(sk);
	if (WARN_ON_ONCE(state < TCP_ESTABLISHED || state > TCP_CLOSING ||
			 state == TCP_TIME_WAIT))
		return;

	if (is && !was)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CURRESTAB);
	else if (was && !is)
		XTCP_DEC_STATS(sock_net(sk), XTCP_MIB_CURRESTAB);

	if (state == TCP_CLOSE) {
		if (was)
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ESTABRESETS);
		else if ((1 << old) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
		xtcp_unhash(sk);
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK) ||
		    sock_flag(sk, SOCK_DEAD))
			xtcp_unbind_port(sk);
		if (xtcp_sk(sk)->orphan_counted) {
			xtcp_sk(sk)->orphan_counted = 0;
			atomic_dec(&xtcp_pernet(sock_net(sk))->orphans);
		}
	}
	xtcp_state_store(sk, state);
}

/**
 * xtcp_done() - a connection is over: CLOSE, no timers, wake the user
 * @sk: the socket, locked
 */
void xtcp_done(struct sock *sk)
{
	xtcp_set_state(sk, TCP_CLOSE);
	xtcp_clear_timers(sk);
	xtcp_write_queue_purge(sk);
	xtcp_ofo_purge(sk);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/**
 * xtcp_forget() - a socket no user will ever hold ends now
 * @sk: the socket, locked: a listener's child that was not accepted
 *
 * The socket is marked dead first, so that xtcp_done() releases its port.
 */
void xtcp_forget(struct sock *sk)
{
	sock_set_flag(sk, SOCK_DEAD);
	xtcp_done(sk);
}

/**
 * xtcp_write_queue_purge() - drop every queued segment, sent or not
 * @sk: the socket
 */
void xtcp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		xtcp_wmem_uncharge(sk, skb);
		kfree_skb(skb);
	}
	xtcp_sk(sk)->send_head = NULL;
}

/**
 * xtcp_init_conn() - the connection state of a socket that has none yet
 * @sk: a new socket, a listener's new child, or a disconnected socket;
 *	its queues empty and its timers stopped
 */
void xtcp_init_conn(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	memset_startat(xs, 0, iss);
	xs->rto = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_initial_ms));
	xs->mss_cache = XTCP_DEFAULT_MSS;
	xs->rcv_ratio = XTCP_DEFAULT_RATIO;
	xtcp_cong_init(xs);
}

/**
 * xtcp_init_sock() - set up the xtcp part of a new or cloned socket
 * @sk: the socket; a clone still carries its listener's copy
 *
 * Queues, locks and timers are initialised and the connection state is
 * cleared; the user's settings stay as they are (a clone inherits them).
 */
void xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	spin_lock_init(&xs->queue_lock);
	INIT_LIST_HEAD(&xs->syn_queue);
	INIT_LIST_HEAD(&xs->accept_queue);
	INIT_LIST_HEAD(&xs->queue_node);
	xs->syn_qlen = 0;
	xs->req_hash = NULL;
	xs->req_hash_mask = 0;
	xs->cookie_stamp = 0;
	xs->parent = NULL;
	xs->ofo_queue = RB_ROOT;
	xs->ofo_last = NULL;
	xtcp_mem_sock_init(sk);
	xtcp_init_timers(sk);
	xtcp_init_conn(sk);
}

static void xtcp_sock_destruct(struct sock *sk)
{
	WARN_ON_ONCE(!hlist_unhashed(&sk->sk_bind_node));
	WARN_ON_ONCE(!hlist_nulls_unhashed(&sk->sk_nulls_node));
	skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);
	xtcp_write_queue_purge(sk);
	skb_queue_purge(&sk->sk_error_queue);
	/* Give the namespace back the pages the socket still holds */
	sk_mem_reclaim_final(sk);
	WARN_ON_ONCE(sk->sk_forward_alloc);
	sk_sockets_allocated_dec(sk);
	dst_release(rcu_dereference_protected(sk->sk_dst_cache, 1));
	RCU_INIT_POINTER(sk->sk_dst_cache, NULL);
}

struct proto xtcp_prot = {
	.name		= "XTCP",
	.owner		= THIS_MODULE,
	.obj_size	= sizeof(struct xtcp_sock),
	.backlog_rcv	= xtcp_backlog_rcv,
	.keepalive	= xtcp_set_keepalive,
	.release_cb	= xtcp_release_cb,
};

/**
 * xtcp_create() - socket(AF_XTCP, SOCK_STREAM, 0)
 * @net: namespace of the new socket
 * @sock: the socket
 * @protocol: 0 or IPPROTO_XTCP
 * @kern: a kernel socket
 *
 * Return: 0, -ESOCKTNOSUPPORT, -EPROTONOSUPPORT or -ENOBUFS, as TCP.
 */
int xtcp_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct inet_sock *inet;
	struct xtcp_sock *xs;
	struct sock *sk;

	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != xtcp_ipproto)
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, xtcp_family, GFP_KERNEL, &xtcp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	sock->state = SS_UNCONNECTED;
	sock->ops = &xtcp_stream_ops;
	sock_init_data(sock, sk);
	sk->sk_protocol = xtcp_ipproto;
	sk->sk_state = TCP_CLOSE;
	sk->sk_destruct = xtcp_sock_destruct;
	sk->sk_backlog_rcv = xtcp_backlog_rcv;
	sk->sk_write_space = xtcp_write_space;
	sock_set_flag(sk, SOCK_RCU_FREE);

	inet = inet_sk(sk);
	inet->uc_ttl = -1;
	inet->pmtudisc = IP_PMTUDISC_WANT;
	atomic_set(&inet->inet_id, get_random_u16());

	xs = xtcp_sk(sk);
	xs->keepalive_time = XTCP_KEEPALIVE_TIME;
	xs->keepalive_intvl = XTCP_KEEPALIVE_INTVL;
	xs->keepalive_probes = XTCP_KEEPALIVE_PROBES;
	xtcp_init_sock(sk);
	/* sk_clone_lock() counts a listener's children itself */
	sk_sockets_allocated_inc(sk);
	return 0;
}
