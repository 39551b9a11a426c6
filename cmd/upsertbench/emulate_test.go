package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/target"
)

// safeBuffer is a bytes.Buffer safe for the server's goroutines.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// emulateRun starts runEmulate in the background and returns the base URL
// and a function that stops it and returns its error.
func emulateRun(t *testing.T, args ...string) (baseURL string, stdout, stderr *safeBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &safeBuffer{}, &safeBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runEmulate(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), stdout, stderr, func(u string) { ready <- u })
	}()
	select {
	case baseURL = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("emulate stopped early: %v", err)
	}
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return baseURL, stdout, stderr, stop
}

func sendUpsert(t *testing.T, baseURL, token string) int {
	t.Helper()
	body := `{"inputs":[{"id":"cli","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}]}`
	req, err := http.NewRequest(http.MethodPost, baseURL+hubspot.VersionV3.UpsertPath(), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestEmulateGeneratedTokenIsPrintedOnce(t *testing.T) {
	t.Setenv(target.EnvToken, "")
	baseURL, stdout, stderr, stop := emulateRun(t)
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, baseURL, lines[0], "the first line is the base URL")
	tok, ok := strings.CutPrefix(lines[1], target.EnvToken+"=")
	require.True(t, ok, lines[1])
	assert.Equal(t, http.StatusOK, sendUpsert(t, baseURL, tok))
	assert.Equal(t, http.StatusUnauthorized, sendUpsert(t, baseURL, "nope"))
	require.NoError(t, stop())
	assert.NotContains(t, stderr.String(), tok, "logs never carry the token")
	assert.Contains(t, stderr.String(), "requests=2 upserts=1")
	assert.Contains(t, stderr.String(), "upsertbench emulate: stopped")
}

func TestEmulateTokenSources(t *testing.T) {
	tests := []struct {
		name, env string
		args      []string
		token     string
	}{
		{name: "flag", args: []string{"--token", "flag-token"}, token: "flag-token"},
		{name: "environment", env: "env-token", token: "env-token"},
		{name: "flag wins", env: "env-token", args: []string{"--token", "flag-token"}, token: "flag-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(target.EnvToken, tt.env)
			baseURL, stdout, _, stop := emulateRun(t, tt.args...)
			assert.Equal(t, baseURL+"\n", stdout.String(), "a token the user chose is not printed")
			assert.Equal(t, http.StatusOK, sendUpsert(t, baseURL, tt.token))
			require.NoError(t, stop())
		})
	}
}

func TestEmulateVerboseAndOptions(t *testing.T) {
	baseURL, _, stderr, stop := emulateRun(t, "--token", "secret-token", "--read-only-token", "ro-token",
		"--verbose", "--tier", "free", "--latency", "fixed:1ms", "--fault", "5xx=0", "--unique-property", "crm_key",
		"--seed", "3", "--preserve-order", "--retry-after")
	assert.Equal(t, http.StatusOK, sendUpsert(t, baseURL, "secret-token"))
	assert.Equal(t, http.StatusForbidden, sendUpsert(t, baseURL, "ro-token"))
	require.NoError(t, stop())
	log := stderr.String()
	assert.Contains(t, log, "POST /crm/v3/objects/tasks/batch/upsert 200 inputs=1")
	assert.Contains(t, log, "POST /crm/v3/objects/tasks/batch/upsert 403")
	assert.Contains(t, log, "tier free, 2 app(s), time zone UTC, latency fixed:1ms, 1 fault(s)")
	assert.NotContains(t, log, "secret-token")
	assert.NotContains(t, log, "ro-token")
}

func TestEmulateScenario(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faulty.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`stages:
  - duration: 1s
    rate: 1
batch:
  id_property: crm_key
emulator:
  tier: free
  latency: fixed:1ms
  faults:
    - 5xx=1
`), 0o644))
	tests := []struct {
		name   string
		args   []string
		log    string
		status int
	}{
		{"the scenario's emulator", nil, "tier free, 1 app(s), time zone UTC, latency fixed:1ms, 1 fault(s)", http.StatusInternalServerError},
		{"flags win, --fault adds", []string{"--tier", "enterprise", "--latency", "none", "--fault", "429=0"}, "tier enterprise, 1 app(s), time zone UTC, latency none, 2 fault(s)", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseURL, _, stderr, stop := emulateRun(t, append([]string{"--token", "tok", "--scenario", path}, tt.args...)...)
			assert.Equal(t, tt.status, sendUpsert(t, baseURL, "tok"), "the scenario's faults apply")
			require.NoError(t, stop())
			assert.Contains(t, stderr.String(), tt.log)
		})
	}
	// A built-in's emulator section: rate-limit asks for the professional tier.
	baseURL, _, stderr, stop := emulateRun(t, "--token", "tok", "--scenario", "rate-limit")
	assert.Equal(t, http.StatusOK, sendUpsert(t, baseURL, "tok"))
	require.NoError(t, stop())
	assert.Contains(t, stderr.String(), "tier professional")
}

func TestEmulateUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"bad tier", []string{"--tier", "gold"}, `--tier: unknown tier "gold"`},
		{"bad latency", []string{"--latency", "slowish"}, `--latency: latency "slowish": unknown model`},
		{"bad fault", []string{"--fault", "boom=1"}, `--fault: fault "boom=1": unknown kind`},
		{"bad unique property", []string{"--unique-property", "a b"}, `--unique-property "a b"`},
		{"same tokens", []string{"--token", "x", "--read-only-token", "x"}, "a token is given twice"},
		{"token twice", []string{"--token", "x", "--token", "x"}, "a token is given twice"},
		{"token with a space", []string{"--token", "a b"}, "--token/--read-only-token: a token must be non-empty and without spaces"},
		{"bad time zone", []string{"--timezone", "Mars/Olympus"}, `--timezone "Mars/Olympus": give an IANA time zone name`},
		{"local time zone", []string{"--timezone", "Local"}, `--timezone "Local"`},
		{"bad 423 fault", []string{"--fault", "423=2"}, `--fault: fault "423=2": probability`},
		{"negative system write delay", []string{"--system-write-delay", "-1s"}, "--system-write-delay -1s: give a duration from 0 (off) to 1h0m0s"},
		{"search lag too long", []string{"--search-lag", "2h"}, "--search-lag 2h0m0s: give a duration from 0 (off) to 1h0m0s"},
		{"search lag without a unit", []string{"--search-lag", "10"}, "--search-lag"},
		{"bad addr", []string{"--addr", "nowhere:-1"}, `invalid --addr "nowhere:-1"`},
		{"unknown flag", []string{"--nope"}, "unknown flag --nope"},
		{"unknown scenario", []string{"--scenario", "nope"}, `--scenario: nope: unknown scenario "nope"`},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runEmulate(context.Background(), tt.args, io.Discard, io.Discard, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			var ue usageError
			assert.True(t, errors.As(err, &ue))
		})
	}
}

func TestEmulateRegistered(t *testing.T) {
	var out bytes.Buffer
	code := runMain([]string{"emulate", "-h"}, &out, io.Discard)
	assert.Equal(t, exitPass, code)
	assert.Contains(t, out.String(), "-unique-property")
	assert.Contains(t, out.String(), "-timezone")
	assert.Contains(t, out.String(), "-search-lag")
	assert.Contains(t, out.String(), "-system-write-delay")
	assert.Contains(t, out.String(), "423=0.01 (writes only)")
}

// Several --token flags are several apps of one account: each has its own
// burst window, they share the daily budget, and --timezone names the
// account's zone.
func TestEmulateSeveralTokensOneAccount(t *testing.T) {
	t.Setenv(target.EnvToken, "")
	baseURL, stdout, stderr, stop := emulateRun(t, "--token", "app-one", "--token", "app-two", "--read-only-token", "app-ro",
		"--tier", "free", "--timezone", "America/New_York", "--fault", "423=0")
	assert.Equal(t, baseURL+"\n", stdout.String(), "no token is generated or printed")
	remaining := func(token string) (burst, daily string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, baseURL+hubspot.VersionV3.ReadPath(), strings.NewReader(`{"inputs":[]}`))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, token)
		return resp.Header.Get(hubspot.HeaderRateLimitRemaining), resp.Header.Get(hubspot.HeaderRateLimitDailyRemaining)
	}
	burst, daily := remaining("app-one")
	assert.Equal(t, []string{"99", "249999"}, []string{burst, daily})
	burst, daily = remaining("app-one")
	assert.Equal(t, []string{"98", "249998"}, []string{burst, daily})
	burst, daily = remaining("app-two")
	assert.Equal(t, []string{"99", "249997"}, []string{burst, daily}, "own burst window, shared day")
	burst, daily = remaining("app-ro")
	assert.Equal(t, []string{"99", "249996"}, []string{burst, daily})
	assert.Equal(t, http.StatusForbidden, sendUpsert(t, baseURL, "app-ro"))
	assert.Equal(t, http.StatusOK, sendUpsert(t, baseURL, "app-two"))
	require.NoError(t, stop())
	assert.Contains(t, stderr.String(), "3 app(s), time zone America/New_York")
	for _, tok := range []string{"app-one", "app-two", "app-ro"} {
		assert.NotContains(t, stderr.String(), tok)
	}
}

// --search-lag and --system-write-delay reach the emulator: a created task
// is not found by search at once, and its updatedAt moves after the delay.
func TestEmulateTimingFlags(t *testing.T) {
	baseURL, _, _, stop := emulateRun(t, "--token", "tok", "--search-lag", "1h", "--system-write-delay", "50ms")
	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, baseURL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	status, body := do(http.MethodPost, hubspot.VersionV3.UpsertPath(),
		`{"inputs":[{"id":"lagged","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}]}`)
	require.Equal(t, http.StatusOK, status, body)
	status, body = do(http.MethodPost, hubspot.VersionV3.SearchPath(), `{}`)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `"total":0`, "an hour's lag hides the new task")
	require.Eventually(t, func() bool {
		var got struct {
			CreatedAt, UpdatedAt string
		}
		_, body := do(http.MethodGet, hubspot.VersionV3.ObjectPath("lagged")+"?idProperty=external_task_id", "")
		return json.Unmarshal([]byte(body), &got) == nil && got.CreatedAt != "" && got.UpdatedAt != got.CreatedAt
	}, 5*time.Second, 10*time.Millisecond, "the system write bumps updatedAt")
	require.NoError(t, stop())
}
