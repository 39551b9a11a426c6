package scenarios

import (
	"math"
	"sort"
	"time"
)

// A scenario's arrival-rate plan is the rate function r(t) its stages
// describe, its integral N(t) = ∫₀ᵗ r (the requests expected by t) and the
// inverse of N (the offset at which the h-th request is due). This file is
// the one place that evaluates them: the planner (TotalRequests, PeakIn),
// the load engine's pacer and its late-send measurement, and the reports'
// requested-rate series all go through Curve.
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
// StartAt = MeanUp. The inverse is closed-form for constant, linear and step
// stages and Halley's method, safeguarded by bisection, for sine stages.

// StageCurve is the arrival-rate plan of one stage of a Curve. Offsets τ are
// from the stage's start; they are clamped to [0, Duration].
type StageCurve struct {
	kind          curveKind
	from, to, amp float64
	n             int     // steps of a step stage
	d, p          float64 // duration and sine period, seconds
	dur, start    time.Duration
	before, total float64 // requests expected before and in the stage
}

// curveKind is a stage's pacer as a small number: At is on the hot path of
// pacing, where comparing pacer names would cost more than a constant
// stage's arithmetic.
type curveKind uint8

const (
	kindConstant curveKind = iota
	kindLinear
	kindSine
	kindStep
)

var curveKinds = map[string]curveKind{PacerConstant: kindConstant, PacerLinear: kindLinear, PacerSine: kindSine, PacerStep: kindStep}

// Curve is the arrival-rate plan of a scenario's stages, end to end. It is
// immutable; Scenario.Curve builds one.
type Curve struct {
	stages []StageCurve
	total  time.Duration
}

// Curve returns the arrival-rate plan of the scenario's stages. It fails
// on a stage no pacer can follow, with the error Validate gives for it; a
// validated scenario always has a curve.
func (s *Scenario) Curve() (*Curve, error) {
	if err := (validator{s: s}).stages(); err != nil {
		return nil, err
	}
	return s.curve(), nil
}

// curve builds the plan without checking the stages: the planning methods
// also answer for scenarios that are still being validated.
func (s *Scenario) curve() *Curve {
	c := &Curve{stages: make([]StageCurve, len(s.Stages))}
	n := 0.0
	for i, st := range s.Stages {
		sc := StageCurve{
			kind:   curveKinds[st.pacer()],
			from:   s.startRate(i),
			to:     st.Rate,
			amp:    st.Amplitude,
			n:      st.steps(),
			d:      st.Duration.Seconds(),
			p:      st.period(),
			dur:    st.Duration,
			start:  c.total,
			before: n,
		}
		sc.total = sc.hits(sc.d)
		c.stages[i] = sc
		n += sc.total
		c.total += st.Duration
	}
	return c
}

func (st Stage) pacer() string {
	if st.Pacer == "" {
		return PacerConstant
	}
	return st.Pacer
}

// period is the sine period in seconds, defaulting to the stage duration.
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

// fromSeconds rounds seconds to the nearest nanosecond; negative is 0. It
// is on the pacer's hot path: adding ½ and truncating is math.Round, at a
// third of its cost, wherever ½ is a multiple of the ulp, that is from ½ ns
// to 2⁵² ns (52 days; a plan is at most 24 h).
func fromSeconds(s float64) time.Duration {
	ns := s * float64(time.Second)
	if !(ns >= 0.5) {
		return 0
	}
	return time.Duration(ns + 0.5)
}

// Stages are the curves of the stages, in order.
func (c *Curve) Stages() []StageCurve { return c.stages }

// Duration is the length of the plan: the sum of the stages' durations.
func (c *Curve) Duration() time.Duration { return c.total }

// Total is N(Duration): the requests the whole plan expects (fractional).
func (c *Curve) Total() float64 {
	if len(c.stages) == 0 {
		return 0
	}
	last := &c.stages[len(c.stages)-1]
	return last.before + last.total
}

// stageAt is the index of the stage that covers t seconds (t in [0, total)).
func (c *Curve) stageAt(t float64) int {
	return sort.Search(len(c.stages), func(i int) bool {
		return c.stages[i].endSeconds() > t
	})
}

// Rate is r(t), requests per second at offset t from the plan's start: 0
// before the start and from Duration on.
func (c *Curve) Rate(t time.Duration) float64 { return c.rate(t.Seconds()) }

func (c *Curve) rate(t float64) float64 {
	if t < 0 || t >= c.total.Seconds() {
		return 0
	}
	st := &c.stages[c.stageAt(t)]
	return st.rate(t - st.startSeconds())
}

// Hits is N(t), the requests expected in [0, t] (fractional).
func (c *Curve) Hits(t time.Duration) float64 { return c.hits(t.Seconds()) }

func (c *Curve) hits(t float64) float64 {
	if t <= 0 {
		return 0
	}
	if t >= c.total.Seconds() {
		return c.Total()
	}
	st := &c.stages[c.stageAt(t)]
	return st.before + st.hits(t-st.startSeconds())
}

// PeakRate is the highest instantaneous rate of the plan.
func (c *Curve) PeakRate() float64 {
	peak := 0.0
	for i := range c.stages {
		switch st := &c.stages[i]; st.kind {
		case kindSine:
			peak = max(peak, st.to+st.amp)
		case kindLinear, kindStep:
			peak = max(peak, st.from, st.to)
		default:
			peak = max(peak, st.to)
		}
	}
	return peak
}

// Start is the stage's offset from the plan's start.
func (c *StageCurve) Start() time.Duration { return c.start }

func (c *StageCurve) startSeconds() float64 { return c.start.Seconds() }

// endSeconds is the next stage's startSeconds, to the last bit.
func (c *StageCurve) endSeconds() float64 { return (c.start + c.dur).Seconds() }

// Duration is the stage's length.
func (c *StageCurve) Duration() time.Duration { return c.dur }

// Total is N over the whole stage: the requests it expects (fractional).
func (c *StageCurve) Total() float64 { return c.total }

// Rate is r(τ), requests per second at offset τ from the stage's start.
func (c *StageCurve) Rate(tau time.Duration) float64 { return c.rate(tau.Seconds()) }

// Hits is N(τ), the requests the stage expects in [0, τ].
func (c *StageCurve) Hits(tau time.Duration) float64 { return c.hits(tau.Seconds()) }

// At is the inverse of Hits: the offset from the stage's start at which its
// h-th request is due (0 for h ≤ 0, Duration for h beyond Total), rounded
// to the nearest nanosecond: closed forms for constant, linear and step
// stages, Halley's method for sine stages. A pacer that sends the stage's
// request j (from 1) at At(j) keeps Vegeta's convention: ConstantPacer sends
// hit k (from 0) at (k+1)/rate.
func (c *StageCurve) At(h float64) time.Duration {
	switch {
	case h <= 0:
		return 0
	case c.kind == kindConstant:
		if c.to <= 0 {
			return c.dur
		}
		return min(fromSeconds(h/c.to), c.dur)
	case c.kind == kindLinear:
		return c.linearAt(h)
	case c.kind == kindSine:
		return c.sineAt(h)
	}
	return c.stepAt(h)
}

// rate is r(τ), τ in seconds.
func (c *StageCurve) rate(tau float64) float64 {
	tau = min(max(tau, 0), c.d)
	switch c.kind {
	case kindLinear:
		return c.from + (c.to-c.from)*tau/c.d
	case kindSine:
		return c.to + c.amp*math.Sin(2*math.Pi*tau/c.p)
	case kindStep:
		return c.stepRate(c.stepOf(tau))
	}
	return c.to
}

// hits is N(τ), τ in seconds.
func (c *StageCurve) hits(tau float64) float64 {
	tau = min(max(tau, 0), c.d)
	switch c.kind {
	case kindLinear:
		return c.from*tau + (c.to-c.from)*tau*tau/(2*c.d)
	case kindSine:
		return c.to*tau + c.amp*c.p/(2*math.Pi)*(1-math.Cos(2*math.Pi*tau/c.p))
	case kindStep:
		k := min(int(tau*float64(c.n)/c.d), c.n)
		full := c.stepsHits(k)
		if k == c.n {
			return full
		}
		return full + c.stepRate(k)*(tau-float64(k)*c.stepWidth())
	}
	return c.to * tau
}

// linearAt solves (to−from)/(2D)·τ² + from·τ − h = 0 in the form
// τ = 2h / (from + √(from² + 2·slope·h)), which stays exact when from = 0 (a
// ramp from nothing) and when the slope is near 0, where the textbook form
// cancels.
func (c *StageCurve) linearAt(h float64) time.Duration {
	if h > c.total {
		return c.dur
	}
	slope := (c.to - c.from) / c.d
	disc := c.from*c.from + 2*slope*h
	if disc < 0 {
		return c.dur
	}
	den := c.from + math.Sqrt(disc)
	if den <= 0 {
		return c.dur
	}
	return min(fromSeconds(2*h/den), c.dur)
}

// stepOf is the step that covers τ seconds.
func (c *StageCurve) stepOf(tau float64) int {
	return min(int(tau*float64(c.n)/c.d), c.n-1)
}

func (c *StageCurve) stepWidth() float64 { return c.d / float64(c.n) }

// stepRate is the rate of step j (from 0): one step of (to−from)/n above
// the previous, so the first is already above the previous stage and the
// last is at the stage's rate.
func (c *StageCurve) stepRate(j int) float64 {
	return c.from + (c.to-c.from)*float64(j+1)/float64(c.n)
}

// stepsHits is N at the end of the first k steps: Σ_{j<k} stepRate(j)·D/n.
func (c *StageCurve) stepsHits(k int) float64 {
	dr := (c.to - c.from) / float64(c.n)
	fk := float64(k)
	return (fk*c.from + dr*fk*(fk+1)/2) * c.stepWidth()
}

// stepAt finds the step in which N reaches h (binary search on the closed
// form, so a stage of a thousand steps costs ten evaluations) and solves
// the constant rate inside it.
func (c *StageCurve) stepAt(h float64) time.Duration {
	k := sort.Search(c.n, func(k int) bool { return c.stepsHits(k+1) >= h })
	if k == c.n {
		return c.dur
	}
	r := c.stepRate(k)
	if r <= 0 {
		return min(fromSeconds(float64(k+1)*c.stepWidth()), c.dur)
	}
	return min(fromSeconds(float64(k)*c.stepWidth()+(h-c.stepsHits(k))/r), c.dur)
}

// sineAt inverts N for a sine stage. In u = 2πτ/P, with a = A/to,
// N = to·P/(2π)·g(u) where g(u) = u + a·(1 − cos u) and g(u+2π) = g(u) + 2π:
// whole periods come off in closed form and the rest is solved for u in
// [0, 2π], where g(u) − u lies in [0, 2a]. Halley's method (Newton's with
// the second derivative a·cos u, free once sin and cos are known) starts one
// fixed-point step from the answer and falls back to bisection whenever a
// step would leave the bracket (g' = 1 + a·sin u reaches 0 when A = to). It
// stops when the error left after a step, at most
// (a²/(4g'²) + a/(6g'))·step³, is below a hundredth of a nanosecond: two
// or three steps, each one math.Sincos.
func (c *StageCurve) sineAt(h float64) time.Duration {
	if c.to <= 0 || h > c.total {
		return c.dur
	}
	a := c.amp / c.to
	perPeriod := c.to * c.p
	m := math.Floor(h / perPeriod)
	target := min(max(2*math.Pi*(h-m*perPeriod)/perPeriod, 0), 2*math.Pi)
	lo, hi := max(target-2*a, 0), target
	u := target - a*(1-math.Cos(target))
	tol := max(2*math.Pi*1e-11/c.p, 1e-15) // a hundredth of a nanosecond, in u
	for range 200 {
		sin, cos := math.Sincos(u)
		g, g1, g2 := u+a*(1-cos)-target, 1+a*sin, a*cos
		if g >= 0 {
			hi = u
		} else {
			lo = u
		}
		if g == 0 {
			break
		}
		// A step that does not land strictly inside the bracket (also NaN
		// or no step at all, where the rate is 0) is replaced by bisection.
		next := u - 2*g*g1/(2*g1*g1-g*g2)
		if !(next > lo && next < hi) {
			next = lo + (hi-lo)/2
		} else if step := math.Abs(next - u); (a*a/(4*g1*g1)+a/(6*g1))*step*step*step < tol {
			u = next
			break
		}
		u = next
		if hi-lo < tol {
			break
		}
	}
	return min(fromSeconds((m+u/(2*math.Pi))*c.p), c.dur)
}
