package load

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

const testToken = "test-token-never-written-anywhere"

// testScenario is a short constant-rate scenario with small batches.
func testScenario(t *testing.T, d time.Duration, rate float64) *scenarios.Scenario {
	t.Helper()
	s := scenarios.Default()
	s.Name = "unit"
	s.Seed = 42
	s.Stages = []scenarios.Stage{{Duration: d, Rate: rate, Pacer: scenarios.PacerConstant}}
	s.Batch.Size = 10
	s.Sample = 0.5
	s.HTTP.Timeout = 5 * time.Second
	require.NoError(t, s.Validate())
	return s
}

// serveEmulator serves the real emulator on 127.0.0.1 with testToken.
func serveEmulator(t *testing.T, opts ...emulator.Option) *emulator.Server {
	t.Helper()
	return emulatortest.NewServer(t, append([]emulator.Option{emulator.WithToken(testToken)}, opts...)...)
}

// readResults decodes every result of a run folder.
func readResults(t *testing.T, dir string) []vegeta.Result {
	t.Helper()
	var rs []vegeta.Result
	require.NoError(t, results.Each([]string{dir}, func(r *vegeta.Result) error {
		rs = append(rs, *r)
		return nil
	}))
	return rs
}

// assertNoToken fails when the token appears in any file of dir.
func assertNoToken(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte(testToken)), "token found in %s", e.Name())
	}
}

func TestRunAgainstEmulator(t *testing.T) {
	emu := serveEmulator(t, emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
	dir := t.TempDir()
	var progress bytes.Buffer
	sum, err := Run(context.Background(), Config{
		Scenario:         testScenario(t, 2*time.Second, 25),
		BaseURL:          emu.URL,
		Token:            testToken,
		Emulated:         true,
		OutDir:           dir,
		Progress:         &progress,
		ProgressInterval: 500 * time.Millisecond,
		ToolVersion:      "test",
	})
	require.NoError(t, err)

	assert.Equal(t, uint64(50), sum.Metrics.Requests)
	assert.Equal(t, 1.0, sum.Metrics.Success, "errors: %v", sum.Metrics.Errors)
	assert.Equal(t, uint64(50), emu.Stats().Upserts)
	assert.InDelta(t, 25, sum.RequestedRate, 1e-9)
	assert.False(t, sum.Run.Interrupted)
	assert.Equal(t, uint64(42), sum.Run.Seed)
	assert.Equal(t, emu.URL, sum.Run.Target)
	assert.True(t, sum.Run.Emulated)
	assert.Equal(t, 2*time.Second, sum.Run.Planned)
	assert.Contains(t, sum.Run.ScenarioYAML, "name: unit")
	assert.Equal(t, []results.Shard{{Index: 1, Count: 1}}, sum.Run.Shards)
	assert.Positive(t, sum.Metrics.BytesIn.Total, "drained bodies still count their bytes")

	// Sampled contract checks ran and found nothing wrong with the emulator.
	assert.Positive(t, sum.Contract.Sampled)
	assert.Equal(t, sum.Contract.Sampled, sum.Contract.Checked+sum.Contract.Dropped)
	assert.Zero(t, sum.Contract.Violations, "findings: %v", sum.Contract.Findings)

	// Files: results.bin decodes, summary.json reads back, findings exist.
	rs := readResults(t, dir)
	require.Len(t, rs, 50)
	sampled := 0
	for _, r := range rs {
		assert.Equal(t, uint16(200), r.Code)
		assert.Empty(t, r.Body, "bodies are not kept in results.bin")
		if r.Headers.Get(results.HeaderSampled) == "1" {
			sampled++
		}
		assert.Empty(t, r.Headers.Get(headerBytesIn), "internal header leaked")
	}
	assert.Equal(t, int(sum.Contract.Sampled), sampled)
	back, err := results.ReadSummary(filepath.Join(dir, results.SummaryFile))
	require.NoError(t, err)
	assert.Equal(t, sum.Metrics.Requests, back.Metrics.Requests)
	assert.FileExists(t, filepath.Join(dir, results.FindingsFile))
	assertNoToken(t, dir)

	// The progress line was printed (not a terminal: whole lines).
	assert.Contains(t, progress.String(), "/0:02")
	assert.Contains(t, progress.String(), "p95")
	assert.NotContains(t, progress.String(), "\r")
}

func TestRunSameSeedSameBatches(t *testing.T) {
	// Two runs with one seed send byte-identical batches: the emulator's
	// request log sees the same bodies in the same batch order.
	bodies := func() map[string]int {
		got := map[string]int{}
		var mu = make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var b bytes.Buffer
			_, _ = b.ReadFrom(r.Body)
			mu <- struct{}{}
			got[b.String()]++
			<-mu
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		s := testScenario(t, time.Second, 20)
		s.Sample = 0
		_, err := Run(context.Background(), Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, OutDir: t.TempDir()})
		require.NoError(t, err)
		return got
	}
	a, b := bodies(), bodies()
	assert.Len(t, a, 20)
	assert.Equal(t, a, b)
}

func TestRunInterrupted(t *testing.T) {
	// Half the answers hang until the client gives up: the interrupted run
	// must not wait for them longer than the grace period.
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client hanging up
		if n.Add(1)%2 == 0 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"COMPLETE","results":[],"startedAt":"2026-01-01T00:00:00Z","completedAt":"2026-01-01T00:00:00Z"}`))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	s := testScenario(t, time.Minute, 20)
	s.Sample = 0
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	go func() {
		// Cancel once some results are on disk (or after a second at most).
		deadline := time.Now().Add(5 * time.Second)
		for n.Load() < 10 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	var progress bytes.Buffer
	sum, err := Run(ctx, Config{Scenario: s, BaseURL: srv.URL, Emulated: true, OutDir: dir, StopGrace: 200 * time.Millisecond, Progress: &progress})
	require.NoError(t, err)

	assert.True(t, sum.Run.Interrupted)
	assert.Less(t, sum.Metrics.Requests, uint64(1200))
	assert.Positive(t, sum.Metrics.Requests)
	assert.Less(t, sum.Run.EndedAt.Sub(sum.Run.StartedAt), 30*time.Second)
	assert.Contains(t, progress.String(), "abandoned")

	back, err := results.ReadSummary(filepath.Join(dir, results.SummaryFile))
	require.NoError(t, err)
	assert.True(t, back.Run.Interrupted)
	assert.Len(t, readResults(t, dir), int(sum.Metrics.Requests))
}

func TestRunRateLimitedEmulator(t *testing.T) {
	// A free account allows 100 requests per 10 s: 150 in 3 s get 429s
	// with the ten-secondly policy, parsed from the body.
	emu := serveEmulator(t, emulator.WithTier(hubspot.TierFree))
	s := testScenario(t, 3*time.Second, 50)
	s.Sample = 0
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: emu.URL, Token: testToken, Emulated: true, OutDir: dir})
	require.NoError(t, err)
	assert.Equal(t, uint64(50), sum.RateLimited[hubspot.PolicyTenSecondlyRolling])
	assert.Zero(t, sum.RateLimited[results.PolicyUnknown])
	limited := 0
	for _, r := range readResults(t, dir) {
		if r.Code == http.StatusTooManyRequests {
			assert.Equal(t, hubspot.PolicyTenSecondlyRolling, r.Headers.Get(results.HeaderRateLimitPolicy))
			limited++
		}
	}
	assert.Equal(t, 50, limited, "results.bin holds every 429 the summary counts")
}

func TestRunRefusals(t *testing.T) {
	s := testScenario(t, time.Hour, 30) // 108,000 requests, 300 per 10 s
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"remote target", Config{Scenario: s, BaseURL: "https://api.hubapi.com", OutDir: "x"}, "not on this machine"},
		{"bad URL", Config{Scenario: s, BaseURL: "api.hubapi.com", OutDir: "x"}, "invalid --target"},
		{"no scenario", Config{BaseURL: "http://127.0.0.1:1", OutDir: "x"}, "no scenario"},
		{"no out dir", Config{Scenario: s, BaseURL: "http://127.0.0.1:1"}, "no output folder"},
		{"bad shard", Config{Scenario: s, BaseURL: "http://127.0.0.1:1", OutDir: "x", Shard: results.Shard{Index: 3, Count: 2}}, "shard 3/2"},
		{"over the free burst", Config{Scenario: s, BaseURL: "http://127.0.0.1:1", OutDir: "x", Tier: hubspot.TierFree},
			`scenario "unit" is over quota: its busiest 10 s sends 300 requests, over the free tier's burst limit of 100 per 10 s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRunShardsMerge(t *testing.T) {
	// Two shards of one scenario against one emulator: half the rate each,
	// no key created twice, and their results files merge.
	emu := serveEmulator(t)
	s := testScenario(t, 2*time.Second, 20)
	s.Batch.Updates = 0
	var dirs []string
	for i := 1; i <= 2; i++ {
		dir := t.TempDir()
		dirs = append(dirs, dir)
		sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: emu.URL, Token: testToken, Emulated: true,
			OutDir: dir, Shard: results.Shard{Index: i, Count: 2}})
		require.NoError(t, err)
		assert.Equal(t, uint64(20), sum.Metrics.Requests)
		assert.InDelta(t, 10, sum.RequestedRate, 1e-9)
		assert.Equal(t, []results.Shard{{Index: i, Count: 2}}, sum.Run.Shards)
	}
	st := emu.Stats()
	assert.Equal(t, uint64(400), st.Created, "every input of both shards created a record of its own")
	assert.Zero(t, st.Updated)
	n := 0
	require.NoError(t, results.Each(dirs, func(*vegeta.Result) error { n++; return nil }))
	assert.Equal(t, 40, n)
}

func TestRunLateSendsAreRecorded(t *testing.T) {
	// One worker and a 100 ms answer at 50/s: almost every send waits for
	// the worker, and the delay is recorded as a late send.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	s := testScenario(t, time.Second, 50)
	s.Sample = 0
	s.HTTP.Workers, s.HTTP.MaxWorkers = 1, 1
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: srv.URL, Emulated: true, OutDir: dir})
	require.NoError(t, err)
	require.Positive(t, sum.Metrics.Requests)
	assert.Positive(t, sum.LateSends.Count)
	assert.Greater(t, sum.LateSends.Max, 50*time.Millisecond)
	late := 0
	for _, r := range readResults(t, dir) {
		if r.Headers.Get(results.HeaderLateNanos) != "" {
			late++
		}
	}
	assert.Equal(t, int(sum.LateSends.Count), late)
}
