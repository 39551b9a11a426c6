package reports

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// TestRateAchieved holds the rate-achieved rule at its edges: the
// tolerance is the larger of 5 % of the plan and one second of its rate,
// a shortfall one request over it fails, an interrupted run or a declared
// saturation run is not judged, and a summary that does not say what rate
// was asked for has no such check.
func TestRateAchieved(t *testing.T) {
	ceiling := &scenarios.Scenario{Saturation: true}
	cases := []struct {
		name        string
		rate        float64
		planned     time.Duration
		sent        uint64
		interrupted bool
		sc          *scenarios.Scenario
		applies     bool
		pass, skip  bool
		count, of   uint64
		says        string
	}{
		{name: "every request sent", rate: 20, planned: 10 * time.Second, sent: 200, applies: true, pass: true, of: 200, says: "sent 200 of the 200 requests planned (100.00%"},
		// 200 planned: 5 % is 10, one second of 20/s is 20.
		{name: "short by one second of the rate", rate: 20, planned: 10 * time.Second, sent: 180, applies: true, pass: true, count: 20, of: 200, says: "within the 20 tolerated"},
		{name: "one more short", rate: 20, planned: 10 * time.Second, sent: 179, applies: true, count: 21, of: 200, says: "21 short, over the 20 tolerated"},
		// 60,000 planned at 1,000/s: 5 % (3,000) is more than one second.
		{name: "long run: 5 % of the plan", rate: 1000, planned: time.Minute, sent: 57000, applies: true, pass: true, count: 3000, of: 60000},
		{name: "long run: over 5 %", rate: 1000, planned: time.Minute, sent: 56999, applies: true, count: 3001, of: 60000, says: "lower --rate, raise http.max_workers"},
		// The soak that reached 42.7 % of 1,000/s and passed.
		{name: "the soak at 42.7 %", rate: 1000, planned: 10 * time.Minute, sent: 256_440, applies: true, count: 343_560, of: 600_000, says: "(42.74%"},
		{name: "a second's run can fall a second short", rate: 10, planned: time.Second, sent: 0, applies: true, pass: true, count: 10, of: 10},
		{name: "interrupted", rate: 20, planned: 10 * time.Second, sent: 100, interrupted: true, applies: true, skip: true, count: 100, of: 200, says: "not judged: the run was interrupted"},
		{name: "a ceiling, not a promise", rate: 1000, planned: 10 * time.Minute, sent: 256_440, sc: ceiling, applies: true, skip: true, count: 343_560, of: 600_000, says: "saturation: true"},
		{name: "a ceiling reached", rate: 20, planned: 10 * time.Second, sent: 200, sc: ceiling, applies: true, skip: true, of: 200},
		{name: "no requested rate recorded", planned: 10 * time.Second, sent: 200},
		{name: "no planned duration recorded", rate: 20, sent: 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := results.NewSummary()
			s.RequestedRate, s.Run.Planned, s.Run.Interrupted = tc.rate, tc.planned, tc.interrupted
			s.Metrics.Requests = tc.sent
			var got *results.RunCheck
			for _, c := range judgeRun(s, tc.sc) {
				if c.Name == RunCheckRate {
					got = &c
				}
			}
			if !tc.applies {
				assert.Nil(t, got, "no rate recorded: nothing to judge")
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.pass, got.Pass, got.Message)
			assert.Equal(t, tc.skip, got.NotChecked, got.Message)
			assert.Equal(t, !tc.pass && !tc.skip, runCheckFails(*got))
			assert.Equal(t, tc.count, got.Count)
			assert.Equal(t, tc.of, got.Of)
			assert.Contains(t, got.Message, tc.says)
		})
	}
}

// TestRateLimitedIsNoShortfall: a 429 is an answer to a request that was
// sent, so a target that refuses most of the run with 429s fails its
// rate_limited threshold, not rate-achieved as well.
func TestRateLimitedIsNoShortfall(t *testing.T) {
	dirs := writeSynth(t, filepath.Join(t.TempDir(), "run"), synthSpec{thresholds: []string{"rate_limited < 1%"}})
	r, err := Build(dirs, WithNow(synthNow))
	require.NoError(t, err)
	require.Positive(t, r.Summary.RateLimitedTotal())
	for _, c := range r.Summary.RunChecks {
		if c.Name == RunCheckRate {
			assert.True(t, c.Pass, c.Message)
		}
	}
	require.Len(t, r.Failures, 1, "%v", r.Failures)
	assert.Contains(t, r.Failures[0], "rate_limited < 1%")
}

// TestReadBackComplete holds read-back-complete to its cases: every key
// compared passes; keys never read or never read again fail with how many
// of how many and why; a merge in which a shard did not read back fails
// naming it; a summary from before the counts existed is not checked; no
// read-back (verification off) has no such check.
func TestReadBackComplete(t *testing.T) {
	cases := []struct {
		name       string
		v          *results.VerifySummary
		pass, skip bool
		says       string
	}{
		{name: "every key compared", v: &results.VerifySummary{Mode: "all", Planned: 500, Keys: 498, Skipped: 2}, pass: true,
			says: "read back all 500 keys it set out to (all); 2 key reads not comparable"},
		{name: "nothing to read", v: &results.VerifySummary{Mode: "all"}, pass: true, says: "no key to read back"},
		{name: "unread", v: &results.VerifySummary{Mode: "sample", Planned: 1000, Keys: 300, Unread: 700, Incomplete: "read 300 of 1,000 keys: read #4 answered 403: …"},
			says: "read-back incomplete: 700 of 1,000 keys not compared (read 300 of 1,000 keys: read #4 answered 403: …)"},
		{name: "not read again", v: &results.VerifySummary{Mode: "all", Planned: 1000, Keys: 1000, Unsettled: 3, Incomplete: "3 keys that did not show their write could not be read again"},
			says: "read-back incomplete: 3 of 1,000 keys not compared (3 keys that"},
		{name: "a shard without read-back", v: &results.VerifySummary{Mode: "all", Planned: 100, Keys: 100, Incomplete: "no read-back in shard 2/2"},
			says: "read-back incomplete: no read-back in shard 2/2"},
		{name: "an older summary", v: &results.VerifySummary{Mode: "all", Keys: 100}, skip: true, says: "not checked: the summary does not say"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := results.NewSummary()
			s.Invariants = &results.InvariantsSummary{Verify: tc.v}
			var got *results.RunCheck
			for _, c := range judgeRun(s, nil) {
				if c.Name == RunCheckReadBack {
					got = &c
				}
			}
			require.NotNil(t, got)
			assert.Equal(t, tc.pass, got.Pass, got.Message)
			assert.Equal(t, tc.skip, got.NotChecked, got.Message)
			assert.Contains(t, got.Message, tc.says)
			assert.Equal(t, tc.v.NotCompared(), got.Count)
			assert.Equal(t, tc.v.Planned, got.Of)
		})
	}
	s := results.NewSummary()
	s.Invariants = &results.InvariantsSummary{}
	for _, c := range judgeRun(s, nil) {
		assert.NotEqual(t, RunCheckReadBack, c.Name, "verification off: nothing to be complete")
	}
}
