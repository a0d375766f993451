// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp sysctls under /proc/sys/net/xtcp, one set per network namespace.
 * Values outside their range are refused with EINVAL.
 */

#include <linux/sysctl.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "xtcp.h"

static int xtcp_zero;
static int xtcp_one = 1;
static int xtcp_retries_max = 255;
static int xtcp_ms_max = 3600 * 1000;
static int xtcp_rto_floor_ms = 1;
static int xtcp_int_max = INT_MAX;

static const struct xtcp_sysctl xtcp_sysctl_defaults = {
	.msl_ms		= 30000,
	.rto_initial_ms	= 1000,
	.rto_min_ms	= 200,
	.rto_max_ms	= 120000,
	.syn_retries	= 6,
	.synack_retries	= 5,
	.retries2	= 15,
	.fin_timeout_ms	= 60000,
	.delack_ms	= 40,
	.challenge_ack_limit = 1000,
	.invalid_ratelimit = 500,
	.max_tw_buckets	= 262144,
	.max_orphans	= 65536,
	.timestamps	= 1,
};

#define XTCP_SYSCTL_ENTRY(field, lo, hi)				\
	{								\
		.procname	= #field,				\
		.data		= (void *)offsetof(struct xtcp_sysctl, field), \
		.maxlen		= sizeof(int),				\
		.mode		= 0644,					\
		.proc_handler	= proc_dointvec_minmax,			\
		.extra1		= lo,					\
		.extra2		= hi,					\
	}

static const struct ctl_table xtcp_sysctl_template[] = {
	XTCP_SYSCTL_ENTRY(msl_ms, &xtcp_one, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(rto_initial_ms, &xtcp_rto_floor_ms, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(rto_min_ms, &xtcp_rto_floor_ms, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(rto_max_ms, &xtcp_rto_floor_ms, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(syn_retries, &xtcp_one, &xtcp_retries_max),
	XTCP_SYSCTL_ENTRY(synack_retries, &xtcp_one, &xtcp_retries_max),
	XTCP_SYSCTL_ENTRY(retries2, &xtcp_one, &xtcp_retries_max),
	XTCP_SYSCTL_ENTRY(fin_timeout_ms, &xtcp_one, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(delack_ms, &xtcp_zero, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(challenge_ack_limit, &xtcp_zero, &xtcp_int_max),
	XTCP_SYSCTL_ENTRY(invalid_ratelimit, &xtcp_zero, &xtcp_ms_max),
	XTCP_SYSCTL_ENTRY(max_tw_buckets, &xtcp_zero, &xtcp_int_max),
	XTCP_SYSCTL_ENTRY(max_orphans, &xtcp_zero, &xtcp_int_max),
	XTCP_SYSCTL_ENTRY(timestamps, &xtcp_zero, &xtcp_one),
	{ }
};

/**
 * xtcp_sysctl_init_net() - register a namespace's sysctls, at defaults
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_sysctl_init_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct ctl_table *table;
	unsigned int i;

	xn->sysctl = xtcp_sysctl_defaults;
	table = kmemdup(xtcp_sysctl_template, sizeof(xtcp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(xtcp_sysctl_template) - 1; i++)
		table[i].data = (char *)&xn->sysctl + (uintptr_t)table[i].data;

#ifdef XTCP_HAVE_SYSCTL_SZ
	xn->sysctl_hdr = register_net_sysctl_sz(net, "net/xtcp", table,
						ARRAY_SIZE(xtcp_sysctl_template) - 1);
#else
	xn->sysctl_hdr = register_net_sysctl(net, "net/xtcp", table);
#endif
	if (!xn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

/**
 * xtcp_sysctl_exit_net() - unregister a namespace's sysctls
 * @net: the namespace
 */
void xtcp_sysctl_exit_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	const struct ctl_table *table = xn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(xn->sysctl_hdr);
	kfree(table);
}
