package scenarios

import (
	"slices"
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
	// What a professional account does to this plan, by brute force: a
	// request is accepted when fewer than Burst were accepted in the 10 s
	// before it (a rolling window; refusals do not count).
	var accepted []time.Duration
	sent := int(rl.TotalRequests())
	for i := range sent {
		at := time.Duration(float64(i) / rl.Stages[0].Rate * float64(time.Second))
		in := 0
		for _, a := range accepted {
			if at-a < 10*time.Second {
				in++
			}
		}
		if in < int(burst) {
			accepted = append(accepted, at)
		}
	}
	expected := PercentValue(uint64(sent-len(accepted)), uint64(sent))
	require.InDelta(t, 29.3, expected, 0.1, "the share the scenario's comment promises")
	var limited []Threshold
	for _, th := range rl.Thresholds {
		if th.Metric == MetricRateLimited {
			limited = append(limited, th)
			assert.True(t, th.Holds(expected), "%s holds for a faithful target (%.1f%% throttled)", th, expected)
		}
	}
	require.NotEmpty(t, limited)
	assert.True(t, slices.ContainsFunc(limited, func(th Threshold) bool { return !th.Holds(0) }),
		"a target that never throttles (0%% rate limited) fails the scenario: %v", limited)

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
