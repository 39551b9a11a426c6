package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// TestRunReadsBack: Run reads the written keys back at the end: every key
// on the emulator by default, a sample when asked, nothing with none; the
// requests are counted apart from the load's (results.bin has the upserts
// only), and the scenario recorded is the one that ran (auto resolved).
func TestRunReadsBack(t *testing.T) {
	tests := []struct {
		name   string
		verify scenarios.Verify
		keys   func(all uint64) uint64 // nil: verification off
	}{
		{"default on the emulator: all", scenarios.Default().Verify, func(all uint64) uint64 { return all }},
		{"sample", scenarios.Verify{Mode: scenarios.VerifySample, Sample: 30, Window: scenarios.VerifyWindowAuto}, func(uint64) uint64 { return 30 }},
		{"none", scenarios.Verify{Mode: scenarios.VerifyNone, Sample: 1000, Window: scenarios.VerifyWindowAuto}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := serveEmulator(t, emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
			s := testScenario(t, time.Second, 20)
			s.Sample = 0
			s.Verify = tt.verify
			dir := t.TempDir()
			sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: emu.URL, Token: testToken, Emulated: true, OutDir: dir})
			require.NoError(t, err)
			require.NotNil(t, sum.Invariants)
			assert.False(t, sum.Run.Interrupted)
			assert.Len(t, readResults(t, dir), int(sum.Metrics.Requests), "results.bin holds the upserts only")
			assert.Equal(t, uint64(20), sum.Metrics.Requests)
			if tt.keys == nil {
				assert.Nil(t, sum.Invariants.Verify)
				assert.Contains(t, sum.Run.ScenarioYAML, "mode: none")
				return
			}
			v := sum.Invariants.Verify
			require.NotNil(t, v)
			assert.Equal(t, tt.keys(sum.Invariants.Keys), v.Keys)
			assert.Equal(t, (v.Keys+99)/100, v.Requests)
			assert.Equal(t, 1, v.Rounds)
			assert.Empty(t, v.Incomplete)
			assert.Zero(t, sum.Invariants.Violations())
			assert.Equal(t, v.Keys, sum.Invariants.Check(results.InvariantLostWrite).Checked)
			assert.NotContains(t, sum.Run.ScenarioYAML, "auto", "auto is resolved in the recorded scenario")
			assert.Contains(t, sum.Run.ScenarioYAML, "window: 0s")
		})
	}
}

// TestRunCatchesLostWrites: the emulator's lost-write fault (updates
// acknowledged, not applied) is caught by the read-back at the end of Run.
func TestRunCatchesLostWrites(t *testing.T) {
	f, err := emulator.ParseFault("lost-write=0.3")
	require.NoError(t, err)
	emu := serveEmulator(t, emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}), emulator.WithFaults(f), emulator.WithSeed(3))
	// Updates name keys created at least DefaultUpdateLagWindow earlier
	// (20 batches at 10/s): the last 20 of 40 batches update.
	s := testScenario(t, 4*time.Second, 10)
	s.Sample = 0
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: emu.URL, Token: testToken, Emulated: true, OutDir: t.TempDir()})
	require.NoError(t, err)
	lost := sum.Invariants.Check(results.InvariantLostWrite)
	require.NotNil(t, lost)
	assert.Positive(t, lost.Violations)
	require.NotEmpty(t, lost.Offenders)
	assert.Equal(t, "read", lost.Offenders[0].Second.Kind)
	assert.Equal(t, "upsert", lost.Offenders[0].First.Kind)
	assert.Contains(t, lost.Offenders[0].Message, "still another value of")
	assert.Zero(t, sum.Invariants.Check(results.InvariantStaleRead).Violations)
}

// TestRunInterruptedDuringReadBack: Ctrl-C during the final read-back
// makes the run INTERRUPTED, and the summary says the read-back was cut.
func TestRunInterruptedDuringReadBack(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	emu := emulator.New(emulator.WithToken(testToken), emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
	t.Cleanup(emu.Close)
	var reads atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/batch/read") && reads.Add(1) == 1 {
			cancel()
		}
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s := testScenario(t, time.Second, 20)
	s.Sample = 0
	s.Batch.Size = 100 // enough keys for several reads
	sum, err := Run(ctx, Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, OutDir: t.TempDir()})
	require.NoError(t, err)
	assert.True(t, sum.Run.Interrupted)
	require.NotNil(t, sum.Invariants.Verify)
	assert.Contains(t, sum.Invariants.Verify.Incomplete, "interrupted")
	assert.Equal(t, uint64(20), sum.Metrics.Requests, "the load itself ran to the end")
}
