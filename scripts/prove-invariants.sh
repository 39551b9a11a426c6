#!/usr/bin/env bash
# prove-invariants.sh — issue 13's proof: a target that breaks consistency
# rarely is caught, and named, by a 30 s load run at 200 batches/s; the
# same target without faults passes.
#
#   scripts/prove-invariants.sh                  # every fault at 0.001, and none
#   PROVE_FAULTS="lost-write" scripts/prove-invariants.sh
#
# For each fault kind (the emulator's consistency faults, P = the share of
# upsert answers carrying one faulty result), `upsertbench emulate --fault
# KIND=P` serves in a process of its own and `upsertbench load --target`
# runs against it with every answer checked and every key read back
# (--verify all --consistency-window 0s: the target is an emulator). The
# run must FAIL, its failing run checks must include the invariant that
# names the fault and nothing the fault does not break; the run without
# faults must PASS. The emulator's
# /__emulator/stats says how many faults it injected, so a run that caught
# nothing because nothing was injected is told apart from a miss.
#
#   flip-new   → new-exactly-once
#   drift-id   → one-id-per-unique-value (and read-back-shows-write)
#   stale-read → read-back-not-stale
#   lost-write → read-back-shows-write
#
# Knobs: PROVE_DURATION (30s), PROVE_RATE (200), PROVE_P (0.001),
# PROVE_SEED (1: the emulator's, which draws the faults), PROVE_FAULTS
# (all four), PROVE_PORT (18095), GO (go). Each run is bounded:
# interrupted (SIGINT keeps its results) at PROVE_DURATION + 2 minutes.
# Exits 1 when any expectation fails; prints one line per run.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
DUR=${PROVE_DURATION:-30s}
RATE=${PROVE_RATE:-200}
P=${PROVE_P:-0.001}
SEED=${PROVE_SEED:-1}
FAULTS=${PROVE_FAULTS:-flip-new drift-id stale-read lost-write}
PORT=${PROVE_PORT:-18095}
URL="http://127.0.0.1:${PORT}"

[[ $DUR =~ ^[0-9]+s$ ]] || { echo "prove-invariants.sh: PROVE_DURATION '$DUR': want whole seconds, e.g. 30s" >&2; exit 2; }

declare -A want=(
	[flip-new]=new-exactly-once
	[drift-id]=one-id-per-unique-value
	[stale-read]=read-back-not-stale
	[lost-write]=read-back-shows-write
	[none]=""
)
# A drifted id on a create becomes the key's first id; the read-back then
# finds the record under another, which it counts as the write not shown.
declare -A also=([drift-id]=read-back-shows-write)

mkdir -p bin
$GO build -o bin/upsertbench ./cmd/upsertbench

work=$(mktemp -d)
emu=""
stop_emulator() {
	if [ -n "$emu" ]; then kill "$emu" 2>/dev/null || true; wait "$emu" 2>/dev/null || true; fi
	emu=""
}
trap 'stop_emulator; rm -rf "$work"' EXIT

# No seed: the run draws one, so its keys are fresh (new:true is then
# required of every key it creates, which a flipped create breaks); the
# faults are drawn from the emulator's seed.
cat >"$work/prove.yaml" <<YAML
name: prove
description: ${RATE} batches/s for ${DUR}, every answer checked, every key read back
stages:
  - duration: ${DUR}
    rate: ${RATE}
YAML

failed=0
for kind in none $FAULTS; do
	[ -n "${want[$kind]+set}" ] || { echo "prove-invariants.sh: unknown fault '$kind' (valid: ${!want[*]})" >&2; exit 2; }
	fault=()
	[ "$kind" = none ] || fault=(--fault "${kind}=${P}")
	bin/upsertbench emulate --addr "127.0.0.1:${PORT}" --token prove --seed "$SEED" "${fault[@]}" >"$work/emulate.log" 2>&1 &
	emu=$!
	for _ in $(seq 50); do
		curl -fsS "$URL/__emulator/stats" >/dev/null 2>&1 && break
		sleep 0.2
	done
	out="$work/$kind"
	rc=0
	timeout --signal=INT --kill-after=30s "$((${DUR%s} + 120))" \
		bin/upsertbench load --scenario "$work/prove.yaml" --target "$URL" --token prove --tier none \
		--verify all --consistency-window 0s --out "$out" --quiet >"$work/$kind.txt" 2>&1 || rc=$?
	injected=$(curl -fsS "$URL/__emulator/stats" | awk -F'[:,]' '/"faults"/ {gsub(/ /, "", $2); print $2}')
	stop_emulator
	failing=$(awk '/^Run checks/ {on=1; next} on && /^$/ {on=0} on && $1 == "FAIL" {print $2}' "$out/report.txt" 2>/dev/null | sort | tr '\n' ' ')
	failing=${failing% }
	verdict=$(head -n 1 "$out/report.txt" 2>/dev/null | awk '{print $1}')
	ok=yes
	if [ "$kind" = none ]; then
		[ "$verdict" = PASS ] && [ "$rc" = 0 ] || ok=no
	else
		named=no
		for f in $failing; do
			if [ "$f" = "${want[$kind]}" ]; then
				named=yes
			elif [ "$f" != "${also[$kind]:-}" ]; then
				named=no
				break
			fi
		done
		[ "$verdict" = FAIL ] && [ "$rc" = 1 ] && [ $named = yes ] && [ "${injected:-0}" -gt 0 ] || ok=no
	fi
	printf '%-11s injected %-4s exit %s  %-4s  failing: %-28s want: %-28s %s\n' \
		"$kind" "${injected:-?}" "$rc" "${verdict:-?}" "${failing:-none}" "${want[$kind]:-none (PASS)}" \
		"$([ $ok = yes ] && echo ok || echo MISMATCH)"
	if [ $ok = no ]; then
		failed=1
		grep -A3 "invariant ${want[$kind]:-}" "$out/report.txt" 2>/dev/null | head -n 8 || true
		tail -n 5 "$work/$kind.txt"
	fi
done
exit $failed
