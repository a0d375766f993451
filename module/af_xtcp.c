// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp: an experimental TCP-like transport as its own socket family.
 *
 * Module init and exit, the socket family and protocol registrations and
 * per-namespace state.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <net/protocol.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <net/ip.h>

#include "xtcp.h"

int xtcp_family = AF_XTCP;
module_param_named(family, xtcp_family, int, 0444);
MODULE_PARM_DESC(family, "socket family number to register (default 27)");

int xtcp_ipproto = IPPROTO_XTCP;
module_param_named(ipproto, xtcp_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IPv4 protocol number, 253 or 254 (default 253)");

static unsigned int xtcp_thash_entries;
module_param_named(thash_entries, xtcp_thash_entries, uint, 0444);
MODULE_PARM_DESC(thash_entries,
		 "connection and TIME_WAIT hash buckets per namespace, rounded up to a power of two (default 0: from memory size; reads as the number in use)");

/*
 * Buckets of each namespace's connection and TIME_WAIT tables. As TCP's
 * established hash (tcp_init()): one per 128 KB of memory unless
 * thash_entries says otherwise; at least XTCP_EHASH_MIN and, since every
 * namespace gets its own, at most XTCP_EHASH_AUTO_MAX when sized from
 * memory (XTCP_EHASH_MAX when asked for).
 */
#define XTCP_EHASH_MIN		1024U
#define XTCP_EHASH_AUTO_MAX	65536U
#define XTCP_EHASH_MAX		BIT(20)
#define XTCP_EHASH_SCALE	17
static int __init xtcp_ehash_size(void)
{
	unsigned long n;

	if (xtcp_thash_entries) {
		if (xtcp_thash_entries > XTCP_EHASH_MAX)
			return -EINVAL;
		xtcp_thash_entries = roundup_pow_of_two(xtcp_thash_entries);
		return 0;
	}
	n = totalram_pages() >> (XTCP_EHASH_SCALE - PAGE_SHIFT);
	n = clamp_t(unsigned long, n, XTCP_EHASH_MIN, XTCP_EHASH_AUTO_MAX);
	xtcp_thash_entries = roundup_pow_of_two(n);
	return 0;
}

unsigned int xtcp_net_id __read_mostly;

static struct net_proto_family xtcp_family_ops = {
	.create	= xtcp_create,
	.owner	= THIS_MODULE,
};

static struct net_protocol xtcp_protocol = {
	.handler	= xtcp_v4_rcv,
	.err_handler	= xtcp_v4_err,
	.no_policy	= 1,
};

static int __net_init xtcp_net_init(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	int err;

	err = xtcp_table_init(xn, xtcp_thash_entries);
	if (err)
		return err;
	xtcp_cookie_init_net(xn);
	err = -ENOMEM;
	xn->mib = alloc_percpu(struct xtcp_mib);
	if (!xn->mib)
		goto exit_table;
	err = xtcp_sysctl_init_net(net);
	if (err)
		goto free_mib;
	err = xtcp_mem_init_net(net);
	if (err)
		goto exit_sysctl;
	err = xtcp_proc_init_net(net);
	if (err)
		goto exit_mem;
	return 0;

exit_mem:
	xtcp_mem_exit_net(net);
exit_sysctl:
	xtcp_sysctl_exit_net(net);
free_mib:
	free_percpu(xn->mib);
exit_table:
	xtcp_table_exit(xn);
	return err;
}

/*
 * TIME_WAIT entries hold no reference on the namespace: end them here.
 * The core waits for an RCU grace period between pre_exit and exit, so
 * no timer or receive path still uses the namespace's state after it.
 */
static void __net_exit xtcp_net_pre_exit(struct net *net)
{
	xtcp_tw_purge(net);
}

static void __net_exit xtcp_net_exit(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	xtcp_proc_exit_net(net);
	xtcp_mem_exit_net(net);
	xtcp_sysctl_exit_net(net);
	free_percpu(xn->mib);
	xtcp_table_exit(xn);
}

static struct pernet_operations xtcp_net_ops = {
	.init	= xtcp_net_init,
	.pre_exit = xtcp_net_pre_exit,
	.exit	= xtcp_net_exit,
	.id	= &xtcp_net_id,
	.size	= sizeof(struct xtcp_net),
};

/* The layouts the user API documents, and the control block's room */
static void __init xtcp_check_layout(void)
{
	BUILD_BUG_ON(sizeof(struct xtcp_skb_cb) >
		     sizeof_field(struct sk_buff, cb));
	BUILD_BUG_ON(sizeof(struct sockaddr_xtcp) != sizeof(struct sockaddr_in));
	BUILD_BUG_ON(offsetof(struct sockaddr_xtcp, sxtcp_port) !=
		     offsetof(struct sockaddr_in, sin_port));
	BUILD_BUG_ON(offsetof(struct sockaddr_xtcp, sxtcp_addr) !=
		     offsetof(struct sockaddr_in, sin_addr));
	BUILD_BUG_ON(sizeof(struct xtcp_info) != 88);
	BUILD_BUG_ON(offsetof(struct xtcp_info, rto_us) != 8);
	BUILD_BUG_ON(offsetof(struct xtcp_info, bytes_acked) != 56);
	BUILD_BUG_ON(offsetof(struct xtcp_info, segs_in) != 80);
}

static int __init xtcp_init(void)
{
	int err;

	xtcp_check_layout();
	if (xtcp_family <= 0 || xtcp_family >= NPROTO)
		return -EINVAL;
	if (xtcp_ipproto != 253 && xtcp_ipproto != 254)
		return -EINVAL;
	err = xtcp_ehash_size();
	if (err)
		return err;

	xtcp_isn_init();
	xtcp_family_ops.family = xtcp_family;

	err = xtcp_hash_init();
	if (err)
		return err;
	err = xtcp_tw_cache_init();
	if (err)
		goto exit_hash;
	err = xtcp_req_cache_init();
	if (err)
		goto exit_tw;
	err = proto_register(&xtcp_prot, 1);
	if (err)
		goto exit_req;
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
exit_req:
	xtcp_req_cache_exit();
exit_tw:
	xtcp_tw_cache_exit();
exit_hash:
	xtcp_hash_exit();
	return err;
}

static void __exit xtcp_exit(void)
{
	sock_unregister(xtcp_family);
	inet_del_protocol(&xtcp_protocol, xtcp_ipproto);
	unregister_pernet_subsys(&xtcp_net_ops);
	rcu_barrier();
	proto_unregister(&xtcp_prot);
	xtcp_req_cache_exit();
	xtcp_tw_cache_exit();
	xtcp_hash_exit();
}

module_init(xtcp_init);
module_exit(xtcp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xtcp: experimental TCP-like transport in its own socket family");
MODULE_AUTHOR("xtcp developers");
MODULE_ALIAS_NETPROTO(AF_XTCP);
