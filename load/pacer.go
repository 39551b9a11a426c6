package load

import (
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

// DefaultSendTail is how long after the planned end the requests the plan
// still owes may leave. Vegeta's own loop stops at the planned end and
// drops whatever is still due, so one stall of its sending goroutine near
// the end (a GC pause, the scheduler of a loaded machine) cut a 40-request
// plan to 39; inside the tail those requests leave late instead, and count
// as late sends. A run behind by more than the tail at its end stops with
// what it sent (the rate-achieved check judges the shortfall); a
// saturation run (scenario saturation: true) has no tail. A
// documented choice: one second, the stall the rate-achieved check
// forgives (reports.RateShortfallGrace).
const DefaultSendTail = time.Second

// StagePacer paces a scenario's Curve as one vegeta.Pacer. Each stage gets
// a quota, the whole requests its curve expects (a fraction left at the end
// of a stage is dropped, so a plan sends at most one request per stage fewer
// than Curve.Total), and the j-th request (from 1) of a stage is due at the
// stage's start plus scenarios.StageCurve.At(j): where the stage's expected
// requests reach j. For a constant stage that is Vegeta's ConstantPacer
// convention, hit k (from 0) at (k+1)/rate. Late sends are measured against
// the same schedule (ScheduledAt), so "late" means late for the pacer.
//
// A StagePacer is used by one attack; Pace is called from Vegeta's single
// pacing goroutine and Rate/ScheduledAt may be called from any goroutine.
type StagePacer struct {
	curve    *scenarios.Curve
	stages   []stage
	total    uint64
	duration time.Duration
	tail     time.Duration // see DefaultSendTail
	maxSleep time.Duration
	stop     <-chan struct{}
	timer    *time.Timer
	// cur is the stage of the last Pace call, where the next hit almost
	// always is; only Pace's goroutine touches it.
	cur int

	// start is when the attack began, learnt from the first Pace call
	// (Vegeta does not expose it): now minus the elapsed time it passes.
	started bool
	start   atomic.Pointer[time.Time]
}

// stage is one stage of a StagePacer: hits base … base+quota−1 of the plan.
type stage struct {
	scenarios.StageCurve
	base, quota uint64
}

var _ vegeta.Pacer = (*StagePacer)(nil)

// NewStagePacer paces a curve from Scenario.Curve; a shard of an N-way run
// paces Scenario.Scaled(1/N).Curve().
func NewStagePacer(c *scenarios.Curve) *StagePacer {
	p := &StagePacer{curve: c, duration: c.Duration(), tail: DefaultSendTail, maxSleep: DefaultMaxPaceSleep}
	for _, sc := range c.Stages() {
		st := stage{StageCurve: sc, base: p.total, quota: wholeHits(sc.Total())}
		p.stages = append(p.stages, st)
		p.total += st.quota
	}
	return p
}

// wholeHits rounds an expected count down, forgiving float noise.
func wholeHits(h float64) uint64 { return uint64(math.Floor(h + 1e-6)) }

// due is the offset from the attack start at which hit k of stage st is due.
func (st *stage) due(k uint64) time.Duration {
	return st.Start() + st.At(float64(k-st.base+1))
}

// Total is the number of hits the plan schedules.
func (p *StagePacer) Total() uint64 { return p.total }

// Duration is the planned length of the attack.
func (p *StagePacer) Duration() time.Duration { return p.duration }

// Bound is the longest the attack may last: the planned length and the
// tail in which requests still owed may leave late (DefaultSendTail).
// Run hands it to Vegeta as the attack's duration.
func (p *StagePacer) Bound() time.Duration { return p.duration + p.tail }

// stageOf returns the stage that schedules hit k (k < total), by binary
// search: late-send measurement asks once per result.
func (p *StagePacer) stageOf(k uint64) *stage {
	lo, hi := 0, len(p.stages)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if st := &p.stages[mid]; k < st.base+st.quota {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return &p.stages[lo]
}

// Pace implements vegeta.Pacer: the wait until hit k is due (0 when it is
// overdue). Waits longer than the max sleep are slept here, interruptibly
// (see DefaultMaxPaceSleep).
func (p *StagePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if !p.started {
		p.started = true
		t := time.Now().Add(-elapsed)
		p.start.Store(&t)
	}
	if hits >= p.total || elapsed > p.Bound() {
		return 0, true
	}
	// Vegeta asks for hits 0, 1, 2, …: the next one is in the stage of the
	// last, or a later one.
	if st := &p.stages[p.cur]; hits < st.base {
		p.cur = 0
	}
	for hits >= p.stages[p.cur].base+p.stages[p.cur].quota {
		p.cur++
	}
	wait := max(p.stages[p.cur].due(hits)-elapsed, 0)
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

// Rate implements vegeta.Pacer: the requested rate at offset elapsed. At
// the very end (the progress line asks there) it is the last stage's final
// rate rather than the 0 that follows the plan.
func (p *StagePacer) Rate(elapsed time.Duration) float64 {
	if elapsed == p.duration {
		last := p.stages[len(p.stages)-1]
		return last.Rate(last.Duration())
	}
	return p.curve.Rate(elapsed)
}

// ScheduledAt is the offset from the attack start at which hit k (0-based,
// Vegeta's Result.Seq) was due, the schedule Pace keeps. Late sends are
// measured against it.
func (p *StagePacer) ScheduledAt(k uint64) time.Duration {
	if k >= p.total {
		return p.duration
	}
	return p.stageOf(k).due(k)
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
