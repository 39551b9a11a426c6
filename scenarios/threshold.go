package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is what a threshold metric measures, which fixes its unit.
type Kind string

const (
	KindDuration Kind = "duration" // latency, in milliseconds
	KindPercent  Kind = "percent"  // share of requests, 0–100
	KindRate     Kind = "rate"     // per second
	KindCount    Kind = "count"    // whole number
)

// Units of Threshold.Value, matching results.ThresholdResult.Unit.
const (
	UnitMillis    = "ms"
	UnitPercent   = "%"
	UnitPerSecond = "/s"
	UnitCount     = ""
)

// Unit is the unit a Threshold.Value of this kind is expressed in.
func (k Kind) Unit() string {
	switch k {
	case KindDuration:
		return UnitMillis
	case KindPercent:
		return UnitPercent
	case KindRate:
		return UnitPerSecond
	}
	return UnitCount
}

// Metric describes one metric a threshold can name. The reports package
// measures them; the definitions are in doc.go.
type Metric struct {
	Name        string
	Kind        Kind
	Description string
}

// Metrics lists every threshold metric, in documentation order.
var Metrics = []Metric{
	{"p50", KindDuration, "median latency"},
	{"p90", KindDuration, "90th percentile latency"},
	{"p95", KindDuration, "95th percentile latency"},
	{"p99", KindDuration, "99th percentile latency"},
	{"max", KindDuration, "slowest request"},
	{"mean", KindDuration, "mean latency"},
	{"error_rate", KindPercent, "requests that failed other than by a 429: transport errors, timeouts, 5xx, 4xx"},
	{"success", KindPercent, "requests answered 2xx (200 and 207)"},
	{"rate_limited", KindPercent, "requests answered 429"},
	{"late_sends", KindPercent, "requests that left later than scheduled (coordinated omission)"},
	{"throughput", KindRate, "successful requests per second"},
	{"rate", KindRate, "requests sent per second"},
	{"contract_violations", KindCount, "findings of the sampled contract checks"},
	{"requests", KindCount, "requests sent"},
}

// Comparison operators of a threshold.
const (
	OpLess         = "<"
	OpLessEqual    = "<="
	OpGreater      = ">"
	OpGreaterEqual = ">="
	OpEqual        = "=="
)

// Threshold is one pass/fail condition, e.g. "p95 < 300ms".
type Threshold struct {
	Expr   string // as written
	Metric string // one of Metrics
	Op     string // < <= > >= ==
	// Value is normalised to Unit: milliseconds for durations, percent
	// (0–100) for shares, per second for rates, a whole number for counts.
	Value float64
	Unit  string
	Line  int // line in the scenario file; 0 when not from a file
}

// Kind of the threshold's metric ("" for an unknown metric).
func (t Threshold) Kind() Kind {
	m, _ := metricByName(t.Metric)
	return m.Kind
}

// Holds reports whether measured (in t.Unit) satisfies the threshold.
func (t Threshold) Holds(measured float64) bool {
	switch t.Op {
	case OpLess:
		return measured < t.Value
	case OpLessEqual:
		return measured <= t.Value
	case OpGreater:
		return measured > t.Value
	case OpGreaterEqual:
		return measured >= t.Value
	case OpEqual:
		return measured == t.Value
	}
	return false
}

// String is the threshold as written.
func (t Threshold) String() string { return t.Expr }

func metricByName(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

func metricNames() []string {
	names := make([]string, len(Metrics))
	for i, m := range Metrics {
		names[i] = m.Name
	}
	return names
}

// problem is a validation failure before it is given a place in a file.
type problem struct{ msg, fix string }

func (p *problem) Error() string {
	if p.fix == "" {
		return p.msg
	}
	return p.msg + " (" + p.fix + ")"
}

// ParseThreshold parses "metric op value", e.g. "p95 < 300ms",
// "error_rate < 1%", "throughput >= 40/s", "contract_violations == 0".
// Thresholds that can never hold, or always hold, are errors.
func ParseThreshold(expr string) (Threshold, error) {
	t, p := parseThreshold(expr)
	if p != nil {
		return Threshold{}, p
	}
	return t, nil
}

func parseThreshold(expr string) (Threshold, *problem) {
	s := strings.TrimSpace(expr)
	if s == "" {
		return Threshold{}, &problem{"empty threshold", `write "metric op value", e.g. "p95 < 300ms"`}
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	name := strings.ToLower(s[:i])
	rest := strings.TrimLeft(s[i:], " \t")
	if name == "" {
		return Threshold{}, &problem{fmt.Sprintf("threshold %q does not start with a metric", s), `write "metric op value", e.g. "p95 < 300ms"`}
	}
	m, ok := metricByName(name)
	if !ok {
		fix := "valid metrics: " + strings.Join(metricNames(), ", ")
		if sug := suggest(name, metricNames()); sug != "" {
			fix = fmt.Sprintf("did you mean %s? %s", sug, fix)
		}
		return Threshold{}, &problem{fmt.Sprintf("unknown threshold metric %q", name), fix}
	}
	op := ""
	for _, o := range []string{OpLessEqual, OpGreaterEqual, OpEqual, OpLess, OpGreater} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		fix := "use one of < <= > >= =="
		if strings.HasPrefix(rest, "=") {
			fix = "use == to compare for equality"
		}
		return Threshold{}, &problem{fmt.Sprintf("threshold %q has no comparison after %s", s, name), fix}
	}
	raw := strings.TrimSpace(rest[len(op):])
	if raw == "" {
		return Threshold{}, &problem{fmt.Sprintf("threshold %q has no value after %s", s, op), exampleFix(m)}
	}
	v, p := parseThresholdValue(m, raw)
	if p != nil {
		return Threshold{}, p
	}
	t := Threshold{Expr: s, Metric: m.Name, Op: op, Value: v, Unit: m.Kind.Unit()}
	if p := checkThreshold(t); p != nil {
		return Threshold{}, p
	}
	return t, nil
}

func exampleFix(m Metric) string {
	switch m.Kind {
	case KindDuration:
		return fmt.Sprintf("%s is a latency: write a duration, e.g. %s < 300ms", m.Name, m.Name)
	case KindPercent:
		return fmt.Sprintf("%s is a share of requests: write a percentage, e.g. %s < 1%%", m.Name, m.Name)
	case KindRate:
		return fmt.Sprintf("%s is per second: write e.g. %s >= 40/s", m.Name, m.Name)
	}
	return fmt.Sprintf("%s is a count: write a whole number, e.g. %s == 0", m.Name, m.Name)
}

// parseThresholdValue reads raw in the unit the metric needs and normalises it.
func parseThresholdValue(m Metric, raw string) (float64, *problem) {
	wrong := func() (float64, *problem) {
		return 0, &problem{fmt.Sprintf("%q is not a valid value for %s", raw, m.Name), exampleFix(m)}
	}
	switch m.Kind {
	case KindDuration:
		if _, err := strconv.ParseFloat(raw, 64); err == nil {
			return 0, &problem{fmt.Sprintf("%s value %q has no unit", m.Name, raw), exampleFix(m)}
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return wrong()
		}
		return float64(d) / float64(time.Millisecond), nil
	case KindPercent:
		num, ok := strings.CutSuffix(raw, "%")
		if !ok {
			return wrong()
		}
		return parseNumber(strings.TrimSpace(num), m, raw)
	case KindRate:
		num, ok := strings.CutSuffix(raw, "/s")
		if !ok {
			return wrong()
		}
		return parseNumber(strings.TrimSpace(num), m, raw)
	}
	v, p := parseNumber(raw, m, raw)
	if p != nil {
		return 0, p
	}
	if v != math.Trunc(v) {
		return 0, &problem{fmt.Sprintf("%s is a count, %q is not a whole number", m.Name, raw), exampleFix(m)}
	}
	return v, nil
}

func parseNumber(num string, m Metric, raw string) (float64, *problem) {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(num, "xXpP_") {
		return 0, &problem{fmt.Sprintf("%q is not a valid value for %s", raw, m.Name), exampleFix(m)}
	}
	return v, nil
}

// checkThreshold rejects thresholds that are malformed, can never hold or
// always hold: each of those is a mistake in the file, not a measurement.
func checkThreshold(t Threshold) *problem {
	m, ok := metricByName(t.Metric)
	if !ok {
		return &problem{fmt.Sprintf("unknown threshold metric %q", t.Metric), "valid metrics: " + strings.Join(metricNames(), ", ")}
	}
	if t.Unit != m.Kind.Unit() {
		return &problem{fmt.Sprintf("threshold %q has unit %q, %s needs %q", t.Expr, t.Unit, m.Name, m.Kind.Unit()), exampleFix(m)}
	}
	switch t.Op {
	case OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpEqual:
	default:
		return &problem{fmt.Sprintf("threshold %q has unknown operator %q", t.Expr, t.Op), "use one of < <= > >= =="}
	}
	v := t.Value
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &problem{fmt.Sprintf("threshold %q has no finite value", t.Expr), exampleFix(m)}
	}
	if v < 0 {
		return &problem{fmt.Sprintf("threshold %q compares with a negative value; %s is never negative", t.Expr, m.Name), exampleFix(m)}
	}
	upper := math.Inf(1)
	if m.Kind == KindPercent {
		upper = 100
		if v > 100 {
			return &problem{fmt.Sprintf("threshold %q is above 100%%; %s is between 0%% and 100%%", t.Expr, m.Name), exampleFix(m)}
		}
	}
	switch {
	case t.Op == OpLess && v == 0 && m.Kind == KindDuration:
		return &problem{fmt.Sprintf("threshold %q can never hold: %s is never below 0ms", t.Expr, m.Name), fmt.Sprintf("use a limit above 0, e.g. %s < 300ms", m.Name)}
	case t.Op == OpLess && v == 0:
		return &problem{fmt.Sprintf("threshold %q can never hold: %s is never below %s", t.Expr, m.Name, zero(m)), fmt.Sprintf("use %s == %s to require none, or a limit above %s", m.Name, zero(m), zero(m))}
	case t.Op == OpGreater && v == upper:
		return &problem{fmt.Sprintf("threshold %q can never hold: %s is never above 100%%", t.Expr, m.Name), fmt.Sprintf("use %s == 100%% or a limit below 100%%", m.Name)}
	case t.Op == OpGreaterEqual && v == 0:
		return &problem{fmt.Sprintf("threshold %q always holds and checks nothing", t.Expr), fmt.Sprintf("use %s > %s to require some, or remove it", m.Name, zero(m))}
	case t.Op == OpLessEqual && v == upper:
		return &problem{fmt.Sprintf("threshold %q always holds and checks nothing", t.Expr), fmt.Sprintf("use %s < 100%% or remove it", m.Name)}
	case m.Kind == KindDuration && v == 0 && (t.Op == OpLessEqual || t.Op == OpEqual):
		return &problem{fmt.Sprintf("threshold %q can never hold: no request takes 0ms", t.Expr), fmt.Sprintf("use a limit above 0, e.g. %s < 300ms", m.Name)}
	case m.Kind == KindCount && v != math.Trunc(v):
		return &problem{fmt.Sprintf("threshold %q: %s is a count, not a fraction", t.Expr, m.Name), exampleFix(m)}
	}
	return nil
}

func zero(m Metric) string {
	switch m.Kind {
	case KindDuration:
		return "0ms"
	case KindPercent:
		return "0%"
	case KindRate:
		return "0/s"
	}
	return "0"
}
