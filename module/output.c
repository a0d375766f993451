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
 * and by the MSS the peer announced.
 */
u16 xtcp_mss_for_dst(struct sock *sk, struct dst_entry *dst)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int mss = dst_mtu(dst) - sizeof(struct iphdr) - XTCP_HDR_LEN;

	if (xs->user_mss && xs->user_mss < mss)
		mss = xs->user_mss;
	if (xs->rx_mss && xs->rx_mss < mss)
		mss = xs->rx_mss;
	return max(mss, XTCP_MIN_MSS);
}

/**
 * xtcp_route() - route a socket to its peer and cache the route
 * @sk: the socket, with inet_daddr and ports set; a zero source address is
 *	filled in from the route
 *
 * Return: 0 or a negative errno (-ENETUNREACH for multicast/broadcast).
 */
int xtcp_route(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	struct flowi4 *fl4 = &inet->cork.fl.u.ip4;
	struct rtable *rt;

	flowi4_init_output(fl4, sk->sk_bound_dev_if, sk->sk_mark,
			   RT_CONN_FLAGS(sk), RT_SCOPE_UNIVERSE, sk->sk_protocol,
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

static unsigned int xtcp_syn_options(struct sock *sk, u8 *opt)
{
	u16 mss = xtcp_sk(sk)->mss_cache;

	opt[0] = XTCPOPT_MSS;
	opt[1] = XTCPOLEN_MSS;
	put_unaligned_be16(mss, opt + 2);
	return XTCPOLEN_MSS;
}

static u16 xtcp_window_field(struct sock *sk)
{
	return min_t(u32, xtcp_sk(sk)->rcv_wnd, U16_MAX);
}

/*
 * Send one segment of @sk with sequence number @seq and header @flags.
 * The payload, if any, is already in @skb. SYN segments carry the MSS
 * option.
 */
static int xtcp_transmit(struct sock *sk, struct sk_buff *skb, u32 seq,
			 u8 flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	u8 opt[XTCPOLEN_MSS];
	unsigned int optlen = 0;
	u32 ack = (flags & XTCPHDR_ACK) ? xs->rcv_nxt : 0;
	struct tcphdr *th;
	int err;

	if (flags & XTCPHDR_SYN)
		optlen = xtcp_syn_options(sk, opt);
	th = xtcp_push_header(skb, inet->inet_sport, inet->inet_dport, seq, ack,
			      flags, xtcp_window_field(sk), optlen);
	memcpy(th + 1, opt, optlen);
	xtcp_checksum(skb, inet->inet_saddr, inet->inet_daddr);

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
 * xtcp_send_active_reset() - abort a connection towards the peer
 * @sk: synchronised socket
 * @gfp: allocation context
 */
void xtcp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	xtcp_send_ctl(sk, xtcp_sk(sk)->snd_nxt, XTCPHDR_RST | XTCPHDR_ACK, gfp);
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
	struct sk_buff *rskb;
	struct rtable *rt;
	struct flowi4 fl4;
	struct iphdr *riph;
	u32 seq = 0, ack = 0;
	u8 flags = XTCPHDR_RST;

	if (cb->flags & XTCPHDR_ACK) {
		seq = cb->ack_seq;
	} else {
		ack = cb->end_seq;
		flags |= XTCPHDR_ACK;
	}

	flowi4_init_output(&fl4, 0, 0, 0, RT_SCOPE_UNIVERSE, xtcp_ipproto, 0,
			   iph->saddr, iph->daddr, th->source, th->dest,
			   sock_net_uid(net, NULL));
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return;

	rskb = xtcp_alloc_ctl_skb(GFP_ATOMIC);
	if (!rskb) {
		ip_rt_put(rt);
		return;
	}
	xtcp_push_header(rskb, th->dest, th->source, seq, ack, flags, 0, 0);
	xtcp_checksum(rskb, iph->daddr, iph->saddr);

	skb_dst_set(rskb, &rt->dst);
	riph = skb_push(rskb, sizeof(*riph));
	skb_reset_network_header(rskb);
	riph->version = 4;
	riph->ihl = sizeof(*riph) >> 2;
	riph->tos = 0;
	riph->frag_off = htons(IP_DF);
	riph->ttl = ip4_dst_hoplimit(&rt->dst);
	riph->protocol = xtcp_ipproto;
	riph->saddr = fl4.saddr;
	riph->daddr = fl4.daddr;
	riph->tot_len = htons(rskb->len);
	ip_select_ident(net, rskb, NULL);
	rskb->protocol = htons(ETH_P_IP);

	XTCP_INC_STATS(net, XTCP_MIB_OUTSEGS);
	XTCP_INC_STATS(net, XTCP_MIB_OUTRSTS);
	ip_local_out(net, NULL, rskb);
}
