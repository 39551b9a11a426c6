package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestAuthenticateApps(t *testing.T) {
	tests := []struct {
		name   string
		opts   []Option
		token  string
		status int
	}{
		{"configured token writes", []Option{WithToken("a"), WithToken("b")}, "b", http.StatusOK},
		{"unknown token", []Option{WithToken("a")}, "c", http.StatusUnauthorized},
		{"read-only token reads only", []Option{WithToken("a"), WithReadOnlyToken("r")}, "r", http.StatusForbidden},
		{"open account takes any token", nil, "anything", http.StatusOK},
		{"open account keeps read-only tokens read-only", []Option{WithReadOnlyToken("r")}, "r", http.StatusForbidden},
		{"open account with a read-only token takes others", []Option{WithReadOnlyToken("r")}, "x", http.StatusOK},
		{"empty tokens are ignored", []Option{WithToken(""), WithReadOnlyToken("")}, "x", http.StatusOK},
		{"first registration wins", []Option{WithReadOnlyToken("t"), WithToken("t"), WithToken("a")}, "t", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := New(tt.opts...)
			h := &harness{t: t, emu: emu, srv: newTestServer(t, emu)}
			r := h.do(http.MethodPost, upsertPathV3, batchBody("a", 1, false), map[string]string{"Authorization": "Bearer " + tt.token})
			assert.Equal(t, tt.status, r.status, "%s", r.body)
		})
	}
}

// Listen generates a token when no read-write one is given; read-only
// tokens stay read-only and other tokens are refused from then on.
func TestListenGeneratesTokenBesideReadOnly(t *testing.T) {
	s, err := Listen("", WithReadOnlyToken("ro"), WithTier(hubspot.TierFree))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NotEmpty(t, s.Token)
	send := func(token string) reply {
		req, err := http.NewRequest(http.MethodPost, s.URL+upsertPathV3, strings.NewReader(batchBody("g", 1, false)))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		return reply{status: resp.StatusCode, header: resp.Header}
	}
	r := send(s.Token)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining))
	assert.Equal(t, http.StatusForbidden, send("ro").status)
	assert.Equal(t, http.StatusUnauthorized, send("other").status)
}
