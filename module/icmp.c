// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp ICMP errors: the err_handler of IPv4 protocol 253, as tcp_v4_err().
 *
 * An ICMP error quotes the IPv4 header and at least the first eight bytes
 * of the segment that caused it: the ports find the connection, the
 * sequence number proves that the error answers something we sent and
 * not yet acknowledged (RFC 5927 section 4.1), as TCP checks it. Then:
 *
 * - fragmentation needed (RFC 1191): the route's path MTU drops and with
 *   it the MSS; what is in flight is sent again in smaller segments;
 * - during the handshake (SYN_SENT, a simultaneous open's SYN_RECV) any
 *   error fails the connection at once, as TCP's connect() does, with the
 *   errno of icmp_err_convert[] (ECONNREFUSED for port unreachable,
 *   ENOPROTOOPT for protocol unreachable, EHOSTUNREACH...);
 * - a listener's request (or child) in SYN_RECV ends on an error that says
 *   the peer is unreachable (net/host unreachable, time exceeded,
 *   parameter problem), as tcp_req_err();
 * - a synchronised connection keeps trying (RFC 1122 4.2.3.9): the error
 *   is soft, kept in sk_err_soft and reported when the connection times
 *   out (instead of ETIMEDOUT).
 */

#include <linux/icmp.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/route.h>

#include "xtcp.h"

/* The route's path MTU is @mtu now; the route to use, or NULL */
static struct dst_entry *xtcp_update_pmtu(struct sock *sk, u32 mtu)
{
	struct dst_entry *dst = __sk_dst_check(sk, 0);

	if (!dst) {
		if (xtcp_route(sk))
			return NULL;
		dst = __sk_dst_get(sk);
	}
	dst->ops->update_pmtu(dst, sk, NULL, mtu, true);
	dst = __sk_dst_check(sk, 0);
	if (!dst && !xtcp_route(sk))
		dst = __sk_dst_get(sk);
	return dst;
}

/**
 * xtcp_mtu_reduced() - act on a fragmentation-needed error
 * @sk: the socket, locked and not owned by the user
 *
 * RFC 1191 section 6.3: the MSS follows the new path MTU; segments in
 * flight that no longer fit are sent again, split (go-back-N from
 * snd_una, as tcp_simple_retransmit()); this is no congestion signal.
 */
void xtcp_mtu_reduced(struct sock *sk)
{
	struct xtcp_sock *xs = xtcp_sk(sk);
	u16 mss, old_mss = xs->mss_cache;
	struct dst_entry *dst;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	/* A new route (xtcp_route()) comes with its MSS already */
	dst = xtcp_update_pmtu(sk, READ_ONCE(xs->mtu_info));
	if (!dst)
		return;
	if (READ_ONCE(xs->mtu_info) < dst_mtu(dst) &&
	    ip_dont_fragment(sk, dst))
		WRITE_ONCE(sk->sk_err_soft, EMSGSIZE);
	mss = xtcp_mss_for_dst(sk, dst);
	if (inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT || mss >= old_mss)
		return;
	xs->mss_cache = mss;
	XTCP_INC_STATS(sock_net(sk), XTCP_MIB_PMTUREDUCED);
	if (sk->sk_state == TCP_SYN_SENT || xs->snd_nxt == xs->snd_una ||
	    !skb_peek(&sk->sk_write_queue))
		return;
	xs->send_head = skb_peek(&sk->sk_write_queue);
	xs->snd_nxt = xs->snd_una;
	xtcp_write_xmit(sk);
}

/*
 * Does the error end a listener's child in SYN_RECV? Only when the peer
 * is unreachable, as tcp_req_err() decides.
 */
static bool xtcp_icmp_ends_child(int type, int code)
{
	return type == ICMP_PARAMETERPROB || type == ICMP_TIME_EXCEEDED ||
	       (type == ICMP_DEST_UNREACH &&
		(code == ICMP_NET_UNREACH || code == ICMP_HOST_UNREACH));
}

/*
 * An error about a SYN-ACK of a listener's request: it must quote the
 * request's ISN (RFC 5927), and it ends the request when the peer is
 * unreachable (ListenDrops, as tcp_req_err()). Return: false when no
 * request matches.
 */
static bool xtcp_req_err(struct net *net, const struct iphdr *iph,
			 const struct tcphdr *th, int dif, int type, int code)
{
	struct xtcp_request *req;
	struct sock *sk;

	sk = xtcp_lookup_listener(net, iph->saddr, th->source, dif, 0);
	if (!sk)
		return false;
	req = xtcp_req_lookup(sk, iph->saddr, iph->daddr, th->dest);
	sock_put(sk);
	if (!req)
		return false;
	if (ntohl(th->seq) != req->iss)
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
	else if (xtcp_icmp_ends_child(type, code) && xtcp_req_unlink(req))
		XTCP_INC_STATS(net, XTCP_MIB_LISTENDROPS);
	xtcp_req_put(req);
	return true;
}

/* The negative errno an ICMP error stands for; 0 when it is none for xtcp */
static int xtcp_icmp_errno(int type, int code)
{
	switch (type) {
	case ICMP_PARAMETERPROB:
		return -EPROTO;
	case ICMP_DEST_UNREACH:
		if (code > NR_ICMP_UNREACH)
			return 0;
		return -icmp_err_convert[code].errno;
	case ICMP_TIME_EXCEEDED:
		return -EHOSTUNREACH;
	}
	return 0;
}

/*
 * The error @err for @sk, locked: fatal during the handshake, soft (the
 * error a timeout reports) once synchronised
 */
static void xtcp_icmp_error(struct sock *sk, int err)
{
	if (!((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) ||
	    sock_owned_by_user(sk)) {
		WRITE_ONCE(sk->sk_err_soft, err);
		return;
	}
	WRITE_ONCE(sk->sk_err, err);
	sk_error_report(sk);
	xtcp_done(sk);
}

/**
 * xtcp_v4_err() - ICMP error handler of IPPROTO_XTCP
 * @skb: the ICMP message, data at the quoted IPv4 header, which with 8
 *	bytes of the segment after it is linear
 * @info: the ICMP information field (the next-hop MTU for fragmentation
 *	needed)
 *
 * Return: 0, or -ENOENT when the error matches no connection.
 */
int xtcp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data +
							  (iph->ihl << 2));
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct xtcp_sock *xs;
	struct sock *sk;
	u32 seq;
	int err;

	sk = xtcp_lookup_established(net, iph->daddr, th->dest, iph->saddr,
				     th->source, inet_iif(skb), 0);
	if (!sk) {
		if (xtcp_req_err(net, iph, th, inet_iif(skb), type, code))
			return 0;
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}
	xs = xtcp_sk(sk);
	seq = ntohl(th->seq);

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk) &&
	    !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED))
		XTCP_INC_STATS(net, XTCP_MIB_LOCKDROPPEDICMPS);
	if (sk->sk_state == TCP_CLOSE || sk->sk_state == TCP_LISTEN)
		goto out;
	/* RFC 5927 4.1: only what is in flight can have caused an error */
	if (!xtcp_between(seq, xs->snd_una, xs->snd_nxt)) {
		XTCP_INC_STATS(net, XTCP_MIB_OUTOFWINDOWICMPS);
		goto out;
	}

	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		WRITE_ONCE(xs->mtu_info, info);
		if (!sock_owned_by_user(sk))
			xtcp_mtu_reduced(sk);
		else if (!test_and_set_bit(XTCP_MTU_REDUCED_DEFERRED,
					   &xs->deferred))
			sock_hold(sk);
		goto out;
	}
	err = xtcp_icmp_errno(type, code);
	if (!err)
		goto out;

	if (sk->sk_state == TCP_SYN_RECV && xs->parent) {
		if (xtcp_icmp_ends_child(type, code) && !sock_owned_by_user(sk))
			xtcp_child_drop(sk);
		goto out;
	}
	xtcp_icmp_error(sk, -err);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}
