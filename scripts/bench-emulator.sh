#!/usr/bin/env bash
# bench-emulator.sh — the emulator's speed and memory figures, measured the
# way emulator/doc.go describes, written to one results file (figures live
# there and in closing notes, never in the docs, where they go stale).
#
#   scripts/bench-emulator.sh [--rounds N] [--benchtime 2000x] [--ref GIT-REF] [--out FILE]
#
# It records:
#   - instructions per 100-input upsert (scripts/bench-ir.sh 'Upsert100$',
#     this tree and --ref when given): the number load cannot move;
#   - BenchmarkUpsert100HTTP, --rounds times (default 5): the emulator's
#     req/s, the canned server's in the same run, and their ratio (the goal
#     is >= 0.45), as min / median / max;
#   - BenchmarkMemoryPerRecord: bytes per stored task at 1M tasks (the goal
#     is < 450).
# with the date, the commit, the Go version and the load average, since the
# shared VM's speed swings between hours. The file is written atomically
# (default out/bench-emulator.txt). Takes a few minutes; needs valgrind for
# the instruction count (skipped with a note when it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
rounds=5 benchtime=2000x ref="" out=out/bench-emulator.txt
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--benchtime) benchtime=$2; shift 2 ;;
	--ref) ref=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "bench-emulator.sh: unknown argument $1; use --rounds N, --benchtime 2000x, --ref GIT-REF or --out FILE" >&2; exit 2 ;;
	esac
done
case "$rounds" in '' | *[!0-9]* | 0) echo "bench-emulator.sh: --rounds must be a whole number from 1, not '$rounds'" >&2; exit 2 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
report=$tmp/report.txt

{
	echo "emulator benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "commit     $(git describe --always --dirty 2>/dev/null || echo unknown)"
	echo "go         $($GO env GOVERSION)"
	echo "load       $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (1, 5, 15 min) on $(nproc) cores"
	echo
} >"$report"

if command -v valgrind >/dev/null; then
	echo "== instructions per request (scripts/bench-ir.sh 'Upsert100\$' $ref)" >>"$report"
	scripts/bench-ir.sh 'Upsert100$' ${ref:+"$ref"} >>"$report" 2>&1
else
	echo "== instructions per request: skipped, valgrind is not installed" >>"$report"
fi
echo >>"$report"

$GO test -c -o "$tmp/emulator.test" ./emulator
(
	cd emulator
	for _ in $(seq "$rounds"); do
		"$tmp/emulator.test" -test.run '^$' -test.bench 'Upsert100HTTP$' -test.benchtime "$benchtime" | grep '^Benchmark'
	done >"$tmp/http.txt"
	"$tmp/emulator.test" -test.run '^$' -test.bench 'MemoryPerRecord$' -test.benchtime 1x | grep '^Benchmark' >"$tmp/mem.txt"
)

# metric NAME FILE: the values of a reported metric, one per line.
metric() { awk -v name="$2" '{ for (i = 2; i <= NF; i++) if ($i == name) print $(i-1) }' "$1"; }
# spread: min / median / max of the numbers on stdin.
spread() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit } printf "%s / %s / %s", v[1], v[int((NR+1)/2)], v[NR] }'; }

{
	echo "== BenchmarkUpsert100HTTP, $rounds rounds of $benchtime (min / median / max)"
	echo "emulator   $(metric "$tmp/http.txt" req/s | spread) req/s"
	echo "canned     $(metric "$tmp/http.txt" canned-req/s | spread) req/s"
	echo "ratio      $(metric "$tmp/http.txt" ratio | spread) (goal: >= 0.45)"
	echo "cpu        $(metric "$tmp/http.txt" cpu-us/op | spread) µs per request, client and server (canned: $(metric "$tmp/http.txt" canned-cpu-us/op | spread))"
	echo
	echo "== BenchmarkMemoryPerRecord (1M realistic tasks)"
	echo "memory     $(metric "$tmp/mem.txt" bytes/record | spread) bytes per stored task (goal: < 450)"
	echo
	echo "== raw benchmark lines"
	cat "$tmp/http.txt" "$tmp/mem.txt"
} >>"$report"

mkdir -p "$(dirname "$out")"
cp "$report" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
cat "$out"
