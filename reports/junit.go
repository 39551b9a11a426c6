package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/upsertbench/upsertbench/results"
)

// The JUnit XML shape CI systems read (Jenkins, GitLab, GitHub test
// reporters, gotestsum): testsuites > testsuite > testcase with failure or
// skipped children. Counts on every suite are computed, never typed.
type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Cases      []junitTestCase  `xml:"testcase"`
}

type junitProperties struct {
	List []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes junit.xml: one test case per threshold, per contract
// check and per baseline regression rule, each failure saying measured vs
// limit.
func (r *Report) WriteJUnit(w io.Writer) error {
	s := r.Summary
	duration := strconv.FormatFloat((s.Metrics.Duration + s.Metrics.Wait).Seconds(), 'f', 3, 64)
	ts := ""
	if !s.Run.StartedAt.IsZero() {
		ts = s.Run.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	props := []junitProperty{
		{"scenario", s.Run.Scenario},
		{"seed", strconv.FormatUint(s.Run.Seed, 10)},
		{"target", s.Run.Target},
		{"emulated", strconv.FormatBool(s.Run.Emulated)},
		{"toolVersion", s.Run.ToolVersion},
		{"shards", shardLabel(s.Run.Shards)},
		{"verdict", s.Verdict},
	}

	th := junitTestSuite{Name: "upsertbench.thresholds", Time: duration, Timestamp: ts, Properties: &junitProperties{props}}
	if s.Metrics.Requests == 0 {
		th.Cases = append(th.Cases, junitTestCase{Name: "requests were recorded", Failure: &junitFailure{
			Type: "no-data", Message: "no requests were recorded: nothing was measured"}})
	}
	for _, t := range s.Thresholds {
		tc := junitTestCase{Name: t.Expr}
		if !t.Pass {
			typ := "threshold"
			if t.NoData {
				typ = "no-data"
			}
			tc.Failure = &junitFailure{Type: typ, Message: t.Message,
				Text: fmt.Sprintf("measured: %s\nlimit: %s %s\n%s", measuredText(t), t.Op, fmtValue(t.Limit, t.Unit), t.Message)}
		}
		th.Cases = append(th.Cases, tc)
	}

	ct := junitTestSuite{Name: "upsertbench.contract", Time: "0", Timestamp: ts}
	for _, c := range r.Checks {
		name := string(c.Name)
		if c.Case != "" {
			name += "/" + c.Case
		}
		tc := junitTestCase{Name: name + " (" + c.Source + ")"}
		switch c.Status {
		case StatusFail:
			text := c.Message
			if c.Detail != "" {
				text += "\n" + c.Detail
			}
			tc.Failure = &junitFailure{Type: "contract", Message: c.Message, Text: text}
		case StatusSkip:
			tc.Skipped = &junitSkipped{Message: c.Message}
		}
		ct.Cases = append(ct.Cases, tc)
	}

	suites := []junitTestSuite{th, ct}
	if bl := s.Baseline; bl != nil {
		bs := junitTestSuite{Name: "upsertbench.baseline", Time: "0", Timestamp: ts,
			Properties: &junitProperties{[]junitProperty{{"baseline", bl.File}, {"baselineStartedAt", fmtTime(bl.StartedAt)}}}}
		for _, d := range bl.Deltas {
			tol, gated := tolerance(d.Metric, bl.Tolerances)
			if !gated {
				continue
			}
			tc := junitTestCase{Name: fmt.Sprintf("%s within %.0f%% of baseline", d.Metric, tol*100)}
			if d.Regression {
				msg := fmt.Sprintf("%s measured %s, baseline %s (%s), tolerance %.0f%%", d.Metric,
					fmtValue(d.Current, d.Unit), fmtValue(d.Baseline, d.Unit), fmtChange(d.Change), tol*100)
				tc.Failure = &junitFailure{Type: "regression", Message: msg, Text: msg}
			}
			bs.Cases = append(bs.Cases, tc)
		}
		suites = append(suites, bs)
	}

	doc := junitTestSuites{Name: "upsertbench " + s.Run.Scenario, Time: duration}
	for _, su := range suites {
		if len(su.Cases) == 0 {
			continue
		}
		for i := range su.Cases {
			su.Cases[i].Classname = su.Name
			if su.Cases[i].Time == "" {
				su.Cases[i].Time = "0"
			}
			switch {
			case su.Cases[i].Failure != nil:
				su.Failures++
			case su.Cases[i].Skipped != nil:
				su.Skipped++
			}
		}
		su.Tests = len(su.Cases)
		doc.Tests += su.Tests
		doc.Failures += su.Failures
		doc.Skipped += su.Skipped
		doc.Suites = append(doc.Suites, su)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
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
