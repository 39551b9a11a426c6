#!/usr/bin/env bash
# bench-load.sh — the load engine's overhead against the vegeta CLI.
#
# One canned-response server (scripts/cannedserver: a real 100-result
# answer, no work per request) on 127.0.0.1; against it, in the same run:
#   1. `vegeta attack` with a static 100-input body file (keeps bodies),
#   2. the same with -max-body=0 (keeps no bodies),
#   3. `upsertbench load` (bodies built on the fly, 1% sampled contract
#      checks, results.bin + summary + reports).
# All three get the same rate (far above what any of them reaches, so each
# runs at its saturation point), the same worker cap and duration; every
# results file is read by `vegeta report`, so one tool computes every rate.
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

bin/upsertbench generate --size 100 --seed 1 --format compact >"$work/body.json"
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

echo "== vegeta attack (static body, bodies kept)" >&2
bin/vegeta attack -targets="$work/targets.txt" -rate="$RATE" -duration="$DUR" \
	-workers="$WORKERS" -max-workers="$WORKERS" -output="$work/vegeta.bin"
echo "== vegeta attack -max-body=0" >&2
bin/vegeta attack -targets="$work/targets.txt" -rate="$RATE" -duration="$DUR" \
	-workers="$WORKERS" -max-workers="$WORKERS" -max-body=0 -output="$work/vegeta0.bin"
echo "== upsertbench load" >&2
bin/upsertbench load --scenario "$work/bench.yaml" --target "$URL" --token bench \
	--tier none --out "$work/ub" --quiet >/dev/null || true

read -r v_n v_rate v_tp <<<"$(rate_of "$work/vegeta.bin")"
read -r v0_n v0_rate v0_tp <<<"$(rate_of "$work/vegeta0.bin")"
read -r u_n u_rate u_tp <<<"$(rate_of "$work/ub/results.bin")"

printf '\n%-34s %10s %12s %14s\n' "load generator (${DUR}, ${WORKERS} workers)" requests "rate (/s)" "throughput (/s)"
printf '%-34s %10s %12s %14s\n' "vegeta attack" "$v_n" "$v_rate" "$v_tp"
printf '%-34s %10s %12s %14s\n' "vegeta attack -max-body=0" "$v0_n" "$v0_rate" "$v0_tp"
printf '%-34s %10s %12s %14s\n' "upsertbench load" "$u_n" "$u_rate" "$u_tp"
awk -v u="$u_tp" -v v="$v_tp" -v v0="$v0_tp" 'BEGIN {
	printf "\nupsertbench / vegeta            %5.1f%%  (goal >= 90%%)\n", 100*u/v
	printf "upsertbench / vegeta -max-body=0 %5.1f%%\n", 100*u/v0
}'
