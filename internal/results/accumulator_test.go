package results

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func accumulate(rs []vegeta.Result, opts ...AccumulatorOption) *Accumulator {
	a := NewAccumulator(opts...)
	for i := range rs {
		a.Add(&rs[i])
	}
	return a
}

// jsonKeys lists every key path of a JSON document ("latencies.50th").
func jsonKeys(t *testing.T, prefix string, v any) []string {
	t.Helper()
	var out []string
	if m, ok := v.(map[string]any); ok {
		for k, child := range m {
			p := prefix + k
			out = append(out, p)
			// status_codes' keys are data, not fields.
			if k != "status_codes" {
				out = append(out, jsonKeys(t, p+".", child)...)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestFillMetricsAreVegetas(t *testing.T) {
	rs := synth(2000, 200, 0)

	// What `vegeta report -type=json` prints for these results.
	var vm vegeta.Metrics
	for i := range rs {
		vm.Add(&rs[i])
	}
	vm.Close()
	var want bytes.Buffer
	require.NoError(t, vegeta.NewJSONReporter(&vm).Report(&want))

	s := NewSummary()
	accumulate(rs).Fill(s)
	data, err := MarshalSummary(s)
	require.NoError(t, err)
	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &doc))

	var wantAny, gotAny any
	require.NoError(t, json.Unmarshal(want.Bytes(), &wantAny))
	require.NoError(t, json.Unmarshal(doc["metrics"], &gotAny))
	assert.Equal(t, jsonKeys(t, "", wantAny), jsonKeys(t, "", gotAny), "metrics must have exactly vegeta's fields")
	assert.Equal(t, wantAny, gotAny, "and the same values")
	assert.Equal(t, vm.Rate, s.AchievedRate)
}

func TestFillEmpty(t *testing.T) {
	s := NewSummary()
	NewAccumulator().Fill(s)
	assert.Equal(t, uint64(0), s.Metrics.Requests)
	data, err := MarshalSummary(s)
	require.NoError(t, err)
	var doc struct {
		Metrics    map[string]json.RawMessage `json:"metrics"`
		Answered   map[string]json.RawMessage `json:"answered"`
		Unanswered map[string]uint64          `json:"unanswered"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.JSONEq(t, `{}`, string(doc.Metrics["status_codes"]), "an empty run still encodes like vegeta: {} not null")
	assert.JSONEq(t, `[]`, string(doc.Metrics["errors"]))
	assert.JSONEq(t, `0`, string(doc.Answered["requests"]))
	assert.Equal(t, map[string]uint64{ClassTimeout: 0, ClassReset: 0, ClassRefused: 0, ClassOther: 0}, doc.Unanswered)
	assert.Equal(t, LateSends{LateAfter: DefaultLateAfter}, s.LateSends)
	assert.Len(t, s.ErrorClasses, len(errorClasses))
	assert.Nil(t, NewAccumulator().Series(10))
	assert.Nil(t, NewAccumulator().Distribution())
}

func result(code uint16, errText string, headers ...string) vegeta.Result {
	r := vegeta.Result{Code: code, Error: errText, Timestamp: runStart, Latency: 10 * time.Millisecond}
	for i := 0; i+1 < len(headers); i += 2 {
		if r.Headers == nil {
			r.Headers = http.Header{}
		}
		r.Headers.Set(headers[i], headers[i+1])
	}
	return r
}

func lateResult(d time.Duration) vegeta.Result {
	return result(200, "", HeaderLateNanos, strconv.FormatInt(int64(d), 10))
}

func TestFillFigures(t *testing.T) {
	tests := []struct {
		name    string
		results []vegeta.Result
		opts    []AccumulatorOption
		check   func(t *testing.T, s *Summary)
	}{
		{
			name: "late sends beyond tolerance only",
			results: []vegeta.Result{
				lateResult(0), lateResult(500 * time.Microsecond), lateResult(time.Millisecond), // on time
				lateResult(2 * time.Millisecond), lateResult(4 * time.Millisecond), // late
				result(200, ""), result(200, "", HeaderLateNanos, "garbage"),
				lateResult(0), lateResult(0), lateResult(0),
			},
			check: func(t *testing.T, s *Summary) {
				ls := s.LateSends
				assert.Equal(t, uint64(2), ls.Count)
				assert.InDelta(t, 0.2, ls.Share, 1e-9)
				assert.Equal(t, 3*time.Millisecond, ls.Mean)
				assert.Equal(t, 4*time.Millisecond, ls.Max)
				assert.InDelta(t, float64(4*time.Millisecond), float64(ls.P99), float64(4*time.Millisecond)*0.07)
				assert.Equal(t, DefaultLateAfter, ls.LateAfter)
			},
		},
		{
			name:    "late tolerance option",
			results: []vegeta.Result{lateResult(2 * time.Millisecond), lateResult(20 * time.Millisecond)},
			opts:    []AccumulatorOption{WithLateAfter(10 * time.Millisecond)},
			check: func(t *testing.T, s *Summary) {
				assert.Equal(t, uint64(1), s.LateSends.Count)
				assert.Equal(t, 10*time.Millisecond, s.LateSends.LateAfter)
			},
		},
		{
			name: "429s by policy",
			results: []vegeta.Result{
				result(429, "429 Too Many Requests", HeaderRateLimitPolicy, "TEN_SECONDLY_ROLLING"),
				result(429, "429 Too Many Requests", HeaderRateLimitPolicy, "TEN_SECONDLY_ROLLING"),
				result(429, "429 Too Many Requests", HeaderRateLimitPolicy, "DAILY"),
				result(429, "429 Too Many Requests"),
				result(200, "", HeaderRateLimitPolicy, "DAILY"), // not a 429: ignored
			},
			check: func(t *testing.T, s *Summary) {
				assert.Equal(t, map[string]uint64{"TEN_SECONDLY_ROLLING": 2, "DAILY": 1, PolicyUnknown: 1}, s.RateLimited)
				assert.Equal(t, uint64(4), s.RateLimitedTotal())
				assert.Equal(t, uint64(0), s.ErrorsTotal(), "429s are not an error class")
			},
		},
		{
			name: "error classes",
			results: []vegeta.Result{
				result(200, ""), result(201, ""), result(304, ""),
				result(500, "500 Internal Server Error"), result(503, "503 Service Unavailable"),
				result(400, "400 Bad Request"), result(404, "404 Not Found"), result(429, "429 Too Many Requests"),
				result(0, `Post "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused`),
				result(0, `Post "http://127.0.0.1:2/x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`),
				result(0, `Post "http://127.0.0.1:2/x": EOF`),
				result(0, "context canceled"),
			},
			check: func(t *testing.T, s *Summary) {
				assert.Equal(t, map[string]uint64{
					ClassTimeout: 1, ClassReset: 1, ClassRefused: 1, Class5xx: 2, Class4xx: 2, ClassOther: 1,
				}, s.ErrorClasses)
				assert.Equal(t, uint64(8), s.ErrorsTotal())
				assert.Equal(t, uint64(3), s.Successes(), "200, 201 and 304")
			},
		},
		{
			name: "distinct errors are capped",
			results: []vegeta.Result{
				result(0, "e1"), result(0, "e2"), result(0, "e1"), result(0, "e3"), result(0, "e4"), result(200, ""),
			},
			opts: []AccumulatorOption{WithMaxErrors(2)},
			check: func(t *testing.T, s *Summary) {
				assert.Equal(t, []string{"e1", "e2"}, s.Metrics.Errors)
				assert.Equal(t, uint64(2), s.ErrorsOmitted)
				assert.Equal(t, uint64(6), s.Metrics.Requests)
				assert.Equal(t, map[string]int{"0": 5, "200": 1}, s.Metrics.StatusCodes)
				assert.InDelta(t, 1.0/6, s.Metrics.Success, 1e-9)
				assert.Equal(t, uint64(5), s.ErrorClasses[ClassOther])
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSummary()
			accumulate(tc.results, tc.opts...).Fill(s)
			tc.check(t, s)
		})
	}
}

func TestSampledCount(t *testing.T) {
	a := accumulate(synth(100, 10, 0))
	assert.Equal(t, uint64(5), a.Sampled())
	assert.Equal(t, uint64(100), a.Requests())
}

// Shards of one run written to separate folders and read one after the
// other must give exactly what reading one file with all of them gives.
func TestShardsMergeLikeConcatenation(t *testing.T) {
	all := synth(3000, 300, 0)
	shards := [][]vegeta.Result{all[:1000], all[1000:2200], all[2200:]}
	var dirs []string
	for _, sh := range shards {
		d := t.TempDir()
		writeResults(t, d, sh)
		dirs = append(dirs, d)
	}
	concat := t.TempDir()
	writeResults(t, concat, all)

	read := func(dirs ...string) (*Summary, []Point, []Bin) {
		a := NewAccumulator()
		require.NoError(t, Each(dirs, func(r *vegeta.Result) error { a.Add(r); return nil }))
		s := NewSummary()
		a.Fill(s)
		return s, a.Series(50), a.Distribution()
	}
	s1, p1, d1 := read(dirs...)
	s2, p2, d2 := read(concat)
	j1, err := MarshalSummary(s1)
	require.NoError(t, err)
	j2, err := MarshalSummary(s2)
	require.NoError(t, err)
	assert.JSONEq(t, string(j2), string(j1))
	assert.Equal(t, p2, p1)
	assert.Equal(t, d2, d1)
	assert.Equal(t, uint64(len(all)), s1.Metrics.Requests)
}

// Shards run side by side interleave in time; reading them one after the
// other is another order. Everything but Vegeta's t-digest quantiles is
// order-free; those stay close.
func TestShardOrderDoesNotMatter(t *testing.T) {
	all := synth(4000, 400, 0)
	var odd, even []vegeta.Result
	for i, r := range all {
		if i%2 == 0 {
			even = append(even, r)
		} else {
			odd = append(odd, r)
		}
	}
	sa, sb := NewSummary(), NewSummary()
	a := accumulate(append(append([]vegeta.Result{}, odd...), even...))
	b := accumulate(all)
	a.Fill(sa)
	b.Fill(sb)
	assert.Equal(t, sb.Metrics.Requests, sa.Metrics.Requests)
	assert.Equal(t, sb.Metrics.StatusCodes, sa.Metrics.StatusCodes)
	assert.Equal(t, sb.Metrics.Success, sa.Metrics.Success)
	assert.Equal(t, sb.Metrics.Rate, sa.Metrics.Rate)
	assert.Equal(t, sb.Metrics.Latencies.Mean, sa.Metrics.Latencies.Mean)
	assert.Equal(t, sb.Metrics.Latencies.Max, sa.Metrics.Latencies.Max)
	assert.ElementsMatch(t, sb.Metrics.Errors, sa.Metrics.Errors)
	assert.Equal(t, sb.LateSends, sa.LateSends)
	assert.Equal(t, sb.RateLimited, sa.RateLimited)
	assert.Equal(t, sb.ErrorClasses, sa.ErrorClasses)
	assert.InDelta(t, float64(sb.Metrics.Latencies.P95), float64(sa.Metrics.Latencies.P95), float64(time.Millisecond))
	assert.Equal(t, b.Distribution(), a.Distribution())

	pa, pb := a.Series(0), b.Series(0)
	require.Equal(t, len(pb), len(pa))
	for i := range pa {
		assert.Equal(t, pb[i].Requests, pa[i].Requests, "point %d", i)
		assert.Equal(t, pb[i].P99, pa[i].P99, "point %d", i)
	}
}
