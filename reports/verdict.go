package reports

import (
	"fmt"
	"sort"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/results"
)

// Verdicts.
const (
	VerdictPass = results.VerdictPass
	VerdictFail = results.VerdictFail
)

// Statuses of a contract check verdict (the contract suite's vocabulary).
const (
	StatusPass = "pass"
	StatusFail = "fail"
	StatusSkip = "skip"
)

// CheckVerdict is the outcome of one contract check: a suite check, or a
// check applied to the responses sampled under load.
type CheckVerdict struct {
	// Name is the check name; Case names the suite case when there is one.
	Name contract.CheckName `json:"name"`
	Case string             `json:"case,omitempty"`
	// Source is "load" (sampled responses) or "suite" (contract suite).
	Source string `json:"source"`
	Status string `json:"status"`
	// Findings counts the findings of this check.
	Findings uint64 `json:"findings"`
	Message  string `json:"message"`
	// Detail is the first finding in full, for failure messages.
	Detail string `json:"detail,omitempty"`
}

// Sources of a CheckVerdict.
const (
	SourceLoad  = "load"
	SourceSuite = "suite"
)

// sampledAll names the verdict over every check applied to sampled responses.
const sampledAll contract.CheckName = "sampled-responses"

// sampledChecks turns the contract section of a summary into one verdict
// per check. The sampled checks that found nothing do not appear in
// ByCheck, so "sampled responses" stands for all of them; a sample that was
// asked for but never checked fails: a contract check that never ran is
// not a pass.
func sampledChecks(s *results.Summary, findings []contract.Finding) []CheckVerdict {
	c := &s.Contract
	all := CheckVerdict{Name: sampledAll, Source: SourceLoad}
	switch {
	case c.SampleRate <= 0 && c.Sampled == 0:
		all.Status = StatusSkip
		all.Message = "the scenario sampled no responses for contract checks (sample: 0)"
	case c.Checked == 0:
		all.Status = StatusFail
		all.Message = fmt.Sprintf("contract checks never ran: sample %.2f%%, %d sampled, 0 checked, %d dropped", c.SampleRate*100, c.Sampled, c.Dropped)
	case c.Violations > 0:
		all.Status = StatusFail
		all.Findings = c.Violations
		all.Message = fmt.Sprintf("%d violations in %d checked responses (%d sampled, %d dropped)", c.Violations, c.Checked, c.Sampled, c.Dropped)
	default:
		all.Status = StatusPass
		all.Message = fmt.Sprintf("%d checked responses kept the contract (%d sampled, %d dropped)", c.Checked, c.Sampled, c.Dropped)
	}
	out := []CheckVerdict{all}
	names := make([]string, 0, len(c.ByCheck))
	for n := range c.ByCheck {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		cnt := c.ByCheck[contract.CheckName(n)]
		if cnt == 0 {
			continue
		}
		v := CheckVerdict{Name: contract.CheckName(n), Source: SourceLoad, Status: StatusFail, Findings: cnt,
			Message: fmt.Sprintf("%s: %d findings in sampled responses", n, cnt)}
		for _, f := range findings {
			if string(f.Check) == n {
				v.Detail = f.Error()
				break
			}
		}
		out = append(out, v)
	}
	return out
}
