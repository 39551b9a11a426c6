// Package emulatortest starts upsertbench's HubSpot emulator for a test, as
// net/http/httptest starts a server: one line, on a loopback port, shut
// down by t.Cleanup.
//
//	func TestMySync(t *testing.T) {
//		url, token := emulatortest.Start(t)
//		client := mysync.New(url, token) // your code under test
//		...
//	}
//
// Options are the emulator's (emulator.WithTier, emulator.WithFaults,
// emulator.WithUniqueProperties, …); NewServer returns the *emulator.Server
// when a test also wants the emulator's counters or a Reset.
package emulatortest

import (
	"testing"

	"github.com/upsertbench/upsertbench/emulator"
)

// Start serves a new emulator on 127.0.0.1 for the rest of the test and
// returns its base URL and the bearer token it expects (generated unless
// emulator.WithToken is among opts).
func Start(t testing.TB, opts ...emulator.Option) (url, token string) {
	t.Helper()
	s := NewServer(t, opts...)
	return s.URL, s.Token
}

// NewServer is Start returning the server itself. The test fails at once
// when no loopback port can be had.
func NewServer(t testing.TB, opts ...emulator.Option) *emulator.Server {
	t.Helper()
	s, err := emulator.Listen(emulator.DefaultAddr, opts...)
	if err != nil {
		t.Fatalf("emulatortest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("emulatortest: stopping the emulator: %v", err)
		}
	})
	return s
}
