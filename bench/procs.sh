#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (not a test): what the processes of interop case files cost.
# Runs them (selftests/interop/run.sh FILE...) with BSD process
# accounting on, then prints the processes that ended meanwhile, per
# command: how many and their CPU seconds, the most costly first. Run as
# root in the test VM:
#
#   MIF_VM_SMP=1 tools/vm/run -k debian -m 3072 -- bench/procs.sh peer_dead.sh
#
# Under emulation a process start costs tens to hundreds of milliseconds
# (bench/spawn.sh): this shows which ones a case file's time goes to.
set -u

dir=$(cd "$(dirname "$0")/.." && pwd)
acct=$(mktemp /tmp/mif-procs.XXXXXX)

# acct(2) from Python's ctypes: no accounting tool is installed.
python3 -c 'import ctypes, sys
if ctypes.CDLL(None, use_errno=True).acct(sys.argv[1].encode()):
    sys.exit("acct: " + __import__("os").strerror(ctypes.get_errno()))' "$acct" ||
	exit 1
"$dir/selftests/interop/run.sh" "$@"
rc=$?
python3 -c 'import ctypes; ctypes.CDLL(None).acct(None)'

# struct acct_v3 (linux/acct.h), 64 bytes: ac_utime and ac_stime are
# comp_t (13-bit mantissa, 3-bit base-8 exponent) in clock ticks at 32
# and 34, ac_comm at 48.
python3 - "$acct" <<'PY'
import collections, os, struct, sys
hz = os.sysconf("SC_CLK_TCK")
def comp(v):
    return (v & 0x1fff) << (3 * (v >> 13))
starts, ticks = collections.Counter(), collections.Counter()
data = open(sys.argv[1], "rb").read()
for off in range(0, len(data) - 63, 64):
    rec = data[off:off + 64]
    if rec[1] != 3:
        continue
    ut, st = struct.unpack_from("<HH", rec, 32)
    comm = rec[48:64].split(b"\0")[0].decode(errors="replace")
    starts[comm] += 1
    ticks[comm] += comp(ut) + comp(st)
print("# procs: %d processes, %.1f s of CPU" %
      (sum(starts.values()), sum(ticks.values()) / hz))
for comm, t in ticks.most_common(15):
    print("# procs: %-16s %5d starts %7.1f s" % (comm, starts[comm], t / hz))
PY
rm -f "$acct"
exit $rc
