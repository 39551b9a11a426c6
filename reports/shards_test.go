package reports

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
)

// shardScenario: 10 s at 30/s in all, so 10/s for each of three shards.
const shardScenario = `name: sharded
seed: 5
stages:
  - duration: 10s
    rate: 30
sample: 0
thresholds:
  - rate >= 29/s
  - success >= 99%
`

// shardRun describes one shard of a run written by writeShards.
// check is a run check's expected outcome: its message (a prefix when it
// ends in "…") and whether it passes.
type check struct {
	msg  string
	pass bool
}

type shardRun struct {
	index, count int
	// offset is when the shard's schedule began, after synthStart.
	offset time.Duration
	// rate and duration of its sends; yaml is its scenario as it ran.
	rate     float64
	duration time.Duration
	yaml     string
	seed     uint64
}

// writeShards writes each shard's folder under root/shard-<index>, with
// results every 1/rate seconds, all answered 200 in 20 ms, and the
// summary the load engine writes (metrics, start, scenario and hash).
func writeShards(t *testing.T, root string, runs ...shardRun) []string {
	t.Helper()
	var dirs []string
	for _, sr := range runs {
		if sr.yaml == "" {
			sr.yaml = shardScenario
		}
		if sr.seed == 0 {
			sr.seed = 5
		}
		dir := results.ShardDir(root, sr.index)
		w, err := results.CreateWriter(dir, results.WithFlushInterval(0))
		require.NoError(t, err)
		acc := results.NewAccumulator()
		start := synthStart.Add(sr.offset)
		n := int(sr.rate * sr.duration.Seconds())
		for i := range n {
			res := &vegeta.Result{Attack: "sharded", Seq: uint64(i), Code: 200, Latency: 20 * time.Millisecond,
				Timestamp: start.Add(time.Duration(float64(i) / sr.rate * float64(time.Second))), Method: http.MethodPost,
				URL: "http://127.0.0.1:8080/crm/v3/objects/tasks/batch/upsert", Headers: http.Header{}}
			require.NoError(t, w.Add(res))
			acc.Add(res)
		}
		require.NoError(t, w.Close())
		sum := results.NewSummary()
		acc.Fill(sum)
		sum.RequestedRate = sr.rate
		sum.Run = results.RunInfo{
			Scenario: "sharded", Seed: sr.seed, Shards: []results.Shard{{Index: sr.index, Count: sr.count}},
			Target: "http://127.0.0.1:8080", ToolVersion: "v0.0.0-test", StartedAt: start, EndedAt: start.Add(sr.duration),
			Planned: sr.duration, ScenarioYAML: sr.yaml, ScenarioHash: results.ScenarioHash(sr.yaml),
		}
		require.NoError(t, results.WriteSummary(filepath.Join(dir, results.SummaryFile), sum))
		dirs = append(dirs, dir)
	}
	return dirs
}

func threeShards(offsets ...time.Duration) []shardRun {
	var out []shardRun
	for i, off := range offsets {
		out = append(out, shardRun{index: i + 1, count: len(offsets), offset: off, rate: 10, duration: 10 * time.Second})
	}
	return out
}

// TestShardWindowRate: one shard starting 1.5 s after the others. Over
// the union of the shards' spans (Vegeta's merged rate), the run seems to
// send 26.3/s; over the window all of them were sending, it sent what it
// asked, 30/s.
func TestShardWindowRate(t *testing.T) {
	dirs := writeShards(t, t.TempDir(), threeShards(0, 0, 1500*time.Millisecond)...)
	r, err := Build(dirs, WithExpectShards(3), WithNow(synthNow))
	require.NoError(t, err)
	s := r.Summary
	require.NotNil(t, s.Run.Merge)
	w := s.Run.Merge.Window
	assert.Equal(t, synthStart.Add(1500*time.Millisecond), w.From, "the late shard's first send")
	assert.Equal(t, synthStart.Add(9900*time.Millisecond), w.To, "the early shards' last send")
	assert.Equal(t, uint64(3*85), w.Requests, "85 sends of each shard in [1.5 s, 9.9 s]")
	assert.InDelta(t, 30, s.Metrics.Rate, 0.5, "the rate the run asked for")
	assert.Equal(t, s.Metrics.Rate, s.AchievedRate)
	assert.InDelta(t, 30, s.Metrics.Throughput, 0.5)

	union := float64(s.Metrics.Requests) / s.Metrics.Duration.Seconds()
	assert.InDelta(t, 300/11.4, union, 1e-9, "what the union of the spans says")
	assert.Equal(t, 1500*time.Millisecond, s.Run.Merge.StartSkew)
	assert.True(t, runCheckNamed(t, s, RunCheckShardsTogether).Pass, "1.5 s is within the default 2 s")
	assert.Equal(t, VerdictPass, s.Verdict, "rate >= 29/s holds over the window: %v", r.Failures)
}

func TestShardChecks(t *testing.T) {
	tests := []struct {
		name   string
		runs   []shardRun
		opts   []Option
		pass   bool
		checks map[string]check
	}{
		{
			name: "all there, together", runs: threeShards(0, 3*time.Millisecond, time.Millisecond),
			opts: []Option{WithExpectShards(3)}, pass: true,
			checks: map[string]check{
				RunCheckShardsComplete: {"all 3 shards merged", true},
				RunCheckShardsTogether: {"3 shards started 3ms apart (at most 2s); rate and throughput are over the 9.9s all of them were sending", true},
			},
		},
		{
			name: "a shard missing", runs: threeShards(0, 0, 0)[:2],
			opts: []Option{WithExpectShards(3)},
			checks: map[string]check{
				RunCheckShardsComplete: {"shard 3/3 is missing: no results found (a late start, a failure, or not copied); the merged figures cover 2 of 3 shards", false},
				RunCheckShardsTogether: {"2 shards started 0ms apart…", true},
			},
		},
		{
			name: "too far apart", runs: threeShards(0, 2500*time.Millisecond, 0),
			opts: []Option{WithExpectShards(3)},
			checks: map[string]check{
				RunCheckShardsComplete: {"all 3 shards merged", true},
				RunCheckShardsTogether: {"the shards started 2.5s apart, more than the 2s allowed: they did not run together…", false},
			},
		},
		{
			name: "a tighter limit", runs: threeShards(0, 300*time.Millisecond, 0),
			opts: []Option{WithMaxSkew(200 * time.Millisecond)},
			checks: map[string]check{
				RunCheckShardsTogether: {"the shards started 300ms apart, more than the 200ms allowed…", false},
			},
		},
		{
			name: "one after the other", runs: []shardRun{
				{index: 1, count: 2, rate: 10, duration: time.Second},
				{index: 2, count: 2, offset: 1050 * time.Millisecond, rate: 10, duration: time.Second},
			},
			opts: []Option{WithExpectShards(2)},
			checks: map[string]check{
				RunCheckShardsComplete: {"all 2 shards merged", true},
				RunCheckShardsTogether: {"the shards were never all sending at once (they started 1.05s apart;…", false},
			},
		},
		{
			name: "one shard expected", runs: []shardRun{{index: 1, count: 1, rate: 30, duration: 10 * time.Second}},
			opts: []Option{WithExpectShards(1)}, pass: true,
			checks: map[string]check{
				RunCheckShardsComplete: {"the one shard expected merged", true},
				RunCheckShardsTogether: {"one shard: nothing to start apart", true},
			},
		},
		{
			name: "skew not judged", runs: threeShards(0, 5*time.Second, 0),
			// rate >= 29/s holds: over the 4.9 s window all three sent, 30/s.
			opts: []Option{WithMaxSkew(0)}, pass: true,
			checks: map[string]check{
				RunCheckShardsTogether: {"3 shards started 5s apart (not judged); rate and throughput are over the 4.9s all of them were sending", true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Build(writeShards(t, t.TempDir(), tt.runs...), append(tt.opts, WithNow(synthNow))...)
			require.NoError(t, err)
			assert.Equal(t, tt.pass, r.Passed(), "failures: %v", r.Failures)
			for name, want := range tt.checks {
				c := runCheckNamed(t, r.Summary, name)
				if prefix, ok := strings.CutSuffix(want.msg, "…"); ok {
					assert.True(t, strings.HasPrefix(c.Message, prefix), "%s: %q", name, c.Message)
				} else {
					assert.Equal(t, want.msg, c.Message, name)
				}
				assert.Equal(t, want.pass, c.Pass, name)
				if !c.Pass {
					assert.Contains(t, r.Failures, c.Message, "a failed check fails the verdict")
				}
			}
			var buf strings.Builder
			require.NoError(t, r.WriteText(&buf))
			assert.Contains(t, buf.String(), RunCheckShardsTogether, "the skew is printed either way")
		})
	}
}

func TestShardInputErrors(t *testing.T) {
	other := strings.Replace(shardScenario, "rate: 30", "rate: 31", 1)
	tests := []struct {
		name string
		runs []shardRun
		opts []Option
		want string
	}{
		{"same shard twice", []shardRun{threeShards(0, 0, 0)[0], threeShards(0, 0, 0)[0]}, nil, "shard 1/3 given twice"},
		{"another scenario", []shardRun{threeShards(0, 0, 0)[0], {index: 2, count: 3, rate: 10, duration: 10 * time.Second, yaml: other}}, nil,
			"not shards of one run: the scenario as it ran differs (hash"},
		{"another seed", []shardRun{threeShards(0, 0, 0)[0], {index: 2, count: 3, rate: 10, duration: 10 * time.Second, seed: 6}}, nil,
			"not shards of one run: seed 5 vs 6"},
		{"a run of another size", threeShards(0, 0, 0), []Option{WithExpectShards(4)},
			"shard 1/3 is one of 3, not of the 4 shards expected: give --expect-shards 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dirs []string
			for i, sr := range tt.runs {
				dirs = append(dirs, writeShards(t, filepath.Join(t.TempDir(), string(rune('a'+i))), sr)...)
			}
			_, err := Build(dirs, tt.opts...)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, dirs, filepath.Dir(ie.Path), "names the shard's file")
		})
	}
}

// TestFolderOfShards: --in may name the folder holding shard-<I>/ folders;
// its own contract.json is the run's suite.
func TestFolderOfShards(t *testing.T) {
	root := t.TempDir()
	writeShards(t, root, threeShards(0, 0, 0)...)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "report"), 0o755)) // a report folder is not a shard
	suite, err := json.Marshal(contract.Report{Checks: []contract.CheckResult{{Check: contract.CheckEcho, Case: "create", Status: contract.StatusPass}}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(root, ContractFile), suite, 0o644))

	assert.True(t, IsShardsFolder(root))
	assert.False(t, IsShardsFolder(results.ShardDir(root, 1)), "a shard's own folder is a run folder")
	r, err := Build([]string{root}, WithExpectShards(3))
	require.NoError(t, err)
	assert.Equal(t, []string{results.ShardDir(root, 1), results.ShardDir(root, 2), results.ShardDir(root, 3)}, r.Inputs)
	assert.Equal(t, uint64(300), r.Summary.Metrics.Requests)
	assert.True(t, r.Passed(), "%v", r.Failures)
	var suiteChecks int
	for _, c := range r.Checks {
		if c.Source == SourceSuite {
			suiteChecks++
		}
	}
	assert.Equal(t, 1, suiteChecks, "the run's contract.json is folded in")
}

// TestOneRunHasNoShardChecks: a single run folder keeps Vegeta's own
// rate and gets no shard checks.
func TestOneRunHasNoShardChecks(t *testing.T) {
	dirs := writeShards(t, t.TempDir(), shardRun{index: 1, count: 1, rate: 30, duration: 10 * time.Second})
	r, err := Build(dirs)
	require.NoError(t, err)
	assert.Nil(t, r.Summary.Run.Merge)
	for _, c := range r.Summary.RunChecks {
		assert.NotContains(t, c.Name, "shards")
	}
	assert.InDelta(t, 300/9.9667, r.Summary.Metrics.Rate, 0.01, "Vegeta's: requests over first to last send")
}
