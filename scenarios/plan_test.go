package scenarios

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func stages(st ...Stage) *Scenario {
	s := Default()
	s.Name = "t"
	s.Stages = st
	return s
}

func TestPlanArithmetic(t *testing.T) {
	sec := time.Second
	tests := []struct {
		name     string
		s        *Scenario
		duration time.Duration
		total    float64
		peak     float64
		rateAt   map[time.Duration]float64
	}{
		{
			name:     "constant shorter than the window",
			s:        stages(Stage{Duration: 5 * sec, Rate: 20}),
			duration: 5 * sec, total: 100, peak: 100,
			rateAt: map[time.Duration]float64{-sec: 0, 0: 20, 4 * sec: 20, 5 * sec: 0},
		},
		{
			name:     "constant longer than the window",
			s:        stages(Stage{Duration: 30 * sec, Rate: 20, Pacer: PacerConstant}),
			duration: 30 * sec, total: 600, peak: 200,
			rateAt: map[time.Duration]float64{15 * sec: 20},
		},
		{
			name:     "linear from zero",
			s:        stages(Stage{Duration: 20 * sec, Rate: 60, Pacer: PacerLinear}),
			duration: 20 * sec, total: 600, peak: 450, // ∫₁₀²⁰ 3t dt
			rateAt: map[time.Duration]float64{0: 0, 10 * sec: 30, 15 * sec: 45},
		},
		{
			name: "linear from the previous rate",
			s: stages(Stage{Duration: 10 * sec, Rate: 10},
				Stage{Duration: 10 * sec, Rate: 30, Pacer: PacerLinear}),
			duration: 20 * sec, total: 300, peak: 200,
			rateAt: map[time.Duration]float64{5 * sec: 10, 10 * sec: 10, 15 * sec: 20},
		},
		{
			name: "linear ramp down to zero",
			s: stages(Stage{Duration: 10 * sec, Rate: 40},
				Stage{Duration: 10 * sec, Rate: 0, Pacer: PacerLinear}),
			duration: 20 * sec, total: 600, peak: 400,
			rateAt: map[time.Duration]float64{15 * sec: 20},
		},
		{
			name:     "sine over whole periods",
			s:        stages(Stage{Duration: 40 * sec, Rate: 20, Pacer: PacerSine, Period: 20 * sec, Amplitude: 10}),
			duration: 40 * sec, total: 800, peak: 200 + 10*20/math.Pi, // the rising half period
			rateAt: map[time.Duration]float64{0: 20, 5 * sec: 30, 15 * sec: 10},
		},
		{
			name:     "sine touching zero",
			s:        stages(Stage{Duration: 30 * sec, Rate: 10, Pacer: PacerSine, Period: 30 * sec, Amplitude: 10}),
			duration: 30 * sec, total: 300, // a whole period
			peak:   0, // checked against brute force only
			rateAt: map[time.Duration]float64{22500 * time.Millisecond: 0},
		},
		{
			name: "step after a constant stage",
			s: stages(Stage{Duration: 5 * sec, Rate: 10},
				Stage{Duration: 20 * sec, Rate: 50, Pacer: PacerStep, Steps: 4}),
			duration: 25 * sec, total: 750, peak: 450,
			rateAt: map[time.Duration]float64{4 * sec: 10, 5 * sec: 20, 6 * sec: 20, 10 * sec: 30, 24 * sec: 50},
		},
		{
			name:     "step from zero",
			s:        stages(Stage{Duration: 10 * sec, Rate: 40, Pacer: PacerStep, Steps: 4}),
			duration: 10 * sec, total: 250, peak: 250,
			rateAt: map[time.Duration]float64{0: 10, 2600 * time.Millisecond: 20, 9999 * time.Millisecond: 40},
		},
		{
			name: "spike longer than the gap",
			s: stages(Stage{Duration: 10 * sec, Rate: 20},
				Stage{Duration: 5 * sec, Rate: 150},
				Stage{Duration: 10 * sec, Rate: 20}),
			duration: 25 * sec, total: 1150, peak: 850,
			rateAt: map[time.Duration]float64{12 * sec: 150, 15 * sec: 20},
		},
		{
			name: "spike shorter than the window",
			s: stages(Stage{Duration: 7 * sec, Rate: 10},
				Stage{Duration: 3 * sec, Rate: 100},
				Stage{Duration: 7 * sec, Rate: 10}),
			duration: 17 * sec, total: 440, peak: 370,
		},
		{
			name: "two spikes further apart than the window",
			s: stages(Stage{Duration: 2 * sec, Rate: 100},
				Stage{Duration: 9 * sec, Rate: 1},
				Stage{Duration: 2 * sec, Rate: 100}),
			duration: 13 * sec, total: 409, peak: 200 + 8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.s
			require.NoError(t, s.Validate())
			assert.Equal(t, tt.duration, s.Duration())
			assert.InDelta(t, tt.total, s.TotalRequests(), 1e-6)
			assert.InDelta(t, s.TotalRequests(), s.RequestsBy(s.Duration()), 1e-9)
			assert.InDelta(t, tt.total/tt.duration.Seconds(), s.MeanRate(), 1e-9)
			if tt.peak > 0 {
				assert.InDelta(t, tt.peak, s.PeakPer10s(), 1e-6)
			}
			for at, want := range tt.rateAt {
				assert.InDelta(t, want, s.RateAt(at), 1e-9, "RateAt(%s)", at)
			}
			ref := bruteForce(s, time.Millisecond)
			assert.InDelta(t, ref.total, s.TotalRequests(), 0.01*ref.total+0.5, "brute-force total")
			assert.InDelta(t, ref.peak, s.PeakPer10s(), 0.5, "brute-force peak")
			assert.GreaterOrEqual(t, s.PeakPer10s(), ref.peak-0.5)
		})
	}
}

type reference struct{ total, peak float64 }

// bruteForce integrates RateAt with the midpoint rule on a fine grid and
// slides a 10-second window over the bins: independent of the closed forms.
func bruteForce(s *Scenario, dt time.Duration) reference {
	n := int(s.Duration() / dt)
	bins := make([]float64, n)
	total := 0.0
	for i := range bins {
		mid := time.Duration(i)*dt + dt/2
		bins[i] = s.RateAt(mid) * dt.Seconds()
		total += bins[i]
	}
	win := int(10 * time.Second / dt)
	if win >= n {
		return reference{total, total}
	}
	sum := 0.0
	for i := 0; i < win; i++ {
		sum += bins[i]
	}
	peak := sum
	for i := win; i < n; i++ {
		sum += bins[i] - bins[i-win]
		peak = max(peak, sum)
	}
	return reference{total, peak}
}

func TestRequestsByIsMonotone(t *testing.T) {
	for _, name := range BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			require.NoError(t, err)
			prev := 0.0
			step := s.Duration() / 997
			for at := time.Duration(0); at <= s.Duration(); at += step {
				n := s.RequestsBy(at)
				assert.GreaterOrEqual(t, n, prev-1e-9, "at %s", at)
				prev = n
			}
		})
	}
}

func TestPeakRate(t *testing.T) {
	s := stages(Stage{Duration: 10 * time.Second, Rate: 20, Pacer: PacerSine, Amplitude: 5},
		Stage{Duration: 10 * time.Second, Rate: 10, Pacer: PacerLinear})
	assert.InDelta(t, 25, s.PeakRate(), 1e-9)
}

func TestScaled(t *testing.T) {
	s, err := Builtin("spike")
	require.NoError(t, err)
	half := s.Scaled(0.5)
	assert.InDelta(t, s.TotalRequests()/2, half.TotalRequests(), 1e-9)
	assert.InDelta(t, s.PeakPer10s()/2, half.PeakPer10s(), 1e-9)
	assert.Equal(t, 150.0, s.Stages[1].Rate, "the original is unchanged")
}

func TestStretched(t *testing.T) {
	sec, ms := time.Second, time.Millisecond
	sine := func(d, period time.Duration) Stage {
		return Stage{Duration: d, Rate: 20, Pacer: PacerSine, Period: period, Amplitude: 10}
	}
	tests := []struct {
		name     string
		stages   []Stage
		to       time.Duration
		want     []Stage
		requests float64 // TotalRequests of the result
		invalid  string  // what Validate says about the result, if anything
	}{
		{
			name:     "every stage doubles",
			stages:   []Stage{{Duration: 5 * sec, Rate: 10}, {Duration: 20 * sec, Rate: 50, Pacer: PacerStep, Steps: 4}},
			to:       50 * sec,
			want:     []Stage{{Duration: 10 * sec, Rate: 10}, {Duration: 40 * sec, Rate: 50, Pacer: PacerStep, Steps: 4}},
			requests: 100 + (20+30+40+50)*10,
		},
		{
			name:     "shrinking keeps the shares",
			stages:   []Stage{{Duration: 10 * sec, Rate: 30, Pacer: PacerLinear}, {Duration: 20 * sec, Rate: 30}},
			to:       3 * sec,
			want:     []Stage{{Duration: sec, Rate: 30, Pacer: PacerLinear}, {Duration: 2 * sec, Rate: 30}},
			requests: 15 + 60,
		},
		{
			name:     "stages round to the millisecond and the last takes the rest",
			stages:   []Stage{{Duration: sec, Rate: 1}, {Duration: sec, Rate: 2}, {Duration: sec, Rate: 3}},
			to:       10 * sec,
			want:     []Stage{{Duration: 3333 * ms, Rate: 1}, {Duration: 3333 * ms, Rate: 2}, {Duration: 3334 * ms, Rate: 3}},
			requests: 3.333 + 6.666 + 10.002,
		},
		{
			name:     "rounding up leaves the last stage less",
			stages:   []Stage{{Duration: 2 * sec, Rate: 1}, {Duration: 2 * sec, Rate: 2}, {Duration: 2 * sec, Rate: 3}},
			to:       5 * sec,
			want:     []Stage{{Duration: 1667 * ms, Rate: 1}, {Duration: 1667 * ms, Rate: 2}, {Duration: 1666 * ms, Rate: 3}},
			requests: 1.667 + 3.334 + 4.998,
		},
		{
			name:     "a sine keeps its period",
			stages:   []Stage{sine(20*sec, 5*sec)},
			to:       time.Minute,
			want:     []Stage{sine(time.Minute, 5*sec)},
			requests: 60 * 20, // twelve whole periods
		},
		{
			name:     "a sine's default period is pinned",
			stages:   []Stage{{Duration: 10 * sec, Rate: 5}, sine(10*sec, 0)},
			to:       40 * sec,
			want:     []Stage{{Duration: 20 * sec, Rate: 5}, sine(20*sec, 10*sec)},
			requests: 100 + 20*20, // two whole periods
		},
		{
			name:    "too short for every stage",
			stages:  []Stage{{Duration: sec, Rate: 100}, {Duration: sec, Rate: 100}, {Duration: sec, Rate: 100}},
			to:      time.Millisecond,
			want:    []Stage{{Duration: 0, Rate: 100}, {Duration: 0, Rate: 100}, {Duration: ms, Rate: 100}},
			invalid: "stages[0].duration: duration 0s is not positive",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stages(tt.stages...)
			got := s.Stretched(tt.to)
			assert.Equal(t, tt.want, got.Stages)
			assert.Equal(t, tt.to, got.Duration())
			assert.Equal(t, tt.stages, s.Stages, "the original is left alone")
			err := got.Validate()
			if tt.invalid != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.invalid)
				return
			}
			require.NoError(t, err)
			assert.InDelta(t, tt.requests, got.TotalRequests(), 1e-9)
		})
	}
	assert.Empty(t, stages().Stretched(time.Minute).Stages, "nothing to stretch")
}

func BenchmarkPeakPer10s(b *testing.B) {
	for _, name := range []string{"spike", "soak"} {
		s, err := Builtin(name)
		require.NoError(b, err)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = s.PeakPer10s()
			}
		})
	}
	sine := stages(Stage{Duration: time.Hour, Rate: 50, Pacer: PacerSine, Period: time.Minute, Amplitude: 40})
	worst := stages(Stage{Duration: 24 * time.Hour, Rate: 50, Pacer: PacerSine, Period: time.Second, Amplitude: 40})
	b.Run("sine-24h-period-1s", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = worst.PeakPer10s()
		}
	})
	var many []Stage
	for range MaxStages {
		many = append(many, Stage{Duration: time.Minute, Rate: 50, Pacer: PacerStep, Steps: MaxSteps})
	}
	manySteps := stages(many...)
	b.Run("1000-stages-of-1000-steps", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = manySteps.PeakPer10s()
		}
	})
	b.Run("sine-1h", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = sine.PeakPer10s()
		}
		b.ReportMetric(sine.PeakPer10s(), "peak")
	})
}

func ExampleScenario_PeakPer10s() {
	s, _ := Parse("spike.yaml", []byte(`
stages:
  - {duration: 10s, rate: 20}
  - {duration: 5s, rate: 150}
  - {duration: 10s, rate: 20}
`))
	fmt.Printf("%s, %.0f requests, at most %.0f in any 10 s\n", s.Duration(), s.TotalRequests(), s.PeakPer10s())
	// Output: 25s, 1150 requests, at most 850 in any 10 s
}
