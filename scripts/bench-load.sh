#!/usr/bin/env bash
# bench-load.sh — the load engine's overhead against the vegeta CLI.
#
# One canned-response server (scripts/cannedserver: each request gets the
# results of its own inputs, laid out from a template the emulator made
# once; a parse of the request and a copy per request) on 127.0.0.1;
# against it, in the same run:
#   1. `vegeta attack` with a static 100-input body file (keeps bodies),
#   2. the same with -max-body=0 (keeps no bodies),
#   3. `upsertbench load` (bodies built on the fly, every answer through the
#      run-wide invariants, the schema check and 1% sampled contract checks
#      as far as spare CPU allows, results.bin + summary + reports). The
#      server keeps no records, so there is no read-back (--verify none).
# All three get the same rate (far above what any of them reaches, so each
# runs at its saturation point), the same worker cap and duration; every
# results file is read by `vegeta report`, so one tool computes every rate.
# Each tool's CPU time (user+sys, /usr/bin/time, also apart) and the
# server's (/proc/PID/stat) are divided by its requests. The split says
# what the ratio depends on: vegeta makes ~15 system calls per request
# (it drains each answer 8 kB at a time), upsertbench ~5, while it also
# generates every batch and checks every answer in user time; so where
# system calls are dear the ratio rises, and where they are cheap it
# falls (one commit measured 82% and 95-111% on the same machine on two
# days; perf stat -e 'syscalls:sys_enter_*' gives the counts).
# upsertbench's verdict, the invariants' checked counts and the schema
# share are printed with the ratio: a ratio of a run that failed or
# checked nothing means nothing.
#
# Knobs: BENCH_DURATION (10s), BENCH_WORKERS (64), BENCH_RATE (50000),
# BENCH_PORT (18080), GO (go). Every run is bounded by BENCH_DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
DUR=${BENCH_DURATION:-10s}
WORKERS=${BENCH_WORKERS:-64}
RATE=${BENCH_RATE:-50000}
PORT=${BENCH_PORT:-18080}
URL="http://127.0.0.1:${PORT}"

mkdir -p bin
$GO build -o bin/upsertbench ./cmd/upsertbench
$GO build -o bin/vegeta github.com/tsenart/vegeta/v12 # pinned by the tool directive in go.mod
$GO build -o bin/cannedserver ./scripts/cannedserver

work=$(mktemp -d)
bin/cannedserver -addr "127.0.0.1:${PORT}" 2>"$work/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do
	grep -q "answer on" "$work/server.log" 2>/dev/null && break
	sleep 0.2
done
grep -q "answer on" "$work/server.log" || { cat "$work/server.log"; echo "cannedserver did not start" >&2; exit 1; }

# Keys of their own (prefix vegeta), so vegeta's runs leave none of
# upsertbench's keys on the server.
bin/upsertbench generate --size 100 --seed 1 --key-prefix vegeta --format compact >"$work/body.json"
cat >"$work/targets.txt" <<TARGETS
POST ${URL}/crm/v3/objects/tasks/batch/upsert
Content-Type: application/json
Authorization: Bearer bench
@${work}/body.json
TARGETS

cat >"$work/bench.yaml" <<YAML
name: bench
description: saturation run against the canned server
seed: 1
saturation: true # the rate is a ceiling: every tool runs at its saturation point
stages:
  - duration: ${DUR}
    rate: ${RATE}
http:
  workers: ${WORKERS}
  max_workers: ${WORKERS}
sample: 0.01
YAML

# rate_of FILE prints "requests rate throughput" from vegeta report.
rate_of() {
	bin/vegeta report -type=text "$1" | awk -F'[][ ,]+' '/^Requests/ {print $(NF-2), $(NF-1), $NF}'
}

# server_cpu prints the server's CPU time so far, in clock ticks.
server_cpu() { awk '{print $14 + $15}' "/proc/$server/stat"; }

# timed NAME CMD... runs CMD, recording its CPU seconds ("user sys", the
# last line of $work/NAME.time) and the server's CPU ticks during it in
# $work/NAME.srv.
timed() {
	local name=$1 s0 rc=0
	shift
	s0=$(server_cpu)
	/usr/bin/time -f '%U %S' -o "$work/$name.time" "$@" || rc=$?
	echo $(($(server_cpu) - s0)) >"$work/$name.srv"
	return $rc
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== vegeta attack (static body, bodies kept)" >&2
timed vegeta bin/vegeta attack -targets="$work/targets.txt" -rate="$RATE" -duration="$DUR" \
	-workers="$WORKERS" -max-workers="$WORKERS" -output="$work/vegeta.bin"
echo "== vegeta attack -max-body=0" >&2
timed vegeta0 bin/vegeta attack -targets="$work/targets.txt" -rate="$RATE" -duration="$DUR" \
	-workers="$WORKERS" -max-workers="$WORKERS" -max-body=0 -output="$work/vegeta0.bin"
echo "== upsertbench load" >&2
ub_rc=0
timed ub bin/upsertbench load --scenario "$work/bench.yaml" --target "$URL" --token bench \
	--tier none --verify none --out "$work/ub" --quiet >"$work/ub.txt" || ub_rc=$?
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

read -r v_n v_rate v_tp <<<"$(rate_of "$work/vegeta.bin")"
read -r v0_n v0_rate v0_tp <<<"$(rate_of "$work/vegeta0.bin")"
read -r u_n u_rate u_tp <<<"$(rate_of "$work/ub/results.bin")"

# per_req NAME N prints "client-µs user-µs sys-µs server-µs" per request.
per_req() {
	local user sys
	read -r user sys < <(tail -n1 "$work/$1.time") # after "exited with status" when it failed
	awk -v u="$user" -v k="$sys" -v s="$(cat "$work/$1.srv")" -v n="$2" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { if (n > 0) printf "%d %d %d %d", 1e6*(u+k)/n, 1e6*u/n, 1e6*k/n, 1e6*s/hz/n; else printf "- - - -" }'
}

row='%-34s %10s %12s %14s %12s %10s %10s %12s\n'
printf "\n$row" "load generator (${DUR}, ${WORKERS} workers)" requests "rate (/s)" "throughput (/s)" "client µs/req" "(user" "sys)" "server µs/req"
printf "$row" "vegeta attack" "$v_n" "$v_rate" "$v_tp" $(per_req vegeta "$v_n")
printf "$row" "vegeta attack -max-body=0" "$v0_n" "$v0_rate" "$v0_tp" $(per_req vegeta0 "$v0_n")
printf "$row" "upsertbench load" "$u_n" "$u_rate" "$u_tp" $(per_req ub "$u_n")

# What upsertbench checked in that run (summary.json).
sum="$work/ub/summary.json"
echo
echo "upsertbench verdict: $(head -n1 "$work/ub.txt") (exit $ub_rc)"
jq -r '.invariants as $i |
	"invariants: \($i.answers) answers, \($i.results) results, \([$i.checks[].violations] | add) violations; checked: " +
		([$i.checks[] | select(.checked > 0) | "\(.name) \(.checked)"] | join(", ")) +
		"; not checked: " + ([$i.checks[] | select(.checked == 0) | .name] | join(", ")),
	"schema: checked \($i.schema.checked) of \($i.schema.answers) answers (\($i.schema.share * 1000 | round / 10)%), \($i.schema.fast) fast, \($i.schema.violations) violations",
	"contract sample: \(.contract.sampled) sampled, \(.contract.checked) checked, \(.contract.dropped) dropped, \(.contract.violations) violations",
	"queue waits: \($i.queueWaits // 0)"' "$sum"
echo "load average: ${load_before} before, ${load_after} after ($(nproc) CPUs)"
awk -v u="$u_tp" -v v="$v_tp" -v v0="$v0_tp" 'BEGIN {
	printf "\nupsertbench / vegeta            %5.1f%%  (goal >= 90%%)\n", 100*u/v
	printf "upsertbench / vegeta -max-body=0 %5.1f%%  (goal >= 85%%)\n", 100*u/v0
}'
if [ "$ub_rc" -ne 0 ]; then
	echo "upsertbench's run did not pass (exit $ub_rc): the ratio is not a valid measurement" >&2
	exit 1
fi
