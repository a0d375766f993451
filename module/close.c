// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp connection teardown from the user's side: close(2), shutdown(2)
 * and connect(AF_UNSPEC) (RFC 9293 3.10.4 CLOSE, 3.10.7 ABORT).
 */

#include <net/sock.h>

#include "xtcp.h"

/*
 * RFC 9293 3.10.4 CLOSE and SHUTDOWN(SEND): move to the state that waits
 * for the ACK of our FIN. Return: true when a FIN must be sent.
 */
static bool xtcp_close_state(struct sock *sk)
{
	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_SYN_RECV:
		xtcp_set_state(sk, TCP_FIN_WAIT1);
		return true;
	case TCP_CLOSE_WAIT:
		xtcp_set_state(sk, TCP_LAST_ACK);
		return true;
	}
	return false;
}

/* Abortive close: RST to the peer, CLOSED at once */
static void xtcp_abort(struct sock *sk, int mib)
{
	XTCP_INC_STATS(sock_net(sk), mib);
	xtcp_send_active_reset(sk, sk->sk_allocation);
	xtcp_done(sk);
}

/*
 * An orphan lives on for its teardown, on the namespace's memory: past
 * max_orphans a closed connection is reset instead, as tcp_check_oom()
 * does. Counts @sk as an orphan unless it is refused.
 */
static bool xtcp_too_many_orphans(struct sock *sk)
{
	struct xtcp_net *xn = xtcp_pernet(sock_net(sk));

	if (atomic_inc_return(&xn->orphans) > READ_ONCE(xn->sysctl.max_orphans)) {
		atomic_dec(&xn->orphans);
		net_info_ratelimited("xtcp: too many orphaned sockets\n");
		return true;
	}
	xtcp_sk(sk)->orphan_counted = 1;
	return false;
}

/**
 * xtcp_close() - the user closes a socket
 * @sk: the socket
 * @timeout: SO_LINGER time, 0 without lingering
 *
 * Unread data, or SO_LINGER {1, 0}, abort the connection with RST, as TCP
 * does. Otherwise our FIN is queued behind the data and the socket lives
 * on as an orphan until the teardown completes (unless max_orphans are
 * already there: then it is reset); with SO_LINGER {1, N} close waits up
 * to N seconds for our FIN to be acknowledged.
 */
void xtcp_close(struct sock *sk, long timeout)
{
	bool unread;
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	unread = !skb_queue_empty(&sk->sk_receive_queue);
	skb_queue_purge(&sk->sk_receive_queue);
	xtcp_ofo_purge(sk);

	if (sk->sk_state == TCP_LISTEN)
		xtcp_listen_stop(sk);
	else if (sk->sk_state == TCP_SYN_SENT)
		xtcp_done(sk);
	else if (sk->sk_state == TCP_CLOSE)
		;
	else if (unread)
		xtcp_abort(sk, XTCP_MIB_ABORTONCLOSE);
	else if (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)
		xtcp_abort(sk, XTCP_MIB_ABORTONLINGER);
	else if (xtcp_close_state(sk))
		xtcp_send_fin(sk);

	sk_stream_wait_close(sk, timeout);

	sock_orphan(sk);
	if (sk->sk_state != TCP_CLOSE && xtcp_too_many_orphans(sk))
		xtcp_abort(sk, XTCP_MIB_ABORTONMEMORY);
	state = sk->sk_state;
	if (state == TCP_FIN_WAIT2)
		xtcp_arm_fin_wait2_timer(sk);
	if (state == TCP_CLOSE)
		xtcp_unbind_port(sk);
	release_sock(sk);
	if (state == TCP_CLOSE)
		xtcp_kill_timers(sk);
	sock_put(sk);
}

/**
 * xtcp_disconnect() - drop a connection and return to CLOSED, reusable
 * @sk: the socket, locked by its user
 *
 * RFC 9293 3.10.7 ABORT, as tcp_disconnect(): a synchronised connection
 * is reset, and everything the connection left behind (received data, the
 * end of stream, the peer's options, RTT and congestion state, counters)
 * is forgotten, so that the next connect() starts a new connection. The
 * user's settings and a port or address the user bound stay.
 *
 * Return: 0.
 */
int xtcp_disconnect(struct sock *sk)
{
	struct inet_sock *inet = inet_sk(sk);
	int old = sk->sk_state;

	sock_owned_by_me(sk);
	if (old == TCP_LISTEN) {
		xtcp_listen_stop(sk);
	} else if ((1 << old) & ~(TCPF_CLOSE | TCPF_SYN_SENT)) {
		xtcp_send_active_reset(sk, GFP_KERNEL);
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old == TCP_SYN_SENT) {
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	}
	xtcp_done(sk);
	__skb_queue_purge(&sk->sk_receive_queue);
	sock_reset_flag(sk, SOCK_DONE);
	WRITE_ONCE(sk->sk_shutdown, 0);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK)) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
	}
	sk_dst_reset(sk);
	xtcp_init_conn(sk);
	sk_error_report(sk);
	return 0;
}

/**
 * xtcp_shutdown() - shutdown(2): SHUT_WR sends our FIN, half-closing
 * @sock: the socket
 * @how: SHUT_RD, SHUT_WR or SHUT_RDWR
 *
 * Return: 0, -EINVAL or -ENOTCONN, as for TCP.
 */
int xtcp_shutdown(struct socket *sock, int how)
{
	struct sock *sk = sock->sk;
	int err = 0;

	how++;
	if ((how & ~SHUTDOWN_MASK) || !how)
		return -EINVAL;

	lock_sock(sk);
	if (sock->state == SS_CONNECTING) {
		if ((1 << sk->sk_state) &
		    (TCPF_SYN_SENT | TCPF_SYN_RECV | TCPF_CLOSE))
			sock->state = SS_DISCONNECTING;
		else
			sock->state = SS_CONNECTED;
	}

	switch (sk->sk_state) {
	case TCP_CLOSE:
		err = -ENOTCONN;
		fallthrough;
	default:
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | how);
		if ((how & SEND_SHUTDOWN) && xtcp_close_state(sk))
			xtcp_send_fin(sk);
		break;
	case TCP_LISTEN:
		if (!(how & RCV_SHUTDOWN))
			break;
		fallthrough;
	case TCP_SYN_SENT:
		xtcp_disconnect(sk);
		sock->state = SS_UNCONNECTED;
		break;
	}
	sk->sk_state_change(sk);
	release_sock(sk);
	return err;
}

