package load

import (
	"context"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/cannedtarget"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
	"github.com/upsertbench/upsertbench/scenarios"
)

// cannedServer is internal/cannedtarget behind httptest: each request gets
// results for its own inputs at a small fixed cost, so a benchmark measures
// the engine on the invariants' clean path (the same target as
// scripts/bench-load.sh's cannedserver).
func cannedServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	target, err := cannedtarget.New()
	require.NoError(tb, err)
	srv := httptest.NewServer(target)
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkRunCanned runs b.N requests at 2,000/s against the canned
// server, 100-input batches built on the fly, 1% sampled. It reports the
// heap left after the run per request (should be ~0: nothing grows with
// the number of requests) and the bytes allocated per request.
func BenchmarkRunCanned(b *testing.B) {
	srv := cannedServer(b)
	const rate = 2000.0
	n := max(b.N, 200)
	s := scenarios.Default()
	s.Name = "bench"
	s.Seed = 1
	s.Stages = []scenarios.Stage{{Duration: time.Duration(float64(n) / rate * float64(time.Second)), Rate: rate}}
	s.HTTP.Workers, s.HTTP.MaxWorkers = 64, 256
	s.Verify.Mode = scenarios.VerifyNone // the canned target keeps no records to read back
	require.NoError(b, s.Validate())
	dir := b.TempDir()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, OutDir: dir})
	b.StopTimer()
	require.NoError(b, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The clean path, or the numbers measure something else.
	require.NotNil(b, sum.Invariants)
	require.Zero(b, sum.Invariants.Violations(), "%+v", sum.Invariants.Checks)
	req := float64(sum.Metrics.Requests)
	b.ReportMetric(req/sum.Run.EndedAt.Sub(sum.Run.StartedAt).Seconds(), "req/s")
	b.ReportMetric((float64(after.HeapAlloc)-float64(before.HeapAlloc))/req, "heap-growth-B/req")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/req, "alloc-B/req")
	b.ReportMetric(float64(sum.LateSends.Count)/req*100, "late-%")
	if os.Getenv("UPSERTBENCH_BENCH_LOG") != "" {
		b.Logf("%d requests, success %.4f, p50 %s, p99 %s", sum.Metrics.Requests, sum.Metrics.Success, sum.Metrics.Latencies.P50, sum.Metrics.Latencies.P99)
	}
}

// BenchmarkSaturation sends as fast as 64 workers can against the canned
// server (the rate is far above reach): requests per second of the whole
// engine, for profiling (-cpuprofile).
//
// UPSERTBENCH_BENCH_TARGET=http://127.0.0.1:18080 sends to an outside
// server instead (scripts/cannedserver), so a profile shows the client only.
func BenchmarkSaturation(b *testing.B) {
	target := os.Getenv("UPSERTBENCH_BENCH_TARGET")
	if target == "" {
		target = cannedServer(b).URL
	}
	s := scenarios.Default()
	s.Name = "saturation"
	s.Seed = 1
	s.Stages = []scenarios.Stage{{Duration: 3 * time.Second, Rate: 50_000}}
	s.HTTP.Workers, s.HTTP.MaxWorkers = 64, 64
	s.Verify.Mode = scenarios.VerifyNone // the canned target keeps no records to read back
	s.Saturation = true                  // the rate is a ceiling
	require.NoError(b, s.Validate())
	for b.Loop() {
		cpu := cpuclock.Start()
		sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: target, Token: testToken, Emulated: true, OutDir: b.TempDir()})
		spent := cpu.Elapsed()
		require.NoError(b, err)
		require.Zero(b, sum.Invariants.Violations(), "%+v", sum.Invariants.Checks)
		req := float64(sum.Metrics.Requests)
		b.ReportMetric(req/sum.Run.EndedAt.Sub(sum.Run.StartedAt).Seconds(), "req/s")
		// The process's CPU for the whole Run (start-up and the end of the
		// run included), the in-process server's too unless the target is
		// outside.
		b.ReportMetric(float64(spent.Microseconds())/req, "cpu-µs/req")
	}
}
