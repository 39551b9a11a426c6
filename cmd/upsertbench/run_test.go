package main

import (
	"bytes"
	"context"
	"github.com/upsertbench/upsertbench/internal/results/resultstest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/runjob"
	"github.com/upsertbench/upsertbench/reports"
)

// tinyScenario is a one-second scenario that keeps the CLI tests short.
const tinyScenario = `name: tiny
description: one second at 10 batches/s of 10 tasks, every answer checked
seed: 3
stages:
  - duration: 1s
    rate: 10
batch:
  size: 10
sample: 1
thresholds:
  - p95 < {P95}
  - success >= 99%
  - contract_violations == 0
`

func writeScenario(t *testing.T, p95 string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(tinyScenario, "{P95}", p95)), 0o644))
	return path
}

// cli runs the whole CLI in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunAndReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	hist := filepath.Join(dir, "history.jsonl")
	scenario := writeScenario(t, "1s")
	token := "ub-test-secret-token-123"

	code, stdout, stderr := cli(t, "run", "--scenario", scenario, "--out", out,
		"--latency", "fixed:5ms", "--history", hist, "--token", token)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "PASS  tiny"), stdout)
	assert.Contains(t, stdout, "HTML report: "+filepath.Join(out, reports.HTMLFile))
	assert.Contains(t, stdout, "contract suite")
	for _, f := range []string{results.ResultsFile, results.SummaryFile, reports.ContractFile, runjob.ContractJUnitFile,
		reports.MarkdownFile, reports.HTMLFile, reports.JUnitFile, reports.TextFile} {
		data, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err, f)
		assert.NotContains(t, string(data), token, "%s holds the token", f)
	}
	assert.NotContains(t, stdout+stderr, token)
	h, err := reports.ReadHistory(hist)
	require.NoError(t, err)
	assert.Len(t, h, 1)

	t.Run("report again passes and appends history", func(t *testing.T) {
		code, stdout, stderr := cli(t, "report", "--in", out, "--out", filepath.Join(dir, "again"), "--history", hist, "--format", "text,md")
		require.Equal(t, exitPass, code, stderr)
		assert.Contains(t, stdout, "PASS  tiny")
		_, err := os.Stat(filepath.Join(dir, "again", reports.MarkdownFile))
		assert.NoError(t, err)
		h, err := reports.ReadHistory(hist)
		require.NoError(t, err)
		assert.Len(t, h, 2)
	})

	t.Run("regression against a faster baseline fails", func(t *testing.T) {
		s, err := results.ReadSummary(out)
		require.NoError(t, err)
		s.Answered.Latencies.P95 /= 2 // every latency compared is of answered requests
		s.Answered.Latencies.P99 /= 2
		base := filepath.Join(dir, "baseline.json")
		require.NoError(t, results.WriteSummary(base, s))
		code, stdout, stderr := cli(t, "report", "--in", out, "--out", filepath.Join(dir, "regress"), "--baseline", base, "--format", "text,junit")
		assert.Equal(t, exitFail, code, stdout)
		assert.Contains(t, stdout, "REGRESSION")
		assert.Contains(t, stderr, "verdict fail")
	})
}

func TestRunFailsOnThreshold(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := cli(t, "run", "--scenario", writeScenario(t, "1ms"), "--out", out, "--latency", "fixed:20ms", "--skip-contract")
	require.Equal(t, exitFail, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.True(t, strings.HasPrefix(stdout, "FAIL  tiny"), stdout)
	assert.Contains(t, stdout, "p95 < 1ms")
	_, err := os.Stat(filepath.Join(out, reports.HTMLFile))
	assert.NoError(t, err, "a failed run still writes its report")
}

func TestReportUsage(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.MkdirAll(empty, 0o755))
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no input", []string{"report"}, "no run folder"},
		{"unreadable input names the file", []string{"report", "--in", empty}, filepath.Join(empty, results.SummaryFile)},
		{"bad format", []string{"report", "--in", empty, "--format", "pdf"}, "--format"},
		{"bad tolerance", []string{"report", "--in", empty, "--latency-tolerance", "-1"}, "--latency-tolerance"},
		{"shards need their own output folder", []string{"report", "--in", empty, "--in", dir}, "--out"},
		{"run: unknown scenario", []string{"run", "--scenario", "nope-no-such"}, "--scenario"},
		{"run: bad latency names the flag", []string{"run", "--latency", "gaussian:1ms", "--out", filepath.Join(dir, "r")}, "--latency: "},
		{"run: output folder under a file names the flag", []string{"run", "--out", filepath.Join(file, "r"), "--skip-contract"}, "--out: "},
		{"run: remote target without opt-in", []string{"run", "--target", "https://api.hubapi.com", "--token", "x", "--out", filepath.Join(dir, "r")}, "--allow-remote"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
		})
	}
}

// TestRunInterrupted interrupts run during the load phase, once
// results.bin has grown: the run exits 1 with the verdict INTERRUPTED.
// (Ctrl-C there used to print "PASS … (interrupted)" and exit 0.)
func TestRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	hist := filepath.Join(dir, "history.jsonl")
	scenario := filepath.Join(dir, "long.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte(resultstest.LongScenario), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Ctrl-C once results.bin holds a few flushed records: the load phase
	// is under way (the contract suite is over by then).
	done := resultstest.CancelOnceWritten(ctx, cancel, out, 2048)
	var stdout, stderr bytes.Buffer
	err := runRun(ctx, []string{"--scenario", scenario, "--out", out, "--latency", "fixed:5ms", "--history", hist}, &stdout, &stderr)
	cancel()
	<-done
	var fe failedError
	require.ErrorAs(t, err, &fe, "stderr:\n%s", stderr.String())
	assert.Contains(t, fe.msg, "verdict interrupted")
	assert.Equal(t, exitFail, exitCode(&bytes.Buffer{}, "run", err))
	assert.True(t, strings.HasPrefix(stdout.String(), "INTERRUPTED  long — "), stdout.String())

	// What the files hold is runjob's TestRunInterruptedInTheLoad; here,
	// that the command says it and records it.
	sum, err := results.ReadSummary(out)
	require.NoError(t, err)
	assert.Equal(t, results.VerdictInterrupted, sum.Verdict)
	h, err := reports.ReadHistory(hist)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, results.VerdictInterrupted, h[0].Verdict)
}
