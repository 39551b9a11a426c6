package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/reports"
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

// TestRunReadBackIncomplete: when the end-of-run read-back cannot compare
// every key it set out to, the verdict says so in a run check of its own
// (read-back-complete: how many of how many, and why), not only through
// the read-back invariants' counts; Ctrl-C during it makes the run
// INTERRUPTED (the load itself ran to its end). Through Run against the emulator behind a proxy that
// answers the batch reads as a failing target would, and reports.Build.
func TestRunReadBackIncomplete(t *testing.T) {
	const missingScopes = `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"x","category":"MISSING_SCOPES"}`
	const daily = `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"x","policyName":"DAILY"}`
	tests := []struct {
		name string
		// answer answers read number n (from 1) instead of the emulator,
		// or returns false to let the emulator answer; cancel ends the run.
		answer  func(w http.ResponseWriter, n int64, cancel context.CancelFunc) bool
		verdict string
		// unread is how many keys were never read, given all of them.
		unread func(all uint64) uint64
		says   []string
	}{
		{name: "complete", verdict: results.VerdictPass, unread: func(uint64) uint64 { return 0 }, says: []string{"read back all "}},
		{name: "the target refuses every read", verdict: results.VerdictFail,
			answer: func(w http.ResponseWriter, _ int64, _ context.CancelFunc) bool {
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(missingScopes))
				return true
			},
			unread: func(all uint64) uint64 { return all },
			says:   []string{"read-back incomplete: ", " keys not compared (read 0 of ", "answered 403"}},
		{name: "the daily limit stops the reads after the first", verdict: results.VerdictFail,
			answer: func(w http.ResponseWriter, n int64, _ context.CancelFunc) bool {
				if n == 1 {
					return false
				}
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = w.Write([]byte(daily))
				return true
			},
			unread: func(all uint64) uint64 { return all - hubspot.MaxBatchInputs },
			says:   []string{"read-back incomplete: ", "keys not compared (read 100 of ", "daily limit (policy DAILY)"}},
		{name: "interrupted during it", verdict: results.VerdictInterrupted,
			answer: func(w http.ResponseWriter, n int64, cancel context.CancelFunc) bool {
				if n == 1 {
					cancel()
				}
				return false
			},
			says: []string{"read-back incomplete: ", "keys not compared (interrupted after reading "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			emu := emulator.New(emulator.WithToken(testToken), emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
			t.Cleanup(emu.Close)
			var reads atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/batch/read") && tt.answer != nil {
					if tt.answer(w, reads.Add(1), cancel) {
						return
					}
				}
				emu.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			s := testScenario(t, time.Second, 20)
			s.Sample = 0
			s.Batch.Size = 100 // about a thousand keys: ten reads and more
			dir := t.TempDir()
			sum, err := Run(ctx, Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, OutDir: dir})
			require.NoError(t, err)
			require.NotNil(t, sum.Invariants)
			v := sum.Invariants.Verify
			require.NotNil(t, v)
			all := sum.Invariants.Keys
			require.Greater(t, all, uint64(5*hubspot.MaxBatchInputs), "enough keys for several reads")
			assert.Equal(t, all, v.Planned, "the final round set out to read every key")
			if tt.unread != nil {
				assert.Equal(t, tt.unread(all), v.Unread)
			} else {
				assert.Positive(t, v.Unread)
			}
			assert.Equal(t, tt.verdict == results.VerdictInterrupted, sum.Run.Interrupted)
			assert.Equal(t, uint64(20), sum.Metrics.Requests, "the load itself ran to the end")

			rep, err := reports.Build([]string{dir})
			require.NoError(t, err)
			assert.Equal(t, tt.verdict, rep.Summary.Verdict)
			var rc *results.RunCheck
			for i, c := range rep.Summary.RunChecks {
				if c.Name == reports.RunCheckReadBack {
					rc = &rep.Summary.RunChecks[i]
				}
			}
			require.NotNil(t, rc, "every run that read back has the check")
			assert.Equal(t, tt.verdict == results.VerdictPass, rc.Pass, rc.Message)
			assert.False(t, rc.NotChecked)
			assert.Equal(t, v.NotCompared(), rc.Count)
			assert.Equal(t, all, rc.Of)
			for _, want := range tt.says {
				assert.Contains(t, rc.Message, want)
			}
			if !rc.Pass {
				assert.Contains(t, rc.Message, fmt.Sprintf("%s of %s keys not compared", count(float64(v.NotCompared())), count(float64(all))))
				assert.Contains(t, rep.Failures, rc.Message, "the verdict lists it")
			}
		})
	}
}
