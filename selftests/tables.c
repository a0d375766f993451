// SPDX-License-Identifier: GPL-2.0
/*
 * The receive path finds its connection while other sockets move between
 * hash chains under it: a socket that disconnects and connects again
 * leaves its chain for another one, and a lookup walking the chain at
 * that moment must not follow it into the other chain and miss the
 * connection it looked for (which would answer live data with a reset).
 * Chains end in nulls markers naming them, and a walk that ends in the
 * wrong one starts again, as in Linux's established hash. The module is
 * loaded with two buckets per table, so that chains are long and sockets
 * move between them all the time.
 *
 * xtcp-test: alone (reloads the module)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_harness.h"

#define PORT		5000
#define REFUSED_PORT	6000
#define IDLE_CONNS	200
#define CHURNERS	2
#define BULK		(24 * XL_MB)

FIXTURE(tables) {
	int lfd;
	int idle[IDLE_CONNS][2];
	int nidle;
};

/* Unload xtcp.ko (waiting for orphans to end) and load it with @param */
static int reload(const char *param)
{
	if (xl_module_unload(60000) < 0)
		return -1;
	return xl_exec(NULL, NULL, "insmod", xl_module_path(), param, NULL);
}

FIXTURE_SETUP(tables)
{
	int i;

	self->nidle = 0;
	self->lfd = -1;
	ASSERT_EQ(0, reload("thash_entries=2"));
	ASSERT_EQ(0, xl_topo("veth"));
	self->lfd = xl_listen_in(XL_NS_B, XL_IP_B, PORT, 256, 0);
	ASSERT_LE(0, self->lfd);
	for (i = 0; i < IDLE_CONNS; i++) {
		self->idle[i][0] = xl_connect_in(XL_NS_A, XL_IP_B, PORT, 0);
		ASSERT_LE(0, self->idle[i][0]);
		self->idle[i][1] = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->idle[i][1]);
		self->nidle++;
	}
}

FIXTURE_TEARDOWN(tables)
{
	int i;

	for (i = 0; i < self->nidle; i++) {
		xl_abort_close(self->idle[i][0]);
		xl_abort_close(self->idle[i][1]);
	}
	if (self->lfd >= 0)
		close(self->lfd);
	xl_topo("clean");
	reload(NULL);
}

struct churn {
	volatile bool stop;
	long cycles;
	int err;
};

/*
 * Thread: one socket connects and disconnects (connect(AF_UNSPEC)) over
 * and over; each connect takes a new port, so a new bucket.
 */
static void *churn(void *arg)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct churn *c = arg;
	int fd = xl_sock(XL_NS_A, SOCK_NONBLOCK);

	if (fd < 0) {
		c->err = errno;
		return NULL;
	}
	while (!c->stop) {
		if (xl_connect(fd, XL_IP_B, REFUSED_PORT) && errno != EINPROGRESS) {
			c->err = errno;
			break;
		}
		if (connect(fd, &unspec, sizeof(unspec))) {
			c->err = errno;
			break;
		}
		c->cycles++;
	}
	close(fd);
	return NULL;
}

TEST_F_TIMEOUT(tables, lookup_survives_rehash, 300)
{
	struct xl_xfer tx = { .seed = 5, .total = BULK };
	struct xl_xfer rx = { .seed = 5, .total = BULK };
	struct churn ch[CHURNERS] = {};
	pthread_t tc[CHURNERS], ts, tr;
	struct xl_conn c;
	long cycles = 0;
	int i;

	xl_pattern_init();
	ASSERT_EQ(0, xl_conn_open(&c, self->lfd, XL_IP_B, PORT));
	/* Data flows into xa, whose table the churners shake */
	tx.fd = c.srv;
	rx.fd = c.cli;
	for (i = 0; i < CHURNERS; i++)
		ASSERT_EQ(0, pthread_create(&tc[i], NULL, churn, &ch[i]));
	ASSERT_EQ(0, pthread_create(&ts, NULL, xl_send_stream, &tx));
	ASSERT_EQ(0, pthread_create(&tr, NULL, xl_recv_stream, &rx));
	ASSERT_EQ(0, pthread_join(tr, NULL));
	ASSERT_EQ(0, pthread_join(ts, NULL));
	for (i = 0; i < CHURNERS; i++) {
		ch[i].stop = true;
		ASSERT_EQ(0, pthread_join(tc[i], NULL));
		EXPECT_EQ(0, ch[i].err);
		cycles += ch[i].cycles;
	}
	TH_LOG("%llu bytes received while sockets moved between chains %ld times",
	       rx.done, cycles);
	xl_snmp_print(XL_NS_A);
	ASSERT_LT(1000, cycles);
	EXPECT_EQ(0, tx.err);
	EXPECT_EQ(0, rx.err);
	EXPECT_EQ((unsigned long long)BULK, rx.done);
	EXPECT_TRUE(rx.eof);
	EXPECT_EQ(0, xl_snmp(XL_NS_B, "EstabResets"));
	xl_conn_abort(&c);
}

XL_HARNESS_MAIN
