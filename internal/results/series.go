package results

import (
	"slices"
	"strconv"
	"time"
	"unsafe"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Defaults of the time series.
const (
	// DefaultResolution is the width of a series bucket.
	DefaultResolution = time.Second
	// DefaultSeriesBuckets caps the buckets: two hours at one second. A
	// longer run merges neighbours and doubles the width, so the series
	// never takes more than DefaultSeriesBuckets*SeriesBucketBytes
	// (~3.7 MB) however long the run.
	DefaultSeriesBuckets = 7200
	// DefaultMaxPoints is a sensible maxPoints for Series in a chart.
	DefaultMaxPoints = 600
)

// SeriesBucketBytes is the memory one series bucket takes: the cost of one
// second of run at DefaultResolution, whatever the request rate.
const SeriesBucketBytes = int(unsafe.Sizeof(bucket{}))

// bucketCodes is how many distinct status codes a bucket counts one by one;
// further codes in the same bucket are counted together as "other".
const bucketCodes = 6

type codeCount struct {
	code uint16
	n    uint32
}

// bucket is one time slot of the series. Fixed size, no pointers: the
// series is one flat slice the garbage collector never scans.
type bucket struct {
	requests   uint32
	answered   uint32 // the latency fields count these only
	successes  uint32
	late       uint32
	otherCodes uint32
	codes      [bucketCodes]codeCount
	latSum     int64
	latMax     int64
	hist       [coarseBins]uint32
}

func (b *bucket) addCode(code uint16, n uint32) {
	for i := range b.codes {
		switch c := &b.codes[i]; {
		case c.n != 0 && c.code == code:
			c.n += n
			return
		case c.n == 0:
			c.code, c.n = code, n
			return
		}
	}
	b.otherCodes += n
}

func (b *bucket) merge(o *bucket) {
	b.requests += o.requests
	b.answered += o.answered
	b.successes += o.successes
	b.late += o.late
	b.otherCodes += o.otherCodes
	for _, c := range o.codes {
		if c.n != 0 {
			b.addCode(c.code, c.n)
		}
	}
	b.latSum += o.latSum
	b.latMax = max(b.latMax, o.latMax)
	for i, n := range o.hist {
		b.hist[i] += n
	}
}

// series is a fixed-width time histogram of results. Bucket i covers
// [t0+i*width, t0+(i+1)*width) in Unix nanoseconds, and t0 is always a
// multiple of width: the grid is absolute, so the buckets (and Series) do
// not depend on the order results arrive in, and shards share one grid.
type series struct {
	t0      int64
	width   int64
	max     int
	buckets []bucket

	// earliest and latest send times seen, for rates at the edges.
	earliest, latest int64
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (s *series) add(r *vegeta.Result, late bool) {
	if r.Timestamp.IsZero() {
		return // no place in time; counted everywhere else
	}
	ts := r.Timestamp.UnixNano()
	if len(s.buckets) == 0 {
		s.t0 = floorDiv(ts, s.width) * s.width
		s.earliest, s.latest = ts, ts
	}
	s.earliest = min(s.earliest, ts)
	s.latest = max(s.latest, ts)
	b := s.slot(ts)
	b.requests++
	if r.Code >= 200 && r.Code < 400 {
		b.successes++
	}
	if late {
		b.late++
	}
	b.addCode(r.Code, 1)
	if !Answered(r) {
		return // no answer, no answer time
	}
	b.answered++
	lat := max(int64(r.Latency), 0)
	b.latSum += lat
	b.latMax = max(b.latMax, lat)
	b.hist[histIndex(time.Duration(lat), coarseSubBits)]++
}

// slot returns the bucket of ts, growing or coarsening the series.
func (s *series) slot(ts int64) *bucket {
	idx := floorDiv(ts-s.t0, s.width)
	for idx >= int64(s.max) || int64(len(s.buckets))-idx > int64(s.max) {
		s.coarsen()
		idx = floorDiv(ts-s.t0, s.width)
	}
	if idx < 0 {
		// A result sent before the earliest one seen so far (responses
		// complete out of order; shards start at slightly different
		// times): prepend empty buckets.
		s.prepend(int(-idx))
		idx = 0
	}
	if n := int(idx) + 1; n > len(s.buckets) {
		old := len(s.buckets)
		s.buckets = slices.Grow(s.buckets, n-old)[:n]
		clear(s.buckets[old:]) // capacity may hold buckets from before a coarsening
	}
	return &s.buckets[idx]
}

func (s *series) prepend(k int) {
	old := len(s.buckets)
	s.buckets = slices.Grow(s.buckets, k)[:old+k]
	copy(s.buckets[k:], s.buckets[:old])
	clear(s.buckets[:k])
	s.t0 -= int64(k) * s.width
}

// coarsen merges neighbouring buckets pairwise and doubles the width,
// first aligning t0 to the doubled width so the grid stays absolute.
func (s *series) coarsen() {
	if s.t0%(2*s.width) != 0 && len(s.buckets) > 0 {
		s.prepend(1)
	} else if len(s.buckets) == 0 {
		s.t0 = floorDiv(s.t0, 2*s.width) * 2 * s.width
	}
	n := (len(s.buckets) + 1) / 2
	for i := 0; i < n; i++ {
		s.buckets[i] = s.buckets[2*i]
		if 2*i+1 < len(s.buckets) {
			s.buckets[i].merge(&s.buckets[2*i+1])
		}
	}
	clear(s.buckets[n:])
	s.buckets = s.buckets[:n]
	s.width *= 2
}

// Point is the series over one interval of the run.
type Point struct {
	// Start of the interval, and its offset from the start of the first
	// interval. Intervals lie on a grid of whole multiples of Width since
	// the Unix epoch, so shards of one run share it.
	Start  time.Time     `json:"start"`
	Offset time.Duration `json:"offset"`
	Width  time.Duration `json:"width"`

	Requests uint64 `json:"requests"`
	// Answered got an HTTP answer (any status); the latencies are theirs.
	Answered  uint64 `json:"answered"`
	Successes uint64 `json:"successes"`
	Late      uint64 `json:"late"`
	// StatusCodes counts answers by code as Vegeta names them ("200",
	// "0" for transport errors); "other" collects codes beyond the few
	// distinct ones a bucket tracks.
	StatusCodes map[string]uint64 `json:"statusCodes"`

	// Rate and Throughput are per second: all requests, successful ones.
	// At the run's edges they are computed over the part of the interval
	// the run covered.
	Rate       float64 `json:"rate"`
	Throughput float64 `json:"throughput"`

	// Latencies of the answered requests sent in the interval (all zero
	// when none was answered); quantiles come from a log-linear histogram
	// with 4 bins per power of two (within ~12%).
	Mean time.Duration `json:"mean"`
	P50  time.Duration `json:"p50"`
	P90  time.Duration `json:"p90"`
	P95  time.Duration `json:"p95"`
	P99  time.Duration `json:"p99"`
	Max  time.Duration `json:"max"`
}

// Series returns the run over time, from the first to the last request,
// in at most maxPoints points (DefaultMaxPoints when maxPoints < 1):
// adjacent buckets are merged when there are more. Empty intervals in the
// middle of a run are kept (as zero points) so gaps show.
func (a *Accumulator) Series(maxPoints int) []Point {
	s := &a.series
	if len(s.buckets) == 0 {
		return nil
	}
	if maxPoints < 1 {
		maxPoints = DefaultMaxPoints
	}
	f := (len(s.buckets) + maxPoints - 1) / maxPoints
	// The mean gap between sends widens the last interval to cover the
	// last request's own slot (n sends span n-1 gaps).
	var gap int64
	if n := a.metrics.Requests; n > 1 {
		gap = (s.latest - s.earliest) / int64(n-1)
	}
	points := make([]Point, 0, (len(s.buckets)+f-1)/f)
	for i := 0; i < len(s.buckets); i += f {
		var b bucket
		for j := i; j < min(i+f, len(s.buckets)); j++ {
			b.merge(&s.buckets[j])
		}
		start := s.t0 + int64(i)*s.width
		width := int64(f) * s.width
		p := Point{
			Start:       time.Unix(0, start).UTC(),
			Offset:      time.Duration(int64(i) * s.width),
			Width:       time.Duration(width),
			Requests:    uint64(b.requests),
			Answered:    uint64(b.answered),
			Successes:   uint64(b.successes),
			Late:        uint64(b.late),
			StatusCodes: make(map[string]uint64, bucketCodes),
			Max:         time.Duration(b.latMax),
		}
		for _, c := range b.codes {
			if c.n != 0 {
				p.StatusCodes[strconv.Itoa(int(c.code))] = uint64(c.n)
			}
		}
		if b.otherCodes != 0 {
			p.StatusCodes["other"] = uint64(b.otherCodes)
		}
		lo := max(start, s.earliest)
		hi := min(start+width, s.latest+gap)
		span := hi - lo
		if span <= 0 || span > width {
			span = width
		}
		if b.requests > 0 {
			secs := time.Duration(span).Seconds()
			p.Rate = float64(b.requests) / secs
			p.Throughput = float64(b.successes) / secs
		}
		if b.answered > 0 {
			total := uint64(b.answered)
			p.Mean = time.Duration(b.latSum / int64(b.answered))
			p.P50 = histQuantile(b.hist[:], total, 0.50, coarseSubBits, 0, p.Max)
			p.P90 = histQuantile(b.hist[:], total, 0.90, coarseSubBits, 0, p.Max)
			p.P95 = histQuantile(b.hist[:], total, 0.95, coarseSubBits, 0, p.Max)
			p.P99 = histQuantile(b.hist[:], total, 0.99, coarseSubBits, 0, p.Max)
		}
		points = append(points, p)
	}
	return points
}

// Bin is one bin of the latency distribution: Count answered requests
// took at least Low and less than High.
type Bin struct {
	Low   time.Duration `json:"low"`
	High  time.Duration `json:"high"`
	Count uint64        `json:"count"`
	// Share is Count over all answered requests; Cumulative the share up
	// to and including this bin.
	Share      float64 `json:"share"`
	Cumulative float64 `json:"cumulative"`
}

// Distribution returns the latency histogram of the answered requests of
// the whole run (nil when none was answered): log-linear
// bins, 16 per power of two (each ~4-6% wide), from the bin of the fastest
// request to that of the slowest, empty bins in between included. Bins
// below 1 µs and from ~137 s up are open-ended catch-alls.
func (a *Accumulator) Distribution() []Bin {
	h := &a.latency
	if h.total == 0 {
		return nil
	}
	first := histIndex(h.min, fineSubBits)
	last := histIndex(h.max, fineSubBits)
	bins := make([]Bin, 0, last-first+1)
	var cum uint64
	for i := first; i <= last; i++ {
		lo, hi := histBounds(i, fineSubBits)
		n := h.counts[i]
		cum += n
		bins = append(bins, Bin{
			Low: lo, High: hi, Count: n,
			Share:      float64(n) / float64(h.total),
			Cumulative: float64(cum) / float64(h.total),
		})
	}
	return bins
}
