// SPDX-License-Identifier: GPL-2.0
/*
 * shutdown(SHUT_RD) as Linux TCP does it: the connection stays up, data
 * the peer sends afterwards is still queued, acknowledged and readable,
 * recv() returns 0 once the queue is empty, and the other direction keeps
 * working. Only data that arrives after the socket also stopped sending
 * (FIN_WAIT1/2 with reading shut down: close(), or SHUT_RDWR) resets the
 * connection (RFC 1122 4.2.2.13). Each case runs on Linux TCP and on
 * xtcp, and the two must behave alike.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define WAIT_MS		10000

FIXTURE(shutdown) {
	int lfd;
	int cli;
	int srv;
};

FIXTURE_VARIANT(shutdown) {
	bool tcp;
};

FIXTURE_VARIANT_ADD(shutdown, tcp) {
	.tcp = true,
};

FIXTURE_VARIANT_ADD(shutdown, xtcp) {
	.tcp = false,
};

/* A listening socket of the variant's protocol in XL_NS_B */
static int listen_variant(bool tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int fd;

	if (!tcp)
		return xl_listen_in(XL_NS_B, XL_IP_B, PORT, 4, 0);
	fd = xl_tcp_sock(XL_NS_B);
	if (fd < 0)
		return -1;
	if (inet_pton(AF_INET, XL_IP_B, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_variant(bool tcp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	int fd;

	if (!tcp)
		return xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
	fd = xl_tcp_sock(XL_NS_A);
	if (fd < 0)
		return -1;
	if (inet_pton(AF_INET, XL_IP_B, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(shutdown)
{
	ASSERT_EQ(0, xl_topo("veth"));
	self->lfd = listen_variant(variant->tcp);
	ASSERT_LE(0, self->lfd);
	self->cli = connect_variant(variant->tcp);
	ASSERT_LE(0, self->cli);
	self->srv = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->srv);
}

FIXTURE_TEARDOWN(shutdown)
{
	xl_abort_close(self->cli);
	xl_abort_close(self->srv);
	close(self->lfd);
	xl_topo("clean");
}

/*
 * @len bytes of @c sent on @tx, read back whole from @rx once all of them
 * are queued: with reading shut down, recv() on an empty queue returns 0
 * at once rather than waiting for them.
 */
static int pass(int tx, int rx, char c, size_t len)
{
	long long end = xl_now_ms() + WAIT_MS;
	char out[1000], in[1000];
	int queued = 0;

	if (len > sizeof(out))
		return -1;
	memset(out, c, len);
	if (xl_send_all(tx, out, len))
		return -1;
	while (!ioctl(rx, SIOCINQ, &queued) && queued < (int)len &&
	       xl_now_ms() < end)
		usleep(10 * 1000);
	if (queued < (int)len)
		return -1;
	if (xl_set_timeo(rx, SO_RCVTIMEO, WAIT_MS) ||
	    recv(rx, in, len, MSG_WAITALL) != (ssize_t)len)
		return -1;
	return memcmp(in, out, len) ? -1 : 0;
}

TEST_F_TIMEOUT(shutdown, read_side_still_receives, 60)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->srv, SHUT_RD));
	ASSERT_EQ(0, pass(self->cli, self->srv, 'h', 500));
	ASSERT_EQ(0, pass(self->cli, self->srv, 'w', 800));
	/* The queue is empty: end of stream, at once */
	ASSERT_EQ(0, recv(self->srv, buf, sizeof(buf), MSG_DONTWAIT));
	/* The other direction is untouched */
	ASSERT_EQ(0, pass(self->srv, self->cli, 'b', 300));
	ASSERT_EQ(0, xl_sock_error(self->cli));
	ASSERT_EQ(0, xl_sock_error(self->srv));
	if (!variant->tcp) {
		EXPECT_EQ(0, xl_snmp(XL_NS_B, "OutRsts"));
		EXPECT_EQ(0, xl_snmp(XL_NS_B, "AbortOnData"));
	}
}

TEST_F_TIMEOUT(shutdown, read_and_write_side_resets_on_new_data, 60)
{
	char buf[16];

	ASSERT_EQ(0, shutdown(self->srv, SHUT_RDWR));
	ASSERT_EQ(0, xl_set_timeo(self->cli, SO_RCVTIMEO, WAIT_MS));
	ASSERT_EQ(0, recv(self->cli, buf, sizeof(buf), 0));
	/* The peer is in FIN_WAIT2, reading shut down: new data gets a reset */
	ASSERT_EQ(0, xl_send_all(self->cli, "late", 4));
	ASSERT_LT(0, xl_poll(self->cli, POLLERR, WAIT_MS));
	/* A reset in CLOSE_WAIT reports EPIPE (tcp_reset()) */
	EXPECT_EQ(EPIPE, xl_sock_error(self->cli));
	if (!variant->tcp)
		EXPECT_EQ(1, xl_snmp(XL_NS_B, "AbortOnData"));
}

XL_HARNESS_MAIN
