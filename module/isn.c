// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp initial sequence numbers (RFC 6528): a keyed hash of the 4-tuple
 * plus a clock, so an ISN cannot be predicted from earlier connections and
 * successive incarnations of one 4-tuple move forward.
 *
 * Timestamps (RFC 7323 section 7.1) take the same approach with a key of
 * their own, as secure_tcp_ts_off() does: a millisecond clock plus an
 * offset hashed from the 4-tuple, so that TSvals reveal neither the
 * host's uptime nor how connections to other peers relate, while a new
 * incarnation of one 4-tuple still continues its predecessor's clock
 * (PAWS across TIME_WAIT).
 */

#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/ktime.h>

#include "xtcp.h"

static siphash_key_t xtcp_isn_key __read_mostly;
static siphash_key_t xtcp_ts_key __read_mostly;

/**
 * xtcp_isn_init() - choose the secret keys of the ISN and timestamp hashes
 */
void xtcp_isn_init(void)
{
	get_random_bytes(&xtcp_isn_key, sizeof(xtcp_isn_key));
	get_random_bytes(&xtcp_ts_key, sizeof(xtcp_ts_key));
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

/**
 * xtcp_ts_off() - offset of a connection's TSvals
 * @saddr: local address
 * @daddr: remote address
 * @sport: local port
 * @dport: remote port
 *
 * Return: F(4-tuple, key), added to xtcp_ts_clock() for every TSval.
 */
u32 xtcp_ts_off(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	return siphash_3u32((__force u32)saddr, (__force u32)daddr,
			    (__force u32)sport << 16 | (__force u32)dport,
			    &xtcp_ts_key);
}

/**
 * xtcp_ts_clock() - the timestamp clock (RFC 7323 section 5.4)
 *
 * Return: monotonic time in milliseconds, the clock of xtcp_clock_us()
 *	divided by 1000, so that the two can be compared.
 */
u32 xtcp_ts_clock(void)
{
	return (u32)div_u64(ktime_get_ns(), NSEC_PER_MSEC);
}
