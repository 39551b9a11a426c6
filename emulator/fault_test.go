package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

// 423 Locked: HubSpot-shaped, says to wait at least 2 s, writes nothing,
// and only writes get it.
func TestFault423Locked(t *testing.T) {
	f, err := ParseFault("423=1")
	require.NoError(t, err)
	tests := []struct {
		name       string
		retryAfter bool
	}{
		{"plain", false},
		{"with Retry-After", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, WithFaults(f), WithRetryAfter(tt.retryAfter))
			r := h.post(upsertPathV3, batchBody("lock", 3, true))
			require.Equal(t, http.StatusLocked, r.status)
			e := r.errorBody(t)
			assert.Equal(t, CategoryLocked, e.Category)
			assert.Equal(t, MessageLocked, e.Message)
			assert.Contains(t, e.Message, "at least 2 seconds")
			assert.Equal(t, map[string][]string{"retryAfterMillis": {"2000"}}, e.Context)
			if tt.retryAfter {
				assert.Equal(t, "2", r.header.Get("Retry-After"))
			} else {
				assert.Empty(t, r.header.Get("Retry-After"))
			}
			assert.Equal(t, http.StatusLocked, h.post(hubspot.VersionV3.ArchivePath(), `{"inputs":[{"id":"1"}]}`).status, "archive writes too")
			assert.Zero(t, h.emu.Stats().Records, "a locked upsert writes nothing")
			assert.Equal(t, uint64(2), h.emu.Stats().Faults)

			assert.Equal(t, http.StatusOK, h.post(readPathV3, `{"inputs":[]}`).status, "reads are never locked")
			assert.Equal(t, http.StatusNotFound, h.do(http.MethodGet, hubspot.VersionV3.ObjectPath("1"), "", nil).status)
			assert.Equal(t, uint64(2), h.emu.Stats().Faults, "a 423 drawn for a read is not injected")
		})
	}
}

// A 423 comes after authentication and the rate limit, like every fault,
// so a locked write still spends the token's budget.
func TestFault423AfterAdmission(t *testing.T) {
	f, err := ParseFault("423=1")
	require.NoError(t, err)
	h := newHarness(t, WithFaults(f), WithTier(hubspot.TierFree))
	r := h.do(http.MethodPost, upsertPathV3, batchBody("x", 1, false), map[string]string{"Authorization": "Bearer wrong"})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = h.post(upsertPathV3, batchBody("x", 1, false))
	require.Equal(t, http.StatusLocked, r.status)
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining))
}
