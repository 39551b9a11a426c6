package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/results"
)

// TestReportFolderOfShards: two shards written by `load --shard I/2` into
// one folder; `report --in FOLDER --expect-shards 2` merges them into
// FOLDER/report and judges once. Run one after the other, they never sent
// at the same time: that fails, with the skew printed. A missing shard
// fails too (exit 1), a run of another size is refused (exit 2).
// TestK8sStandIn has shards that start together and pass.
func TestReportFolderOfShards(t *testing.T) {
	root := filepath.Join(t.TempDir(), "run")
	// No sampled checks: no validator to build for each shard.
	scenario := filepath.Join(t.TempDir(), "tiny.yaml")
	tiny := strings.NewReplacer("{P95}", "1s", "sample: 1", "sample: 0", "  - contract_violations == 0\n", "").Replace(tinyScenario)
	require.NoError(t, os.WriteFile(scenario, []byte(tiny), 0o644))
	for _, shard := range []string{"1/2", "2/2"} {
		code, stdout, stderr := cli(t, "load", "--scenario", scenario, "--shard", shard, "--out", root, "--quiet")
		require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}

	code, stdout, stderr := cli(t, "report", "--in", root, "--expect-shards", "2", "--format", "text,json")
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	// Run checks are a table: the columns are as wide as the longest name.
	assert.Regexp(t, `PASS  shards-complete +all 2 shards merged`, stdout)
	assert.Regexp(t, `FAIL  shards-together +the shards were never all sending at once \(they started \S+ apart;`, stdout, "the skew is printed")
	assert.Contains(t, stdout, "  PASS  success >= 99%", "thresholds judged on the merged results")
	merged, err := results.ReadSummary(filepath.Join(root, "report"))
	require.NoError(t, err, "the merge goes to <in>/report by default")
	assert.Equal(t, uint64(10), merged.Metrics.Requests, "5 + 5: the plan")
	assert.Equal(t, []results.Shard{{Index: 1, Count: 2}, {Index: 2, Count: 2}}, merged.Run.Shards)

	code, _, stderr = cli(t, "report", "--in", root, "--expect-shards", "3", "--format", "text", "--quiet")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "is one of 2, not of the 3 shards expected: give --expect-shards 2")

	require.NoError(t, os.RemoveAll(results.ShardDir(root, 2)))
	code, stdout, _ = cli(t, "report", "--in", root, "--expect-shards", "2", "--format", "text")
	assert.Equal(t, exitFail, code)
	assert.Regexp(t, `FAIL  shards-complete +shard 2/2 is missing`, stdout)
	assert.Regexp(t, `PASS  shards-together +one shard: nothing to start apart`, stdout)
}

func TestReportShardUsageErrors(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(results.ShardDir(root, 1), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(results.ShardDir(root, 1), results.SummaryFile), []byte("{}"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"negative", []string{"--in", root, "--expect-shards", "-1"}, "--expect-shards -1 is out of range: give the run's number of shards, 1 to "},
		{"too many", []string{"--in", root, "--expect-shards", "100000"}, "--expect-shards 100000 is out of range"},
		{"merge over the shards", []string{"--in", root, "--out", root}, "is the folder of shard folders: give the merged report a folder of its own, e.g. " + filepath.Join(root, "report")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"report"}, tt.args...)...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.Empty(t, stdout)
		})
	}
}
