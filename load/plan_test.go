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
	constant := func(d time.Duration, rate float64) *scenarios.Scenario {
		s := scenarios.Default()
		s.Name = "plan"
		s.Stages = []scenarios.Stage{{Duration: d, Rate: rate}}
		require.NoError(t, s.Validate())
		return s
	}
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
			"it sends 259,200 requests in 24h0m0s, over the free tier's daily budget of 250,000"},
		{"both", constant(24*time.Hour, 20), results.Shard{}, hubspot.TierProfessional,
			"burst limit of 190 per 10 s; and it sends 1,728,000 requests in 24h0m0s, over the professional tier's daily budget of 650,000"},
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
	assert.Equal(t, "spike: 1,150 requests over 25s, peak 850 per 10 s; shard 2/4 sends 288", p.String())
}
