package results

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/golden"
)

func goldenSummary() *Summary {
	s := NewSummary()
	s.Run = RunInfo{
		Scenario: "smoke", Description: "a few seconds", Seed: 42,
		Shards: []Shard{{Index: 1, Count: 1}}, Target: "http://127.0.0.1:8080", Emulated: true,
		ToolVersion: "test", StartedAt: runStart, EndedAt: runStart.Add(3 * time.Second),
		Planned: 3 * time.Second, ScenarioYAML: "name: smoke\n",
	}
	s.RequestedRate = 20
	accumulate(synth(60, 20, 0)).Fill(s)
	s.Contract = ContractSummary{SampleRate: 0.05, Sampled: 3, Checked: 3}
	s.Contract.AddFinding(Finding{
		Check: "response-schema", Message: "results[0].createdAt is not a date-time",
		Method: "POST", Path: "/crm/v3/objects/tasks/batch/upsert", StatusCode: 200,
	})
	s.Thresholds = []ThresholdResult{{Expr: "p95 < 300ms", Metric: "p95", Op: "<", Limit: 300, Measured: 52, Unit: "ms", Pass: true, Message: "p95 52ms < 300ms"}}
	s.Verdict = VerdictPass
	return s
}

func TestSummaryGolden(t *testing.T) {
	got, err := MarshalSummary(goldenSummary())
	require.NoError(t, err)
	golden.Equal(t, filepath.Join("testdata", "summary.golden.json"), got)
}

func TestSummaryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SummaryFile)
	want := goldenSummary()
	require.NoError(t, WriteSummary(path, want))

	for _, p := range []string{path, dir} {
		got, err := ReadSummary(p)
		require.NoError(t, err)
		a, err := MarshalSummary(want)
		require.NoError(t, err)
		b, err := MarshalSummary(got)
		require.NoError(t, err)
		assert.JSONEq(t, string(a), string(b))
		assert.Equal(t, want.Metrics.Latencies.P99, got.Metrics.Latencies.P99)
	}
}

func TestReadSummaryErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string // "" = file absent
		want    []string
		schema  bool
	}{
		{"missing", "", []string{"missing.json"}, false},
		{"not json", "hello", []string{"not json.json", "not a summary.json"}, false},
		{"no version", `{"run":{}}`, []string{"no version.json", "no schemaVersion"}, true},
		{"newer", `{"schemaVersion": 99}`, []string{"newer.json", "99", "upgrade"}, true},
		{"zero", `{"schemaVersion": 0}`, []string{"invalid"}, true},
		{"bad field", `{"schemaVersion": 1, "metrics": {"requests": "many"}}`, []string{"bad field.json", "decode summary"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if tc.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
			}
			_, err := ReadSummary(path)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			if tc.schema {
				assert.ErrorIs(t, err, ErrSchema)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	require.NoError(t, WriteFileAtomic(path, []byte("one")))
	require.NoError(t, WriteFileAtomic(path, []byte("two")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
	assertOnly(t, dir, "out.txt")

	err = WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing")
}

func TestAtomicFile(t *testing.T) {
	tests := []struct {
		name   string
		finish func(a *AtomicFile) error
		want   string // content at the path afterwards
	}{
		{"commit replaces", func(a *AtomicFile) error { return a.Commit() }, "new"},
		{"abort keeps the old file", func(a *AtomicFile) error { return a.Abort() }, "old"},
		{"abort after commit is a no-op", func(a *AtomicFile) error {
			if err := a.Commit(); err != nil {
				return err
			}
			return a.Abort()
		}, "new"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.html")
			require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
			a, err := CreateAtomic(path)
			require.NoError(t, err)
			_, err = a.Write([]byte("new"))
			require.NoError(t, err)
			// Until Commit, readers still see the old content.
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, "old", string(got))

			require.NoError(t, tc.finish(a))
			got, err = os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
			assertOnly(t, dir, "report.html")
			_, err = a.Write([]byte("late"))
			assert.ErrorIs(t, err, os.ErrClosed)
		})
	}
}

// assertOnly checks that no temporary file was left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	assert.ElementsMatch(t, names, got)
}

func TestMergeRun(t *testing.T) {
	shard := func(i, n int, start time.Time, dur time.Duration, interrupted bool) *Summary {
		s := NewSummary()
		s.Run = RunInfo{Scenario: "steady", Seed: 7, Shards: []Shard{{Index: i, Count: n}}, Target: "http://127.0.0.1:1",
			StartedAt: start, EndedAt: start.Add(dur), Planned: time.Minute, Interrupted: interrupted, Emulated: true}
		s.RequestedRate = 10
		return s
	}
	t.Run("three shards", func(t *testing.T) {
		m := NewSummary()
		require.NoError(t, m.MergeRun(shard(2, 3, runStart.Add(time.Second), time.Minute, false)))
		require.NoError(t, m.MergeRun(shard(1, 3, runStart, time.Minute, false)))
		require.NoError(t, m.MergeRun(shard(3, 3, runStart.Add(2*time.Second), 30*time.Second, true)))
		assert.Equal(t, []Shard{{1, 3}, {2, 3}, {3, 3}}, m.Run.Shards)
		assert.Equal(t, "1/3,2/3,3/3", m.Run.ShardsString())
		assert.Equal(t, runStart, m.Run.StartedAt)
		assert.Equal(t, runStart.Add(time.Second+time.Minute), m.Run.EndedAt)
		assert.True(t, m.Run.Interrupted)
		assert.True(t, m.Run.Emulated)
		assert.Equal(t, "steady", m.Run.Scenario)
		assert.Equal(t, uint64(7), m.Run.Seed)
		assert.InDelta(t, 30, m.RequestedRate, 1e-9)
	})
	tests := []struct {
		name string
		a, b *Summary
		want string
	}{
		{"same shard twice", shard(1, 2, runStart, time.Minute, false), shard(1, 2, runStart, time.Minute, false), "twice"},
		{"other shard count", shard(1, 2, runStart, time.Minute, false), shard(2, 3, runStart, time.Minute, false), "not shards of one run"},
		{"two unsharded runs", shard(1, 1, runStart, time.Minute, false), func() *Summary {
			s := shard(1, 1, runStart, time.Minute, false)
			s.Run.Shards = nil
			return s
		}(), "twice"},
		{"other seed", shard(1, 2, runStart, time.Minute, false), func() *Summary {
			s := shard(2, 2, runStart, time.Minute, false)
			s.Run.Seed = 8
			return s
		}(), "seed"},
		{"other scenario", shard(1, 2, runStart, time.Minute, false), func() *Summary {
			s := shard(2, 2, runStart, time.Minute, false)
			s.Run.Scenario = "spike"
			return s
		}(), "scenario"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewSummary()
			require.NoError(t, m.MergeRun(tc.a))
			err := m.MergeRun(tc.b)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMergeContract(t *testing.T) {
	m := NewSummary()
	c := ContractSummary{SampleRate: 0.1, Sampled: 10, Checked: 9, Dropped: 1}
	for i := range DefaultMaxSummaryFindings + 5 {
		c.AddFinding(Finding{Check: []string{"a", "b"}[i%2], Message: "x"})
	}
	m.MergeContract(c)
	m.MergeContract(c)
	assert.Equal(t, 0.1, m.Contract.SampleRate)
	assert.Equal(t, uint64(20), m.Contract.Sampled)
	assert.Equal(t, uint64(18), m.Contract.Checked)
	assert.Equal(t, uint64(2), m.Contract.Dropped)
	assert.Equal(t, uint64(2*(DefaultMaxSummaryFindings+5)), m.Contract.Violations)
	assert.Equal(t, map[string]uint64{"a": 26, "b": 24}, m.Contract.ByCheck)
	assert.Len(t, m.Contract.Findings, DefaultMaxSummaryFindings)
}

// TestCountsWithoutClasses checks the counts a summary made by hand or by
// another tool falls back to: 429s from the status codes, errors from
// everything that did not succeed less the 429s.
func TestCountsWithoutClasses(t *testing.T) {
	s := &Summary{}
	s.Metrics.Requests = 10
	s.Metrics.Success = 0.7
	s.Metrics.StatusCodes = map[string]int{"200": 7, "429": 2, "503": 1}
	assert.Equal(t, uint64(7), s.Successes())
	assert.Equal(t, uint64(2), s.RateLimitedTotal())
	assert.Equal(t, uint64(1), s.ErrorsTotal())

	s.ErrorClasses = map[string]uint64{Class5xx: 1, ClassTimeout: 0}
	s.RateLimited = map[string]uint64{"DAILY": 2}
	assert.Equal(t, uint64(1), s.ErrorsTotal())
	s.ErrorClasses[ClassTimeout] = 4
	assert.Equal(t, uint64(5), s.ErrorsTotal(), "recorded classes win over the status codes")
}
