package reports

import (
	"fmt"
	"sort"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
)

// Verdicts: pass, fail, or interrupted (a run stopped before its planned
// end, which never passes and is never a baseline).
const (
	VerdictPass        = results.VerdictPass
	VerdictFail        = results.VerdictFail
	VerdictInterrupted = results.VerdictInterrupted
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
func sampledChecks(s *results.Summary, findings []results.Finding) []CheckVerdict {
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
		cnt := c.ByCheck[n]
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

// checkRows are the contract checks as people read them: every sampled
// check, then the suite as one line per check name (its cases counted),
// and every suite case that failed or was skipped with its reason. JUnit
// keeps one test case per suite case; a terminal does not need 150 lines
// of "passed".
type checkRow struct {
	Status, Label, Message string
}

func (r *Report) checkRows(detailed bool) []checkRow {
	var rows []checkRow
	type group struct {
		name                 string
		pass, fail, skip     int
		firstFail, firstSkip string
	}
	var order []string
	groups := map[string]*group{}
	var cases []CheckVerdict
	for _, c := range r.Checks {
		if c.Source != SourceSuite {
			msg := c.Message
			if detailed && c.Status == StatusFail && c.Detail != "" {
				msg += " — first: " + c.Detail
			}
			rows = append(rows, checkRow{Status: c.Status, Label: checkLabel(c), Message: msg})
			continue
		}
		g := groups[string(c.Name)]
		if g == nil {
			g = &group{name: string(c.Name)}
			groups[g.name] = g
			order = append(order, g.name)
		}
		switch c.Status {
		case StatusPass:
			g.pass++
		case StatusFail:
			g.fail++
			cases = append(cases, c)
		default:
			g.skip++
			cases = append(cases, c)
		}
	}
	if len(order) == 0 {
		return rows
	}
	if detailed {
		for _, n := range order {
			g := groups[n]
			st := StatusPass
			switch {
			case g.fail > 0:
				st = StatusFail
			case g.pass == 0:
				st = StatusSkip
			}
			rows = append(rows, checkRow{Status: st, Label: n + " (suite)", Message: fmt.Sprintf("cases: %d passed, %d failed, %d skipped", g.pass, g.fail, g.skip)})
		}
	} else {
		var pass, fail, skip int
		for _, g := range groups {
			pass, fail, skip = pass+g.pass, fail+g.fail, skip+g.skip
		}
		st := StatusPass
		if fail > 0 {
			st = StatusFail
		}
		rows = append(rows, checkRow{Status: st, Label: "contract suite", Message: fmt.Sprintf("%d checks, %d results: %d passed, %d failed, %d skipped", len(order), pass+fail+skip, pass, fail, skip)})
	}
	for _, c := range cases {
		msg := c.Message
		if c.Status == StatusFail && c.Detail != "" {
			msg = c.Detail
		}
		rows = append(rows, checkRow{Status: c.Status, Label: checkLabel(c), Message: msg})
	}
	return rows
}
