package reports

import (
	"fmt"
	"sort"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Measure returns the value of metric (a name in scenarios.Metrics) in s,
// in the metric's unit, as scenarios.Metrics describes it. ok is false
// when s holds no data for it (no requests, or for contract_violations no
// checked response), with why saying so in words; err is set only for a
// metric the table does not have.
//
// Values are computed so that a measurement equal to a limit in real
// numbers is the same float64 as the parsed limit (scenarios.DurationValue,
// scenarios.PercentValue): thresholds compare exactly.
func Measure(metric string, s *results.Summary) (value float64, ok bool, why string, err error) {
	if _, known := scenarios.LookupMetric(metric); !known {
		return 0, false, "", fmt.Errorf("unknown threshold metric %q (valid: %v)", metric, metricNames())
	}
	m := &s.Metrics
	if metric == scenarios.MetricContractViolations {
		if s.Contract.Checked == 0 {
			return 0, false, fmt.Sprintf("no response was checked against the contract (%d sampled, %d dropped)", s.Contract.Sampled, s.Contract.Dropped), nil
		}
		return float64(s.Contract.Violations), true, "", nil
	}
	if m.Requests == 0 {
		return 0, false, "no requests were recorded", nil
	}
	n := m.Requests
	// Latency counts answered requests only (s.Answered); Vegeta's
	// m.Latencies also count the time until unanswered requests gave up.
	lat := &s.Answered.Latencies
	switch metric {
	case scenarios.MetricP50, scenarios.MetricP90, scenarios.MetricP95, scenarios.MetricP99, scenarios.MetricMax, scenarios.MetricMean:
		if s.Answered.Requests == 0 {
			return 0, false, noAnswer(s), nil
		}
	}
	switch metric {
	case scenarios.MetricRequests:
		return float64(n), true, "", nil
	case scenarios.MetricP50:
		return scenarios.DurationValue(lat.P50), true, "", nil
	case scenarios.MetricP90:
		return scenarios.DurationValue(lat.P90), true, "", nil
	case scenarios.MetricP95:
		return scenarios.DurationValue(lat.P95), true, "", nil
	case scenarios.MetricP99:
		return scenarios.DurationValue(lat.P99), true, "", nil
	case scenarios.MetricMax:
		return scenarios.DurationValue(lat.Max), true, "", nil
	case scenarios.MetricMean:
		return scenarios.DurationValue(lat.Mean), true, "", nil
	case scenarios.MetricSuccess:
		return scenarios.PercentValue(s.Successes(), n), true, "", nil
	case scenarios.MetricErrorRate:
		return scenarios.PercentValue(s.ErrorsTotal(), n), true, "", nil
	case scenarios.MetricRateLimited:
		return scenarios.PercentValue(s.RateLimitedTotal(), n), true, "", nil
	case scenarios.MetricLateSends:
		return scenarios.PercentValue(s.LateSends.Count, n), true, "", nil
	case scenarios.MetricThroughput:
		if m.Duration+m.Wait <= 0 {
			return 0, false, "the run lasted no measurable time", nil
		}
		return m.Throughput, true, "", nil
	case scenarios.MetricRate:
		if m.Duration <= 0 {
			return 0, false, "the run lasted no measurable time", nil
		}
		return m.Rate, true, "", nil
	}
	return 0, false, "", fmt.Errorf("metric %q is in the threshold table but reports cannot measure it", metric)
}

// noAnswer says that no request of s was answered, and what became of
// them instead.
func noAnswer(s *results.Summary) string {
	if s.Unanswered == nil {
		// A schema 1 summary with unanswered requests (ParseSummary).
		return fmt.Sprintf("the summary has no latency of answered requests alone (an older upsertbench wrote it, and %s of its requests got no answer)",
			fmtCount(uint64(s.Metrics.StatusCodes["0"])))
	}
	return fmt.Sprintf("no request was answered (%s sent; no answer: %s)", fmtCount(s.Metrics.Requests), countsLabel(s.Unanswered))
}

// unitOf is the unit measured values of metric are reported in ("" for
// counts and unknown metrics).
func unitOf(metric string) string {
	m, _ := scenarios.LookupMetric(metric)
	return m.Kind.Unit()
}

func metricNames() []string {
	names := make([]string, len(scenarios.Metrics))
	for i, m := range scenarios.Metrics {
		names[i] = m.Name
	}
	return names
}

func millis(d time.Duration) float64 { return scenarios.DurationValue(d) }

// statusCodes returns the status codes of s in numeric order as "code" and
// count pairs; code "0" means no response (transport error).
func statusCodes(s *results.Summary) []codeCount {
	out := make([]codeCount, 0, len(s.Metrics.StatusCodes))
	for code, n := range s.Metrics.StatusCodes {
		out = append(out, codeCount{Code: code, Count: uint64(n)})
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Code) != len(out[j].Code) {
			return len(out[i].Code) < len(out[j].Code)
		}
		return out[i].Code < out[j].Code
	})
	return out
}

type codeCount struct {
	Code  string
	Count uint64
}
