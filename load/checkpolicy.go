package load

import (
	"sync"
	"sync/atomic"
	"time"
)

// The policy of the optional checks under load: one place decides when the
// full schema check of an answer (schemapass.go) and a sampled contract
// check (sampler.go) run. The run-wide invariants are not optional: every
// answer goes through them whatever this policy says.
//
//   - While the attack keeps up, every optional check runs: the CPU it uses
//     is CPU the attack did not need.
//   - The attack is falling behind when it stays behind its schedule for
//     longer than a stall: its sends leave more than DefaultBehindAfter
//     late (Vegeta's pacer waited for a free worker, or for the CPU) with
//     none on time for DefaultBehindWindow, or the answer queue stays more
//     than half full (the workers that must run the invariants on every
//     answer are behind) for as long. A single late send, or a queue that
//     fills and drains again, is a stall: the GC marking a big heap (the
//     in-process emulator's store) or the scheduler of a busy machine
//     delays everything for some tens of milliseconds, after which the
//     attack catches up with CPU to spare; stepping the checks back then
//     would only lose coverage. An attack short of CPU never catches up, so
//     its lag lasts. It counts as behind from then until DefaultBehindHold
//     has passed without a sign of it.
//   - While it is behind, each kind of check may use its floor share of one
//     CPU (Config.SchemaBudget, Config.CheckBudget), metered as a token
//     bucket that refills at the floor rate up to DefaultCheckBurst of CPU
//     time: a short run or a short stall still checks everything, a
//     saturated attack gives up all but the floor. A saturation scenario
//     has no burst and no window (newCheckPolicy): it is behind from the
//     start.
//
// What was not checked is never silent: the schema pass reports answers
// and checked (summary.json invariants.schema, the "Schema checked N of M
// answers" line), the sampler sampled, checked and dropped.

// Defaults of the check policy.
const (
	// DefaultBehindAfter is how late against the pacer's schedule a send
	// may leave and still count as on time for the policy. It is ten times
	// the late-send tolerance (results.DefaultLateAfter): the scheduler of
	// a busy machine delays sends by a few milliseconds without the attack
	// being short of CPU.
	DefaultBehindAfter = 10 * time.Millisecond
	// DefaultBehindWindow is how long a sign of falling behind must last
	// before the checks step back: late sends with none on time in
	// between, or a send later than this itself (its lag lasted as long),
	// or the answer queue more than half full at every look. It is a
	// documented choice, 2.5 times the longest stall measured in a quiet
	// in-process run at 1,000/s (sends at most 101 ms late while the GC
	// marked the emulator's 1.6 GB heap, the attack still at its full rate
	// with 0.6 of the 2 cores idle), which the old rule (any send more than
	// DefaultBehindAfter late) took for a lack of CPU: 40.8% of the answers
	// got the schema check.
	DefaultBehindWindow = 250 * time.Millisecond
	// DefaultBehindHold is how long the attack counts as behind after the
	// last sign of it.
	DefaultBehindHold = 500 * time.Millisecond
)

// checkPolicy tells whether the attack is keeping up. Its signals come
// from the result loop (late) and the answer queue (queued); clock is the
// time since the policy started (injectable for tests).
type checkPolicy struct {
	clock       func() time.Duration
	behindAfter time.Duration
	window      time.Duration
	hold        time.Duration
	burst       time.Duration            // each lane's bucket at the start
	queued      func() (n, capacity int) // the answer queue; nil: none

	behindUntil atomic.Int64 // clock reading until which the attack is behind (0: never was); written under mu

	mu          sync.Mutex
	behindTotal time.Duration // union of every [sign, sign+hold) so far
	onTimeAt    atomic.Int64  // clock reading of the last send seen on time (0: the start)
	queueLowAt  atomic.Int64  // clock reading of the last look at a queue at most half full
}

// newCheckPolicy is the policy of a run; saturation: the scenario's rates
// are a ceiling. A saturation run is behind from its first send, by
// design, so it gets no burst beyond the floor's (a burst would only be
// CPU taken from the ceiling it measures: about 1 s of a 10 s
// scripts/bench-load.sh run for the schema pass and the sampler together)
// and no window (it has no stall to forgive: its first send more than
// DefaultBehindAfter late steps the checks back). Its checked share is
// reported as ever.
func newCheckPolicy(saturation bool) *checkPolicy {
	start := time.Now()
	p := &checkPolicy{
		clock:       func() time.Duration { return time.Since(start) },
		behindAfter: DefaultBehindAfter,
		window:      DefaultBehindWindow,
		hold:        DefaultBehindHold,
		burst:       DefaultCheckBurst,
	}
	if saturation {
		p.window, p.burst = 0, 0
	}
	return p
}

// late is the result loop's signal: a send left this much after its
// schedule. Sends late for longer than the window, with none on time in
// between, put the attack behind; so does one send later than the window
// (the lag it shows lasted that long).
func (p *checkPolicy) late(d time.Duration) {
	now := p.clock()
	if d <= p.behindAfter {
		p.onTimeAt.Store(int64(now))
		return
	}
	if d > p.window || now-time.Duration(p.onTimeAt.Load()) > p.window {
		p.fellBehind(now)
	}
}

// behind reports whether the attack is falling behind now.
func (p *checkPolicy) behind() bool {
	now := p.clock()
	if p.queued != nil {
		if n, c := p.queued(); n <= c/2 {
			p.queueLowAt.Store(int64(now))
		} else if now-time.Duration(p.queueLowAt.Load()) > p.window {
			p.fellBehind(now)
			return true
		}
	}
	until := p.behindUntil.Load()
	return until != 0 && int64(now) < until
}

// fellBehind records a sign of falling behind seen at now: the attack
// counts as behind until now+hold.
func (p *checkPolicy) fellBehind(now time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	until := time.Duration(p.behindUntil.Load())
	end := now + p.hold
	if end <= until {
		return
	}
	p.behindTotal += end - max(now, until)
	p.behindUntil.Store(int64(end))
}

// behindFor is how long the attack has counted as behind so far: the time
// the optional checks were held to their floor (summary.json
// invariants.schema.behind).
func (p *checkPolicy) behindFor() time.Duration {
	now := p.clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(0, p.behindTotal-max(0, time.Duration(p.behindUntil.Load())-now))
}

// minCheckBucket is the least CPU time a lane's bucket holds.
const minCheckBucket = 10 * time.Millisecond

// checkLane is one kind of optional check under the policy: unlimited
// while the attack keeps up, floor of one CPU while it is behind.
type checkLane struct {
	policy *checkPolicy
	floor  float64 // share of one CPU while behind; < 0: never steps back
	burst  time.Duration

	mu     sync.Mutex
	tokens time.Duration // CPU time the lane may still spend while behind
	last   time.Duration // clock reading of the last refill
}

func newCheckLane(p *checkPolicy, floor float64, burst time.Duration) *checkLane {
	return &checkLane{policy: p, floor: floor, burst: burst, tokens: burst}
}

// allow reports whether a check may run now, and whether it is metered:
// a metered check must report its CPU time to spent.
func (l *checkLane) allow() (ok, metered bool) {
	if l.floor < 0 || !l.policy.behind() {
		return true, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.policy.clock()
	// The bucket holds at least minCheckBucket, so that a floor without a
	// burst still adds up to a check.
	l.tokens = min(max(l.burst, minCheckBucket), l.tokens+time.Duration(float64(now-l.last)*l.floor))
	l.last = now
	return l.tokens > 0, l.tokens > 0
}

// spent charges a metered check's CPU time.
func (l *checkLane) spent(d time.Duration) {
	l.mu.Lock()
	l.tokens -= d
	l.mu.Unlock()
}
