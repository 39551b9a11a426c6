// Package standin_test shows a user's own repository checking, from go test,
// that a service keeps HubSpot's tasks contract: the emulator on its own,
// and a service of the user's (here a reverse proxy in front of the
// emulator) with the same one call.
package standin_test

import (
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/contract/contracttest"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
)

// The contract suite as subtests of this test, against an emulator started
// in one line: one subtest per check and case (go test -run
// 'TestEmulatorKeepsTheContract/echo' -v selects one check).
func TestEmulatorKeepsTheContract(t *testing.T) {
	const readOnly = "example-read-only-token"
	url, token := emulatortest.Start(t, emulator.WithReadOnlyToken(readOnly), emulator.WithTier(contract.EmulatorTier))
	rep := contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: token, ReadOnlyToken: readOnly, ProbeRateLimit: true})

	// With a read-only token and HubSpot's limits every promise is exercised.
	for _, p := range rep.Promises() {
		assert.Equal(t, contract.StatusPass, p.Status, "promise %s: %s", p.ID, p.Reason)
	}
}

// Your own service in front of HubSpot's API, here a reverse proxy, is
// held to the same contract. Without a read-only token the 403 cases are
// skipped with the reason, and those promises are reported as not
// exercised, never as kept.
func TestMyProxyKeepsTheContract(t *testing.T) {
	upstream, token := emulatortest.Start(t)
	u, err := url.Parse(upstream)
	require.NoError(t, err)
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(proxy.Close)

	rep := contracttest.Test(t, contract.SuiteConfig{BaseURL: proxy.URL, Token: token})

	skipped := map[string]string{}
	for _, p := range rep.Promises() {
		assert.NotEqual(t, contract.StatusFail, p.Status, "promise %s broken", p.ID)
		if p.Status == contract.StatusSkip {
			skipped[p.ID] = p.Reason
		}
	}
	assert.Contains(t, skipped, "auth.read-only-403", "no read-only token was given")
	assert.Contains(t, skipped["auth.read-only-403"], "no read-only token given")
}
