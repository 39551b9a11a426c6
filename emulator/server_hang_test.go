package emulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// TestServerCloseIsPrompt: a hang fault would hold a request for ten
// minutes; Close releases it and the server stops.
func TestServerCloseIsPrompt(t *testing.T) {
	f, err := emulator.ParseFault("hang=1,max=10m")
	require.NoError(t, err)
	s, err := emulator.Listen("", emulator.WithFaults(f))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, s.URL+hubspot.VersionV3.UpsertPath(), strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+s.Token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Wait until the request is inside the emulator, then stop it.
	for i := 0; s.Stats().Faults == 0; i++ {
		require.Less(t, i, 2000, "the request never reached the emulator")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, s.Close())
	select {
	case <-done: // released: answered or cut, but not held for ten minutes
	case <-time.After(time.Minute):
		t.Fatal("the hung request was still held a minute after Close")
	}
	assert.NoError(t, <-s.Done())
}
