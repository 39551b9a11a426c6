package results

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestParseShardEnv(t *testing.T) {
	tests := []struct {
		in, env string
		want    Shard
		err     string
	}{
		{in: "auto/3", env: "0", want: Shard{Index: 1, Count: 3}},
		{in: "auto/3", env: "2", want: Shard{Index: 3, Count: 3}},
		{in: " auto / 1 ", env: "0", want: Shard{Index: 1, Count: 1}},
		{in: "2/4", env: "0", want: Shard{Index: 2, Count: 4}, err: ""}, // the env does not matter
		{in: "", want: Shard{Index: 1, Count: 1}},
		{in: "auto/3", env: "", err: "JOB_COMPLETION_INDEX (0-based; Kubernetes sets it in an Indexed Job's pods), which is not set: give I/3 instead"},
		{in: "auto/3", env: "3", err: `JOB_COMPLETION_INDEX="3" is not an index from 0 to 2`},
		{in: "auto/3", env: "-1", err: "not an index"},
		{in: "auto/3", env: "one", err: "not an index"},
		{in: "auto/0", env: "0", err: "want auto/N"},
		{in: "auto/1001", env: "0", err: "want auto/N"},
		{in: "auto", env: "0", err: "want I/N"},
		{in: "autox/3", env: "0", err: "want I/N"},
	}
	for _, tt := range tests {
		t.Run(tt.in+"|"+tt.env, func(t *testing.T) {
			got, err := ParseShardEnv(tt.in, func(k string) string {
				require.Equal(t, ShardEnv, k)
				return tt.env
			})
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestShardDirs(t *testing.T) {
	run := t.TempDir()
	mk := func(name, file string) {
		require.NoError(t, os.MkdirAll(filepath.Join(run, name), 0o755))
		if file != "" {
			require.NoError(t, os.WriteFile(filepath.Join(run, name, file), []byte("{}"), 0o644))
		}
	}
	mk("shard-10", SummaryFile)
	mk("shard-2", ResultsFile)
	mk("shard-1", SummaryFile)
	mk("shard-3", "")          // nothing written: a late shard
	mk("shard-x", SummaryFile) // not an index
	mk("shard-0", SummaryFile) // indexes start at 1
	mk("report", SummaryFile)  // the merged report's own folder
	require.NoError(t, os.WriteFile(filepath.Join(run, "shard-4"), nil, 0o644))
	got, err := ShardDirs(run)
	require.NoError(t, err)
	assert.Equal(t, []string{ShardDir(run, 1), ShardDir(run, 2), ShardDir(run, 10)}, got, "sorted by index, not by name")
	assert.Equal(t, filepath.Join(run, "shard-7"), ShardDir(run, 7))

	none, err := ShardDirs(filepath.Join(run, "shard-1"))
	require.NoError(t, err)
	assert.Empty(t, none)
	_, err = ShardDirs(filepath.Join(run, "nope"))
	assert.Error(t, err)
}

func TestScenarioHash(t *testing.T) {
	// sha256("") and sha256("abc"), from FIPS 180-2.
	assert.Equal(t, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ScenarioHash(""))
	assert.Equal(t, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ScenarioHash("abc"))
}

func TestMergeInfo(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	run := func(index int, start, first, last time.Duration) *Summary {
		s := NewSummary()
		s.Run.Shards = []Shard{{Index: index, Count: 4}}
		s.Run.StartedAt = t0.Add(start)
		s.Metrics.Earliest, s.Metrics.Latest = t0.Add(first), t0.Add(last)
		return s
	}
	runs := []*Summary{
		run(2, 300*time.Millisecond, 300*time.Millisecond, 10*time.Second),
		run(1, 0, 0, 10200*time.Millisecond),
		run(4, 100*time.Millisecond, 150*time.Millisecond, 9*time.Second),
	}
	m := NewMergeInfo(runs, 4, time.Second)
	assert.Equal(t, 300*time.Millisecond, m.StartSkew, "latest start minus earliest")
	assert.Equal(t, []int{3}, m.Missing)
	assert.Equal(t, t0.Add(300*time.Millisecond), m.Window.From, "the latest first send")
	assert.Equal(t, t0.Add(9*time.Second), m.Window.To, "the earliest last send")
	assert.Equal(t, "shard 3/4 is missing: no results found (a late start, a failure, or not copied); the merged figures cover 3 of 4 shards", m.MissingProblem())
	assert.Empty(t, m.SkewProblem(), "300ms apart, 1s allowed")
	assert.Equal(t, "shards 2/4, 3/4 are missing: no results found (a late start, a failure, or not copied); the merged figures cover 2 of 4 shards",
		NewMergeInfo([]*Summary{runs[1], runs[2]}, 4, time.Second).MissingProblem())

	for _, r := range []struct {
		at   time.Duration
		code uint16
	}{
		{0, 200},                       // before the window: shard 1 alone
		{300 * time.Millisecond, 200},  // on its start
		{4 * time.Second, 207},         // inside
		{5 * time.Second, 429},         // inside, not a success
		{6 * time.Second, 0},           // inside, no answer
		{9 * time.Second, 200},         // on its end
		{9001 * time.Millisecond, 200}, // after
	} {
		m.Count(&vegeta.Result{Timestamp: t0.Add(r.at), Code: r.code})
	}
	assert.Equal(t, uint64(5), m.Window.Requests)
	assert.Equal(t, uint64(3), m.Window.Successes)
	assert.Equal(t, 8700*time.Millisecond, m.Window.Duration())
	assert.InDelta(t, 5/8.7, m.Window.Rate(), 1e-9)
	assert.InDelta(t, 3/8.7, m.Window.Throughput(), 1e-9)

	skewed := NewMergeInfo(runs[:2], 2, 200*time.Millisecond)
	assert.Empty(t, skewed.Missing)
	assert.Empty(t, skewed.MissingProblem())
	assert.Equal(t, "the shards started 300ms apart, more than the 200ms allowed: they did not run together (synchronise the machines' clocks and give every shard one --start-at)", skewed.SkewProblem())
	free := NewMergeInfo(runs[:2], 0, 0)
	assert.Empty(t, free.MissingProblem(), "no expectation")
	assert.Empty(t, free.SkewProblem(), "no limit")
	var none *MergeInfo
	assert.Empty(t, none.MissingProblem())
	assert.Empty(t, none.SkewProblem())

	// Shards one after the other: 1.05 s apart, each sending for 1 s.
	apart := NewMergeInfo([]*Summary{run(1, 0, 0, time.Second), run(2, 1050*time.Millisecond, 1050*time.Millisecond, 2050*time.Millisecond)}, 2, 2*time.Second)
	assert.False(t, apart.Window.Overlaps())
	assert.Equal(t, "the shards were never all sending at once (they started 1.05s apart; one ended before another began, or sent nothing): the run never reached its rate (synchronise the machines' clocks and give every shard one --start-at)",
		apart.SkewProblem(), "within the skew allowed, but no shared window")
	apart.MaxSkew = 0
	assert.NotEmpty(t, apart.SkewProblem(), "whatever the limit")
	assert.True(t, NewMergeInfo(runs[:1], 1, time.Second).Window.Overlaps(), "one shard: its own span")
	one := run(1, 0, 0, 0)
	assert.True(t, NewMergeInfo([]*Summary{one}, 1, time.Second).Window.Overlaps(), "one request: an instant")
	assert.Zero(t, Window{From: t0, To: t0.Add(-time.Second)}.Rate(), "an empty window has no rate")
}
