package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

func TestBuiltins(t *testing.T) {
	names := BuiltinNames()
	assert.Equal(t, []string{"faults", "ramp", "rate-limit", "smoke", "soak", "spike", "steady", "step"}, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			assert.Equal(t, name, s.Name, "the name key matches the file name")
			assert.Equal(t, "builtin:"+name, s.Source)
			assert.NotEmpty(t, s.Description)
			assert.NotEmpty(t, s.Thresholds)
			assert.NotZero(t, s.Seed, "built-ins are reproducible")
			assert.Contains(t, thresholdMetrics(s), "contract_violations")
			if name == "soak" {
				assert.LessOrEqual(t, s.Duration(), 15*time.Minute, "bounded")
			} else {
				assert.LessOrEqual(t, s.Duration(), 30*time.Second, "CI-friendly")
			}
		})
	}
}

func thresholdMetrics(s *Scenario) []string {
	var out []string
	for _, t := range s.Thresholds {
		out = append(out, t.Metric)
	}
	return out
}

func TestBuiltinShapes(t *testing.T) {
	get := func(name string) *Scenario {
		s, err := Builtin(name)
		require.NoError(t, err)
		return s
	}
	smoke := get("smoke")
	assert.LessOrEqual(t, smoke.Duration(), 10*time.Second)
	assert.NotEqual(t, "none", smoke.Emulator.Latency, "smoke runs with realistic latency")

	rl := get("rate-limit")
	burst := float64(hubspot.TierLimits(hubspot.TierProfessional).Burst)
	assert.Equal(t, hubspot.TierProfessional, rl.Emulator.Tier)
	assert.Greater(t, rl.PeakPer10s(), burst, "drives past the burst limit")
	assert.Contains(t, thresholdMetrics(rl), "rate_limited")
	for _, th := range rl.Thresholds {
		if th.Metric == "rate_limited" && (th.Op == ">" || th.Op == ">=") {
			assert.True(t, th.Holds(0.1) || th.Value > 0, "asserts throttling happens")
		}
	}

	assert.NotEmpty(t, get("faults").Emulator.Faults)
	assert.Equal(t, PacerLinear, get("ramp").Stages[0].Pacer)
	assert.Equal(t, PacerStep, get("step").Stages[1].Pacer)
	spike := get("spike")
	assert.Greater(t, spike.PeakRate(), 5*spike.Stages[0].Rate, "a spike is a jump")
	for _, name := range []string{"smoke", "steady", "ramp", "step", "spike", "soak", "faults"} {
		s := get(name)
		if s.Emulator.Tier != hubspot.TierNone {
			limits := hubspot.TierLimits(s.Emulator.Tier)
			assert.LessOrEqual(t, s.PeakPer10s(), float64(limits.Burst), "%s stays under its tier's burst limit", name)
		}
	}
}
