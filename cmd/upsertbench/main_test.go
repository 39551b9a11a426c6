package main

import (
	"os"
	"strings"
	"testing"

	"github.com/upsertbench/upsertbench/internal/results"
)

// TestMain keeps the developer's environment out of the tests: every
// command now reads UPSERTBENCH_TARGET, _TOKEN, _TIER and the rest when a
// flag is not given, and a test must not quietly send its traffic to
// whatever target the shell that ran it points at (nor take a shard index
// from a pod's JOB_COMPLETION_INDEX).
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "UPSERTBENCH_") || k == results.ShardEnv {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}
