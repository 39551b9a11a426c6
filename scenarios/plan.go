package scenarios

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// The arrival-rate plan of a scenario is the rate function r(t) its stages
// describe. Everything here is exact arithmetic on r and its integral
// N(t) = ∫₀ᵗ r: the planner compares TotalRequests and PeakPer10s with a
// tier's budgets, and reports compare requested with achieved rates.
//
// Stage i runs over [start_i, start_i + D_i). Inside a stage, with τ the
// offset from its start, from the previous stage's Rate (0 for the first)
// and to the stage's Rate:
//
//	constant  r(τ) = to                        N(τ) = to·τ
//	linear    r(τ) = from + (to−from)·τ/D      N(τ) = from·τ + (to−from)·τ²/(2D)
//	sine      r(τ) = to + A·sin(2πτ/P)         N(τ) = to·τ + A·P/(2π)·(1 − cos(2πτ/P))
//	step      r(τ) = from + (to−from)·(j+1)/n  for τ in step j = ⌊τ·n/D⌋
//
// A sine stage starts at its mean rising, as Vegeta's SinePacer does with
// StartAt = MeanUp.

func (st Stage) pacer() string {
	if st.Pacer == "" {
		return PacerConstant
	}
	return st.Pacer
}

// period is the sine period, defaulting to the stage duration.
func (st Stage) period() float64 {
	if st.Period > 0 {
		return st.Period.Seconds()
	}
	return st.Duration.Seconds()
}

func (st Stage) steps() int {
	if st.Steps > 0 {
		return st.Steps
	}
	return DefaultSteps
}

// rate is r(τ) of the stage, τ in seconds from its start.
func (st Stage) rate(from, tau float64) float64 {
	d, to := st.Duration.Seconds(), st.Rate
	switch st.pacer() {
	case PacerLinear:
		return from + (to-from)*tau/d
	case PacerSine:
		return to + st.Amplitude*math.Sin(2*math.Pi*tau/st.period())
	case PacerStep:
		n := st.steps()
		j := min(int(tau*float64(n)/d), n-1)
		return from + (to-from)*float64(j+1)/float64(n)
	}
	return to
}

// hits is N(τ) of the stage: expected requests in its first τ seconds.
func (st Stage) hits(from, tau float64) float64 {
	d, to := st.Duration.Seconds(), st.Rate
	tau = min(max(tau, 0), d)
	switch st.pacer() {
	case PacerLinear:
		return from*tau + (to-from)*tau*tau/(2*d)
	case PacerSine:
		p := st.period()
		return to*tau + st.Amplitude*p/(2*math.Pi)*(1-math.Cos(2*math.Pi*tau/p))
	case PacerStep:
		n := st.steps()
		l := d / float64(n)
		k := min(int(tau/l), n)
		dr := (to - from) / float64(n)
		full := (float64(k)*from + dr*float64(k)*float64(k+1)/2) * l
		if k == n {
			return full
		}
		return full + (from+dr*float64(k+1))*(tau-float64(k)*l)
	}
	return to * tau
}

// plan caches stage offsets and cumulative counts for repeated evaluation.
type plan struct {
	stages []Stage
	start  []float64 // seconds
	from   []float64
	cum    []float64 // N at each stage start
	total  float64   // duration, seconds
}

func (s *Scenario) plan() plan {
	p := plan{stages: s.Stages}
	t, n := 0.0, 0.0
	for i, st := range s.Stages {
		p.start = append(p.start, t)
		p.from = append(p.from, s.startRate(i))
		p.cum = append(p.cum, n)
		n += st.hits(s.startRate(i), st.Duration.Seconds())
		t += st.Duration.Seconds()
	}
	p.start = append(p.start, t)
	p.cum = append(p.cum, n)
	p.total = t
	return p
}

// stageAt is the stage that covers t seconds (t in [0, total)).
func (p plan) stageAt(t float64) int {
	return sort.Search(len(p.stages), func(i int) bool { return p.start[i+1] > t })
}

func (p plan) rate(t float64) float64 {
	if t < 0 || t >= p.total {
		return 0
	}
	i := p.stageAt(t)
	return p.stages[i].rate(p.from[i], t-p.start[i])
}

func (p plan) hits(t float64) float64 {
	if t <= 0 {
		return 0
	}
	if t >= p.total {
		return p.cum[len(p.stages)]
	}
	i := p.stageAt(t)
	return p.cum[i] + p.stages[i].hits(p.from[i], t-p.start[i])
}

// Duration is the sum of the stages' durations.
func (s *Scenario) Duration() time.Duration {
	var d time.Duration
	for _, st := range s.Stages {
		d += st.Duration
	}
	return d
}

// RateAt is the requested rate (requests per second) at offset t from the
// start of the attack; 0 before the start and from Duration on.
func (s *Scenario) RateAt(t time.Duration) float64 {
	return s.plan().rate(t.Seconds())
}

// RequestsBy is the number of requests the plan expects by offset t (the
// integral of RateAt from 0 to t; fractional).
func (s *Scenario) RequestsBy(t time.Duration) float64 {
	return s.plan().hits(t.Seconds())
}

// TotalRequests is the exact number of requests the plan expects over the
// whole scenario. A pacer that sends hit k when RequestsBy reaches k sends
// ⌊TotalRequests⌋.
func (s *Scenario) TotalRequests() float64 {
	return s.plan().hits(math.Inf(1))
}

// MeanRate is TotalRequests over Duration, in requests per second.
func (s *Scenario) MeanRate() float64 {
	d := s.Duration().Seconds()
	if d <= 0 {
		return 0
	}
	return s.TotalRequests() / d
}

// PeakRate is the highest instantaneous rate of the plan.
func (s *Scenario) PeakRate() float64 {
	peak := 0.0
	for i, st := range s.Stages {
		from := s.startRate(i)
		switch st.pacer() {
		case PacerSine:
			peak = max(peak, st.Rate+st.Amplitude)
		case PacerLinear, PacerStep:
			peak = max(peak, from, st.Rate)
		default:
			peak = max(peak, st.Rate)
		}
	}
	return peak
}

// PeakPer10s is the most requests the plan expects in any rolling 10-second
// window: what HubSpot's burst limit (hubspot.TierLimits(t).Burst) counts.
func (s *Scenario) PeakPer10s() float64 {
	return s.PeakIn(hubspot.BurstWindow)
}

// maxPeakPieces bounds the work of PeakIn on long sine plans.
const maxPeakPieces = 200_000

// PeakIn is the most requests the plan expects in any window of the given
// length. The count of the window [w, w+W] is f(w) = N(w+W) − N(w). Where
// neither end crosses a breakpoint (a stage or step boundary) and the
// rates are piecewise linear, f is a quadratic in w, so its maximum lies at
// a breakpoint or at the vertex of the parabola through three samples:
// exact for constant, linear, step and spike shapes. Sine stages are cut
// into pieces of a sixteenth of their period, where the same parabola is
// accurate to a small fraction of a request.
func (s *Scenario) PeakIn(window time.Duration) float64 {
	p := s.plan()
	w := window.Seconds()
	if w <= 0 || len(p.stages) == 0 {
		return 0
	}
	if p.total <= w {
		return p.hits(p.total)
	}
	f := func(x float64) float64 { return p.hits(x+w) - p.hits(x) }
	last := p.total - w
	cands := []float64{0, last}
	add := func(b float64) {
		for _, x := range []float64{b, b - w} {
			if x > 0 && x < last {
				cands = append(cands, x)
			}
		}
	}
	piece := math.Inf(1)
	for i, st := range p.stages {
		add(p.start[i])
		if st.pacer() == PacerStep {
			n := st.steps()
			for j := 1; j < n; j++ {
				add(p.start[i] + st.Duration.Seconds()*float64(j)/float64(n))
			}
		}
		if st.pacer() == PacerSine {
			piece = min(piece, st.period()/16)
		}
	}
	piece = max(piece, last/maxPeakPieces)
	slices.Sort(cands)
	cands = slices.Compact(cands)

	best := 0.0
	for _, x := range cands {
		best = max(best, f(x))
	}
	for i := 0; i+1 < len(cands); i++ {
		a, b := cands[i], cands[i+1]
		if mid := (a + b) / 2; p.flat(mid) && p.flat(mid+w) {
			continue // both window ends see a constant rate: f is linear, its ends are counted
		}
		m := max(1, int(math.Ceil((b-a)/piece)))
		for k := 0; k < m; k++ {
			x0 := a + (b-a)*float64(k)/float64(m)
			x1 := a + (b-a)*float64(k+1)/float64(m)
			best = max(best, peakOfPiece(f, x0, x1))
		}
	}
	return best
}

// flat reports whether the rate is piecewise constant around t.
func (p plan) flat(t float64) bool {
	if t < 0 || t >= p.total {
		return true
	}
	switch p.stages[p.stageAt(t)].pacer() {
	case PacerConstant, PacerStep:
		return true
	}
	return false
}

// peakOfPiece is the larger of the piece's ends, its middle and, when the
// parabola through them opens downwards, its vertex.
func peakOfPiece(f func(float64) float64, x0, x1 float64) float64 {
	xm := (x0 + x1) / 2
	f0, fm, f1 := f(x0), f(xm), f(x1)
	best := max(f0, fm, f1)
	h := (x1 - x0) / 2
	// Parabola through (−h, f0), (0, fm), (h, f1): curvature c, slope b.
	c := (f0 - 2*fm + f1) / (2 * h * h)
	if c < 0 {
		b := (f1 - f0) / (2 * h)
		if v := xm - b/(2*c); v > x0 && v < x1 {
			best = max(best, f(v))
		}
	}
	return best
}
