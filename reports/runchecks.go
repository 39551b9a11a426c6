package reports

import (
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Names of the run checks (results.RunCheck.Name), stable for CI.
const (
	// RunCheckAnswered fails when no request got an answer: with nothing
	// answered, no latency was measured and no threshold on it can pass.
	RunCheckAnswered = "requests-answered"
	// RunCheckCompleted fails when the run was interrupted: its figures
	// cover part of the plan, so its verdict is VerdictInterrupted, never
	// a pass.
	RunCheckCompleted = "run-completed"
)

// runCheck is one check over the whole run: its name and how it is
// judged, from the summary and the scenario as it ran (nil when the
// summary recorded none). New checks are a row here; every output renders
// them all.
type runCheck struct {
	name  string
	judge func(s *results.Summary, sc *scenarios.Scenario) results.RunCheck
	// applies says whether the check speaks of this run (nil: always).
	applies func(s *results.Summary, sc *scenarios.Scenario) bool
}

var runChecks = append([]runCheck{
	{name: RunCheckCompleted, judge: ofSummary(checkCompleted)},
	{name: RunCheckAnswered, judge: ofSummary(checkAnswered)},
	{name: RunCheckRate, judge: checkRate, applies: hasRate},
	{name: RunCheckShardsComplete, judge: ofSummary(checkShardsComplete), applies: ofSummary(expecting)},
	{name: RunCheckShardsTogether, judge: ofSummary(checkShardsTogether), applies: ofSummary(merging)},
}, invariantRunChecks()...) // one per run-wide invariant (invariants.go)

// ofSummary adapts a rule that needs only the summary.
func ofSummary[T any](f func(s *results.Summary) T) func(*results.Summary, *scenarios.Scenario) T {
	return func(s *results.Summary, _ *scenarios.Scenario) T { return f(s) }
}

// judgeRun evaluates every run check of s, in order; sc is the scenario
// as it ran (nil: not recorded).
func judgeRun(s *results.Summary, sc *scenarios.Scenario) []results.RunCheck {
	out := make([]results.RunCheck, 0, len(runChecks))
	for _, c := range runChecks {
		if c.applies != nil && !c.applies(s, sc) {
			continue
		}
		rc := c.judge(s, sc)
		rc.Name = c.name
		out = append(out, rc)
	}
	return out
}

func checkAnswered(s *results.Summary) results.RunCheck {
	n, answered := s.Metrics.Requests, s.Answered.Requests
	rc := results.RunCheck{Count: n - min(answered, n), Of: n}
	switch {
	case n == 0:
		rc.Message = "no requests were recorded: nothing was measured"
	case answered == 0:
		rc.Message = fmt.Sprintf("no request was answered: %s sent, none got an HTTP answer (%s), so no latency was measured",
			fmtCount(n), countsLabel(s.Unanswered))
	default:
		rc.Pass = true
		rc.Message = fmt.Sprintf("%s of %s requests answered", fmtCount(answered), fmtCount(n))
		if rc.Count > 0 {
			rc.Message += fmt.Sprintf("; no answer: %s", countsLabel(s.Unanswered))
		}
	}
	return rc
}

func checkCompleted(s *results.Summary) results.RunCheck {
	ran := s.Run.EndedAt.Sub(s.Run.StartedAt)
	if s.Run.StartedAt.IsZero() || s.Run.EndedAt.IsZero() || ran < 0 {
		ran = s.Metrics.Duration + s.Metrics.Wait
	}
	ran = ran.Round(100 * time.Millisecond)
	if s.Run.Interrupted {
		return results.RunCheck{Message: fmt.Sprintf("interrupted after %s of the planned %s: the figures cover part of the run, so it cannot pass",
			ran, s.Run.Planned)}
	}
	return results.RunCheck{Pass: true, Message: fmt.Sprintf("ran to the end of the planned %s", s.Run.Planned)}
}
