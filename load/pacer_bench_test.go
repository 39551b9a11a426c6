package load

import (
	"testing"
	"time"

	"github.com/upsertbench/upsertbench/scenarios"
)

// benchPlans are the plans BenchmarkStagePacer paces: one per pacer kind,
// an hour each, and a thousand short stages (the most a scenario may have).
func benchPlans() map[string][]scenarios.Stage {
	h := time.Hour
	var many []scenarios.Stage
	for i := range scenarios.MaxStages {
		st := scenarios.Stage{Duration: 3600 * time.Millisecond, Rate: float64(20 + i%7*10)}
		switch i % 4 {
		case 1:
			st.Pacer = scenarios.PacerLinear
		case 2:
			st.Pacer, st.Period, st.Amplitude = scenarios.PacerSine, time.Second, 10
		case 3:
			st.Pacer, st.Steps = scenarios.PacerStep, 4
		}
		many = append(many, st)
	}
	return map[string][]scenarios.Stage{
		"constant":    {{Duration: h, Rate: 100, Pacer: scenarios.PacerConstant}},
		"constant-3":  {{Duration: h, Rate: 3, Pacer: scenarios.PacerConstant}},
		"linear":      {{Duration: h, Rate: 100, Pacer: scenarios.PacerLinear}},
		"sine":        {{Duration: h, Rate: 50, Pacer: scenarios.PacerSine, Period: time.Minute, Amplitude: 40}},
		"step":        {{Duration: h, Rate: 100, Pacer: scenarios.PacerStep, Steps: 10}},
		"1000-stages": many,
	}
}

// BenchmarkStagePacer measures one Pace call (Vegeta's pacing goroutine
// asks once per hit) and one ScheduledAt call (late-send measurement asks
// once per result), on a virtual clock that keeps the schedule.
func BenchmarkStagePacer(b *testing.B) {
	for _, name := range []string{"constant", "constant-3", "linear", "sine", "step", "1000-stages"} {
		p := benchPacer(b, benchPlans()[name])
		b.Run("Pace/"+name, func(b *testing.B) {
			b.ReportAllocs()
			var elapsed time.Duration
			var hits uint64
			for b.Loop() {
				wait, stop := p.Pace(elapsed, hits)
				if stop {
					elapsed, hits = 0, 0
					continue
				}
				elapsed += wait
				hits++
			}
		})
		b.Run("ScheduledAt/"+name, func(b *testing.B) {
			b.ReportAllocs()
			var k uint64
			for b.Loop() {
				_ = p.ScheduledAt(k)
				if k++; k == p.Total() {
					k = 0
				}
			}
		})
	}
}

func benchPacer(b *testing.B, stages []scenarios.Stage) *StagePacer {
	p, _ := pacerFor(b, stages, 1)
	return p
}
