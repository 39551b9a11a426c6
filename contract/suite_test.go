package contract

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Tokens of the in-process emulator. Distinctive, so a leak is easy to grep.
const (
	suiteTestToken         = "ub-test-token-SECRET-7f3a"
	suiteTestReadOnlyToken = "ub-test-readonly-SECRET-91bc"
)

// emulatorForSuite is the emulator the suite is proven against: tokens,
// the professional tier's limits (headers on every answer; 429 after 190).
func emulatorForSuite() *emulator.Emulator {
	return emulator.New(emulator.WithToken(suiteTestToken), emulator.WithReadOnlyToken(suiteTestReadOnlyToken),
		emulator.WithTier(EmulatorTier), emulator.WithSeed(3))
}

func serveEmulator(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestSuiteKeepsEveryPromiseOfTheEmulator: against the emulator every
// promise of the inventory is exercised and kept — a promise no case
// exercises could be broken unnoticed.
func TestSuiteKeepsEveryPromiseOfTheEmulator(t *testing.T) {
	for _, v := range []hubspot.Version{hubspot.VersionV3, hubspot.Version202603} {
		t.Run(string(v), func(t *testing.T) {
			s, err := NewSuite(SuiteConfig{BaseURL: serveEmulator(t, emulatorForSuite()), Token: suiteTestToken,
				ReadOnlyToken: suiteTestReadOnlyToken, ProbeRateLimit: true, Version: v})
			require.NoError(t, err)
			rep := s.Run(context.Background())
			ran := map[CheckName]bool{}
			for _, c := range rep.Checks {
				ran[c.Check] = true
				assert.NotEqual(t, StatusSkip, c.Status, "against the emulator every case runs: %s/%s skipped: %s", c.Check, c.Case, c.Reason)
			}
			for _, c := range AllChecks() {
				assert.True(t, ran[c], "check %s never ran", c)
			}
			for _, p := range rep.Promises() {
				assert.Equal(t, StatusPass, p.Status, "promise %s (%s): %s", p.ID, p.Check, p.Reason)
			}
			assert.Positive(t, rep.CleanedUp)
			assert.True(t, strings.HasPrefix(rep.KeyPrefix, "ub-"), rep.KeyPrefix)
		})
	}
}

// TestSuiteNeverLeaksTokens: neither token may appear in any output.
func TestSuiteNeverLeaksTokens(t *testing.T) {
	// A target that fails everything maximises what gets written out.
	broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"status":"error","message":"boom"}`))
	})
	for name, h := range map[string]http.Handler{"emulator": emulatorForSuite(), "broken": broken} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSuite(SuiteConfig{BaseURL: serveEmulator(t, h), Token: suiteTestToken, ReadOnlyToken: suiteTestReadOnlyToken})
			require.NoError(t, err)
			rep := s.Run(context.Background())
			var out bytes.Buffer
			require.NoError(t, rep.WriteText(&out))
			require.NoError(t, rep.WriteJSON(&out))
			require.NoError(t, rep.WriteJUnit(&out))
			for _, f := range rep.Findings() {
				out.WriteString(f.Error())
			}
			require.NotEmpty(t, rep.Checks)
			assert.NotContains(t, out.String(), suiteTestToken)
			assert.NotContains(t, out.String(), suiteTestReadOnlyToken)
			assert.NotContains(t, out.String(), "SECRET")
		})
	}
}

func TestNewSuiteErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  SuiteConfig
		want string
	}{
		{"no URL", SuiteConfig{Token: "t"}, "not an http(s) URL"},
		{"ftp URL", SuiteConfig{BaseURL: "ftp://x", Token: "t"}, "not an http(s) URL"},
		{"no token", SuiteConfig{BaseURL: "http://127.0.0.1:1"}, "no token"},
		{"same tokens", SuiteConfig{BaseURL: "http://127.0.0.1:1", Token: "t", ReadOnlyToken: "t"}, "same as the token"},
		{"bad version", SuiteConfig{BaseURL: "http://127.0.0.1:1", Token: "t", Version: "v4"}, "v4"},
		{"bad batch size", SuiteConfig{BaseURL: "http://127.0.0.1:1", Token: "t", BatchSize: 101}, "batch size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSuite(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := NewSuite(SuiteConfig{BaseURL: "http://user:pw-SECRET@127.0.0.1:1", Token: "t"})
	require.NoError(t, err, "user info is dropped, not refused, by the library")
}

func TestSuiteUnreachableTarget(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, err := NewSuite(SuiteConfig{BaseURL: url, Token: suiteTestToken})
	require.NoError(t, err)
	rep := s.Run(context.Background())
	assert.False(t, rep.Passed())
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	assert.Contains(t, out.String(), "no answer")
	assert.NotContains(t, out.String(), suiteTestToken)
}

// A suite cancelled before its first request (Ctrl-C) records no failure:
// a request the run itself cancelled says nothing about the target. Every
// check that did not run is skipped as interrupted, and the report does not
// pass.
func TestSuiteInterruptedBeforeTheFirstRequest(t *testing.T) {
	s, err := NewSuite(SuiteConfig{BaseURL: serveEmulator(t, emulatorForSuite()), Token: suiteTestToken})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := s.Run(ctx)
	pass, fail, skip := rep.Counts()
	assert.Zero(t, fail, "no check fails because the run was cancelled")
	assert.Zero(t, pass)
	assert.Positive(t, skip)
	interrupted := 0
	for _, c := range rep.Checks {
		assert.Equal(t, StatusSkip, c.Status, "%s/%s", c.Check, c.Case)
		if strings.HasPrefix(c.Reason, "interrupted: ") {
			interrupted++
		}
	}
	assert.Positive(t, interrupted, "the cases that sent are skipped as interrupted")
	assert.False(t, rep.Passed(), "an interrupted suite never passes")
}
