// SPDX-License-Identifier: GPL-2.0
/*
 * SO_BINDTODEVICE in the lookups, as Linux TCP: with two veth paths
 * between the namespaces, a listener bound to one device accepts what
 * arrives on it and answers a SYN that arrives on the other with a reset
 * (the client sees ECONNREFUSED, as it does with TCP in the same setup);
 * two listeners may share a port on different devices, each accepting
 * from its own; and a client bound to a device sends through it (the
 * route follows the device), so it reaches the listener of that device
 * even when it connects to the other path's address.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define PORT2		5001
#define TCP_PORT	6000
#define IP_B1		"198.18.3.2"
#define WAIT_MS		10000

FIXTURE(bindtodevice) {
	struct xl_fds fds;
};

FIXTURE_SETUP(bindtodevice)
{
	memset(&self->fds, 0, sizeof(self->fds));
	ASSERT_EQ(0, xl_topo("veth2"));
}

FIXTURE_TEARDOWN(bindtodevice)
{
	xl_fds_abort(&self->fds);
	xl_topo("clean");
}

/* An xtcp listener in B on INADDR_ANY:@port bound to @dev */
static int dev_listener(struct xl_fds *fds, const char *dev,
			unsigned short port)
{
	int fd = xl_sock(XL_NS_B, 0);

	if (fd < 0 || xl_bind_dev(fd, dev) || xl_bind(fd, NULL, port) ||
	    listen(fd, 8)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return xl_fds_add(fds, fd);
}

/* connect() from A to @ip:@port, from a socket bound to @dev if given */
static int connect_from(struct xl_fds *fds, const char *dev, const char *ip,
			unsigned short port)
{
	int fd = xl_sock(XL_NS_A, 0);

	if (fd < 0)
		return -1;
	xl_fds_add(fds, fd);
	if (dev && xl_bind_dev(fd, dev))
		return -1;
	if (xl_set_timeo(fd, SO_SNDTIMEO, WAIT_MS))
		return -1;
	return xl_connect(fd, ip, port) ? -1 : fd;
}

/* The listener's accepted connection has @ip as its local address */
static int accepted_on(struct xl_fds *fds, int lfd, const char *ip)
{
	char local[XL_ADDRSTRLEN], want[XL_ADDRSTRLEN];
	int fd;

	if (xl_poll(lfd, POLLIN, WAIT_MS) <= 0)
		return -1;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return -1;
	xl_fds_add(fds, fd);
	snprintf(want, sizeof(want), "%s:", ip);
	if (!xl_local_str(fd, local, sizeof(local)) ||
	    strncmp(local, want, strlen(want)))
		return -1;
	return fd;
}

TEST_F_TIMEOUT(bindtodevice, listener_refuses_other_device, 60)
{
	int lfd, cli, srv, tfd;

	lfd = dev_listener(&self->fds, "xb0", PORT);
	ASSERT_LE(0, lfd);

	/* Through xb1 the SYN finds no listener: a reset, as TCP's */
	ASSERT_EQ(-1, connect_from(&self->fds, NULL, IP_B1, PORT));
	ASSERT_EQ(ECONNREFUSED, errno);
	ASSERT_EQ(1, xl_snmp(XL_NS_B, "OutRsts"));
	ASSERT_EQ(0, xl_count_rows(XL_NS_B, NULL, "SYN_RECV"));

	/* Through xb0 it connects, and bytes pass */
	cli = connect_from(&self->fds, NULL, XL_IP_B, PORT);
	ASSERT_LE(0, cli);
	srv = accepted_on(&self->fds, lfd, XL_IP_B);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_pass(cli, srv, 'd', 1000, WAIT_MS));
	ASSERT_EQ(0, xl_pass(srv, cli, 'e', 1000, WAIT_MS));

	/* Linux TCP, the reference, in the same setup */
	tfd = xl_tcp_sock(XL_NS_B);
	ASSERT_LE(0, tfd);
	xl_fds_add(&self->fds, tfd);
	ASSERT_EQ(0, xl_bind_dev(tfd, "xb0"));
	ASSERT_EQ(0, xl_bind(tfd, NULL, TCP_PORT));
	ASSERT_EQ(0, listen(tfd, 8));
	tfd = xl_tcp_connect_in(XL_NS_A, IP_B1, TCP_PORT);
	ASSERT_EQ(-1, tfd);
	ASSERT_EQ(ECONNREFUSED, errno);
}

TEST_F_TIMEOUT(bindtodevice, listeners_share_port_on_two_devices, 60)
{
	int l0, l1, cli, srv;

	l0 = dev_listener(&self->fds, "xb0", PORT);
	ASSERT_LE(0, l0);
	l1 = dev_listener(&self->fds, "xb1", PORT);
	ASSERT_LE(0, l1);
	/* A third one without a device would overlap both */
	ASSERT_GT(0, xl_listen_in(XL_NS_B, NULL, PORT, 8, 0));
	ASSERT_EQ(EADDRINUSE, errno);

	cli = connect_from(&self->fds, NULL, XL_IP_B, PORT);
	ASSERT_LE(0, cli);
	srv = accepted_on(&self->fds, l0, XL_IP_B);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_pass(cli, srv, 'f', 500, WAIT_MS));

	cli = connect_from(&self->fds, NULL, IP_B1, PORT);
	ASSERT_LE(0, cli);
	srv = accepted_on(&self->fds, l1, IP_B1);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_pass(cli, srv, 'g', 500, WAIT_MS));
	ASSERT_EQ(0, xl_poll(l0, POLLIN, 0));
}

/*
 * A client bound to xa1 connecting to xb0's address: its route goes out
 * xa1 (with a device and no route of its own the destination is taken as
 * on-link), the SYN arrives on xb1, and only the listener of xb1 may take
 * it; the listener of xb0 on the same port sees nothing.
 */
TEST_F_TIMEOUT(bindtodevice, client_device_picks_path, 60)
{
	int l0, l1, cli, srv;

	l0 = dev_listener(&self->fds, "xb0", PORT2);
	ASSERT_LE(0, l0);
	l1 = dev_listener(&self->fds, "xb1", PORT2);
	ASSERT_LE(0, l1);

	cli = connect_from(&self->fds, "xa1", XL_IP_B, PORT2);
	ASSERT_LE(0, cli);
	srv = accepted_on(&self->fds, l1, XL_IP_B);
	ASSERT_LE(0, srv);
	ASSERT_EQ(0, xl_pass(cli, srv, 'h', 2000, WAIT_MS));
	ASSERT_EQ(0, xl_pass(srv, cli, 'i', 2000, WAIT_MS));
	ASSERT_EQ(0, xl_poll(l0, POLLIN, 0));
}

XL_HARNESS_MAIN
