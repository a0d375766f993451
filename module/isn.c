// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp initial sequence numbers (RFC 6528): a keyed hash of the 4-tuple
 * plus a clock, so an ISN cannot be predicted from earlier connections and
 * successive incarnations of one 4-tuple move forward.
 */

#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/ktime.h>

#include "xtcp.h"

static siphash_key_t xtcp_isn_key __read_mostly;

/**
 * xtcp_isn_init() - choose the secret key of the ISN hash
 */
void xtcp_isn_init(void)
{
	get_random_bytes(&xtcp_isn_key, sizeof(xtcp_isn_key));
}

/**
 * xtcp_isn() - initial sequence number for a connection
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: ISN = F(4-tuple, key) + M, where M ticks every 64 ns as in
 * RFC 6528 section 3.
 */
u32 xtcp_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
				(__force u32)sport << 16 | (__force u32)dport,
				&xtcp_isn_key);

	return hash + (u32)(ktime_get_real_ns() >> 6);
}
