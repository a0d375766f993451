// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp socket calls: the proto_ops of an AF_XTCP stream socket.
 *
 * The calls behave as Linux TCP's (inet_stream_ops) do, errno for errno.
 */

#include <linux/net.h>
#include <linux/poll.h>
#include <linux/capability.h>
#include <net/ip.h>
#include <net/route.h>
#include <linux/ioctl.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>

#include "xtcp.h"

static int xtcp_check_addr(const struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_xtcp *addr = (const struct sockaddr_xtcp *)uaddr;

	if (addr_len < (int)sizeof(*addr))
		return -EINVAL;
	if (addr->sxtcp_family == xtcp_family)
		return 0;
	/* As inet_bind(): AF_UNSPEC is accepted with INADDR_ANY only */
	if (addr->sxtcp_family == AF_UNSPEC &&
	    addr->sxtcp_addr.s_addr == htonl(INADDR_ANY))
		return 0;
	return -EAFNOSUPPORT;
}

static int xtcp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_xtcp *addr = (const struct sockaddr_xtcp *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	__be32 saddr;
	u16 port;
	int chk, err;

	err = xtcp_check_addr(uaddr, addr_len);
	if (err)
		return err;
	saddr = addr->sxtcp_addr.s_addr;
	port = ntohs(addr->sxtcp_port);

	chk = inet_addr_type(net, saddr);
	if (saddr != htonl(INADDR_ANY) && chk != RTN_LOCAL &&
	    !inet_can_nonlocal_bind(net, inet))
		return -EADDRNOTAVAIL;
	if (port && inet_port_requires_bind_service(net, port) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		goto out;

	inet->inet_rcv_saddr = saddr;
	inet->inet_saddr = saddr;
	err = xtcp_bind_port(sk, port);
	if (err) {
		inet->inet_rcv_saddr = 0;
		inet->inet_saddr = 0;
		goto out;
	}
	if (saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (port)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
out:
	release_sock(sk);
	return err;
}

/*
 * RFC 9293 3.10.1, OPEN call in CLOSED state: choose the route, the
 * source address and port, the ISN, send SYN and enter SYN_SENT.
 */
static int xtcp_v4_connect(struct sock *sk, struct sockaddr *uaddr,
			   int addr_len)
{
	const struct sockaddr_xtcp *usin = (const struct sockaddr_xtcp *)uaddr;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct inet_sock *inet = inet_sk(sk);
	int err;

	if (addr_len < (int)sizeof(*usin))
		return -EINVAL;
	if (usin->sxtcp_family != xtcp_family)
		return -EAFNOSUPPORT;

	inet->inet_daddr = usin->sxtcp_addr.s_addr;
	inet->inet_dport = usin->sxtcp_port;
	/* Offered in the SYN; the SYN-ACK says whether they stay on */
	xs->tstamp_ok = !!XTCP_SYSCTL(sk, timestamps);
	err = xtcp_route(sk);
	if (err)
		goto failure;

	sk->sk_err = 0;
	sk->sk_shutdown = 0;
	xtcp_state_store(sk, TCP_SYN_SENT);
	err = xtcp_connect_hash(sk);
	if (err)
		goto failure;

	xs->iss = xtcp_isn(inet->inet_saddr, inet->inet_daddr,
			   inet->inet_sport, inet->inet_dport);
	xs->ts_off = xtcp_ts_off(inet->inet_saddr, inet->inet_daddr,
				 inet->inet_sport, inet->inet_dport);
	xs->snd_una = xs->iss;
	xs->snd_nxt = xs->iss + 1;
	xs->retransmits = 0;
	xs->backoff = 0;
	xs->rto = msecs_to_jiffies(XTCP_SYSCTL(sk, rto_initial_ms));

	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_ACTIVEOPENS);
	xs->syn_sent_us = xtcp_clock_us();
	xtcp_send_syn(sk);
	xtcp_reset_retrans_timer(sk, xs->rto);
	return 0;

failure:
	xtcp_set_state(sk, TCP_CLOSE);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
	return err;
}

static long xtcp_wait_for_connect(struct sock *sk, long timeo)
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);

	add_wait_queue(sk_sleep(sk), &wait);
	while ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		release_sock(sk);
		timeo = wait_woken(&wait, TASK_INTERRUPTIBLE, timeo);
		lock_sock(sk);
		if (signal_pending(current) || !timeo)
			break;
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return timeo;
}

/* The same state walk as __inet_stream_connect() */
static int xtcp_connect(struct socket *sock, struct sockaddr *uaddr,
			int addr_len, int flags)
{
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	if (addr_len < (int)sizeof(uaddr->sa_family))
		return -EINVAL;

	lock_sock(sk);
	if (uaddr->sa_family == AF_UNSPEC) {
		err = xtcp_disconnect(sk);
		sock->state = SS_UNCONNECTED;
		goto out;
	}

	switch (sock->state) {
	default:
		err = -EINVAL;
		goto out;
	case SS_CONNECTED:
		err = -EISCONN;
		goto out;
	case SS_CONNECTING:
		err = -EALREADY;
		break;
	case SS_UNCONNECTED:
		err = -EISCONN;
		if (sk->sk_state != TCP_CLOSE)
			goto out;
		err = xtcp_v4_connect(sk, uaddr, addr_len);
		if (err < 0)
			goto out;
		sock->state = SS_CONNECTING;
		err = -EINPROGRESS;
		break;
	}

	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
		if (!timeo || !xtcp_wait_for_connect(sk, timeo))
			goto out;
		err = sock_intr_errno(timeo);
		if (signal_pending(current))
			goto out;
	}

	if (sk->sk_state == TCP_CLOSE) {
		err = sock_error(sk) ? : -ECONNABORTED;
		sock->state = SS_UNCONNECTED;
		goto out;
	}
	sock->state = SS_CONNECTED;
	err = 0;
out:
	release_sock(sk);
	return err;
}

static int xtcp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED)
		goto out;
	if (!((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;
	if (sk->sk_state == TCP_LISTEN) {
		WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
		err = 0;
		goto out;
	}
	err = xtcp_listen_start(sk, backlog);
out:
	release_sock(sk);
	return err;
}

#ifdef XTCP_HAVE_ACCEPT_ARG
static int xtcp_accept(struct socket *sock, struct socket *newsock,
		       struct proto_accept_arg *arg)
{
	int flags = arg->flags;
#else
static int xtcp_accept(struct socket *sock, struct socket *newsock, int flags,
		       bool kern)
{
#endif
	struct sock *child;
	int err;

	child = xtcp_accept_wait(sock->sk, flags, &err);
	if (!child)
		return err;

	lock_sock(child);
	sock_graft(child, newsock);
	newsock->state = SS_CONNECTED;
	release_sock(child);
	return 0;
}

static int xtcp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	struct sockaddr_xtcp *sin = (struct sockaddr_xtcp *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	memset(sin, 0, sizeof(*sin));
	sin->sxtcp_family = xtcp_family;
	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sin->sxtcp_port = inet->inet_dport;
		sin->sxtcp_addr.s_addr = inet->inet_daddr;
	} else {
		sin->sxtcp_port = inet->inet_sport;
		sin->sxtcp_addr.s_addr = inet->inet_rcv_saddr ? :
					 inet->inet_saddr;
	}
	release_sock(sk);
	return sizeof(*sin);
}

static __poll_t xtcp_listen_poll(struct sock *sk)
{
	return list_empty_careful(&xtcp_sk(sk)->accept_queue) ?
	       0 : EPOLLIN | EPOLLRDNORM;
}

/* The readiness rules of tcp_poll() */
static __poll_t xtcp_poll(struct file *file, struct socket *sock,
			  poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);
	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return xtcp_listen_poll(sk);

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (!skb_queue_empty_lockless(&sk->sk_receive_queue))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!(shutdown & SEND_SHUTDOWN)) {
			if (sk_stream_is_writeable(sk)) {
				mask |= EPOLLOUT | EPOLLWRNORM;
			} else {
				sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
				set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
				/* Against xtcp_write_space(), as in tcp_poll() */
				smp_mb__after_atomic();
				if (sk_stream_is_writeable(sk))
					mask |= EPOLLOUT | EPOLLWRNORM;
			}
		} else {
			mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	/* sk_err is set before the state changes; see tcp_poll() */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

/* SIOCINQ, SIOCOUTQ and SIOCOUTQNSD, with TCP's meanings */
static int xtcp_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int answ;

	lock_sock(sk);
	switch (cmd) {
	case SIOCINQ:
		answ = sk->sk_state == TCP_LISTEN ? -EINVAL :
		       (int)(xs->rcv_nxt - xs->copied_seq -
			     !!sock_flag(sk, SOCK_DONE));
		break;
	case SIOCOUTQ:
		answ = sk->sk_state == TCP_LISTEN ? -EINVAL :
		       (int)(xs->write_seq - xs->snd_una);
		break;
	case SIOCOUTQNSD:
		answ = sk->sk_state == TCP_LISTEN ? -EINVAL :
		       (int)(xs->write_seq - xs->snd_nxt);
		break;
	default:
		release_sock(sk);
		return -ENOIOCTLCMD;
	}
	release_sock(sk);
	if (answ < 0)
		return answ;
	return put_user(answ, (int __user *)arg);
}

static int xtcp_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	int val, err = 0;

	if (level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (optname != XTCP_NODELAY && optname != XTCP_MAXSEG &&
	    optname != XTCP_KEEPIDLE && optname != XTCP_KEEPINTVL &&
	    optname != XTCP_KEEPCNT)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;

	lock_sock(sk);
	switch (optname) {
	case XTCP_NODELAY:
		xs->nodelay = !!val;
		break;
	case XTCP_MAXSEG:
		if (val && (val < XTCP_MIN_MSS || val > U16_MAX)) {
			err = -EINVAL;
			break;
		}
		xs->user_mss = val;
		break;
	case XTCP_KEEPIDLE:
	case XTCP_KEEPINTVL:
		if (val < 1 || val > XTCP_MAX_KEEPIDLE) {
			err = -EINVAL;
			break;
		}
		if (optname == XTCP_KEEPINTVL) {
			xs->keepalive_intvl = val * HZ;
			break;
		}
		xs->keepalive_time = val * HZ;
		xtcp_keepalive_start(sk);
		break;
	case XTCP_KEEPCNT:
		if (val < 1 || val > U8_MAX) {
			err = -EINVAL;
			break;
		}
		xs->keepalive_probes = val;
		break;
	}
	release_sock(sk);
	return err;
}

/**
 * xtcp_get_info() - fill a struct xtcp_info
 * @sk: the socket, locked
 * @info: the result
 */
void xtcp_get_info(struct sock *sk, struct xtcp_info *info)
{
	const struct xtcp_sock *xs = xtcp_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->ca_state = xs->ca_state;
	info->retransmits = xs->retransmits;
	info->backoff = xs->backoff;
	info->snd_wscale = xs->snd_wscale;
	info->rcv_wscale = xs->rcv_wscale;
	info->snd_cwnd = xs->snd_cwnd;
	info->snd_ssthresh = xs->snd_ssthresh;
	info->bytes_acked = xs->bytes_acked;
	info->bytes_received = xs->bytes_received;
	info->rto_us = jiffies_to_usecs(xs->rto);
	info->srtt_us = xs->srtt_us;
	info->rttvar_us = xs->rttvar_us;
	info->snd_mss = xs->mss_cache;
	info->rcv_mss = xs->rx_mss;
	info->snd_wnd = xs->snd_wnd;
	info->rcv_wnd = xtcp_receive_window(xs);
	info->unacked = xs->snd_nxt - xs->snd_una;
	info->total_retrans = xs->total_retrans;
	info->segs_out = xs->segs_out;
	info->segs_in = xs->segs_in;
}

static int xtcp_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	struct sock *sk = sock->sk;
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct xtcp_info info;
	int len, val;

	if (level != SOL_XTCP)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case XTCP_NODELAY:
		val = xs->nodelay;
		break;
	case XTCP_MAXSEG:
		val = xs->user_mss ? : xs->mss_cache;
		break;
	case XTCP_KEEPIDLE:
		val = xs->keepalive_time / HZ;
		break;
	case XTCP_KEEPINTVL:
		val = xs->keepalive_intvl / HZ;
		break;
	case XTCP_KEEPCNT:
		val = xs->keepalive_probes;
		break;
	case XTCP_INFO:
		lock_sock(sk);
		xtcp_get_info(sk, &info);
		release_sock(sk);
		len = min_t(int, len, sizeof(info));
		if (put_user(len, optlen) || copy_to_user(optval, &info, len))
			return -EFAULT;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
	len = min_t(int, len, sizeof(int));
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

static int xtcp_release(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (!sk)
		return 0;
	xtcp_close(sk, sock_flag(sk, SOCK_LINGER) ? sk->sk_lingertime : 0);
	sock->sk = NULL;
	return 0;
}

const struct proto_ops xtcp_stream_ops = {
	.family		= PF_XTCP,
	.owner		= THIS_MODULE,
	.release	= xtcp_release,
	.bind		= xtcp_bind,
	.connect	= xtcp_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= xtcp_accept,
	.getname	= xtcp_getname,
	.poll		= xtcp_poll,
	.ioctl		= xtcp_ioctl,
	.listen		= xtcp_listen,
	.shutdown	= xtcp_shutdown,
	.setsockopt	= xtcp_setsockopt,
	.getsockopt	= xtcp_getsockopt,
	.sendmsg	= xtcp_sendmsg,
	.recvmsg	= xtcp_recvmsg,
	.mmap		= sock_no_mmap,
};
