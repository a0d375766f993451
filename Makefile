# SPDX-License-Identifier: GPL-2.0
#
# xtcp: an experimental TCP-like transport in its own socket family.
#
#   make [all]          build xtcp.ko and build/selftests/*, build/tools/*
#   make test [T=name]  run the tests (whose name contains T) in a QEMU VM
#   make demo           run tools/demo.sh in the VM
#   make vm             interactive shell in the VM, xtcp.ko loaded
#   make bench          run tools/bench.sh in the VM
#   make check          checkpatch --strict and sparse on the module
#   make install        install xtcp.ko and <linux/xtcp.h> on this machine
#   make clean
#
# Missing packages are installed by tools/deps.sh. The kernel is Debian's
# linux-headers-amd64 release unless RELEASE=<release> (a Debian kernel
# release) or KDIR=<kernel build tree> says otherwise. VM_TIMEOUT (seconds)
# bounds a VM run.

SHELL := /bin/bash

# Resolved on first use, once tools/deps.sh has installed the headers.
ifeq ($(origin KDIR),undefined)
RELEASE ?= $(eval RELEASE := $(shell tools/release.sh))$(RELEASE)
KDIR = /lib/modules/$(RELEASE)/build
else
RELEASE ?= $(eval RELEASE := $(shell KDIR='$(KDIR)' tools/release.sh))$(RELEASE)
endif

VM_TIMEOUT ?= 3600
VM = RELEASE=$(RELEASE) tools/vm/run.sh -t $(VM_TIMEOUT)

CFLAGS := -O2 -g -Wall -Wextra -Werror -pthread -I include/uapi -I tools/lib \
	  -I .cache/linux-source/tools/testing/selftests
LDLIBS :=

LIB_OBJS := $(patsubst tools/lib/%.c,build/lib/%.o,$(wildcard tools/lib/*.c))
PROGS := $(patsubst %.c,build/%,$(wildcard selftests/*.c tools/*.c))

CHECKPATCH := .cache/linux-source/scripts/checkpatch.pl
CHECK_FILES = $(wildcard module/*.c module/*.h) include/uapi/linux/xtcp.h

all: module $(PROGS)

deps-build:
	@tools/deps.sh build >/dev/null

deps:
	@tools/deps.sh >/dev/null

module: | deps-build
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

build/lib/%.o: tools/lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

build/%: %.c $(LIB_OBJS) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) $(LDLIBS)

.SECONDARY: $(LIB_OBJS)

-include $(wildcard build/*/*.d)

test: deps
	@$(MAKE) --no-print-directory all || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	@$(VM) -s -n test -- tools/vm/run-tests.sh '$(T)'

demo: deps all
	@test -x tools/demo.sh || { echo "make demo: tools/demo.sh is missing" >&2; exit 1; }
	@$(VM) -n demo -- tools/demo.sh

bench: deps all
	@test -x tools/bench.sh || { echo "make bench: tools/bench.sh is missing" >&2; exit 1; }
	@$(VM) -n bench -- tools/bench.sh

vm: deps all
	@$(VM) -i

check: deps
	@out=$$(perl $(CHECKPATCH) --strict --no-tree --show-types -q -f $(CHECK_FILES)); \
	[[ -z "$$out" ]] || echo "$$out"; \
	! grep -qE '^(ERROR|WARNING|CHECK):' <<<"$$out" || { echo "make check: checkpatch failed" >&2; exit 1; }
	@set -o pipefail; mkdir -p build; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 modules 2>&1 | tee build/sparse.log; \
	! grep -qE '(warning|error):' build/sparse.log || { echo "make check: sparse or compiler warnings" >&2; exit 1; }

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	install -D -m 0644 include/uapi/linux/xtcp.h $(DESTDIR)/usr/include/linux/xtcp.h
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(RELEASE)

clean:
	@if [[ -d "$(KDIR)" ]]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf build

.PHONY: all deps-build deps module test demo bench vm check install clean
