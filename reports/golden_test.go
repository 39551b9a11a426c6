package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/golden"
)

// stableDirs makes the input folders of a report independent of the
// temporary directory the test ran in.
func stableDirs(r *Report, root string) {
	for i, d := range r.Inputs {
		if rel, err := filepath.Rel(root, d); err == nil {
			r.Inputs[i] = filepath.ToSlash(filepath.Join("run", rel))
		}
	}
	if r.Summary.Baseline != nil {
		if rel, err := filepath.Rel(root, r.Summary.Baseline.File); err == nil {
			r.Summary.Baseline.File = filepath.ToSlash(rel)
		}
	}
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		spec synthSpec
		// baseline, when set, is a second run compared against.
		baseline *synthSpec
		history  bool
		suite    bool
	}{
		{name: "single", spec: synthSpec{}},
		{name: "shards", spec: synthSpec{shards: 3}},
		{name: "violations", spec: synthSpec{violations: 2}},
		{name: "regression", spec: synthSpec{latency: 1.5}, baseline: &synthSpec{seed: 2}, history: true},
		{name: "suite", spec: synthSpec{}, suite: true},
		{name: "interrupted", spec: synthSpec{interrupted: true}},
		{name: "unanswered", spec: synthSpec{refused: 1, thresholds: []string{"p95 < 300ms", "error_rate < 1%"}}},
		// 42.7 % of the plan sent and no threshold on the rate: the
		// rate-achieved run check fails it (it used to pass).
		{name: "saturated", spec: synthSpec{sent: 0.427, thresholds: []string{"p95 < 300ms"}}},
		// The same run from a scenario whose rates are a ceiling.
		{name: "saturation", spec: synthSpec{sent: 0.427, saturation: true, thresholds: []string{"p95 < 300ms"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dirs := writeSynth(t, filepath.Join(root, "current"), tc.spec)
			opts := []Option{WithNow(synthNow)}
			if tc.baseline != nil {
				bdirs := writeSynth(t, filepath.Join(root, "baseline"), *tc.baseline)
				br, err := Build(bdirs, WithNow(synthNow))
				require.NoError(t, err)
				bfile := filepath.Join(root, "baseline.json")
				_, err = br.WriteAll(root, []string{FormatJSON})
				require.NoError(t, err)
				require.NoError(t, os.Rename(filepath.Join(root, "summary.json"), bfile))
				opts = append(opts, WithBaseline(bfile))
			}
			if tc.history {
				hist := filepath.Join(root, "history.jsonl")
				writeHistory(t, hist, 5)
				opts = append(opts, WithHistory(hist))
			}
			if tc.suite {
				opts = append(opts, WithContractReport(sampleSuite()))
			}
			r, err := Build(dirs, opts...)
			require.NoError(t, err)
			stableDirs(r, root)
			for _, f := range []string{FormatText, FormatMD, FormatJSON, FormatJUnit} {
				var buf bytes.Buffer
				require.NoError(t, r.Write(&buf, f))
				golden.Equal(t, filepath.Join("testdata", tc.name+"."+f+".golden"), buf.Bytes())
			}
		})
	}
}

// sampleSuite is a contract suite report with a pass, a failure and a skip.
func sampleSuite() *contract.Report {
	return &contract.Report{Target: "http://127.0.0.1:8080", Version: "v3", Seed: 7, StartedAt: synthStart, Checks: []contract.CheckResult{
		{Check: contract.CheckEcho, Case: "upsert-create", Status: contract.StatusPass},
		{Check: contract.CheckAccounting, Case: "upsert-create", Status: contract.StatusPass},
		{Check: contract.CheckEcho, Case: "upsert-change", Status: contract.StatusFail, Findings: []contract.Finding{{
			Check: contract.CheckEcho, Message: "hs_task_subject came back \"Call back\", not \"Follow up\"", Method: "POST",
			Path: "/crm/v3/objects/tasks/batch/upsert", StatusCode: 200, HowToFix: "echo the values just written"}}},
		{Check: contract.CheckAuth, Case: "auth/read-only-token", Status: contract.StatusSkip, Reason: "no read-only token given"},
	}}
}
