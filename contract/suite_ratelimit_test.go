package contract

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestRateLimitHeadersRollingWindow: Remaining must fall from one answer to
// the next unless a request may have left HubSpot's rolling 10-second
// window in between. A suite slower than the window (a busy machine,
// recording) met that case and failed a target that kept its promise.
func TestRateLimitHeadersRollingWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	type call struct {
		at        time.Duration
		remaining int
	}
	tests := []struct {
		name    string
		calls   []call
		wantBad int
	}{
		{"falls within a window", []call{{0, 99}, {time.Second, 98}, {2 * time.Second, 97}}, 0},
		{"flat within a window", []call{{0, 99}, {time.Second, 98}, {2 * time.Second, 98}}, 1},
		{"rises within a window", []call{{0, 99}, {time.Second, 98}, {2 * time.Second, 99}}, 1},
		// The request at 0 leaves the window at 10 s: the answer at 10.2 s
		// counts the new request and forgets the old one.
		{"flat when the first request left", []call{{0, 99}, {5 * time.Second, 98}, {10200 * time.Millisecond, 98}}, 0},
		// Requests at 0 and 0.5 s leave by 10.6 s: Remaining may rise.
		{"rises when two left", []call{{0, 99}, {500 * time.Millisecond, 98}, {5 * time.Second, 97}, {10600 * time.Millisecond, 98}}, 0},
		// After a long sequence, a flat answer with no request leaving in
		// between is still a deviation: requests at 0..3 s left long before
		// 20 s, the ones at 20 and 21 s cannot have.
		{"flat later, nothing left", []call{{0, 99}, {3 * time.Second, 98}, {20 * time.Second, 99}, {21 * time.Second, 98}, {22 * time.Second, 98}}, 1},
		// What failed in CI: the comparison restarted at 10.5 s, but the
		// request at 6 s, before that restart, left the window at 16 s.
		{"flat when a request before the restart left", []call{{0, 99}, {6 * time.Second, 98}, {10500 * time.Millisecond, 98}, {12 * time.Second, 97}, {16500 * time.Millisecond, 97}}, 0},
		// The previous request itself may leave when the gap is a window.
		{"flat after a window's gap", []call{{0, 99}, {11 * time.Second, 99}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []Exchange
			for _, c := range tt.calls {
				h := http.Header{}
				h.Set(hubspot.HeaderRateLimitMax, "100")
				h.Set(hubspot.HeaderRateLimitRemaining, strconv.Itoa(c.remaining))
				h.Set(hubspot.HeaderRateLimitIntervalMillis, "10000")
				at := t0.Add(c.at)
				seen = append(seen, Exchange{Method: http.MethodPost, Path: hubspot.VersionV3.UpsertPath(), StatusCode: 200,
					ResponseHeader: h, SentAt: at, ReceivedAt: at.Add(20 * time.Millisecond)})
			}
			fs := rateLimitHeaderFindings(seen)
			assert.Len(t, fs, tt.wantBad, "%v", fs)
			for _, f := range fs {
				assert.Equal(t, CheckRateLimitHeaders, f.Check)
			}
		})
	}
}
