package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
)

// Sending verification reads: paced within the tier's burst limit next to
// the load, retried through 429s, 5xx answers and lost connections for a
// bounded time, and counted apart from the load figures (VerifySummary;
// nothing of them reaches results.bin).

// Backoff of a read that did not get a usable answer.
const (
	verifyBackoffFirst = time.Second
	verifyBackoffMax   = hubspot.BurstWindow // a ten-secondly window has rolled by then
)

// errDailyLimit stops verification: the account's daily budget does not
// come back within a run.
var errDailyLimit = errors.New("the target answered 429 with its daily limit (policy DAILY): verification stopped")

// post sends one read, retrying what may succeed later, and returns the
// usable answer (200 or 207) with its reference (read #m, when into the
// run it was sent, its status).
func (v *verifier) post(ctx context.Context, body []byte) (status int, answer []byte, ref results.AnswerRef, err error) {
	deadline := time.Now().Add(v.cfg.retryFor)
	backoff := verifyBackoffFirst
	for attempt := 0; ; attempt++ {
		if err := v.pace.wait(ctx); err != nil {
			return 0, nil, ref, err
		}
		ref = results.AnswerRef{Kind: "read", Batch: v.reads.Add(1), At: time.Since(v.cfg.start)}
		req, rerr := http.NewRequestWithContext(ctx, http.MethodPost, v.url, bytes.NewReader(body))
		if rerr != nil {
			return 0, nil, ref, rerr
		}
		req.Header = v.header.Clone()
		v.count(func(s *results.VerifySummary) { s.Requests++ })
		resp, herr := v.client.Do(req)
		var why string
		var wait time.Duration
		if herr != nil {
			if ctx.Err() != nil {
				return 0, nil, ref, ctx.Err()
			}
			why = "no answer: " + herr.Error()
		} else {
			answer, rerr = io.ReadAll(io.LimitReader(resp.Body, DefaultMaxKeptBody))
			resp.Body.Close()
			ref.Status = resp.StatusCode
			switch {
			case rerr != nil:
				why = "answer cut off: " + rerr.Error()
			case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusMultiStatus:
				return resp.StatusCode, answer, ref, nil
			case resp.StatusCode == http.StatusTooManyRequests:
				v.count(func(s *results.VerifySummary) { s.RateLimited++ })
				if policyOf(answer) == hubspot.PolicyDaily {
					return 0, nil, ref, errDailyLimit
				}
				why = "429 " + policyOf(answer)
				wait = retryAfter(resp.Header)
			case resp.StatusCode >= 500:
				why = fmt.Sprintf("answered %d", resp.StatusCode)
				wait = retryAfter(resp.Header)
			default:
				// The read itself is refused (a 4xx other than 429):
				// asking again will not help.
				v.count(func(s *results.VerifySummary) { s.Failed++ })
				return 0, nil, ref, fmt.Errorf("read #%d answered %d: %s", ref.Batch, resp.StatusCode, oneLine(answer))
			}
		}
		if herr != nil || ref.Status != http.StatusTooManyRequests {
			v.count(func(s *results.VerifySummary) { s.Failed++ })
		}
		if wait <= 0 {
			wait = backoff
			backoff = min(2*backoff, verifyBackoffMax)
		}
		if time.Now().Add(wait).After(deadline) {
			return 0, nil, ref, fmt.Errorf("read #%d: %s, and still so after %d tries in %s", ref.Batch, why, attempt+1, v.cfg.retryFor)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return 0, nil, ref, ctx.Err()
		case <-t.C:
		}
	}
}

// retryAfter reads a Retry-After in seconds (0 when absent or unreadable).
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return min(time.Duration(s)*time.Second, 5*time.Minute)
}

// oneLine shortens an answer for an error message.
func oneLine(b []byte) string {
	b = bytes.Join(bytes.Fields(b), []byte(" "))
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// readPacer spaces verification reads within the tier's burst limit
// (hubspot.TierLimits: requests per rolling 10 s, per token, shared by the
// shards). While the load runs, and for one window after it (its last
// requests are still in the rolling window), reads get what the load's
// busiest window leaves (at least one read per window); after that, the
// whole limit. A tier without limits is not paced.
type readPacer struct {
	mu      sync.Mutex
	next    time.Time
	full    float64 // reads per window once the load is out of the window
	beside  float64 // reads per window next to the load
	loadEnd time.Time
}

func newReadPacer(lim hubspot.Limits, loadPeakPer10s float64, shards int) *readPacer {
	if lim.Burst <= 0 {
		return nil
	}
	full := float64(lim.Burst) / float64(shards)
	return &readPacer{full: full, beside: max((float64(lim.Burst)-loadPeakPer10s)/float64(shards), 1)}
}

// loadEnded starts the countdown to the full budget.
func (p *readPacer) loadEnded(at time.Time) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.loadEnd = at
	p.mu.Unlock()
}

// interval is the spacing of reads at now.
func (p *readPacer) interval(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.intervalLocked(now)
}

func (p *readPacer) intervalLocked(now time.Time) time.Duration {
	budget := p.beside
	if !p.loadEnd.IsZero() && !now.Before(p.loadEnd.Add(hubspot.BurstWindow)) {
		budget = p.full
	}
	return time.Duration(float64(hubspot.BurstWindow) / budget)
}

// wait blocks until the next read may leave.
func (p *readPacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	at := later(now, p.next)
	p.next = at.Add(p.intervalLocked(now))
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
