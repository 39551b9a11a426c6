// Package scenarios defines load-test scenarios and their YAML format.
//
// In your own tests, parse a scenario from bytes or a file, or take a
// built-in one, and hand it to load.Run:
//
//	sc, err := scenarios.Parse("sync.yaml", yamlBytes) // errors say file:line:col and the fix
//	sc, err := scenarios.Builtin("steady")            // or scenarios.Load(file)
//	plan := load.PlanFor(sc, load.Shard{})           // requests, duration, peak per 10 s
//
// Scenarios defines load-test scenarios: the Scenario type, its YAML
// format (validated on load with "file:line:col: what is wrong (how to fix)"
// errors), the arrival-rate arithmetic the planner and reports use, and the
// built-in scenarios embedded from builtin/*.yaml.
//
// # Threshold metrics
//
// A threshold is "metric op value" with op one of < <= > >= ==, e.g.
// "p95 < 300ms", "error_rate < 1%", "throughput >= 40/s",
// "contract_violations == 0". Metrics is the one table of the metrics a
// threshold may name, their kinds (duration, percent, rate, count) and what
// each measures; ParseThreshold normalises a value into Threshold.Value in
// the metric's unit (Kind.Unit) and Threshold.Holds compares exactly (the
// reasoning is at ops in threshold.go). Latency metrics count answered
// requests only (any HTTP status); requests without an answer count in
// error_rate. success + error_rate + rate_limited is 100% of requests.
//
// Thresholds that can never hold (error_rate < 0%, success > 100%,
// p95 < 0ms) or always hold (error_rate <= 100%, requests >= 0) are
// rejected when the file is loaded. The reports package measures the
// metrics and evaluates the thresholds with Holds; a threshold with no data
// fails.
//
// # Rate plan
//
// Stages run one after another. Each has a duration, a rate in requests
// (batches) per second and a pacer: constant, linear (ramp from the previous
// stage's rate, 0 for the first), sine (rate ± amplitude over period) or
// step (steps equal steps from the previous stage's rate). Curve is the one
// owner of that arithmetic: the rate r(t), the expected requests N(t) and
// its inverse (when the h-th request is due), per stage and end to end; see
// curve.go for the formulas. The load engine paces and measures late sends
// with it, and Scenario.RateAt, RequestsBy, TotalRequests, PeakRate and
// PeakPer10s (the planner's figures) evaluate it. Scaled and Stretched
// derive the plans of --rate, --duration and shards.
package scenarios
