package load

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/generators"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Duration }

func (c *fakeClock) now() time.Duration { return c.t }

// testPolicy is a check policy on a fake clock with the default signals.
func testPolicy(c *fakeClock) *checkPolicy {
	p := newCheckPolicy(false)
	p.clock = c.now
	return p
}

func TestCheckPolicyBehind(t *testing.T) {
	const ms = time.Millisecond
	type step struct {
		at     time.Duration
		late   []time.Duration // sends seen at this time, each this late
		queued int             // of 256
		behind bool
	}
	// stall is a GC-like pause of d at `at`: no send leaves during it, and
	// the sends scheduled in it leave at its end, d down to 1 ms late, each
	// seen 1 ms later; then the attack is on time again.
	stall := func(at, d time.Duration) []step {
		var steps []step
		for l := d; l > 0; l -= ms {
			steps = append(steps, step{at: at + d - l + ms, late: []time.Duration{l}})
		}
		return append(steps, step{at: at + d + 2*ms, late: []time.Duration{0}})
	}
	onTime := func(from, to time.Duration) []step {
		var steps []step
		for at := from; at <= to; at += 10 * ms {
			steps = append(steps, step{at: at, late: []time.Duration{ms}})
		}
		return steps
	}
	cat := func(parts ...[]step) []step {
		var steps []step
		for _, p := range parts {
			steps = append(steps, p...)
		}
		return steps
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "keeping up", steps: onTime(0, 2*time.Second)},
		{name: "a send late by no more than DefaultBehindAfter is on time", steps: cat(onTime(0, time.Second),
			[]step{{at: 2 * time.Second, late: []time.Duration{DefaultBehindAfter}}})},
		// The in-process run at 1,000/s: stalls of up to ~100 ms while the
		// GC marks the emulator's heap, then the attack catches up.
		{name: "a GC-like stall is not falling behind", steps: cat(onTime(0, time.Second),
			stall(time.Second, 100*ms), onTime(1200*ms, 1500*ms),
			stall(1500*ms, DefaultBehindWindow-10*ms), onTime(1800*ms, 2*time.Second))},
		{name: "the answer queue more than half full for a moment is not", steps: cat(onTime(0, time.Second), []step{
			{at: time.Second + ms, queued: 129},
			{at: time.Second + DefaultBehindWindow, queued: 256},
			{at: time.Second + DefaultBehindWindow + ms, queued: 12},
			{at: time.Second + 2*DefaultBehindWindow, queued: 200},
		})},
		{name: "late sends with on-time ones between are not", steps: func() []step {
			var steps []step
			for at := time.Duration(0); at < 2*time.Second; at += 5 * ms {
				l := 50 * ms
				if at%(100*ms) == 0 {
					l = 0
				}
				steps = append(steps, step{at: at, late: []time.Duration{l}})
			}
			return steps
		}()},
		{name: "a send later than the window: behind, then the hold runs out", steps: cat(onTime(0, time.Second), []step{
			{at: time.Second + 400*ms, late: []time.Duration{DefaultBehindWindow + ms}, behind: true},
			{at: time.Second + 400*ms + DefaultBehindHold - ms, late: []time.Duration{0}, behind: true},
			{at: time.Second + 400*ms + DefaultBehindHold, behind: false},
		})},
		// An attack short of CPU: each send a little later than the one
		// before, never on time again.
		{name: "a lag that lasts: behind once it lasted the window, while it lasts, and for the hold after", steps: cat(onTime(0, time.Second), []step{
			{at: time.Second + 20*ms, late: []time.Duration{11 * ms}},
			{at: time.Second + 100*ms, late: []time.Duration{30 * ms}},
			{at: time.Second + DefaultBehindWindow, late: []time.Duration{60 * ms}},
			{at: time.Second + DefaultBehindWindow + 20*ms, late: []time.Duration{70 * ms}, behind: true},
			{at: time.Second + 2*time.Second, late: []time.Duration{900 * ms}, behind: true},
			{at: 3*time.Second + 10*ms, late: []time.Duration{0}, behind: true},
			{at: 3*time.Second + DefaultBehindHold, behind: false},
		})},
		{name: "the answer queue more than half full for longer than the window", steps: cat(onTime(0, time.Second), []step{
			{at: time.Second, queued: 128},
			{at: time.Second + ms, queued: 129},
			{at: time.Second + DefaultBehindWindow, queued: 256},
			{at: time.Second + DefaultBehindWindow + ms, queued: 256, behind: true},
			{at: time.Second + DefaultBehindWindow + DefaultBehindHold, queued: 0, behind: true},
			{at: time.Second + DefaultBehindWindow + ms + DefaultBehindHold, queued: 0, behind: false},
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{}
			p := testPolicy(c)
			queued := 0
			p.queued = func() (int, int) { return queued, 256 }
			for i, s := range tt.steps {
				c.t, queued = s.at, s.queued
				for _, l := range s.late {
					p.late(l)
				}
				assert.Equal(t, s.behind, p.behind(), "step %d at %s (late %v, queued %d)", i, s.at, s.late, s.queued)
			}
		})
	}
}

func TestCheckLaneFloor(t *testing.T) {
	const answers = 1000
	tests := []struct {
		name     string
		behind   bool
		floor    float64
		burst    time.Duration
		min, max int // checks that run when each costs 1 ms and 1 ms passes per answer
	}{
		{"keeping up: every check, whatever it costs", false, 0.1, 0, answers, answers},
		{"behind: the floor's share", true, 0.1, 0, 99, 100},
		{"behind: the burst, then the floor", true, 0.1, 20 * time.Millisecond, 119, 121},
		{"behind with no floor: nothing", true, 0, 0, 0, 0},
		{"never steps back (negative floor)", true, -1, 0, answers, answers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{}
			p := testPolicy(c)
			l := newCheckLane(p, tt.floor, tt.burst)
			ran := 0
			for range answers {
				c.t += time.Millisecond
				if tt.behind {
					p.late(time.Second)
				}
				ok, metered := l.allow()
				if !ok {
					continue
				}
				ran++
				assert.Equal(t, tt.behind && tt.floor >= 0, metered)
				if metered {
					l.spent(time.Millisecond)
				}
			}
			assert.GreaterOrEqual(t, ran, tt.min)
			assert.LessOrEqual(t, ran, tt.max)
		})
	}
}

// pipeRig is an answer pipe over real emulator answers, with the check
// policy on a fake clock and the schema check's CPU clock faked too (each
// check costs 1 ms).
type pipeRig struct {
	clock  *fakeClock
	policy *checkPolicy
	pipe   *answerPipe
	schema *schemaPass
	inv    *invariants
	bodies [][]byte
	codes  []int
}

func newPipeRig(t *testing.T, answers int, floor float64) *pipeRig {
	t.Helper()
	gen, err := generators.New(generators.WithSeed(9), generators.WithTraceIDs(true), generators.WithBatchSize(20))
	require.NoError(t, err)
	bodies, codes := emulatorAnswers(t, gen, answers)
	v, err := contract.DefaultValidator()
	require.NoError(t, err)
	u, err := url.Parse("http://x" + gen.Path())
	require.NoError(t, err)
	r := &pipeRig{clock: &fakeClock{}, bodies: bodies, codes: codes}
	r.policy = testPolicy(r.clock)
	r.inv = newInvariants(gen, true, 0)
	r.schema = newSchemaPass(contract.NewFastSchema(v), &findingLog{}, r.policy, floor, nil)
	r.schema.lane.tokens, r.schema.lane.burst = 0, 0 // the floor alone
	var cpu time.Duration
	r.schema.cpu = func() time.Duration { cpu += time.Millisecond; return cpu }
	// One worker: answers are processed in order, so the fake clocks are
	// read in order.
	r.pipe = newAnswerPipe(r.inv, r.schema, u.Path, 1, 1)
	return r
}

// run delivers every answer, 1 ms apart; behind says whether the attack
// is falling behind at each.
func (r *pipeRig) run(behind func(i int) bool) {
	start := time.Now()
	for i := range r.bodies {
		r.clock.t += time.Millisecond
		if behind(i) {
			r.policy.late(time.Second)
		}
		kb := r.pipe.body()
		kb.b = append(kb.b, r.bodies[i]...)
		r.pipe.put(uint64(i), answer{n: uint64(i), body: kb, plan: planOf(r.inv.gen, uint64(i)), contentType: "application/json;charset=utf-8"})
		r.pipe.deliver(&vegeta.Result{Seq: uint64(i), Code: uint16(r.codes[i]), Timestamp: start.Add(time.Duration(i) * time.Millisecond), Latency: time.Millisecond}, start, false)
		// Wait for the worker, so that the clock it reads is this answer's.
		for r.pipe.processed.Load() < uint64(i+1) {
			time.Sleep(50 * time.Microsecond)
		}
	}
	r.pipe.close()
}

func TestSchemaChecksEveryAnswerWithSpareCPU(t *testing.T) {
	const answers = 40
	r := newPipeRig(t, answers, DefaultSchemaBudget)
	r.run(func(int) bool { return false })
	cov := r.schema.coverage()
	assert.Equal(t, uint64(answers), cov.Answers)
	assert.Equal(t, uint64(answers), cov.Checked, "keeping up: every answer's schema is checked")
	assert.Equal(t, 1.0, cov.Share)
	assert.Zero(t, cov.Violations)
	assert.Equal(t, uint64(answers), r.inv.summary().Answers)
}

func TestSchemaStepsBackWhenBehindAndSaysSo(t *testing.T) {
	const answers = 40
	// Behind from the 11th answer on; the floor (10% of a CPU, each check
	// 1 ms of CPU, 1 ms between answers) allows one check in ten.
	r := newPipeRig(t, answers, 0.1)
	r.run(func(i int) bool { return i >= 10 })
	cov := r.schema.coverage()
	assert.Equal(t, uint64(answers), cov.Answers, "every answer is counted")
	assert.GreaterOrEqual(t, cov.Checked, uint64(10+2))
	assert.LessOrEqual(t, cov.Checked, uint64(10+4))
	assert.InDelta(t, float64(cov.Checked)/answers, cov.Share, 1e-9, "the share checked is reported")
	assert.Equal(t, 0.1, cov.Budget)

	inv := r.inv.summary()
	assert.Equal(t, uint64(answers), inv.Answers, "the invariants are never skipped")
	assert.Equal(t, uint64(answers*20), inv.Results)
	assert.Zero(t, inv.Violations())
}

func TestInvariantsNeverStepBack(t *testing.T) {
	const answers = 30
	r := newPipeRig(t, answers, 0) // behind throughout, no floor
	r.policy.queued = func() (int, int) { return 256, 256 }
	r.run(func(int) bool { return true })
	cov := r.schema.coverage()
	assert.Equal(t, uint64(answers), cov.Answers)
	assert.Zero(t, cov.Checked)
	assert.Zero(t, cov.Share)
	r.inv.finish()
	inv := r.inv.summary()
	assert.Equal(t, uint64(answers), inv.Answers)
	for _, c := range inv.Checks[:5] {
		assert.Positive(t, c.Checked, c.Name)
	}
}

func TestSamplerStepsBackWhenBehind(t *testing.T) {
	v, err := contract.DefaultValidator()
	require.NoError(t, err)
	for _, behind := range []bool{false, true} {
		c := &fakeClock{}
		p := testPolicy(c)
		s := newSampler(1, 1, v, &findingLog{}, p, 0, 1, 8)
		s.lane.tokens = 0 // the floor (none) alone
		if behind {
			p.late(time.Second)
		}
		released := 0
		for range 4 {
			s.offer(sample{method: "POST", path: "/crm/v3/objects/tasks/batch/upsert", statusCode: 400, release: func() { released++ }})
		}
		require.NoError(t, s.close())
		sum := s.summary()
		assert.Equal(t, uint64(4), sum.Sampled, "behind %t", behind)
		assert.Equal(t, released, 4, "every sample's buffer goes back")
		if behind {
			assert.Equal(t, uint64(4), sum.Dropped, "dropped while behind, and counted")
			assert.Zero(t, sum.Checked)
		} else {
			assert.Equal(t, uint64(4), sum.Checked, "checked while keeping up")
			assert.Zero(t, sum.Dropped)
		}
	}
}

// TestSaturationHasNoCheckBurst: a saturation scenario, behind from its
// first send, gives its optional checks only their floor, and its first
// late send steps them back; any other run keeps the burst and the window,
// and the schema pass's lane takes the policy's burst.
func TestSaturationHasNoCheckBurst(t *testing.T) {
	tests := []struct {
		saturation    bool
		burst, window time.Duration
		behindAtOnce  bool // after one send 20 ms late, the first thing seen
	}{
		{saturation: false, burst: DefaultCheckBurst, window: DefaultBehindWindow},
		{saturation: true, burst: 0, window: 0, behindAtOnce: true},
	}
	for _, tt := range tests {
		p := newCheckPolicy(tt.saturation)
		assert.Equal(t, tt.burst, p.burst, "saturation %v", tt.saturation)
		assert.Equal(t, tt.window, p.window, "saturation %v", tt.saturation)
		s := newSchemaPass(nil, &findingLog{}, p, 0.02, nil)
		assert.Equal(t, tt.burst, s.lane.burst, "saturation %v", tt.saturation)

		c := &fakeClock{t: time.Millisecond}
		p.clock = c.now
		p.late(20 * time.Millisecond)
		assert.Equal(t, tt.behindAtOnce, p.behind(), "saturation %v", tt.saturation)
	}
}

// TestCheckPolicyBehindFor: the time counted as behind is the union of
// every sign's hold, cut at the moment asked; the reference marks each
// millisecond of a grid by brute force.
func TestCheckPolicyBehindFor(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		signs []time.Duration // times a sign of falling behind was seen
		asked time.Duration
	}{
		{"never behind", nil, 3 * time.Second},
		{"one sign, hold over", []time.Duration{time.Second}, 3 * time.Second},
		{"one sign, asked within its hold", []time.Duration{time.Second}, time.Second + 200*ms},
		{"overlapping holds", []time.Duration{time.Second, time.Second + 200*ms, time.Second + 400*ms}, 3 * time.Second},
		{"apart", []time.Duration{time.Second, 2 * time.Second, 2*time.Second + 499*ms}, 5 * time.Second},
		{"a sign every 10 ms for a second, asked in the middle", func() []time.Duration {
			var s []time.Duration
			for at := time.Second; at < 2*time.Second; at += 10 * ms {
				s = append(s, at)
			}
			return s
		}(), 1500 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &fakeClock{}
			p := testPolicy(c)
			covered := map[time.Duration]bool{}
			for _, at := range tt.signs {
				c.t = at
				p.late(time.Second) // later than the window: a sign at once
				for m := at; m < at+DefaultBehindHold; m += ms {
					if m < tt.asked {
						covered[m] = true
					}
				}
			}
			c.t = tt.asked
			assert.Equal(t, time.Duration(len(covered))*ms, p.behindFor())
		})
	}
}
