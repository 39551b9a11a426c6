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

// pacerFor builds the pacer of the stages scaled by factor, as Run does for
// a shard, and the scenario it paces.
func pacerFor(t testing.TB, stages []scenarios.Stage, factor float64) (*StagePacer, *scenarios.Scenario) {
	t.Helper()
	sc := scenarios.Default()
	sc.Name = "plan"
	sc.Stages = stages
	require.NoError(t, sc.Validate())
	plan := sc.Scaled(factor)
	c, err := plan.Curve()
	require.NoError(t, err)
	return NewStagePacer(c), plan
}

// pacerPlans cover every pacer kind and the joins between stages.
var pacerPlans = []struct {
	name   string
	stages []scenarios.Stage
	factor float64
}{
	{"constant", []scenarios.Stage{{Duration: 10 * time.Second, Rate: 200, Pacer: "constant"}}, 1},
	{"fractional constant", []scenarios.Stage{{Duration: 20 * time.Second, Rate: 2.5}}, 1},
	{"constant 3/s", []scenarios.Stage{{Duration: 20 * time.Second, Rate: 3}}, 1},
	{"ramp from zero", []scenarios.Stage{{Duration: 20 * time.Second, Rate: 60, Pacer: "linear"}, {Duration: 10 * time.Second, Rate: 60}}, 1},
	{"ramp from a rate", []scenarios.Stage{{Duration: 5 * time.Second, Rate: 10}, {Duration: 10 * time.Second, Rate: 50, Pacer: "linear"}}, 1},
	{"ramp down to zero", []scenarios.Stage{{Duration: 5 * time.Second, Rate: 40}, {Duration: 10 * time.Second, Rate: 0, Pacer: "linear"}}, 1},
	{"steps", []scenarios.Stage{{Duration: 5 * time.Second, Rate: 10}, {Duration: 20 * time.Second, Rate: 50, Pacer: "step", Steps: 4}}, 1},
	{"steps down", []scenarios.Stage{{Duration: 5 * time.Second, Rate: 50}, {Duration: 10 * time.Second, Rate: 10, Pacer: "step", Steps: 3}}, 1},
	{"sine", []scenarios.Stage{{Duration: 30 * time.Second, Rate: 40, Pacer: "sine", Period: 10 * time.Second, Amplitude: 20}}, 1},
	{"sine touching zero", []scenarios.Stage{{Duration: 20 * time.Second, Rate: 10, Pacer: "sine", Period: 10 * time.Second, Amplitude: 10}}, 1},
	{"valley through zero", []scenarios.Stage{{Duration: 2 * time.Second, Rate: 30}, {Duration: 3 * time.Second, Rate: 0, Pacer: "linear"}, {Duration: 3 * time.Second, Rate: 30, Pacer: "linear"}}, 1},
	{"spike", []scenarios.Stage{{Duration: 10 * time.Second, Rate: 20}, {Duration: 5 * time.Second, Rate: 150}, {Duration: 10 * time.Second, Rate: 20}}, 1},
	{"fractions dropped per stage", []scenarios.Stage{{Duration: 1500 * time.Millisecond, Rate: 3}, {Duration: 2500 * time.Millisecond, Rate: 7, Pacer: "linear"}, {Duration: 1300 * time.Millisecond, Rate: 5}}, 1},
	{"shard 2 of 3", []scenarios.Stage{{Duration: 10 * time.Second, Rate: 100, Pacer: "linear"}, {Duration: 10 * time.Second, Rate: 100, Pacer: "sine", Period: 4 * time.Second, Amplitude: 50}}, 1.0 / 3},
}

func TestStagePacerFollowsScenarioPlan(t *testing.T) {
	for _, tt := range pacerPlans {
		t.Run(tt.name, func(t *testing.T) {
			p, plan := pacerFor(t, tt.stages, tt.factor)
			assert.Equal(t, plan.Duration(), p.Duration())
			want := uint64(math.Floor(plan.TotalRequests() + 1e-6))
			assert.LessOrEqual(t, p.Total(), want, "total hits")
			assert.GreaterOrEqual(t, p.Total()+uint64(len(tt.stages)-1), want, "total hits")

			sends := simulate(t, p, p.Duration())
			require.Len(t, sends, int(p.Total()))
			for k, at := range sends {
				// Each send leaves no earlier than one hit before the plan
				// and never after its own scheduled time.
				assert.LessOrEqual(t, at, p.ScheduledAt(uint64(k)), "hit %d sent after its schedule", k)
				assert.GreaterOrEqual(t, plan.RequestsBy(at)+1.001, float64(k+1), "hit %d sent too early", k)
				if k > 0 {
					assert.GreaterOrEqual(t, at, sends[k-1], "hit %d out of order", k)
				}
			}
			for at := time.Duration(0); at < p.Duration(); at += 250 * time.Millisecond {
				assert.Equal(t, plan.RateAt(at), p.Rate(at), "rate at %s", at)
			}
		})
	}
}

// TestStagePacerSendsOnTheCurveInverse is the differential test of pacing
// against the scenario's curve: on Vegeta's loop, hit k of the plan leaves
// exactly when the expected requests of its stage reach its number in the
// stage (the stage's fraction dropped), and ScheduledAt, which late sends
// are measured against, says the same.
func TestStagePacerSendsOnTheCurveInverse(t *testing.T) {
	for _, tt := range pacerPlans {
		t.Run(tt.name, func(t *testing.T) {
			p, plan := pacerFor(t, tt.stages, tt.factor)
			c, err := plan.Curve()
			require.NoError(t, err)
			sends := simulate(t, p, p.Duration())

			k := 0
			for i, st := range c.Stages() {
				quota := int(math.Floor(st.Total() + 1e-6))
				tol := 1e-9 * max(1, st.Total())
				for j := 1; j <= quota; j, k = j+1, k+1 {
					require.Less(t, k, len(sends), "stage %d sent only %d of %d", i, j-1, quota)
					at := sends[k] - st.Start()
					require.Equal(t, st.Start()+st.At(float64(j)), sends[k], "stage %d hit %d", i, j)
					require.Equal(t, sends[k], p.ScheduledAt(uint64(k)), "ScheduledAt(%d)", k)
					// Independently of At: the send is where N reaches j,
					// to the nanosecond it is rounded to.
					require.GreaterOrEqual(t, st.Hits(at+1), float64(j)-tol, "stage %d hit %d at %s", i, j, at)
					require.Less(t, st.Hits(at-1), float64(j)+tol, "stage %d hit %d at %s", i, j, at)
				}
			}
			assert.Len(t, sends, k, "sends beyond the stages' quotas")
		})
	}
}

func TestStagePacerSteps(t *testing.T) {
	p, _ := pacerFor(t, []scenarios.Stage{{Duration: 8 * time.Second, Rate: 40, Pacer: "step", Steps: 4}}, 1)
	sends := simulate(t, p, p.Duration())
	// Steps of 2 s at 10, 20, 30, 40/s: 200 hits.
	require.Len(t, sends, 200)
	assert.Equal(t, 20.0, p.Rate(3*time.Second))
	perStep := make([]int, 4)
	for _, at := range sends {
		perStep[min(int((at-1)/(2*time.Second)), 3)]++ // a hit due at a step's end belongs to it
	}
	assert.Equal(t, []int{20, 40, 60, 80}, perStep)
}

func TestStagePacerVegetaConventions(t *testing.T) {
	// A constant stage is Vegeta's ConstantPacer: hit k at (k+1)/rate, as
	// `vegeta attack -rate` does.
	p, _ := pacerFor(t, []scenarios.Stage{{Duration: time.Second, Rate: 100, Pacer: "constant"}}, 1)
	sends := simulate(t, p, p.Duration())
	require.Len(t, sends, 100)
	assert.Equal(t, 10*time.Millisecond, sends[0])
	assert.Equal(t, time.Second, sends[99])
	assert.Equal(t, 10*time.Millisecond, p.ScheduledAt(0))
	assert.Equal(t, p.Duration(), p.ScheduledAt(100), "past the plan")

	// Behind schedule: no wait.
	wait, stop := p.Pace(500*time.Millisecond, 10)
	assert.False(t, stop)
	assert.Zero(t, wait)
	// Done: stop.
	_, stop = p.Pace(500*time.Millisecond, 100)
	assert.True(t, stop)
	wait, stop = p.Pace(p.Duration()+1, 99)
	assert.False(t, stop, "a hit the plan owes may still leave in the tail")
	assert.Zero(t, wait)
	_, stop = p.Pace(p.Bound()+1, 99)
	assert.True(t, stop, "past the tail")

	assert.Equal(t, 100.0, p.Rate(p.Duration()), "the last rate holds at the very end")
	assert.Zero(t, p.Rate(p.Duration()+1))
	assert.Zero(t, p.Rate(-1))
}

// TestStagePacerAgainstVegetasPacers compares the schedule with Vegeta's own
// pacers on the same plan. ConstantPacer waits a whole number of
// nanoseconds per hit: where 1/rate is one, the schedules are identical;
// otherwise ConstantPacer drifts by under a nanosecond per hit. SinePacer
// stops its Newton iteration within 1e-3 hits of the schedule.
func TestStagePacerAgainstVegetasPacers(t *testing.T) {
	tests := []struct {
		name  string
		stage scenarios.Stage
		ref   vegeta.Pacer
		tol   func(k int) time.Duration
	}{
		{"constant 100/s", scenarios.Stage{Duration: 10 * time.Second, Rate: 100}, vegeta.ConstantPacer{Freq: 100, Per: time.Second}, func(int) time.Duration { return 0 }},
		{"constant 8/s", scenarios.Stage{Duration: 10 * time.Second, Rate: 8}, vegeta.ConstantPacer{Freq: 8, Per: time.Second}, func(int) time.Duration { return 0 }},
		{"constant 3/s", scenarios.Stage{Duration: 100 * time.Second, Rate: 3}, vegeta.ConstantPacer{Freq: 3, Per: time.Second}, func(k int) time.Duration { return time.Duration(k + 1) }},
		{"constant 7/s", scenarios.Stage{Duration: 100 * time.Second, Rate: 7}, vegeta.ConstantPacer{Freq: 7, Per: time.Second}, func(k int) time.Duration { return time.Duration(k + 1) }},
		{
			"sine", scenarios.Stage{Duration: 30 * time.Second, Rate: 40, Pacer: "sine", Period: 10 * time.Second, Amplitude: 20},
			vegeta.SinePacer{Period: 10 * time.Second, Mean: vegeta.Rate{Freq: 40, Per: time.Second}, Amp: vegeta.Rate{Freq: 20, Per: time.Second}, StartAt: vegeta.MeanUp},
			func(int) time.Duration { return time.Duration(1e-3 / 20 * float64(time.Second)) }, // 1e-3 hits at the lowest rate
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := pacerFor(t, []scenarios.Stage{tt.stage}, 1)
			ours := simulate(t, p, p.Duration())
			theirs := simulate(t, tt.ref, p.Duration())
			require.NotEmpty(t, ours)
			require.GreaterOrEqual(t, len(theirs), len(ours))
			for k := range ours {
				diff := ours[k] - theirs[k]
				require.LessOrEqual(t, max(diff, -diff), tt.tol(k), "hit %d: ours %s, Vegeta's %s", k, ours[k], theirs[k])
			}
		})
	}
}

func TestStagePacerLongWaitIsInterruptible(t *testing.T) {
	// One request per minute: Vegeta would sleep a minute, uninterruptibly.
	p, _ := pacerFor(t, []scenarios.Stage{{Duration: 10 * time.Minute, Rate: 1.0 / 60}}, 1)
	stop := make(chan struct{})
	p.interruptible(stop)
	close(stop)
	_, stopped := p.Pace(0, 0)
	assert.True(t, stopped)
}

// TestStagePacerSendsWhatItOwesInTheTail stalls Vegeta's loop (as on a
// loaded machine) just before the plan's end: the hits still owed leave
// late, inside DefaultSendTail, instead of being dropped at the planned
// end as Vegeta's own duration check would; a stall longer than the tail
// stops the attack with what it sent.
func TestStagePacerSendsWhatItOwesInTheTail(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stall time.Duration // the loop wakes this late for hit 38 (due at 1.95 s)
		sent  int
	}{
		{"no stall", 0, 40},
		{"a stall across the end", 80 * time.Millisecond, 40},
		{"a stall just inside the tail", DefaultSendTail - 60*time.Millisecond, 40},
		{"a stall beyond the tail", DefaultSendTail + 100*time.Millisecond, 39},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := pacerFor(t, []scenarios.Stage{{Duration: 2 * time.Second, Rate: 20, Pacer: "constant"}}, 1)
			require.Equal(t, uint64(40), p.Total())
			du := p.Bound()
			var sends []time.Duration
			var elapsed time.Duration
			for count := uint64(0); ; count++ {
				// Vegeta's loop: its own duration check, then the pacer.
				if elapsed > du {
					break
				}
				wait, stop := p.Pace(elapsed, count)
				if stop {
					break
				}
				elapsed += wait
				if count == 38 {
					elapsed += tc.stall
				}
				sends = append(sends, elapsed)
				require.Less(t, len(sends), 1000, "pacer never stops")
			}
			assert.Len(t, sends, tc.sent)
		})
	}
}
