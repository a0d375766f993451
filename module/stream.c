// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp byte stream: sendmsg() copies user data into MSS-sized segments on
 * the write queue, recvmsg() copies in-order data out of the receive queue
 * and reopens the window. Both wait, time out and report errors as TCP's
 * do (man 7 tcp).
 */

#include <linux/net.h>
#include <linux/uio.h>
#include <linux/sched/signal.h>
#include <net/sock.h>

#include "xtcp.h"

/**
 * xtcp_write_space() - wake writers when the write queue has room again
 * @sk: the socket
 *
 * The stream counterpart of sock_def_write_space(), which counts bytes in
 * flight below the socket rather than bytes queued in it.
 */
void xtcp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
						     EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

/* The last queued segment, if it is unsent and has room for more data */
static struct sk_buff *xtcp_tail_with_room(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !xs->send_head || skb->len >= xs->mss_cache ||
	    (XTCP_SKB_CB(skb)->flags & XTCPHDR_FIN) ||
	    skb_tailroom(skb) < 1 || skb_cloned(skb))
		return NULL;
	return skb;
}

static int xtcp_copy_to_skb(struct sock *sk, struct sk_buff *skb,
			    struct msghdr *msg, size_t len)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	size_t copy = min3(len, (size_t)(xs->mss_cache - skb->len),
			   (size_t)skb_tailroom(skb));

	if (!copy_from_iter_full(skb_put(skb, copy), copy, &msg->msg_iter)) {
		skb_trim(skb, skb->len - copy);
		return -EFAULT;
	}
	return copy;
}

static int xtcp_sendmsg_locked(struct sock *sk, struct msghdr *msg,
			       size_t size)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	long timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	size_t copied = 0;
	int err;

	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto out_err;
	}

	while (copied < size) {
		struct sk_buff *skb;
		int n;

		err = -EPIPE;
		if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
			goto out_err;

		skb = xtcp_tail_with_room(sk);
		if (!skb) {
			if (!sk_stream_memory_free(sk))
				goto wait;
			skb = alloc_skb(XTCP_MAX_HEADER + xs->mss_cache,
					sk->sk_allocation);
			if (!skb)
				goto wait;
			/* The namespace's memory (net.xtcp.mem) may refuse it */
			if (!sk_wmem_schedule(sk, skb->truesize)) {
				kfree_skb(skb);
				goto wait;
			}
			skb_reserve(skb, XTCP_MAX_HEADER);
			xtcp_wmem_charge(sk, skb);
			xtcp_skb_entail(sk, skb, XTCPHDR_ACK | XTCPHDR_PSH);
		}
		n = xtcp_copy_to_skb(sk, skb, msg, size - copied);
		if (n < 0) {
			err = n;
			goto out_err;
		}
		XTCP_SKB_CB(skb)->end_seq += n;
		xs->write_seq += n;
		copied += n;
		continue;
wait:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xtcp_write_xmit(sk);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto out_err;
	}
	xtcp_write_xmit(sk);
	return copied;

out_err:
	xtcp_write_xmit(sk);
	if (copied)
		return copied;
	return sk_stream_error(sk, msg->msg_flags, err);
}

/**
 * xtcp_sendmsg() - send(2), write(2) and sendmsg(2) on an xtcp socket
 * @sock: the socket
 * @msg: the data and flags (MSG_DONTWAIT, MSG_NOSIGNAL)
 * @size: bytes to send
 *
 * Return: bytes queued, or a negative errno (EPIPE raises SIGPIPE unless
 * MSG_NOSIGNAL).
 */
int xtcp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	int ret;

	if (msg->msg_flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	ret = xtcp_sendmsg_locked(sk, msg, size);
	release_sock(sk);
	return ret;
}

/**
 * xtcp_cleanup_rbuf() - the user consumed data: advertise the reopened
 *	window when that matters
 * @sk: the socket, locked
 *
 * As tcp_cleanup_rbuf(): an ACK goes out at once when one is owed, or
 * when the window can grow by at least twice the MSS compared with what
 * the peer was last told (so a closed window reopens without waiting for
 * a probe).
 */
void xtcp_cleanup_rbuf(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u32 mss = xs->rcv_mss ? : xs->mss_cache;
	int free;

	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN | TCPF_SYN_SENT))
		return;
	free = READ_ONCE(sk->sk_rcvbuf) - atomic_read(&sk->sk_rmem_alloc);
	if (xs->ack_pending ||
	    (free > 0 && (((u64)free * xs->rcv_ratio) >> 8) >=
			 xtcp_receive_window(xs) + 2 * mss))
		xtcp_send_ack(sk);
}

static int xtcp_recv_wait(struct sock *sk, long *timeo, size_t copied)
{
	if (copied) {
		if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
		    (sk->sk_shutdown & RCV_SHUTDOWN) || !*timeo ||
		    signal_pending(current))
			return 1;
	} else {
		if (sock_flag(sk, SOCK_DONE))
			return 1;
		if (sk->sk_err)
			return sock_error(sk);
		if (sk->sk_shutdown & RCV_SHUTDOWN)
			return 1;
		if (sk->sk_state == TCP_CLOSE)
			return -ENOTCONN;
		if (!*timeo)
			return -EAGAIN;
		if (signal_pending(current))
			return sock_intr_errno(*timeo);
	}
	xtcp_cleanup_rbuf(sk);
	sk_wait_data(sk, timeo, skb_peek_tail(&sk->sk_receive_queue));
	return 0;
}

static int xtcp_recvmsg_locked(struct sock *sk, struct msghdr *msg,
			       size_t len, int flags)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	long timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	int target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);
	u32 peek_seq = xs->copied_seq;
	u32 *seq = (flags & MSG_PEEK) ? &peek_seq : &xs->copied_seq;
	size_t copied = 0;
	int err;

	if (sk->sk_state == TCP_LISTEN)
		return -ENOTCONN;

	while (copied < len) {
		struct sk_buff *skb, *next;
		u32 offset, avail;

		skb_queue_walk_safe(&sk->sk_receive_queue, skb, next) {
			offset = *seq - XTCP_SKB_CB(skb)->seq;
			if (offset < skb->len)
				goto found;
			if (!(flags & MSG_PEEK)) {
				__skb_unlink(skb, &sk->sk_receive_queue);
				consume_skb(skb);
			}
		}
		if (copied >= target && !sk->sk_backlog.tail)
			break;
		err = xtcp_recv_wait(sk, &timeo, copied);
		if (err > 0)
			break;
		if (err < 0)
			return err;
		continue;
found:
		avail = min_t(size_t, skb->len - offset, len - copied);
		if (skb_copy_datagram_msg(skb, offset, msg, avail))
			return copied ? : -EFAULT;
		*seq += avail;
		copied += avail;
		if (!(flags & MSG_PEEK) && offset + avail == skb->len) {
			__skb_unlink(skb, &sk->sk_receive_queue);
			consume_skb(skb);
		}
	}
	if (!(flags & MSG_PEEK))
		xtcp_cleanup_rbuf(sk);
	return copied;
}

/**
 * xtcp_recvmsg() - recv(2), read(2) and recvmsg(2) on an xtcp socket
 * @sock: the socket
 * @msg: where the data goes
 * @len: room in @msg
 * @flags: MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT
 *
 * Return: bytes copied, 0 at end of stream, or a negative errno.
 */
int xtcp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		 int flags)
{
	struct sock *sk = sock->sk;
	int ret;

	if (flags & (MSG_OOB | MSG_ERRQUEUE))
		return -EOPNOTSUPP;
	lock_sock(sk);
	ret = xtcp_recvmsg_locked(sk, msg, len, flags);
	release_sock(sk);
	return ret;
}
