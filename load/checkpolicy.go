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
//   - The attack is falling behind when a send leaves more than
//     DefaultBehindAfter later than its schedule (Vegeta's pacer waited for
//     a free worker, or for the CPU), or when the answer queue is more than
//     half full (the workers that must run the invariants on every answer
//     are behind). It counts as behind from then until DefaultBehindHold
//     has passed without either.
//   - While it is behind, each kind of check may use its floor share of one
//     CPU (Config.SchemaBudget, Config.CheckBudget), metered as a token
//     bucket that refills at the floor rate up to DefaultCheckBurst of CPU
//     time: a short run or a short stall still checks everything, a
//     saturated attack gives up all but the floor. A saturation scenario
//     has no burst (checkBurst): it is behind from the start.
//
// What was not checked is never silent: the schema pass reports answers
// and checked (summary.json invariants.schema, the "Schema checked N of M
// answers" line), the sampler sampled, checked and dropped.

// Defaults of the check policy.
const (
	// DefaultBehindAfter is how late against the pacer's schedule a send
	// may leave before the attack counts as falling behind. It is ten times
	// the late-send tolerance (results.DefaultLateAfter): the scheduler of
	// a busy machine delays sends by a few milliseconds without the attack
	// being short of CPU, while an attack that is short of it falls behind
	// by more and more.
	DefaultBehindAfter = 10 * time.Millisecond
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
	hold        time.Duration
	burst       time.Duration            // each lane's bucket at the start (checkBurst)
	queued      func() (n, capacity int) // the answer queue; nil: none

	behindUntil atomic.Int64 // clock reading until which the attack is behind (0: never was)
}

// newCheckPolicy is the policy of a run; saturation: the scenario's rates
// are a ceiling (checkBurst).
func newCheckPolicy(saturation bool) *checkPolicy {
	start := time.Now()
	return &checkPolicy{
		clock:       func() time.Duration { return time.Since(start) },
		behindAfter: DefaultBehindAfter,
		hold:        DefaultBehindHold,
		burst:       checkBurst(saturation),
	}
}

// checkBurst is the CPU time each optional check may spend at once after
// the attack falls behind. A saturation run (saturation: true) gets none
// beyond the floor's: it is behind from its first send, by design, so a
// burst would only be CPU taken from the ceiling it measures (about 1 s of
// a 10 s scripts/bench-load.sh run for the schema pass and the sampler
// together); its checked share is reported as ever.
func checkBurst(saturation bool) time.Duration {
	if saturation {
		return 0
	}
	return DefaultCheckBurst
}

// late is the result loop's signal: a send left this much after its
// schedule.
func (p *checkPolicy) late(d time.Duration) {
	if d > p.behindAfter {
		p.behindUntil.Store(int64(p.clock() + p.hold))
	}
}

// behind reports whether the attack is falling behind now.
func (p *checkPolicy) behind() bool {
	if p.queued != nil {
		if n, c := p.queued(); n > c/2 {
			p.behindUntil.Store(int64(p.clock() + p.hold))
			return true
		}
	}
	until := p.behindUntil.Load()
	return until != 0 && int64(p.clock()) < until
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
