package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/internal/target"
)

const contractTestToken = "ub-cli-token-SECRET-0451"

func TestContractCommandAgainstBuiltInEmulator(t *testing.T) {
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "contract.xml"), filepath.Join(dir, "contract.json")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"contract", "--token", contractTestToken, "--probe-rate-limit", "--junit", junit, "--json", js}, &stdout, &stderr)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	out := stdout.String()
	for _, s := range []string{"PASS  accounting", "PASS  rate-limit-probe", "cleaned up", "0 broken, 0 not exercised"} {
		assert.Contains(t, out, s)
	}
	assert.NotContains(t, out, "SKIP", "against the built-in emulator every check runs")
	assert.NotContains(t, out, "upsert-create", "without -v, one line per check, not per case")
	assert.LessOrEqual(t, strings.Count(out, "\n"), len(contract.AllChecks())+8, "a passing run is one line per check and a summary:\n%s", out)

	raw, err := os.ReadFile(js)
	require.NoError(t, err)
	var rep struct {
		DurationMS float64 `json:"durationMs"`
		Passed     bool    `json:"passed"`
		Fail       int     `json:"fail"`
		CleanedUp  int     `json:"cleanedUp"`
		Checks     []any   `json:"checks"`
	}
	require.NoError(t, json.Unmarshal(raw, &rep))
	assert.True(t, rep.Passed)
	assert.Positive(t, rep.DurationMS)
	assert.Positive(t, rep.CleanedUp)
	assert.NotEmpty(t, rep.Checks)

	xraw, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc struct {
		Suites []struct {
			Tests int `xml:"tests,attr"`
			Fails int `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(xraw, &doc))
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, len(rep.Checks), doc.Suites[0].Tests)
	assert.Zero(t, doc.Suites[0].Fails)

	for name, b := range map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes(), "json": raw, "junit": xraw} {
		assert.NotContains(t, string(b), contractTestToken, "token leaked into %s", name)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary files left behind")
}

// TestContractCommandVerbose: -v lists every check and case, and every
// promise.
func TestContractCommandVerbose(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"contract", "--token", contractTestToken, "-v"}, &stdout, &stderr)
	out := stdout.String()
	require.NotEqual(t, exitUsage, code, "stderr:\n%s", stderr.String())
	for _, s := range []string{"CHECK", "CASE", "upsert-create", "bad/duplicate-ids", "auth/no-token", "KEPT    result.echo"} {
		assert.Contains(t, out, s)
	}
	assert.Greater(t, strings.Count(out, "\n"), 2*len(contract.AllChecks()), "-v lists every case")
}

func TestContractCommandAgainstTarget(t *testing.T) {
	good := httptest.NewServer(emulator.New(emulator.WithToken(contractTestToken), emulator.WithUniqueProperties("crm_key")))
	t.Cleanup(good.Close)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"status":"COMPLETE","results":[]}`))
	}))
	t.Cleanup(broken.Close)

	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"emulator as target, token from env, custom id property", []string{"--target", good.URL, "--id-property", "crm_key", "--version", "2026-03"},
			map[string]string{target.EnvToken: contractTestToken}, exitPass, "skip"},
		{"given owner and queue ids", []string{"--target", good.URL, "--token", contractTestToken, "--owner-id", "1234567", "--queue-id", "4711", "--seed", "9", "--key-prefix", "ub-cli"},
			nil, exitPass, "key prefix ub-cli"},
		{"broken target fails", []string{"--target", broken.URL, "--token", contractTestToken}, nil, exitFail, "FAIL"},
		{"wrong token fails", []string{"--target", good.URL, "--token", "nope"}, nil, exitFail, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := runMain(append([]string{"contract"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, tt.code, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			assert.Contains(t, strings.ToLower(stdout.String()), strings.ToLower(tt.want))
			assert.NotContains(t, stdout.String()+stderr.String(), contractTestToken)
		})
	}
}

func TestContractCommandUsage(t *testing.T) {
	dir := t.TempDir()
	badSpec := filepath.Join(dir, "spec.yaml")
	require.NoError(t, os.WriteFile(badSpec, []byte("not: [openapi"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--nope"}, "unknown flag --nope"},
		{"bad version", []string{"--version", "v4"}, "valid: v3, 2026-03"},
		{"remote target without opt-in", []string{"--target", "https://api.hubapi.com", "--token", "x"}, "--allow-remote"},
		{"malformed target", []string{"--target", "api.hubapi.com", "--token", "x"}, `invalid --target "api.hubapi.com"`},
		{"target without token", []string{"--target", "http://127.0.0.1:1"}, "needs a token: pass --token or set UPSERTBENCH_TOKEN"},
		{"same tokens", []string{"--token", "a", "--read-only-token", "a"}, "must differ"},
		{"missing spec file", []string{"--spec", filepath.Join(dir, "missing.yaml")}, "--spec"},
		{"broken spec file", []string{"--spec", badSpec}, "--spec"},
		{"bad id property", []string{"--id-property", "a b"}, "--id-property"},
		{"stray argument", []string{"extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(append([]string{"contract"}, tt.args...), &stdout, &stderr)
			assert.Equal(t, exitUsage, code, "stderr: %s", stderr.String())
			assert.Contains(t, stderr.String(), tt.want)
			assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
		})
	}
}

func TestContractCommandHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	assert.Equal(t, exitPass, runMain([]string{"contract", "-h"}, &stdout, &stderr))
	for _, f := range []string{"-target", "-token", "-read-only-token", "-id-property", "-spec", "-version", "-probe-rate-limit", "-junit", "-json", "-allow-remote"} {
		assert.Contains(t, stdout.String(), f)
	}
}
