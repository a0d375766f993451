#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the test VM after switch_root (see tools/vm/init). Runs the
# command file $xtcp_cmd, or an interactive shell with xtcp.ko loaded when
# xtcp_interactive=1, in the project directory, writes the kernel log to the
# second serial port, prints XTCP-VM-RC=<exit status> and powers the VM off.
# xtcp_ko (the host's XTCP_KO, the xtcp.ko built for this kernel) is bind
# mounted over ./xtcp.ko, in the VM's overlay only, for whatever still loads
# ./xtcp.ko, and exported as XTCP_KO.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${xtcp_term:-linux}

power_off() {
	sleep 0.2
	busybox poweroff -f
	echo o > /proc/sysrq-trigger
	while :; do read -r -t 60 <> /dev/ttyS1; done
}

hostname xtcp-vm
ip link set lo up
dmesg -n 5
cd "$xtcp_dir" || { echo "XTCP-VM-RC=255"; power_off; }

if [[ -n "${xtcp_ko:-}" ]]; then
	export XTCP_KO=$xtcp_ko
	if [[ "$xtcp_ko" != "$PWD/xtcp.ko" ]]; then
		{ [[ -e xtcp.ko ]] || : > xtcp.ko; } && mount --bind "$xtcp_ko" xtcp.ko ||
			echo "guest: cannot bind $xtcp_ko over ./xtcp.ko"
	fi
fi

if [[ "$xtcp_interactive" == 1 ]]; then
	stty -F /dev/ttyS0 sane rows "${xtcp_rows:-24}" cols "${xtcp_cols:-80}"
	export PS1='xtcp-vm:\w# '
	if [[ -e "${XTCP_KO:-xtcp.ko}" && ! -d /sys/module/xtcp ]]; then
		insmod "${XTCP_KO:-xtcp.ko}" && echo "${XTCP_KO:-xtcp.ko} loaded"
	fi
	echo "xtcp VM: kernel $(uname -r); exit the shell to power off"
	setsid -c -w bash --norc -i </dev/ttyS0 >/dev/ttyS0 2>&1
	rc=$?
else
	bash "$xtcp_cmd" </dev/null
	rc=$?
fi

dmesg --color=never > /dev/ttyS1
echo "XTCP-VM-RC=$rc"
power_off
