// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp round-trip estimation and congestion control.
 *
 * RTO per RFC 6298; slow start and congestion avoidance per RFC 5681;
 * fast retransmit and NewReno fast recovery per RFC 6582. The congestion
 * window is counted in segments, as Linux TCP does.
 */

#include <linux/ktime.h>

#include "xtcp.h"

/**
 * xtcp_clock_us() - the clock of RTT samples
 *
 * Return: monotonic time in microseconds.
 */
u64 xtcp_clock_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

/* RFC 6298 (2.4)-(2.5): RTO = SRTT + max(G, 4 * RTTVAR), clamped */
static void xtcp_set_rto(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 var = max_t(u32, 4 * xs->rttvar_us, jiffies_to_usecs(1));
	unsigned long rto = usecs_to_jiffies(xs->srtt_us + var);
	unsigned long lo = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_min_ms));

	xs->rto = clamp(rto, lo, xtcp_rto_max(sk));
}

/**
 * xtcp_rtt_sample() - feed one RTT measurement (RFC 6298 section 2)
 * @sk: the socket
 * @rtt_us: round-trip time of a segment that was not retransmitted
 *
 * Only a valid sample ends the exponential backoff of the timer (Karn's
 * algorithm, RFC 6298 section 5 and its note on 5.7; as
 * tcp_ack_update_rtt()): an ACK of retransmitted data keeps it.
 */
void xtcp_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 delta;

	rtt_us = max_t(u32, rtt_us, 1);
	if (!xs->srtt_us) {
		xs->srtt_us = rtt_us;
		xs->rttvar_us = rtt_us / 2;
	} else {
		delta = xs->srtt_us > rtt_us ? xs->srtt_us - rtt_us :
					       rtt_us - xs->srtt_us;
		xs->rttvar_us = (3 * xs->rttvar_us + delta) / 4;
		xs->srtt_us = (7 * xs->srtt_us + rtt_us) / 8;
	}
	xtcp_set_rto(sk);
	xs->backoff = 0;
}

/**
 * xtcp_ts_rtt_sample() - an RTT sample from a timestamp echo (RFC 7323 4)
 * @sk: the socket, with timestamps on
 * @tsecr: TSecr of an ACK that acknowledged new data (or our SYN), 0 if
 *	it carried none
 *
 * The echo names the transmission the peer answered, so unlike the
 * clock of the write queue it gives a valid sample for retransmitted
 * segments too (RFC 7323 section 4.2; tcp_ack_update_rtt()). An echo
 * from the future or from more than 24 days back is no sample.
 *
 * Return: true when a sample was taken.
 */
bool xtcp_ts_rtt_sample(struct sock *sk, u32 tsecr)
{
	u32 delta;

	if (!tsecr)
		return false;
	delta = xtcp_ts_now(xtcp_sk(sk)) - tsecr;
	if ((s32)delta < 0 || delta > (u32)XTCP_PAWS_24DAYS * MSEC_PER_SEC)
		return false;
	xtcp_rtt_sample(sk, max_t(u32, delta, 1) * USEC_PER_MSEC);
	return true;
}

/**
 * xtcp_handshake_rtt() - the handshake completed: time it
 * @sk: the socket, moving to ESTABLISHED
 * @tsecr: TSecr of the segment that completed it, 0 without timestamps
 *
 * The SYN (or SYN-ACK) gives the first RTT sample unless it was
 * retransmitted (Karn); then the timestamp echo still gives one. Without
 * a sample, RFC 6298 (5.7) asks for an RTO of 3 s, three times the
 * initial RTO, once data transmission begins; rto_initial_ms scales it.
 */
void xtcp_handshake_rtt(struct sock *sk, u32 tsecr)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	unsigned long fallback;

	if (!xs->retransmits && xs->syn_sent_us) {
		xtcp_rtt_sample(sk, xtcp_clock_us() - xs->syn_sent_us);
	} else if (xs->retransmits && !xs->srtt_us &&
		   !xtcp_ts_rtt_sample(sk, tsecr)) {
		fallback = 3 * msecs_to_jiffies(XTCP_SYSCTL(sk, rto_initial_ms));
		xs->rto = min(max(xs->rto, fallback), xtcp_rto_max(sk));
	}
	xs->retransmits = 0;
	xs->backoff = 0;
}

/**
 * xtcp_flight_segs() - segments sent and not yet acknowledged
 * @xs: the socket
 *
 * Return: FlightSize of RFC 5681 in segments, rounded up.
 */
u32 xtcp_flight_segs(const struct xtcp_sock *xs)
{
	return DIV_ROUND_UP(xs->snd_nxt - xs->snd_una, xs->mss_cache);
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS) */
static u32 xtcp_ssthresh(const struct xtcp_sock *xs)
{
	return max_t(u32, xtcp_flight_segs(xs) / 2, 2);
}

/**
 * xtcp_enter_recovery() - fast retransmit after three duplicate ACKs
 * @sk: the socket
 *
 * RFC 6582 section 3.2 step 2: record "recover" and halve the window,
 * inflated by the three segments that left the network.
 */
void xtcp_enter_recovery(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	xs->snd_ssthresh = xtcp_ssthresh(xs);
	xs->snd_cwnd = xs->snd_ssthresh + 3;
	xs->snd_cwnd_cnt = 0;
	xs->recover = xs->snd_max;
	xs->ca_state = XTCP_CA_RECOVERY;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_FASTRETRANS);
}

/**
 * xtcp_enter_loss() - the retransmission timer expired
 * @sk: the socket
 *
 * RFC 5681 (4)-(5): ssthresh from the flight size, cwnd to one segment.
 */
void xtcp_enter_loss(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);

	/* Once per loss: later expiries, sent or refused, keep ssthresh */
	if (xs->ca_state != XTCP_CA_LOSS ||
	    (!xs->retransmits && !xs->refused_since))
		xs->snd_ssthresh = xtcp_ssthresh(xs);
	xs->snd_cwnd = 1;
	xs->snd_cwnd_cnt = 0;
	xs->recover = xs->snd_max;
	xs->dupacks = 0;
	xs->ca_state = XTCP_CA_LOSS;
}

/* RFC 5681 3.1: slow start below ssthresh, then congestion avoidance */
static void xtcp_cong_avoid(struct xtcp_sock *xs, u32 segs)
{
	if (xs->snd_cwnd < xs->snd_ssthresh) {
		xs->snd_cwnd += min_t(u32, segs, 2);
		return;
	}
	xs->snd_cwnd_cnt += segs;
	if (xs->snd_cwnd_cnt >= xs->snd_cwnd) {
		xs->snd_cwnd_cnt -= xs->snd_cwnd;
		xs->snd_cwnd++;
	}
}

/**
 * xtcp_cong_on_ack() - adjust cwnd for an ACK of new data
 * @sk: the socket
 * @acked: bytes newly acknowledged
 * @ack: the acknowledgment number
 *
 * Return: true when the ACK is a partial ACK in fast recovery, whose
 * next hole the caller must retransmit (RFC 6582 section 3.2 step 5).
 */
bool xtcp_cong_on_ack(struct sock *sk, u32 acked, u32 ack)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 segs = DIV_ROUND_UP(acked, xs->mss_cache);

	if (xs->ca_state == XTCP_CA_RECOVERY) {
		if (xtcp_before(ack, xs->recover)) {
			xs->snd_cwnd -= min(segs, xs->snd_cwnd - 1);
			xs->snd_cwnd++;
			return true;
		}
		xs->snd_cwnd = max_t(u32, min(xs->snd_ssthresh,
					      xtcp_flight_segs(xs) + 1), 2);
		xs->ca_state = XTCP_CA_OPEN;
		return false;
	}
	if (xs->ca_state == XTCP_CA_LOSS && !xtcp_before(ack, xs->recover))
		xs->ca_state = XTCP_CA_OPEN;
	xtcp_cong_avoid(xs, segs);
	xs->snd_cwnd = min_t(u32, xs->snd_cwnd, U16_MAX);
	return false;
}

/**
 * xtcp_cong_init() - congestion state of a new connection
 * @xs: the socket
 */
void xtcp_cong_init(struct xtcp_sock *xs)
{
	xs->snd_cwnd = XTCP_INIT_CWND;
	xs->snd_ssthresh = U16_MAX;
	xs->ca_state = XTCP_CA_OPEN;
}
