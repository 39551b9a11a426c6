#!/usr/bin/env bash
# bench-ir.sh — instructions per request of an emulator benchmark, counted
# by valgrind (cachegrind), so that two versions can be compared on a busy
# machine where CPU time per request swings ±30% between runs.
#
#   [PKG=./load] scripts/bench-ir.sh [BENCH] [GIT-REF]
#
# BENCH is a benchmark of PKG (default ./emulator and 'Phases/all': one
# 100-input upsert per iteration, half creates, half updates; the load
# engine's answer extraction is PKG=./load Extract100). Each version runs it
# at 300 and at 1300 iterations and reports the difference / 1000, which
# cancels start-up and the generation of the request bodies. GOGC=off and
# one P keep the count deterministic: garbage collection (about 5% of the
# CPU time) and cache misses (the store's share of the time is larger than
# its share of instructions) are not in it, so confirm a win with
# BenchmarkUpsert100 too. With GIT-REF, that version is measured as well,
# from a temporary worktree.
#
# Needs valgrind (apt-get install valgrind); each count takes ~10 s.
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
PKG=${PKG:-./emulator}
BENCH=${1:-Phases/all}
REF=${2:-}
command -v valgrind >/dev/null || { echo "bench-ir.sh: valgrind not found; install it (apt-get install valgrind)" >&2; exit 2; }

tmp=$(mktemp -d)
cleanup() {
	if [ -n "$REF" ] && [ -d "$tmp/ref" ]; then git worktree remove --force "$tmp/ref" >/dev/null 2>&1 || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

count() { # binary iterations -> instructions
	GOGC=off valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$1" -test.run '^$' -test.bench "$BENCH" -test.benchtime "${2}x" -test.cpu 1 2>&1 |
		awk '/I[ ]+refs:/ { gsub(",", "", $NF); print $NF }'
}

measure() { # label binary
	local a b
	a=$(count "$2" 300)
	b=$(count "$2" 1300)
	[ -n "$a" ] && [ -n "$b" ] || { echo "bench-ir.sh: no count for $1 (does benchmark '$BENCH' exist?)" >&2; exit 1; }
	printf '%-12s %s: %d instructions per iteration\n' "$1" "$BENCH" $(( (b - a) / 1000 ))
}

$GO test -c -o "$tmp/work.test" "$PKG"
if [ -n "$REF" ]; then
	git worktree add --detach "$tmp/ref" "$REF" >/dev/null 2>&1
	(cd "$tmp/ref" && $GO test -c -o "$tmp/ref.test" "$PKG")
	measure "$REF" "$tmp/ref.test"
fi
measure "working tree" "$tmp/work.test"
