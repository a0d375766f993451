# SPDX-License-Identifier: GPL-2.0
#
# xtcp: an experimental TCP-like transport in its own socket family.
#
#   make [all]          build xtcp.ko and build/selftests/*, build/tools/*
#   make test [T=patterns] [KERNEL=6.1|6.12|debug]
#                       run the tests T selects (files or parts of test
#                       names, see README.md) in a QEMU VM booting that
#                       kernel (a lane, see README.md)
#   make demo           run tools/demo.sh in the VM
#   make vm             interactive shell in the VM, xtcp.ko loaded
#   make bench          run tools/bench.sh in the VM
#   make check          checkpatch --strict and sparse on the module
#   make install        install xtcp.ko and <linux/xtcp.h> on this machine
#   make clean
#
# Missing packages are installed by tools/deps.sh. The kernel is that of the
# lane KERNEL: 6.1 (the default, Debian's linux-headers-amd64 release), 6.12
# (Debian's linux-headers-6.12-amd64 release) or debug (built once from
# linux-source-6.1 with KASAN, lockdep, kmemleak, ..., tools/vm/debug.config),
# unless RELEASE=<release> (a Debian kernel release) or KDIR=<kernel build
# tree> says otherwise. VM_TIMEOUT (seconds) bounds a VM run.
#
# `make` builds ./xtcp.ko for that kernel. The VM targets build the lane's
# own copy instead, build/mod-<release>/xtcp.ko (W=1, no warnings allowed),
# from a copy of the sources, so that lanes never clobber each other, and
# pass its absolute path to the VM as XTCP_KO.

SHELL := /bin/bash

KERNEL ?= 6.1
export KERNEL
LANE_ENV := KERNEL='$(KERNEL)'
ifneq ($(origin RELEASE),undefined)
export RELEASE
LANE_ENV += RELEASE='$(RELEASE)'
endif
ifneq ($(origin KDIR),undefined)
export KDIR
LANE_ENV += KDIR='$(KDIR)'
endif

# Resolved on first use, once tools/deps.sh has installed the headers (or
# built the debug kernel).
lane = $(shell $(LANE_ENV) tools/kernel.sh $(1))
RELEASE ?= $(eval RELEASE := $(call lane,release))$(RELEASE)
KDIR ?= $(eval KDIR := $(call lane,kdir))$(KDIR)
LANE_NAME = $(eval LANE_NAME := $(call lane,name))$(LANE_NAME)

MOD_DIR = build/mod-$(RELEASE)
XTCP_KO = $(CURDIR)/$(MOD_DIR)/xtcp.ko
MOD_SRCS := Kbuild module include

VM_TIMEOUT ?= 3600
VM = XTCP_KO=$(XTCP_KO) tools/vm/run.sh -t $(VM_TIMEOUT)

CFLAGS := -O2 -g -Wall -Wextra -Werror -pthread -I include/uapi -I tools/lib \
	  -I .cache/linux-source/tools/testing/selftests
LDLIBS :=

LIB_OBJS := $(patsubst tools/lib/%.c,build/lib/%.o,$(wildcard tools/lib/*.c))
PROGS := $(patsubst %.c,build/%,$(wildcard selftests/*.c tools/*.c))

CHECKPATCH := .cache/linux-source/scripts/checkpatch.pl
KERNEL_DOC := .cache/linux-source/scripts/kernel-doc
CHECK_FILES = $(wildcard module/*.c module/*.h) include/uapi/linux/xtcp.h

all: module $(PROGS)

deps-build:
	@tools/deps.sh build >/dev/null

deps:
	@tools/deps.sh >/dev/null

module: | deps-build
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The lane's xtcp.ko, out of a copy of the sources; any warning fails.
lane-module: | deps-build
	@mkdir -p $(MOD_DIR)
	@rsync -a --delete --exclude='*.o' --exclude='.*.cmd' $(MOD_SRCS) $(MOD_DIR)/
	@set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(MOD_DIR) W=1 modules 2>&1 | tee $(MOD_DIR)/build.log; \
	! grep -qE '(warning|error):' $(MOD_DIR)/build.log || \
		{ echo "make: xtcp.ko for $(RELEASE) built with warnings" >&2; exit 1; }

lane: lane-module $(PROGS)

build/lib/%.o: tools/lib/%.c | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

build/%: %.c $(LIB_OBJS) | deps-build
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -o $@ $< $(LIB_OBJS) $(LDLIBS)

.SECONDARY: $(LIB_OBJS)

-include $(wildcard build/*/*.d)

test:
	@tools/deps.sh >/dev/null && $(MAKE) --no-print-directory lane || \
		{ echo "0 passed, 1 failed, 0 skipped"; exit 1; }
	@$(VM) -s -n test$(LANE_NAME) -- tools/vm/run-tests.sh '$(T)'

demo: deps lane
	@test -x tools/demo.sh || { echo "make demo: tools/demo.sh is missing" >&2; exit 1; }
	@$(VM) -n demo$(LANE_NAME) -- tools/demo.sh

bench: deps lane
	@test -x tools/bench.sh || { echo "make bench: tools/bench.sh is missing" >&2; exit 1; }
	@$(VM) -n bench$(LANE_NAME) -- tools/bench.sh

vm: deps lane
	@$(VM) -i

check: deps
	@out=$$(perl $(CHECKPATCH) --strict --no-tree --show-types -q -f $(CHECK_FILES)); \
	[[ -z "$$out" ]] || echo "$$out"; \
	! grep -qE '^(ERROR|WARNING|CHECK):' <<<"$$out" || { echo "make check: checkpatch failed" >&2; exit 1; }
	@out=$$(perl $(KERNEL_DOC) -none -v $(CHECK_FILES) 2>&1 | grep -E 'warning|error'); \
	[[ -z "$$out" ]] || { echo "$$out"; echo "make check: kernel-doc warnings" >&2; exit 1; }
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

.PHONY: all deps-build deps module lane-module lane test demo bench vm check install clean
