// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp receive path: from the IPv4 protocol handler to the state machine.
 *
 * xtcp_v4_rcv() runs in softirq: it checks lengths and the checksum, finds
 * the socket (connection table, then listeners) and either processes the
 * segment under bh_lock_sock or queues it to the socket's backlog when the
 * user owns the socket. The state machine follows RFC 9293 section 3.10.7
 * ("SEGMENT ARRIVES"), one function per step.
 */

#include <linux/tcp.h>
#include <net/ip.h>
#include <net/checksum.h>

#include "xtcp.h"

/**
 * xtcp_parse_options() - read the options of a SYN
 * @skb: the segment, with its TCP header linear
 * @xs: the socket to record the peer's MSS in
 *
 * Options xtcp does not implement are skipped; a malformed option list
 * ends the parse.
 */
void xtcp_parse_options(const struct sk_buff *skb, struct xtcp_sock *xs)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const u8 *p = (const u8 *)(th + 1);
	int len = th->doff * 4 - XTCP_HDR_LEN;

	while (len > 0) {
		u8 kind = p[0], olen;

		if (kind == XTCPOPT_EOL)
			return;
		if (kind == XTCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return;
		olen = p[1];
		if (olen < 2 || olen > len)
			return;
		if (kind == XTCPOPT_MSS && olen == XTCPOLEN_MSS) {
			u16 mss = get_unaligned_be16(p + 2);

			if (mss)
				xs->rx_mss = max_t(u16, mss, XTCP_MIN_MSS);
		}
		p += olen;
		len -= olen;
	}
}

/* RFC 9293 3.10.7.4 first check: is the segment's sequence acceptable? */
static bool xtcp_sequence_ok(const struct xtcp_sock *xs,
			     const struct xtcp_skb_cb *cb)
{
	u32 wend = xs->rcv_nxt + xs->rcv_wnd;

	if (cb->seq == cb->end_seq) {
		if (!xs->rcv_wnd)
			return cb->seq == xs->rcv_nxt;
		return !xtcp_before(cb->seq, xs->rcv_nxt) && xtcp_before(cb->seq, wend);
	}
	if (!xs->rcv_wnd)
		return false;
	return (!xtcp_before(cb->seq, xs->rcv_nxt) && xtcp_before(cb->seq, wend)) ||
	       (!xtcp_before(cb->end_seq - 1, xs->rcv_nxt) &&
		xtcp_before(cb->end_seq - 1, wend));
}

/* RFC 5961 section 3.2 and 4.2: answer a suspicious RST or SYN with an ACK */
static void xtcp_send_challenge_ack(struct sock *sk)
{
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_CHALLENGEACKS);
	xtcp_send_ack(sk);
}

/* The peer reset the connection (RFC 9293 3.10.7.4, second check) */
static void xtcp_reset(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		sk->sk_err = ECONNREFUSED;
		break;
	case TCP_CLOSE_WAIT:
		sk->sk_err = EPIPE;
		break;
	case TCP_CLOSE:
		return;
	default:
		sk->sk_err = ECONNRESET;
	}
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT))
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ESTABRESETS);
	xtcp_done(sk);
	sk_error_report(sk);
}

/* RFC 9293 3.10.7.3: SYN_SENT */
static void xtcp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool ack = cb->flags & XTCPHDR_ACK;

	if (ack && (!xtcp_after(cb->ack_seq, xs->iss) ||
		    xtcp_after(cb->ack_seq, xs->snd_nxt))) {
		if (!(cb->flags & XTCPHDR_RST))
			xtcp_v4_send_reset(sock_net(sk), skb);
		return;
	}
	if (cb->flags & XTCPHDR_RST) {
		if (ack) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
			xtcp_reset(sk);
		}
		return;
	}
	if (!(cb->flags & XTCPHDR_SYN))
		return;

	xtcp_parse_options(skb, xs);
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->snd_wnd = ntohs(tcp_hdr(skb)->window);
	xs->snd_wl1 = cb->seq;
	if (__sk_dst_get(sk))
		xs->mss_cache = xtcp_mss_for_dst(sk, __sk_dst_get(sk));

	if (ack) {
		xs->snd_una = cb->ack_seq;
		xs->snd_wl2 = cb->ack_seq;
		xs->retransmits = 0;
		xs->backoff = 0;
		xtcp_clear_timers(sk);
		xtcp_set_state(sk, TCP_ESTABLISHED);
		xtcp_send_ack(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		return;
	}

	/* Simultaneous open: both SYNs crossed */
	xtcp_set_state(sk, TCP_SYN_RECV);
	xtcp_send_synack(sk);
}

/* SYN_RECV gets an acceptable ACK: the handshake is complete */
static int xtcp_synrecv_ack(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	int err;

	xs->snd_una = cb->ack_seq;
	xs->snd_wl2 = cb->ack_seq;
	xs->retransmits = 0;
	xs->backoff = 0;
	xtcp_clear_timers(sk);

	if (xs->parent) {
		err = xtcp_child_established(sk);
		if (err == -ENOBUFS) {
			xs->snd_una = xs->iss;
			xtcp_reset_retrans_timer(sk, xs->rto);
			return err;
		}
		if (err) {
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_done(sk);
			return err;
		}
		return 0;
	}
	xtcp_set_state(sk, TCP_ESTABLISHED);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	return 0;
}

/* RFC 9293 3.10.7.4 fifth check: the ACK field in a synchronised state */
static void xtcp_ack(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_after(cb->ack_seq, xs->snd_nxt)) {
		xtcp_send_ack(sk);
		return;
	}
	if (xtcp_after(cb->ack_seq, xs->snd_una))
		xs->snd_una = cb->ack_seq;
	if (xtcp_before(xs->snd_wl1, cb->seq) ||
	    (xs->snd_wl1 == cb->seq && !xtcp_before(cb->ack_seq, xs->snd_wl2))) {
		xs->snd_wnd = ntohs(tcp_hdr(skb)->window);
		xs->snd_wl1 = cb->seq;
		xs->snd_wl2 = cb->ack_seq;
	}
}

/* RFC 9293 3.10.7.4 eighth check: FIN */
static void xtcp_fin(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (cb->end_seq - 1 != xs->rcv_nxt)
		return;
	xs->rcv_nxt++;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	if (sk->sk_state == TCP_ESTABLISHED)
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
	xtcp_send_ack(sk);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
}

/* RFC 9293 3.10.7.4: SYN_RECV and the synchronised states */
static void xtcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool ack_ok;

	/* A retransmitted SYN, or the SYN-ACK of a simultaneous open */
	if (sk->sk_state == TCP_SYN_RECV && (cb->flags & XTCPHDR_SYN) &&
	    cb->seq == xs->irs && !(cb->flags & XTCPHDR_RST)) {
		ack_ok = (cb->flags & XTCPHDR_ACK) &&
			 xtcp_after(cb->ack_seq, xs->snd_una) &&
			 !xtcp_after(cb->ack_seq, xs->snd_nxt);
		if (!ack_ok) {
			xtcp_send_synack(sk);
			return;
		}
		if (!xtcp_synrecv_ack(sk, cb))
			xtcp_send_ack(sk);
		return;
	}

	/* First: sequence number */
	if (!xtcp_sequence_ok(xs, cb)) {
		if (!(cb->flags & XTCPHDR_RST))
			xtcp_send_ack(sk);
		return;
	}

	/* Second: RST, exact sequence only (RFC 5961 3.2) */
	if (cb->flags & XTCPHDR_RST) {
		if (cb->seq != xs->rcv_nxt) {
			xtcp_send_challenge_ack(sk);
			return;
		}
		if (sk->sk_state == TCP_SYN_RECV && xs->parent) {
			xtcp_child_drop(sk);
			return;
		}
		if (sk->sk_state == TCP_SYN_RECV)
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
		xtcp_reset(sk);
		return;
	}

	/* Fourth: SYN in the window (RFC 5961 4.2) */
	if (cb->flags & XTCPHDR_SYN) {
		xtcp_send_challenge_ack(sk);
		return;
	}

	/* Fifth: ACK */
	if (!(cb->flags & XTCPHDR_ACK))
		return;
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!xtcp_after(cb->ack_seq, xs->snd_una) ||
		    xtcp_after(cb->ack_seq, xs->snd_nxt)) {
			xtcp_v4_send_reset(sock_net(sk), skb);
			return;
		}
		if (xtcp_synrecv_ack(sk, cb))
			return;
	}
	xtcp_ack(sk, skb);

	/* Eighth: FIN */
	if (cb->flags & XTCPHDR_FIN)
		xtcp_fin(sk, cb);
}

/*
 * Process one segment for a socket that is not a listener; the socket is
 * locked and not owned by the user.
 */
static void xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	xtcp_sk(sk)->segs_in++;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		if (!(XTCP_SKB_CB(skb)->flags & XTCPHDR_RST))
			xtcp_v4_send_reset(sock_net(sk), skb);
		break;
	case TCP_LISTEN:
		break;
	case TCP_SYN_SENT:
		xtcp_rcv_synsent(sk, skb);
		break;
	default:
		xtcp_rcv_synchronized(sk, skb);
		break;
	}
	consume_skb(skb);
}

/**
 * xtcp_backlog_rcv() - process a segment queued while the user owned @sk
 * @sk: the socket, owned by the releasing user
 * @skb: the segment; consumed
 *
 * Return: 0.
 */
int xtcp_backlog_rcv(struct sock *sk, struct sk_buff *skb)
{
	xtcp_rcv_state_process(sk, skb);
	return 0;
}

static void xtcp_fill_cb(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = xtcp_flag_byte(th);
}

static void xtcp_rcv_established_path(struct sock *sk, struct sk_buff *skb)
{
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state_process(sk, skb);
	} else if (sk_add_backlog(sk, skb,
				  READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf))) {
		bh_unlock_sock(sk);
		atomic_inc(&sk->sk_drops);
		kfree_skb(skb);
		return;
	}
	bh_unlock_sock(sk);
}

/**
 * xtcp_v4_rcv() - IPv4 protocol handler for IPPROTO_XTCP
 * @skb: the packet, with the IPv4 header pulled
 *
 * Return: 0; the skb is always consumed.
 */
int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;
	XTCP_INC_STATS(net, XTCP_MIB_INSEGS);

	if (!pskb_may_pull(skb, XTCP_HDR_LEN))
		goto bad_packet;
	th = tcp_hdr(skb);
	if (th->doff * 4 < XTCP_HDR_LEN || !pskb_may_pull(skb, th->doff * 4))
		goto bad_packet;
	if (skb_checksum_init(skb, IPPROTO_TCP, inet_compute_pseudo))
		goto csum_error;
	if (!skb_csum_unnecessary(skb) && __skb_checksum_complete(skb))
		goto csum_error;

	th = tcp_hdr(skb);
	iph = ip_hdr(skb);
	xtcp_fill_cb(skb);

	sk = xtcp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				     th->dest);
	if (sk) {
		xtcp_rcv_established_path(sk, skb);
		sock_put(sk);
		return 0;
	}
	sk = xtcp_lookup_listener(net, iph->daddr, th->dest);
	if (sk) {
		xtcp_listen_rcv(sk, skb);
		sock_put(sk);
		return 0;
	}

	if (!th->rst)
		xtcp_v4_send_reset(net, skb);
	goto discard;

csum_error:
	XTCP_INC_STATS(net, XTCP_MIB_INCSUMERRORS);
bad_packet:
	XTCP_INC_STATS(net, XTCP_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}
