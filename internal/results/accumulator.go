package results

import (
	"maps"
	"slices"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Defaults of the Accumulator.
const (
	// DefaultLateAfter is the lateness below which a send counts as on
	// time. One millisecond is a full pacing slot at 1,000 requests/s, well
	// above timer and scheduler jitter on an idle machine, and far below
	// anything that distorts latency figures: a send that left 1 ms late
	// was held back by the load generator, not by the clock.
	DefaultLateAfter = time.Millisecond
	// DefaultMaxErrors caps the distinct error texts kept in
	// Metrics.Errors. Transport errors carry the local port ("read tcp
	// 127.0.0.1:53012->…: connection reset by peer"), so without a cap a
	// long run against a flaky target would grow without bound. Results
	// with further new texts still count everywhere else; ErrorsOmitted
	// says how many there were.
	DefaultMaxErrors = 100
	// PolicyUnknown is the policy of a 429 whose body named none.
	PolicyUnknown = "UNKNOWN"

	// maxPolicies caps distinct policy names (they come from the target).
	maxPolicies = 16
)

// errorClasses lists the classes in the order of their counters.
var errorClasses = [...]string{ClassTimeout, ClassReset, ClassRefused, Class5xx, Class4xx, ClassOther}

func classIndex(c string) int {
	for i, name := range errorClasses {
		if name == c {
			return i
		}
	}
	return -1
}

// Accumulator computes a Summary's figures, the latency-over-time series
// and the latency distribution from a stream of results, in memory that
// does not grow with the number of results:
//
//   - vegeta.Metrics (Vegeta's own t-digest, bounded), distinct errors
//     capped at DefaultMaxErrors;
//   - two fixed histograms of ~3.5 kB each (latency, late sends);
//   - the series: one fixed-size bucket per second of run (see
//     SeriesBucketBytes), at most DefaultSeriesBuckets of them; a longer run
//     doubles the bucket width instead of growing (2 h at 1 s, 4 h at 2 s…).
//
// The figures do not depend on the order results arrive in except for
// Vegeta's t-digest quantiles (p50…p99 in Metrics), which may differ in the
// last digits between orders; the same results in the same order give
// identical figures, so reading shards one after the other equals reading
// their concatenation. An Accumulator is not safe for concurrent use.
type Accumulator struct {
	metrics vegeta.Metrics
	scratch vegeta.Result

	lateAfter time.Duration
	maxErrors int

	errs          map[string]struct{}
	errorsOmitted uint64

	// answered are the latencies of answered requests (Answered), the
	// only latencies any figure shows: Vegeta's estimator, so they are
	// what `vegeta report` prints for the answered results alone.
	answered   vegeta.LatencyMetrics
	answeredN  uint64
	unanswered [len(transportClasses)]uint64

	latency fineHist // answered requests only
	late    fineHist
	classes [len(errorClasses)]uint64
	limited map[string]uint64
	sampled uint64

	series series
}

// AccumulatorOption configures an Accumulator.
type AccumulatorOption func(*Accumulator)

// WithLateAfter sets the lateness tolerance (DefaultLateAfter).
func WithLateAfter(d time.Duration) AccumulatorOption {
	return func(a *Accumulator) {
		if d >= 0 {
			a.lateAfter = d
		}
	}
}

// WithMaxErrors caps the distinct error texts kept (DefaultMaxErrors).
func WithMaxErrors(n int) AccumulatorOption {
	return func(a *Accumulator) {
		if n >= 0 {
			a.maxErrors = n
		}
	}
}

// WithSeriesBuckets caps the buckets of the time series
// (DefaultSeriesBuckets, at least 2).
func WithSeriesBuckets(n int) AccumulatorOption {
	return func(a *Accumulator) {
		if n >= 2 {
			a.series.max = n
		}
	}
}

// NewAccumulator returns an empty Accumulator.
func NewAccumulator(opts ...AccumulatorOption) *Accumulator {
	a := &Accumulator{
		lateAfter: DefaultLateAfter,
		maxErrors: DefaultMaxErrors,
		errs:      make(map[string]struct{}),
		limited:   make(map[string]uint64),
		series:    series{width: int64(DefaultResolution), max: DefaultSeriesBuckets},
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Add counts one result. It does not retain r or anything it points to
// except the text of a new distinct error.
func (a *Accumulator) Add(r *vegeta.Result) {
	if a.keepError(r.Error) {
		a.metrics.Add(r)
	} else {
		// Hide the text from Vegeta's unbounded error set; the result
		// still counts for status codes, success and everything else.
		a.scratch = *r
		a.scratch.Error = ""
		a.metrics.Add(&a.scratch)
		a.scratch = vegeta.Result{}
	}
	if Answered(r) {
		a.answered.Add(r.Latency)
		a.answeredN++
		a.latency.add(r.Latency)
	}

	late := false
	if v := r.Headers.Get(HeaderLateNanos); v != "" {
		if ns, err := strconv.ParseInt(v, 10, 64); err == nil && time.Duration(ns) > a.lateAfter {
			a.late.add(time.Duration(ns))
			late = true
		}
	}
	if c := ClassifyError(r); c != "" {
		a.classes[classIndex(c)]++
		if !Answered(r) {
			a.unanswered[slices.Index(transportClasses[:], c)]++
		}
	}
	if r.Code == 429 {
		p := r.Headers.Get(HeaderRateLimitPolicy)
		if p == "" {
			p = PolicyUnknown
		}
		if _, ok := a.limited[p]; !ok && len(a.limited) >= maxPolicies {
			p = PolicyUnknown
		}
		a.limited[p]++
	}
	if r.Headers.Get(HeaderSampled) == "1" {
		a.sampled++
	}
	a.series.add(r, late)
}

// keepError reports whether Vegeta's Metrics may see the error text.
func (a *Accumulator) keepError(e string) bool {
	if e == "" {
		return true
	}
	if _, seen := a.errs[e]; seen {
		return true
	}
	if len(a.errs) < a.maxErrors {
		a.errs[e] = struct{}{}
		return true
	}
	a.errorsOmitted++
	return false
}

// Requests is the number of results added.
func (a *Accumulator) Requests() uint64 { return a.metrics.Requests }

// Sampled is the number of results marked HeaderSampled "1".
func (a *Accumulator) Sampled() uint64 { return a.sampled }

// LateAfter is the lateness tolerance in use.
func (a *Accumulator) LateAfter() time.Duration { return a.lateAfter }

// Metrics returns Vegeta's metrics of the results so far, closed (derived
// fields computed) and detached from the Accumulator.
func (a *Accumulator) Metrics() vegeta.Metrics {
	a.metrics.Close()
	m := a.metrics
	m.StatusCodes = maps.Clone(a.metrics.StatusCodes)
	m.Errors = slices.Clone(a.metrics.Errors)
	if m.Errors == nil {
		m.Errors = []string{}
	}
	return m
}

// AnsweredLatency returns the latency figures of the answered requests so
// far, derived as Vegeta's Metrics.Close derives its own: Mean is Total
// over the answered requests, the quantiles come from the t-digest.
func (a *Accumulator) AnsweredLatency() AnsweredLatency {
	out := AnsweredLatency{Requests: a.answeredN}
	if a.answeredN == 0 {
		return out
	}
	l := a.answered
	l.Mean = time.Duration(float64(l.Total) / float64(a.answeredN))
	l.P50 = l.Quantile(0.50)
	l.P90 = l.Quantile(0.90)
	l.P95 = l.Quantile(0.95)
	l.P99 = l.Quantile(0.99)
	out.Latencies = l
	return out
}

// Fill sets the figures of s that come from results: Metrics (exactly
// what `vegeta report -type=json` prints for the same results, except that
// distinct error texts beyond DefaultMaxErrors are left out and counted in
// ErrorsOmitted), Answered, Unanswered, AchievedRate, LateSends,
// RateLimited, ErrorClasses and ErrorsOmitted. It also sets SchemaVersion when unset. Everything else (run
// metadata, RequestedRate, Contract, thresholds) is left alone: the
// Accumulator cannot know it. Add may continue after Fill.
func (a *Accumulator) Fill(s *Summary) {
	if s.SchemaVersion == 0 {
		s.SchemaVersion = SchemaVersion
	}
	s.Metrics = a.Metrics()
	s.Answered = a.AnsweredLatency()
	s.Unanswered = make(map[string]uint64, len(transportClasses))
	for i, c := range transportClasses {
		s.Unanswered[c] = a.unanswered[i]
	}
	s.AchievedRate = s.Metrics.Rate
	s.ErrorsOmitted = a.errorsOmitted
	s.LateSends = a.LateSends()
	s.RateLimited = maps.Clone(a.limited)
	s.ErrorClasses = make(map[string]uint64, len(errorClasses))
	for i, c := range errorClasses {
		s.ErrorClasses[c] = a.classes[i]
	}
}

// LateSends returns the late-send figures so far. Mean, P99 and Max are
// over the late sends only (how late a send was when it was late); Share
// is over all requests.
func (a *Accumulator) LateSends() LateSends {
	ls := LateSends{Count: a.late.total, LateAfter: a.lateAfter}
	if ls.Count == 0 {
		return ls
	}
	if n := a.metrics.Requests; n > 0 {
		ls.Share = float64(ls.Count) / float64(n)
	}
	ls.Mean = a.late.mean()
	ls.P99 = a.late.quantile(0.99)
	ls.Max = a.late.max
	return ls
}
