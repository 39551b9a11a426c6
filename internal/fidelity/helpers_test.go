package fidelity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Tokens of the recorded emulator: distinctive, so a leak is easy to grep.
const (
	testToken         = "pat-na1-5ec2e7a0-0b1d-4c8e-9f3a-SECRET0main"
	testReadOnlyToken = "pat-na1-77d41f3b-2a6c-4e1e-b0d9-SECRET0read"
	testIDProperty    = "fidelity_key"
)

// recordedEmulator is the emulator recordings are made against: tokens,
// the professional tier (rate-limit headers, 429 after 190) and a unique
// property other than the default, so the replay must take it from the
// manifest.
func recordedEmulator() *emulator.Emulator {
	return emulator.New(emulator.WithToken(testToken), emulator.WithReadOnlyToken(testReadOnlyToken),
		emulator.WithTier(hubspot.TierProfessional), emulator.WithUniqueProperties(testIDProperty), emulator.WithSeed(7))
}

// recordSuite runs the contract suite against h (served on loopback) with
// a Recorder in its HTTP client, and returns the recording's folder.
func recordSuite(t *testing.T, h http.Handler, probe bool) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	rec, err := NewRecorder(dir, Meta{Tool: "upsertbench test", Target: srv.URL, APIVersion: "v3", IDProperty: testIDProperty},
		WithToken(testToken), WithReadOnlyToken(testReadOnlyToken))
	require.NoError(t, err)
	s, err := contract.NewSuite(contract.SuiteConfig{
		BaseURL: srv.URL, Token: testToken, ReadOnlyToken: testReadOnlyToken, IDProperty: testIDProperty,
		KeyPrefix: "ub-fid", ProbeRateLimit: probe,
		HTTPClient: &http.Client{Transport: rec, Timeout: contract.DefaultSuiteTimeout},
	})
	require.NoError(t, err)
	s.Run(context.Background())
	require.NoError(t, rec.Close(true))
	return dir
}

// replayDir loads and replays a recording.
func replayDir(t *testing.T, dir string, opts ...ReplayOption) *Report {
	t.Helper()
	rec, err := Load(dir)
	require.NoError(t, err)
	rep, err := Replay(context.Background(), rec, opts...)
	require.NoError(t, err)
	return rep
}
