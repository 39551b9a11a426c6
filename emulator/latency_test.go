package emulator

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		spec    string
		want    string
		wantErr string
	}{
		{spec: "", want: "none"},
		{spec: "none", want: "none"},
		{spec: "fixed:20ms", want: "fixed:20ms"},
		{spec: "fixed:0s,per-input=1ms", want: "fixed:0s,per-input=1ms"},
		{spec: "lognormal:p50=180ms,p99=900ms", want: "lognormal:p50=180ms,p99=900ms"},
		{spec: " lognormal:p99=1s, p50=100ms, per-input=2ms ", want: "lognormal:p50=100ms,p99=1s,per-input=2ms"},
		{spec: "none:1s", wantErr: "none takes no parameters"},
		{spec: "fixed", wantErr: "fixed needs a duration"},
		{spec: "fixed:-1s", wantErr: "fixed needs a duration"},
		{spec: "fixed:1s,p50=1s", wantErr: "p50 only applies to lognormal"},
		{spec: "lognormal:p50=1s", wantErr: "lognormal needs p50 and p99"},
		{spec: "lognormal:p50=2s,p99=1s", wantErr: "p99 must not be below p50"},
		{spec: "lognormal:p50=1s,p99=2s,p90=1s", wantErr: `unknown parameter "p90"`},
		{spec: "lognormal:p50=fast", wantErr: `"p50=fast" is not name=duration`},
		{spec: "uniform:1s", wantErr: `unknown model "uniform"`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			l, err := ParseLatency(tt.spec)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, l.String())
			back, err := ParseLatency(l.String())
			require.NoError(t, err)
			assert.Equal(t, l, back, "String round-trips")
		})
	}
}

func TestLognormalQuantiles(t *testing.T) {
	l, err := ParseLatency("lognormal:p50=180ms,p99=900ms")
	require.NoError(t, err)
	r := newRNG(1, 1)
	const n = 20000
	samples := make([]time.Duration, n)
	for i := range samples {
		samples[i] = l.sample(&r, 100)
	}
	slices.Sort(samples)
	p50, p99 := samples[n/2], samples[n*99/100]
	assert.InDelta(t, float64(180*time.Millisecond), float64(p50), float64(15*time.Millisecond), "p50 %s", p50)
	assert.InDelta(t, float64(900*time.Millisecond), float64(p99), float64(120*time.Millisecond), "p99 %s", p99)
	assert.LessOrEqual(t, samples[n-1], MaxLatency)

	grow, err := ParseLatency("fixed:10ms,per-input=1ms")
	require.NoError(t, err)
	assert.Equal(t, 110*time.Millisecond, grow.sample(&r, 100))
	assert.Equal(t, 11*time.Millisecond, grow.sample(&r, 1))
	assert.Zero(t, Latency{}.sample(&r, 100))
}

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec    string
		want    Fault
		wantErr string
	}{
		{spec: "5xx=0.01", want: Fault{Kind: Fault5xx, Probability: 0.01, Status: 500}},
		{spec: "5xx=0.5,status=503", want: Fault{Kind: Fault5xx, Probability: 0.5, Status: 503}},
		{spec: "429=0.01", want: Fault{Kind: Fault429, Probability: 0.01}},
		{spec: "423=0.05", want: Fault{Kind: Fault423, Probability: 0.05}},
		{spec: "423=0.05,status=503", wantErr: `parameter "status=503" does not apply to 423`},
		{spec: "reset=0.005", want: Fault{Kind: FaultReset, Probability: 0.005}},
		{spec: "slow=0.01", want: Fault{Kind: FaultSlow, Probability: 0.01, Delay: DefaultSlowDelay}},
		{spec: "slow=1,delay=250ms", want: Fault{Kind: FaultSlow, Probability: 1, Delay: 250 * time.Millisecond}},
		{spec: "hang=0.001", want: Fault{Kind: FaultHang, Probability: 0.001, Delay: DefaultHangMax}},
		{spec: "hang=0.001,max=5s", want: Fault{Kind: FaultHang, Probability: 0.001, Delay: 5 * time.Second}},
		{spec: "boom=1", wantErr: `unknown kind "boom"`},
		{spec: "5xx", wantErr: "want KIND=PROBABILITY"},
		{spec: "5xx=2", wantErr: "probability must be a number from 0 to 1"},
		{spec: "5xx=x", wantErr: "probability must be a number from 0 to 1"},
		{spec: "5xx=0.1,status=404", wantErr: "status must be 500-599"},
		{spec: "hang=0.1,max=1h", wantErr: "max must be a duration"},
		{spec: "slow=0.1,max=1s", wantErr: `parameter "max=1s" does not apply to slow`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			f, err := ParseFault(tt.spec)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, f)
			back, err := ParseFault(f.String())
			require.NoError(t, err)
			assert.Equal(t, f, back, "String round-trips")
		})
	}
}

// recordingSleep replaces real sleeping: it records the delays and returns
// at once, so latency tests take no time.
type recordingSleep struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *recordingSleep) sleep(done <-chan struct{}, d time.Duration) bool {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return true
}

// got returns the recorded delays (the race detector cannot see that a
// closed connection orders the handler's write before the test's read).
func (s *recordingSleep) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.delays)
}

func withSleep(fn func(<-chan struct{}, time.Duration) bool) Option {
	return func(c *config) { c.sleep = fn }
}

func TestLatencyAppliedToAdmittedRequests(t *testing.T) {
	lat, err := ParseLatency("fixed:20ms,per-input=1ms")
	require.NoError(t, err)
	s := &recordingSleep{}
	h := newHarness(t, WithLatency(lat), withSleep(s.sleep))
	require.Equal(t, http.StatusOK, h.post(upsertPathV3, batchBody("l", 10, false)).status)
	require.Equal(t, http.StatusUnauthorized, h.do(http.MethodPost, upsertPathV3, "{}", map[string]string{"Authorization": ""}).status)
	require.Equal(t, http.StatusBadRequest, h.post(upsertPathV3, "{").status)
	assert.Equal(t, []time.Duration{30 * time.Millisecond, 20 * time.Millisecond}, s.got(),
		"refusals before admission answer at once; work (even failed work) takes time")
}

func TestLatencyRespectsCancellation(t *testing.T) {
	lat, err := ParseLatency("fixed:10m")
	require.NoError(t, err)
	emu := New(WithToken(testToken), WithLatency(lat))
	t.Cleanup(emu.Close)
	ctx, cancel := context.WithCancel(context.Background())
	req := newBenchRequest(upsertPathV3, []byte(batchBody("c", 1, false))).WithContext(ctx)
	w := &discardWriter{h: http.Header{}}
	cancel() // the client is gone before the answer is due
	emu.ServeHTTP(w, req)
	assert.Zero(t, w.status, "nothing is written to a client that left")
	assert.Equal(t, uint64(1), emu.Stats().Created, "the write happened before the modelled latency")
}

func TestFaults(t *testing.T) {
	always := func(spec string) Fault {
		f, err := ParseFault(spec)
		require.NoError(t, err)
		return f
	}
	t.Run("5xx", func(t *testing.T) {
		h := newHarness(t, WithFaults(always("5xx=1,status=503")))
		r := h.post(upsertPathV3, batchBody("f", 1, false))
		require.Equal(t, http.StatusServiceUnavailable, r.status)
		e := r.errorBody(t)
		assert.Equal(t, hubspot.CategoryInternalError, e.Category)
		assert.Zero(t, h.emu.Stats().Created, "a failed request writes nothing")
	})
	t.Run("429", func(t *testing.T) {
		h := newHarness(t, WithFaults(always("429=1")), WithRetryAfter(true))
		r := h.post(upsertPathV3, batchBody("f", 1, false))
		require.Equal(t, http.StatusTooManyRequests, r.status)
		var e hubspot.Error
		r.json(t, &e)
		assert.Equal(t, hubspot.PolicyTenSecondlyRolling, e.PolicyName)
		assert.Equal(t, "10", r.header.Get("Retry-After"))
	})
	t.Run("reset", func(t *testing.T) {
		h := newHarness(t, WithFaults(always("reset=1")))
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+upsertPathV3, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		_, err = h.srv.Client().Do(req)
		assert.Error(t, err, "the connection is closed without an answer")
	})
	t.Run("slow", func(t *testing.T) {
		s := &recordingSleep{}
		h := newHarness(t, WithFaults(always("slow=1,delay=3s")), withSleep(s.sleep))
		assert.Equal(t, http.StatusOK, h.post(upsertPathV3, batchBody("f", 1, false)).status)
		assert.Equal(t, []time.Duration{3 * time.Second}, s.got())
	})
	t.Run("hang", func(t *testing.T) {
		s := &recordingSleep{}
		h := newHarness(t, WithFaults(always("hang=1,max=7s")), withSleep(s.sleep))
		req, err := http.NewRequest(http.MethodPost, h.srv.URL+upsertPathV3, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		_, err = h.srv.Client().Do(req)
		assert.Error(t, err, "a hang ends with a closed connection, never an answer")
		assert.Equal(t, []time.Duration{7 * time.Second}, s.got(), "bounded by max")
	})
	t.Run("probabilities are seeded", func(t *testing.T) {
		run := func() []int {
			h := newHarness(t, WithFaults(always("5xx=0.3"), always("429=0.2")), WithSeed(9))
			var got []int
			for range 40 {
				got = append(got, h.post(readPathV3, `{"inputs":[]}`).status)
			}
			return got
		}
		first := run()
		assert.Equal(t, first, run())
		counts := map[int]int{}
		for _, s := range first {
			counts[s]++
		}
		assert.Positive(t, counts[200])
		assert.Positive(t, counts[500])
		assert.Positive(t, counts[429])
	})
	t.Run("ops endpoints never fault", func(t *testing.T) {
		h := newHarness(t, WithFaults(always("5xx=1")))
		assert.Equal(t, http.StatusOK, h.do(http.MethodGet, PathStats, "", nil).status)
	})
}
