package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// withNoAnswers returns n results at 100/s: answered ones (200, 207, 429,
// 500, 400) with lognormal latencies around 40 ms, and, mixed in, requests
// that got no answer and took long to give up (timeouts at 10 s, resets,
// refusals) — exactly the ones that must not reach a latency figure. It
// also returns how many of each class of no answer it made.
func withNoAnswers(n int, seed uint64) ([]vegeta.Result, map[string]uint64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]vegeta.Result, n)
	made := map[string]uint64{ClassTimeout: 0, ClassReset: 0, ClassRefused: 0, ClassOther: 0}
	for i := range out {
		r := vegeta.Result{
			Seq: uint64(i), Code: 200, Timestamp: runStart.Add(time.Duration(i) * 10 * time.Millisecond),
			Latency: time.Duration(float64(40*time.Millisecond) * math.Exp(0.6*rng.NormFloat64())),
			Method:  http.MethodPost, URL: "http://127.0.0.1:1/crm/v3/objects/tasks/batch/upsert",
		}
		switch u := rng.Float64(); {
		case u < 0.10:
			made[ClassTimeout]++
			r.Code, r.Latency = 0, 10*time.Second
			r.Error = `Post "http://127.0.0.1:1/x": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
		case u < 0.13:
			made[ClassReset]++
			r.Code, r.Error = 0, fmt.Sprintf("read tcp 127.0.0.1:%d->127.0.0.1:1: read: connection reset by peer", 40000+i%5)
			r.Latency *= 3
		case u < 0.15:
			made[ClassRefused]++
			r.Code, r.Latency = 0, 200*time.Microsecond
			r.Error = `Post "http://127.0.0.1:1/x": dial tcp 127.0.0.1:1: connect: connection refused`
		case u < 0.17:
			r.Code, r.Error = 500, "500 Internal Server Error"
		case u < 0.19:
			r.Code, r.Error = 429, "429 Too Many Requests"
		case u < 0.20:
			r.Code, r.Error = 400, "400 Bad Request"
		case u < 0.30:
			r.Code = 207
		}
		out[i] = r
	}
	return out, made
}

// TestAnsweredLatencyIsVegetasOverAnsweredResults proves the answered
// latency figures against two independent references: Vegeta's own
// Metrics fed with only the answered results (what `vegeta report` prints
// for them), and brute force over the sorted latencies.
func TestAnsweredLatencyIsVegetasOverAnsweredResults(t *testing.T) {
	rs, unanswered := withNoAnswers(5000, 1)
	s := NewSummary()
	accumulate(rs).Fill(s)

	var ref vegeta.Metrics
	var sorted []time.Duration
	for i := range rs {
		if rs[i].Code == 0 {
			continue
		}
		ref.Add(&rs[i])
		sorted = append(sorted, rs[i].Latency)
	}
	ref.Close()
	slices.Sort(sorted)

	require.Greater(t, s.Metrics.Requests, ref.Requests, "the data has unanswered requests")
	assert.Equal(t, ref.Requests, s.Answered.Requests)
	assert.Equal(t, ref.Latencies, s.Answered.Latencies, "Vegeta's figures over the answered results")
	assert.Equal(t, unanswered, s.Unanswered)
	assert.Equal(t, s.Metrics.Requests, s.Answered.Requests+unanswered[ClassTimeout]+unanswered[ClassReset]+unanswered[ClassRefused]+unanswered[ClassOther])

	// Brute force: nearest-rank quantiles of the answered latencies. The
	// t-digest is within a few percent of them.
	rank := func(q float64) time.Duration { return sorted[int(math.Ceil(q*float64(len(sorted))))-1] }
	for _, c := range []struct {
		q   float64
		got time.Duration
	}{{0.50, s.Answered.Latencies.P50}, {0.90, s.Answered.Latencies.P90}, {0.95, s.Answered.Latencies.P95}, {0.99, s.Answered.Latencies.P99}} {
		assert.InEpsilon(t, float64(rank(c.q)), float64(c.got), 0.03, "q%v", c.q)
	}
	var total time.Duration
	for _, d := range sorted {
		total += d
	}
	assert.Equal(t, total, s.Answered.Latencies.Total)
	assert.Equal(t, sorted[len(sorted)-1], s.Answered.Latencies.Max)
	assert.Equal(t, sorted[0], s.Answered.Latencies.Min)
	assert.Less(t, s.Answered.Latencies.Max, 10*time.Second, "no timeout reaches the answered figures")
	assert.Equal(t, 10*time.Second, s.Metrics.Latencies.Max, "while Vegeta's metrics keep counting them")

	// The distribution and the series count the same answered requests.
	a := accumulate(rs)
	var binned uint64
	for _, b := range a.Distribution() {
		binned += b.Count
	}
	assert.Equal(t, s.Answered.Requests, binned)
	var answered, requests uint64
	for _, p := range a.Series(0) {
		answered += p.Answered
		requests += p.Requests
		assert.Less(t, p.Max, 10*time.Second, "point at %s", p.Offset)
	}
	assert.Equal(t, s.Answered.Requests, answered)
	assert.Equal(t, s.Metrics.Requests, requests)
}

func TestAnsweredLatencyNoAnswer(t *testing.T) {
	refused := result(0, `dial tcp 127.0.0.1:1: connect: connection refused`)
	rs := []vegeta.Result{refused, refused, result(0, "context canceled")}
	s := NewSummary()
	a := accumulate(rs)
	a.Fill(s)
	assert.Equal(t, AnsweredLatency{}, s.Answered, "no answered request: no latency figure")
	assert.Equal(t, map[string]uint64{ClassTimeout: 0, ClassReset: 0, ClassRefused: 2, ClassOther: 1}, s.Unanswered)
	assert.Equal(t, 10*time.Millisecond, s.Metrics.Latencies.Max, "Vegeta's own metrics are left as Vegeta computes them")
	assert.Nil(t, a.Distribution())
	pts := a.Series(0)
	require.Len(t, pts, 1)
	assert.Equal(t, uint64(3), pts[0].Requests)
	assert.Equal(t, uint64(0), pts[0].Answered)
	assert.Zero(t, pts[0].P99)
	assert.Zero(t, pts[0].Max)
}

// TestParseSummaryUpgradesVersion1 reads summaries written before the
// answered block existed: the answered latency is Vegeta's when every
// request was answered, and unknown (no data) otherwise.
func TestParseSummaryUpgradesVersion1(t *testing.T) {
	v1 := func(codes string) []byte {
		return []byte(`{"schemaVersion":1,"verdict":"pass","run":{"scenario":"steady"},
"metrics":{"latencies":{"total":3000000,"mean":1000000,"50th":900000,"90th":1500000,"95th":1600000,"99th":1700000,"max":1800000,"min":500000},
"requests":3,"status_codes":` + codes + `}}`)
	}
	dir := t.TempDir()
	all := filepath.Join(dir, "all.json")
	require.NoError(t, os.WriteFile(all, v1(`{"200":3}`), 0o644))
	s, err := ReadSummary(all)
	require.NoError(t, err)
	assert.Equal(t, uint64(3), s.Answered.Requests)
	assert.Equal(t, 1600*time.Microsecond, s.Answered.Latencies.P95)
	assert.Equal(t, map[string]uint64{ClassTimeout: 0, ClassReset: 0, ClassRefused: 0, ClassOther: 0}, s.Unanswered)

	some := filepath.Join(dir, "some.json")
	require.NoError(t, os.WriteFile(some, v1(`{"200":2,"0":1}`), 0o644))
	s, err = ReadSummary(some)
	require.NoError(t, err)
	assert.Equal(t, AnsweredLatency{}, s.Answered, "Vegeta's latencies count the unanswered request: not taken")
	assert.Nil(t, s.Unanswered)
}
