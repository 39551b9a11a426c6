package load

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Plan is what a scenario will ask of the target, before anything is sent.
// Rate limits belong to the account, not to one process, so Check compares
// the whole run (every shard together); the shard's own share is kept for
// display.
type Plan struct {
	Scenario string
	Duration time.Duration
	Shard    Shard
	// Requests and PeakPer10s are the whole run's: total requests and the
	// most requests any rolling 10-second window will see.
	Requests   float64
	PeakPer10s float64
	// ShardRequests and ShardPeakPer10s are this process's share.
	ShardRequests   float64
	ShardPeakPer10s float64
	// VerifyRequests are the whole run's read-back requests (batch reads
	// of 100 keys: every round during the run and the final one; re-reads
	// of keys that did not show their write come on top, one per 100 such
	// keys). VerifyPeakPer10s is what the rounds during the run add to the
	// busiest 10 s; the final round is paced within the burst limit after
	// the load and adds nothing to it.
	VerifyRequests   float64
	VerifyPeakPer10s float64
}

// PlanFor computes the plan of a scenario run as shard (the zero Shard is a
// single process).
func PlanFor(s *scenarios.Scenario, shard Shard) Plan {
	shard = normShard(shard)
	p := Plan{
		Scenario:   s.Name,
		Duration:   s.Duration(),
		Shard:      shard,
		Requests:   s.TotalRequests(),
		PeakPer10s: s.PeakPer10s(),
	}
	p.ShardRequests = p.Requests / float64(shard.Count)
	p.ShardPeakPer10s = p.PeakPer10s / float64(shard.Count)
	p.VerifyRequests, p.VerifyPeakPer10s = planVerify(s, shard.Count)
	return p
}

// planVerify estimates the read-back's requests for a scenario run as
// shards processes, each reading back its own keys. Mode auto counts as on
// a remote target (a sample): callers that know the target resolve it
// first (ResolveVerify). The keys a run writes are at most its creates:
// requests × batch size × (1 − updates).
func planVerify(s *scenarios.Scenario, shards int) (requests, peakPer10s float64) {
	v := s.Verify
	if v.Mode == scenarios.VerifyNone {
		return 0, 0
	}
	perShard := math.Ceil(s.TotalRequests() * float64(s.Batch.Size) * (1 - s.Batch.Updates) / float64(shards))
	reads := func(keys float64) float64 { return math.Ceil(keys / hubspot.MaxBatchInputs) }
	sample := math.Min(float64(max(v.Sample, 1)), perShard)
	final := reads(sample)
	if v.Mode == scenarios.VerifyAll {
		final = reads(perShard)
	}
	requests = final * float64(shards)
	if v.Every > 0 {
		rounds := math.Ceil(float64(s.Duration())/float64(v.Every)) - 1 // at every, 2·every, … before the end
		perRound := reads(sample) * float64(shards)
		requests += rounds * perRound
		peakPer10s = perRound * math.Ceil(float64(hubspot.BurstWindow)/float64(v.Every))
	}
	return requests, peakPer10s
}

func normShard(s results.Shard) results.Shard {
	if s.Count <= 0 {
		return results.Shard{Index: 1, Count: 1}
	}
	return s
}

// QuotaError is a plan beyond a tier's budgets.
type QuotaError struct {
	Plan   Plan
	Tier   hubspot.Tier
	Limits hubspot.Limits
	// Burst and Daily say which budget the plan breaks.
	Burst, Daily bool
}

func (e *QuotaError) Error() string {
	var parts []string
	if e.Burst {
		parts = append(parts, fmt.Sprintf("its busiest 10 s sends %s requests%s, over the %s tier's burst limit of %s per 10 s",
			count(e.Plan.PeakPer10s+e.Plan.VerifyPeakPer10s), withReads(e.Plan.PeakPer10s, e.Plan.VerifyPeakPer10s), e.Tier, count(float64(e.Limits.Burst))))
	}
	if e.Daily {
		parts = append(parts, fmt.Sprintf("it sends %s requests%s in %s, over the %s tier's daily budget of %s",
			count(e.Plan.Requests+e.Plan.VerifyRequests), withReads(e.Plan.Requests, e.Plan.VerifyRequests), e.Plan.Duration, e.Tier, count(float64(e.Limits.Daily))))
	}
	shards := ""
	if e.Plan.Shard.Count > 1 {
		shards = fmt.Sprintf(" (all %d shards together: they share one account)", e.Plan.Shard.Count)
	}
	return fmt.Sprintf("scenario %q is over quota%s: %s; lower the rate or duration, set --tier to the account's tier, or pass --allow-over-quota",
		e.Plan.Scenario, shards, strings.Join(parts, "; and "))
}

// withReads splits a request count into upserts and verification reads
// ("" when there are no reads).
func withReads(upserts, reads float64) string {
	if reads <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%s upserts and %s verification reads)", count(upserts), count(reads))
}

// count renders an expected request count: whole numbers with thousands
// separators.
func count(f float64) string {
	n := int64(math.Ceil(f - 1e-9))
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Check refuses a plan above the tier's burst limit or daily budget with a
// *QuotaError that states the numbers; verification reads count in both. TierNone has no limits. The daily
// budget is compared with the whole plan: scenarios last at most a day.
func (p Plan) Check(tier hubspot.Tier) error {
	lim := hubspot.TierLimits(tier)
	e := &QuotaError{Plan: p, Tier: tier, Limits: lim}
	e.Burst = lim.Burst > 0 && p.PeakPer10s+p.VerifyPeakPer10s > float64(lim.Burst)+1e-9
	e.Daily = lim.Daily > 0 && p.Requests+p.VerifyRequests > float64(lim.Daily)+1e-9
	if e.Burst || e.Daily {
		return e
	}
	return nil
}

// String is a one-line description for the start of a run.
func (p Plan) String() string {
	s := fmt.Sprintf("%s: %s requests over %s, peak %s per 10 s", p.Scenario, count(p.Requests), p.Duration, count(p.PeakPer10s))
	if p.VerifyRequests > 0 {
		s += fmt.Sprintf(", and %s verification reads", count(p.VerifyRequests))
	}
	if p.Shard.Count > 1 {
		s += fmt.Sprintf("; shard %d/%d sends %s", p.Shard.Index, p.Shard.Count, count(p.ShardRequests))
	}
	return s
}
