package results

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestHistogramBins(t *testing.T) {
	for _, sub := range []uint{coarseSubBits, fineSubBits} {
		n := (histMaxExp-histMinExp)<<sub + 2
		prevHi := time.Duration(0)
		for i := 0; i < n; i++ {
			lo, hi := histBounds(i, sub)
			require.Equal(t, prevHi, lo, "bins are contiguous (sub %d, bin %d)", sub, i)
			require.Less(t, lo, hi)
			require.Equal(t, i, histIndex(lo, sub), "lower bound of bin %d", i)
			if i < n-1 {
				require.Equal(t, i, histIndex(hi-1, sub), "upper edge of bin %d", i)
			}
			prevHi = hi
		}
		assert.Equal(t, 0, histIndex(-5, sub))
		assert.Equal(t, n-1, histIndex(time.Hour, sub))
	}
}

func TestHistogramQuantileAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h fineHist
	var exact []time.Duration
	for range 20000 {
		// lognormal-ish latencies around 100 ms
		d := time.Duration(float64(100*time.Millisecond) * (0.2 + rng.ExpFloat64()))
		h.add(d)
		exact = append(exact, d)
	}
	sort.Slice(exact, func(i, j int) bool { return exact[i] < exact[j] })
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999} {
		want := exact[int(q*float64(len(exact)))-1]
		got := h.quantile(q)
		assert.InEpsilon(t, float64(want), float64(got), 0.04, "q%v", q)
	}
	assert.Equal(t, exact[len(exact)-1], h.quantile(1))
}

func TestSeriesPerSecond(t *testing.T) {
	a := accumulate(synth(1000, 100, 0)) // 10 s at 100/s, starting on a whole second
	pts := a.Series(100)
	require.Len(t, pts, 10)
	for i, p := range pts {
		assert.Equal(t, time.Second, p.Width)
		assert.Equal(t, time.Duration(i)*time.Second, p.Offset)
		assert.Equal(t, runStart.Add(time.Duration(i)*time.Second), p.Start)
		assert.Equal(t, uint64(100), p.Requests, "point %d", i)
		assert.InDelta(t, 100, p.Rate, 0.5, "point %d", i)
		assert.LessOrEqual(t, p.P50, p.P95)
		assert.LessOrEqual(t, p.P95, p.P99)
		assert.LessOrEqual(t, p.P99, p.Max)
		var codes uint64
		for _, n := range p.StatusCodes {
			codes += n
		}
		assert.Equal(t, p.Requests, codes)
	}
}

func TestSeriesDownsampling(t *testing.T) {
	rs := synth(6000, 100, 0) // 60 s
	a := accumulate(rs)
	tests := []struct {
		name      string
		maxPoints int
		wantLen   int
		wantWidth time.Duration
	}{
		{"fits", 60, 60, time.Second},
		{"halved", 30, 30, 2 * time.Second},
		{"uneven", 25, 20, 3 * time.Second},
		{"one", 1, 1, 60 * time.Second},
		{"default", 0, 60, time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts := a.Series(tc.maxPoints)
			require.Len(t, pts, tc.wantLen)
			var total, ok uint64
			for _, p := range pts {
				total += p.Requests
				ok += p.Successes
				assert.Equal(t, tc.wantWidth, p.Width)
			}
			assert.Equal(t, uint64(len(rs)), total)
			assert.Equal(t, uint64(float64(len(rs))*a.Metrics().Success+0.5), ok)
			assert.InDelta(t, 100, pts[0].Rate, 2)
			assert.InDelta(t, 100, pts[len(pts)-1].Rate, 2, "the last interval is rated over the part the run covered")
		})
	}
}

func TestSeriesCoarsensInsteadOfGrowing(t *testing.T) {
	// Three hours at one request per second with the default cap of two
	// hours of one-second buckets.
	a := NewAccumulator()
	r := vegeta.Result{Code: 200, Latency: time.Millisecond}
	const secs = 3 * 3600
	for i := range secs {
		r.Timestamp = runStart.Add(time.Duration(i) * time.Second)
		a.Add(&r)
	}
	assert.LessOrEqual(t, len(a.series.buckets), DefaultSeriesBuckets)
	assert.Equal(t, int64(2*time.Second), a.series.width)
	pts := a.Series(DefaultSeriesBuckets)
	var total uint64
	for _, p := range pts {
		total += p.Requests
	}
	assert.Equal(t, uint64(secs), total)
	assert.InDelta(t, 1, pts[len(pts)/2].Rate, 1e-9)
}

func TestSeriesOutOfOrder(t *testing.T) {
	rs := synth(500, 50, 0) // 10 s
	rev := make([]vegeta.Result, len(rs))
	for i := range rs {
		rev[len(rs)-1-i] = rs[i]
	}
	shuffled := append([]vegeta.Result(nil), rs...)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	tests := []struct {
		name string
		rs   []vegeta.Result
		opts []AccumulatorOption
	}{
		{"reversed", rev, nil},
		{"shuffled", shuffled, nil},
		{"shuffled with coarsening", shuffled, []AccumulatorOption{WithSeriesBuckets(3)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := accumulate(rs, tc.opts...).Series(0)
			got := accumulate(tc.rs, tc.opts...).Series(0)
			assert.Equal(t, want, got)
		})
	}
}

func TestSeriesManyStatusCodes(t *testing.T) {
	var rs []vegeta.Result
	for i, code := range []uint16{200, 201, 400, 404, 409, 500, 502, 503, 200} {
		rs = append(rs, vegeta.Result{Code: code, Timestamp: runStart.Add(time.Duration(i) * time.Millisecond)})
	}
	pts := accumulate(rs).Series(1)
	require.Len(t, pts, 1)
	assert.Equal(t, map[string]uint64{"200": 2, "201": 1, "400": 1, "404": 1, "409": 1, "500": 1, "other": 2}, pts[0].StatusCodes)
}

func TestDistribution(t *testing.T) {
	rs := synth(5000, 500, 0)
	a := accumulate(rs)
	bins := a.Distribution()
	require.NotEmpty(t, bins)
	var total uint64
	for i, b := range bins {
		total += b.Count
		if i > 0 {
			assert.Equal(t, bins[i-1].High, b.Low, "contiguous")
		}
	}
	var answered uint64
	for i := range rs {
		if rs[i].Code != 0 {
			answered++
		}
	}
	require.Less(t, answered, uint64(5000), "synth has requests without an answer")
	assert.Equal(t, answered, total, "the distribution counts answered requests only")
	assert.InDelta(t, 1, bins[len(bins)-1].Cumulative, 1e-9)
	assert.LessOrEqual(t, bins[0].Low, 5*time.Millisecond)
	assert.Greater(t, bins[len(bins)-1].High, 54*time.Millisecond)
	assert.NotZero(t, bins[0].Count, "starts at the fastest request's bin")
	assert.NotZero(t, bins[len(bins)-1].Count, "ends at the slowest's")
}
