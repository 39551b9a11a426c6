package reports

import (
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Defaults of Build.
const (
	// DefaultMaxPoints bounds every time series: a one-hour run has 3,600
	// one-second buckets, more than a chart has pixels, so series are
	// downsampled to this many points and the HTML page stays light.
	DefaultMaxPoints = 600
	// DefaultMaxFindings bounds the findings a report keeps for rendering;
	// findings.jsonl keeps all of them.
	DefaultMaxFindings = 50
)

// Report is one evaluated run (or the merge of several shards): the
// recomputed summary with threshold verdicts and baseline deltas, plus what
// the charts and tables need. Build makes one; the Write methods render it.
type Report struct {
	// Summary is the merged summary with Verdict, Thresholds and Baseline set.
	Summary *results.Summary
	// Inputs are the run folders the report was built from.
	Inputs []string
	// Series is the run over time, downsampled to at most MaxPoints.
	Series []results.Point
	// Distribution is the latency histogram.
	Distribution []results.Bin
	// Checks are the contract check verdicts (sampled and suite).
	Checks []CheckVerdict
	// Findings are the first contract findings; FindingsTotal counts all.
	Findings      []results.Finding
	FindingsTotal int
	// History is the last runs of the history file, this one included.
	History []HistoryEntry
	// Failures say in words why the verdict is fail or interrupted.
	Failures []string
	// GeneratedAt is when the report was rendered (shown in the HTML).
	GeneratedAt time.Time

	// rateAt is the scenario's requested rate over time, when known.
	rateAt func(time.Duration) float64
	// scenario is the scenario as it ran (nil: the summary recorded none).
	scenario *scenarios.Scenario
}

// Passed reports whether the verdict is pass (not fail, not interrupted).
func (r *Report) Passed() bool { return r.Summary.Verdict == VerdictPass }

// finalize judges the run checks and decides the verdict from them, the
// thresholds, the contract checks and the baseline comparison.
func (r *Report) finalize() {
	s := r.Summary
	r.Failures = nil
	s.RunChecks = judgeRun(s, r.scenario)
	for _, c := range s.RunChecks {
		if runCheckFails(c) {
			r.Failures = append(r.Failures, failureText(c))
		}
	}
	for _, t := range s.Thresholds {
		if !t.Pass {
			r.Failures = append(r.Failures, fmt.Sprintf("threshold %s: %s", t.Expr, t.Message))
		}
	}
	for _, c := range r.Checks {
		// Per-check rows of the sampled checks repeat the aggregate row.
		if c.Status == StatusFail && (c.Source != SourceLoad || c.Name == sampledAll) {
			r.Failures = append(r.Failures, fmt.Sprintf("contract check %s: %s", checkLabel(c), c.Message))
		}
	}
	if s.Baseline != nil {
		for _, reg := range s.Baseline.Regressions {
			r.Failures = append(r.Failures, "regression against baseline: "+reg)
		}
	}
	switch {
	case s.Run.Interrupted:
		// Whatever the partial figures say: a run that did not finish
		// never passes, and says so with a word of its own.
		s.Verdict = VerdictInterrupted
	case len(r.Failures) > 0:
		s.Verdict = VerdictFail
	default:
		s.Verdict = VerdictPass
	}
}
