package emulator_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/hubspot"
)

// post sends one upsert with the given bearer token ("" = none) and returns
// the status, or the transport error.
func post(url, token string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url+hubspot.VersionV3.UpsertPath(),
		strings.NewReader(`{"inputs":[{"id":"k1","idProperty":"external_task_id","properties":{"hs_timestamp":"1764684000000"}}]}`))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestListenTokens(t *testing.T) {
	tests := []struct {
		name  string
		opts  []emulator.Option
		token string // "" → expect a generated one
	}{
		{"generated", nil, ""},
		{"given", []emulator.Option{emulator.WithToken("pat-given")}, "pat-given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := emulator.Listen("", tt.opts...)
			require.NoError(t, err)
			defer s.Close()
			assert.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"), s.URL)
			if tt.token == "" {
				assert.Regexp(t, `^ub-local-[0-9a-f]{32}$`, s.Token)
			} else {
				assert.Equal(t, tt.token, s.Token)
			}
			code, err := post(s.URL, s.Token)
			require.NoError(t, err)
			assert.Equal(t, http.StatusOK, code)
			code, err = post(s.URL, "pat-someone-else")
			require.NoError(t, err)
			assert.Equal(t, http.StatusUnauthorized, code, "only the server's token is accepted")
		})
	}
}

func TestListenTokensDiffer(t *testing.T) {
	a, b := emulatortest.NewServer(t), emulatortest.NewServer(t)
	assert.NotEqual(t, a.Token, b.Token)
	assert.NotEqual(t, a.URL, b.URL)
}

func TestListenBadAddress(t *testing.T) {
	_, err := emulator.Listen("nowhere:-1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nowhere:-1")
}

func TestServerClose(t *testing.T) {
	s, err := emulator.Listen("")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.NoError(t, <-s.Done(), "a closed server stopped cleanly")
	_, err = post(s.URL, s.Token)
	assert.Error(t, err, "nothing answers after Close")
}

func TestEmulatortestStart(t *testing.T) {
	var url, token string
	t.Run("inner", func(t *testing.T) {
		url, token = emulatortest.Start(t, emulator.WithToken("tok"))
		code, err := post(url, token)
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, code)
	})
	assert.Equal(t, "tok", token)
	_, err := post(url, token)
	assert.Error(t, err, "the emulator is gone once the test that started it ended")
}
