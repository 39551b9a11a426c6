package load

import (
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
)

// Defaults of the sampled contract checks.
const (
	// DefaultSampleQueue is how many sampled exchanges may wait for a
	// checker. Validating a 100-result answer takes ~3 ms, so the queue
	// absorbs bursts of a few hundred milliseconds; beyond it samples are
	// dropped (and counted) rather than slowing the attack down.
	DefaultSampleQueue = 128
	// DefaultMaxSummaryFindings caps the findings copied into summary.json;
	// findings.jsonl has all of them.
	DefaultMaxSummaryFindings = 20
	// DefaultCheckBudget is the share of one CPU the sampled contract
	// checks may still use while the attack is falling behind (see
	// checkpolicy.go); while it keeps up every sample is checked. A check
	// of a 100-result answer costs milliseconds (JSON decoding and schema
	// validation), so at thousands of requests per second even a 1% sample
	// would otherwise take CPU from a saturated attack on a small machine.
	// Samples beyond it are dropped and counted.
	DefaultCheckBudget = 0.01
	// DefaultCheckBurst is the check time a kind of optional check may
	// spend at once once the attack falls behind (the floor refills it), so
	// short runs and short stalls check everything they picked.
	DefaultCheckBurst = 500 * time.Millisecond
)

// sample is one exchange picked for contract checks.
type sample struct {
	method, path   string
	requestHeader  http.Header
	requestBody    []byte
	statusCode     int
	responseHeader http.Header
	responseBody   []byte
	release        func() // gives the pooled request body back
	metered        bool   // the check policy meters this check's time
}

// findingSink receives the findings of one exchange (findings.jsonl).
type findingSink func([]results.Finding) error

// findingLog is the one path from a check under load to findings.jsonl:
// the sampler's contract checks and the schema pass both write through it.
// The first sink error stops the writes and is returned by err.
type findingLog struct {
	mu   sync.Mutex
	sink findingSink // nil: findings are counted, not written
	fail error
}

func (l *findingLog) write(recs []results.Finding) {
	if l == nil || len(recs) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sink != nil && l.fail == nil {
		l.fail = l.sink(recs)
	}
}

func (l *findingLog) err() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fail
}

// sampler checks a share of exchanges against the contract, off the hot
// path: the transport offers samples without blocking, a bounded queue holds
// them and checker goroutines run contract.CheckExchange. Which batches are
// sampled is a pure function of (seed, batch number), so a repeated run
// checks the same batches.
type sampler struct {
	share     float64
	threshold uint64 // a batch is sampled when mix(seed, n) < threshold
	seed      uint64
	validator *contract.Validator
	log       *findingLog

	queue chan sample
	wg    sync.WaitGroup

	lane *checkLane // when a sample may be checked (checkpolicy.go)

	sampled, dropped, checked atomic.Uint64

	mu      sync.Mutex
	byCheck map[string]uint64
	first   []results.Finding
	total   uint64
}

// newSampler starts the checkers; budget is the floor share of one CPU
// while the attack is behind (negative: never steps back).
func newSampler(share float64, seed uint64, v *contract.Validator, log *findingLog, policy *checkPolicy, budget float64, workers, queue int) *sampler {
	s := &sampler{
		share:     share,
		seed:      seed,
		validator: v,
		log:       log,
		queue:     make(chan sample, max(queue, 1)),
		byCheck:   make(map[string]uint64),
		lane:      newCheckLane(policy, budget, policy.burst),
	}
	switch {
	case share >= 1:
		s.threshold = math.MaxUint64
	case share > 0:
		s.threshold = uint64(share * (1 << 63) * 2)
	}
	for range max(workers, 1) {
		s.wg.Add(1)
		go s.work()
	}
	return s
}

// picks reports whether batch n is sampled.
func (s *sampler) picks(n uint64) bool {
	if s.threshold == 0 {
		return false
	}
	return s.threshold == math.MaxUint64 || mix64(s.seed^0x5a4d504c45, n) < s.threshold
}

// mix64 is SplitMix64's finaliser over seed and n: a fast, well-spread hash.
func mix64(seed, n uint64) uint64 {
	z := seed + (n+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// offer queues a sample or drops it when the checkers are behind or the
// check policy gives the CPU to the attack; it reports whether the sample
// will be checked.
func (s *sampler) offer(sm sample) bool {
	s.sampled.Add(1)
	ok, metered := s.lane.allow()
	if !ok {
		s.dropped.Add(1)
		sm.release()
		return false
	}
	sm.metered = metered
	select {
	case s.queue <- sm:
		return true
	default:
		s.dropped.Add(1)
		sm.release()
		return false
	}
}

func (s *sampler) work() {
	defer s.wg.Done()
	for sm := range s.queue {
		began := time.Now()
		fs := contract.CheckExchange(s.validator, contract.Exchange{
			Method:         sm.method,
			Path:           sm.path,
			RequestHeader:  sm.requestHeader,
			RequestBody:    sm.requestBody,
			StatusCode:     sm.statusCode,
			ResponseHeader: sm.responseHeader,
			ResponseBody:   sm.responseBody,
		})
		sm.release()
		if sm.metered {
			s.lane.spent(time.Since(began))
		}
		s.checked.Add(1)
		if len(fs) == 0 {
			continue
		}
		recs := contract.Records(fs)
		s.mu.Lock()
		s.total += uint64(len(fs))
		for _, f := range recs {
			s.byCheck[f.Check]++
			if len(s.first) < DefaultMaxSummaryFindings {
				s.first = append(s.first, f)
			}
		}
		s.mu.Unlock()
		s.log.write(recs)
	}
}

// close waits for queued samples to be checked. Call it once, after the
// last offer.
func (s *sampler) close() error {
	close(s.queue)
	s.wg.Wait()
	return s.log.err()
}

// responseSchemaFindings counts the sampler's findings of the response
// schema check, which the schema pass reports as its own for the answers
// the sampler took.
func (s *sampler) responseSchemaFindings() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byCheck[string(contract.CheckResponseSchema)]
}

// summary is the sampler's part of summary.json.
func (s *sampler) summary() results.ContractSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := results.ContractSummary{
		SampleRate: s.share,
		Sampled:    s.sampled.Load(),
		Checked:    s.checked.Load(),
		Dropped:    s.dropped.Load(),
		Violations: s.total,
		ByCheck:    make(map[string]uint64, len(s.byCheck)),
		Findings:   append([]results.Finding(nil), s.first...),
	}
	for k, v := range s.byCheck {
		cs.ByCheck[k] = v
	}
	return cs
}

// violations so far (for the progress line).
func (s *sampler) violations() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}
