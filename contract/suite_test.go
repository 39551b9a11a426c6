package contract

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Tokens of the in-process emulator. Distinctive, so a leak is easy to grep.
const (
	suiteTestToken         = "ub-test-token-SECRET-7f3a"
	suiteTestReadOnlyToken = "ub-test-readonly-SECRET-91bc"
)

// suiteTestTarget is where TestContract sends the suite: the environment's
// target, or an emulator started in-process.
type suiteTestTarget struct {
	cfg    SuiteConfig
	remote bool
}

// newSuiteTestTarget honours UPSERTBENCH_TARGET, UPSERTBENCH_TOKEN,
// UPSERTBENCH_ID_PROPERTY and UPSERTBENCH_READ_ONLY_TOKEN; without a target
// it serves the emulator with limits (so rate-limit headers are checked)
// and a read-only token.
func newSuiteTestTarget(t *testing.T) suiteTestTarget {
	t.Helper()
	if target := os.Getenv("UPSERTBENCH_TARGET"); target != "" {
		tok := os.Getenv("UPSERTBENCH_TOKEN")
		require.NotEmpty(t, tok, "UPSERTBENCH_TARGET is set: set UPSERTBENCH_TOKEN to its bearer token too")
		// Real accounts refuse made-up owners and queues: use the given
		// ones (comma-separated) or none.
		return suiteTestTarget{remote: true, cfg: SuiteConfig{
			BaseURL: target, Token: tok, ReadOnlyToken: os.Getenv("UPSERTBENCH_READ_ONLY_TOKEN"),
			IDProperty: os.Getenv("UPSERTBENCH_ID_PROPERTY"),
			GeneratorOptions: []generators.Option{
				generators.WithOwnerIDs(splitList(os.Getenv("UPSERTBENCH_OWNER_IDS"))...),
				generators.WithQueueIDs(splitList(os.Getenv("UPSERTBENCH_QUEUE_IDS"))...),
			},
		}}
	}
	return suiteTestTarget{cfg: SuiteConfig{
		BaseURL: serveEmulator(t, emulatorForSuite()), Token: suiteTestToken, ReadOnlyToken: suiteTestReadOnlyToken,
		ProbeRateLimit: true,
	}}
}

// emulatorForSuite is the emulator the suite is proven against: tokens,
// the professional tier's limits (headers on every answer; 429 after 190).
func emulatorForSuite() *emulator.Emulator {
	return emulator.New(emulator.WithToken(suiteTestToken), emulator.WithReadOnlyToken(suiteTestReadOnlyToken),
		emulator.WithTier(hubspot.TierProfessional), emulator.WithSeed(3))
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func serveEmulator(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestContract runs the whole suite: one subtest per check and case.
func TestContract(t *testing.T) {
	tt := newSuiteTestTarget(t)
	s, err := NewSuite(tt.cfg)
	require.NoError(t, err)
	rep := s.Run(context.Background())
	t.Logf("suite against %s: %d results in %s, cleaned up %d records", rep.Target, len(rep.Checks), rep.Duration, rep.CleanedUp)
	for _, c := range rep.Checks {
		t.Run(string(c.Check)+"/"+c.Case, func(t *testing.T) {
			switch c.Status {
			case StatusSkip:
				t.Skip(c.Reason)
			case StatusFail:
				t.Error("\n" + c.FailureMessage())
			}
		})
	}
	assert.True(t, rep.Passed())
	if !tt.remote {
		assert.Positive(t, rep.CleanedUp)
		for _, c := range rep.Checks {
			assert.NotEqual(t, StatusSkip, c.Status, "against the emulator every check runs: %s/%s skipped: %s", c.Check, c.Case, c.Reason)
		}
	}
}

// TestSuiteCoversEveryCheck: a check that never runs cannot catch anything.
func TestSuiteCoversEveryCheck(t *testing.T) {
	s, err := NewSuite(SuiteConfig{BaseURL: serveEmulator(t, emulatorForSuite()), Token: suiteTestToken,
		ReadOnlyToken: suiteTestReadOnlyToken, ProbeRateLimit: true})
	require.NoError(t, err)
	rep := s.Run(context.Background())
	ran := map[CheckName]bool{}
	for _, c := range rep.Checks {
		ran[c.Check] = true
	}
	for _, c := range append([]CheckName{CheckRequestSchema, CheckResponseSchema}, SemanticChecks...) {
		assert.True(t, ran[c], "check %s never ran", c)
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

func TestSuiteVersion202603(t *testing.T) {
	s, err := NewSuite(SuiteConfig{BaseURL: serveEmulator(t, emulatorForSuite()), Token: suiteTestToken, Version: hubspot.Version202603})
	require.NoError(t, err)
	rep := s.Run(context.Background())
	for _, c := range rep.Checks {
		if c.Status == StatusFail {
			t.Errorf("%s/%s:\n%s", c.Check, c.Case, c.FailureMessage())
		}
	}
	assert.True(t, rep.Passed())
	assert.True(t, strings.HasPrefix(rep.KeyPrefix, "ub-"))
}

// TestSuiteTargetFromEnvironment: the variables point go test elsewhere.
func TestSuiteTargetFromEnvironment(t *testing.T) {
	url := serveEmulator(t, emulator.New(emulator.WithToken("env-token"), emulator.WithUniqueProperties("crm_key")))
	t.Setenv("UPSERTBENCH_TARGET", url)
	t.Setenv("UPSERTBENCH_TOKEN", "env-token")
	t.Setenv("UPSERTBENCH_ID_PROPERTY", "crm_key")
	t.Setenv("UPSERTBENCH_READ_ONLY_TOKEN", "")
	t.Setenv("UPSERTBENCH_OWNER_IDS", "")
	tt := newSuiteTestTarget(t)
	require.True(t, tt.remote)
	assert.Equal(t, url, tt.cfg.BaseURL)
	assert.Equal(t, "crm_key", tt.cfg.IDProperty)

	// Record what the suite sends: with no owner ids, no input names an owner.
	var mu sync.Mutex
	var sent []string
	rec := corruptingProxy(emulator.New(emulator.WithToken("env-token"), emulator.WithUniqueProperties("crm_key")), nil, func(c *corruptCall) {
		mu.Lock()
		sent = append(sent, string(c.reqBody))
		mu.Unlock()
	})
	tt.cfg.BaseURL = serveEmulator(t, rec)
	s, err := NewSuite(tt.cfg)
	require.NoError(t, err)
	rep := s.Run(context.Background())
	for _, c := range rep.Checks {
		if c.Status == StatusFail {
			t.Errorf("%s/%s:\n%s", c.Check, c.Case, c.FailureMessage())
		}
	}
	require.NotEmpty(t, sent)
	for _, b := range sent {
		assert.NotContains(t, b, hubspot.PropOwnerID)
		assert.NotContains(t, b, hubspot.PropQueueMembershipIDs)
	}
	assert.Contains(t, strings.Join(sent, "\n"), `"idProperty":"crm_key"`)
}
