// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp segment building and transmission.
 *
 * Every segment is a TCP segment bit for bit (RFC 9293 section 3.1),
 * checksummed over the pseudo-header with protocol 6; only the IPv4
 * header's protocol field says IPPROTO_XTCP. Segments of a socket go out
 * through ip_queue_xmit() on the socket's cached route; replies that have
 * no socket (RST to a stray segment) are routed and sent on their own.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/checksum.h>

#include "xtcp.h"

/**
 * xtcp_mss_for_dst() - maximum segment size on a route
 * @sk: the socket, for its MSS clamp and the peer's MSS
 * @dst: the route
 *
 * Return: the route MTU less IPv4 and TCP headers, clamped by XTCP_MAXSEG
 * and by the MSS the peer announced, less the timestamp option that every
 * segment carries when timestamps are on (the MSS option counts no TCP
 * options, RFC 6691 section 3; as tcp_sync_mss()).
 */
u16 xtcp_mss_for_dst(struct sock *sk, struct dst_entry *dst)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int mss = dst_mtu(dst) - sizeof(struct iphdr) - XTCP_HDR_LEN;

	if (xs->user_mss && xs->user_mss < mss)
		mss = xs->user_mss;
	if (xs->rx_mss && xs->rx_mss < mss)
		mss = xs->rx_mss;
	if (xs->tstamp_ok)
		mss -= XTCPOLEN_TSTAMP_ALIGNED;
	return max(mss, XTCP_MIN_MSS);
}

/**
 * xtcp_route() - route a socket to its peer and cache the route
 * @sk: the socket, with inet_daddr and ports set; a zero source address is
 *	filled in from the route, and the destination is the route's (the
 *	local host for INADDR_ANY)
 *
 * Return: 0 or a negative errno (-ENETUNREACH for multicast/broadcast).
 */
int xtcp_route(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct rtable *rt;

	flowi4_init_output(fl4, sk->sk_bound_dev_if, sk->sk_mark,
			   ip_sock_rt_tos(sk), RT_SCOPE_UNIVERSE, sk->sk_protocol,
			   inet_sk_flowi_flags(sk), inet->inet_daddr,
			   inet->inet_saddr, inet->inet_dport, inet->inet_sport,
			   sk->sk_uid);
	security_sk_classify_flow(sk, flowi4_to_flowi_common(fl4));
	rt = ip_route_output_flow(sock_net(sk), fl4, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}
	/* As tcp_v4_connect(): a connect() to INADDR_ANY reaches this host */
	inet->inet_daddr = fl4->daddr;
	if (!inet->inet_saddr)
		inet->inet_saddr = fl4->saddr;
	if (!sk->sk_rcv_saddr)
		sk->sk_rcv_saddr = fl4->saddr;
	sk_dst_set(sk, &rt->dst);
	xtcp_sk(sk)->mss_cache = xtcp_mss_for_dst(sk, &rt->dst);
	return 0;
}

static struct sk_buff *xtcp_alloc_ctl_skb(gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb(XTCP_MAX_HEADER, gfp);

	if (skb)
		skb_reserve(skb, XTCP_MAX_HEADER);
	return skb;
}

/*
 * Push a TCP header with @optlen bytes of options (already padded to a
 * multiple of four) in front of the skb's payload and fill it in.
 */
static struct tcphdr *xtcp_push_header(struct sk_buff *skb, __be16 sport,
				       __be16 dport, u32 seq, u32 ack, u8 flags,
				       u16 window, unsigned int optlen)
{
	struct tcphdr *th;

	th = skb_push(skb, XTCP_HDR_LEN + optlen);
	skb_reset_transport_header(skb);
	memset(th, 0, XTCP_HDR_LEN);
	th->source = sport;
	th->dest = dport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = (XTCP_HDR_LEN + optlen) >> 2;
	xtcp_flag_byte(th) = flags;
	th->window = htons(window);
	return th;
}

/* TCP checksum over the pseudo-header with protocol 6 (RFC 9293 3.1) */
static void xtcp_checksum(struct sk_buff *skb, __be32 saddr, __be32 daddr)
{
	struct tcphdr *th = tcp_hdr(skb);
	unsigned int len = skb->len - skb_transport_offset(skb);

	th->check = 0;
	th->check = csum_tcpudp_magic(saddr, daddr, len, IPPROTO_TCP,
				      skb_checksum(skb, skb_transport_offset(skb),
						   len, 0));
	skb->ip_summed = CHECKSUM_NONE;
}

/**
 * xtcp_write_options() - write a segment's TCP options
 * @ptr: where the options go, XTCP_MAX_OPTLEN bytes of room
 * @opts: what to write: MSS when @opts->mss is not 0, timestamps when
 *	@opts->tstamp_ok, window scale when @opts->wscale_ok
 *
 * The layout is Linux TCP's, so that captures read alike: MSS, then the
 * timestamps option behind two NOPs (RFC 7323 appendix A), then window
 * scale behind one NOP (RFC 7323 section 2.2); every option starts where
 * its fields are aligned and the list is a multiple of four bytes.
 *
 * Return: bytes written.
 */
unsigned int xtcp_write_options(u8 *ptr, const struct xtcp_options *opts)
{
	u8 *p = ptr;

	if (opts->mss) {
		*p++ = XTCPOPT_MSS;
		*p++ = XTCPOLEN_MSS;
		put_unaligned_be16(opts->mss, p);
		p += 2;
	}
	if (opts->tstamp_ok) {
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_TIMESTAMP;
		*p++ = XTCPOLEN_TIMESTAMP;
		put_unaligned_be32(opts->tsval, p);
		put_unaligned_be32(opts->tsecr, p + 4);
		p += 8;
	}
	if (opts->wscale_ok) {
		*p++ = XTCPOPT_NOP;
		*p++ = XTCPOPT_WINDOW;
		*p++ = XTCPOLEN_WINDOW;
		*p++ = opts->wscale;
	}
	return p - ptr;
}

/*
 * The options of a segment of @sk. A SYN carries MSS and window scale; a
 * SYN-ACK offers window scaling only if the peer's SYN did. Timestamps go
 * on the SYN when the sysctl allowed them at connect(), on the SYN-ACK
 * when the peer's SYN offered them too, and then on every segment (RFC
 * 7323 section 3.2), echoing TS.Recent once there is an ACK to go with it.
 */
static void xtcp_build_options(const struct sock *sk, u8 flags,
			       struct xtcp_options *opts)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	memset(opts, 0, sizeof(*opts));
	if (flags & XTCPHDR_SYN) {
		/* The MSS option counts no TCP options (RFC 6691) */
		opts->mss = xs->mss_cache +
			    (xs->tstamp_ok ? XTCPOLEN_TSTAMP_ALIGNED : 0);
		if (!(flags & XTCPHDR_ACK) || xs->wscale_ok) {
			opts->wscale_ok = 1;
			opts->wscale = XTCP_RCV_WSCALE;
		}
	}
	if (xs->tstamp_ok) {
		opts->tstamp_ok = 1;
		opts->tsval = xtcp_ts_now(xs);
		opts->tsecr = (flags & XTCPHDR_ACK) ? xs->ts_recent : 0;
	}
}

/*
 * Free receive memory turned into bytes of window by the payload/truesize
 * ratio of the segments received so far (TCP's scaling_ratio).
 */
static u32 xtcp_space(const struct sock *sk)
{
	int free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);

	if (free <= 0)
		return 0;
	return ((u64)free * xtcp_sk(sk)->rcv_ratio) >> 8;
}

/**
 * xtcp_receive_window() - what is left of the window we advertised last
 * @xs: the socket
 *
 * Return: bytes the peer may still send beyond rcv_nxt.
 */
u32 xtcp_receive_window(const struct xtcp_sock *xs)
{
	s32 win = xs->rcv_wup + xs->rcv_wnd - xs->rcv_nxt;

	return win > 0 ? win : 0;
}

/*
 * Choose the window for an outgoing segment. The right edge never moves
 * left, and moves right only by at least min(rcvbuf / 2, MSS) (receiver
 * silly-window avoidance, RFC 9293 3.8.6.2.2).
 */
static u16 xtcp_select_window(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 cur = xtcp_receive_window(xs);
	u32 win = xtcp_space(sk);
	u32 sws = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
			xs->rcv_mss ? : xs->mss_cache);
	u32 max_win = (u32)U16_MAX << xs->rcv_wscale;

	win = min(win, max_win);
	if (win < cur || win - cur < sws)
		win = ALIGN(cur, 1 << xs->rcv_wscale);
	else
		win = round_down(win, 1 << xs->rcv_wscale);
	win = min(win, max_win);
	xs->rcv_wnd = win;
	xs->rcv_wup = xs->rcv_nxt;
	return win >> xs->rcv_wscale;
}

/*
 * Build the header of one segment of @sk and send it. SYN segments carry
 * the SYN options and an unscaled window; every other segment the scaled
 * window, and the timestamps option when timestamps are on. A segment
 * with ACK set acknowledges rcv_nxt, which settles any pending delayed
 * ACK.
 */
static int xtcp_transmit(struct sock *sk, struct sk_buff *skb, u32 seq,
			 u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	struct xtcp_options opts;
	u8 opt[XTCP_MAX_OPTLEN];
	unsigned int optlen;
	u32 ack = 0;
	struct tcphdr *th;
	u16 window;
	int err;

	xtcp_build_options(sk, flags, &opts);
	optlen = xtcp_write_options(opt, &opts);
	if (flags & XTCPHDR_SYN) {
		window = min_t(u32, xtcp_space(sk), U16_MAX);
		xs->rcv_wnd = window;
		xs->rcv_wup = xs->rcv_nxt;
	} else {
		window = xtcp_select_window(sk);
	}
	if (flags & XTCPHDR_ACK) {
		ack = xs->rcv_nxt;
		xtcp_ack_sent(sk);
	}
	th = xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, seq, ack,
			      flags, window, optlen);
	memcpy(th + 1, opt, optlen);
	xtcp_checksum(skb, inet->inet_saddr, inet->inet_daddr);

	/* What IP finds in skb->cb must be its own control block (IPCB) */
	memset(skb->cb, 0, sizeof(struct inet_skb_parm));
	skb_set_owner_w(skb, sk);
	xs->segs_out++;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTSEGS);
	if (flags & XTCPHDR_RST)
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_OUTRSTS);
	err = ip_queue_xmit(sk, skb, &inet->cork.fl);
	return net_xmit_eval(err);
}

static int xtcp_send_ctl(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct sk_buff *skb = xtcp_alloc_ctl_skb(gfp);

	if (!skb)
		return -ENOBUFS;
	return xtcp_transmit(sk, skb, seq, flags);
}

/**
 * xtcp_send_syn() - send (or resend) the SYN of an active open
 * @sk: socket in SYN_SENT
 *
 * Return: 0 or a negative errno from the IP layer.
 */
int xtcp_send_syn(struct sock *sk)
{
	return xtcp_send_ctl(sk, xtcp_sk(sk)->iss, XTCPHDR_SYN, GFP_ATOMIC);
}

/**
 * xtcp_send_synack() - send (or resend) our SYN with the ACK of the peer's
 * @sk: socket in SYN_RECV
 *
 * Return: 0 or a negative errno from the IP layer.
 */
int xtcp_send_synack(struct sock *sk)
{
	return xtcp_send_ctl(sk, xtcp_sk(sk)->iss, XTCPHDR_SYN | XTCPHDR_ACK,
			     GFP_ATOMIC);
}

/**
 * xtcp_send_ack() - send a bare ACK of everything received in order
 * @sk: synchronised socket
 */
void xtcp_send_ack(struct sock *sk)
{
	xtcp_send_ctl(sk, xtcp_sk(sk)->snd_nxt, XTCPHDR_ACK, GFP_ATOMIC);
}

/**
 * xtcp_send_ack_probe() - elicit an ACK from the peer
 * @sk: synchronised socket
 *
 * As Linux TCP: an ACK with the already acknowledged sequence number
 * snd_una - 1, which the peer must answer with an ACK showing its window.
 * Used for zero-window and keepalive probes.
 */
void xtcp_send_ack_probe(struct sock *sk)
{
	xtcp_send_ctl(sk, xtcp_sk(sk)->snd_una - 1, XTCPHDR_ACK, GFP_ATOMIC);
}

/**
 * xtcp_send_probe() - probe a zero window
 * @sk: synchronised socket
 */
void xtcp_send_probe(struct sock *sk)
{
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ZEROWINDOWPROBES);
	xtcp_send_ack_probe(sk);
}

/**
 * xtcp_send_active_reset() - abort a connection towards the peer
 * @sk: synchronised socket
 * @gfp: allocation context
 */
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	xtcp_send_ctl(sk, xtcp_sk(sk)->snd_nxt, XTCPHDR_RST | XTCPHDR_ACK, gfp);
}

/*
 * Split @skb so that it carries @len bytes and a new skb after it on the
 * write queue carries the rest. Queued payload is linear.
 */
static int xtcp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 rest = skb->len - len;
	struct sk_buff *tail;

	tail = alloc_skb(XTCP_MAX_HEADER + rest, GFP_ATOMIC);
	if (!tail)
		return -ENOBUFS;
	skb_reserve(tail, XTCP_MAX_HEADER);
	skb_put_data(tail, skb->data + len, rest);
	*XTCP_SKB_CB(tail) = *cb;
	XTCP_SKB_CB(tail)->seq = cb->seq + len;
	cb->end_seq = cb->seq + len;
	cb->flags &= ~(XTCPHDR_FIN | XTCPHDR_PSH);
	skb_trim(skb, len);
	xtcp_wmem_charge_forced(sk, tail);
	__skb_queue_after(&sk->sk_write_queue, skb, tail);
	return 0;
}

/*
 * Send a copy of a queued segment. The queued skb keeps its payload for
 * retransmission; when an earlier copy is still in flight (cloned), the
 * header room is shared, so a private copy is made instead, as
 * __tcp_transmit_skb() does.
 */
static int xtcp_transmit_queued(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct sk_buff *copy;

	/* Queued before the path MTU fell (xtcp_mtu_reduced()) */
	if (skb->len > xtcp_sk(sk)->mss_cache &&
	    xtcp_fragment(sk, skb, xtcp_sk(sk)->mss_cache))
		return -ENOBUFS;
	if (skb_cloned(skb))
		copy = pskb_copy(skb, GFP_ATOMIC);
	else
		copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return -ENOBUFS;
	cb->when_us = xtcp_clock_us();
	return xtcp_transmit(sk, copy, cb->seq, cb->flags);
}

/**
 * xtcp_retransmit_skb() - resend one queued segment
 * @sk: the socket
 * @skb: the segment, on the write queue and already sent once
 *
 * Return: 0 or a negative errno.
 */
int xtcp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int err;

	XTCP_SKB_CB(skb)->retrans = 1;
	err = xtcp_transmit_queued(sk, skb);
	if (err)
		return err;
	xs->total_retrans++;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
	return 0;
}

/* Nagle (RFC 9293 3.8.6.2.1): hold a small last segment while data is in flight */
static bool xtcp_nagle_holds(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	return !xs->nodelay && skb->len < xs->mss_cache &&
	       !(XTCP_SKB_CB(skb)->flags & XTCPHDR_FIN) &&
	       xs->snd_nxt != xs->snd_una &&
	       skb_queue_is_last(&sk->sk_write_queue, skb);
}

/* @skb went out: move snd_nxt and send_head past it */
static void xtcp_advance_send_head(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	if (xtcp_before(cb->seq, xs->snd_max)) {
		XTCP_SKB_CB(skb)->retrans = 1;
		xs->total_retrans++;
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
	}
	xs->snd_nxt = cb->end_seq;
	if (xtcp_after(xs->snd_nxt, xs->snd_max))
		xs->snd_max = xs->snd_nxt;
	xs->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
			NULL : skb->next;
}

/**
 * xtcp_retransmit_head() - resend the oldest unacknowledged segment
 * @sk: the socket, with data in flight
 *
 * RFC 6298 (5.4), on a retransmission timeout: the segment goes out
 * whatever the windows say (to a closed window it is a probe), and
 * sending resumes from the segment after it (go-back-N).
 *
 * Return: 0, or non-zero when the device refused the segment.
 */
int xtcp_retransmit_head(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	int err;

	sock_owned_by_me(sk);
	xs->send_head = head;
	xs->snd_nxt = xs->snd_una;
	err = xtcp_transmit_queued(sk, head);
	if (err)
		return err;
	xtcp_advance_send_head(sk, head);
	return 0;
}

/**
 * xtcp_write_xmit() - send queued data as far as the windows allow
 * @sk: a synchronised socket, locked
 *
 * The usable window is min(peer's window, cwnd) less the data in flight
 * (RFC 5681 section 2). A segment larger than the remaining peer window
 * is split when nothing else is in flight. What was sent arms the
 * retransmission timer; data left waiting with nothing in flight (a
 * closed window, a device that refused it) arms the persist timer.
 */
void xtcp_write_xmit(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool sent = false;
	struct sk_buff *skb;

	sock_owned_by_me(sk);
	while ((skb = xs->send_head)) {
		struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
		u32 wnd_end = xs->snd_una + xs->snd_wnd;

		if (xtcp_flight_segs(xs) >= xs->snd_cwnd)
			break;
		if (xtcp_after(cb->end_seq, wnd_end)) {
			u32 fits = xtcp_after(wnd_end, cb->seq) ?
				   wnd_end - cb->seq : 0;

			if (xs->snd_nxt != xs->snd_una)
				break;
			if (!fits || (fits >= skb->len && !(cb->flags & XTCPHDR_FIN)) ||
			    xtcp_fragment(sk, skb, fits))
				break;
		}
		if (xtcp_nagle_holds(sk, skb))
			break;
		if (xtcp_transmit_queued(sk, skb))
			break;
		xtcp_advance_send_head(sk, skb);
		sent = true;
	}
	if (sent)
		xtcp_timers_data_sent(sk);
	xtcp_check_probe_timer(sk);
}

/**
 * xtcp_send_fin() - queue our FIN behind any data and send what can go
 * @sk: the socket, locked, in process context
 *
 * The FIN rides on the last queued segment when that one is unsent;
 * otherwise it gets a segment of its own. It takes one sequence number and
 * is retransmitted like data (RFC 9293 3.10.4).
 */
void xtcp_send_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (skb && xs->send_head && !skb_cloned(skb)) {
		XTCP_SKB_CB(skb)->flags |= XTCPHDR_FIN;
		XTCP_SKB_CB(skb)->end_seq++;
		xs->write_seq++;
	} else {
		skb = alloc_skb(XTCP_MAX_HEADER, sk->sk_allocation | __GFP_NOFAIL);
		skb_reserve(skb, XTCP_MAX_HEADER);
		/* The FIN goes out whatever the memory limits say */
		xtcp_wmem_charge_forced(sk, skb);
		xtcp_skb_entail(sk, skb, XTCPHDR_ACK | XTCPHDR_FIN);
	}
	xs->fin_queued = 1;
	xtcp_write_xmit(sk);
}

/**
 * xtcp_skb_entail() - append a new segment to the write queue
 * @sk: the socket
 * @skb: the segment, its length final, its memory charged to @sk
 *	(xtcp_wmem_charge() or xtcp_wmem_charge_forced())
 * @flags: header flags (ACK, and PSH or FIN)
 */
void xtcp_skb_entail(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	cb->seq = xs->write_seq;
	cb->end_seq = xs->write_seq + skb->len + !!(flags & XTCPHDR_FIN);
	cb->flags = flags;
	cb->retrans = 0;
	xs->write_seq = cb->end_seq;
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!xs->send_head)
		xs->send_head = skb;
}

/*
 * Send a segment that belongs to no socket along the flow @fl4 (its
 * addresses and ports are the segment's), with @optlen bytes of options.
 */
static int xtcp_v4_xmit_reply(struct net *net, struct flowi4 *fl4, u32 seq,
			      u32 ack, u8 flags, u16 window, const u8 *opt,
			      unsigned int optlen)
{
	struct sk_buff *skb;
	struct rtable *rt;
	struct tcphdr *th;
	struct iphdr *iph;
	int err;

	rt = ip_route_output_key(net, fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	skb = xtcp_alloc_ctl_skb(GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return -ENOBUFS;
	}
	th = xtcp_push_header(skb, fl4->fl4_sport, fl4->fl4_dport, seq, ack,
			      flags, window, optlen);
	if (optlen)
		memcpy(th + 1, opt, optlen);
	xtcp_checksum(skb, fl4->saddr, fl4->daddr);

	skb_dst_set(skb, &rt->dst);
	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = 0;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = xtcp_ipproto;
	iph->saddr = fl4->saddr;
	iph->daddr = fl4->daddr;
	iph->tot_len = htons(skb->len);
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);

	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	if (flags & XTCPHDR_RST)
		XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	err = ip_local_out(net, NULL, skb);
	return net_xmit_eval(err);
}

/**
 * xtcp_req_send_synack() - send (or resend) the SYN-ACK of a request
 * @req: the request, or a cookie's stand-in for one
 *
 * The MSS announced is the route's, clamped by the listener's XTCP_MAXSEG
 * and the peer's MSS, as a child socket's would be; window scaling is
 * offered only if the peer's SYN did.
 *
 * Return: 0 or a negative errno.
 */
int xtcp_req_send_synack(const struct xtcp_request *req)
{
	const struct sock *sk = req->listener;
	u16 user_mss = READ_ONCE(xtcp_sk(sk)->user_mss);
	struct net *net = sock_net(sk);
	struct xtcp_options opts = {};
	u8 opt[XTCP_MAX_OPTLEN];
	struct flowi4 fl4;
	struct rtable *rt;
	int mss;

	flowi4_init_output(&fl4, READ_ONCE(sk->sk_bound_dev_if),
			   READ_ONCE(sk->sk_mark), 0, RT_SCOPE_UNIVERSE,
			   xtcp_ipproto, 0, req->raddr, req->laddr, req->rport,
			   req->lport, sk->sk_uid);
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	mss = dst_mtu(&rt->dst) - sizeof(struct iphdr) - XTCP_HDR_LEN;
	ip_rt_put(rt);
	if (user_mss && user_mss < mss)
		mss = user_mss;
	if (req->rx_mss && req->rx_mss < mss)
		mss = req->rx_mss;

	/* The MSS option counts no TCP options (RFC 6691) */
	opts.mss = max(mss, XTCP_MIN_MSS);
	if (req->wscale_ok) {
		opts.wscale_ok = 1;
		opts.wscale = XTCP_RCV_WSCALE;
	}
	if (req->tstamp_ok) {
		opts.tstamp_ok = 1;
		opts.tsval = req->ts_cookie ? xtcp_cookie_tsval(req) :
					      xtcp_ts_clock() + req->ts_off;
		opts.tsecr = req->ts_recent;
	}
	return xtcp_v4_xmit_reply(net, &fl4, req->iss, req->irs + 1,
				  XTCPHDR_SYN | XTCPHDR_ACK, req->rcv_wnd,
				  opt, xtcp_write_options(opt, &opts));
}

/**
 * xtcp_v4_send_reply() - send a segment that belongs to no socket
 * @net: namespace
 * @saddr: our address
 * @daddr: the peer's address
 * @sport: our port
 * @dport: the peer's port
 * @seq: sequence number
 * @ack: acknowledgment number
 * @flags: header flags
 * @window: window field
 *
 * Used for resets to stray segments and for the ACKs of TIME_WAIT.
 */
void xtcp_v4_send_reply(struct net *net, __be32 saddr, __be32 daddr,
			__be16 sport, __be16 dport, u32 seq, u32 ack, u8 flags,
			u16 window)
{
	struct flowi4 fl4;

	flowi4_init_output(&fl4, 0, 0, 0, RT_SCOPE_UNIVERSE, xtcp_ipproto, 0,
			   daddr, saddr, dport, sport, sock_net_uid(net, NULL));
	xtcp_v4_xmit_reply(net, &fl4, seq, ack, flags, window, NULL, 0);
}

/**
 * xtcp_v4_send_reset() - answer a segment that reached no socket
 * @net: namespace the segment arrived in
 * @skb: the segment; never itself a RST
 *
 * RFC 9293 section 3.10.7.1: if the segment has ACK set, the reset takes
 * its sequence number from SEG.ACK; otherwise it has sequence number zero
 * and acknowledges SEG.SEQ + SEG.LEN.
 */
void xtcp_v4_send_reset(struct net *net, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);

	if (cb->flags & XTCPHDR_ACK)
		xtcp_v4_send_reply(net, iph->daddr, iph->saddr, th->dest,
				   th->source, cb->ack_seq, 0, XTCPHDR_RST, 0);
	else
		xtcp_v4_send_reply(net, iph->daddr, iph->saddr, th->dest,
				   th->source, 0, cb->end_seq,
				   XTCPHDR_RST | XTCPHDR_ACK, 0);
}
