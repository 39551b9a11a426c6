package main

import (
	"os"
	"strings"
	"testing"

	"github.com/upsertbench/upsertbench/internal/results"
)

// runAsMainEnv set to 1 makes the test binary run as upsertbench itself
// (main with its arguments), so tests can start it as a process without
// building a second binary.
const runAsMainEnv = "UPSERTBENCH_TEST_AS_MAIN"

// TestMain keeps the developer's environment out of the tests: every
// command now reads UPSERTBENCH_TARGET, _TOKEN, _TIER and the rest when a
// flag is not given, and a test must not quietly send its traffic to
// whatever target the shell that ran it points at (nor take a shard index
// from a pod's JOB_COMPLETION_INDEX).
func TestMain(m *testing.M) {
	if os.Getenv(runAsMainEnv) == "1" {
		// The stand-in cluster's pods: this binary is the image's upsertbench.
		os.Unsetenv(runAsMainEnv)
		main()
	}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "UPSERTBENCH_") || k == results.ShardEnv {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}
