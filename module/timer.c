// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp timers.
 *
 * Each timer is a timer_list in struct xtcp_sock. An armed timer holds a
 * reference on its socket (sk_reset_timer/sk_stop_timer). The handler runs
 * in softirq under bh_lock_sock; when the user owns the socket it sets a
 * deferred bit instead, and xtcp_release_cb() runs the work when the user
 * releases the socket, as TCP does.
 *
 * The retransmission timer serves the handshake (SYN, SYN-ACK), data and
 * FIN retransmission (RFC 6298) and, while data waits with none in flight
 * (the peer's window is closed, or the device refused it), zero-window
 * probes (the persist timer, RFC 9293 3.8.6.1); xtcp_sock.pending says
 * which and xtcp_sock.timeout when it is due. This file decides what it is
 * armed for: the send and receive paths report what happened
 * (xtcp_timers_data_sent(), xtcp_timers_acked(), xtcp_check_probe_timer()).
 * The delayed-ACK timer sends an ACK that in-order data left owed
 * (RFC 9293 3.8.6.3). The life timer runs keepalive and bounds an orphaned
 * FIN_WAIT2.
 */

#include "xtcp.h"

/**
 * xtcp_rto_max() - upper bound of the retransmission timeout
 * @sk: the socket, for its namespace's rto_max_ms
 *
 * Return: the bound in jiffies.
 */
unsigned long xtcp_rto_max(const struct sock *sk)
{
	return msecs_to_jiffies(XTCP_SYSCTL(sk, rto_max_ms));
}

/* The RTO with its exponential backoff applied, capped at rto_max */
static unsigned long xtcp_rto_backed_off(const struct sock *sk)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long rto = xs->rto << min_t(u8, xs->backoff, 15);

	return min(rto, xtcp_rto_max(sk));
}

/**
 * xtcp_reset_retrans_timer() - (re)arm the retransmission timer
 * @sk: the socket
 * @when: delay from now, in jiffies
 */
void xtcp_reset_retrans_timer(struct sock *sk, unsigned long when)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sock_owned_by_me(sk);
	xs->pending = XTCP_TIME_RETRANS;
	xs->timeout = jiffies + when;
	sk_reset_timer(sk, &xs->retrans_timer, xs->timeout);
}

/**
 * xtcp_arm_retrans_timer() - arm the retransmission timer for one RTO
 * @sk: the socket
 */
void xtcp_arm_retrans_timer(struct sock *sk)
{
	xtcp_reset_retrans_timer(sk, xtcp_rto_backed_off(sk));
}

/**
 * xtcp_arm_probe_timer() - start probing a closed peer window, unless
 *	already probing
 * @sk: the socket
 */
void xtcp_arm_probe_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sock_owned_by_me(sk);
	if (xs->pending == XTCP_TIME_PROBE && timer_pending(&xs->retrans_timer))
		return;
	xs->pending = XTCP_TIME_PROBE;
	xs->timeout = jiffies + xtcp_rto_backed_off(sk);
	sk_reset_timer(sk, &xs->retrans_timer, xs->timeout);
}

/**
 * xtcp_check_probe_timer() - data waits and none is in flight: make sure
 *	a timer will send it
 * @sk: the socket
 *
 * The peer's window is closed, or the device refused the segment; no ACK
 * will come to send it, so the persist timer does (tcp_check_probe_timer()).
 */
void xtcp_check_probe_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->send_head && xs->snd_una == xs->snd_max && !xs->pending)
		xtcp_arm_probe_timer(sk);
}

/**
 * xtcp_timers_data_sent() - new data or a retransmission went out
 * @sk: the socket
 *
 * RFC 6298 (5.1): the retransmission timer runs while data is in flight.
 */
void xtcp_timers_data_sent(struct sock *sk)
{
	if (xtcp_sk(sk)->pending != XTCP_TIME_RETRANS)
		xtcp_arm_retrans_timer(sk);
}

/**
 * xtcp_timers_acked() - an ACK acknowledged new data
 * @sk: the socket
 *
 * RFC 6298 (5.2)-(5.3): stop the timer when everything is acknowledged,
 * restart it otherwise.
 */
void xtcp_timers_acked(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xs->snd_una == xs->snd_max)
		xtcp_stop_retrans_timer(sk);
	else
		xtcp_arm_retrans_timer(sk);
}

/**
 * xtcp_stop_retrans_timer() - nothing left to retransmit or probe
 * @sk: the socket
 */
void xtcp_stop_retrans_timer(struct sock *sk)
{
	sock_owned_by_me(sk);
	xtcp_sk(sk)->pending = 0;
	sk_stop_timer(sk, &xtcp_sk(sk)->retrans_timer);
}

/*
 * RFC 6298 (5.5)-(5.6): back the timer off and rearm it for the
 * retransmission just sent.
 */
static void xtcp_backoff_and_rearm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->retransmits++;
	if (xs->backoff < 31)
		xs->backoff++;
	xtcp_arm_retrans_timer(sk);
}

/*
 * Retransmissions (or unanswered probes) before a connection is dropped:
 * retries2, and at most XTCP_ORPHAN_RETRIES once the user has closed the
 * socket, as TCP's tcp_orphan_retries.
 */
static int xtcp_retries_limit(const struct sock *sk)
{
	int limit = XTCP_SYSCTL(sk, retries2);

	if (sock_flag(sk, SOCK_DEAD))
		limit = min(limit, XTCP_ORPHAN_RETRIES);
	return limit;
}

/*
 * The time @boundary retransmissions take, backed off from rto_min up to
 * rto_max: how long Linux TCP lets retransmissions go on
 * (tcp_model_timeout()).
 */
static unsigned long xtcp_model_timeout(const struct sock *sk, int boundary)
{
	unsigned long base = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_min_ms));
	unsigned long max = xtcp_rto_max(sk);
	int thresh;

	base = max(base, 1UL);
	thresh = ilog2(max / base);
	if (boundary <= thresh)
		return ((2UL << boundary) - 1) * base;
	return ((2UL << thresh) - 1) * base + (boundary - thresh) * max;
}

/* Give up on a connection: its peer stopped answering */
static void xtcp_write_err(struct sock *sk)
{
	sk->sk_err = READ_ONCE(sk->sk_err_soft) ? : ETIMEDOUT;
	xtcp_done(sk);
	sk_error_report(sk);
}

static void xtcp_retransmit_syn(struct sock *sk, int limit, bool synack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEOUTS);
	if (xs->retransmits >= limit) {
		if (xs->parent) {
			xtcp_child_drop(sk);
			return;
		}
		xtcp_write_err(sk);
		return;
	}
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_SYNRETRANS);
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_RETRANSSEGS);
	xs->total_retrans++;
	if (synack)
		xtcp_send_synack(sk);
	else
		xtcp_send_syn(sk);
	xtcp_backoff_and_rearm(sk);
}

/*
 * While the peer's window is zero, retransmissions are window probes: the
 * connection lives as long as the peer answers them within twice
 * rto_max (tcp_rtx_probe0_timed_out()).
 */
static bool xtcp_probe0_timed_out(const struct sock *sk)
{
	return time_after(jiffies, xtcp_sk(sk)->rcv_tstamp + 2 * xtcp_rto_max(sk));
}

/*
 * RFC 6298 (5.4)-(5.6) for data and FIN: collapse the window, resend the
 * oldest segment and back the timer off; after retries2 expiries the
 * connection is dropped. A retransmission the device refuses is tried
 * again soon without backing off, as TCP does.
 */
static void xtcp_retransmit_data(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	bool zero_wnd = !xs->snd_wnd && !sock_flag(sk, SOCK_DEAD);

	if (xs->snd_una == xs->snd_max) {
		xtcp_check_probe_timer(sk);
		return;
	}
	if (WARN_ON_ONCE(skb_queue_empty(&sk->sk_write_queue)))
		return;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEOUTS);
	if (zero_wnd ? xtcp_probe0_timed_out(sk) :
		       xs->retransmits >= xtcp_retries_limit(sk)) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONTIMEOUT);
		xtcp_write_err(sk);
		return;
	}
	xtcp_enter_loss(sk);
	if (xtcp_retransmit_head(sk)) {
		/*
		 * Refused by the device: nothing went out, so it is no
		 * retransmission, but refusals end the connection once they
		 * have lasted as long as the retransmissions would
		 */
		if (!xs->refused_since) {
			xs->refused_since = jiffies ?: 1;
		} else if (time_after(jiffies, xs->refused_since +
				      xtcp_model_timeout(sk, xtcp_retries_limit(sk)))) {
			XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONTIMEOUT);
			xtcp_write_err(sk);
			return;
		}
		xtcp_reset_retrans_timer(sk, XTCP_RESOURCE_PROBE_INTERVAL);
		return;
	}
	xs->refused_since = 0;
	if (!zero_wnd)
		xs->retransmits++;
	if (xs->backoff < 31)
		xs->backoff++;
	xtcp_arm_retrans_timer(sk);
}

/* RFC 9293 3.8.6.1: the persist timer probes a closed window */
static void xtcp_probe_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->send_head)
		return;
	if (xs->snd_una != xs->snd_max) {
		xtcp_arm_retrans_timer(sk);
		return;
	}
	if (xtcp_before(XTCP_SKB_CB(xs->send_head)->seq,
			xs->snd_una + xs->snd_wnd)) {
		/* Room in the window: the device refused it, send again */
		xtcp_write_xmit(sk);
		return;
	}
	/*
	 * An orphan behind a window that stays closed ends after its retries
	 * even if every probe is answered: nobody reads on either end, and
	 * the peer's answers must not keep it forever (tcp_probe_timer()).
	 */
	if (xs->probes >= xtcp_retries_limit(sk) ||
	    (sock_flag(sk, SOCK_DEAD) && xs->backoff >= xtcp_retries_limit(sk))) {
		XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ABORTONTIMEOUT);
		xtcp_write_err(sk);
		return;
	}
	xs->probes++;
	if (xs->backoff < 31)
		xs->backoff++;
	xtcp_send_probe(sk);
	xtcp_arm_probe_timer(sk);
}

/*
 * The handler of the retransmission timer. A run deferred while the user
 * owned the socket may find the timer stopped or re-armed meanwhile (by
 * ACKs from the backlog): it does nothing, or waits for the new expiry,
 * as tcp_write_timer_handler() does.
 */
static void xtcp_retransmit_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u8 event = xs->pending;

	if (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) || !event)
		return;
	if (time_after(xs->timeout, jiffies)) {
		sk_reset_timer(sk, &xs->retrans_timer, xs->timeout);
		return;
	}
	xs->pending = 0;
	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_retransmit_syn(sk, XTCP_SYSCTL(sk, syn_retries), false);
		return;
	case TCP_SYN_RECV:
		xtcp_retransmit_syn(sk, xs->parent ?
					XTCP_SYSCTL(sk, synack_retries) :
					XTCP_SYSCTL(sk, syn_retries), true);
		return;
	}
	if (event == XTCP_TIME_PROBE)
		xtcp_probe_timer(sk);
	else
		xtcp_retransmit_data(sk);
}

static void xtcp_delack_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (!xs->ack_pending ||
	    (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		return;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_DELAYEDACKS);
	xtcp_send_ack(sk);
}

static bool xtcp_keepalive_applies(const struct sock *sk)
{
	return sock_flag(sk, SOCK_KEEPOPEN) &&
	       ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT));
}

/*
 * Keepalive (RFC 9293 3.8.4, as tcp_keepalive_timer()): after
 * keepalive_time without a segment from the peer, and with nothing of
 * ours outstanding, probe every keepalive_intvl; after keepalive_probes
 * unanswered probes the connection is dropped with ETIMEDOUT.
 */
static void xtcp_keepalive_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long idle = jiffies - xs->rcv_tstamp;
	unsigned long when = xs->keepalive_time;

	if (!xtcp_keepalive_applies(sk))
		return;
	if (xs->snd_una == xs->write_seq && !xs->send_head) {
		if (idle >= xs->keepalive_time) {
			if (xs->ka_probes_out >= xs->keepalive_probes) {
				XTCP_INC_STATS(sock_net(sk),
					       XTCP_MIB_ABORTONTIMEOUT);
				xtcp_send_active_reset(sk, GFP_ATOMIC);
				xtcp_write_err(sk);
				return;
			}
			xs->ka_probes_out++;
			xtcp_send_ack_probe(sk);
			when = xs->keepalive_intvl;
		} else {
			when = xs->keepalive_time - idle;
		}
	}
	sk_reset_timer(sk, &xs->life_timer, jiffies + when);
}

/*
 * The life timer: keepalive, or (RFC 9293 3.10.7.4) the end of an orphaned
 * FIN_WAIT2, which does not wait for ever.
 */
static void xtcp_life_timer(struct sock *sk)
{
	if (sk->sk_state != TCP_FIN_WAIT2 || !sock_flag(sk, SOCK_DEAD)) {
		xtcp_keepalive_timer(sk);
		return;
	}
	xtcp_send_active_reset(sk, GFP_ATOMIC);
	xtcp_done(sk);
}

/**
 * xtcp_keepalive_start() - arm keepalive on a synchronised socket that
 *	has SO_KEEPALIVE
 * @sk: the socket
 */
void xtcp_keepalive_start(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (xtcp_keepalive_applies(sk))
		sk_reset_timer(sk, &xs->life_timer,
			       jiffies + xs->keepalive_time);
}

/**
 * xtcp_set_keepalive() - SO_KEEPALIVE was set or cleared
 * @sk: the socket, locked
 * @on: the new value
 */
void xtcp_set_keepalive(struct sock *sk, int on)
{
	if (!on) {
		if (sk->sk_state != TCP_FIN_WAIT2)
			sk_stop_timer(sk, &xtcp_sk(sk)->life_timer);
		return;
	}
	sock_set_flag(sk, SOCK_KEEPOPEN);
	xtcp_keepalive_start(sk);
}

/**
 * xtcp_arm_fin_wait2_timer() - bound the life of an orphaned FIN_WAIT2
 * @sk: the socket
 */
void xtcp_arm_fin_wait2_timer(struct sock *sk)
{
	sk_reset_timer(sk, &xtcp_sk(sk)->life_timer, jiffies +
		       msecs_to_jiffies(XTCP_SYSCTL(sk, fin_timeout_ms)));
}

/*
 * Run @work now, or defer it to xtcp_release_cb() with a reference when
 * the user owns the socket.
 */
static void xtcp_timer_run(struct sock *sk, int bit,
			   void (*work)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		work(sk);
	else if (!test_and_set_bit(bit, &xtcp_sk(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void xtcp_retrans_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, retrans_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_RETRANS_DEFERRED,
		       xtcp_retransmit_timer);
}

static void xtcp_delack_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, delack_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_DELACK_DEFERRED, xtcp_delack_timer);
}

static void xtcp_life_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, life_timer);

	xtcp_timer_run(&xs->inet.sk, XTCP_LIFE_DEFERRED, xtcp_life_timer);
}

/**
 * xtcp_release_cb() - run timer and ICMP work deferred while the user
 *	owned @sk
 * @sk: the socket being released by its user
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_RETRANS_DEFERRED, &xs->deferred)) {
		xtcp_retransmit_timer(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_DELACK_DEFERRED, &xs->deferred)) {
		xtcp_delack_timer(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_LIFE_DEFERRED, &xs->deferred)) {
		xtcp_life_timer(sk);
		__sock_put(sk);
	}
	if (test_and_clear_bit(XTCP_MTU_REDUCED_DEFERRED, &xs->deferred)) {
		xtcp_mtu_reduced(sk);
		__sock_put(sk);
	}
}

/**
 * xtcp_schedule_ack() - owe the peer an ACK, sent by the delayed-ACK timer
 *	unless a segment carries it first
 * @sk: the socket
 */
void xtcp_schedule_ack(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ack_pending = 1;
	if (!timer_pending(&xs->delack_timer))
		sk_reset_timer(sk, &xs->delack_timer, jiffies +
			       msecs_to_jiffies(XTCP_SYSCTL(sk, delack_ms)));
}

/**
 * xtcp_ack_sent() - a segment acknowledging rcv_nxt is going out
 * @sk: the socket
 */
void xtcp_ack_sent(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->ack_pending = 0;
	if (timer_pending(&xs->delack_timer))
		sk_stop_timer(sk, &xs->delack_timer);
}

/**
 * xtcp_init_timers() - set up a socket's timers, none armed
 * @sk: the socket
 */
void xtcp_init_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	timer_setup(&xs->retrans_timer, xtcp_retrans_timer_fn, 0);
	timer_setup(&xs->delack_timer, xtcp_delack_timer_fn, 0);
	timer_setup(&xs->life_timer, xtcp_life_timer_fn, 0);
	xs->deferred = 0;
	xs->pending = 0;
}

/**
 * xtcp_clear_xmit_timers() - stop the retransmission and delayed-ACK timers
 * @sk: the socket, locked
 *
 * A handler already running finishes on its own reference.
 */
void xtcp_clear_xmit_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	sock_owned_by_me(sk);
	xs->pending = 0;
	xs->ack_pending = 0;
	sk_stop_timer(sk, &xs->retrans_timer);
	sk_stop_timer(sk, &xs->delack_timer);
}

/**
 * xtcp_clear_timers() - stop every timer of a socket
 * @sk: the socket, locked
 */
void xtcp_clear_timers(struct sock *sk)
{
	xtcp_clear_xmit_timers(sk);
	sk_stop_timer(sk, &xtcp_sk(sk)->life_timer);
}

/**
 * xtcp_kill_timers() - stop every timer and wait for running handlers
 * @sk: the socket, not locked
 */
void xtcp_kill_timers(struct sock *sk)
{
	sk_stop_timer_sync(sk, &xtcp_sk(sk)->retrans_timer);
	sk_stop_timer_sync(sk, &xtcp_sk(sk)->delack_timer);
	sk_stop_timer_sync(sk, &xtcp_sk(sk)->life_timer);
}
