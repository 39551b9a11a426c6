package reports

import (
	"fmt"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Default regression tolerances: relative changes for the worse beyond
// these fail a run compared with a baseline.
const (
	DefaultLatencyTolerance    = 0.10
	DefaultThroughputTolerance = 0.05
	DefaultSuccessTolerance    = 0.05
)

// DefaultLimits returns the default regression tolerances.
func DefaultLimits() results.BaselineLimits {
	return results.BaselineLimits{
		Latency:    DefaultLatencyTolerance,
		Throughput: DefaultThroughputTolerance,
		Success:    DefaultSuccessTolerance,
	}
}

// comparedMetric is one metric of a baseline comparison: how to read it
// and which direction is worse.
type comparedMetric struct {
	name        string
	higherWorse bool
	// limit picks the tolerance that makes a worse change a regression;
	// nil means the metric is reported but never fails the run.
	limit func(results.BaselineLimits) float64
}

// comparedMetrics is the order of deltas in every output.
var comparedMetrics = []comparedMetric{
	{name: scenarios.MetricRequests},
	{name: scenarios.MetricRate},
	{name: scenarios.MetricThroughput, limit: func(l results.BaselineLimits) float64 { return l.Throughput }},
	{name: scenarios.MetricSuccess, limit: func(l results.BaselineLimits) float64 { return l.Success }},
	{name: scenarios.MetricP50, higherWorse: true},
	{name: scenarios.MetricP90, higherWorse: true},
	{name: scenarios.MetricP95, higherWorse: true, limit: func(l results.BaselineLimits) float64 { return l.Latency }},
	{name: scenarios.MetricP99, higherWorse: true, limit: func(l results.BaselineLimits) float64 { return l.Latency }},
	{name: scenarios.MetricMax, higherWorse: true},
	{name: scenarios.MetricRateLimited, higherWorse: true},
	{name: scenarios.MetricLateSends, higherWorse: true},
}

// Compare compares current with baseline metric by metric. A regression is
// p95 or p99 worse by more than limits.Latency, or throughput or success
// worse by more than limits.Throughput / limits.Success (relative changes).
// Zero limits fall back to the defaults. Metrics without data on either
// side are left out rather than compared with zero; a gated one is named
// in NotCompared with the reason, so a gate that could not act shows.
func Compare(baseline, current *results.Summary, limits results.BaselineLimits) *results.BaselineReport {
	def := DefaultLimits()
	if limits.Latency <= 0 {
		limits.Latency = def.Latency
	}
	if limits.Throughput <= 0 {
		limits.Throughput = def.Throughput
	}
	if limits.Success <= 0 {
		limits.Success = def.Success
	}
	br := &results.BaselineReport{StartedAt: baseline.Run.StartedAt, Tolerances: limits}
	for _, cm := range comparedMetrics {
		b, okB, whyB, _ := Measure(cm.name, baseline)
		c, okC, whyC, _ := Measure(cm.name, current)
		if !okB || !okC {
			if cm.limit != nil {
				side, why := "the baseline", whyB
				if okB {
					side, why = "this run", whyC
				}
				br.NotCompared = append(br.NotCompared, results.NotCompared{Metric: cm.name, Reason: fmt.Sprintf("no data in %s: %s", side, why)})
			}
			continue
		}
		unit := unitOf(cm.name)
		d := results.MetricDelta{Metric: cm.name, Unit: unit, Baseline: b, Current: c}
		if b != 0 {
			d.Change = (c - b) / b
		}
		d.Worse = (cm.higherWorse && c > b) || (!cm.higherWorse && cm.limit != nil && c < b)
		if cm.limit != nil && d.Worse {
			tol := cm.limit(limits)
			// A baseline of 0 (e.g. 0% success) cannot get relatively
			// worse; only a real relative drop counts.
			if b != 0 && abs(d.Change) > tol {
				d.Regression = true
				br.Regressions = append(br.Regressions, fmt.Sprintf("%s %s → %s (%s, tolerance %.0f%%)",
					cm.name, fmtValue(b, unit), fmtValue(c, unit), fmtChange(d.Change), tol*100))
			}
		}
		br.Deltas = append(br.Deltas, d)
	}
	return br
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
