// Package scenarios defines load-test scenarios: the Scenario type, its YAML
// format (validated on load with "file:line:col: what is wrong (how to fix)"
// errors), the arrival-rate arithmetic the planner and reports use, and the
// built-in scenarios embedded from builtin/*.yaml.
//
// # Threshold metrics
//
// A threshold is "metric op value" with op one of < <= > >= ==. Values are
// normalised into Threshold.Value in the metric's unit (Kind.Unit):
//
//	p50 p90 p95 p99 max mean   latency of all requests          duration: 300ms, 1s, 1.5s → milliseconds
//	error_rate                 requests that failed other than by a 429: transport errors,
//	                           timeouts, resets, 5xx and 4xx answers   percent: 1% → 1
//	success                    requests answered 2xx (200 and 207)     percent
//	rate_limited               requests answered 429 (any policy)      percent
//	late_sends                 requests that left later than scheduled
//	                           (summary lateSends.share)               percent
//	throughput                 successful requests per second (Vegeta's throughput)  rate: 40/s → 40
//	rate                       requests sent per second (Vegeta's rate)              rate
//	contract_violations        findings of the sampled contract checks               count: 0
//	requests                   requests sent                                         count
//
// success + error_rate + rate_limited is 100% of requests. Thresholds that
// can never hold (error_rate < 0%, success > 100%, p95 < 0ms) or always hold
// (error_rate <= 100%, requests >= 0) are rejected when the file is loaded.
// The reports package measures the metrics and evaluates the thresholds; a
// threshold with no data fails.
//
// # Rate plan
//
// Stages run one after another. Each has a duration, a rate in requests
// (batches) per second and a pacer: constant, linear (ramp from the previous
// stage's rate, 0 for the first), sine (rate ± amplitude over period) or
// step (steps equal steps from the previous stage's rate). Scenario.RateAt,
// RequestsBy, TotalRequests, PeakRate and PeakPer10s evaluate the plan
// exactly; see plan.go for the formulas.
package scenarios
