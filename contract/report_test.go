package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
)

func sampleReport() *Report {
	return &Report{
		Target:    "http://127.0.0.1:8080",
		Version:   hubspot.VersionV3,
		KeyPrefix: "ub-test",
		Seed:      7,
		StartedAt: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Duration:  1234 * time.Millisecond,
		CleanedUp: 16,
		Checks: []CheckResult{
			{Check: CheckAccounting, Case: "upsert-create", Status: StatusPass, Duration: 3 * time.Millisecond},
			{Check: CheckNewFlags, Case: "upsert-repeat", Status: StatusFail, Duration: 2 * time.Millisecond, Findings: []Finding{{
				Check: CheckNewFlags, Message: `result for "ub-test-1" came back new:true on a repeat`,
				Reason: "an upsert of a known unique value updates it: new is false", HowToFix: "look records up by the unique property before creating",
				Method: "POST", Path: "/crm/v3/objects/tasks/batch/upsert", StatusCode: 200,
				Sent: `{"inputs":[{"id":"ub-test-1"}]}`, Received: `{"status":"COMPLETE","results":[{"new":true}]}`,
			}}},
			{Check: CheckRateLimitProbe, Case: "burst", Status: StatusSkip, Reason: "opt-in: run with --probe-rate-limit"},
		},
	}
}

// textReport has several cases per check, a failure and skips: what the
// text outputs are for.
func textReport() *Report {
	r := sampleReport()
	r.Checks = []CheckResult{
		{Check: CheckResponseSchema, Case: CaseCreate, Status: StatusPass, StatusCode: 200},
		{Check: CheckResponseSchema, Case: CaseRepeat, Status: StatusPass, StatusCode: 200},
		{Check: CheckResponseSchema, Case: CaseNoToken, Status: StatusPass, StatusCode: 401},
		{Check: CheckAccounting, Case: CaseCreate, Status: StatusPass, StatusCode: 200},
		{Check: CheckAccounting, Case: CaseRepeat, Status: StatusPass, StatusCode: 200},
		sampleReport().Checks[1], // new-flags fails on upsert-repeat
		{Check: CheckNewFlags, Case: CaseCreate, Status: StatusPass, StatusCode: 200},
		{Check: CheckAuth, Case: CaseNoToken, Status: StatusPass, StatusCode: 401},
		{Check: CheckAuth, Case: CaseReadOnlyToken, Status: StatusSkip, Reason: "no read-only token given (--read-only-token or UPSERTBENCH_READ_ONLY_TOKEN)"},
		{Check: CheckAuth, Case: CaseScopesBody, Status: StatusSkip, Reason: "no read-only token given (--read-only-token or UPSERTBENCH_READ_ONLY_TOKEN)"},
		{Check: CheckRateLimitProbe, Case: CaseRateLimitProbe, Status: StatusSkip, Reason: "opt-in: run with --probe-rate-limit"},
	}
	return r
}

func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, textReport().WriteText(&buf))
	golden.Equal(t, filepath.Join("testdata", "report.txt"), buf.Bytes())
	out := buf.String()
	// 8 promises exercised; the text lists 10 of the rest.
	notExercised := len(Promises()) - 8
	for _, s := range []string{"sent:", "received:", "contract:", "fix:", "cleaned up 16 records", "1.234s", "FAIL  new-flags", "1 of 2 cases failed",
		"PASS  auth", "1 case, 2 skipped: no read-only token given", "SKIP  rate-limit-probe", "opt-in",
		fmt.Sprintf("promises: 7 kept, 1 broken, %d not exercised (of %d)", notExercised, len(Promises())),
		fmt.Sprintf("… and %d more not exercised", notExercised-10)} {
		assert.Contains(t, out, s)
	}
	var checkLines []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "PASS  ") || strings.HasPrefix(line, "FAIL  ") || strings.HasPrefix(line, "SKIP  ") {
			checkLines = append(checkLines, line)
		}
	}
	require.Len(t, checkLines, 5, "one line per check:\n%s", out)
	for i, c := range []CheckName{CheckResponseSchema, CheckAccounting, CheckNewFlags, CheckAuth, CheckRateLimitProbe} {
		assert.Contains(t, checkLines[i], " "+string(c)+" ")
	}
}

func TestReportTextVerbose(t *testing.T) {
	var buf bytes.Buffer
	rep := textReport()
	require.NoError(t, rep.WriteTextVerbose(&buf))
	golden.Equal(t, filepath.Join("testdata", "report-verbose.txt"), buf.Bytes())
	out := buf.String()
	for _, c := range rep.Checks {
		assert.Contains(t, out, string(c.Check)+" ", c.Case)
		assert.Contains(t, out, c.Case, c.Check)
	}
	for _, p := range Promises() {
		assert.Contains(t, out, p.ID+": "+p.Text)
	}
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&buf))
	var got map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.InDelta(t, 1234.0, got["durationMs"], 0.001)
	assert.Equal(t, false, got["passed"])
	assert.EqualValues(t, 1, got["pass"])
	assert.EqualValues(t, 1, got["fail"])
	assert.EqualValues(t, 1, got["skip"])
	assert.EqualValues(t, 16, got["cleanedUp"])
	checks := got["checks"].([]any)
	require.Len(t, checks, 3)
	first := checks[0].(map[string]any)
	assert.Equal(t, "accounting", first["check"])
	assert.InDelta(t, 3.0, first["durationMs"], 0.001)
	second := checks[1].(map[string]any)
	assert.Len(t, second["findings"], 1)

	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, *sampleReport(), back, "a report read back is the report written")
}

func TestReportJUnit(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport().WriteJUnit(&buf))
	golden.Equal(t, filepath.Join("testdata", "report.junit.xml"), buf.Bytes())
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Skipped  int `xml:"skipped,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc), buf.String())
	require.Len(t, doc.Suites, 1)
	s := doc.Suites[0]
	assert.Equal(t, 3, s.Tests)
	assert.Equal(t, 1, s.Failures)
	assert.Equal(t, 1, s.Skipped)
	require.Len(t, s.Cases, 3)
	assert.Equal(t, "contract.new-flags", s.Cases[1].Classname)
	require.NotNil(t, s.Cases[1].Failure)
	assert.Contains(t, s.Cases[1].Failure.Text, "fix:")
	require.NotNil(t, s.Cases[2].Skipped)
	assert.Nil(t, s.Cases[0].Failure)
	assert.Nil(t, s.Cases[0].Skipped)
}

func TestReportPassed(t *testing.T) {
	tests := []struct {
		name   string
		checks []CheckResult
		want   bool
	}{
		{"empty run proves nothing", nil, false},
		{"only skips", []CheckResult{{Status: StatusSkip}}, false},
		{"pass and skip", []CheckResult{{Status: StatusPass}, {Status: StatusSkip}}, true},
		{"one failure", []CheckResult{{Status: StatusPass}, {Status: StatusFail}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, (&Report{Checks: tt.checks}).Passed())
		})
	}
}
