package scenarios

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// curveStages are plans whose stages cover every pacer and its edges: a
// ramp from and down to nothing, a sine touching zero, steps up and down,
// a thousand steps, a slow rate.
var curveStages = map[string][]Stage{
	"constant":           {{Duration: 10 * time.Second, Rate: 7}},
	"constant 3/s":       {{Duration: time.Minute, Rate: 3}},
	"slow constant":      {{Duration: 10 * time.Minute, Rate: 1.0 / 60}},
	"ramp from zero":     {{Duration: 10 * time.Second, Rate: 30, Pacer: PacerLinear}},
	"ramp down":          {{Duration: 3 * time.Second, Rate: 30}, {Duration: 10 * time.Second, Rate: 5, Pacer: PacerLinear}},
	"ramp down to zero":  {{Duration: 5 * time.Second, Rate: 40}, {Duration: 10 * time.Second, Rate: 0, Pacer: PacerLinear}},
	"nearly flat ramp":   {{Duration: 5 * time.Second, Rate: 40}, {Duration: time.Hour, Rate: 40.000001, Pacer: PacerLinear}},
	"sine":               {{Duration: 10 * time.Second, Rate: 20, Pacer: PacerSine, Period: 4 * time.Second, Amplitude: 15}},
	"sine touching zero": {{Duration: 20 * time.Second, Rate: 10, Pacer: PacerSine, Period: 10 * time.Second, Amplitude: 10}},
	"long sine":          {{Duration: 24 * time.Hour, Rate: 50, Pacer: PacerSine, Period: time.Minute, Amplitude: 40}},
	"steps up":           {{Duration: 10 * time.Second, Rate: 50, Pacer: PacerStep, Steps: 4}},
	"steps down":         {{Duration: 2 * time.Second, Rate: 50}, {Duration: 10 * time.Second, Rate: 10, Pacer: PacerStep, Steps: 4}},
	"steps down to zero": {{Duration: 2 * time.Second, Rate: 50}, {Duration: 10 * time.Second, Rate: 0, Pacer: PacerStep, Steps: 5}},
	"thousand steps":     {{Duration: time.Hour, Rate: 1000, Pacer: PacerStep, Steps: MaxSteps}},
}

func curveOf(t testing.TB, st ...Stage) *Curve {
	t.Helper()
	c, err := stages(st...).Curve()
	require.NoError(t, err)
	return c
}

// peakRate is the highest rate of one stage, from its stage's own values.
func stagePeak(c *StageCurve) float64 { return max(c.from, c.to, c.to+c.amp) }

// checkInverse asserts that At inverts Hits at h: Hits(At(h)) is h to within
// what half a nanosecond at the stage's peak rate adds (At rounds to the
// nearest nanosecond), plus float noise.
func checkInverse(t testing.TB, c *StageCurve, h float64) {
	t.Helper()
	at := c.At(h)
	got := c.Hits(at)
	tol := stagePeak(c)*0.5e-9 + 1e-9*max(1, h)
	if math.Abs(got-h) > tol {
		t.Fatalf("%+v: Hits(At(%.9g)) = Hits(%s) = %.12g, off by %.3g (tolerance %.3g)", *c, h, at, got, got-h, tol)
	}
}

func TestStageCurveAtInvertsHits(t *testing.T) {
	for name, st := range curveStages {
		t.Run(name, func(t *testing.T) {
			for _, c := range curveOf(t, st...).Stages() {
				total := c.Total()
				require.Greater(t, total, 0.0)
				assert.Equal(t, time.Duration(0), c.At(0))
				assert.Equal(t, time.Duration(0), c.At(-1))
				assert.Equal(t, c.Duration(), c.At(total+1), "beyond the stage")
				prev := time.Duration(0)
				for i := 1; i <= 2000; i++ {
					h := total * float64(i) / 2000
					checkInverse(t, &c, h)
					at := c.At(h)
					require.GreaterOrEqual(t, at, prev, "At is monotone: At(%g)", h)
					prev = at
				}
				// Whole hits, where pacers ask.
				for j := 1.0; j <= math.Min(total, 5000); j++ {
					checkInverse(t, &c, j)
				}
				// From the other side: At(Hits(τ)) is τ, wherever the rate
				// is not near 0 (there N is flat, and many τ share one N to
				// float precision).
				for i := 0; i <= 1000; i++ {
					tau := c.Duration() * time.Duration(i) / 1000
					checkInverse(t, &c, c.Hits(tau))
					if c.Rate(tau) > 1e-3*stagePeak(&c) {
						diff := c.At(c.Hits(tau)) - tau
						require.LessOrEqual(t, max(diff, -diff), time.Nanosecond, "At(Hits(%s))", tau)
					}
				}
				// Where a sine's rate touches 0, g' = 0 and Newton's and
				// Halley's steps break down.
				if c.kind == kindSine {
					period := fromSeconds(c.p)
					for tau := 3 * period / 4; tau < c.Duration(); tau += period {
						for _, d := range []float64{-1e-6, -1e-9, 0, 1e-9, 1e-6} {
							checkInverse(t, &c, c.Hits(tau)+d)
						}
					}
				}
			}
		})
	}
}

// bisectAt is the first nanosecond at which Hits reaches h, by bisection:
// the inverse the load engine used for sine stages before Newton's method.
func bisectAt(c *StageCurve, h float64) time.Duration {
	lo, hi := time.Duration(0), c.Duration()
	if c.Hits(hi) < h {
		return hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if c.Hits(mid) >= h {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// TestSineAtAgreesWithBisection: the root lies in the nanosecond before the
// first one bisection finds, so rounding it gives that one or the one before.
func TestSineAtAgreesWithBisection(t *testing.T) {
	for _, name := range []string{"sine", "sine touching zero", "long sine"} {
		t.Run(name, func(t *testing.T) {
			c := curveOf(t, curveStages[name]...).Stages()[0]
			total := c.Total()
			for i := range 10_000 {
				h := float64(i/2 + 1) // whole hits, where pacers ask, and others
				if i%2 == 1 {
					h = total * float64(i) / 10_000
				}
				want := bisectAt(&c, h)
				require.Contains(t, []time.Duration{want - 1, want}, c.At(h), "At(%g)", h)
			}
		})
	}
}

// FuzzStageCurveAtInvertsHits: for any stage a scenario may hold, At is
// the inverse of Hits and never goes backwards.
func FuzzStageCurveAtInvertsHits(f *testing.F) {
	f.Add(uint8(0), 10.0, 20.0, 0.5, int64(10_000), int64(0), uint16(0), 0.3, 0.7)
	f.Add(uint8(1), 0.0, 60.0, 0.0, int64(20_000), int64(0), uint16(0), 0.01, 0.99)
	f.Add(uint8(1), 40.0, 0.0, 0.0, int64(10_000), int64(0), uint16(0), 0.5, 0.9999)
	f.Add(uint8(2), 0.0, 10.0, 1.0, int64(30_000), int64(7_000), uint16(0), 0.25, 0.75)
	f.Add(uint8(3), 50.0, 10.0, 0.0, int64(10_000), int64(0), uint16(4), 0.1, 0.6)
	f.Add(uint8(3), 0.0, 1000.0, 0.0, int64(3_600_000), int64(0), uint16(1000), 0.001, 0.002)
	f.Fuzz(func(t *testing.T, kind uint8, from, to, amp float64, ms, periodMS int64, steps uint16, u1, u2 float64) {
		ok := func(x float64) bool { return x >= 0 && x <= MaxRate }
		if !ok(from) || !ok(to) || !(u1 >= 0 && u1 <= 1) || !(u2 >= 0 && u2 <= 1) ||
			ms < 1 || ms > MaxDuration.Milliseconds() {
			t.Skip()
		}
		st := Stage{Duration: time.Duration(ms) * time.Millisecond, Rate: to}
		switch kind % 4 {
		case 1:
			st.Pacer = PacerLinear
		case 2:
			st.Pacer = PacerSine
			st.Amplitude = to * min(max(amp, 0), 1)
			st.Period = max(time.Duration(periodMS)*time.Millisecond, MinPeriod)
		case 3:
			st.Pacer = PacerStep
			st.Steps = int(steps)%MaxSteps + 1
		}
		plan := []Stage{st}
		if from > 0 {
			plan = []Stage{{Duration: time.Second, Rate: from}, st}
		}
		s := stages(plan...)
		if s.Validate() != nil {
			t.Skip()
		}
		c, err := s.Curve()
		if err != nil {
			t.Fatalf("a valid scenario has no curve: %v", err)
		}
		sc := c.Stages()[len(c.Stages())-1]
		h1, h2 := sc.Total()*min(u1, u2), sc.Total()*max(u1, u2)
		checkInverse(t, &sc, h1)
		checkInverse(t, &sc, h2)
		if sc.At(h1) > sc.At(h2) {
			t.Fatalf("At(%g) = %s after At(%g) = %s", h1, sc.At(h1), h2, sc.At(h2))
		}
		if j := math.Ceil(h1); j <= sc.Total() && j > 0 {
			checkInverse(t, &sc, j)
		}
	})
}

func TestFromSecondsRoundsToTheNearestNanosecond(t *testing.T) {
	check := func(s float64) {
		want := time.Duration(math.Round(s * 1e9))
		require.Equal(t, want, fromSeconds(s), "fromSeconds(%.17g)", s)
	}
	for _, s := range []float64{0.5e-9, 1e-9, 1.5e-9, 2.5e-9, 0.1, 1.0 / 3, 2.0 / 3, 1, 86400, 86400 - 0.5e-9, 86400 + 0.5e-9, 4503599.627370495} {
		check(s)
		check(math.Nextafter(s, 0))
		check(math.Nextafter(s, 1e6))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		check(r.Float64() * MaxDuration.Seconds())
		check(math.Floor(r.Float64()*1e13)/1e9 + 0.5e-9) // ties
	}
	assert.Zero(t, fromSeconds(-1))
	assert.Zero(t, fromSeconds(0.4e-9))
}

func TestCurveJoinsStages(t *testing.T) {
	c := curveOf(t,
		Stage{Duration: 5 * time.Second, Rate: 10},
		Stage{Duration: 10 * time.Second, Rate: 30, Pacer: PacerLinear},
		Stage{Duration: 8 * time.Second, Rate: 50, Pacer: PacerStep, Steps: 4})
	st := c.Stages()
	require.Len(t, st, 3)
	assert.Equal(t, []time.Duration{0, 5 * time.Second, 15 * time.Second}, []time.Duration{st[0].Start(), st[1].Start(), st[2].Start()})
	assert.Equal(t, 23*time.Second, c.Duration())
	assert.InDelta(t, 50+200+(35+40+45+50)*2, c.Total(), 1e-9)
	// The plan's N is the stages' N end to end, and its rate is theirs.
	for at := -time.Second; at <= c.Duration()+time.Second; at += 100 * time.Millisecond {
		want, rate := 0.0, 0.0
		for _, s := range st {
			want += s.Hits(at - s.Start())
			if at >= s.Start() && at < s.Start()+s.Duration() {
				rate = s.Rate(at - s.Start())
			}
		}
		assert.InDelta(t, want, c.Hits(at), 1e-9, "Hits(%s)", at)
		assert.Equal(t, rate, c.Rate(at), "Rate(%s)", at)
	}
	assert.Equal(t, 35.0, st[2].Rate(0), "a step stage starts one step up")
	assert.Equal(t, 50.0, c.PeakRate())
}

func TestCurveRejectsStagesNoPacerCanFollow(t *testing.T) {
	tests := []struct {
		name   string
		stages []Stage
		want   string
	}{
		{"no stages", nil, "no stages"},
		{"zero duration", []Stage{{Rate: 1}}, "stages[0].duration"},
		{"negative rate", []Stage{{Duration: time.Second, Rate: 1}, {Duration: time.Second, Rate: -1, Pacer: PacerLinear}}, "stages[1].rate"},
		{"not a number", []Stage{{Duration: time.Second, Rate: math.NaN()}}, "not a number"},
		{"unknown pacer", []Stage{{Duration: time.Second, Rate: 1, Pacer: "zigzag"}}, `unknown pacer "zigzag"`},
		{"amplitude above the rate", []Stage{{Duration: time.Second, Rate: 1, Pacer: PacerSine, Period: time.Second, Amplitude: 2}}, "rate would go negative"},
		{"steps out of range", []Stage{{Duration: time.Second, Rate: 1, Pacer: PacerStep, Steps: MaxSteps + 1}}, "stages[0].steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := stages(tt.stages...).Curve()
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func BenchmarkStageCurveAt(b *testing.B) {
	for _, name := range []string{"constant", "ramp from zero", "long sine", "thousand steps"} {
		c := curveOf(b, curveStages[name]...).Stages()
		sc := c[len(c)-1]
		total := sc.Total()
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			h := 0.0
			for b.Loop() {
				if h++; h > total {
					h = 1
				}
				_ = sc.At(h)
			}
		})
	}
}
