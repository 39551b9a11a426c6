package reports

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
)

// Units of threshold limits and measured values, as stored in
// results.ThresholdResult.Unit.
const (
	UnitMillis  = "ms"
	UnitPercent = "%"
	UnitRate    = "/s"
	UnitCount   = ""
)

// Threshold metric names (the scenario YAML vocabulary).
const (
	MetricP50                = "p50"
	MetricP90                = "p90"
	MetricP95                = "p95"
	MetricP99                = "p99"
	MetricMax                = "max"
	MetricMean               = "mean"
	MetricErrorRate          = "error_rate"
	MetricSuccess            = "success"
	MetricRateLimited        = "rate_limited"
	MetricLateSends          = "late_sends"
	MetricThroughput         = "throughput"
	MetricRate               = "rate"
	MetricContractViolations = "contract_violations"
	MetricRequests           = "requests"
)

// metricUnits maps every metric a threshold may name to its unit.
var metricUnits = map[string]string{
	MetricP50: UnitMillis, MetricP90: UnitMillis, MetricP95: UnitMillis,
	MetricP99: UnitMillis, MetricMax: UnitMillis, MetricMean: UnitMillis,
	MetricErrorRate: UnitPercent, MetricSuccess: UnitPercent,
	MetricRateLimited: UnitPercent, MetricLateSends: UnitPercent,
	MetricThroughput: UnitRate, MetricRate: UnitRate,
	MetricContractViolations: UnitCount, MetricRequests: UnitCount,
}

// Metrics returns the metric names a threshold may use, sorted.
func Metrics() []string { return sortedKeys(metricUnits) }

// MetricUnit returns the unit measured values of metric are reported in.
func MetricUnit(metric string) (string, bool) {
	u, ok := metricUnits[metric]
	return u, ok
}

// Measure returns the value of metric in s, in the metric's unit. ok is
// false when s holds no data for it (no requests, or for
// contract_violations no checked response), with why saying so in words;
// err is set only for an unknown metric.
func Measure(metric string, s *results.Summary) (value float64, ok bool, why string, err error) {
	unit, known := metricUnits[metric]
	if !known {
		return 0, false, "", fmt.Errorf("unknown threshold metric %q (valid: %v)", metric, Metrics())
	}
	m := &s.Metrics
	if metric == MetricContractViolations {
		if s.Contract.Checked == 0 {
			return 0, false, fmt.Sprintf("no response was checked against the contract (%d sampled, %d dropped)", s.Contract.Sampled, s.Contract.Dropped), nil
		}
		return float64(s.Contract.Violations), true, "", nil
	}
	if m.Requests == 0 {
		return 0, false, "no requests were recorded", nil
	}
	n := float64(m.Requests)
	switch metric {
	case MetricRequests:
		return n, true, "", nil
	case MetricP50:
		return millis(m.Latencies.P50), true, "", nil
	case MetricP90:
		return millis(m.Latencies.P90), true, "", nil
	case MetricP95:
		return millis(m.Latencies.P95), true, "", nil
	case MetricP99:
		return millis(m.Latencies.P99), true, "", nil
	case MetricMax:
		return millis(m.Latencies.Max), true, "", nil
	case MetricMean:
		return millis(m.Latencies.Mean), true, "", nil
	case MetricSuccess:
		return m.Success * 100, true, "", nil
	case MetricErrorRate:
		return float64(failedNot429(s)) / n * 100, true, "", nil
	case MetricRateLimited:
		return float64(rateLimited(s)) / n * 100, true, "", nil
	case MetricLateSends:
		return float64(s.LateSends.Count) / n * 100, true, "", nil
	case MetricThroughput:
		if m.Duration+m.Wait <= 0 {
			return 0, false, "the run lasted no measurable time", nil
		}
		return m.Throughput, true, "", nil
	case MetricRate:
		if m.Duration <= 0 {
			return 0, false, "the run lasted no measurable time", nil
		}
		return m.Rate, true, "", nil
	}
	return 0, false, "", fmt.Errorf("metric %q has unit %q but no measurement", metric, unit)
}

// rateLimited counts 429 answers: by policy when the load engine recorded
// policies, else from the status codes (older or foreign results).
func rateLimited(s *results.Summary) uint64 {
	var n uint64
	for _, c := range s.RateLimited {
		n += c
	}
	if n == 0 {
		n = uint64(s.Metrics.StatusCodes["429"])
	}
	return n
}

// failedNot429 counts requests that failed other than by a 429 (the
// scenario definition of error_rate): the error classes when the load
// engine recorded them, else every non-2xx/3xx answer but 429s.
func failedNot429(s *results.Summary) uint64 {
	var n uint64
	for _, c := range s.ErrorClasses {
		n += c
	}
	if n > 0 || s.ErrorClasses != nil {
		return n
	}
	ok := uint64(math.Round(s.Metrics.Success * float64(s.Metrics.Requests)))
	failed := s.Metrics.Requests - min(ok, s.Metrics.Requests)
	return failed - min(rateLimited(s), failed)
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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
