package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestStartEmulator(t *testing.T) {
	tests := []struct {
		name  string
		token string
	}{
		{"given token", "my-token"},
		{"generated token", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			baseURL, tok, stop, err := startEmulator(tt.token, emulator.WithPreserveOrder(true))
			require.NoError(t, err)
			t.Cleanup(stop)
			assert.True(t, strings.HasPrefix(baseURL, "http://127.0.0.1:"), baseURL)
			if tt.token != "" {
				assert.Equal(t, tt.token, tok)
			} else {
				assert.Regexp(t, `^ub-local-[0-9a-f]{32}$`, tok)
			}
			body := `{"inputs":[{"id":"x","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}]}`
			for _, c := range []struct {
				token  string
				status int
			}{{tok, http.StatusOK}, {"wrong", http.StatusUnauthorized}} {
				req, err := http.NewRequest(http.MethodPost, baseURL+hubspot.VersionV3.UpsertPath(), strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+c.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				assert.Equal(t, c.status, resp.StatusCode)
			}
		})
	}
}

func TestStartEmulatorStopIsPrompt(t *testing.T) {
	// A hang fault would hold the request for an hour; stop releases it.
	f, err := emulator.ParseFault("hang=1,max=10m")
	require.NoError(t, err)
	baseURL, tok, stop, err := startEmulator("", emulator.WithFaults(f))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, baseURL+hubspot.VersionV3.UpsertPath(), strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Wait until the request is inside the emulator, then stop it.
	for i := 0; ; i++ {
		require.Less(t, i, 2000, "the request never reached the emulator")
		resp, err := http.Get(baseURL + emulator.PathStats)
		require.NoError(t, err)
		var s emulator.Stats
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
		resp.Body.Close()
		if s.Faults > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	assert.Error(t, <-done, "the hung request ends with a closed connection")
}

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		allowRemote bool
		env         string
		wantErr     string
	}{
		{name: "loopback v4", target: "http://127.0.0.1:8080"},
		{name: "loopback v4 other", target: "http://127.1.2.3"},
		{name: "loopback v6", target: "http://[::1]:8080/"},
		{name: "localhost", target: "https://LOCALHOST:443"},
		{name: "remote refused", target: "https://api.hubapi.com", wantErr: "target api.hubapi.com is not on this machine: pass --allow-remote (or set UPSERTBENCH_ALLOW_REMOTE=1) to send traffic to it"},
		{name: "remote allowed", target: "https://api.hubapi.com", allowRemote: true},
		{name: "remote allowed by env", target: "https://api.hubapi.com", env: "1"},
		{name: "private address is remote", target: "http://10.0.0.1:8080", wantErr: "is not on this machine"},
		{name: "no scheme", target: "127.0.0.1:8080", wantErr: "invalid target"},
		{name: "bad scheme", target: "ftp://127.0.0.1", wantErr: "the scheme must be http or https"},
		{name: "empty", target: "", wantErr: "invalid target"},
		{name: "garbage", target: "http://%zz", wantErr: "invalid target"},
		{name: "path", target: "http://127.0.0.1:8080/crm/v3", wantErr: "without a path"},
		{name: "credentials", target: "http://user:secret@127.0.0.1", wantErr: "not in the URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envAllowRemote, tt.env)
			err := checkTarget(tt.target, tt.allowRemote)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), "secret", "credentials never appear in messages")
			var ue usageError
			assert.True(t, errors.As(err, &ue), "a usage error (exit 2)")
		})
	}
}

func TestAccountFlagsGeneratorOptions(t *testing.T) {
	tests := []struct {
		name       string
		target     string
		owners     []string
		env        string
		wantOwners func(t *testing.T, owners map[string]bool)
	}{
		{"emulator keeps made-up owners", "", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.NotEmpty(t, owners)
		}},
		{"loopback target keeps made-up owners", "http://127.0.0.1:8080", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.NotEmpty(t, owners)
		}},
		{"remote target without ids sends no owner", "https://api.hubapi.com", nil, "", func(t *testing.T, owners map[string]bool) {
			assert.Empty(t, owners)
		}},
		{"remote target with --owner-id sends only those", "https://api.hubapi.com", []string{"111", "222"}, "", func(t *testing.T, owners map[string]bool) {
			assert.Equal(t, map[string]bool{"111": true, "222": true}, owners)
		}},
		{"remote target with the environment list", "https://api.hubapi.com", nil, " 333 ,444", func(t *testing.T, owners map[string]bool) {
			assert.Equal(t, map[string]bool{"333": true, "444": true}, owners)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envOwnerIDs, tt.env)
			t.Setenv(envQueueIDs, "")
			a := accountFlags{owners: tt.owners}
			g, err := generators.New(append([]generators.Option{generators.WithSeed(1)}, a.generatorOptions(tt.target)...)...)
			require.NoError(t, err)
			owners := map[string]bool{}
			for n := range uint64(5) {
				for _, in := range g.Batch(n).Inputs {
					if o := in.Properties[hubspot.PropOwnerID]; o != "" {
						owners[o] = true
					}
					if strings.HasPrefix(tt.target, "https:") {
						assert.Empty(t, in.Properties[hubspot.PropQueueMembershipIDs], "made-up queue ids must not reach a real account")
					}
				}
			}
			tt.wantOwners(t, owners)
		})
	}
}
