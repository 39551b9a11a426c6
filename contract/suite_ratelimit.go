package contract

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the rate-limit cases.
const (
	CaseRateLimitHeaders = "every-answer"
	CaseRateLimitProbe   = "burst"
)

// cleanupTimeout bounds the archive calls at the end of a run.
const cleanupTimeout = 2 * time.Minute

// contextForCleanup keeps the parent's values but not its cancellation: an
// interrupted run must still archive what it created.
func contextForCleanup(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
}

func sortStrings(s []string) { slices.Sort(s) }

// limitedAnswer is whether an answer passed the point where a target
// applies its rate limit: authenticated, routed, method allowed. A 404 of
// GET tasks/{id} is routed (the record is missing, not the route).
func limitedAnswer(ex Exchange) bool {
	switch ex.StatusCode {
	case 0, http.StatusUnauthorized, http.StatusMethodNotAllowed:
		return false
	case http.StatusNotFound:
		return ex.operation() == opGet
	}
	return true
}

// rateLimitHeaderCase looks at every answer the run got with the main
// token. Targets need not send the headers; when they send them at all,
// they must be on every answer, coherent, with a constant Max and a
// Remaining that goes down with every request inside one window.
func (r *suiteRun) rateLimitHeaderCase() {
	var seen []Exchange
	sends := false
	for _, ex := range r.sent {
		if !limitedAnswer(ex) {
			continue
		}
		seen = append(seen, ex)
		if ex.ResponseHeader.Get(hubspot.HeaderRateLimitMax) != "" {
			sends = true
		}
	}
	if !sends {
		r.skip(CheckRateLimitHeaders, CaseRateLimitHeaders, "the target sends no "+hubspot.HeaderRateLimitMax+" headers (a target without rate limits)")
		return
	}
	r.result(CheckRateLimitHeaders, CaseRateLimitHeaders, 0, rateLimitHeaderFindings(seen), 0)
}

// rateLimitHeaderFindings checks a sequence of answers to sequential
// requests made with one token.
func rateLimitHeaderFindings(seen []Exchange) []Finding {
	var fs []Finding
	var firstMax string
	prevRemaining := -1
	wantInterval := strconv.FormatInt(hubspot.BurstWindow.Milliseconds(), 10)
	intervalReported := false
	for i, ex := range seen {
		h := ex.ResponseHeader
		maxV, remV := h.Get(hubspot.HeaderRateLimitMax), h.Get(hubspot.HeaderRateLimitRemaining)
		if maxV == "" || remV == "" {
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("answer %d has no %s/%s header while others have them", ex.StatusCode, hubspot.HeaderRateLimitMax, hubspot.HeaderRateLimitRemaining),
				"a target that sends rate-limit headers sends them on every answer, so clients can pace themselves",
				"set the X-HubSpot-RateLimit-* headers on every authenticated answer, errors included"))
			prevRemaining = -1
			continue
		}
		if firstMax == "" {
			firstMax = maxV
		} else if maxV != firstMax {
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("%s changed from %s to %s between requests", hubspot.HeaderRateLimitMax, firstMax, maxV),
				"Max is the size of the window's budget: constant for a token",
				"send the configured limit, not a computed value"))
		}
		if iv := h.Get(hubspot.HeaderRateLimitIntervalMillis); iv != wantInterval && !intervalReported {
			intervalReported = true
			got := iv
			if got == "" {
				got = "absent"
			}
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("%s is %s, want %s", hubspot.HeaderRateLimitIntervalMillis, got, wantInterval),
				"HubSpot's burst limit is per rolling 10-second window, and Interval-Milliseconds says so",
				"send "+hubspot.HeaderRateLimitIntervalMillis+": "+wantInterval+" with Max and Remaining"))
		}
		maxN, errMax := strconv.Atoi(maxV)
		rem, err := strconv.Atoi(remV)
		if err != nil || errMax != nil || rem < 0 {
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("%s %q / %s %q are not non-negative integers", hubspot.HeaderRateLimitMax, maxV, hubspot.HeaderRateLimitRemaining, remV),
				"Max and Remaining count requests", "send decimal integers"))
			prevRemaining = -1
			continue
		}
		if rem > maxN {
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("%s %d is above %s %d", hubspot.HeaderRateLimitRemaining, rem, hubspot.HeaderRateLimitMax, maxN),
				"Remaining is what is left of the window's budget of Max requests: never more than Max",
				"count the requests of the window and report Max minus them"))
		}
		// A rolling window frees one unit of budget when a request leaves
		// it, interval after it was sent. Remaining must fall from the
		// previous answer to this one unless an earlier request of the
		// sequence may have left the window in between (with a margin for
		// the time between sending and the target's clock).
		if i > 0 && prevRemaining > 0 && rem >= prevRemaining && !budgetFreedBetween(seen[:i], seen[i-1].SentAt, ex.SentAt) {
			fs = append(fs, ex.finding(CheckRateLimitHeaders, fmt.Sprintf("%s went from %d to %d on the next request within one window", hubspot.HeaderRateLimitRemaining, prevRemaining, rem),
				"every request inside a window uses one unit of the budget, so Remaining goes down",
				"count each request against the token's window and report what is left"))
		}
		prevRemaining = rem
	}
	return fs
}

// windowMargin is how far a request's send time may be from the instant
// the target counted it (connection set-up, scheduling, clock granularity).
const windowMargin = time.Second

// budgetFreedBetween reports whether a request of earlier, sent before the
// answer at from, may have left the rolling window by the answer at to.
func budgetFreedBetween(earlier []Exchange, from, to time.Time) bool {
	lo := from.Add(-hubspot.BurstWindow - windowMargin)
	hi := to.Add(-hubspot.BurstWindow + windowMargin)
	for _, e := range earlier {
		if !e.SentAt.Before(lo) && !e.SentAt.After(hi) {
			return true
		}
	}
	return false
}

// rateLimitProbeCase (opt-in) sends cheap batch reads of a value nobody
// has until the target answers 429, then checks the 429's body.
func (r *suiteRun) rateLimitProbeCase() {
	if !r.s.cfg.ProbeRateLimit {
		r.skip(CheckRateLimitProbe, CaseRateLimitProbe, "opt-in: run with --probe-rate-limit (uses up the burst budget of the token)")
		return
	}
	if r.interrupted(CheckRateLimitProbe, CaseRateLimitProbe) {
		return
	}
	limit := DefaultProbeRequests
	for i := len(r.sent) - 1; i >= 0; i-- {
		if m, err := strconv.Atoi(r.sent[i].ResponseHeader.Get(hubspot.HeaderRateLimitMax)); err == nil && m > 0 {
			limit = min(m+probeMargin, DefaultProbeRequests)
			break
		}
	}
	read := hubspot.BatchReadRequest{IDProperty: r.s.cfg.IDProperty, Inputs: []hubspot.ObjectID{{ID: r.prefix + "-probe"}},
		Properties: []string{r.s.cfg.IDProperty}, PropertiesWithHistory: []string{}}
	body, _ := json.Marshal(read)
	path := r.s.cfg.Version.ReadPath()
	start := time.Now()
	for i := 0; i < limit; i++ {
		if r.ctx.Err() != nil {
			r.skip(CheckRateLimitProbe, CaseRateLimitProbe, "interrupted: "+r.ctx.Err().Error())
			return
		}
		ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
		if err != nil {
			r.transportFailure(CaseRateLimitProbe, []CheckName{CheckRateLimitProbe}, http.MethodPost, path, body, err)
			return
		}
		if ex.StatusCode != http.StatusTooManyRequests {
			continue
		}
		r.exchangeResults(CaseRateLimitProbe, ex, false)
		r.result(CheckRateLimitProbe, CaseRateLimitProbe, ex.StatusCode, probeFindings(ex), time.Since(start))
		return
	}
	r.result(CheckRateLimitProbe, CaseRateLimitProbe, 0, []Finding{{
		Check: CheckRateLimitProbe, Method: http.MethodPost, Path: path, Sent: trimBody(body),
		Message:  fmt.Sprintf("%d requests in %s got no 429", limit, time.Since(start).Round(time.Millisecond)),
		Reason:   "HubSpot limits each token to a burst per 10-second window (100–250 by tier) and answers 429 beyond it",
		HowToFix: "enforce a per-token burst limit, or leave --probe-rate-limit off for a target without limits",
	}}, time.Since(start))
}

// probeFindings checks the body of a 429: errorType RATE_LIMIT and a known
// policyName.
func probeFindings(ex Exchange) []Finding {
	var e hubspot.Error
	if err := json.Unmarshal(ex.ResponseBody, &e); err != nil {
		return []Finding{ex.finding(CheckRateLimitProbe, "429 body is not a JSON error object",
			`a 429 carries {"status":"error","errorType":"RATE_LIMIT","policyName":…}`, "send HubSpot's 429 body")}
	}
	var fields []FieldFailure
	if e.ErrorType != hubspot.ErrorTypeRateLimit {
		fields = append(fields, FieldFailure{Pointer: "/errorType", Message: fmt.Sprintf("errorType is %q, want %q", e.ErrorType, hubspot.ErrorTypeRateLimit)})
	}
	if e.PolicyName != hubspot.PolicyTenSecondlyRolling && e.PolicyName != hubspot.PolicyDaily {
		fields = append(fields, FieldFailure{Pointer: "/policyName", Message: fmt.Sprintf("policyName is %q, want %s or %s", e.PolicyName, hubspot.PolicyTenSecondlyRolling, hubspot.PolicyDaily)})
	}
	return fieldsFinding(ex, CheckRateLimitProbe, fields, "429 body does not say which limit was hit",
		`a 429 names errorType RATE_LIMIT and the policyName (TEN_SECONDLY_ROLLING or DAILY), so clients know whether to wait seconds or until tomorrow`,
		"send errorType and policyName in every 429 body")
}
