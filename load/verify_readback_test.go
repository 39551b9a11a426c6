package load

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

const verifyToken = "verify-token"

// verifyRig is a real emulator behind an httptest server (optionally
// wrapped by a target that misbehaves), a generator, and the invariants
// fed with every answer, as the load engine feeds them.
type verifyRig struct {
	gen   *generators.Generator
	inv   *invariants
	emu   *emulator.Emulator
	url   string
	start time.Time
	sent  atomic.Uint64
	w     sync.Pool
}

func newVerifyRig(t *testing.T, wrap func(emu http.Handler) http.Handler, opts ...generators.Option) *verifyRig {
	t.Helper()
	gen, err := generators.New(append([]generators.Option{
		generators.WithSeed(7), generators.WithKeyPrefix("ub-verify"), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1),
	}, opts...)...)
	require.NoError(t, err)
	emu, srv := emulatorServer(t, wrap, emulator.WithToken(verifyToken), emulator.WithSeed(7))
	r := &verifyRig{gen: gen, inv: newInvariants(gen, true, 0), emu: emu, url: srv.URL, start: time.Now()}
	r.w.New = func() any { return new(scratch) }
	return r
}

// send posts the next n batches one after another and feeds each answer to
// the invariants.
func (r *verifyRig) send(t *testing.T, n int) {
	t.Helper()
	for range n {
		r.sendOne(t)
	}
}

func (r *verifyRig) sendOne(t *testing.T) {
	b := r.sent.Add(1) - 1
	sent := time.Since(r.start)
	status, body := postBatch(t, r.url, verifyToken, r.gen, b)
	w := r.w.Get().(*scratch)
	defer r.w.Put(w)
	r.inv.process(delivery{n: b, sent: sent, done: time.Since(r.start), status: status, body: &keptBody{b: body}, plan: planOf(r.gen, b)}, w)
}

func (r *verifyRig) verifier(v scenarios.Verify) *verifier {
	return newVerifier(r.inv, verifyConfig{
		baseURL: r.url, token: verifyToken, verify: ResolveVerify(v, true), timeout: 10 * time.Second,
		shards: 1, start: r.start, built: r.sent.Load, seed: 7,
	})
}

// keyPlan says, per key, the batches that named it.
func keyPlan(gen *generators.Generator, batches int) map[uint64][]uint64 {
	m := map[uint64][]uint64{}
	for b := range uint64(batches) {
		for _, p := range gen.PlanBatch(nil, b) {
			m[p.Key] = append(m[p.Key], b)
		}
	}
	return m
}

// pickKey finds a key named by exactly `times` batches, the first of them
// at or after batch from; it fails the test when there is none.
func pickKey(t *testing.T, gen *generators.Generator, batches int, from uint64, times int) string {
	t.Helper()
	plan := keyPlan(gen, batches)
	best := uint64(0)
	found := false
	for k, bs := range plan {
		if len(bs) == times && bs[0] >= from && (!found || k < best) {
			best, found = k, true
		}
	}
	require.True(t, found, "no key named by %d batches from batch %d", times, from)
	return gen.Key(best)
}

// upsertResult is what the misbehaving targets read of an upsert answer.
type upsertResult struct {
	ID         string            `json:"id"`
	New        bool              `json:"new"`
	Properties map[string]string `json:"properties"`
}

func serve(h http.Handler, method, path string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+verifyToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// forward passes the request to emu and returns the answer, which the
// caller writes (possibly changed).
func forward(emu http.Handler, r *http.Request) (*httptest.ResponseRecorder, []byte) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, r)
	return rec, body
}

func writeRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

func resultFor(t *testing.T, answer []byte, idProp, key string) (upsertResult, bool) {
	var doc struct {
		Results []upsertResult `json:"results"`
	}
	if json.Unmarshal(answer, &doc) != nil {
		return upsertResult{}, false
	}
	for _, r := range doc.Results {
		if r.Properties[idProp] == key {
			return r, true
		}
	}
	return upsertResult{}, false
}

// losesCreate acknowledges the create of key, then archives the record:
// an acknowledged write that is not there.
func losesCreate(t *testing.T, key string) func(http.Handler) http.Handler {
	return func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec, _ := forward(emu, r)
			writeRecorded(w, rec, rec.Body.Bytes())
			if strings.HasSuffix(r.URL.Path, "/batch/upsert") {
				if res, ok := resultFor(t, rec.Body.Bytes(), hubspot.DefaultIDProperty, key); ok && res.New {
					code, _ := serve(emu, http.MethodPost, hubspot.VersionV3.ArchivePath(), []byte(`{"inputs":[{"id":"`+res.ID+`"}]}`))
					assert.Equal(t, http.StatusNoContent, code)
				}
			}
		})
	}
}

// losesUpdate acknowledges the first update of key, then puts the values
// it had before back: the update is lost.
func losesUpdate(t *testing.T, key string) func(http.Handler) http.Handler {
	var once sync.Once
	return func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var before map[string]string
			if strings.HasSuffix(r.URL.Path, "/batch/upsert") {
				read := `{"idProperty":"` + hubspot.DefaultIDProperty + `","inputs":[{"id":"` + key + `"}],"properties":["` + strings.Join(hubspot.WritableTaskProperties, `","`) + `"],"propertiesWithHistory":[]}`
				if code, body := serve(emu, http.MethodPost, hubspot.VersionV3.ReadPath(), []byte(read)); code == http.StatusOK {
					var doc struct{ Results []upsertResult }
					require.NoError(t, json.Unmarshal(body, &doc))
					before = doc.Results[0].Properties
				}
			}
			rec, _ := forward(emu, r)
			writeRecorded(w, rec, rec.Body.Bytes())
			if res, ok := resultFor(t, rec.Body.Bytes(), hubspot.DefaultIDProperty, key); ok && !res.New && before != nil {
				once.Do(func() {
					props := map[string]string{}
					for _, p := range hubspot.WritableTaskProperties {
						if v, ok := before[p]; ok {
							props[p] = v
						}
					}
					in, _ := json.Marshal(map[string]any{"inputs": []any{map[string]any{"id": key, "idProperty": hubspot.DefaultIDProperty, "properties": props}}})
					code, body := serve(emu, http.MethodPost, hubspot.VersionV3.UpsertPath(), in)
					assert.Equal(t, http.StatusOK, code, "%s", body)
				})
			}
		})
	}
}

// staleOnce serves key with older values (every written property changed)
// in the first read that names it, and the truth afterwards.
func staleOnce(key string) func(http.Handler) http.Handler {
	var served atomic.Bool
	return func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec, _ := forward(emu, r)
			body := rec.Body.Bytes()
			if strings.HasSuffix(r.URL.Path, "/batch/read") && bytes.Contains(body, []byte(`"`+key+`"`)) && served.CompareAndSwap(false, true) {
				var doc map[string]any
				if json.Unmarshal(body, &doc) == nil {
					for _, res := range doc["results"].([]any) {
						props := res.(map[string]any)["properties"].(map[string]any)
						if props[hubspot.DefaultIDProperty] != key {
							continue
						}
						for _, p := range hubspot.WritableTaskProperties {
							if s, ok := props[p].(string); ok {
								props[p] = "older " + s
							}
						}
					}
					body, _ = json.Marshal(doc)
				}
			}
			writeRecorded(w, rec, body)
		})
	}
}

// countsReads records how many ids each batch read asked for.
type readLog struct {
	mu   sync.Mutex
	ids  map[string]int
	sent int
}

func (l *readLog) wrap(emu http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, body := forward(emu, r)
		if strings.HasSuffix(r.URL.Path, "/batch/read") {
			var in hubspot.BatchReadRequest
			if json.Unmarshal(body, &in) == nil {
				l.mu.Lock()
				l.sent++
				for _, id := range in.Inputs {
					l.ids[id.ID]++
				}
				l.mu.Unlock()
			}
		}
		writeRecorded(w, rec, rec.Body.Bytes())
	})
}

func check(sum results.InvariantsSummary, name string) *results.InvariantCheck {
	return sum.Check(name)
}

// TestVerifyReadBack holds read-back verification to targets that keep
// and break their writes: the real emulator, and wrappers around it that
// lose one acknowledged create or update, serve a stale value once, or
// lag within the consistency window.
func TestVerifyReadBack(t *testing.T) {
	const batches = 30
	gen, err := generators.New(generators.WithSeed(7), generators.WithKeyPrefix("ub-verify"), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(t, err)
	lostCreate := pickKey(t, gen, batches, 2, 1)
	lostUpdate := pickKey(t, gen, batches, 2, 2)
	stale := pickKey(t, gen, batches, 2, 1)
	lagging := pickKey(t, gen, batches, batches-1, 1)

	tests := []struct {
		name      string
		wrap      func(*testing.T) func(http.Handler) http.Handler
		window    time.Duration
		age       time.Duration // wait this long after the writes before reading
		lost      string        // key of the read-back-shows-write offender
		stale     string        // key of the read-back-not-stale offender
		lag       uint64
		rereads   uint64
		lostWhat  string
		staleWhat string
	}{
		{name: "clean target"},
		{name: "lost create", wrap: func(t *testing.T) func(http.Handler) http.Handler { return losesCreate(t, lostCreate) },
			lost: lostCreate, rereads: 1, lostWhat: "no record with this unique value"},
		{name: "lost update", wrap: func(t *testing.T) func(http.Handler) http.Handler { return losesUpdate(t, lostUpdate) },
			lost: lostUpdate, rereads: 1, lostWhat: "another value of"},
		{name: "stale read", wrap: func(*testing.T) func(http.Handler) http.Handler { return staleOnce(stale) },
			stale: stale, rereads: 1, staleWhat: "another value of"},
		{name: "lag within the window", wrap: func(*testing.T) func(http.Handler) http.Handler { return staleOnce(lagging) },
			window: 3 * time.Second, lag: 1, rereads: 1},
		{name: "older than the window is stale", wrap: func(*testing.T) func(http.Handler) http.Handler { return staleOnce(stale) },
			window: 50 * time.Millisecond, age: 100 * time.Millisecond, stale: stale, rereads: 1, staleWhat: "(window 50ms)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wrap func(http.Handler) http.Handler
			if tt.wrap != nil {
				wrap = tt.wrap(t)
			}
			r := newVerifyRig(t, wrap)
			r.send(t, batches)
			time.Sleep(tt.age)
			v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll, Window: tt.window})
			assert.False(t, v.end(context.Background()))
			r.inv.finish()
			sum := r.inv.summary()
			vs := v.summary()

			assert.Equal(t, r.inv.keys.keys, vs.Keys, "every key is compared")
			assert.Equal(t, (vs.Keys+99)/100+tt.rereads, vs.Requests, "one read per 100 keys, plus re-reads")
			assert.Equal(t, tt.rereads, vs.Mismatches)
			assert.Equal(t, tt.lag, vs.Lag)
			assert.Zero(t, vs.Skipped)
			assert.Zero(t, vs.Unverifiable, "nothing ambiguous in a sequential run")
			assert.Positive(t, vs.Properties)
			assert.Empty(t, vs.Incomplete)
			assert.Equal(t, 1, vs.Rounds)
			for _, name := range []string{results.InvariantOneID, results.InvariantNewOnce, results.InvariantTraceID, results.InvariantAccounting, results.InvariantUpdatedAt} {
				assert.Zero(t, check(sum, name).Violations, "%s: %+v", name, check(sum, name).Offenders)
			}

			lost, staleC := check(sum, results.InvariantLostWrite), check(sum, results.InvariantStaleRead)
			assert.Equal(t, vs.Keys, lost.Checked)
			assert.Equal(t, vs.Keys, staleC.Checked)
			expect := func(c *results.InvariantCheck, key, what string) {
				if key == "" {
					assert.Zero(t, c.Violations, "%+v", c.Offenders)
					return
				}
				require.Equal(t, uint64(1), c.Violations, "%+v", c.Offenders)
				o := c.Offenders[0]
				t.Logf("%s %s: %s\n  first:  %s\n  second: %s", c.Name, o.Key, o.Message, o.First, o.Second)
				assert.Equal(t, key, o.Key)
				assert.Contains(t, o.Message, what)
				assert.Equal(t, "upsert", o.First.Kind, "the write's answer")
				assert.Equal(t, http.StatusOK, o.First.Status)
				assert.NotEmpty(t, o.First.ID)
				assert.Equal(t, "read", o.Second.Kind, "the read's answer")
				assert.Positive(t, o.Second.Batch)
				assert.Contains(t, []int{http.StatusOK, http.StatusMultiStatus}, o.Second.Status)
			}
			expect(lost, tt.lost, tt.lostWhat)
			expect(staleC, tt.stale, tt.staleWhat)
		})
	}
}

// TestVerifySample: sample mode reads exactly the sample, each key once,
// in reads of at most 100 keys.
func TestVerifySample(t *testing.T) {
	log := &readLog{ids: map[string]int{}}
	r := newVerifyRig(t, log.wrap)
	r.send(t, 10)
	require.Greater(t, r.inv.keys.keys, uint64(250))
	v := r.verifier(scenarios.Verify{Mode: scenarios.VerifySample, Sample: 250})
	require.False(t, v.end(context.Background()))
	vs := v.summary()
	assert.Equal(t, uint64(250), vs.Keys)
	assert.Equal(t, uint64(3), vs.Requests)
	assert.Equal(t, 250, vs.Sample)
	assert.Equal(t, 3, log.sent)
	assert.Len(t, log.ids, 250, "250 distinct keys read")
	for id, n := range log.ids {
		assert.Equal(t, 1, n, id)
	}

	// A sample larger than the keys reads them all.
	r = newVerifyRig(t, nil)
	r.send(t, 2)
	v = r.verifier(scenarios.Verify{Mode: scenarios.VerifySample, Sample: 100_000})
	require.False(t, v.end(context.Background()))
	assert.Equal(t, r.inv.keys.keys, v.summary().Keys)
}

// TestVerifyNone: mode none sends nothing.
func TestVerifyNone(t *testing.T) {
	log := &readLog{ids: map[string]int{}}
	r := newVerifyRig(t, log.wrap)
	r.send(t, 3)
	v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyNone})
	require.False(t, v.end(context.Background()))
	assert.Zero(t, log.sent)
	assert.Zero(t, v.summary().Requests)
}

// TestVerifyDuringRun: sampled rounds while batches are being written
// concurrently never hold a read against a write that was not settled when
// it left (no false violation), and they do compare keys.
func TestVerifyDuringRun(t *testing.T) {
	r := newVerifyRig(t, nil, generators.WithUpdateShare(0.8))
	r.send(t, 3)
	v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 300, Every: 150 * time.Millisecond})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		v.during(context.Background(), stop)
	}()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At least 120 batches, and on until a round during the run
			// has compared keys: on a fast machine 120 batches take less
			// than one round interval (bounded: 5,000 batches).
			for r.sent.Load() < 120 || (v.summary().Keys == 0 && r.sent.Load() < 5000) {
				r.sendOne(t)
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-done
	require.False(t, v.end(context.Background()))
	r.inv.finish()
	sum := r.inv.summary()
	vs := v.summary()
	assert.GreaterOrEqual(t, vs.Rounds, 2, "at least one round during the run, and the final one")
	assert.Greater(t, vs.Keys, r.inv.keys.keys, "rounds during the run compared keys too")
	assert.Zero(t, check(sum, results.InvariantLostWrite).Violations, "%+v", check(sum, results.InvariantLostWrite).Offenders)
	assert.Zero(t, check(sum, results.InvariantStaleRead).Violations, "%+v", check(sum, results.InvariantStaleRead).Offenders)
	assert.Zero(t, sum.Violations())
}

// TestVerifyRateLimited: a 429 on a read is waited out (Retry-After) and
// the read retried; a daily 429 stops verification, which says so.
func TestVerifyRateLimited(t *testing.T) {
	limited := func(times int, policy string) func(http.Handler) http.Handler {
		var n atomic.Int64
		return func(emu http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/batch/read") && n.Add(1) <= int64(times) {
					w.Header().Set("Retry-After", "1")
					w.WriteHeader(http.StatusTooManyRequests)
					_, _ = io.WriteString(w, `{"status":"error","message":"limit","errorType":"RATE_LIMIT","correlationId":"x","policyName":"`+policy+`"}`)
					return
				}
				emu.ServeHTTP(w, r)
			})
		}
	}
	t.Run("ten-secondly", func(t *testing.T) {
		r := newVerifyRig(t, limited(1, hubspot.PolicyTenSecondlyRolling))
		r.send(t, 2)
		v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll})
		require.False(t, v.end(context.Background()))
		vs := v.summary()
		assert.Equal(t, uint64(1), vs.RateLimited)
		assert.Equal(t, (r.inv.keys.keys+99)/100+1, vs.Requests)
		assert.Equal(t, r.inv.keys.keys, vs.Keys)
		assert.Empty(t, vs.Incomplete)
	})
	t.Run("daily", func(t *testing.T) {
		r := newVerifyRig(t, limited(1000, hubspot.PolicyDaily))
		r.send(t, 2)
		v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll})
		v.cfg.readers = 1
		require.False(t, v.end(context.Background()))
		vs := v.summary()
		assert.Zero(t, vs.Keys)
		assert.Contains(t, vs.Incomplete, "daily limit")
		assert.Contains(t, vs.Incomplete, "read 0 of")
	})
}

// TestVerifyInterrupted: Ctrl-C during the final round stops it; the
// summary says how far it got and the run counts as interrupted.
func TestVerifyInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reads atomic.Int64
	r := newVerifyRig(t, func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if strings.HasSuffix(req.URL.Path, "/batch/read") && reads.Add(1) == 2 {
				cancel()
			}
			emu.ServeHTTP(w, req)
		})
	})
	r.send(t, 10)
	v := r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll})
	v.cfg.readers = 1
	assert.True(t, v.end(ctx))
	vs := v.summary()
	assert.Contains(t, vs.Incomplete, "interrupted after reading")
	assert.Less(t, vs.Keys, r.inv.keys.keys)

	// Interrupted before the read-back even started.
	v = r.verifier(scenarios.Verify{Mode: scenarios.VerifyAll})
	assert.True(t, v.end(ctx))
	assert.Equal(t, "interrupted before the read-back", v.summary().Incomplete)
	assert.Zero(t, v.summary().Requests)
}

// TestResolveVerify: auto means all and no window on the emulator, a
// sample and DefaultRemoteConsistencyWindow elsewhere; explicit values stay.
func TestResolveVerify(t *testing.T) {
	auto := scenarios.Default().Verify
	tests := []struct {
		name     string
		in       scenarios.Verify
		emulated bool
		want     scenarios.Verify
	}{
		{"emulator", auto, true, scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 1000, Window: 0}},
		{"remote", auto, false, scenarios.Verify{Mode: scenarios.VerifySample, Sample: 1000, Window: DefaultRemoteConsistencyWindow}},
		{"explicit", scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 5, Every: time.Minute, Window: time.Second}, false,
			scenarios.Verify{Mode: scenarios.VerifyAll, Sample: 5, Every: time.Minute, Window: time.Second}},
		{"window zero on a remote target", scenarios.Verify{Mode: scenarios.VerifyNone, Sample: 1000, Window: 0}, false,
			scenarios.Verify{Mode: scenarios.VerifyNone, Sample: 1000, Window: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ResolveVerify(tt.in, tt.emulated))
		})
	}
}

// TestReadPacer: reads get what the load's busiest window leaves of the
// burst limit while the load runs and for one window after, then the whole
// limit; a tier without limits is not paced.
func TestReadPacer(t *testing.T) {
	assert.Nil(t, newReadPacer(hubspot.TierLimits(hubspot.TierNone), 500, 1))
	free := hubspot.TierLimits(hubspot.TierFree) // 100 per 10 s
	tests := []struct {
		name   string
		peak   float64
		shards int
		beside time.Duration
		full   time.Duration
	}{
		{"load leaves 40", 60, 1, 250 * time.Millisecond, 100 * time.Millisecond},
		{"two shards share the token", 60, 2, 500 * time.Millisecond, 200 * time.Millisecond},
		{"load takes it all", 100, 1, 10 * time.Second, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newReadPacer(free, tt.peak, tt.shards)
			now := time.Now()
			assert.Equal(t, tt.beside, p.interval(now), "while the load runs")
			p.loadEnded(now)
			assert.Equal(t, tt.beside, p.interval(now.Add(9*time.Second)), "the load's last window")
			assert.Equal(t, tt.full, p.interval(now.Add(hubspot.BurstWindow)), "after it")
		})
	}
}
