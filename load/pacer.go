package load

import (
	"cmp"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/scenarios"
)

// DefaultMaxPaceSleep is the longest wait StagePacer hands back to Vegeta's
// attack loop. Vegeta sleeps the returned wait without watching for Stop, so
// a longer wait (a slow stage, a pause between stages) is slept inside Pace
// instead, where cancellation can cut it short.
const DefaultMaxPaceSleep = 100 * time.Millisecond

// StepPacer climbs from From to To requests per second in Steps equal steps
// over Duration; step j (0-based) runs at From + (To−From)·(j+1)/Steps. It
// implements vegeta.Pacer with the same conventions as vegeta.ConstantPacer:
// hit k (0-based) is due when the expected hits reach k+1.
type StepPacer struct {
	From, To float64
	Steps    int
	Duration time.Duration
}

var _ vegeta.Pacer = StepPacer{}

func (p StepPacer) curve() stepCurve {
	return stepCurve{r0: p.From, r1: p.To, n: max(p.Steps, 1), d: p.Duration}
}

// Pace implements vegeta.Pacer.
func (p StepPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return curvePace(p.curve(), elapsed, hits)
}

// Rate implements vegeta.Pacer.
func (p StepPacer) Rate(elapsed time.Duration) float64 { return p.curve().rate(elapsed) }

// String describes the pacer like Vegeta's pacers do.
func (p StepPacer) String() string {
	return fmt.Sprintf("Step{%g→%g hits/s in %d steps over %s}", p.From, p.To, p.Steps, p.Duration)
}

// curvePacer paces exactly along a curve. It stands in for Vegeta's
// LinearPacer where that one cannot go: a ramp from or to a rate below 1/s
// (LinearPacer treats a zero start as an infinite rate and waits 1/rate of
// the current, near-zero, rate).
type curvePacer struct{ c curve }

func (p curvePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	return curvePace(p.c, elapsed, hits)
}
func (p curvePacer) Rate(elapsed time.Duration) float64 { return p.c.rate(elapsed) }

// curvePace: hit k is due at the offset where the expected hits reach k+1;
// past the curve's end the stage is over.
func curvePace(c curve, elapsed time.Duration, hits uint64) (time.Duration, bool) {
	h := float64(hits + 1)
	if h > c.hits(c.duration())+1e-9 {
		return 0, true
	}
	return max(c.at(h)-elapsed, 0), false
}

// stage is one scheduled stretch of a StagePacer.
type stage struct {
	start time.Duration // offset of the stage in the attack
	base  uint64        // hits scheduled before the stage
	quota uint64        // hits scheduled in the stage
	pacer vegeta.Pacer  // paces hits 0..quota-1 relative to start
	curve curve         // the same plan in closed form
	name  string
}

// StagePacer chains the stages of a scenario into one vegeta.Pacer. Each
// stage gets a quota — the whole hits its curve expects; a fraction left at
// the end of a stage is dropped, so a plan sends at most one request per
// stage fewer than scenarios.Scenario.TotalRequests — and its own pacer (Vegeta's ConstantPacer or SinePacer where they are exact, StepPacer,
// or an exact curve pacer) paces that quota relative to the
// stage start.
//
// A StagePacer is used by one attack; Pace is called from Vegeta's single
// pacing goroutine and Rate/ScheduledAt may be called from any goroutine.
type StagePacer struct {
	stages   []stage
	total    uint64
	duration time.Duration
	maxSleep time.Duration
	stop     <-chan struct{}
	timer    *time.Timer

	// start is when the attack began, learnt from the first Pace call
	// (Vegeta does not expose it): now minus the elapsed time it passes.
	started bool
	start   atomic.Pointer[time.Time]
}

var _ vegeta.Pacer = (*StagePacer)(nil)

// NewStagePacer builds the pacer of a scenario's stages (already validated
// by package scenarios). rateFactor scales every rate (1/N for shard I of N).
func NewStagePacer(stages []scenarios.Stage, rateFactor float64) (*StagePacer, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("load: a scenario needs at least one stage")
	}
	if rateFactor <= 0 || math.IsNaN(rateFactor) || math.IsInf(rateFactor, 0) {
		return nil, fmt.Errorf("load: rate factor %g must be positive", rateFactor)
	}
	p := &StagePacer{maxSleep: DefaultMaxPaceSleep}
	prev := 0.0
	for i, s := range stages {
		if s.Duration <= 0 {
			return nil, fmt.Errorf("load: stage %d: duration %s must be positive", i+1, s.Duration)
		}
		r := s.Rate * rateFactor
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("load: stage %d: rate %g must be a non-negative number", i+1, s.Rate)
		}
		st, err := newStage(s, prev, r, rateFactor)
		if err != nil {
			return nil, fmt.Errorf("load: stage %d: %w", i+1, err)
		}
		st.start = p.duration
		st.base = p.total
		st.quota = wholeHits(st.curve.hits(s.Duration))
		p.stages = append(p.stages, st)
		p.total += st.quota
		p.duration += s.Duration
		prev = r
	}
	return p, nil
}

// wholeHits rounds an expected count down, forgiving float noise.
func wholeHits(h float64) uint64 { return uint64(math.Floor(h + 1e-6)) }

func newStage(s scenarios.Stage, prev, r, factor float64) (stage, error) {
	switch s.Pacer {
	case scenarios.PacerConstant, "":
		c := constantCurve{r: r, d: s.Duration}
		st := stage{curve: c, pacer: curvePacer{c}, name: "constant"}
		if r > 0 {
			st.pacer = constantPacer(r)
		}
		return st, nil
	case scenarios.PacerLinear:
		// Not Vegeta's LinearPacer: it waits 1/rate(now) per missing hit, so
		// on a ramp up every send leaves after the exact schedule (about a
		// millisecond at 10/s, more near zero, and a zero start rate means
		// "infinite"). Those would all count as late sends.
		c := linearCurve{r0: prev, r1: r, d: s.Duration}
		return stage{curve: c, pacer: curvePacer{c}, name: "linear"}, nil
	case scenarios.PacerSine:
		period := s.Period
		if period <= 0 {
			period = s.Duration
		}
		amp := math.Abs(s.Amplitude * factor)
		c := sineCurve{mean: r, amp: amp, p: period, d: s.Duration}
		st := stage{curve: c, pacer: curvePacer{c}, name: "sine"}
		sp := vegeta.SinePacer{Period: period, Mean: vegetaRate(r), Amp: vegetaRate(amp), StartAt: vegeta.MeanUp}
		// SinePacer requires 0 < amplitude < mean; a zero amplitude is a
		// constant rate, a full one touches zero and only the curve handles it.
		if amp > 0 && amp < r && sp.Amp.Freq > 0 {
			st.pacer = sp
		} else if amp == 0 && r > 0 {
			st.pacer = constantPacer(r)
		}
		return st, nil
	case scenarios.PacerStep:
		sp := StepPacer{From: prev, To: r, Steps: cmp.Or(s.Steps, scenarios.DefaultSteps), Duration: s.Duration}
		return stage{curve: sp.curve(), pacer: sp, name: "step"}, nil
	}
	return stage{}, fmt.Errorf("unknown pacer %q (valid: constant, linear, sine, step)", s.Pacer)
}

// vegetaRate expresses a rate in Vegeta's integer Freq/Per form: whole
// rates per second exactly, others to a millionth of a hit per second (so a
// third of 100/s paces 30 ms apart, not 30.0003 ms).
func vegetaRate(r float64) vegeta.Rate {
	if r == math.Trunc(r) && r < math.MaxInt32 {
		return vegeta.Rate{Freq: int(r), Per: time.Second}
	}
	return vegeta.Rate{Freq: int(math.Round(r * 1e6)), Per: 1e6 * time.Second}
}

// constantPacer is vegeta.ConstantPacer, which sends hit k at (k+1)/r —
// the same convention as the curves.
func constantPacer(r float64) vegeta.Pacer {
	vr := vegetaRate(r)
	if vr.Freq <= 0 {
		return curvePacer{constantCurve{r: r}}
	}
	return vegeta.ConstantPacer{Freq: vr.Freq, Per: vr.Per}
}

// Total is the number of hits the plan schedules.
func (p *StagePacer) Total() uint64 { return p.total }

// Duration is the planned length of the attack.
func (p *StagePacer) Duration() time.Duration { return p.duration }

// stageOf returns the stage that schedules hit k (k < total).
func (p *StagePacer) stageOf(k uint64) *stage {
	for i := range p.stages {
		st := &p.stages[i]
		if k < st.base+st.quota {
			return st
		}
	}
	return nil
}

// stageAt returns the stage running at offset t (the last one past the end).
func (p *StagePacer) stageAt(t time.Duration) *stage {
	for i := range p.stages {
		if t < p.stages[i].start+p.stages[i].curve.duration() {
			return &p.stages[i]
		}
	}
	return &p.stages[len(p.stages)-1]
}

// Pace implements vegeta.Pacer. Hit k belongs to the stage whose quota holds
// it; that stage's pacer decides the wait relative to its start. Waits longer
// than the max sleep are slept here, interruptibly (see DefaultMaxPaceSleep).
func (p *StagePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if !p.started {
		p.started = true
		t := time.Now().Add(-elapsed)
		p.start.Store(&t)
	}
	if hits >= p.total || elapsed > p.duration {
		return 0, true
	}
	st := p.stageOf(hits)
	var wait time.Duration
	if elapsed < st.start {
		// The stage has not begun (the previous ones are done): wait for its
		// start plus its own first wait.
		w, stop := st.pacer.Pace(0, hits-st.base)
		if stop {
			return 0, true
		}
		wait = st.start - elapsed + w
	} else {
		w, stop := st.pacer.Pace(elapsed-st.start, hits-st.base)
		if stop {
			// The stage's own pacer ran out before its quota (rounding):
			// send the remainder at once rather than stalling the plan.
			w = 0
		}
		wait = w
	}
	wait = max(wait, 0) // Vegeta's ConstantPacer goes negative when behind
	if wait <= p.maxSleep || p.stop == nil {
		return wait, false
	}
	if p.timer == nil {
		p.timer = time.NewTimer(wait)
	} else {
		p.timer.Reset(wait)
	}
	select {
	case <-p.timer.C:
		return 0, false
	case <-p.stop:
		p.timer.Stop()
		return 0, true
	}
}

// Rate implements vegeta.Pacer: the requested rate at offset elapsed.
func (p *StagePacer) Rate(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed > p.duration {
		return 0
	}
	st := p.stageAt(elapsed)
	return st.curve.rate(elapsed - st.start)
}

// ScheduledAt is the offset from the attack start at which hit k (0-based,
// Vegeta's Result.Seq) was due: where the stage's expected hits reach
// k−base+1, the convention every stage pacer follows. Late sends are
// measured against it.
func (p *StagePacer) ScheduledAt(k uint64) time.Duration {
	st := p.stageOf(k)
	if st == nil {
		return p.duration
	}
	return st.start + st.curve.at(float64(k-st.base+1))
}

// began is when the attack began (false before the first Pace call).
func (p *StagePacer) began() (time.Time, bool) {
	t := p.start.Load()
	if t == nil {
		return time.Time{}, false
	}
	return *t, true
}

// interruptible makes long waits in Pace end when stop is closed.
func (p *StagePacer) interruptible(stop <-chan struct{}) { p.stop = stop }
