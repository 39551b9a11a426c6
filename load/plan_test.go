package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

func TestPlanCheck(t *testing.T) {
	constant := func(d time.Duration, rate float64, verify ...func(*scenarios.Verify)) *scenarios.Scenario {
		s := scenarios.Default()
		s.Name = "plan"
		s.Stages = []scenarios.Stage{{Duration: d, Rate: rate}}
		for _, f := range verify {
			f(&s.Verify)
		}
		require.NoError(t, s.Validate())
		return s
	}
	all := func(v *scenarios.Verify) { v.Mode = scenarios.VerifyAll }
	none := func(v *scenarios.Verify) { v.Mode = scenarios.VerifyNone }
	every30s := func(v *scenarios.Verify) { v.Every = 30 * time.Second }
	tests := []struct {
		name  string
		s     *scenarios.Scenario
		shard results.Shard
		tier  hubspot.Tier
		want  string // "" = allowed
	}{
		{"within free", constant(time.Minute, 5), results.Shard{}, hubspot.TierFree, ""},
		{"exactly the free burst", constant(time.Minute, 10), results.Shard{}, hubspot.TierFree, ""},
		{"over the free burst", constant(time.Minute, 11), results.Shard{}, hubspot.TierFree,
			`scenario "plan" is over quota: its busiest 10 s sends 110 requests, over the free tier's burst limit of 100 per 10 s; lower the rate or duration, set --tier to the account's tier, or pass --allow-over-quota`},
		{"shards share the account", constant(time.Minute, 30), results.Shard{Index: 1, Count: 2}, hubspot.TierProfessional,
			`scenario "plan" is over quota (all 2 shards together: they share one account): its busiest 10 s sends 300 requests, over the professional tier's burst limit of 190 per 10 s`},
		{"over the daily budget only", constant(24*time.Hour, 3), results.Shard{}, hubspot.TierFree,
			"it sends 259,210 requests (259,200 upserts and 10 verification reads) in 24h0m0s, over the free tier's daily budget of 250,000"},
		{"over the daily budget only, no verification", constant(24*time.Hour, 3, none), results.Shard{}, hubspot.TierFree,
			"it sends 259,200 requests in 24h0m0s, over the free tier's daily budget of 250,000"},
		{"a sampled read-back fits", constant(24*time.Hour, 2.89), results.Shard{}, hubspot.TierFree, ""},
		// 249,696 upserts create 12,484,800 keys: reading them all back is
		// 124,848 more requests.
		{"reading every key back does not", constant(24*time.Hour, 2.89, all), results.Shard{}, hubspot.TierFree,
			"it sends 374,544 requests (249,696 upserts and 124,848 verification reads) in 24h0m0s, over the free tier's daily budget of 250,000"},
		{"rounds during the run add to the burst", constant(time.Minute, 10, every30s), results.Shard{}, hubspot.TierFree,
			"its busiest 10 s sends 110 requests (100 upserts and 10 verification reads), over the free tier's burst limit of 100 per 10 s"},
		{"rounds that fit", constant(time.Minute, 9, every30s), results.Shard{}, hubspot.TierFree, ""},
		{"both", constant(24*time.Hour, 20), results.Shard{}, hubspot.TierProfessional,
			"burst limit of 190 per 10 s; and it sends 1,728,010 requests (1,728,000 upserts and 10 verification reads) in 24h0m0s, over the professional tier's daily budget of 650,000"},
		{"no limits", constant(time.Hour, 10_000), results.Shard{}, hubspot.TierNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PlanFor(tt.s, tt.shard).Check(tt.tier)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var qe *QuotaError
			assert.ErrorAs(t, err, &qe)
		})
	}
}

func TestPlanFor(t *testing.T) {
	s, err := scenarios.Builtin("spike")
	require.NoError(t, err)
	p := PlanFor(s, results.Shard{Index: 2, Count: 4})
	assert.Equal(t, 25*time.Second, p.Duration)
	assert.InDelta(t, 1150, p.Requests, 1e-6)
	assert.InDelta(t, 850, p.PeakPer10s, 1e-6)
	assert.InDelta(t, 287.5, p.ShardRequests, 1e-6)
	assert.InDelta(t, 212.5, p.ShardPeakPer10s, 1e-6)
	// Each shard reads back a sample of 1,000 of its 14,375 keys: 10 reads.
	assert.InDelta(t, 40, p.VerifyRequests, 1e-6)
	assert.Zero(t, p.VerifyPeakPer10s)
	assert.Equal(t, "spike: 1,150 requests over 25s, peak 850 per 10 s, and 40 verification reads; shard 2/4 sends 288", p.String())
}

// TestPlanVerify: the read-back's requests, by mode, sample, rounds during
// the run and shards.
func TestPlanVerify(t *testing.T) {
	scenario := func(v scenarios.Verify) *scenarios.Scenario {
		s := scenarios.Default()
		s.Name = "plan"
		s.Stages = []scenarios.Stage{{Duration: 2 * time.Minute, Rate: 10}} // 1,200 batches, 60,000 creates
		s.Verify = v
		require.NoError(t, s.Validate())
		return s
	}
	tests := []struct {
		name           string
		v              scenarios.Verify
		shards         int
		requests, peak float64
	}{
		{"none", scenarios.Verify{Mode: scenarios.VerifyNone, Sample: 1000, Window: 0}, 1, 0, 0},
		{"all", scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 1000}, 1, 600, 0},
		{"all, shards read their own keys", scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 1000}, 3, 600, 0},
		{"sample", scenarios.Verify{Mode: scenarios.VerifySample, Sample: 1000}, 1, 10, 0},
		{"sample of 150: two reads", scenarios.Verify{Mode: scenarios.VerifySample, Sample: 150}, 1, 2, 0},
		{"sample per shard", scenarios.Verify{Mode: scenarios.VerifySample, Sample: 1000}, 4, 40, 0},
		{"auto counts as a sample", scenarios.Verify{Mode: scenarios.VerifyAuto, Sample: 1000}, 1, 10, 0},
		// rounds at 30 s, 60 s, 90 s: 3 × 10 reads, then the final 600.
		{"rounds every 30s", scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 1000, Every: 30 * time.Second}, 1, 630, 10},
		// every 5 s: 23 rounds; a 10 s window holds two of them.
		{"rounds every 5s", scenarios.Verify{Mode: scenarios.VerifySample, Sample: 100, Every: 5 * time.Second}, 1, 24, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PlanFor(scenario(tt.v), results.Shard{Index: 1, Count: tt.shards})
			assert.InDelta(t, tt.requests, p.VerifyRequests, 1e-6)
			assert.InDelta(t, tt.peak, p.VerifyPeakPer10s, 1e-6)
		})
	}
}
