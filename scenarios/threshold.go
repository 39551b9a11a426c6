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

// Threshold metric names: the scenario YAML vocabulary.
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

// Metric is one row of the threshold table: a name a threshold may use,
// the kind of value it is (which fixes the unit) and what it measures. The
// reports package measures each metric exactly as Measures says; its tests
// check that every row here has a measurement there and no other exists.
type Metric struct {
	Name string
	Kind Kind
	// Measures says what is measured, over which requests, in words; the
	// README's threshold table is MetricsMarkdown.
	Measures string
}

// Metrics is the threshold table, the one list of metrics the scenario
// parser accepts and the reports measure, in documentation order.
//
// Latency counts answered requests only: those that got an HTTP answer,
// whatever its status (Vegeta's code != 0). A request refused, reset or
// timed out has no answer and so no answer time; counting the time until
// it gave up would let a run in which nothing was answered pass a latency
// limit. Such requests count in error_rate (and summary.json's unanswered
// counts) instead.
var Metrics = []Metric{
	{MetricP50, KindDuration, "median latency of answered requests (any HTTP status)"},
	{MetricP90, KindDuration, "90th percentile latency of answered requests"},
	{MetricP95, KindDuration, "95th percentile latency of answered requests"},
	{MetricP99, KindDuration, "99th percentile latency of answered requests"},
	{MetricMax, KindDuration, "slowest answered request"},
	{MetricMean, KindDuration, "mean latency of answered requests"},
	{MetricErrorRate, KindPercent, "requests that failed other than by a 429: no answer (timeout, reset, refused), 5xx, 4xx"},
	{MetricSuccess, KindPercent, "requests answered 2xx or 3xx, as Vegeta counts success (HubSpot answers 200 or 207)"},
	{MetricRateLimited, KindPercent, "requests answered 429 (any policy)"},
	{MetricLateSends, KindPercent, "requests that left later than scheduled (coordinated omission made visible)"},
	{MetricThroughput, KindRate, "successful requests per second"},
	{MetricRate, KindRate, "requests sent per second"},
	{MetricContractViolations, KindCount, "findings of the sampled contract checks"},
	{MetricRequests, KindCount, "requests sent"},
}

// LookupMetric returns the row of the threshold table named name.
func LookupMetric(name string) (Metric, bool) {
	for _, m := range Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// MetricsMarkdown renders the threshold table as the README shows it.
func MetricsMarkdown() string {
	var b strings.Builder
	b.WriteString("| metric | measures | unit |\n| --- | --- | --- |\n")
	for _, m := range Metrics {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", m.Name, m.Measures, m.Kind.example())
	}
	return b.String()
}

// example is how a value of this kind is written, for documentation.
func (k Kind) example() string {
	switch k {
	case KindDuration:
		return "duration: `300ms`, `1.5s`"
	case KindPercent:
		return "percent: `1%`"
	case KindRate:
		return "per second: `40/s`"
	}
	return "count: `0`"
}

// DurationValue is d in the unit of a duration threshold (milliseconds).
// Limits are parsed with it and reports measure with it, so a latency
// equal to a limit in nanoseconds is the same float64 as the limit.
func DurationValue(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// PercentValue is n of total in the unit of a percent threshold: one
// correctly rounded division of whole numbers, so a share that equals a
// decimal limit in real numbers (29 of 100 and "29%") is the same float64
// as the parsed limit. n/total*100 would round twice (28.999999999999996).
// It is 0 when total is 0; callers say "no data" before that.
func PercentValue(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) * 100 / float64(total)
}

// Comparison operators of a threshold.
const (
	OpLess         = "<"
	OpLessEqual    = "<="
	OpGreater      = ">"
	OpGreaterEqual = ">="
	OpEqual        = "=="
)

// comparison is an operator and what it means.
type comparison struct {
	op    string
	holds func(measured, limit float64) bool
}

func lookupOp(op string) (comparison, bool) {
	for _, o := range ops {
		if o.op == op {
			return o, true
		}
	}
	return comparison{}, false
}

// ops is every operator with its comparison, longest spelling first so the
// parser reads "<=" before "<".
//
// Comparisons are exact, without tolerance. A tolerance makes a limit mean
// two things: with the relative 1e-9 that reports once applied to <=, >=
// and == (but not to < and >), a p95 a hair below 300ms held both
// "p95 >= 300ms" and "p95 < 300ms". Exactness is fair because values are
// measured so that one equal to the limit in real numbers is the same
// float64 as the parsed limit: latencies are whole nanoseconds converted by
// DurationValue like the limit; percentages are PercentValue of whole
// counts, one correctly rounded division, like the parsed decimal; counts
// are whole. Rates are a count over a measured duration and land exactly on
// a decimal limit only by chance, which no tolerance would make fairer.
var ops = []comparison{
	{OpLessEqual, func(m, l float64) bool { return m <= l }},
	{OpGreaterEqual, func(m, l float64) bool { return m >= l }},
	{OpEqual, func(m, l float64) bool { return m == l }},
	{OpLess, func(m, l float64) bool { return m < l }},
	{OpGreater, func(m, l float64) bool { return m > l }},
}

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
	m, _ := LookupMetric(t.Metric)
	return m.Kind
}

// Holds reports whether measured (in t.Unit) satisfies the threshold,
// compared exactly (see ops); false for an unknown operator.
func (t Threshold) Holds(measured float64) bool {
	o, ok := lookupOp(t.Op)
	return ok && o.holds(measured, t.Value)
}

// Check returns an error when t is malformed (unknown metric or operator,
// a unit that is not its metric's, no finite value), can never hold or
// always holds: each of those is a mistake in the scenario, not a
// measurement. ParseThreshold and Validate refuse such thresholds.
func (t Threshold) Check() error {
	if p := checkThreshold(t); p != nil {
		return p
	}
	return nil
}

// String is the threshold as written.
func (t Threshold) String() string { return t.Expr }

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
	m, ok := LookupMetric(name)
	if !ok {
		fix := "valid metrics: " + strings.Join(metricNames(), ", ")
		if sug := suggest(name, metricNames()); sug != "" {
			fix = fmt.Sprintf("did you mean %s? %s", sug, fix)
		}
		return Threshold{}, &problem{fmt.Sprintf("unknown threshold metric %q", name), fix}
	}
	op := ""
	for _, o := range ops {
		if strings.HasPrefix(rest, o.op) {
			op = o.op
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
		return DurationValue(d), nil
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
	m, ok := LookupMetric(t.Metric)
	if !ok {
		return &problem{fmt.Sprintf("unknown threshold metric %q", t.Metric), "valid metrics: " + strings.Join(metricNames(), ", ")}
	}
	if t.Unit != m.Kind.Unit() {
		return &problem{fmt.Sprintf("threshold %q has unit %q, %s needs %q", t.Expr, t.Unit, m.Name, m.Kind.Unit()), exampleFix(m)}
	}
	if _, ok := lookupOp(t.Op); !ok {
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
