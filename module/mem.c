// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp protocol memory accounting, per network namespace, as tcp_mem.
 *
 * The kernel's socket memory accounting (sk_rmem_schedule(),
 * sk_wmem_schedule(), sk_mem_charge(), sk_forward_alloc) counts pages in
 * the counters that a socket's struct proto points to. TCP's are global;
 * xtcp's are per namespace: each namespace has a copy of xtcp_prot whose
 * memory_allocated, per-CPU reserve, socket count, pressure flag and
 * limits (sysctl net.xtcp.mem) are its own, and each socket of the
 * namespace points its sk_prot at that copy, as ULPs swap sk_prot. Every
 * skb xtcp holds is charged: the receive and out-of-order queues through
 * skb_set_owner_r(), the write queue by xtcp_wmem_charge() when a segment
 * joins it.
 *
 * Above mem[1] the namespace is under pressure (MemoryPressures): a
 * socket grows only within its fair share of mem[2] or its first page,
 * so that new data is refused (after out-of-order data is pruned) rather
 * than held; above mem[2] nothing more is charged; below mem[0] the
 * pressure ends (MemoryPressuresChrono counts its ms). As TCP's, the
 * limits are checked against memory_allocated, which each CPU updates
 * once it holds a batch of pages (1 MB); /proc/net/xtcp/snmp shows the
 * exact sum (MemoryAllocated).
 */

#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <net/sock.h>

#include "xtcp.h"

/* Per-socket floor under pressure, as tcp_rmem[0] and tcp_wmem[0] */
static int xtcp_mem_floor = 4096;

/**
 * xtcp_mem_defaults() - the default of sysctl net.xtcp.mem
 * @mem: the three limits, in pages
 *
 * As tcp_init_mem(): pressure at a sixteenth of the memory the kernel can
 * use for buffers, at least 128 pages; no pressure below three quarters
 * of that, and nothing more above one and a half times it.
 */
void xtcp_mem_defaults(long *mem)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	mem[0] = limit / 4 * 3;
	mem[1] = limit;
	mem[2] = mem[0] * 2;
}

static void xtcp_enter_memory_pressure(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	unsigned long val = jiffies ? : 1;

	if (READ_ONCE(xn->memory_pressure))
		return;
	if (!cmpxchg(&xn->memory_pressure, 0, val))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURES);
}

static void xtcp_leave_memory_pressure(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	unsigned long val;

	if (!READ_ONCE(xn->memory_pressure))
		return;
	val = xchg(&xn->memory_pressure, 0);
	if (val)
		XTCP_ADD_STATS(sock_net(sk), XTCP_MIB_MEMORYPRESSURESCHRONO,
			       jiffies_to_msecs(jiffies - val));
}

/**
 * xtcp_memory_allocated() - pages charged to a namespace's sockets
 * @xn: the namespace
 *
 * Return: memory_allocated with what the CPUs have not yet added to it.
 */
long xtcp_memory_allocated(struct xtcp_net *xn)
{
	long sum = atomic_long_read(&xn->memory_allocated);
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(xn->memory_per_cpu_fw_alloc, cpu));
	return sum;
}

/**
 * xtcp_mem_sock_init() - account a new or cloned socket to its namespace
 * @sk: the socket
 *
 * The socket's sk_prot becomes its namespace's copy of xtcp_prot. The
 * slab and module of both are the same; sk_prot_creator stays xtcp_prot
 * (a clone inherits the copy), which outlives every namespace, because
 * the socket's last free reads it after the namespace may be gone.
 */
void xtcp_mem_sock_init(struct sock *sk)
{
	WRITE_ONCE(sk->sk_prot, &xtcp_pernet(sock_net(sk))->prot);
	sk->sk_prot_creator = &xtcp_prot;
}

/**
 * xtcp_wmem_charge_forced() - charge a segment the write queue must take
 * @sk: the socket
 * @skb: a FIN, or the second part of a split segment
 *
 * As sk_forced_mem_schedule(): such a segment is charged even beyond the
 * limits. When the namespace refuses the pages, the socket's forward
 * allocation goes below zero for a while; its next schedule, or freeing
 * the segment, settles it.
 */
void xtcp_wmem_charge_forced(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_schedule(sk, skb->truesize);
	xtcp_wmem_charge(sk, skb);
}

/**
 * xtcp_mem_init_net() - set up a namespace's memory accounting
 * @net: the namespace; its sysctls are set
 *
 * Return: 0 or -ENOMEM.
 */
int xtcp_mem_init_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);
	struct proto *prot = &xn->prot;

	xn->memory_per_cpu_fw_alloc = alloc_percpu(int);
	if (!xn->memory_per_cpu_fw_alloc)
		return -ENOMEM;
	if (percpu_counter_init(&xn->sockets_allocated, 0, GFP_KERNEL)) {
		free_percpu(xn->memory_per_cpu_fw_alloc);
		return -ENOMEM;
	}
	atomic_long_set(&xn->memory_allocated, 0);
	xn->memory_pressure = 0;

	*prot = xtcp_prot;
	prot->enter_memory_pressure = xtcp_enter_memory_pressure;
	prot->leave_memory_pressure = xtcp_leave_memory_pressure;
	prot->memory_allocated = &xn->memory_allocated;
	prot->per_cpu_fw_alloc = xn->memory_per_cpu_fw_alloc;
	prot->sockets_allocated = &xn->sockets_allocated;
	prot->memory_pressure = &xn->memory_pressure;
	prot->sysctl_mem = xn->sysctl.mem;
	prot->sysctl_rmem = &xtcp_mem_floor;
	prot->sysctl_wmem = &xtcp_mem_floor;
	return 0;
}

/**
 * xtcp_mem_exit_net() - release a namespace's memory accounting
 * @net: the namespace, which has no socket left
 */
void xtcp_mem_exit_net(struct net *net)
{
	struct xtcp_net *xn = xtcp_pernet(net);

	WARN_ON_ONCE(xtcp_memory_allocated(xn));
	percpu_counter_destroy(&xn->sockets_allocated);
	free_percpu(xn->memory_per_cpu_fw_alloc);
}
