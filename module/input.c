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
#include <net/xfrm.h>

#include "xtcp.h"

/**
 * xtcp_parse_options() - read the options of a segment
 * @th: the TCP header, linear with its options
 * @opt: filled in: MSS, window scale and timestamps, each where present
 *
 * Options xtcp does not implement are skipped; one with a wrong length
 * is ignored, and a malformed option list ends the parse (what was read
 * before it stands), as tcp_parse_options() does.
 */
void xtcp_parse_options(const struct tcphdr *th, struct xtcp_options *opt)
{
	const u8 *p = (const u8 *)(th + 1);
	int len = th->doff * 4 - XTCP_HDR_LEN;

	memset(opt, 0, sizeof(*opt));
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
		switch (kind) {
		case XTCPOPT_MSS:
			if (olen == XTCPOLEN_MSS)
				opt->mss = get_unaligned_be16(p + 2);
			break;
		case XTCPOPT_WINDOW:
			if (olen == XTCPOLEN_WINDOW) {
				opt->wscale_ok = 1;
				opt->wscale = p[2];
			}
			break;
		case XTCPOPT_TIMESTAMP:
			if (olen == XTCPOLEN_TIMESTAMP) {
				opt->tstamp_ok = 1;
				opt->tsval = get_unaligned_be32(p + 2);
				opt->tsecr = get_unaligned_be32(p + 6);
			}
			break;
		}
		p += olen;
		len -= olen;
	}
}

/**
 * xtcp_rcv_syn_options() - take the options of the peer's SYN or SYN-ACK
 * @sk: a socket in SYN_SENT, or a listener's new child in SYN_RECV
 * @skb: the SYN
 *
 * Records the peer's MSS and window scale. Timestamps are on when both
 * ends want them (RFC 7323 section 3.2): in SYN_SENT, when our SYN
 * offered them; for a child, when the timestamps sysctl allows them; and
 * in either case when this SYN carries the option, whose TSval becomes
 * TS.Recent.
 */
void xtcp_rcv_syn_options(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_options opt;
	bool offered;

	xtcp_parse_options(tcp_hdr(skb), &opt);
	if (opt.mss)
		xs->rx_mss = max_t(u16, opt.mss, XTCP_MIN_MSS);
	if (opt.wscale_ok) {
		xs->wscale_ok = 1;
		xs->snd_wscale = min_t(u8, opt.wscale, XTCP_MAX_WSCALE);
	}
	offered = sk->sk_state == TCP_SYN_SENT ? xs->tstamp_ok :
		  XTCP_SYSCTL(sk, timestamps);
	xs->tstamp_ok = offered && opt.tstamp_ok;
	if (xs->tstamp_ok) {
		xs->ts_recent = opt.tsval;
		xs->ts_recent_stamp = (u32)ktime_get_seconds();
	}
}

/* TSecr of a received segment, 0 when there is none to use */
static u32 xtcp_rcv_tsecr(const struct xtcp_sock *xs,
			  const struct xtcp_skb_cb *cb)
{
	return xs->tstamp_ok && cb->saw_tstamp ? cb->tsecr : 0;
}

/*
 * RFC 7323 section 5.3 R1 (PAWS): the segment's TSval is older than
 * TS.Recent. A TS.Recent idle for 24 days is no longer valid (5.5), nor
 * is a zero one, which some stacks send before they have a clock (as
 * tcp_paws_check()).
 */
static bool xtcp_paws_reject(const struct xtcp_sock *xs,
			     const struct xtcp_skb_cb *cb)
{
	if (!xs->tstamp_ok || !cb->saw_tstamp ||
	    (s32)(cb->tsval - xs->ts_recent) >= 0 || !xs->ts_recent)
		return false;
	return (u32)ktime_get_seconds() - xs->ts_recent_stamp <
	       XTCP_PAWS_24DAYS;
}

/*
 * A pure duplicate ACK that changes nothing, at rcv_nxt, and whose TSval
 * is behind TS.Recent by less than one RTO: the peer's ACKs overtaken on
 * the way by its later data (paths that spread one flow over several
 * CPUs reorder them). Linux TCP lets it through PAWS
 * (tcp_disordered_ack()), so that duplicate ACKs keep counting for fast
 * retransmit; an old duplicate cannot do harm there.
 */
static bool xtcp_disordered_ack(const struct sock *sk,
				const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const struct xtcp_sock *xs = xtcp_sk(sk);
	u32 wnd = (u32)ntohs(tcp_hdr(skb)->window) << xs->snd_wscale;

	return cb->flags == XTCPHDR_ACK && cb->seq == cb->end_seq &&
	       cb->seq == xs->rcv_nxt && cb->ack_seq == xs->snd_una &&
	       !xtcp_after(cb->seq, xs->snd_wl1) &&
	       (cb->seq != xs->snd_wl1 || wnd <= xs->snd_wnd) &&
	       (s32)(xs->ts_recent - cb->tsval) <=
	       (s32)jiffies_to_msecs(xs->rto);
}

/*
 * RFC 7323 section 4.3 (and 5.3 R3): an acceptable segment that covers
 * the left edge of the window we advertised last (SEG.SEQ <=
 * Last.ACK.sent, which is rcv_wup) gives TS.Recent, the TSval our
 * segments echo; a later, out-of-order segment does not, so that the echo
 * times the whole round trip of the data that was waited for.
 */
static void xtcp_store_ts_recent(struct xtcp_sock *xs,
				 const struct xtcp_skb_cb *cb)
{
	if (!xs->tstamp_ok || !cb->saw_tstamp ||
	    xtcp_after(cb->seq, xs->rcv_wup) || xtcp_paws_reject(xs, cb))
		return;
	xs->ts_recent = cb->tsval;
	xs->ts_recent_stamp = (u32)ktime_get_seconds();
}

/* RFC 9293 3.10.7.4 first check: is the segment's sequence acceptable? */
static bool xtcp_sequence_ok(const struct xtcp_sock *xs,
			     const struct xtcp_skb_cb *cb)
{
	u32 win = xtcp_receive_window(xs);
	u32 wend = xs->rcv_nxt + win;

	if (cb->seq == cb->end_seq) {
		if (!win)
			return cb->seq == xs->rcv_nxt;
		return !xtcp_before(cb->seq, xs->rcv_nxt) && xtcp_before(cb->seq, wend);
	}
	if (!win)
		return false;
	return (!xtcp_before(cb->seq, xs->rcv_nxt) && xtcp_before(cb->seq, wend)) ||
	       (!xtcp_before(cb->end_seq - 1, xs->rcv_nxt) &&
		xtcp_before(cb->end_seq - 1, wend));
}

/*
 * Replies to invalid segments that carry no data (pure ACKs, SYNs, FINs)
 * are limited to one per invalid_ratelimit ms per socket, so that two
 * ends that disagree cannot ping-pong ACKs at each other at full speed
 * (tcp_oow_rate_limited()). Return: true when this reply is skipped.
 */
static bool xtcp_oow_rate_limited(struct sock *sk, const struct sk_buff *skb,
				  int mib)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 payload = cb->end_seq - cb->seq - !!(cb->flags & XTCPHDR_SYN) -
		      !!(cb->flags & XTCPHDR_FIN);
	unsigned long now = jiffies;

	if (payload && !(cb->flags & XTCPHDR_SYN))
		return false;
	if (xs->last_oow_ack && time_before(now, xs->last_oow_ack +
			msecs_to_jiffies(XTCP_SYSCTL(sk, invalid_ratelimit)))) {
		XTCP_INC_STATS(sock_net(sk), mib);
		return true;
	}
	xs->last_oow_ack = now ? : 1;
	return false;
}

/* Answer a segment that is not acceptable with an ACK (RFC 9293 3.10.7.4) */
static void xtcp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	if (!xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDSEQ))
		xtcp_send_ack(sk);
}

/*
 * RFC 5961 sections 3.2, 4.2 and 5.2: answer a suspicious RST, SYN or ACK
 * with an ACK. Besides the per-socket limit, at most challenge_ack_limit
 * per second go out per namespace, and each second's budget is drawn at
 * random around that limit, so that an attacker cannot count them to
 * learn whether a guessed segment hit a connection (RFC 5961 section 7,
 * CVE-2016-5696), as tcp_send_challenge_ack() does.
 */
static void xtcp_send_challenge_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));
	u32 limit, now, count;

	if (xtcp_oow_rate_limited(sk, skb, XTCP_MIB_ACKSKIPPEDCHALLENGE))
		return;
	limit = READ_ONCE(xn->sysctl.challenge_ack_limit);
	if (limit != INT_MAX) {
		now = jiffies / HZ;
		if (now != READ_ONCE(xn->challenge_second)) {
			u32 half = (limit + 1) >> 1;

			WRITE_ONCE(xn->challenge_second, now);
			WRITE_ONCE(xn->challenge_budget, limit ?
				   half + get_random_u32_below(limit) : 0);
		}
		count = READ_ONCE(xn->challenge_budget);
		if (!count) {
			XTCP_INC_STATS(sock_net(sk),
				       XTCP_MIB_ACKSKIPPEDCHALLENGE);
			return;
		}
		WRITE_ONCE(xn->challenge_budget, count - 1);
	}
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
	/*
	 * An echo of a TSval our SYNs never carried: not an answer to them
	 * (as Linux TCP's PAWSActive check)
	 */
	if (ack && xtcp_rcv_tsecr(xs, cb) &&
	    !xtcp_between(cb->tsecr, xs->ts_off +
			  (u32)div_u64(xs->syn_sent_us, USEC_PER_MSEC),
			  xtcp_ts_now(xs))) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PAWSACTIVEREJECTED);
		if (!(cb->flags & XTCPHDR_RST))
			xtcp_v4_send_reset(sock_net(sk), skb);
		return;
	}
	if (cb->flags & XTCPHDR_RST) {
		if (ack)
			xtcp_reset(sk);
		return;
	}
	if (!(cb->flags & XTCPHDR_SYN))
		return;

	xtcp_rcv_syn_options(sk, skb);
	xs->irs = cb->seq;
	xs->rcv_nxt = cb->seq + 1;
	xs->snd_wnd = ntohs(tcp_hdr(skb)->window);
	xs->snd_wl1 = cb->seq;
	xtcp_synchronize(sk);

	if (ack) {
		xs->snd_una = cb->ack_seq;
		xs->snd_wl2 = cb->ack_seq;
		xtcp_handshake_rtt(sk, xtcp_rcv_tsecr(xs, cb));
		xtcp_clear_xmit_timers(sk);
		xtcp_set_state(sk, TCP_ESTABLISHED);
		xtcp_send_ack(sk);
		xtcp_keepalive_start(sk);
		sk->sk_state_change(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
		return;
	}

	/* Simultaneous open: both SYNs crossed */
	xtcp_set_state(sk, TCP_SYN_RECV);
	xtcp_send_synack(sk);
}

/*
 * SYN_RECV gets an acceptable ACK: the handshake is complete. A child
 * whose listener's accept queue is full drops the ACK and stays in
 * SYN_RECV, its SYN-ACK timer still counting towards synack_retries (as
 * TCP's request sockets do), so that the peer's ACKs cannot keep it alive.
 */
static int xtcp_synrecv_ack(struct sock *sk, const struct xtcp_skb_cb *cb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool child = xs->parent;
	int err;

	if (child) {
		err = xtcp_child_established(sk);
		if (err == -ENOBUFS)
			return err;
		if (err) {
			xtcp_send_active_reset(sk, GFP_ATOMIC);
			xtcp_forget(sk);
			return err;
		}
	}
	xs->snd_una = cb->ack_seq;
	xs->snd_wl2 = cb->ack_seq;
	xtcp_handshake_rtt(sk, xtcp_rcv_tsecr(xs, cb));
	xtcp_clear_xmit_timers(sk);
	if (child)
		return 0;
	xtcp_set_state(sk, TCP_ESTABLISHED);
	xtcp_keepalive_start(sk);
	sk->sk_state_change(sk);
	sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	return 0;
}

/*
 * Free what an ACK covers and take one RTT sample from it. An ACK that
 * covers retransmitted data gives none from the clock of the write queue
 * (Karn's rule, RFC 6298 section 3): it may answer the retransmission
 * rather than the segments sent after the original, as
 * tcp_clean_rtx_queue() reasons. Its timestamp echo (@tsecr, 0 without
 * one) has no such ambiguity and gives the sample then (RFC 7323 section
 * 4).
 */
static void xtcp_clean_rtx_queue(struct sock *sk, u32 ack, u32 tsecr)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool retrans_acked = false;
	bool freed = false;
	u64 sent_us = 0;
	struct sk_buff *skb;

	while ((skb = skb_peek(&sk->sk_write_queue))) {
		const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);

		if (cb->retrans && xtcp_after(ack, cb->seq))
			retrans_acked = true;
		if (xtcp_after(cb->end_seq, ack) || cb->seq == cb->end_seq)
			break;
		if (cb->when_us)
			sent_us = cb->when_us;
		if (skb == xs->send_head)
			xs->send_head = skb_queue_is_last(&sk->sk_write_queue,
							  skb) ? NULL : skb->next;
		__skb_unlink(skb, &sk->sk_write_queue);
		xtcp_wmem_uncharge(sk, skb);
		consume_skb(skb);
		freed = true;
	}
	if (sent_us && !retrans_acked)
		xtcp_rtt_sample(sk, xtcp_clock_us() - sent_us);
	else if (freed)
		xtcp_ts_rtt_sample(sk, tsecr);
}

/*
 * RFC 5681 section 2 duplicate ACK, RFC 6582 section 3.2 steps 2-4: the
 * third one starts fast retransmit, later ones inflate the window.
 */
static void xtcp_dupack(struct sock *sk, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DUPACKSIN);
	if (xs->ca_state == XTCP_CA_RECOVERY) {
		xs->snd_cwnd++;
		return;
	}
	if (++xs->dupacks != 3 || xs->ca_state == XTCP_CA_LOSS ||
	    xtcp_before(ack, xs->recover) || !head)
		return;
	xtcp_enter_recovery(sk);
	xtcp_retransmit_skb(sk, head);
	xtcp_arm_retrans_timer(sk);
}

/*
 * RFC 9293 3.10.7.4 fifth check: a new ACK moves snd_una. @tsecr: its
 * timestamp echo, 0 without one.
 */
static void xtcp_new_ack(struct sock *sk, u32 ack, u32 tsecr)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 acked = ack - xs->snd_una;
	struct sk_buff *head;

	xs->snd_una = ack;
	if (xtcp_after(ack, xs->snd_nxt))
		xs->snd_nxt = ack;
	xs->bytes_acked += acked;
	xtcp_clean_rtx_queue(sk, ack, tsecr);
	xs->dupacks = 0;
	xs->retransmits = 0;
	xs->refused_since = 0;

	head = skb_peek(&sk->sk_write_queue);
	if (xtcp_cong_on_ack(sk, acked, ack) && head && head != xs->send_head)
		xtcp_retransmit_skb(sk, head);

	xtcp_timers_acked(sk);
	sk->sk_write_space(sk);
}

/*
 * RFC 9293 3.10.7.4 fifth check: take the window of a segment newer than
 * the last update (SND.WL1, SND.WL2). Return: true when it changed.
 */
static bool xtcp_update_window(struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 wnd = (u32)ntohs(tcp_hdr(skb)->window) << xs->snd_wscale;
	bool changed = wnd != xs->snd_wnd;

	if (!xtcp_before(xs->snd_wl1, cb->seq) &&
	    (xs->snd_wl1 != cb->seq || xtcp_before(cb->ack_seq, xs->snd_wl2)))
		return false;
	xs->snd_wnd = wnd;
	xs->max_window = max(xs->max_window, wnd);
	xs->snd_wl1 = cb->seq;
	xs->snd_wl2 = cb->ack_seq;
	return changed;
}

/*
 * RFC 9293 3.10.7.4 fifth check, ESTABLISHED and later states, with RFC
 * 5961 section 5.2: an ACK field above what was sent, or below snd_una by
 * more than the largest window the peer ever offered, cannot come from
 * the peer; the segment is dropped, data and all, and answered with a
 * challenge ACK. @in_window: the segment passed the sequence check (only
 * such a segment may update the send window and proves the peer alive).
 *
 * Return: false when the segment must be dropped (@reason set).
 */
static bool xtcp_ack(struct sock *sk, struct sk_buff *skb, bool in_window,
		     enum skb_drop_reason *reason)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 ack = cb->ack_seq;
	bool win_changed = false;

	if (xtcp_after(ack, xs->snd_max)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACKUNSENTDATA);
		xtcp_send_challenge_ack(sk, skb);
		*reason = SKB_DROP_REASON_TCP_ACK_UNSENT_DATA;
		return false;
	}
	if (xtcp_before(ack, xs->snd_una - xs->max_window)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACKTOOOLD);
		xtcp_send_challenge_ack(sk, skb);
		*reason = SKB_DROP_REASON_TCP_TOO_OLD_ACK;
		return false;
	}
	if (in_window) {
		/* A valid segment: the peer is alive (keepalive, RFC 9293 3.8.4) */
		xs->rcv_tstamp = jiffies;
		xs->ka_probes_out = 0;
		xtcp_store_ts_recent(xs, cb);
	}
	if (xtcp_before(ack, xs->snd_una))
		return true;
	if (in_window)
		win_changed = xtcp_update_window(sk, skb);
	/* RFC 9293 3.8.6.1: an answered probe keeps the connection open */
	xs->probes = 0;

	if (ack != xs->snd_una)
		xtcp_new_ack(sk, ack, xtcp_rcv_tsecr(xs, cb));
	else if (in_window && xs->snd_una != xs->snd_max &&
		 cb->seq == cb->end_seq && !win_changed)
		xtcp_dupack(sk, ack);

	if (xs->snd_wnd && xs->pending == XTCP_TIME_PROBE) {
		/* The window opened: the probes' backoff is over */
		xs->backoff = 0;
		xtcp_stop_retrans_timer(sk);
	}
	xtcp_write_xmit(sk);
	return true;
}

/*
 * RFC 9293 3.10.7.4 fifth check in FIN_WAIT1, CLOSING and LAST_ACK: the
 * peer acknowledged our FIN. Return: false when the socket is closed (or
 * replaced by a TIME_WAIT entry).
 */
static bool xtcp_fin_acked(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->fin_queued || xs->snd_una != xs->write_seq)
		return true;
	switch (sk->sk_state) {
	case TCP_FIN_WAIT1:
		xtcp_set_state(sk, TCP_FIN_WAIT2);
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		if (sock_flag(sk, SOCK_DEAD))
			xtcp_arm_fin_wait2_timer(sk);
		else
			sk->sk_state_change(sk);
		return true;
	case TCP_CLOSING:
		xtcp_time_wait(sk);
		return false;
	case TCP_LAST_ACK:
		xtcp_done(sk);
		return false;
	}
	return true;
}

/* RFC 9293 3.10.7.4 eighth check: FIN, in sequence */
static void xtcp_fin(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->rcv_nxt++;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	xtcp_ofo_purge(sk);
	xtcp_send_ack(sk);
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
		xtcp_set_state(sk, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT1:
		xtcp_set_state(sk, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT2:
		xtcp_time_wait(sk);
		return;
	}
	sk->sk_state_change(sk);
	if (sk->sk_shutdown == SHUTDOWN_MASK || sk->sk_state == TCP_CLOSE)
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
	else
		sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
}

/* Payload bytes of a segment whose header is already pulled */
static u32 xtcp_data_end(const struct sk_buff *skb)
{
	return XTCP_SKB_CB(skb)->seq + skb->len;
}

/**
 * xtcp_queue_in_order() - append an in-sequence segment to the receive queue
 * @sk: the socket
 * @skb: the segment, its header pulled, charged to @sk when it has
 *	payload; it may start before rcv_nxt (the overlap is trimmed)
 *
 * A FIN it carries is processed once its data is in.
 *
 * Return: true when the skb was queued (and is now owned by the queue).
 */
bool xtcp_queue_in_order(struct sock *sk, struct sk_buff *skb)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 trim = xs->rcv_nxt - cb->seq;
	bool fin = cb->flags & XTCPHDR_FIN;
	bool queued = false;

	if (trim && trim <= skb->len) {
		if (!pskb_pull(skb, trim))
			return false;
		cb->seq = xs->rcv_nxt;
	}
	if (skb->len && cb->seq == xs->rcv_nxt) {
		xs->rcv_nxt = xtcp_data_end(skb);
		xs->bytes_received += skb->len;
		xs->rcv_mss = max_t(u16, xs->rcv_mss,
				    min_t(u32, skb->len, xs->mss_cache));
		__skb_queue_tail(&sk->sk_receive_queue, skb);
		queued = true;
	}
	if (fin && cb->end_seq - 1 == xs->rcv_nxt)
		xtcp_fin(sk);
	return queued;
}

/*
 * The socket's own limit on receive memory. Data inside the window we
 * advertised is taken even beyond SO_RCVBUF, up to twice it, since the
 * window promised it: skbs can cost more memory than the payload/truesize
 * ratio that sized the window predicted. Other data must fit SO_RCVBUF.
 */
static bool xtcp_rmem_admits(const struct sock *sk, const struct sk_buff *skb)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	int rmem = atomic_read(&sk->sk_rmem_alloc);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);

	if (rmem + skb->truesize <= rcvbuf)
		return true;
	return (s64)rmem + skb->truesize <= 2 * (s64)rcvbuf &&
	       !xtcp_after(xtcp_data_end(skb), xs->rcv_wup + xs->rcv_wnd);
}

/*
 * Receive memory for a segment, as tcp_try_rmem_schedule(): within the
 * socket's limit (xtcp_rmem_admits()) and the namespace's
 * (sk_rmem_schedule() against net.xtcp.mem). When either refuses,
 * out-of-order data beyond the segment is pruned from the far end until
 * it fits. Return: true when the memory is scheduled; the caller charges
 * it (skb_set_owner_r()).
 */
static bool xtcp_rmem_schedule(struct sock *sk, struct sk_buff *skb)
{
	if (xtcp_rmem_admits(sk, skb) &&
	    sk_rmem_schedule(sk, skb, skb->truesize))
		return true;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PRUNECALLED);
	do {
		if (!xtcp_ofo_prune(sk, skb)) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RCVPRUNED);
			return false;
		}
	} while (!xtcp_rmem_admits(sk, skb) ||
		 !sk_rmem_schedule(sk, skb, skb->truesize));
	return true;
}

/* A segment refused for lack of memory: counted, answered with an ACK */
static bool xtcp_rmem_drop(struct sock *sk, int mib,
			   enum skb_drop_reason *reason)
{
	atomic_inc(&sk->sk_drops);
	XTCP_INC_STATS(sock_net(sk), mib);
	*reason = SKB_DROP_REASON_PROTO_MEM;
	xtcp_send_ack(sk);
	return false;
}

/*
 * RFC 9293 3.10.7.4 seventh check: segment text (and a FIN riding on
 * it). In-sequence data goes to the receive queue and pulls queued
 * out-of-order data after it; data beyond rcv_nxt waits in the
 * out-of-order queue and is answered by an immediate duplicate ACK, as is
 * old data. Otherwise an ACK goes out for every second full segment or
 * from the delayed-ACK timer. Data that finds no memory is dropped
 * (RcvQDrop in order, OfoDrop out of order) and the peer sends it again.
 *
 * Return: true when the skb was queued (or merged into a queued one).
 */
static bool xtcp_data_queue(struct sock *sk, struct sk_buff *skb,
			    enum skb_drop_reason *reason)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	u32 mss = xs->rcv_mss ? : xs->mss_cache;
	bool queued;

	if (!xtcp_after(cb->end_seq, xs->rcv_nxt)) {
		*reason = SKB_DROP_REASON_TCP_OLD_DATA;
		xtcp_send_ack(sk);
		return false;
	}
	/* Queued data keeps no route, as tcp_data_queue() */
	skb_dst_drop(skb);
	if (skb->len >= xs->rcv_mss && skb->truesize)
		xs->rcv_ratio = clamp_t(u32, (skb->len << 8) / skb->truesize,
					1, 255);

	if (xtcp_after(cb->seq, xs->rcv_nxt)) {
		if (!xtcp_rmem_schedule(sk, skb))
			return xtcp_rmem_drop(sk, XTCP_MIB_OFODROP, reason);
		queued = xtcp_ofo_insert(sk, skb, reason);
		xtcp_send_ack(sk);
		return queued;
	}

	if (skb->len) {
		if (!xtcp_rmem_schedule(sk, skb))
			return xtcp_rmem_drop(sk, XTCP_MIB_RCVQDROP, reason);
		skb_set_owner_r(skb, sk);
	}
	queued = xtcp_queue_in_order(sk, skb);
	xtcp_ofo_drain(sk);
	if (queued)
		sk->sk_data_ready(sk);
	/* A FIN that came in order was acknowledged at once */
	if (sock_flag(sk, SOCK_DONE))
		return queued;
	if (!xtcp_ofo_empty(xs) || xs->rcv_nxt - xs->rcv_wup >= 2 * mss)
		xtcp_send_ack(sk);
	else if (queued)
		xtcp_schedule_ack(sk);
	return queued;
}

/**
 * xtcp_synchronize() - set up the sequence space once both ISNs are known
 * @sk: socket entering SYN_RECV or ESTABLISHED from SYN_SENT, or a new
 *	child
 */
void xtcp_synchronize(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct dst_entry *dst = __sk_dst_get(sk);

	xs->snd_max = xs->snd_nxt;
	xs->max_window = xs->snd_wnd;
	xs->rcv_tstamp = jiffies;
	xs->write_seq = xs->snd_nxt;
	xs->copied_seq = xs->rcv_nxt;
	xs->rcv_wup = xs->rcv_nxt;
	xs->recover = xs->iss;
	if (xs->wscale_ok) {
		xs->rcv_wscale = XTCP_RCV_WSCALE;
	} else {
		xs->snd_wscale = 0;
		xs->rcv_wscale = 0;
	}
	if (dst)
		xs->mss_cache = xtcp_mss_for_dst(sk, dst);
	xtcp_cong_init(xs);
}

/*
 * A segment that failed the sequence check may still carry the peer's ACK
 * of our data ("special allowance should be made to accept valid ACKs",
 * RFC 9293 3.10.7.4): when our window is closed, the peer's probes carry
 * its ACKs. Only a segment just at the edge of the window counts, as
 * tcp_sequence() bounds it: it ends no earlier than our last window
 * update and starts no later than the window's end. It never updates the
 * send window.
 *
 * Return: false when the segment must be dropped without an answer.
 */
static bool xtcp_oow_ack(struct sock *sk, struct sk_buff *skb,
			 enum skb_drop_reason *reason)
{
	const struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!(cb->flags & XTCPHDR_ACK) || sk->sk_state == TCP_SYN_RECV ||
	    xtcp_before(cb->end_seq, xs->rcv_wup) ||
	    xtcp_after(cb->seq, xs->rcv_nxt + xtcp_receive_window(xs)))
		return true;
	if (!xtcp_ack(sk, skb, false, reason) || !xtcp_fin_acked(sk))
		return false;
	return true;
}

/*
 * RFC 9293 3.10.7.4: SYN_RECV and the synchronised states. Return: true
 * when the skb was queued; else *@reason says why it is dropped, or stays
 * SKB_NOT_DROPPED_YET when it was used up.
 */
static bool xtcp_rcv_synchronized(struct sock *sk, struct sk_buff *skb,
				  enum skb_drop_reason *reason)
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
			return false;
		}
		if (!xtcp_synrecv_ack(sk, cb))
			xtcp_send_ack(sk);
		return false;
	}

	/*
	 * PAWS before the sequence check (RFC 7323 section 5.3 R1): an old
	 * duplicate is not acceptable even inside the window, and gets an
	 * ACK unless it is a RST (RFC 7323 section 5.2: a RST is taken on
	 * its sequence number alone, since the reset may come from a
	 * restarted peer with a new clock) or a reordered duplicate ACK.
	 */
	if (xtcp_paws_reject(xs, cb) && !(cb->flags & XTCPHDR_RST) &&
	    !xtcp_disordered_ack(sk, skb)) {
		*reason = SKB_DROP_REASON_TCP_RFC7323_PAWS;
		if (cb->flags & XTCPHDR_SYN) {
			xtcp_send_challenge_ack(sk, skb);
			return false;
		}
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PAWSESTABREJECTED);
		xtcp_send_dupack(sk, skb);
		return false;
	}

	/* First: sequence number */
	if (!xtcp_sequence_ok(xs, cb)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SEQOUTOFWINDOW);
		*reason = SKB_DROP_REASON_TCP_INVALID_SEQUENCE;
		if (cb->flags & XTCPHDR_RST)
			return false;
		if (cb->flags & XTCPHDR_SYN) {
			/* RFC 5961 4.2: any SYN once synchronised */
			xtcp_send_challenge_ack(sk, skb);
			return false;
		}
		if (xtcp_oow_ack(sk, skb, reason))
			xtcp_send_dupack(sk, skb);
		return false;
	}

	/* Second: RST, exact sequence only (RFC 5961 3.2) */
	if (cb->flags & XTCPHDR_RST) {
		*reason = SKB_DROP_REASON_TCP_RESET;
		if (cb->seq != xs->rcv_nxt) {
			xtcp_send_challenge_ack(sk, skb);
			return false;
		}
		if (sk->sk_state == TCP_SYN_RECV && xs->parent) {
			xtcp_child_drop(sk);
			return false;
		}
		xtcp_reset(sk);
		return false;
	}

	/* Fourth: SYN in the window (RFC 5961 4.2) */
	if (cb->flags & XTCPHDR_SYN) {
		*reason = SKB_DROP_REASON_TCP_INVALID_SYN;
		xtcp_send_challenge_ack(sk, skb);
		return false;
	}

	/* Fifth: ACK */
	if (!(cb->flags & XTCPHDR_ACK)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_NOACKDROPS);
		*reason = SKB_DROP_REASON_TCP_FLAGS;
		return false;
	}
	if (sk->sk_state == TCP_SYN_RECV) {
		if (!xtcp_after(cb->ack_seq, xs->snd_una) ||
		    xtcp_after(cb->ack_seq, xs->snd_nxt)) {
			xtcp_v4_send_reset(sock_net(sk), skb);
			*reason = SKB_DROP_REASON_TCP_ACK_UNSENT_DATA;
			return false;
		}
		if (xtcp_synrecv_ack(sk, cb))
			return false;
	}
	if (!xtcp_ack(sk, skb, true, reason) || !xtcp_fin_acked(sk))
		return false;

	/* Seventh and eighth: text and FIN */
	if (cb->seq == cb->end_seq ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 |
				     TCPF_FIN_WAIT2)))
		return false;
	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	if (((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	    (sk->sk_shutdown & RCV_SHUTDOWN) && skb->len &&
	    xtcp_after(xtcp_data_end(skb), xs->rcv_nxt)) {
		/*
		 * New data after close() or shutdown(SHUT_RDWR): nobody will
		 * read it; RFC 1122 4.2.2.13 says reset, as TCP does. After
		 * shutdown(SHUT_RD) alone the data is still queued.
		 */
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONDATA);
		xtcp_send_active_reset(sk, GFP_ATOMIC);
		sk->sk_err = ECONNRESET;
		xtcp_done(sk);
		*reason = SKB_DROP_REASON_TCP_CLOSE;
		return false;
	}
	return xtcp_data_queue(sk, skb, reason);
}

/*
 * Process one segment for a socket that is not a listener; the socket is
 * locked and not owned by the user.
 */
static void xtcp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	enum skb_drop_reason reason = SKB_NOT_DROPPED_YET;
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->segs_in++;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		reason = SKB_DROP_REASON_TCP_CLOSE;
		if (!(XTCP_SKB_CB(skb)->flags & XTCPHDR_RST))
			xtcp_v4_send_reset(sock_net(sk), skb);
		break;
	case TCP_LISTEN:
		reason = SKB_DROP_REASON_NO_SOCKET;
		break;
	case TCP_SYN_SENT:
		xtcp_rcv_synsent(sk, skb);
		break;
	default:
		if (xtcp_rcv_synchronized(sk, skb, &reason))
			return;
		break;
	}
	if (reason)
		kfree_skb_reason(skb, reason);
	else
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

/*
 * The control block of a received segment, with its timestamps option:
 * first as Linux lays it out alone (NOP, NOP, timestamps), else by a full
 * parse, as tcp_fast_parse_options() does.
 */
static void xtcp_fill_cb(struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct xtcp_skb_cb *cb = XTCP_SKB_CB(skb);
	const __be32 *ts = (const __be32 *)(th + 1);
	struct xtcp_options opt;

	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = xtcp_flag_byte(th);
	cb->saw_tstamp = 0;
	if (th->doff == (XTCP_HDR_LEN + XTCPOLEN_TSTAMP_ALIGNED) / 4 &&
	    ts[0] == htonl(XTCPOPT_NOP << 24 | XTCPOPT_NOP << 16 |
			   XTCPOPT_TIMESTAMP << 8 | XTCPOLEN_TIMESTAMP)) {
		cb->saw_tstamp = 1;
		cb->tsval = ntohl(ts[1]);
		cb->tsecr = ntohl(ts[2]);
	} else if (th->doff > XTCP_HDR_LEN / 4) {
		xtcp_parse_options(th, &opt);
		cb->saw_tstamp = opt.tstamp_ok;
		cb->tsval = opt.tsval;
		cb->tsecr = opt.tsecr;
	}
}

static void xtcp_rcv_established_path(struct sock *sk, struct sk_buff *skb)
{
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		xtcp_rcv_state_process(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf) + XTCP_BACKLOG_SLACK)) {
		bh_unlock_sock(sk);
		atomic_inc(&sk->sk_drops);
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_BACKLOGDROP);
		kfree_skb(skb);
		return;
	}
	bh_unlock_sock(sk);
}

/*
 * IPsec input policy for a segment that found @sk (NULL for TIME_WAIT
 * and no socket): our net_protocol has no_policy set, so the check is
 * ours, as in tcp_v4_rcv(). It reads the IP control block, so it comes
 * before xtcp_fill_cb(). A refusal is counted by xfrm (XfrmInNoPols,
 * XfrmInPolBlock, ... in /proc/net/xfrm_stat; TCP counts it nowhere
 * else) and the segment freed with SKB_DROP_REASON_XFRM_POLICY.
 */
static bool xtcp_policy_ok(struct sock *sk, struct sk_buff *skb)
{
	if (xfrm4_policy_check(sk, XFRM_POLICY_IN, skb))
		return true;
	kfree_skb_reason(skb, SKB_DROP_REASON_XFRM_POLICY);
	return false;
}

/**
 * xtcp_v4_rcv() - IPv4 protocol handler for IPPROTO_XTCP
 * @skb: the packet, with the IPv4 header pulled
 *
 * Once a socket (or TIME_WAIT entry, or none) is found, the IPsec input
 * policy is checked and the conntrack reference dropped (nf_reset_ct():
 * a queued segment must not pin a conntrack entry, nor its namespace's
 * conntrack table, for as long as it waits to be read), as tcp_v4_rcv()
 * does.
 *
 * Return: 0; the skb is always consumed.
 */
int xtcp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct inet_skb_parm ipcb;
	const struct iphdr *iph;
	const struct tcphdr *th;
	struct xtcp_tw *tw;
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

	sk = xtcp_lookup_established(net, iph->saddr, th->source, iph->daddr,
				     th->dest, inet_iif(skb), inet_sdif(skb));
	if (sk) {
		if (xtcp_policy_ok(sk, skb)) {
			nf_reset_ct(skb);
			xtcp_fill_cb(skb);
			xtcp_rcv_established_path(sk, skb);
		}
		sock_put(sk);
		return 0;
	}
	tw = xtcp_tw_lookup(net, iph->saddr, th->source, iph->daddr, th->dest);
	if (tw) {
		bool reopen;

		if (!xtcp_policy_ok(NULL, skb)) {
			xtcp_tw_put(tw);
			return 0;
		}
		/* A SYN that reopens goes on to a listener's policy check */
		ipcb = *IPCB(skb);
		xtcp_fill_cb(skb);
		reopen = xtcp_tw_rcv(tw, skb);
		xtcp_tw_put(tw);
		if (!reopen)
			goto discard;
		*IPCB(skb) = ipcb;
	}
	sk = xtcp_lookup_listener(net, iph->daddr, th->dest, inet_iif(skb),
				  inet_sdif(skb));
	if (sk) {
		struct sock *child = NULL;

		if (xtcp_policy_ok(sk, skb)) {
			nf_reset_ct(skb);
			xtcp_fill_cb(skb);
			child = xtcp_listen_rcv(sk, skb);
		}
		sock_put(sk);
		if (child) {
			xtcp_rcv_established_path(child, skb);
			sock_put(child);
		}
		return 0;
	}

	if (!xtcp_policy_ok(NULL, skb))
		return 0;
	xtcp_fill_cb(skb);
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
