package load

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/results"
)

// DefaultSchemaBudget is the share of one CPU the full schema check of
// every answer may use on average (Config.SchemaBudget). The compiled fast
// path (contract.FastSchema) costs ≤ 150 µs per 100-result answer, so a
// quarter of a CPU covers every answer at 1,000 answers/s with room for
// the odd answer that goes to libopenapi-validator, while leaving 1.75 of
// a 2-core machine's CPUs to the attack, the target and the invariants.
// Above it, answers go unchecked and the share checked says so.
const DefaultSchemaBudget = 0.25

// schemaPass runs the full response-schema check on every answer of the
// upsert route (2xx and errors), in the invariants' worker pass, within a
// CPU budget: busy (CPU time spent checking) may not exceed
// budget·elapsed + DefaultCheckBurst. Answers the sampler took are checked
// there, by libopenapi-validator, and counted here as checked (not fast):
// one check, one finding per answer.
type schemaPass struct {
	fast    *contract.FastSchema
	log     *findingLog
	start   time.Time
	budget  float64 // ≤ 0: unlimited
	burst   time.Duration
	busy    atomic.Int64
	sampled *sampler // whose response-schema findings count as this pass's violations

	answers, checked, fastN, violations atomic.Uint64
}

func newSchemaPass(fast *contract.FastSchema, log *findingLog, budget float64, s *sampler) *schemaPass {
	return &schemaPass{fast: fast, log: log, start: time.Now(), budget: budget, burst: DefaultCheckBurst, sampled: s}
}

// bySampler counts an answer whose schema the sampler checks.
func (s *schemaPass) bySampler() {
	s.answers.Add(1)
	s.checked.Add(1)
}

// check validates one answer held by sc (loaded with its body), unless
// that would take the pass over its budget.
func (s *schemaPass) check(sc *jsonscan.Scanner, path string, status int, contentType string) {
	s.answers.Add(1)
	if s.budget > 0 {
		allowed := s.budget*float64(time.Since(s.start)) + float64(s.burst)
		if float64(s.busy.Load()) > allowed {
			return
		}
	}
	began := now()
	fs, fast := s.fast.ValidateScanned(sc, http.MethodPost, path, status, contentType)
	s.busy.Add(int64(now() - began))
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

// now is the clock the budget is held with: the worker thread's CPU time
// (workers are locked to their threads), or wall time where the system
// has no thread clock. On a busy machine wall time would count the time a
// check waited for a CPU as spent, and check a fraction of what the
// budget allows.
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
	}
	if s.sampled != nil {
		c.Violations += s.sampled.responseSchemaFindings()
	}
	if c.Answers > 0 {
		c.Share = float64(c.Checked) / float64(c.Answers)
	}
	return c
}
