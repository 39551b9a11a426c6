package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/results"
)

func TestLoadShardUsageErrors(t *testing.T) {
	noSeed := filepath.Join(t.TempDir(), "noseed.yaml")
	require.NoError(t, os.WriteFile(noSeed, []byte("stages:\n  - duration: 1s\n    rate: 2\n"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"start not RFC 3339", []string{"--start-at", "03:00"}, `--start-at "03:00" is not an RFC 3339 instant`},
		{"start far ahead", []string{"--start-at", time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)}, "more than 24h0m0s: check the date"},
		{"no lag", []string{"--start-at", time.Now().UTC().Format(time.RFC3339), "--max-start-lag", "0s"}, "--max-start-lag 0s must be positive"},
		{"auto without the index", []string{"--shard", "auto/3"}, `invalid --shard "auto/3": auto reads the shard index from JOB_COMPLETION_INDEX`},
		{"shards without a seed", []string{"--scenario", noSeed, "--shard", "1/2"}, "the shards of a run need one seed (set seed in the scenario, or give every shard the same one): the 2 shards have none: pass the same --seed to every shard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"load", "--out", t.TempDir(), "--quiet"}, tt.args...)...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.Empty(t, stdout)
		})
	}
}

func TestLoadLateStartExits3AndWritesNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	past := time.Now().Add(-10 * time.Second).UTC().Format(time.RFC3339)
	code, stdout, stderr := cli(t, "load", "--scenario", writeScenario(t, "1s"), "--shard", "2/3", "--start-at", past, "--out", out, "--quiet")
	assert.Equal(t, exitLateStart, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Regexp(t, `^upsertbench load: shard 2/3: ready 1\d\.\d+s after the planned start `+past[:len(past)-1]+`(\.\d+)?Z, later than the 2s allowed: sent nothing`, stderr)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assert.Empty(t, stdout)
	_, err := os.Stat(out)
	assert.True(t, errors.Is(err, os.ErrNotExist), "nothing written: %v", err)
}

func TestLoadShardWritesItsFolderAndLeavesTheVerdictToReport(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	start := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Second).Add(time.Second)
	t.Setenv(results.ShardEnv, "1") // Kubernetes' index 1 is shard 2
	// p95 < 1us cannot hold: a shard that judged thresholds would exit 1.
	// No sampled checks: no validator to build, so the shard is ready in time.
	scenario := filepath.Join(t.TempDir(), "tiny.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte(strings.ReplaceAll(strings.ReplaceAll(tinyScenario, "{P95}", "1us"), "sample: 1", "sample: 0")), 0o644))
	code, stdout, stderr := cli(t, "load", "--scenario", scenario, "--shard", "auto/2",
		"--start-at", start.Format(time.RFC3339), "--out", out, "--quiet")
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	dir := filepath.Join(out, "shard-2")
	assert.Contains(t, stdout, "shard 2/2 of tiny: 5 requests in ")
	assert.Contains(t, stdout, "results in "+dir)
	assert.Contains(t, stdout, "upsertbench report --in "+out+" --expect-shards 2")

	sum, err := results.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, []results.Shard{{Index: 2, Count: 2}}, sum.Run.Shards)
	assert.Equal(t, uint64(5), sum.Metrics.Requests, "half of 10/s for 1 s")
	assert.Empty(t, sum.Verdict, "not judged")
	assert.Empty(t, sum.Thresholds)
	assert.Equal(t, start, sum.Run.PlannedStart)
	assert.False(t, sum.Run.StartedAt.Before(start))
	assert.NoFileExists(t, filepath.Join(dir, "report.txt"))
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only its own folder")
}
