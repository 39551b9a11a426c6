package target

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// The suite's emulator, served: the given token writes, the read-only one
// (generated when none is given) gets 403, the unique property is the one
// asked for, and the tier's limits are in the headers.
func TestSuiteEmulatorOptions(t *testing.T) {
	tests := []struct {
		name, token, readOnly string
	}{
		{"tokens given", "ub-suite-token-1", "ub-suite-ro-1"},
		{"read-only generated", "ub-suite-token-2", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, ro, err := SuiteEmulatorOptions(tt.token, tt.readOnly, "sync_key", hubspot.TierProfessional)
			require.NoError(t, err)
			if tt.readOnly != "" {
				assert.Equal(t, tt.readOnly, ro)
			} else {
				assert.NotEmpty(t, ro)
				assert.NotEqual(t, tt.token, ro)
			}
			srv, err := emulator.Listen("127.0.0.1:0", opts...)
			require.NoError(t, err)
			t.Cleanup(func() { srv.Close() })
			assert.Equal(t, tt.token, srv.Token)

			upsert := func(token string) *http.Response {
				body := `{"inputs":[{"id":"k-1","idProperty":"sync_key","properties":{"hs_timestamp":"2026-12-02T15:00:00Z"}}]}`
				req, _ := http.NewRequest(http.MethodPost, srv.URL+hubspot.VersionV3.UpsertPath(), strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				return resp
			}
			resp := upsert(tt.token)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the token writes, by the unique property asked for")
			assert.Equal(t, "190", resp.Header.Get(hubspot.HeaderRateLimitMax), "professional tier's burst")
			assert.Equal(t, http.StatusForbidden, upsert(ro).StatusCode, "the read-only token cannot write")
		})
	}
}
