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
	return p
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
		parts = append(parts, fmt.Sprintf("its busiest 10 s sends %s requests, over the %s tier's burst limit of %s per 10 s",
			count(e.Plan.PeakPer10s), e.Tier, count(float64(e.Limits.Burst))))
	}
	if e.Daily {
		parts = append(parts, fmt.Sprintf("it sends %s requests in %s, over the %s tier's daily budget of %s",
			count(e.Plan.Requests), e.Plan.Duration, e.Tier, count(float64(e.Limits.Daily))))
	}
	shards := ""
	if e.Plan.Shard.Count > 1 {
		shards = fmt.Sprintf(" (all %d shards together: they share one account)", e.Plan.Shard.Count)
	}
	return fmt.Sprintf("scenario %q is over quota%s: %s; lower the rate or duration, set --tier to the account's tier, or pass --allow-over-quota",
		e.Plan.Scenario, shards, strings.Join(parts, "; and "))
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
// *QuotaError that states the numbers. TierNone has no limits. The daily
// budget is compared with the whole plan: scenarios last at most a day.
func (p Plan) Check(tier hubspot.Tier) error {
	lim := hubspot.TierLimits(tier)
	e := &QuotaError{Plan: p, Tier: tier, Limits: lim}
	e.Burst = lim.Burst > 0 && p.PeakPer10s > float64(lim.Burst)+1e-9
	e.Daily = lim.Daily > 0 && p.Requests > float64(lim.Daily)+1e-9
	if e.Burst || e.Daily {
		return e
	}
	return nil
}

// String is a one-line description for the start of a run.
func (p Plan) String() string {
	s := fmt.Sprintf("%s: %s requests over %s, peak %s per 10 s", p.Scenario, count(p.Requests), p.Duration, count(p.PeakPer10s))
	if p.Shard.Count > 1 {
		s += fmt.Sprintf("; shard %d/%d sends %s", p.Shard.Index, p.Shard.Count, count(p.ShardRequests))
	}
	return s
}
