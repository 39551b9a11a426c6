package emulator

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/upsertbench/upsertbench/hubspot"
)

// limiter enforces one tier's budgets per token: a rolling 10-second window
// (a ring of the accepted requests' times, so the window is exact rather
// than bucketed) and a daily budget that resets at midnight UTC (HubSpot
// resets at midnight in the account's time zone; the emulator's account
// lives in UTC). Refused requests do not count against either budget.
type limiter struct {
	limits hubspot.Limits
	mu     sync.Mutex
	tokens map[string]*bucket
}

type bucket struct {
	ring      []int64 // accepted request times (unix ms), oldest at head
	head, n   int
	day       int64
	dailyUsed int
}

// decision is the outcome of one admission.
type decision struct {
	ok             bool
	policy         string // hubspot.PolicyTenSecondlyRolling or hubspot.PolicyDaily when refused
	remaining      int
	dailyRemaining int
	retryAfterMS   int64
}

const dayMS = 86_400_000

func newLimiter(l hubspot.Limits) *limiter {
	return &limiter{limits: l, tokens: map[string]*bucket{}}
}

func (l *limiter) enabled() bool { return l.limits.Burst > 0 || l.limits.Daily > 0 }

func (l *limiter) reset() {
	l.mu.Lock()
	l.tokens = map[string]*bucket{}
	l.mu.Unlock()
}

// admit counts one request of token at nowMS, or refuses it.
func (l *limiter) admit(token string, nowMS int64) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.tokens[token]
	if b == nil {
		b = &bucket{ring: make([]int64, max(l.limits.Burst, 1)), day: floorDiv(nowMS, dayMS)}
		l.tokens[token] = b
	}
	if day := floorDiv(nowMS, dayMS); day != b.day {
		b.day, b.dailyUsed = day, 0
	}
	windowStart := nowMS - hubspot.BurstWindow.Milliseconds()
	for b.n > 0 && b.ring[b.head] <= windowStart {
		b.head = (b.head + 1) % len(b.ring)
		b.n--
	}
	d := decision{remaining: l.limits.Burst - b.n, dailyRemaining: l.limits.Daily - b.dailyUsed}
	switch {
	case l.limits.Daily > 0 && b.dailyUsed >= l.limits.Daily:
		d.policy = hubspot.PolicyDaily
		d.retryAfterMS = (b.day+1)*dayMS - nowMS
		d.dailyRemaining = 0
		return d
	case l.limits.Burst > 0 && b.n >= l.limits.Burst:
		d.policy = hubspot.PolicyTenSecondlyRolling
		d.retryAfterMS = b.ring[b.head] + hubspot.BurstWindow.Milliseconds() - nowMS
		d.remaining = 0
		return d
	}
	if l.limits.Burst > 0 {
		b.ring[(b.head+b.n)%len(b.ring)] = nowMS
		b.n++
		d.remaining--
	}
	b.dailyUsed++
	d.dailyRemaining--
	d.ok = true
	return d
}

// setHeaders writes the X-HubSpot-RateLimit-* headers of a decision. The
// Secondly pair is not sent: HubSpot documents it only for legacy API keys,
// and private-app tokens (what upsertbench uses) get the ten-second and
// daily headers.
func (l *limiter) setHeaders(h http.Header, d decision) {
	if l.limits.Burst > 0 {
		h.Set(hubspot.HeaderRateLimitMax, strconv.Itoa(l.limits.Burst))
		h.Set(hubspot.HeaderRateLimitRemaining, strconv.Itoa(max(d.remaining, 0)))
		h.Set(hubspot.HeaderRateLimitIntervalMillis, strconv.FormatInt(hubspot.BurstWindow.Milliseconds(), 10))
	}
	if l.limits.Daily > 0 {
		h.Set(hubspot.HeaderRateLimitDaily, strconv.Itoa(l.limits.Daily))
		h.Set(hubspot.HeaderRateLimitDailyRemaining, strconv.Itoa(max(d.dailyRemaining, 0)))
	}
}
