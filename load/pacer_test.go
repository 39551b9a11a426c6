package load

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/scenarios"
)

// simulate runs Vegeta's pacing loop (attack.go) on a virtual clock: ask
// the pacer, sleep the wait, send. It returns the send offsets.
func simulate(t *testing.T, p vegeta.Pacer, du time.Duration) []time.Duration {
	t.Helper()
	var sends []time.Duration
	var elapsed time.Duration
	for count := uint64(0); ; count++ {
		if du > 0 && elapsed > du {
			break
		}
		wait, stop := p.Pace(elapsed, count)
		if stop {
			break
		}
		require.GreaterOrEqual(t, wait, time.Duration(0))
		elapsed += wait
		sends = append(sends, elapsed)
		require.Less(t, len(sends), 1_000_000, "pacer never stops")
	}
	return sends
}

func TestStagePacerFollowsScenarioPlan(t *testing.T) {
	s := func(d time.Duration, rate float64, pacer string) scenarios.Stage {
		return scenarios.Stage{Duration: d, Rate: rate, Pacer: pacer}
	}
	tests := []struct {
		name   string
		stages []scenarios.Stage
		factor float64
	}{
		{"constant", []scenarios.Stage{s(10*time.Second, 200, "constant")}, 1},
		{"fractional constant", []scenarios.Stage{s(20*time.Second, 2.5, "constant")}, 1},
		{"ramp from zero", []scenarios.Stage{s(20*time.Second, 60, "linear"), s(10*time.Second, 60, "constant")}, 1},
		{"ramp from a rate", []scenarios.Stage{s(5*time.Second, 10, "constant"), s(10*time.Second, 50, "linear")}, 1},
		{"ramp down to zero", []scenarios.Stage{s(5*time.Second, 40, "constant"), s(10*time.Second, 0, "linear")}, 1},
		{"steps", []scenarios.Stage{s(5*time.Second, 10, "constant"), {Duration: 20 * time.Second, Rate: 50, Pacer: "step", Steps: 4}}, 1},
		{"sine", []scenarios.Stage{{Duration: 30 * time.Second, Rate: 40, Pacer: "sine", Period: 10 * time.Second, Amplitude: 20}}, 1},
		{"sine touching zero", []scenarios.Stage{{Duration: 20 * time.Second, Rate: 10, Pacer: "sine", Period: 10 * time.Second, Amplitude: 10}}, 1},
		{"valley through zero", []scenarios.Stage{s(2*time.Second, 30, "constant"), s(3*time.Second, 0, "linear"), s(3*time.Second, 30, "linear")}, 1},
		{"spike", []scenarios.Stage{s(10*time.Second, 20, ""), s(5*time.Second, 150, ""), s(10*time.Second, 20, "")}, 1},
		{"shard 2 of 3", []scenarios.Stage{s(10*time.Second, 100, "linear"), s(10*time.Second, 100, "constant")}, 1.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := scenarios.Default()
			sc.Name = "plan"
			sc.Stages = tt.stages
			require.NoError(t, sc.Validate())
			plan := sc.Scaled(tt.factor)

			p, err := NewStagePacer(tt.stages, tt.factor)
			require.NoError(t, err)
			assert.Equal(t, sc.Duration(), p.Duration())
			want := uint64(math.Floor(plan.TotalRequests() + 1e-6))
			assert.LessOrEqual(t, p.Total(), want, "total hits")
			assert.GreaterOrEqual(t, p.Total()+uint64(len(tt.stages)-1), want, "total hits")

			sends := simulate(t, p, p.Duration())
			require.Len(t, sends, int(p.Total()))
			for k, at := range sends {
				// Each send leaves no earlier than one hit before the plan
				// and never after its own scheduled time.
				assert.LessOrEqual(t, at, p.ScheduledAt(uint64(k))+100*time.Microsecond, "hit %d sent after its schedule", k)
				assert.GreaterOrEqual(t, plan.RequestsBy(at)+1.001, float64(k+1), "hit %d sent too early", k)
				if k > 0 {
					assert.GreaterOrEqual(t, at, sends[k-1], "hit %d out of order", k)
				}
			}
			for at := time.Duration(0); at < p.Duration(); at += 250 * time.Millisecond {
				assert.InDelta(t, plan.RateAt(at), p.Rate(at), 1e-9, "rate at %s", at)
			}
		})
	}
}

func TestStepPacerIsAVegetaPacer(t *testing.T) {
	p := StepPacer{From: 0, To: 40, Steps: 4, Duration: 8 * time.Second}
	sends := simulate(t, p, p.Duration)
	// Steps of 2 s at 10, 20, 30, 40/s: 200 hits.
	require.Len(t, sends, 200)
	assert.Equal(t, 20.0, p.Rate(3*time.Second))
	perStep := make([]int, 4)
	for _, at := range sends {
		perStep[min(int((at-1)/(2*time.Second)), 3)]++ // a hit due at a step's end belongs to it
	}
	assert.Equal(t, []int{20, 40, 60, 80}, perStep)
	assert.Contains(t, p.String(), "4 steps")
}

func TestStagePacerVegetaConventions(t *testing.T) {
	// A constant stage is Vegeta's ConstantPacer: hit k at (k+1)/rate, as
	// `vegeta attack -rate` does.
	p, err := NewStagePacer([]scenarios.Stage{{Duration: time.Second, Rate: 100, Pacer: "constant"}}, 1)
	require.NoError(t, err)
	_, isConstant := p.stages[0].pacer.(vegeta.ConstantPacer)
	assert.True(t, isConstant)
	sends := simulate(t, p, p.Duration())
	require.Len(t, sends, 100)
	assert.Equal(t, 10*time.Millisecond, sends[0])
	assert.Equal(t, time.Second, sends[99])
	assert.Equal(t, 10*time.Millisecond, p.ScheduledAt(0))

	// Behind schedule: no wait.
	wait, stop := p.Pace(500*time.Millisecond, 10)
	assert.False(t, stop)
	assert.Zero(t, wait)
	// Done: stop.
	_, stop = p.Pace(500*time.Millisecond, 100)
	assert.True(t, stop)
}

func TestStagePacerLongWaitIsInterruptible(t *testing.T) {
	// One request per minute: Vegeta would sleep a minute, uninterruptibly.
	p, err := NewStagePacer([]scenarios.Stage{{Duration: 10 * time.Minute, Rate: 1.0 / 60}}, 1)
	require.NoError(t, err)
	stop := make(chan struct{})
	p.interruptible(stop)
	close(stop)
	_, stopped := p.Pace(0, 0)
	assert.True(t, stopped)
}

func TestNewStagePacerErrors(t *testing.T) {
	tests := []struct {
		name   string
		stages []scenarios.Stage
		factor float64
		want   string
	}{
		{"no stages", nil, 1, "at least one stage"},
		{"zero duration", []scenarios.Stage{{Rate: 1}}, 1, "duration"},
		{"negative rate", []scenarios.Stage{{Duration: time.Second, Rate: -1}}, 1, "non-negative"},
		{"bad pacer", []scenarios.Stage{{Duration: time.Second, Rate: 1, Pacer: "zigzag"}}, 1, "unknown pacer"},
		{"bad factor", []scenarios.Stage{{Duration: time.Second, Rate: 1}}, 0, "rate factor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewStagePacer(tt.stages, tt.factor)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCurveInverses(t *testing.T) {
	curves := map[string]curve{
		"constant": constantCurve{r: 7, d: 10 * time.Second},
		"linear":   linearCurve{r0: 0, r1: 30, d: 10 * time.Second},
		"down":     linearCurve{r0: 30, r1: 5, d: 10 * time.Second},
		"sine":     sineCurve{mean: 20, amp: 15, p: 4 * time.Second, d: 10 * time.Second},
		"step":     stepCurve{r0: 10, r1: 50, n: 4, d: 10 * time.Second},
	}
	for name, c := range curves {
		t.Run(name, func(t *testing.T) {
			total := c.hits(c.duration())
			for h := 0.5; h < total; h += total / 37 {
				at := c.at(h)
				assert.InDelta(t, h, c.hits(at), 1e-3, "hits(at(%g))", h)
			}
			assert.Equal(t, c.duration(), c.at(total+1))
		})
	}
}
