package reports_test

import (
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

func ExampleEvaluateOne() {
	s := results.NewSummary()
	s.Metrics.Requests = 1200
	s.Answered.Requests = 1200 // latency counts answered requests only
	s.Answered.Latencies.P95 = 240 * time.Millisecond

	for _, expr := range []string{"p95 < 300ms", "p95 < 200ms", "contract_violations == 0"} {
		th, err := scenarios.ParseThreshold(expr)
		if err != nil {
			panic(err)
		}
		// No response was checked against the contract: that threshold fails.
		fmt.Println(reports.EvaluateOne(th, s).Message)
	}
	// Output:
	// p95 measured 240ms, within the limit < 300ms
	// p95 measured 240ms, breaks the limit < 200ms
	// no data: no response was checked against the contract (0 sampled, 0 dropped), so contract_violations could not be measured
}

func ExampleCompare() {
	night := func(p95 time.Duration, throughput float64) *results.Summary {
		s := results.NewSummary()
		s.Metrics.Requests = 1200
		s.Metrics.Success = 1
		s.Metrics.Throughput = throughput
		s.Answered.Requests = 1200
		s.Answered.Latencies.P95 = p95
		s.Answered.Latencies.P99 = 2 * p95
		return s
	}
	br := reports.Compare(night(200*time.Millisecond, 40), night(230*time.Millisecond, 39.5), reports.DefaultLimits())
	for _, r := range br.Regressions {
		fmt.Println(r)
	}
	// Output:
	// p95 200ms → 230ms (+15.0%, tolerance 10%)
	// p99 400ms → 460ms (+15.0%, tolerance 10%)
}
