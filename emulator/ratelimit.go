package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// limiter enforces one tier's budgets for the emulator's account (see
// auth.go): a rolling 10-second burst window per app, a rolling 1-second
// search window for the account, and the account's daily budget, which
// resets at midnight in the account's time zone. The windows are exact (a
// ring of the accepted requests' times), not buckets. Refused requests do
// not count against any budget (whether HubSpot counts them is unknown).
type limiter struct {
	limits hubspot.Limits
	loc    *time.Location
	mu     sync.Mutex
	apps   []window // burst window of each app
	search window   // the account's search window
	// The account's current day in loc: [dayStartMS, dayEndMS).
	dayStartMS, dayEndMS int64
	dailyUsed            int
}

// window is a rolling window of accepted request times (unix ms), oldest
// at head.
type window struct {
	ring    []int64
	head, n int
}

func newWindow(size int) window { return window{ring: make([]int64, max(size, 1))} }

// expire drops the times at or before cutoff.
func (w *window) expire(cutoff int64) {
	for w.n > 0 && w.ring[w.head] <= cutoff {
		w.head = (w.head + 1) % len(w.ring)
		w.n--
	}
}

func (w *window) add(t int64) {
	w.ring[(w.head+w.n)%len(w.ring)] = t
	w.n++
}

// Policies of a refusal. policySecondly is the search limit; its 429 body
// names no policy (recorded search 429s carry none), so it is only a
// metrics label.
const policySecondly = "SECONDLY"

// decision is the outcome of one admission.
type decision struct {
	ok             bool
	search         bool
	app            int
	policy         string // hubspot.PolicyTenSecondlyRolling, hubspot.PolicyDaily or policySecondly when refused
	remaining      int    // the app's burst budget left
	dailyRemaining int
	retryAfterMS   int64
}

func newLimiter(l hubspot.Limits, loc *time.Location, apps int) *limiter {
	if loc == nil {
		loc = time.UTC
	}
	lim := &limiter{limits: l, loc: loc, apps: make([]window, apps)}
	lim.reset()
	return lim
}

func (l *limiter) enabled() bool {
	return l.limits.Burst > 0 || l.limits.Daily > 0 || l.limits.SearchPerSecond > 0
}

func (l *limiter) reset() {
	l.mu.Lock()
	for i := range l.apps {
		l.apps[i] = newWindow(l.limits.Burst)
	}
	l.search = newWindow(l.limits.SearchPerSecond)
	l.dayStartMS, l.dayEndMS, l.dailyUsed = 0, 0, 0
	l.mu.Unlock()
}

// dayBounds returns the day of loc that holds nowMS, as [start, end).
// Days are 23 or 25 hours long around DST changes, so the end is the next
// local midnight, never start + 24 h.
func dayBounds(nowMS int64, loc *time.Location) (start, end int64) {
	y, m, d := time.UnixMilli(nowMS).In(loc).Date()
	start = midnight(y, m, d, loc).UnixMilli()
	end = midnight(y, m, d+1, loc).UnixMilli()
	// Guards for zone data resolved differently: never a day without now.
	start = min(start, nowMS)
	end = max(end, nowMS+1)
	return start, end
}

// midnight is the first instant of local date y-m-d (normalised). Where a
// DST change skips midnight (America/Santiago, 2026-09-06), time.Date
// resolves 00:00 to an instant of the day before; the day then starts
// where the skipping zone starts.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	ny, nm, nd := time.Date(y, m, d, 12, 0, 0, 0, loc).Date()
	if ty, tm, td := t.Date(); ty != ny || tm != nm || td != nd {
		if _, next := t.ZoneBounds(); !next.IsZero() {
			t = next
		}
	}
	return t
}

// admit counts one request of app at nowMS, or refuses it. Search requests
// count against the search window instead of the app's burst window.
func (l *limiter) admit(app int, search bool, nowMS int64) decision {
	l.mu.Lock()
	defer l.mu.Unlock()
	if nowMS < l.dayStartMS || nowMS >= l.dayEndMS {
		l.dayStartMS, l.dayEndMS = dayBounds(nowMS, l.loc)
		l.dailyUsed = 0
	}
	w := &l.apps[app]
	w.expire(nowMS - hubspot.BurstWindow.Milliseconds())
	d := decision{search: search, app: app, remaining: l.limits.Burst - w.n, dailyRemaining: l.limits.Daily - l.dailyUsed}
	if l.limits.Daily > 0 && l.dailyUsed >= l.limits.Daily {
		d.policy = hubspot.PolicyDaily
		d.retryAfterMS = l.dayEndMS - nowMS
		d.dailyRemaining = 0
		return d
	}
	if search {
		w = &l.search
		w.expire(nowMS - hubspot.SearchWindow.Milliseconds())
		if l.limits.SearchPerSecond > 0 && w.n >= l.limits.SearchPerSecond {
			d.policy = policySecondly
			d.retryAfterMS = w.ring[w.head] + hubspot.SearchWindow.Milliseconds() - nowMS
			return d
		}
		if l.limits.SearchPerSecond > 0 {
			w.add(nowMS)
		}
	} else {
		if l.limits.Burst > 0 && w.n >= l.limits.Burst {
			d.policy = hubspot.PolicyTenSecondlyRolling
			d.retryAfterMS = w.ring[w.head] + hubspot.BurstWindow.Milliseconds() - nowMS
			d.remaining = 0
			return d
		}
		if l.limits.Burst > 0 {
			w.add(nowMS)
			d.remaining--
		}
	}
	l.dailyUsed++
	d.dailyRemaining--
	d.ok = true
	return d
}

// setHeaders writes the X-HubSpot-RateLimit-* headers of a decision: the
// burst pair of the app that asked, and the account's daily pair. The
// Secondly pair is not sent: HubSpot documents it only for legacy API keys,
// and private-app tokens (what upsertbench uses) get the ten-second and
// daily headers. Search answers carry no rate-limit headers (reported by
// third parties; likely).
func (l *limiter) setHeaders(h http.Header, d decision) {
	if d.search {
		return
	}
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

// rateLimited builds a 429. Ten-secondly and daily bodies carry errorType,
// policyName and groupName, daily ones a requestId too, as real ones do;
// the group names follow the one recorded form, publicapi:<auth>-<policy>:<id>,
// with the app's id for the burst limit and the portal's for the daily one
// (a documented choice). Search refusals have the recorded search shape:
// category RATE_LIMITS, no errorType or policyName.
func (e *Emulator) rateLimited(w http.ResponseWriter, st *requestState, d decision, label string) answer {
	e.counters.rateLimited.Add(1)
	e.metrics.rateLimited.WithLabelValues(label).Inc()
	if e.cfg.retryAfter {
		w.Header().Set("Retry-After", strconv.FormatInt(max(1, (d.retryAfterMS+999)/1000), 10))
	}
	body := hubspot.Error{Status: hubspot.ErrorStatus, CorrelationID: st.correlationID()}
	switch d.policy {
	case policySecondly:
		body.Message, body.Category = hubspot.MessageSecondlyLimit, hubspot.CategoryRateLimits
	case hubspot.PolicyDaily:
		body.Message, body.ErrorType, body.PolicyName = hubspot.MessageDailyLimit, hubspot.ErrorTypeRateLimit, d.policy
		body.GroupName = "publicapi:private-app-daily:" + e.cfg.portalID
		body.RequestID = string(appendHex(nil, st.rng.next(), st.rng.next()))
	default:
		body.Message, body.ErrorType, body.PolicyName = hubspot.MessageTenSecondlyLimit, hubspot.ErrorTypeRateLimit, hubspot.PolicyTenSecondlyRolling
		body.GroupName = "publicapi:private-app-ten-secondly-rolling:" + strconv.Itoa(appID(d.app))
	}
	b, _ := json.Marshal(body)
	return answer{status: http.StatusTooManyRequests, body: b}
}

// appendHex appends two words as 32 lowercase hex digits (the form of a
// recorded requestId).
func appendHex(dst []byte, hi, lo uint64) []byte {
	for _, v := range [2]uint64{hi, lo} {
		for s := 60; s >= 0; s -= 4 {
			dst = append(dst, hexDigits[v>>uint(s)&0xf])
		}
	}
	return dst
}
