package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
	"github.com/upsertbench/upsertbench/internal/results"
)

// readFindings decodes findings.jsonl.
func readFindings(t *testing.T, dir string) []results.Finding {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, results.FindingsFile))
	require.NoError(t, err)
	defer f.Close()
	var fs []results.Finding
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r results.Finding
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		fs = append(fs, r)
	}
	require.NoError(t, sc.Err())
	return fs
}

func TestRunChecksEveryAnswer(t *testing.T) {
	// 150 batches against a free account (100 per 10 s): 100 answers 200,
	// 50 answer 429. Every 2xx answer reaches the invariants, every answer
	// of the route gets the schema check, and nothing is violated.
	emu := serveEmulator(t, emulator.WithTier(hubspot.TierFree), emulator.WithLatency(emulator.Latency{Kind: emulator.LatencyNone}))
	s := testScenario(t, 3*time.Second, 50)
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: emu.URL, Token: testToken, Emulated: true, FreshTarget: true, OutDir: dir})
	require.NoError(t, err)

	ok := 0
	for _, r := range readResults(t, dir) {
		if r.Code >= 200 && r.Code < 300 {
			ok++
		}
	}
	require.Equal(t, 100, ok)
	inv := sum.Invariants
	require.NotNil(t, inv)
	assert.Equal(t, uint64(ok), inv.Answers, "every 2xx answer was processed")
	assert.Equal(t, uint64(ok*10), inv.Results)
	assert.Equal(t, sum.Metrics.Requests, inv.Exchanges, "every request was handed over")
	assert.Zero(t, inv.Unmatched)
	assert.Zero(t, inv.Violations(), "%+v", inv.Checks)
	for _, name := range []string{results.InvariantOneID, results.InvariantNewOnce, results.InvariantTraceID, results.InvariantAccounting, results.InvariantUpdatedAt} {
		assert.Positive(t, inv.Check(name).Checked, name)
	}
	assert.Equal(t, uint64(ok*10), inv.Check(results.InvariantAccounting).Checked)
	assert.Empty(t, inv.Check(results.InvariantNewOnce).Note, "the target is fresh: new:true is required of every create")

	sc := inv.Schema
	assert.Equal(t, sum.Metrics.Requests, sc.Answers, "429s are answers of the route too")
	assert.Equal(t, sc.Answers, sc.Checked)
	assert.Equal(t, 1.0, sc.Share)
	assert.Zero(t, sc.Violations)
	assert.Equal(t, DefaultSchemaBudget, sc.Budget)
	assert.Positive(t, sc.Fast)
	assert.Equal(t, sc.Checked, sc.Fast+sum.Contract.Checked, "the sampler's checks cover the answers it took")

	back, err := results.ReadSummary(filepath.Join(dir, results.SummaryFile))
	require.NoError(t, err)
	require.NotNil(t, back.Invariants)
	assert.Equal(t, *inv, *back.Invariants)

	// ids.bin: every created key once, with its first answer; one id each.
	ids, err := results.ReadIDs(dir)
	require.NoError(t, err)
	require.Len(t, ids, int(inv.Check(results.InvariantOneID).Checked))
	assert.Positive(t, len(ids))
	for i, k := range ids {
		assert.Regexp(t, `^ub-2a-\d+$`, k.Key)
		assert.False(t, k.Hashed)
		assert.Equal(t, "upsert", k.First.Kind)
		assert.Equal(t, http.StatusOK, k.First.Status)
		assert.Equal(t, k.IDText(), k.First.ID)
		if i > 0 {
			assert.Less(t, ids[i-1].ID, k.ID, "sorted, one key per id")
		}
	}
}

func TestRunInvariantsCatchCorruptedTarget(t *testing.T) {
	// The real emulator behind a handler that corrupts the fifth 2xx
	// answer of the run: each corruption is named in summary.json with its
	// offender; a schema break also lands in findings.jsonl.
	tests := []struct {
		name    string
		corrupt func(gen *generators.Generator, doc answerDoc) string
		check   string // "" for the schema
	}{
		{
			name: "trace id of another input",
			corrupt: func(gen *generators.Generator, doc answerDoc) string {
				a, b := doc.result(0), doc.result(1)
				a["objectWriteTraceId"], b["objectWriteTraceId"] = b["objectWriteTraceId"], a["objectWriteTraceId"]
				return keyOf(gen, a)
			},
			check: results.InvariantTraceID,
		},
		{
			name: "new flipped to false on a create",
			corrupt: func(gen *generators.Generator, doc answerDoc) string {
				doc.result(0)["new"] = false
				return keyOf(gen, doc.result(0))
			},
			check: results.InvariantNewOnce,
		},
		{
			name: "result missing",
			corrupt: func(gen *generators.Generator, doc answerDoc) string {
				doc["results"] = doc.results()[1:]
				return keyOf(gen, doc.result(0))
			},
			check: results.InvariantAccounting,
		},
		{
			name: "status outside the schema",
			corrupt: func(gen *generators.Generator, doc answerDoc) string {
				doc["status"] = "DONE"
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testScenario(t, time.Second, 20)
			s.Sample = 0 // every answer goes through the fast path
			gen, err := generators.New(generators.WithSeed(s.Seed), generators.WithBatchSize(s.Batch.Size),
				generators.WithIDProperty(s.Batch.IDProperty), generators.WithTraceIDs(true), generators.WithKeyPrefix("ub-2a"))
			require.NoError(t, err)
			var seen atomic.Int64
			var offender atomic.Value
			srv := corruptingEmulator(t, gen, func(gen *generators.Generator, _ uint64, doc answerDoc) bool {
				if seen.Add(1) != 5 {
					return false
				}
				k := tt.corrupt(gen, doc)
				if tt.name == "result missing" {
					k = "" // keyOf read the next result; the missing one is checked by count
				}
				offender.Store(k)
				return true
			})
			dir := t.TempDir()
			sum, err := Run(context.Background(), Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, FreshTarget: true, OutDir: dir})
			require.NoError(t, err)
			inv := sum.Invariants
			require.NotNil(t, inv)
			assert.Equal(t, uint64(20), inv.Answers)
			if tt.check == "" {
				assert.Zero(t, inv.Violations(), "%+v", inv.Checks)
				assert.Equal(t, uint64(1), inv.Schema.Violations)
				assert.Equal(t, uint64(20), inv.Schema.Checked)
				fs := readFindings(t, dir)
				require.Len(t, fs, 1)
				assert.Equal(t, string(contract.CheckResponseSchema), fs[0].Check)
				assert.Contains(t, fs[0].Received, `"completedAt"`, "the finding shows what came back")
				require.NotEmpty(t, fs[0].Fields)
				assert.Equal(t, "/status", fs[0].Fields[0].Pointer)
				return
			}
			assert.Zero(t, inv.Schema.Violations)
			c := inv.Check(tt.check)
			require.NotNil(t, c)
			assert.Positive(t, c.Violations)
			assert.Equal(t, c.Violations, inv.Violations(), "only %s is violated: %+v", tt.check, inv.Checks)
			require.NotEmpty(t, c.Offenders)
			if k := offender.Load().(string); k != "" {
				assert.Equal(t, k, c.Offenders[0].Key)
			}
			assert.Equal(t, http.StatusOK, c.Offenders[0].Second.Status+c.Offenders[0].First.Status)
		})
	}
}

func TestRunInterruptedKeepsInvariants(t *testing.T) {
	// After the tenth request the target applies every write but never
	// answers; Ctrl-C, then the abort cuts those requests: they are writes
	// of unknown outcome, never violations, and the interrupted run's
	// summary.json carries its invariants.
	emu := emulator.New(emulator.WithToken(testToken))
	t.Cleanup(emu.Close)
	var n atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		if n.Add(1) > 10 {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
		w.WriteHeader(rec.Code)
		_, _ = io.Copy(w, rec.Body)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })

	s := testScenario(t, time.Minute, 20)
	s.Sample = 0
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for n.Load() < 15 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	dir := t.TempDir()
	var progress bytes.Buffer
	sum, err := Run(ctx, Config{Scenario: s, BaseURL: srv.URL, Token: testToken, Emulated: true, FreshTarget: true, OutDir: dir,
		StopGrace: 100 * time.Millisecond, Progress: &progress})
	require.NoError(t, err)
	require.True(t, sum.Run.Interrupted)
	assert.Contains(t, progress.String(), "abandoned")

	inv := sum.Invariants
	require.NotNil(t, inv)
	assert.Equal(t, uint64(10), inv.Answers)
	assert.Positive(t, inv.UnknownOutcome, "the cut requests")
	assert.Equal(t, inv.Answers+inv.UnknownOutcome, inv.Exchanges)
	assert.Zero(t, inv.Violations(), "%+v", inv.Checks)
	back, err := results.ReadSummary(filepath.Join(dir, results.SummaryFile))
	require.NoError(t, err)
	require.NotNil(t, back.Invariants)
	assert.Equal(t, inv.Answers, back.Invariants.Answers)
}

// BenchmarkAnswerWorker100 is a worker's whole pass over one realistic
// 100-result answer: the invariants (extract, match, fold; the plan comes
// with the delivery) and the full schema check on the fast path. At 1,000
// answers/s a worker pass of p µs takes p/1000 of one CPU.
func BenchmarkAnswerWorker100(b *testing.B) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(b, err)
	const answers = 64
	bodies, codes := emulatorAnswers(b, gen, answers)
	// The plans come with the deliveries, made by the Targeter with the
	// bodies: not the worker's cost.
	plans := make([]*batchPlan, answers)
	for k := range plans {
		plans[k] = planOf(gen, uint64(k))
	}
	v, err := contract.DefaultValidator()
	require.NoError(b, err)
	u, err := url.Parse("http://x" + gen.Path())
	require.NoError(b, err)
	for _, part := range []string{"invariants", "schema", "both"} {
		b.Run(part, func(b *testing.B) {
			inv := newInvariants(gen, true, 0)
			schema := newSchemaPass(contract.NewFastSchema(v), &findingLog{}, newCheckPolicy(false), -1, nil)
			var w scratch
			b.ReportAllocs()
			cpu := cpuclock.Start()
			i := 0
			for b.Loop() {
				k := i % answers
				// Answers after the first round repeat earlier batches'
				// numbers with later times, as a long run would.
				n := uint64(i)
				if n >= answers {
					n = uint64(k)
				}
				d := delivery{n: n, sent: time.Duration(i) * time.Millisecond, done: time.Duration(i)*time.Millisecond + 500*time.Microsecond,
					status: codes[k], body: &keptBody{b: bodies[k]}, plan: plans[k]}
				w.sc.Data = nil
				if part != "schema" {
					inv.process(d, &w)
				}
				if part != "invariants" {
					if w.sc.Data == nil {
						w.sc.Reset(bodies[k])
					}
					schema.check(&w.sc, u.Path, codes[k], "application/json;charset=utf-8")
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/answer")
			cpu.Report(b, 1e3, "cpu-µs/answer")
			require.Zero(b, schema.violations.Load())
		})
	}
}
