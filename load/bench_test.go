package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/scenarios"
)

// cannedServer answers every request with the emulator's real answer to a
// 100-input batch, made once: a target that does no work per request.
func cannedServer(tb testing.TB) *httptest.Server {
	tb.Helper()
	gen, err := generators.New(generators.WithSeed(1))
	require.NoError(tb, err)
	emu := emulator.New(emulator.WithToken(testToken))
	defer emu.Close()
	req := httptest.NewRequest(http.MethodPost, gen.Path(), strings.NewReader(string(gen.AppendBatch(nil, 0))))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	require.Equal(tb, http.StatusOK, rec.Code)
	body := rec.Body.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
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
	require.NoError(b, s.Validate())
	for b.Loop() {
		sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: target, Token: testToken, Emulated: true, OutDir: b.TempDir()})
		require.NoError(b, err)
		b.ReportMetric(float64(sum.Metrics.Requests)/sum.Run.EndedAt.Sub(sum.Run.StartedAt).Seconds(), "req/s")
	}
}
