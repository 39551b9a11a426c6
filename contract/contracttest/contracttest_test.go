package contracttest_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/contract/contracttest"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/internal/target"
)

// TestExampleTest is the package doc's example, run: the suite as subtests
// against an emulator passes, one subtest per check and case. (An Example
// function cannot hold it: examples get no *testing.T, and one that is only
// compiled is dead code to deadcode -test.)
func TestExampleTest(t *testing.T) {
	url, token := emulatortest.Start(t)
	rep := contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: token})
	assert.True(t, rep.Passed())
	assert.NotEmpty(t, rep.Checks)
}

// brokenEnv makes TestTestReportsFailuresThroughT's child process run the
// suite against a broken target.
const brokenEnv = "CONTRACTTEST_BROKEN_TARGET"

// TestTestReportsFailuresThroughT runs the suite against a target that
// answers every upsert new:true in a child test process (a failing subtest
// cannot be observed from inside), and reads what go test printed: the
// failing subtests by check and case, each with what was sent, what came
// back, what the contract says and how to fix it, and the passing ones.
func TestTestReportsFailuresThroughT(t *testing.T) {
	if os.Getenv(brokenEnv) == "1" {
		emu := emulator.New(emulator.WithToken("broken-token"))
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			if strings.HasSuffix(r.URL.Path, "/batch/upsert") {
				body = bytes.ReplaceAll(body, []byte(`"new":false`), []byte(`"new":true`))
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		}))
		defer srv.Close()
		contracttest.Test(t, contract.SuiteConfig{BaseURL: srv.URL, Token: "broken-token"})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTestReportsFailuresThroughT$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), brokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the child test must fail:\n%s", out)
	got := string(out)
	for _, s := range []string{
		"--- FAIL: TestTestReportsFailuresThroughT/new-flags/upsert-repeat",
		"--- FAIL: TestTestReportsFailuresThroughT/new-flags/upsert-change",
		"--- PASS: TestTestReportsFailuresThroughT/new-flags/upsert-create",
		"--- PASS: TestTestReportsFailuresThroughT/accounting/upsert-create",
		"--- SKIP: TestTestReportsFailuresThroughT/auth/auth/read-only-token",
		"no read-only token given",
		"known unique values came back as creates",
		"sent:", "received:", "contract:", "fix:",
	} {
		assert.Contains(t, got, s)
	}
	assert.NotContains(t, got, "broken-token", "the token never reaches the test output")
}

// TestTestRunsOneCase: -run selects a check and a case like any subtest.
func TestTestRunsOneCase(t *testing.T) {
	if os.Getenv("CONTRACTTEST_ONE_CASE") == "1" {
		url, token := emulatortest.Start(t)
		contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: token})
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestTestRunsOneCase$/^echo$/^upsert-change$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CONTRACTTEST_ONE_CASE=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "--- PASS: TestTestRunsOneCase/echo/upsert-change")
	assert.NotContains(t, string(out), "TestTestRunsOneCase/echo/upsert-create")
	assert.NotContains(t, string(out), "TestTestRunsOneCase/accounting")
}

func TestFromEnv(t *testing.T) {
	for _, k := range []string{target.EnvTarget, target.EnvToken, target.EnvReadOnlyToken, target.EnvAllowRemote, target.EnvTier,
		contracttest.EnvIDProperty, contracttest.EnvOwnerIDs, contracttest.EnvQueueIDs} {
		t.Setenv(k, "")
	}
	t.Run("no target: an emulator that exercises every promise", func(t *testing.T) {
		cfg := contracttest.FromEnv(t)
		host, err := target.CheckURL(cfg.BaseURL)
		require.NoError(t, err)
		assert.True(t, target.IsLoopback(host))
		assert.NotEmpty(t, cfg.Token)
		assert.NotEmpty(t, cfg.ReadOnlyToken)
		assert.True(t, cfg.ProbeRateLimit)
		// The emulator has limits: its answers carry the headers.
		req, _ := http.NewRequest(http.MethodPost, cfg.BaseURL+"/crm/v3/objects/tasks/batch/read", strings.NewReader(`{"inputs":[],"properties":[],"propertiesWithHistory":[]}`))
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.NotEmpty(t, resp.Header.Get("X-HubSpot-RateLimit-Max"))
	})
	t.Run("a target named by the environment", func(t *testing.T) {
		url, token := emulatortest.Start(t, emulator.WithUniqueProperties("crm_key"))
		t.Setenv(target.EnvTarget, url)
		t.Setenv(target.EnvToken, token)
		t.Setenv(contracttest.EnvIDProperty, "crm_key")
		t.Setenv(contracttest.EnvOwnerIDs, "42")
		cfg := contracttest.FromEnv(t)
		assert.Equal(t, url, cfg.BaseURL)
		assert.Equal(t, token, cfg.Token)
		assert.Equal(t, "crm_key", cfg.IDProperty)
		assert.False(t, cfg.ProbeRateLimit, "a real target's burst budget is not spent unasked")

		// Record what the suite sends: the owner ids the environment names.
		var sent bytes.Buffer
		emu := emulator.New(emulator.WithToken(token), emulator.WithUniqueProperties("crm_key"))
		rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			sent.Write(b)
			r.Body = io.NopCloser(bytes.NewReader(b))
			emu.ServeHTTP(w, r)
		}))
		defer rec.Close()
		cfg.BaseURL = rec.URL
		s, err := contract.NewSuite(cfg)
		require.NoError(t, err)
		rep := s.Run(t.Context())
		require.NotEmpty(t, rep.Checks)
		assert.Contains(t, sent.String(), `"hubspot_owner_id":"42"`)
		assert.Contains(t, sent.String(), `"idProperty":"crm_key"`)
	})
}

// TestFromEnvRefusesARemoteTargetUnasked: a target off this machine needs
// UPSERTBENCH_ALLOW_REMOTE; FromEnv fails the test before any request.
func TestFromEnvRefusesARemoteTargetUnasked(t *testing.T) {
	if os.Getenv("CONTRACTTEST_REMOTE") == "1" {
		contracttest.FromEnv(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFromEnvRefusesARemoteTargetUnasked$", "-test.count=1")
	cmd.Env = append(os.Environ(), "CONTRACTTEST_REMOTE=1", target.EnvTarget+"=https://api.hubapi.com", target.EnvToken+"=t", target.EnvAllowRemote+"=")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", out)
	assert.Contains(t, string(out), "--allow-remote")
	assert.Contains(t, string(out), target.EnvAllowRemote)
}
