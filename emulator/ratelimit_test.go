package emulator

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestRateLimitTenSecondly(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithTier(hubspot.TierFree), WithClock(clock.Now), WithRetryAfter(true))
	body := batchBody("rl", 1, false)

	for i := range 100 {
		r := h.post(upsertPathV3, body)
		require.Equal(t, http.StatusOK, r.status, "request %d", i)
		assert.Equal(t, "100", r.header.Get(hubspot.HeaderRateLimitMax))
		assert.Equal(t, strconv.Itoa(99-i), r.header.Get(hubspot.HeaderRateLimitRemaining))
		assert.Equal(t, "10000", r.header.Get(hubspot.HeaderRateLimitIntervalMillis))
		assert.Equal(t, "250000", r.header.Get(hubspot.HeaderRateLimitDaily))
		assert.Equal(t, strconv.Itoa(250000-1-i), r.header.Get(hubspot.HeaderRateLimitDailyRemaining))
		assert.Empty(t, r.header.Get(hubspot.HeaderRateLimitSecondly), "the Secondly pair is not sent")
		clock.Advance(10 * time.Millisecond) // 100 requests within 1 s
	}
	r := h.post(upsertPathV3, body)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	var e hubspot.Error
	r.json(t, &e)
	assert.Equal(t, hubspot.Error{Status: "error", Message: hubspot.MessageTenSecondlyLimit, ErrorType: hubspot.ErrorTypeRateLimit,
		CorrelationID: e.CorrelationID, PolicyName: hubspot.PolicyTenSecondlyRolling}, e)
	assert.Equal(t, "0", r.header.Get(hubspot.HeaderRateLimitRemaining))
	assert.Equal(t, "9", r.header.Get("Retry-After"), "the first request leaves the window 9 s later")
	// Reads count against the same budget, and refusals do not count.
	r = h.post(readPathV3, `{"inputs":[]}`)
	assert.Equal(t, http.StatusTooManyRequests, r.status)

	// The window rolls: 10 s after the first request, one slot frees up.
	clock.Advance(10*time.Second - time.Second)
	r = h.post(upsertPathV3, body)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "0", r.header.Get(hubspot.HeaderRateLimitRemaining))
	r = h.post(upsertPathV3, body)
	assert.Equal(t, http.StatusTooManyRequests, r.status)

	assert.Equal(t, uint64(3), h.emu.Stats().RateLimited)
}

func TestRateLimitDaily(t *testing.T) {
	clock := newFakeClock()
	emu := New(WithToken(testToken), WithTier(hubspot.TierFree), WithClock(clock.Now))
	emu.limiter.limits.Daily = 5 // a small day keeps the test short
	h := &harness{t: t, emu: emu}
	h.srv = newTestServer(t, emu)
	body := batchBody("d", 1, false)
	for range 5 {
		require.Equal(t, http.StatusOK, h.post(upsertPathV3, body).status)
		clock.Advance(time.Minute)
	}
	r := h.post(upsertPathV3, body)
	require.Equal(t, http.StatusTooManyRequests, r.status)
	var e hubspot.Error
	r.json(t, &e)
	assert.Equal(t, hubspot.PolicyDaily, e.PolicyName)
	assert.Equal(t, hubspot.MessageDailyLimit, e.Message)
	assert.Equal(t, hubspot.ErrorTypeRateLimit, e.ErrorType)
	assert.Equal(t, "0", r.header.Get(hubspot.HeaderRateLimitDailyRemaining))
	assert.Empty(t, r.header.Get("Retry-After"), "Retry-After only when asked for")

	clock.Advance(12 * time.Hour) // past midnight UTC
	assert.Equal(t, http.StatusOK, h.post(upsertPathV3, body).status)
}

func TestRateLimitPerToken(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithTier(hubspot.TierFree), WithClock(clock.Now))
	for range 100 {
		require.Equal(t, http.StatusOK, h.post(readPathV3, `{"inputs":[]}`).status)
	}
	assert.Equal(t, http.StatusTooManyRequests, h.post(readPathV3, `{"inputs":[]}`).status)
	r := h.do(http.MethodPost, readPathV3, `{"inputs":[]}`, map[string]string{"Authorization": "Bearer " + testROToken})
	assert.Equal(t, http.StatusOK, r.status, "the other token has its own budget")
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining))
}

func TestTierLimitsAndNoHeadersWithoutTier(t *testing.T) {
	tests := []struct {
		tier         hubspot.Tier
		burst, daily string
	}{
		{hubspot.TierNone, "", ""},
		{hubspot.TierProfessional, "190", "650000"},
		{hubspot.TierEnterprise, "190", "1000000"},
		{hubspot.TierCapacity, "250", "2000000"},
	}
	for _, tt := range tests {
		t.Run(string(tt.tier), func(t *testing.T) {
			h := newHarness(t, WithTier(tt.tier))
			r := h.post(readPathV3, `{"inputs":[]}`)
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, tt.burst, r.header.Get(hubspot.HeaderRateLimitMax))
			assert.Equal(t, tt.daily, r.header.Get(hubspot.HeaderRateLimitDaily))
		})
	}
}
