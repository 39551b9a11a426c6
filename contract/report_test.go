package contract

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"path/filepath"
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

func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&buf))
	golden.Equal(t, filepath.Join("testdata", "report.txt"), buf.Bytes())
	for _, s := range []string{"sent:", "received:", "contract:", "fix:", "cleaned up 16 records", "1.234s", "SKIP", "FAIL"} {
		assert.Contains(t, buf.String(), s)
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
