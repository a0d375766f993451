// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp timers.
 *
 * Each timer is a timer_list in struct xtcp_sock. An armed timer holds a
 * reference on its socket (sk_reset_timer/sk_stop_timer). The handler runs
 * in softirq under bh_lock_sock; when the user owns the socket it sets a
 * deferred bit instead, and xtcp_release_cb() runs the work when the user
 * releases the socket, as TCP does.
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

/**
 * xtcp_reset_retrans_timer() - (re)arm the retransmission timer
 * @sk: the socket
 * @when: delay from now, in jiffies
 */
void xtcp_reset_retrans_timer(struct sock *sk, unsigned long when)
{
	sk_reset_timer(sk, &xtcp_sk(sk)->retrans_timer, jiffies + when);
}

/*
 * RFC 6298 (5.5)-(5.6): back the timer off and rearm it for the
 * retransmission just sent.
 */
static void xtcp_backoff_and_rearm(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long rto;

	xs->retransmits++;
	if (xs->backoff < 31)
		xs->backoff++;
	rto = min(xs->rto << min_t(u8, xs->backoff, 15), xtcp_rto_max(sk));
	xtcp_reset_retrans_timer(sk, rto);
}

/* A connection attempt ran out of retries (RFC 9293 3.8.3: R2 for SYN) */
static void xtcp_connect_timed_out(struct sock *sk)
{
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ATTEMPTFAILS);
	sk->sk_err = ETIMEDOUT;
	xtcp_done(sk);
	sk_error_report(sk);
}

static void xtcp_retransmit_syn(struct sock *sk, int limit, bool synack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_TIMEOUTS);
	if (xs->retransmits >= limit) {
		if (xs->parent)
			xtcp_child_drop(sk);
		else
			xtcp_connect_timed_out(sk);
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
 * The retransmission timer expired: resend the SYN of an active open, or
 * the SYN-ACK of a passive (or simultaneous) open.
 */
static void xtcp_retransmit_timer(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	switch (sk->sk_state) {
	case TCP_SYN_SENT:
		xtcp_retransmit_syn(sk, XTCP_SYSCTL(sk, syn_retries), false);
		break;
	case TCP_SYN_RECV:
		xtcp_retransmit_syn(sk, xs->parent ?
					XTCP_SYSCTL(sk, synack_retries) :
					XTCP_SYSCTL(sk, syn_retries), true);
		break;
	default:
		break;
	}
}

static void xtcp_retrans_timer_fn(struct timer_list *t)
{
	struct xtcp_sock *xs = from_timer(xs, t, retrans_timer);
	struct sock *sk = &xs->inet.sk;

	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		xtcp_retransmit_timer(sk);
	else if (!test_and_set_bit(XTCP_RETRANS_DEFERRED, &xs->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

/**
 * xtcp_release_cb() - run timer work deferred while the user owned @sk
 * @sk: the socket being released by its user
 */
void xtcp_release_cb(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	if (test_and_clear_bit(XTCP_RETRANS_DEFERRED, &xs->deferred)) {
		xtcp_retransmit_timer(sk);
		__sock_put(sk);
	}
}

/**
 * xtcp_init_timers() - set up a socket's timers, none armed
 * @sk: the socket
 */
void xtcp_init_timers(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	timer_setup(&xs->retrans_timer, xtcp_retrans_timer_fn, 0);
	xs->deferred = 0;
}

/**
 * xtcp_clear_timers() - stop every timer of a socket
 * @sk: the socket, locked
 *
 * A handler already running finishes on its own reference.
 */
void xtcp_clear_timers(struct sock *sk)
{
	sk_stop_timer(sk, &xtcp_sk(sk)->retrans_timer);
}

/**
 * xtcp_kill_timers() - stop every timer and wait for running handlers
 * @sk: the socket, not locked
 */
void xtcp_kill_timers(struct sock *sk)
{
	sk_stop_timer_sync(sk, &xtcp_sk(sk)->retrans_timer);
}
