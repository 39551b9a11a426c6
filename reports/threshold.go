package reports

import (
	"fmt"
	"math"

	"github.com/upsertbench/upsertbench/internal/results"
)

// Threshold operators.
var validOps = map[string]func(measured, limit float64) bool{
	"<":  func(m, l float64) bool { return m < l },
	"<=": func(m, l float64) bool { return m <= l || nearlyEqual(m, l) },
	">":  func(m, l float64) bool { return m > l },
	">=": func(m, l float64) bool { return m >= l || nearlyEqual(m, l) },
	"==": nearlyEqual,
}

// nearlyEqual compares with a relative tolerance of 1e-9: measured values
// come from float arithmetic (rates, shares), and "success == 100%" must
// hold when every request succeeded.
func nearlyEqual(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// EvaluateOne evaluates "metric op limit" against s; limit is in the
// metric's unit (see MetricUnit). A metric without data fails with NoData
// set and a message that says why, because a green threshold must mean
// something was measured.
func EvaluateOne(expr, metric, op string, limit float64, s *results.Summary) results.ThresholdResult {
	unit, _ := MetricUnit(metric)
	tr := results.ThresholdResult{Expr: expr, Metric: metric, Op: op, Limit: limit, Unit: unit}
	if tr.Expr == "" {
		tr.Expr = fmt.Sprintf("%s %s %s", metric, op, fmtValue(limit, unit))
	}
	cmp, okOp := validOps[op]
	if !okOp {
		tr.Message = fmt.Sprintf("invalid operator %q (valid: < <= > >= ==)", op)
		return tr
	}
	v, ok, why, err := Measure(metric, s)
	switch {
	case err != nil:
		tr.Message = err.Error()
		return tr
	case !ok:
		tr.NoData = true
		tr.Message = fmt.Sprintf("no data: %s, so %s could not be measured", why, metric)
		return tr
	}
	tr.Measured = v
	tr.Pass = cmp(v, limit)
	verdict := "within"
	if !tr.Pass {
		verdict = "breaks"
	}
	tr.Message = fmt.Sprintf("%s measured %s, %s the limit %s %s", metric, fmtValue(v, unit), verdict, op, fmtValue(limit, unit))
	return tr
}

// AllPass reports whether every threshold passed (true for none).
func AllPass(ths []results.ThresholdResult) bool {
	for _, t := range ths {
		if !t.Pass {
			return false
		}
	}
	return true
}
