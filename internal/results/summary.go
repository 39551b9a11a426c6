package results

import (
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// SchemaVersion is the version of the summary.json layout. Bump it on any
// change a reader of older files would misread.
//
//   - 1: the first layout.
//   - 2: answered and unanswered (latency of answered requests only, and
//     the requests that got no answer, by class); verdict "interrupted".
//     ParseSummary upgrades a version 1 file where that is exact.
const SchemaVersion = 2

// File names inside a run's output folder.
const (
	ResultsFile  = "results.bin"
	SummaryFile  = "summary.json"
	FindingsFile = "findings.jsonl"
)

// Synthetic headers the load engine adds to each *vegeta.Result before it is
// encoded, so that everything a report needs can be recomputed from the
// results files alone (shards merge without their summaries). They never
// travel over the network.
const (
	// HeaderLateNanos is how long after its scheduled time a request left,
	// in nanoseconds (absent or 0 when it left on time).
	HeaderLateNanos = "X-Upsertbench-Late-Ns"
	// HeaderRateLimitPolicy is the policyName of a 429 answer
	// (TEN_SECONDLY_ROLLING, DAILY, or UNKNOWN when the body named none).
	HeaderRateLimitPolicy = "X-Upsertbench-Policy"
	// HeaderSampled is "1" when the response was sampled for contract checks.
	HeaderSampled = "X-Upsertbench-Sampled"
)

// Error classes of failed requests.
const (
	ClassTimeout = "timeout"
	ClassReset   = "reset"
	ClassRefused = "refused"
	Class5xx     = "5xx"
	Class4xx     = "4xx" // 4xx other than 429, which is counted by policy
	ClassOther   = "other"
)

// Summary is summary.json: one run (or the merge of several shards).
type Summary struct {
	SchemaVersion int `json:"schemaVersion"`
	// Verdict is VerdictPass, VerdictFail or VerdictInterrupted once the
	// reports package judged the run, "" before.
	Verdict string `json:"verdict,omitempty"`

	Run RunInfo `json:"run"`

	// Metrics has exactly the fields of `vegeta report -type=json`, so
	// its figures compare with Vegeta's own. Its latencies count every
	// request, including those that got no answer (the time until they
	// gave up); no figure upsertbench shows or judges comes from them: see
	// Answered.
	Metrics vegeta.Metrics `json:"metrics"`

	// Answered is the latency of the requests that got an HTTP answer,
	// whatever its status (Vegeta's code != 0). Every latency figure
	// upsertbench shows and judges (reports, thresholds, baselines,
	// history, charts) comes from here.
	Answered AnsweredLatency `json:"answered"`
	// Unanswered counts the requests that got no answer, by class:
	// ClassTimeout, ClassReset, ClassRefused and ClassOther (every key
	// present). They count in ErrorClasses too, under the same class.
	Unanswered map[string]uint64 `json:"unanswered"`

	// RequestedRate is what the scenario asked for on average (requests/s);
	// AchievedRate is what was sent (Metrics.Rate).
	RequestedRate float64 `json:"requestedRate"`
	AchievedRate  float64 `json:"achievedRate"`

	LateSends LateSends `json:"lateSends"`
	// RateLimited counts 429 answers by policyName.
	RateLimited map[string]uint64 `json:"rateLimited"`
	// ErrorClasses counts failed requests by class (Class* constants).
	ErrorClasses map[string]uint64 `json:"errorClasses"`
	// ErrorsOmitted counts results whose error text was left out of
	// Metrics.Errors because DefaultMaxErrors distinct texts were kept
	// already (they still count everywhere else).
	ErrorsOmitted uint64 `json:"errorsOmitted,omitempty"`

	Contract ContractSummary `json:"contract"`
	// Invariants are the run-wide invariants over every answer, the
	// read-back verification and the full schema check under load (nil:
	// a summary from before they existed, or a run that had none).
	Invariants *InvariantsSummary `json:"invariants,omitempty"`

	// RunChecks are the checks over the whole run (was anything
	// answered, did it run to the end), in the order the reports show them.
	RunChecks  []RunCheck        `json:"runChecks,omitempty"`
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Baseline   *BaselineReport   `json:"baseline,omitempty"`
}

// RunCheck is one named check over the whole run, judged by the reports
// package: not a threshold the scenario chose, but a condition without
// which no verdict can be a pass.
type RunCheck struct {
	// Name is stable (e.g. "requests-answered"), for CI and scripts.
	Name string `json:"name"`
	Pass bool   `json:"pass"`
	// Count is how many items broke the rule, of Of items checked (for
	// requests-answered: requests without an answer, of all requests);
	// both 0 when the check counts nothing.
	Count uint64 `json:"count"`
	Of    uint64 `json:"of"`
	// Message says what was found, in words.
	Message string `json:"message"`
	// NotChecked marks a check that did not run for a reason the run
	// itself gave (a scenario without trace ids, read-back turned off),
	// said in Message: never a pass (Pass is false), and not a failure of
	// the verdict either.
	NotChecked bool `json:"notChecked,omitempty"`
	// Description says what the check holds the run to (the run-wide
	// invariants').
	Description string `json:"description,omitempty"`
	// Offenders are the first offending keys of a run-wide invariant,
	// each with the two answers that conflict (at most
	// DefaultMaxOffenders; Count has them all).
	Offenders []Offender `json:"offenders,omitempty"`
}

// AnsweredLatency is the latency of the requests that got an HTTP answer.
type AnsweredLatency struct {
	// Requests is how many requests got an answer (any status code).
	Requests uint64 `json:"requests"`
	// Latencies are Vegeta's latency figures (the fields and JSON names
	// of metrics.latencies, from the same t-digest) over the answered
	// requests only; all zero when Requests is 0.
	Latencies vegeta.LatencyMetrics `json:"latencies"`
}

// RunInfo records what makes a run reproducible. It never holds a token.
type RunInfo struct {
	Scenario    string    `json:"scenario"`
	Description string    `json:"description,omitempty"`
	Seed        uint64    `json:"seed"`
	Shards      []Shard   `json:"shards"`
	Target      string    `json:"target"`
	Emulated    bool      `json:"emulated"`
	ToolVersion string    `json:"toolVersion"`
	StartedAt   time.Time `json:"startedAt"`
	EndedAt     time.Time `json:"endedAt"`
	// Planned is the planned attack duration; the run may end earlier when
	// interrupted.
	Planned time.Duration `json:"planned"`
	// Interrupted is true when the attack was stopped early (SIGINT).
	Interrupted bool `json:"interrupted"`
	// ScenarioFile is the scenario as it ran (YAML), so a report can
	// re-evaluate its thresholds.
	ScenarioYAML string `json:"scenarioYAML,omitempty"`
	// ScenarioHash is ScenarioHash(ScenarioYAML): shards of one run agree.
	ScenarioHash string `json:"scenarioHash,omitempty"`
	// PlannedStart is the instant the run was told to start (load
	// --start-at), zero when it started once it was ready. StartedAt is
	// where its schedule actually began.
	PlannedStart time.Time `json:"plannedStart,omitzero"`
	// PlannedFirstSend is when the first request was due (PlannedStart,
	// else StartedAt, plus the schedule's first offset); FirstSend is when
	// it left. Both zero when nothing was sent.
	PlannedFirstSend time.Time `json:"plannedFirstSend,omitzero"`
	FirstSend        time.Time `json:"firstSend,omitzero"`
	// Merge is set on a merge of shards: which were expected and missing,
	// the start skew and the window every shard was sending in.
	Merge *MergeInfo `json:"merge,omitempty"`
}

// Shard identifies one process of a sharded run: Index of Count (1-based).
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// LateSends makes coordinated omission visible: how often, and how late, a
// request left after the time the pacer scheduled it.
type LateSends struct {
	// Count of requests that left more than LateAfter past schedule.
	Count uint64 `json:"count"`
	// Share is Count / requests.
	Share float64 `json:"share"`
	// Mean, P99 and Max are over the late sends only: how late a send was
	// when it was late (P99 from a log-linear histogram, within ~3%).
	Mean time.Duration `json:"mean"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
	// LateAfter is the tolerance below which a send counts as on time.
	LateAfter time.Duration `json:"lateAfter"`
}

// ContractSummary is what the sampled contract checks found under load.
type ContractSummary struct {
	// SampleRate is the share of responses the scenario asked to check.
	SampleRate float64 `json:"sampleRate"`
	Sampled    uint64  `json:"sampled"`
	Checked    uint64  `json:"checked"`
	// Dropped counts samples skipped because the checker fell behind.
	Dropped    uint64 `json:"dropped"`
	Violations uint64 `json:"violations"`
	// ByCheck counts findings per check name.
	ByCheck map[string]uint64 `json:"byCheck"`
	// Findings holds the first findings (capped); all of them are in findings.jsonl.
	Findings []Finding `json:"findings,omitempty"`
}

// ThresholdResult is the verdict of one scenario threshold.
type ThresholdResult struct {
	// Expr is the threshold as written, e.g. "p95 < 300ms".
	Expr     string  `json:"expr"`
	Metric   string  `json:"metric"`
	Op       string  `json:"op"`
	Limit    float64 `json:"limit"`
	Measured float64 `json:"measured"`
	// Unit of Limit and Measured: "ms", "%", "/s" or "" for counts.
	Unit   string `json:"unit"`
	Pass   bool   `json:"pass"`
	NoData bool   `json:"noData"`
	// Message says measured vs limit in words.
	Message string `json:"message"`
}

// BaselineReport compares this run with an earlier summary.json.
type BaselineReport struct {
	File        string        `json:"file"`
	StartedAt   time.Time     `json:"startedAt"`
	Deltas      []MetricDelta `json:"deltas"`
	Regressions []string      `json:"regressions,omitempty"`
	// NotCompared lists each regression-gated metric that could not be
	// compared (no data on one side), so a gate that could not act shows.
	NotCompared []NotCompared  `json:"notCompared,omitempty"`
	Tolerances  BaselineLimits `json:"tolerances"`
}

// NotCompared is a gated metric a baseline comparison had to leave out.
type NotCompared struct {
	Metric string `json:"metric"`
	// Reason says which side had no data and why.
	Reason string `json:"reason"`
}

// BaselineLimits are the relative changes that count as a regression.
type BaselineLimits struct {
	Latency    float64 `json:"latency"`    // p95/p99 worse by more than this share (default 0.10)
	Throughput float64 `json:"throughput"` // throughput worse by more than this share (default 0.05)
	Success    float64 `json:"success"`    // success ratio worse by more than this share (default 0.05)
}

// MetricDelta is one metric then and now.
type MetricDelta struct {
	Metric   string  `json:"metric"`
	Unit     string  `json:"unit"`
	Baseline float64 `json:"baseline"`
	Current  float64 `json:"current"`
	// Change is (Current-Baseline)/Baseline; 0 when Baseline is 0.
	Change float64 `json:"change"`
	// Worse is true when the change goes in the bad direction for this metric.
	Worse      bool `json:"worse"`
	Regression bool `json:"regression"`
}
