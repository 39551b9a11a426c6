package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/scenarios"
)

// TestVerifyAccuracy is the accuracy verification of the load engine: 200
// requests/s for 10 s against a server that answers after exactly 20 ms.
// The achieved rate must be within 1% of the requested one and the median
// latency between 20 and 22 ms. It measures wall-clock behaviour, so it only
// runs when asked (UPSERTBENCH_VERIFY=1) on a machine that is not busy:
//
//	UPSERTBENCH_VERIFY=1 go test -run TestVerifyAccuracy -v ./load/
func TestVerifyAccuracy(t *testing.T) {
	if os.Getenv("UPSERTBENCH_VERIFY") != "1" {
		t.Skip("set UPSERTBENCH_VERIFY=1 to run the timing verification")
	}
	const delay = 20 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"COMPLETE","results":[]}`)
	}))
	t.Cleanup(srv.Close)

	s := scenarios.Default()
	s.Name = "verify"
	s.Seed = 1
	s.Sample = 0
	s.Stages = []scenarios.Stage{{Duration: 10 * time.Second, Rate: 200}}
	require.NoError(t, s.Validate())
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, OutDir: t.TempDir()})
	require.NoError(t, err)

	m := sum.Metrics
	t.Logf("requests %d, requested %.2f/s, achieved %.2f/s (%.3f%%), throughput %.2f/s", m.Requests, sum.RequestedRate, m.Rate, 100*(m.Rate/200-1), m.Throughput)
	t.Logf("latency p50 %s p90 %s p95 %s p99 %s max %s", m.Latencies.P50, m.Latencies.P90, m.Latencies.P95, m.Latencies.P99, m.Latencies.Max)
	t.Logf("late sends %d (%.2f%%), p99 %s, max %s", sum.LateSends.Count, 100*sum.LateSends.Share, sum.LateSends.P99, sum.LateSends.Max)
	assert.Equal(t, uint64(2000), m.Requests)
	assert.InDelta(t, 200, m.Rate, 2, "achieved rate within 1%")
	assert.GreaterOrEqual(t, m.Latencies.P50, delay)
	assert.LessOrEqual(t, m.Latencies.P50, 22*time.Millisecond)
}
