package load

import (
	"net/http"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/results"
)

// DefaultSchemaBudget is the share of one CPU the full schema check of
// every answer may still use while the attack is falling behind
// (Config.SchemaBudget; see checkpolicy.go for when that is). While the
// attack keeps up, every answer is checked whatever it costs: the compiled
// fast path (contract.FastSchema) costs ≤ 150 µs per 100-result answer,
// 15 % of one CPU at 1,000 answers/s. At saturation the check gives its
// CPU to the attack, down to this floor, which keeps a thin sample of
// answers checked throughout; the share checked says how many were.
const DefaultSchemaBudget = 0.02

// schemaPass runs the full response-schema check on every answer of the
// upsert route (2xx and errors), in the invariants' worker pass, as the
// check policy allows (checkpolicy.go). Answers the sampler took are
// checked there, by libopenapi-validator, and counted here as checked (not
// fast): one check, one finding per answer.
type schemaPass struct {
	fast    *contract.FastSchema
	log     *findingLog
	lane    *checkLane
	budget  float64              // the lane's floor, for the summary
	cpu     func() time.Duration // the worker's CPU clock (now; injectable for tests)
	sampled *sampler             // whose response-schema findings count as this pass's violations

	answers, checked, fastN, violations atomic.Uint64
}

func newSchemaPass(fast *contract.FastSchema, log *findingLog, policy *checkPolicy, budget float64, s *sampler) *schemaPass {
	return &schemaPass{fast: fast, log: log, lane: newCheckLane(policy, budget, policy.burst), budget: budget, cpu: now, sampled: s}
}

// bySampler counts an answer whose schema the sampler checks.
func (s *schemaPass) bySampler() {
	s.answers.Add(1)
	s.checked.Add(1)
}

// check validates one answer held by sc (loaded with its body), unless
// the check policy says the attack needs the CPU.
func (s *schemaPass) check(sc *jsonscan.Scanner, path string, status int, contentType string) {
	s.answers.Add(1)
	ok, metered := s.lane.allow()
	if !ok {
		return
	}
	var began time.Duration
	if metered {
		// The clock is the thread's: the check stays on this thread
		// until it is read again.
		runtime.LockOSThread()
		began = s.cpu()
	}
	fs, fast := s.fast.ValidateScanned(sc, http.MethodPost, path, status, contentType)
	if metered {
		s.lane.spent(s.cpu() - began)
		runtime.UnlockOSThread()
	}
	s.checked.Add(1)
	if fast {
		s.fastN.Add(1)
	}
	if len(fs) == 0 {
		return
	}
	s.violations.Add(uint64(len(fs)))
	for i := range fs {
		if fs[i].Received == "" {
			fs[i].Received = contract.Excerpt(sc.Data)
		}
	}
	s.log.write(contract.Records(fs))
}

// now is the clock the floor is held with: the worker thread's CPU time
// (check locks the goroutine to its thread from one reading to the
// next), or wall time where the system has no thread clock. On a busy
// machine wall time would count the time a check waited for a CPU as
// spent, and check a fraction of what the floor allows.
func now() time.Duration {
	if d, ok := cpuclock.Thread(); ok {
		return d
	}
	return time.Duration(time.Now().UnixNano())
}

// coverage is the pass's part of summary.json; call it after the workers
// and the sampler are done.
func (s *schemaPass) coverage() results.SchemaCoverage {
	c := results.SchemaCoverage{
		Answers: s.answers.Load(), Checked: s.checked.Load(), Fast: s.fastN.Load(),
		Violations: s.violations.Load(), Budget: max(s.budget, 0),
		Behind: s.lane.policy.behindFor(),
	}
	if s.sampled != nil {
		c.Violations += s.sampled.responseSchemaFindings()
	}
	if c.Answers > 0 {
		c.Share = float64(c.Checked) / float64(c.Answers)
	}
	return c
}
