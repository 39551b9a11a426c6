package load

import (
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/internal/results"
)

// DefaultAnswerQueue is how many finished exchanges may wait for the
// invariants' workers. Each holds its answer in a pooled buffer (~70 kB for
// a 100-result answer), so the queue bounds that memory to ~18 MB. When it
// is full the attack's result loop waits (counted in
// InvariantsSummary.QueueWaits and QueueWaited): no answer is ever dropped.
const DefaultAnswerQueue = 256

// DefaultKeptBody is the initial capacity of a pooled answer buffer: a
// 100-result answer of the emulator is ~70 kB.
const DefaultKeptBody = 96 << 10

// keptAnswerBuffers is how many answer buffers beyond one per worker wait
// for reuse: at 1,000 answers/s, 64 ms of answers.
const keptAnswerBuffers = 64

// The answer pipeline: how every answer of a run reaches the run-wide
// invariants and the schema pass without slowing the attack or inflating
// its latencies.
//
// Vegeta measures a request's latency from its send until hit returns, and
// hit closes the response body (a deferred Close, which runs before the
// deferred latency computation): everything the transport does while the
// body is read or closed is inside the measured latency. So the transport
// does there only what `vegeta attack -max-body=0` does too (read the whole
// body, here into a pooled buffer instead of a discarded one) plus one map
// insert under a mutex: the answer, keyed by Vegeta's sequence number
// (which the transport reads from the X-Vegeta-Seq request header). The
// attack's result loop, which receives each Result after its latency is
// fixed, takes the answer back by Result.Seq, adds the times and status
// from the Result, and queues it for the workers. If the queue is full, the
// loop waits: that holds up Vegeta's workers after their measurement, shows
// as late sends (when it delays a send) and is counted as queue waits,
// never as latency.
//
// Every request that reached the transport is handed over exactly once:
// an answer (any status), a transport error (status 0) or a request the
// run cut on abort (status 0: its writes may or may not have happened,
// which is what the invariants assume of an unknown outcome, so it can
// never be counted as a violation).

// answer is what the transport keeps of one exchange until the result
// loop takes it.
type answer struct {
	n           uint64     // batch number
	body        *keptBody  // the answer body (any status); nil: none read
	plan        *batchPlan // the batch's plan (Targeter.takePlan)
	contentType string
	sampled     bool // the sampler took this exchange (its checks cover the response schema)
}

// job is one exchange queued for the workers.
type job struct {
	d           delivery
	contentType string
	sampled     bool
}

// answerPipe carries answers from the transport to the workers.
type answerPipe struct {
	inv      *invariants
	schema   *schemaPass // nil: no schema checks
	path     string      // the upsert route's path, for the schema check
	targeter *Targeter   // takes the batches' plans back (nil: nobody)

	mu      sync.Mutex
	pending map[uint64]answer // by Vegeta sequence number

	bodies *freeList[keptBody]
	queue  chan job
	wg     sync.WaitGroup

	// Counted by the result loop only (one goroutine), read after close.
	handed, unmatched, waits uint64
	waited                   time.Duration
	processed                atomic.Uint64
}

func newAnswerPipe(inv *invariants, schema *schemaPass, path string, workers, queue int) *answerPipe {
	p := &answerPipe{
		inv: inv, schema: schema, path: path,
		pending: make(map[uint64]answer, 256),
		queue:   make(chan job, max(queue, 1)),
	}
	// Kept for reuse: the buffers in use at once while the workers keep
	// up (the workers' and the few answers being read or queued). A
	// backlog's extra buffers go to the garbage collector once used:
	// kept, a full queue's 256 answers stayed on the heap for the rest of
	// the run (~25 MB), and the heap sat at the load command's soft limit.
	p.bodies = newFreeList(max(workers, 1)+keptAnswerBuffers, func() *keptBody { return &keptBody{b: make([]byte, 0, DefaultKeptBody)} })
	for range max(workers, 1) {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// body returns an empty pooled buffer.
func (p *answerPipe) body() *keptBody {
	kb := p.bodies.get()
	kb.b = kb.b[:0]
	return kb
}

// release gives a buffer back to the pool.
func (p *answerPipe) release(kb *keptBody) {
	if kb == nil || cap(kb.b) > 8*DefaultKeptBody {
		return // let outsized buffers go rather than pin them
	}
	p.bodies.put(kb)
}

// releasePlan gives a batch's plan back to the Targeter.
func (p *answerPipe) releasePlan(pl *batchPlan) {
	if p.targeter != nil {
		p.targeter.recyclePlan(pl)
	}
}

// put is the transport's hand-over, once per request that reached it.
func (p *answerPipe) put(seq uint64, a answer) {
	p.mu.Lock()
	old, dup := p.pending[seq]
	p.pending[seq] = a
	p.mu.Unlock()
	if dup { // cannot happen: Vegeta numbers every hit once
		p.release(old.body)
		p.releasePlan(old.plan)
	}
}

// take is the result loop's side: the answer of Vegeta's request seq.
func (p *answerPipe) take(seq uint64) (answer, bool) {
	p.mu.Lock()
	a, ok := p.pending[seq]
	if ok {
		delete(p.pending, seq)
	}
	p.mu.Unlock()
	return a, ok
}

// deliver queues res's exchange for the workers; start is the run's start,
// which times in the invariants are relative to. cut says the run itself
// cut the request (abort after the grace period): its outcome is unknown.
// It blocks while the queue is full, and counts that.
func (p *answerPipe) deliver(res *vegeta.Result, start time.Time, cut bool) {
	a, ok := p.take(res.Seq)
	if !ok {
		// The request never reached the transport (the client refused it
		// before sending): nothing was sent, so nothing to check; counted
		// so that it is never silent.
		p.unmatched++
		return
	}
	sent := res.Timestamp.Sub(start)
	j := job{
		d:           delivery{n: a.n, sent: sent, done: sent + res.Latency, status: int(res.Code), body: a.body, plan: a.plan},
		contentType: a.contentType,
		sampled:     a.sampled,
	}
	if cut || (res.Error != "" && res.Code == 0) {
		// No (complete) answer: unknown outcome, whatever was read.
		j.d.status = 0
	}
	p.handed++
	select {
	case p.queue <- j:
		return
	default:
	}
	began := time.Now()
	p.queue <- j
	p.waits++
	p.waited += time.Since(began)
}

// drop releases what the transport kept of requests whose results never
// reached the loop. Call after the attack, before close.
func (p *answerPipe) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for seq, a := range p.pending {
		p.release(a.body)
		p.releasePlan(a.plan)
		delete(p.pending, seq)
		p.unmatched++
	}
}

// close waits until every queued exchange is processed. Call it once,
// after the last deliver.
func (p *answerPipe) close() {
	close(p.queue)
	p.wg.Wait()
	p.bodies.drain()
}

func (p *answerPipe) work() {
	defer p.wg.Done()
	var w scratch
	for j := range p.queue {
		// The extractor loads the scanner only when it needs the general
		// walk; nil says whether it did for this answer.
		w.sc.Data = nil
		p.inv.process(j.d, &w)
		if p.schema != nil && j.d.status != 0 {
			var body []byte
			if j.d.body != nil {
				body = j.d.body.b
			}
			if j.sampled {
				p.schema.bySampler()
			} else {
				if w.sc.Data == nil {
					w.sc.Reset(body)
				}
				p.schema.check(&w.sc, p.path, j.d.status, j.contentType)
			}
		}
		p.release(j.d.body)
		p.releasePlan(j.d.plan)
		p.processed.Add(1)
	}
}

// queued is how full the queue is (the check policy's signal that the
// workers are behind).
func (p *answerPipe) queued() (n, capacity int) { return len(p.queue), cap(p.queue) }

// fill adds the pipeline's counts to the invariants' summary.
func (p *answerPipe) fill(s *results.InvariantsSummary) {
	s.Exchanges, s.Unmatched = p.handed, p.unmatched
	s.QueueWaits, s.QueueWaited = p.waits, p.waited
}
