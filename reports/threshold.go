package reports

import (
	"fmt"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// EvaluateOne evaluates t against s with t.Holds, the one comparison of
// the threshold table (exact; see scenarios.Threshold.Holds). A threshold
// without data fails with NoData set and a message that says why, because
// a green threshold must mean something was measured; so does a threshold
// that is malformed (t.Check), rather than being skipped.
func EvaluateOne(t scenarios.Threshold, s *results.Summary) results.ThresholdResult {
	unit := unitOf(t.Metric)
	tr := results.ThresholdResult{Expr: t.Expr, Metric: t.Metric, Op: t.Op, Limit: t.Value, Unit: unit}
	if tr.Expr == "" {
		tr.Expr = fmt.Sprintf("%s %s %s", t.Metric, t.Op, fmtValue(t.Value, unit))
		t.Expr = tr.Expr // for Check's messages
	}
	if err := t.Check(); err != nil {
		tr.Message = "invalid threshold: " + err.Error()
		return tr
	}
	v, ok, why, err := Measure(t.Metric, s)
	switch {
	case err != nil:
		tr.Message = err.Error()
		return tr
	case !ok:
		tr.NoData = true
		tr.Message = fmt.Sprintf("no data: %s, so %s could not be measured", why, t.Metric)
		return tr
	}
	tr.Measured = v
	tr.Pass = t.Holds(v)
	verdict := "within"
	if !tr.Pass {
		verdict = "breaks"
	}
	tr.Message = fmt.Sprintf("%s measured %s, %s the limit %s %s", t.Metric, fmtValue(v, unit), verdict, t.Op, fmtValue(t.Value, unit))
	return tr
}

// Evaluate evaluates the scenario's thresholds against s.
func Evaluate(ths []scenarios.Threshold, s *results.Summary) []results.ThresholdResult {
	out := make([]results.ThresholdResult, 0, len(ths))
	for _, t := range ths {
		out = append(out, EvaluateOne(t, s))
	}
	return out
}
