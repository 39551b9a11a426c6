package emulator

import (
	"net/http"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // the zones of the time-zone tests, whatever the system has

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
		CorrelationID: e.CorrelationID, PolicyName: hubspot.PolicyTenSecondlyRolling,
		GroupName: "publicapi:private-app-ten-secondly-rolling:3100001"}, e, "no requestId: HubSpot's ten-secondly 429s carry none")
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
	assert.Equal(t, "publicapi:private-app-daily:"+DefaultPortalID, e.GroupName)
	assert.Regexp(t, `^[0-9a-f]{32}$`, e.RequestID, "daily 429s carry a requestId")
	assert.Equal(t, "0", r.header.Get(hubspot.HeaderRateLimitDailyRemaining))
	assert.Empty(t, r.header.Get("Retry-After"), "Retry-After only when asked for")

	clock.Advance(12 * time.Hour) // past midnight UTC
	assert.Equal(t, http.StatusOK, h.post(upsertPathV3, body).status)
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

// The burst window belongs to each token (app); the daily budget to the
// account, shared by all its tokens, read-only ones included. Each answer's
// headers describe the asking token's window and the account's day.
func TestRateLimitBurstPerTokenDailyPerAccount(t *testing.T) {
	clock := newFakeClock()
	const second, third = "second-app", "third-app"
	emu := New(WithToken(testToken), WithToken(second), WithReadOnlyToken(third), WithTier(hubspot.TierFree), WithClock(clock.Now))
	emu.limiter.limits.Daily = 150 // a small day keeps the test short
	srv := newTestServer(t, emu)
	h := &harness{t: t, emu: emu, srv: srv}
	as := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }
	read := `{"inputs":[]}`

	for i := range 100 {
		r := h.do(http.MethodPost, readPathV3, read, as(testToken))
		require.Equal(t, http.StatusOK, r.status, "request %d", i)
	}
	r := h.do(http.MethodPost, readPathV3, read, as(testToken))
	require.Equal(t, http.StatusTooManyRequests, r.status, "the first token used its burst")
	e := r.errorBody(t)
	assert.Equal(t, hubspot.PolicyTenSecondlyRolling, e.PolicyName)
	assert.Equal(t, "publicapi:private-app-ten-secondly-rolling:3100001", e.GroupName)

	r = h.do(http.MethodPost, readPathV3, read, as(second))
	require.Equal(t, http.StatusOK, r.status, "the second token has its own burst window")
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining), "burst headers are the asking token's")
	assert.Equal(t, "49", r.header.Get(hubspot.HeaderRateLimitDailyRemaining), "daily headers are the account's: 150-101")
	r = h.do(http.MethodPost, readPathV3, read, as(third))
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining))
	assert.Equal(t, "48", r.header.Get(hubspot.HeaderRateLimitDailyRemaining), "the read-only app spends the same day")

	for range 48 {
		require.Equal(t, http.StatusOK, h.do(http.MethodPost, readPathV3, read, as(second)).status)
	}
	r = h.do(http.MethodPost, readPathV3, read, as(third))
	require.Equal(t, http.StatusTooManyRequests, r.status, "the account's day is spent, whatever the token")
	e = r.errorBody(t)
	assert.Equal(t, hubspot.PolicyDaily, e.PolicyName)
	assert.Equal(t, "0", r.header.Get(hubspot.HeaderRateLimitDailyRemaining))
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining), "the third token spent 1 of its window; refusals count nowhere")

	clock.Advance(10 * time.Second)
	r = h.do(http.MethodPost, readPathV3, read, as(testToken))
	assert.Equal(t, http.StatusTooManyRequests, r.status, "a free burst window does not help a spent day")
	assert.Equal(t, hubspot.PolicyDaily, r.errorBody(t).PolicyName)
}

// The daily budget resets at midnight in the account's time zone, which is
// not 24 hours after the last midnight on the days a DST change makes 23
// or 25 hours long.
func TestRateLimitDailyResetsAtMidnightInTimeZone(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	tests := []struct {
		name  string
		loc   *time.Location
		start time.Time // when the budget is spent
		reset time.Time // the next local midnight
	}{
		{"UTC", time.UTC, time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC), time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)},
		{"half-hour offset", kolkata, time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC), time.Date(2026, 11, 28, 18, 30, 0, 0, time.UTC)},
		{"New York, ordinary day", newYork, time.Date(2026, 11, 28, 12, 0, 0, 0, newYork), time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC)},
		// 2026-03-08 is 23 hours long in New York: midnight EST to midnight EDT.
		{"New York, spring forward", newYork, time.Date(2026, 3, 8, 0, 0, 0, 0, newYork), time.Date(2026, 3, 9, 4, 0, 0, 0, time.UTC)},
		// 2026-11-01 is 25 hours long: midnight EDT to midnight EST.
		{"New York, fall back", newYork, time.Date(2026, 11, 1, 0, 0, 0, 0, newYork), time.Date(2026, 11, 2, 5, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: tt.start}
			emu := New(WithToken(testToken), WithTier(hubspot.TierFree), WithClock(clock.Now), WithTimeZone(tt.loc), WithRetryAfter(true))
			emu.limiter.limits.Daily = 2
			h := &harness{t: t, emu: emu, srv: newTestServer(t, emu)}
			read := `{"inputs":[]}`
			require.Equal(t, http.StatusOK, h.post(readPathV3, read).status)
			require.Equal(t, http.StatusOK, h.post(readPathV3, read).status)
			r := h.post(readPathV3, read)
			require.Equal(t, http.StatusTooManyRequests, r.status)
			wait := tt.reset.Sub(tt.start)
			assert.Equal(t, strconv.Itoa(int((wait+time.Second-1)/time.Second)), r.header.Get("Retry-After"),
				"Retry-After points at the next local midnight")

			clock.Advance(wait - time.Millisecond)
			assert.Equal(t, http.StatusTooManyRequests, h.post(readPathV3, read).status, "1 ms before local midnight")
			clock.Advance(time.Millisecond)
			r = h.post(readPathV3, read)
			assert.Equal(t, http.StatusOK, r.status, "at local midnight the day starts again")
			assert.Equal(t, "1", r.header.Get(hubspot.HeaderRateLimitDailyRemaining))
		})
	}
}

func TestDayBounds(t *testing.T) {
	santiago, err := time.LoadLocation("America/Santiago")
	require.NoError(t, err)
	// 2026-09-06 starts at 01:00 -03 in Santiago: at 24:00 -04 the clocks
	// skip to 01:00, so the day has 23 hours.
	now := time.Date(2026, 9, 6, 12, 0, 0, 0, santiago).UnixMilli()
	start, end := dayBounds(now, santiago)
	assert.Equal(t, time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC).UnixMilli(), start, "the day starts where the clocks skip midnight")
	assert.Equal(t, time.Date(2026, 9, 7, 3, 0, 0, 0, time.UTC).UnixMilli(), end)
	for _, loc := range []*time.Location{time.UTC, santiago} {
		for ms := int64(0); ms < 400*24*3_600_000; ms += 3_600_000 + 7 {
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() + ms
			start, end := dayBounds(now, loc)
			require.True(t, start <= now && now < end, "%s: %d not in [%d, %d)", loc, now, start, end)
			require.Equal(t, time.UnixMilli(now).In(loc).Day(), time.UnixMilli(start).In(loc).Day(), "the day holds now")
		}
	}
}
