#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# 16 MB each way at once on one connection between xtcp (xa, xtcpcat) and
# Linux TCP (xb, python3) through the protocol-rewriting router xr, with 2%
# loss on both of its interfaces; once with xtcp connecting, once with TCP
# connecting. Every byte arrives intact.

source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/xfer.bash"

XA=198.18.1.1
XB=198.18.2.2
MB=16
STALL_S=30
work_dir interop-data
WATCH_FILES=("$WORK/a.got" "$WORK/b.got")

# A Linux TCP peer: sends SRC (then shuts down writing) while it writes what
# it receives to DST, until end of stream.
#	tcppeer.py listen|connect HOST PORT SRC DST
cat > "$WORK/tcppeer.py" <<'EOF'
import socket
import sys
import threading

mode, host, port, src, dst = sys.argv[1:6]
if mode == "listen":
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(1)
    ls.settimeout(60)
    s, _ = ls.accept()
else:
    s = socket.create_connection((host, int(port)), timeout=60)
s.settimeout(120)
failed = []

def send():
    try:
        with open(src, "rb") as f:
            while True:
                buf = f.read(65536)
                if not buf:
                    break
                s.sendall(buf)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        failed.append("send: %s" % e)

sender = threading.Thread(target=send)
sender.start()
try:
    with open(dst, "wb") as f:
        while True:
            buf = s.recv(65536)
            if not buf:
                break
            f.write(buf)
except OSError as e:
    failed.append("recv: %s" % e)
sender.join()
s.close()
if failed:
    sys.exit("tcppeer: " + ", ".join(failed))
EOF

tcp_listening()
{
	[[ -n "$(ip netns exec xb ss -Htln "sport = :$1")" ]]
}

xtcp_listening()
{
	[[ "$(xtcp_state xa "0.0.0.0:$1" 0.0.0.0:0)" == LISTEN ]]
}

# check NAME RC_XTCP RC_TCP START_NS - both ends succeeded and both
# directions arrived intact
check()
{
	local name=$1 ms=$((($(date +%s%N) - $4) / 1000000))

	echo "# $name: $MB MB each way in $ms ms, status xtcp $2 tcp $3"
	echo "# $name: xa: $(snmp_nonzero xa)"
	echo "# $name: xb: $(ip netns exec xb nstat -asz TcpRetransSegs TcpExtTCPRenoRecovery TcpExtTCPLostRetransmit TcpExtTCPTimeouts 2>/dev/null | awk 'NR > 1 { printf "%s=%s ", $1, $2 }')"
	if [[ $2 == 0 ]] && cmp -s "$WORK/a" "$WORK/a.got"; then
		tap_ok "$name: xtcp -> TCP $MB MB intact"
	else
		tap_fail "$name: xtcp -> TCP $MB MB intact" \
			"$(size_of "$WORK/a.got") bytes received; $(cat "$WORK"/*.err)"
	fi
	if [[ $3 == 0 ]] && cmp -s "$WORK/b" "$WORK/b.got"; then
		tap_ok "$name: TCP -> xtcp $MB MB intact"
	else
		tap_fail "$name: TCP -> xtcp $MB MB intact" \
			"$(size_of "$WORK/b.got") bytes received; $(cat "$WORK"/*.err)"
	fi
	if (($(xtcp_snmp xa RetransSegs) > 0)); then
		tap_ok "$name: xtcp recovered from losses (RetransSegs > 0)"
	else
		tap_fail "$name: xtcp recovered from losses (RetransSegs > 0)"
	fi
	rm -f "$WORK/a.got" "$WORK/b.got" "$WORK"/*.err
}

setup()
{
	topo_interop &&
	tc -n xr qdisc add dev r0 root netem loss 2% &&
	tc -n xr qdisc add dev r1 root netem loss 2%
}

# xtcp connects from xa to a Linux TCP listener in xb
test_xtcp_connects()
{
	local start tcp xtcp rc_x rc_t

	setup || { tap_fail "xtcp connects: setup"; return; }
	ip netns exec xb python3 "$WORK/tcppeer.py" listen "$XB" 6000 \
		"$WORK/b" "$WORK/a.got" 2>"$WORK/tcp.err" &
	tcp=$!
	PIDS+=($tcp)
	wait_for 10 tcp_listening 6000 || { tap_fail "xtcp connects: TCP listener"; return; }
	start=$(date +%s%N)
	ip netns exec xa "$XTCPCAT" -N "$XB" 6000 <"$WORK/a" \
		>"$WORK/b.got" 2>"$WORK/xtcp.err" &
	xtcp=$!
	PIDS+=($xtcp)
	watch_progress "$STALL_S" "$tcp" "$xtcp"
	wait "$xtcp"
	rc_x=$?
	wait "$tcp"
	rc_t=$?
	check "xtcp connects" "$rc_x" "$rc_t" "$start"
}

# Linux TCP connects from xb to an xtcp listener in xa
test_tcp_connects()
{
	local start tcp xtcp rc_x rc_t

	setup || { tap_fail "TCP connects: setup"; return; }
	ip netns exec xa "$XTCPCAT" -N -l 6001 <"$WORK/a" \
		>"$WORK/b.got" 2>"$WORK/xtcp.err" &
	xtcp=$!
	PIDS+=($xtcp)
	wait_for 10 xtcp_listening 6001 || { tap_fail "TCP connects: xtcp listener"; return; }
	start=$(date +%s%N)
	ip netns exec xb python3 "$WORK/tcppeer.py" connect "$XA" 6001 \
		"$WORK/b" "$WORK/a.got" 2>"$WORK/tcp.err" &
	tcp=$!
	PIDS+=($tcp)
	watch_progress "$STALL_S" "$tcp" "$xtcp"
	wait "$xtcp"
	rc_x=$?
	wait "$tcp"
	rc_t=$?
	check "TCP connects" "$rc_x" "$rc_t" "$start"
}

tap_plan 6
head -c "${MB}M" /dev/urandom > "$WORK/a"
head -c "${MB}M" /dev/urandom > "$WORK/b"
test_xtcp_connects
test_tcp_connects
tap_done
