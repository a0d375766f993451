/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp: an experimental TCP-like transport in its own socket family.
 *
 * User API. Include next to the normal libc socket headers:
 *
 *	#include <sys/socket.h>
 *	#include <linux/xtcp.h>
 *
 * The family number below is the module's default; the number in use is
 * readable at /sys/module/xtcp/parameters/family.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/in.h>
#else
#include <netinet/in.h>
#endif

#ifndef AF_XTCP
#define AF_XTCP		27
#endif
#ifndef PF_XTCP
#define PF_XTCP		AF_XTCP
#endif

#define IPPROTO_XTCP	253
#define SOL_XTCP	253

/**
 * struct sockaddr_xtcp - xtcp socket address, laid out as sockaddr_in
 * @sxtcp_family: AF_XTCP
 * @sxtcp_port: port, network byte order
 * @sxtcp_addr: IPv4 address, network byte order
 * @sxtcp_zero: padding to the size of struct sockaddr, must be zero
 */
struct sockaddr_xtcp {
	__u16		sxtcp_family;
	__be16		sxtcp_port;
	struct in_addr	sxtcp_addr;
	__u8		sxtcp_zero[8];
};

/* setsockopt/getsockopt options at level SOL_XTCP */
#define XTCP_NODELAY	1	/* int: disable Nagle, as TCP_NODELAY */
#define XTCP_MAXSEG	2	/* int: MSS clamp, as TCP_MAXSEG */
#define XTCP_KEEPIDLE	4	/* int: idle seconds before keepalive probes */
#define XTCP_KEEPINTVL	5	/* int: seconds between keepalive probes */
#define XTCP_KEEPCNT	6	/* int: unanswered probes before dropping */
#define XTCP_INFO	11	/* struct xtcp_info, read only */

/* Connection states, numbered as Linux TCP's (struct xtcp_info.state) */
enum {
	XTCP_ESTABLISHED = 1,
	XTCP_SYN_SENT,
	XTCP_SYN_RECV,
	XTCP_FIN_WAIT1,
	XTCP_FIN_WAIT2,
	XTCP_TIME_WAIT,
	XTCP_CLOSE,
	XTCP_CLOSE_WAIT,
	XTCP_LAST_ACK,
	XTCP_LISTEN,
	XTCP_CLOSING,
};

/**
 * struct xtcp_info - connection state, returned by getsockopt(XTCP_INFO)
 * @state: XTCP_ESTABLISHED ... XTCP_CLOSING
 * @ca_state: congestion state: 0 open, 1 recovery, 2 loss
 * @retransmits: consecutive timeouts of the current segment
 * @backoff: current exponential backoff shift of the RTO
 * @snd_wscale: window scale shift applied to the peer's window
 * @rcv_wscale: window scale shift applied to our window
 * @pad: reserved, zero
 * @rto_us: retransmission timeout
 * @srtt_us: smoothed round-trip time
 * @rttvar_us: round-trip time variation
 * @snd_mss: maximum segment size we send
 * @rcv_mss: maximum segment size the peer announced
 * @snd_cwnd: congestion window, in segments
 * @snd_ssthresh: slow-start threshold, in segments
 * @snd_wnd: peer's advertised receive window, bytes
 * @rcv_wnd: receive window we advertise, bytes
 * @unacked: segments sent and not yet acknowledged
 * @total_retrans: segments retransmitted over the connection's life
 * @pad2: reserved, zero
 * @bytes_acked: bytes of ours the peer acknowledged
 * @bytes_received: bytes of the peer's we received in order
 * @segs_out: segments sent
 * @segs_in: segments received
 */
struct xtcp_info {
	__u8	state;
	__u8	ca_state;
	__u8	retransmits;
	__u8	backoff;
	__u8	snd_wscale;
	__u8	rcv_wscale;
	__u16	pad;
	__u32	rto_us;
	__u32	srtt_us;
	__u32	rttvar_us;
	__u32	snd_mss;
	__u32	rcv_mss;
	__u32	snd_cwnd;
	__u32	snd_ssthresh;
	__u32	snd_wnd;
	__u32	rcv_wnd;
	__u32	unacked;
	__u32	total_retrans;
	__u32	pad2;
	__u64	bytes_acked;
	__u64	bytes_received;
	__u64	segs_out;
	__u64	segs_in;
};

#endif /* _UAPI_LINUX_XTCP_H */
