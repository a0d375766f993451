/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bulk-data helpers shared by the transfer tests (transfer.c, zerowin.c,
 * concurrent.c); included after kselftest_harness.h and xtcp_util.h.
 *
 * Stream @seed carries at offset i the byte pattern[(i + seed * 7919) %
 * PATTERN_LEN] of one random block, whose odd length keeps the period out
 * of step with segment and buffer sizes, so that a byte lost, duplicated
 * or moved shows.
 */
#ifndef XTCP_SELFTEST_XFER_H
#define XTCP_SELFTEST_XFER_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_util.h"

#define PATTERN_LEN	((1 << 20) + 13)
#define CHUNK		65536
#define MB		(1024 * 1024)

static unsigned char pattern[2 * PATTERN_LEN];

static inline void pattern_init(void)
{
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < PATTERN_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = x >> 24;
	}
	memcpy(pattern + PATTERN_LEN, pattern, PATTERN_LEN);
}

/* At least PATTERN_LEN contiguous bytes of stream @seed from @off. */
static inline const unsigned char *stream_at(unsigned int seed,
					     unsigned long long off)
{
	return pattern + (off + seed * 7919ULL) % PATTERN_LEN;
}

static inline size_t chunk_len(unsigned long long done,
			       unsigned long long total)
{
	return total - done < CHUNK ? total - done : CHUNK;
}

/**
 * struct xfer - one direction of one connection
 * @fd: the socket
 * @seed: the stream sent or expected
 * @total: bytes to send, or expected before end of stream
 * @done: bytes sent, or received and verified, so far
 * @err: 0, an errno, or EBADMSG for data that differs from the stream
 * @eof: the receiver saw end of stream
 * @keep_open: the sender does not shut down writing at the end
 */
struct xfer {
	int fd;
	unsigned int seed;
	unsigned long long total;
	unsigned long long done;
	int err;
	bool eof;
	bool keep_open;
};

/* Thread: send @x's stream on a blocking socket, then shut down writing. */
static inline void *send_stream(void *arg)
{
	struct xfer *x = arg;
	ssize_t n;

	while (x->done < x->total) {
		n = send(x->fd, stream_at(x->seed, x->done),
			 chunk_len(x->done, x->total), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			x->err = n < 0 ? errno : EIO;
			return NULL;
		}
		x->done += n;
	}
	if (!x->keep_open && shutdown(x->fd, SHUT_WR))
		x->err = errno;
	return NULL;
}

/*
 * Check @n received bytes against the stream; false (with @x->err set) if
 * they differ from it or overrun it.
 */
static inline bool check_stream(struct xfer *x, const unsigned char *buf,
				size_t n)
{
	if (x->done + n > x->total ||
	    memcmp(buf, stream_at(x->seed, x->done), n)) {
		x->err = EBADMSG;
		return false;
	}
	x->done += n;
	return true;
}

/* Thread: receive and verify until end of stream, on a blocking socket. */
static inline void *recv_stream(void *arg)
{
	struct xfer *x = arg;
	unsigned char *buf = malloc(CHUNK);
	ssize_t n;

	if (!buf) {
		x->err = ENOMEM;
		return NULL;
	}
	for (;;) {
		n = recv(x->fd, buf, CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			x->err = errno;
			break;
		}
		if (!n) {
			x->eof = true;
			break;
		}
		if (!check_stream(x, buf, n))
			break;
	}
	free(buf);
	return NULL;
}

static inline int get_info(int fd, struct xtcp_info *info)
{
	socklen_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (getsockopt(fd, SOL_XTCP, XTCP_INFO, info, &len))
		return -1;
	return len == sizeof(*info) ? 0 : -1;
}

/*
 * Wait until XTCP_INFO of @fd shows @bytes acknowledged, or with @fin one
 * more (the FIN's sequence number, which Linux TCP counts too); 0, or -1
 * after @timeout_ms.
 */
static inline int wait_acked(int fd, unsigned long long bytes, bool fin,
			     int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	struct xtcp_info info;

	for (;;) {
		if (get_info(fd, &info))
			return -1;
		if (info.bytes_acked == bytes ||
		    (fin && info.bytes_acked == bytes + 1))
			return 0;
		if (now_ms() >= end)
			return -1;
		usleep(50000);
	}
}

static inline int set_nonblock(int fd, bool on)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK :
				       flags & ~O_NONBLOCK);
}

/* Print XTCP_INFO of @fd as a TAP comment headed @what. */
static inline void print_info(const char *what, int fd)
{
	struct xtcp_info i;

	if (get_info(fd, &i)) {
		ksft_print_msg("%s: XTCP_INFO: %s\n", what, strerror(errno));
		return;
	}
	ksft_print_msg("%s: state %u ca_state %u retransmits %u backoff %u rto %u srtt %u mss %u cwnd %u ssthresh %u snd_wnd %u rcv_wnd %u unacked %u retrans %u acked %llu received %llu segs %llu/%llu\n",
		       what, i.state, i.ca_state, i.retransmits, i.backoff,
		       i.rto_us, i.srtt_us, i.snd_mss, i.snd_cwnd,
		       i.snd_ssthresh, i.snd_wnd, i.rcv_wnd, i.unacked,
		       i.total_retrans, i.bytes_acked, i.bytes_received,
		       i.segs_out, i.segs_in);
}

/* Print the non-zero counters of /proc/net/xtcp/snmp in @ns. */
static inline void print_snmp(const char *ns)
{
	char buf[8192], line[1024] = "", *p, *save;
	char name[64];
	long val;

	if (ns_read_file(ns, "/proc/net/xtcp/snmp", buf, sizeof(buf)) < 0)
		return;
	for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		if (sscanf(p, "%63s %ld", name, &val) != 2 || !val)
			continue;
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s=%ld ", name, val);
	}
	ksft_print_msg("%s: %s\n", ns, line);
}

#endif /* XTCP_SELFTEST_XFER_H */
