// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp-sys: make one system call whose errno is what a test checks, and
 * print OK or the errno's name (EINVAL, ...). For the shell scenarios
 * (xl_errno in selftests/lib.sh).
 *
 *	xtcp-sys insmod FILE [PARAMS]	finit_module(FILE, PARAMS, 0)
 *	xtcp-sys socket FAMILY		socket(FAMILY, SOCK_STREAM, 0)
 *	xtcp-sys write FILE VALUE...	for each VALUE, one write(2) of
 *					"VALUE\n" to FILE opened afresh
 *
 * One line per call. Exits 0 when the calls were made, whatever their
 * results; 1 when FILE cannot be opened, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: xtcp-sys insmod FILE [PARAMS] | socket FAMILY | write FILE VALUE...\n");
	exit(2);
}

static int open_or_exit(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "xtcp-sys: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int report(int ret)
{
	const char *name = strerrorname_np(errno);

	if (ret < 0)
		printf("%s\n", name ?: "unknown");
	else
		printf("OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	char *val;
	long ret;
	int fd, i;

	if (argc < 3)
		usage();
	if (!strcmp(argv[1], "insmod") && argc <= 4) {
		fd = open_or_exit(argv[2], O_RDONLY);
		ret = syscall(SYS_finit_module, fd, argc == 4 ? argv[3] : "", 0);
		return report(ret);
	}
	if (!strcmp(argv[1], "socket") && argc == 3) {
		fd = socket(atoi(argv[2]), SOCK_STREAM, 0);
		return report(fd);
	}
	if (!strcmp(argv[1], "write") && argc >= 4) {
		for (i = 3; i < argc; i++) {
			fd = open_or_exit(argv[2], O_WRONLY);
			if (asprintf(&val, "%s\n", argv[i]) < 0)
				return 1;
			report(write(fd, val, strlen(val)));
			free(val);
			close(fd);
		}
		return 0;
	}
	usage();
}
