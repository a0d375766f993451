// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: an experimental TCP-like transport as its own socket family.
 *
 * Module init and exit, the socket family and protocol registrations,
 * per-namespace state, socket creation and the state bookkeeping every
 * other file uses.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/protocol.h>
#include <net/ip.h>

#include "xtcp.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "socket family number to register (default 27)");

int xtcp_ipproto = IPPROTO_XTCP;
module_param_named(ipproto, xtcp_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IPv4 protocol number, 253 or 254 (default 253)");

unsigned int xtcp_net_id __read_mostly;

/**
 * xtcp_set_state() - move a socket to a new state
 * @sk: the socket, locked
 * @state: TCP_* state
 *
 * Keeps CurrEstab, EstabResets and AttemptFails with their RFC 1213
 * meanings, and on CLOSE takes the socket out of the tables and releases
 * an ephemeral port.
 */
void xtcp_set_state(struct sock *sk, int state)
{
	const int estab = TCPF_ESTABLISHED | TCPF_CLOSE_WAIT;
	int old = sk->sk_state;
	bool was = (1 << old) & estab;
	bool is = (1 << state) & estab;

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
		if (!(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			xtcp_unbind_port(sk);
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
	skb_queue_purge(&xtcp_sk(sk)->ofo_queue);
	sk->sk_shutdown = SHUTDOWN_MASK;
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
}

/**
 * xtcp_write_queue_purge() - drop every queued segment, sent or not
 * @sk: the socket
 */
void xtcp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue))) {
		sk_wmem_queued_add(sk, -skb->truesize);
		kfree_skb(skb);
	}
	xtcp_sk(sk)->send_head = NULL;
}

/**
 * xtcp_init_sock() - reset the xtcp part of a new or cloned socket
 * @sk: the socket
 */
void xtcp_init_sock(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	memset((char *)xs + sizeof(xs->inet), 0, sizeof(*xs) - sizeof(xs->inet));
	spin_lock_init(&xs->queue_lock);
	INIT_LIST_HEAD(&xs->syn_queue);
	INIT_LIST_HEAD(&xs->accept_queue);
	INIT_LIST_HEAD(&xs->queue_node);
	skb_queue_head_init(&xs->ofo_queue);
	xtcp_init_timers(sk);
	xs->rto = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_initial_ms));
	xs->mss_cache = XTCP_DEFAULT_MSS;
	xs->rcv_ratio = XTCP_DEFAULT_RATIO;
	xs->keepalive_time = XTCP_KEEPALIVE_TIME;
	xs->keepalive_intvl = XTCP_KEEPALIVE_INTVL;
	xs->keepalive_probes = XTCP_KEEPALIVE_PROBES;
	xtcp_cong_init(xs);
}

static void xtcp_sock_destruct(struct sock *sk)
{
	skb_queue_purge(&sk->sk_receive_queue);
	skb_queue_purge(&xtcp_sk(sk)->ofo_queue);
	xtcp_write_queue_purge(sk);
	skb_queue_purge(&sk->sk_error_queue);
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

static int xtcp_create(struct net *net, struct socket *sock, int protocol,
		       int kern)
{
	struct inet_sock *inet;
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
	inet->pmtudisc = IP_PMTUDISC_DONT;
	atomic_set(&inet->inet_id, get_random_u16());

	xtcp_init_sock(sk);
	return 0;
}

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

static struct net_protocol xtcp_protocol = {
	.handler	= xtcp_v4_rcv,
	.no_policy	= 1,
};

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	xtcp_table_init(xn);
	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib)
		return -ENOMEM;
	err = xtcp_sysctl_init_net(net);
	if (err)
		goto free_mib;
	err = xtcp_proc_init_net(net);
	if (err)
		goto exit_sysctl;
	return 0;

exit_sysctl:
	xtcp_sysctl_exit_net(net);
free_mib:
	free_percpu(xn->mib);
	return err;
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_tw_purge(net);
	xtcp_proc_exit_net(net);
	xtcp_sysctl_exit_net(net);
	free_percpu(xn->mib);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

static int __init xtcp_init(void)
{
	int err;

	if (xtcp_family <= 0 || xtcp_family >= NPROTO)
		return -EINVAL;
	if (xtcp_ipproto != 253 && xtcp_ipproto != 254)
		return -EINVAL;

	xtcp_isn_init();
	xtcp_family_ops.family = xtcp_family;

	err = xtcp_tw_cache_init();
	if (err)
		return err;
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto exit_tw;
	err = register_pernet_subsys(&xtcp_net_ops);
	if (err)
		goto unreg_proto;
	err = inet_add_protocol(&xtcp_protocol, xtcp_ipproto);
	if (err)
		goto unreg_pernet;
	err = sock_register(&xtcp_family_ops);
	if (err)
		goto del_protocol;
	return 0;

del_protocol:
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
unreg_pernet:
	unregister_pernet_subsys(&xtcp_net_ops);
unreg_proto:
	proto_unregister(&xtcp_prot);
exit_tw:
	xtcp_tw_cache_exit();
	return err;
}

static void __exit xtcp_exit(void)
{
	sock_unregister(xtcp_family);
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	unregister_pernet_subsys(&xtcp_net_ops);
	rcu_barrier();
	proto_unregister(&xtcp_prot);
	xtcp_tw_cache_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: experimental TCP-like transport in its own socket family");
MODULE_AUTHOR("xtcp developers");
MODULE_ALIAS_NETPROTO(AF_XTCP);
