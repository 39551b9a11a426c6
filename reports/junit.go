package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/upsertbench/upsertbench/internal/junit"
	"github.com/upsertbench/upsertbench/internal/results"
)

// WriteJUnit writes junit.xml: one test case per threshold, per contract
// check and per baseline regression rule, each failure saying measured vs
// limit.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.Summary
	duration := junit.Seconds(s.Metrics.Duration + s.Metrics.Wait)
	ts := junit.Timestamp(s.Run.StartedAt)
	props := []junit.Property{
		{Name: "scenario", Value: s.Run.Scenario},
		{Name: "seed", Value: strconv.FormatUint(s.Run.Seed, 10)},
		{Name: "target", Value: s.Run.Target},
		{Name: "emulated", Value: strconv.FormatBool(s.Run.Emulated)},
		{Name: "toolVersion", Value: s.Run.ToolVersion},
		{Name: "shards", Value: shardLabel(s.Run.Shards)},
		{Name: "verdict", Value: s.Verdict},
	}

	run := junit.TestSuite{Name: "upsertbench.run", Time: duration, Timestamp: ts, Properties: props}
	for _, c := range s.RunChecks {
		tc := junit.TestCase{Name: c.Name}
		switch runCheckStatus(c) {
		case StatusFail:
			tc.Failure = &junit.Failure{Type: runCheckFailureType(c.Name), Message: c.Message, Text: runCheckFailureText(c)}
		case StatusSkip:
			tc.Skipped = &junit.Skipped{Message: c.Message}
		}
		run.Cases = append(run.Cases, tc)
	}

	th := junit.TestSuite{Name: "upsertbench.thresholds", Time: duration, Timestamp: ts}
	for _, t := range s.Thresholds {
		tc := junit.TestCase{Name: t.Expr}
		if !t.Pass {
			typ := "threshold"
			if t.NoData {
				typ = "no-data"
			}
			tc.Failure = &junit.Failure{Type: typ, Message: t.Message,
				Text: fmt.Sprintf("measured: %s\nlimit: %s %s\n%s", measuredText(t), t.Op, fmtValue(t.Limit, t.Unit), t.Message)}
		}
		th.Cases = append(th.Cases, tc)
	}

	ct := junit.TestSuite{Name: "upsertbench.contract", Time: "0", Timestamp: ts}
	for _, c := range r.Checks {
		name := string(c.Name)
		if c.Case != "" {
			name += "/" + c.Case
		}
		tc := junit.TestCase{Name: name + " (" + c.Source + ")"}
		switch c.Status {
		case StatusFail:
			text := c.Message
			if c.Detail != "" {
				text += "\n" + c.Detail
			}
			tc.Failure = &junit.Failure{Type: "contract", Message: c.Message, Text: text}
		case StatusSkip:
			tc.Skipped = &junit.Skipped{Message: c.Message}
		}
		ct.Cases = append(ct.Cases, tc)
	}

	suites := []junit.TestSuite{run, th, ct}
	if bl := s.Baseline; bl != nil {
		bs := junit.TestSuite{Name: "upsertbench.baseline", Time: "0", Timestamp: ts,
			Properties: []junit.Property{{Name: "baseline", Value: bl.File}, {Name: "baselineStartedAt", Value: fmtTime(bl.StartedAt)}}}
		for _, d := range bl.Deltas {
			tol, gated := tolerance(d.Metric, bl.Tolerances)
			if !gated {
				continue
			}
			tc := junit.TestCase{Name: fmt.Sprintf("%s within %.0f%% of baseline", d.Metric, tol*100)}
			if d.Regression {
				msg := fmt.Sprintf("%s measured %s, baseline %s (%s), tolerance %.0f%%", d.Metric,
					fmtValue(d.Current, d.Unit), fmtValue(d.Baseline, d.Unit), fmtChange(d.Change), tol*100)
				tc.Failure = &junit.Failure{Type: "regression", Message: msg, Text: msg}
			}
			bs.Cases = append(bs.Cases, tc)
		}
		for _, nc := range bl.NotCompared {
			tol, _ := tolerance(nc.Metric, bl.Tolerances)
			bs.Cases = append(bs.Cases, junit.TestCase{Name: fmt.Sprintf("%s within %.0f%% of baseline", nc.Metric, tol*100),
				Skipped: &junit.Skipped{Message: "not compared: " + nc.Reason}})
		}
		suites = append(suites, bs)
	}

	// A suite with no cases is left out: CI would list it as an empty,
	// passing group.
	doc := junit.TestSuites{Name: "upsertbench " + s.Run.Scenario, Time: duration}
	for _, su := range suites {
		if len(su.Cases) == 0 {
			continue
		}
		for i := range su.Cases {
			su.Cases[i].Classname = su.Name
			if su.Cases[i].Time == "" {
				su.Cases[i].Time = "0"
			}
		}
		doc.Suites = append(doc.Suites, su)
	}
	doc.Count()
	return junit.Write(w, doc)
}

// runCheckFailureType is the JUnit failure type of a failed run check.
func runCheckFailureType(name string) string {
	switch name {
	case RunCheckAnswered:
		return "no-data"
	case RunCheckCompleted:
		return VerdictInterrupted
	}
	return name
}

// runCheckFailureText is a failed run check's failure body: what it
// holds the run to, what was found, and its offenders with both answers.
func runCheckFailureText(c results.RunCheck) string {
	var b strings.Builder
	if c.Description != "" {
		b.WriteString(c.Description + "\n")
	}
	b.WriteString(c.Message)
	for _, o := range c.Offenders {
		fmt.Fprintf(&b, "\n- %s", offenderHead(o))
		if !o.First.IsZero() {
			fmt.Fprintf(&b, "\n    first:  %s", o.First)
		}
		fmt.Fprintf(&b, "\n    second: %s", o.Second)
	}
	return b.String()
}

func measuredText(t results.ThresholdResult) string {
	if t.NoData {
		return "no data"
	}
	return fmtValue(t.Measured, t.Unit)
}

// tolerance returns the regression tolerance of a gated metric.
func tolerance(metric string, l results.BaselineLimits) (float64, bool) {
	for _, cm := range comparedMetrics {
		if cm.name == metric && cm.limit != nil {
			return cm.limit(l), true
		}
	}
	return 0, false
}
