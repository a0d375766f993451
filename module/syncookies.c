// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp SYN cookies (RFC 4987 section 3.6).
 *
 * When a listener's SYN queue is full (syncookies 1) or always
 * (syncookies 2), a SYN is answered with a SYN-ACK whose sequence number
 * encodes the connection and nothing is kept. An ACK that finds no
 * request is checked against that encoding; if it holds, the connection
 * is made from the ACK alone. The cookie is
 *
 *	H1(4-tuple) + peer ISN + (T << 24) + ((H2(4-tuple, T) + m) mod 2^24)
 *
 * where T counts 64-second periods, m indexes a table of MSS values and
 * H1, H2 are SipHash keyed by a secret of the namespace chosen when it is
 * created. Mixing T into H2 makes the key change every period: a cookie
 * is accepted for XTCP_COOKIE_MAX_AGE periods, so it cannot be replayed
 * for long, and a forged ACK has one chance in 2^22 of passing.
 *
 * When the SYN offers timestamps (RFC 7323), the low four bits of the
 * SYN-ACK's TSval carry the peer's window scale (15: none), and the ACK's
 * TSecr brings them back, as Linux's cookie_init_timestamp() does;
 * without timestamps a cookie connection has no window scaling.
 */

#include <linux/siphash.h>
#include <linux/random.h>
#include <linux/tcp.h>
#include <net/ip.h>

#include "xtcp.h"

#define XTCP_COOKIE_BITS	24
#define XTCP_COOKIE_MASK	((1U << XTCP_COOKIE_BITS) - 1)
/* Periods of 64 s a cookie stays valid */
#define XTCP_COOKIE_MAX_AGE	2
#define XTCP_COOKIE_PERIOD_SHIFT	6

/* TSval bits of a cookie SYN-ACK for the window scale */
#define XTCP_COOKIE_TS_MASK	0xf

/* The MSS a cookie can carry, the most common first, as Linux's msstab */
static const u16 xtcp_cookie_mss[] = { 536, 1300, 1440, 1460 };

/**
 * xtcp_cookie_init_net() - choose a namespace's cookie secret
 * @xn: the namespace's xtcp state
 */
void xtcp_cookie_init_net(struct xtcp_net *xn)
{
	get_random_bytes(&xn->cookie_key, sizeof(xn->cookie_key));
}

static u32 xtcp_cookie_period(void)
{
	return (u32)(ktime_get_seconds() >> XTCP_COOKIE_PERIOD_SHIFT);
}

/*
 * H1 (@count U32_MAX, never a period) and H2 of the 4-tuple of @skb as
 * received: its source is the peer.
 */
static u32 xtcp_cookie_hash(const struct sock *sk, const struct sk_buff *skb,
			    u32 count)
{
	const struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);

	return (u32)siphash_4u32((__force u32)iph->saddr,
				 (__force u32)iph->daddr,
				 (__force u32)th->source << 16 |
				 (__force u32)th->dest, count, &xn->cookie_key);
}

/**
 * xtcp_cookie_make() - the ISN of a cookie SYN-ACK for a SYN
 * @sk: the listener
 * @skb: the SYN
 * @mss: set to the MSS the cookie carries: the largest of the table not
 *	above the peer's
 *
 * Return: the cookie, our ISN for this handshake.
 */
u32 xtcp_cookie_make(struct sock *sk, const struct sk_buff *skb, u16 *mss)
{
	u32 count = xtcp_cookie_period(), seq = XTCP_SKB_CB(skb)->seq;
	struct xtcp_options opts;
	u32 m;

	xtcp_parse_options(tcp_hdr(skb), &opts);
	if (!opts.mss)
		opts.mss = XTCP_DEFAULT_MSS;
	for (m = ARRAY_SIZE(xtcp_cookie_mss) - 1; m > 0; m--)
		if (xtcp_cookie_mss[m] <= opts.mss)
			break;
	*mss = xtcp_cookie_mss[m];
	WRITE_ONCE(xtcp_sk(sk)->cookie_stamp, jiffies);

	return xtcp_cookie_hash(sk, skb, U32_MAX) + seq +
	       (count << XTCP_COOKIE_BITS) +
	       ((xtcp_cookie_hash(sk, skb, count) + m) & XTCP_COOKIE_MASK);
}

/**
 * xtcp_cookie_tsval() - the TSval of a cookie SYN-ACK
 * @req: the cookie's stand-in for a request, with timestamps on
 *
 * Return: our clock with its low bits replaced by the peer's window scale
 * (XTCP_COOKIE_TS_MASK for none), never ahead of the clock, so that the
 * connection's later TSvals do not go back.
 */
u32 xtcp_cookie_tsval(const struct xtcp_request *req)
{
	u32 now = xtcp_ts_clock() + req->ts_off;
	u32 ts = (now & ~XTCP_COOKIE_TS_MASK) |
		 (req->wscale_ok ? req->snd_wscale : XTCP_COOKIE_TS_MASK);

	if (xtcp_after(ts, now))
		ts -= XTCP_COOKIE_TS_MASK + 1;
	return ts;
}

/*
 * Cookies are looked at only while they may be out there: syncookies 2,
 * or one sent in the last XTCP_COOKIE_MAX_AGE periods (as TCP's
 * tcp_synq_no_recent_overflow()).
 */
static bool xtcp_cookies_recent(const struct sock *sk)
{
	unsigned long stamp = READ_ONCE(xtcp_sk(sk)->cookie_stamp);
	int cookies = XTCP_SYSCTL(sk, syncookies);

	if (cookies == 2)
		return true;
	return cookies && stamp &&
	       time_before(jiffies, stamp + (XTCP_COOKIE_MAX_AGE <<
					     XTCP_COOKIE_PERIOD_SHIFT) * HZ);
}

/**
 * xtcp_cookie_check() - does an ACK complete a cookie handshake?
 * @sk: the listener
 * @skb: an ACK without SYN, with no request for it
 * @req: filled in, when the cookie holds, with what the handshake agreed:
 *	the ISNs, the MSS of the cookie and the window of the SYN-ACK; no
 *	window scaling
 *
 * Counts SyncookiesRecv or SyncookiesFailed when cookies are in use.
 *
 * Return: true when the ACK acknowledges a cookie of ours.
 */
bool xtcp_cookie_check(struct sock *sk, const struct sk_buff *skb,
		       struct xtcp_request *req)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 cookie = cb->ack_seq - 1, seq = cb->seq - 1;
	u32 count = xtcp_cookie_period(), age, m;
	struct net *net = sock_net(sk);

	if (!xtcp_cookies_recent(sk))
		return false;
	cookie -= xtcp_cookie_hash(sk, skb, U32_MAX) + seq;
	age = (count - (cookie >> XTCP_COOKIE_BITS)) &
	      ((1U << (32 - XTCP_COOKIE_BITS)) - 1);
	m = (cookie - xtcp_cookie_hash(sk, skb, count - age)) &
	    XTCP_COOKIE_MASK;
	if (age >= XTCP_COOKIE_MAX_AGE || m >= ARRAY_SIZE(xtcp_cookie_mss)) {
		XTCP_INC_STATS(net, XTCP_MIB_SYNCOOKIESFAILED);
		return false;
	}

	xtcp_req_init(req, sk, skb);
	req->irs = seq;
	req->iss = cb->ack_seq - 1;
	req->rx_mss = xtcp_cookie_mss[m];
	req->wscale_ok = 0;
	req->snd_wscale = 0;
	req->sent_us = 0;
	req->tstamp_ok = cb->saw_tstamp && XTCP_SYSCTL(sk, timestamps);
	if (req->tstamp_ok) {
		u8 ws = cb->tsecr & XTCP_COOKIE_TS_MASK;

		req->ts_recent = cb->tsval;
		if (ws != XTCP_COOKIE_TS_MASK) {
			req->wscale_ok = 1;
			req->snd_wscale = min_t(u8, ws, XTCP_MAX_WSCALE);
		}
	}
	XTCP_INC_STATS(net, XTCP_MIB_SYNCOOKIESRECV);
	return true;
}
