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
static int xtcp_two = 2;
static unsigned long xtcp_mem_min = 1;
static unsigned long xtcp_mem_max = LONG_MAX;

/*
 * net.xtcp.mem: three page counts, as tcp_mem, each at least one and in
 * order (no pressure <= pressure <= most). A write may give fewer values;
 * the others keep theirs. Anything else is refused with EINVAL.
 */
#ifdef XTCP_HAVE_CONST_CTL_TABLE
static int xtcp_proc_mem(const struct ctl_table *table, int write,
			 void *buffer, size_t *lenp, loff_t *ppos)
#else
static int xtcp_proc_mem(struct ctl_table *table, int write, void *buffer,
			 size_t *lenp, loff_t *ppos)
#endif
{
	long *mem = table->data;
	unsigned long vals[3];
	struct ctl_table tmp = {
		.data	= vals,
		.maxlen	= sizeof(vals),
		.mode	= table->mode,
		.extra1	= &xtcp_mem_min,
		.extra2	= &xtcp_mem_max,
	};
	int i, err;

	for (i = 0; i < 3; i++)
		vals[i] = READ_ONCE(mem[i]);
	err = proc_doulongvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (vals[0] > vals[1] || vals[1] > vals[2])
		return -EINVAL;
	for (i = 0; i < 3; i++)
		WRITE_ONCE(mem[i], vals[i]);
	return 0;
}

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
	.syncookies	= 1,
	.max_syn_backlog = 4096,
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
	XTCP_SYSCTL_ENTRY(syncookies, &xtcp_zero, &xtcp_two),
	XTCP_SYSCTL_ENTRY(max_syn_backlog, &xtcp_one, &xtcp_int_max),
	{
		.procname	= "mem",
		.data		= (void *)offsetof(struct xtcp_sysctl, mem),
		.maxlen		= sizeof_field(struct xtcp_sysctl, mem),
		.mode		= 0644,
		.proc_handler	= xtcp_proc_mem,
	},
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
	xtcp_mem_defaults(xn->sysctl.mem);
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
