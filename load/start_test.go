package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

func TestWaitForStart(t *testing.T) {
	t.Run("no planned start", func(t *testing.T) {
		require.NoError(t, waitForStart(context.Background(), time.Time{}, time.Second))
	})
	t.Run("waits until the instant", func(t *testing.T) {
		at := time.Now().Add(150 * time.Millisecond)
		require.NoError(t, waitForStart(context.Background(), at, time.Second))
		assert.False(t, time.Now().Before(at), "returned before the planned start")
	})
	t.Run("late within the lag", func(t *testing.T) {
		require.NoError(t, waitForStart(context.Background(), time.Now().Add(-500*time.Millisecond), time.Second))
	})
	t.Run("later than the lag", func(t *testing.T) {
		at := time.Now().Add(-3 * time.Second)
		err := waitForStart(context.Background(), at, 2*time.Second)
		var le *LateStartError
		require.ErrorAs(t, err, &le)
		assert.Equal(t, at, le.Planned)
		assert.Equal(t, 2*time.Second, le.MaxLag)
		assert.GreaterOrEqual(t, le.Ready.Sub(at), 3*time.Second)
		assert.Contains(t, err.Error(), "after the planned start")
		assert.Contains(t, err.Error(), "later than the 2s allowed: sent nothing")
	})
	t.Run("default lag", func(t *testing.T) {
		var le *LateStartError
		require.ErrorAs(t, waitForStart(context.Background(), time.Now().Add(-DefaultMaxStartLag-time.Second), 0), &le)
		assert.Equal(t, DefaultMaxStartLag, le.MaxLag)
	})
	t.Run("interrupted while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := waitForStart(ctx, time.Now().Add(time.Hour), time.Second)
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestRunStartsAtThePlannedInstant(t *testing.T) {
	emu := serveEmulator(t, emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
	dir := t.TempDir()
	sc := testScenario(t, time.Second, 10)
	sc.Sample = 0 // no validator to build: the run is ready at once
	at := time.Now().Add(500 * time.Millisecond).Truncate(time.Millisecond)
	sum, err := Run(context.Background(), Config{
		Scenario: sc, BaseURL: emu.URL, Token: testToken, Emulated: true,
		OutDir: dir, Shard: results.Shard{Index: 2, Count: 2}, StartAt: at,
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(5), sum.Metrics.Requests, "half of 10/s for 1 s")
	run := sum.Run
	assert.Equal(t, at.UTC(), run.PlannedStart)
	assert.False(t, run.StartedAt.Before(at), "the schedule began at the planned start, not before")
	assert.Less(t, run.StartedAt.Sub(at), DefaultMaxStartLag)
	assert.Equal(t, at.Add(firstOffset(t, sc, 2)).UTC(), run.PlannedFirstSend)
	assert.Equal(t, sum.Metrics.Earliest.UTC(), run.FirstSend)
	assert.False(t, run.FirstSend.Before(run.PlannedFirstSend))
	assert.Equal(t, results.ScenarioHash(run.ScenarioYAML), run.ScenarioHash)
	assert.Len(t, run.ScenarioHash, 64)

	onDisk, err := results.ReadSummary(dir)
	require.NoError(t, err)
	assert.Equal(t, run.PlannedStart, onDisk.Run.PlannedStart)
	assert.Equal(t, run.PlannedFirstSend, onDisk.Run.PlannedFirstSend)
	assert.Equal(t, run.FirstSend, onDisk.Run.FirstSend)
	assert.Equal(t, run.ScenarioHash, onDisk.Run.ScenarioHash)
}

func TestRunWithoutPlannedStartRecordsItsOwn(t *testing.T) {
	emu := serveEmulator(t, emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
	sc := testScenario(t, 500*time.Millisecond, 10)
	sum, err := Run(context.Background(), Config{
		Scenario: sc, BaseURL: emu.URL, Token: testToken, Emulated: true, OutDir: t.TempDir(),
	})
	require.NoError(t, err)
	assert.True(t, sum.Run.PlannedStart.IsZero())
	assert.Equal(t, sum.Run.StartedAt.Add(firstOffset(t, sc, 1)), sum.Run.PlannedFirstSend, "planned from where the schedule began")
}

func TestRunLateStartSendsAndWritesNothing(t *testing.T) {
	emu := serveEmulator(t)
	dir := filepath.Join(t.TempDir(), "shard-1")
	sum, err := Run(context.Background(), Config{
		Scenario: testScenario(t, time.Second, 10), BaseURL: emu.URL, Token: testToken, Emulated: true,
		OutDir: dir, StartAt: time.Now().Add(-5 * time.Second), MaxStartLag: time.Second,
	})
	var le *LateStartError
	require.ErrorAs(t, err, &le)
	assert.Nil(t, sum)
	assert.Zero(t, emu.Stats().Requests, "nothing was sent")
	_, statErr := os.Stat(dir)
	assert.True(t, errors.Is(statErr, os.ErrNotExist), "nothing was written: %v", statErr)
}

func TestRunShardsNeedOneSeed(t *testing.T) {
	emu := serveEmulator(t)
	sc := testScenario(t, time.Second, 10)
	sc.Seed = 0
	_, err := Run(context.Background(), Config{
		Scenario: sc, BaseURL: emu.URL, Token: testToken, Emulated: true,
		OutDir: t.TempDir(), Shard: results.Shard{Index: 1, Count: 3},
	})
	require.ErrorIs(t, err, ErrShardSeed)
	assert.Contains(t, err.Error(), "the 3 shards have none")
	assert.Zero(t, emu.Stats().Requests)
}

// firstOffset is when a shard's first request is due in its schedule.
func firstOffset(t *testing.T, sc *scenarios.Scenario, shards int) time.Duration {
	t.Helper()
	curve, err := sc.Scaled(1 / float64(shards)).Curve()
	require.NoError(t, err)
	return NewStagePacer(curve).ScheduledAt(0)
}
