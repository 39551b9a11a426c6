package scenarios

import (
	"math"
	"slices"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Planning: totals and peaks of a scenario's Curve, which the planner
// compares with a tier's budgets (TotalRequests, PeakPer10s) and reports
// compare with achieved rates (RateAt).

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
	return s.curve().Rate(t)
}

// RequestsBy is the number of requests the plan expects by offset t (the
// integral of RateAt from 0 to t; fractional).
func (s *Scenario) RequestsBy(t time.Duration) float64 {
	return s.curve().Hits(t)
}

// TotalRequests is the exact number of requests the plan expects over the
// whole scenario. A pacer that sends hit k when RequestsBy reaches k sends
// ⌊TotalRequests⌋; load's StagePacer, which drops each stage's fraction,
// sends up to one fewer per stage.
func (s *Scenario) TotalRequests() float64 {
	return s.curve().Total()
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
	return s.curve().PeakRate()
}

// PeakPer10s is the most requests the plan expects in any rolling 10-second
// window: what HubSpot's burst limit (hubspot.TierLimits(t).Burst) counts.
func (s *Scenario) PeakPer10s() float64 {
	return s.PeakIn(hubspot.BurstWindow)
}

// PeakIn is the most requests the plan expects in any window of the given
// length (see Curve.PeakIn).
func (s *Scenario) PeakIn(window time.Duration) float64 {
	return s.curve().PeakIn(window)
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
func (c *Curve) PeakIn(window time.Duration) float64 {
	w := window.Seconds()
	if w <= 0 || len(c.stages) == 0 {
		return 0
	}
	total := c.total.Seconds()
	if total <= w {
		return c.Total()
	}
	f := func(x float64) float64 { return c.hits(x+w) - c.hits(x) }
	last := total - w
	cands := []float64{0, last}
	add := func(b float64) {
		for _, x := range []float64{b, b - w} {
			if x > 0 && x < last {
				cands = append(cands, x)
			}
		}
	}
	piece := math.Inf(1)
	for _, st := range c.stages {
		start := st.startSeconds()
		add(start)
		if st.kind == kindStep {
			for j := 1; j < st.n; j++ {
				add(start + st.d*float64(j)/float64(st.n))
			}
		}
		if st.kind == kindSine {
			piece = min(piece, st.p/16)
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
		if mid := (a + b) / 2; c.flat(mid) && c.flat(mid+w) {
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

// flat reports whether the rate is piecewise constant around t seconds.
func (c *Curve) flat(t float64) bool {
	if t < 0 || t >= c.total.Seconds() {
		return true
	}
	switch c.stages[c.stageAt(t)].kind {
	case kindConstant, kindStep:
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
