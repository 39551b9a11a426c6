package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/results"
)

// answerDoc is an upsert answer decoded for corruption: numbers stay as
// they were written (json.Number).
type answerDoc map[string]any

func (d answerDoc) results() []any { r, _ := d["results"].([]any); return r }

func (d answerDoc) result(i int) map[string]any { return d.results()[i].(map[string]any) }

// corrupter rewrites the answer to batch n; it reports whether it changed
// anything (each case corrupts one answer, once).
type corrupter func(gen *generators.Generator, n uint64, doc answerDoc) bool

// emulatorServer is the test rig of the invariants and the read-back: the
// real emulator behind an httptest server, wrapped by a target that
// misbehaves when wrap is not nil (wrap gets the emulator to forward to).
func emulatorServer(t *testing.T, wrap func(emu http.Handler) http.Handler, opts ...emulator.Option) (*emulator.Emulator, *httptest.Server) {
	t.Helper()
	emu := emulator.New(opts...)
	t.Cleanup(emu.Close)
	var h http.Handler = emu
	if wrap != nil {
		h = wrap(emu)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return emu, srv
}

// postBatch posts batch b of gen to the server at url with token, with
// the batch number in headerTestBatch, and returns the answer.
func postBatch(t *testing.T, url, token string, gen *generators.Generator, b uint64) (status int, body []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+gen.Path(), bytes.NewReader(gen.AppendBatch(nil, b)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(headerTestBatch, strconv.FormatUint(b, 10))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode, body
}

// corruptingEmulator serves the real emulator (emulatorServer) behind a
// handler that lets corrupt rewrite each 2xx answer. The batch number
// travels in the test header headerTestBatch (run tests, which cannot set
// it, get -1).
func corruptingEmulator(t *testing.T, gen *generators.Generator, corrupt corrupter, opts ...emulator.Option) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	_, srv := emulatorServer(t, func(emu http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec, _ := forward(emu, r)
			body := rec.Body.Bytes()
			if corrupt != nil && rec.Code/100 == 2 {
				n := uint64(1<<63 - 1)
				if v, err := strconv.ParseUint(r.Header.Get(headerTestBatch), 10, 64); err == nil {
					n = v
				}
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.UseNumber()
				var doc answerDoc
				require.NoError(t, dec.Decode(&doc))
				mu.Lock()
				changed := corrupt(gen, n, doc)
				mu.Unlock()
				if changed {
					var err error
					body, err = json.Marshal(doc)
					require.NoError(t, err)
				}
			}
			writeRecorded(w, rec, body)
		})
	}, append([]emulator.Option{emulator.WithToken(testToken), emulator.WithUniqueProperties(gen.IDProperty())}, opts...)...)
	return srv
}

const headerTestBatch = "X-Test-Batch"

// testGenerator makes batches of 10 with trace ids, half updates, each
// update naming a key an earlier batch created.
func testGenerator(t *testing.T) *generators.Generator {
	t.Helper()
	gen, err := generators.New(generators.WithSeed(7), generators.WithBatchSize(10), generators.WithUpdateShare(0.5),
		generators.WithTraceIDs(true), generators.WithUpdateLag(1), generators.WithKeyPrefix("ub-inv"))
	require.NoError(t, err)
	return gen
}

// planOf is batch n's plan, as the Targeter hands it over with the
// exchange.
func planOf(gen *generators.Generator, n uint64) *batchPlan {
	return &batchPlan{p: gen.PlanBatch(nil, n)}
}

// sendBatches posts batches 0..n-1 of gen to srv one after another and
// feeds every exchange to inv as the pipeline would: batch k is sent at
// 10k ms and answered 5 ms later, so each answer precedes the next send.
func sendBatches(t *testing.T, srv *httptest.Server, gen *generators.Generator, inv *invariants, n int) {
	t.Helper()
	var w scratch
	for b := range uint64(n) {
		status, body := postBatch(t, srv.URL, testToken, gen, b)
		sent := time.Duration(b) * 10 * time.Millisecond
		inv.process(delivery{n: b, sent: sent, done: sent + 5*time.Millisecond, status: status, body: &keptBody{b: body}, plan: planOf(gen, b)}, &w)
	}
}

// firstResult returns the index of the first result of doc whose new flag
// is isNew, or -1.
func firstResult(doc answerDoc, isNew bool) int {
	for i := range doc.results() {
		if doc.result(i)["new"] == isNew {
			return i
		}
	}
	return -1
}

// onFirstUpdate corrupts, once, the first update result of an answer to
// batch 10 or later (its key was created by an earlier answer) with fn,
// and records its key in off.
func onFirstUpdate(off *string, fn func(r map[string]any)) corrupter {
	return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
		i := firstResult(doc, false)
		if n < 10 || *off != "" || i < 0 {
			return false
		}
		*off = keyOf(gen, doc.result(i))
		fn(doc.result(i))
		return true
	}
}

func keyOf(gen *generators.Generator, r map[string]any) string {
	return r["properties"].(map[string]any)[gen.IDProperty()].(string)
}

func TestInvariantsCatchCorruptedAnswers(t *testing.T) {
	const batches = 30
	// want is what one corruption must cause: the check, how many
	// violations, and which answers the first offender names (-1: none).
	type want struct {
		check         string
		violations    uint64
		first, second int64
	}
	tests := []struct {
		name    string
		corrupt func(offender *string) corrupter
		want    want
	}{
		{
			name: "duplicate result",
			corrupt: func(off *string) corrupter {
				return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
					i := firstResult(doc, false)
					if n < 10 || *off != "" || i < 0 {
						return false
					}
					*off = keyOf(gen, doc.result(i))
					doc["results"] = append(doc.results(), doc.results()[i])
					return true
				}
			},
			want: want{results.InvariantAccounting, 1, -1, 10},
		},
		{
			name: "missing result",
			corrupt: func(off *string) corrupter {
				return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
					// An update's: a create's would also leave its key
					// without new:true.
					i := firstResult(doc, false)
					if n < 10 || *off != "" || i < 0 {
						return false
					}
					*off = keyOf(gen, doc.result(i))
					doc["results"] = append(doc.results()[:i:i], doc.results()[i+1:]...)
					return true
				}
			},
			want: want{results.InvariantAccounting, 1, -1, 10},
		},
		{
			name: "result for a key not sent",
			corrupt: func(off *string) corrupter {
				return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
					if n != 10 {
						return false
					}
					*off = gen.Key(1_000_000) // one of the stream's keys, never in a batch of this test
					doc.result(0)["properties"].(map[string]any)[gen.IDProperty()] = *off
					return true
				}
			},
			// The stranger's result, and the input that lost its result.
			want: want{results.InvariantAccounting, 2, -1, 10},
		},
		{
			name: "new flipped to true on an update",
			corrupt: func(off *string) corrupter {
				return onFirstUpdate(off, func(r map[string]any) { r["new"] = true })
			},
			want: want{results.InvariantNewOnce, 1, 0, 10},
		},
		{
			name: "new flipped to false on a create",
			corrupt: func(off *string) corrupter {
				return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
					if n != 0 {
						return false
					}
					*off = keyOf(gen, doc.result(2))
					doc.result(2)["new"] = false
					return true
				}
			},
			// Found at the end of the run: no answer ever said new:true.
			want: want{results.InvariantNewOnce, 1, 0, -1},
		},
		{
			name: "second id for a key",
			corrupt: func(off *string) corrupter {
				return onFirstUpdate(off, func(r map[string]any) {
					id, _ := strconv.ParseUint(r["id"].(string), 10, 64)
					r["id"] = strconv.FormatUint(id+7, 10)
				})
			},
			want: want{results.InvariantOneID, 1, 0, 10},
		},
		{
			name: "trace id of another input",
			corrupt: func(off *string) corrupter {
				return func(gen *generators.Generator, n uint64, doc answerDoc) bool {
					if n != 10 {
						return false
					}
					a, b := doc.result(0), doc.result(1)
					*off = keyOf(gen, a)
					a["objectWriteTraceId"], b["objectWriteTraceId"] = b["objectWriteTraceId"], a["objectWriteTraceId"]
					return true
				}
			},
			want: want{results.InvariantTraceID, 2, -1, 10},
		},
		{
			name: "updatedAt going backwards",
			corrupt: func(off *string) corrupter {
				return onFirstUpdate(off, func(r map[string]any) {
					u, ok := hubspot.ParseInstant([]byte(r["updatedAt"].(string)))
					require.True(t, ok)
					r["updatedAt"] = time.UnixMilli(u - 3_600_000).UTC().Format("2006-01-02T15:04:05.000Z")
				})
			},
			want: want{results.InvariantUpdatedAt, 1, 0, 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gen := testGenerator(t)
			var offender string
			srv := corruptingEmulator(t, gen, tt.corrupt(&offender))
			inv := newInvariants(gen, true, 0)
			sendBatches(t, srv, gen, inv, batches)
			inv.finish()
			s := inv.summary()
			require.NotEmpty(t, offender, "the corruption was applied")

			for _, c := range s.Checks {
				if c.Name != tt.want.check {
					assert.Zero(t, c.Violations, "%s: %v", c.Name, c.Offenders)
					continue
				}
				assert.Equal(t, tt.want.violations, c.Violations, "%v", c.Offenders)
				require.NotEmpty(t, c.Offenders)
				var o *results.Offender
				for i := range c.Offenders {
					if c.Offenders[i].Key == offender {
						o = &c.Offenders[i]
					}
				}
				require.NotNil(t, o, "offender %s among %v", offender, c.Offenders)
				assert.NotEmpty(t, o.Message)
				for _, side := range []struct {
					name  string
					want  int64
					ref   results.AnswerRef
					which string
				}{{"first", tt.want.first, o.First, "earlier"}, {"second", tt.want.second, o.Second, "corrupted"}} {
					if side.want < 0 {
						continue
					}
					assert.Equal(t, "upsert", side.ref.Kind, "%s answer: %+v", side.name, o)
					assert.Equal(t, http.StatusOK, side.ref.Status, "%s answer", side.name)
					assert.Equal(t, time.Duration(side.ref.Batch)*10*time.Millisecond, side.ref.At, "%s answer", side.name)
					if side.want > 0 {
						assert.Equal(t, uint64(side.want), side.ref.Batch, "the %s answer", side.which)
					}
				}
				if tt.want.first > 0 || tt.want.first == 0 && tt.want.second > 0 {
					assert.Less(t, o.First.Batch, o.Second.Batch, "the first answer is the earlier one")
				}
			}
			assert.Equal(t, uint64(batches), s.Answers)
		})
	}
}

func TestInvariantsCleanRun(t *testing.T) {
	gen := testGenerator(t)
	srv := corruptingEmulator(t, gen, nil)
	inv := newInvariants(gen, true, 0)
	sendBatches(t, srv, gen, inv, 40)
	ids := inv.finish()
	s := inv.summary()

	assert.Equal(t, uint64(40), s.Answers)
	assert.Equal(t, uint64(400), s.Results)
	assert.Zero(t, s.Violations(), "%+v", s.Checks)
	require.Len(t, s.Checks, len(results.InvariantNames))
	for i, c := range s.Checks {
		assert.Equal(t, results.InvariantNames[i], c.Name)
		switch c.Name {
		case results.InvariantLostWrite, results.InvariantStaleRead:
			assert.Zero(t, c.Checked, "read-back is not the answers' business")
		default:
			assert.Positive(t, c.Checked, c.Name)
		}
	}
	assert.Equal(t, uint64(400), s.Check(results.InvariantAccounting).Checked)
	assert.Equal(t, uint64(400), s.Check(results.InvariantTraceID).Checked)
	// Half updates: 200 keys were created, each with one id.
	assert.Equal(t, ids.len(), int(s.Check(results.InvariantOneID).Checked))
	assert.InDelta(t, 200, ids.len(), 40)
	assert.NotNil(t, ids.packed, "the emulator's ids pack beside the key numbers")
	for i := 1; i < ids.len(); i++ {
		assert.Less(t, ids.at(i-1).id, ids.at(i).id, "sorted, one key per id")
	}
}

func TestInvariantsUnknownOutcomeIsNoViolation(t *testing.T) {
	// A batch whose answer never came (cut by an interrupted run, or a
	// timeout), then a 5xx: their writes happened at the target, yet they
	// must not turn into violations later.
	gen := testGenerator(t)
	srv := corruptingEmulator(t, gen, nil)
	inv := newInvariants(gen, true, 0)
	var w scratch
	for b := range uint64(20) {
		status, body := postBatch(t, srv.URL, testToken, gen, b)
		sent := time.Duration(b) * 10 * time.Millisecond
		d := delivery{n: b, sent: sent, done: sent + 5*time.Millisecond, status: status, body: &keptBody{b: body}, plan: planOf(gen, b)}
		switch b {
		case 3:
			d.status, d.body = 0, nil // applied, never answered
		case 4:
			d.status, d.body = http.StatusBadGateway, nil
		}
		inv.process(d, &w)
	}
	inv.finish()
	s := inv.summary()
	assert.Zero(t, s.Violations(), "%+v", s.Checks)
	assert.Equal(t, uint64(2), s.UnknownOutcome)
	assert.Equal(t, uint64(18), s.Answers)
}

// fillKeys gives keys 0..n-1 of inv a first id and first answer, as folded
// answers would: ids from base in a shuffled order (a target numbers
// records as it creates them, not in key order), every hashedEvery-th id
// hashed (none for 0), and the given pairs of keys sharing one id.
func fillKeys(inv *invariants, n, base, hashedEvery uint64, share [][2]uint64) {
	for k := range n {
		s := inv.keys.at(k)
		s.flags |= ksSeen | ksID | ksNew
		s.id = (k*7919)%n + base
		if hashedEvery > 0 && k%hashedEvery == 5 {
			s.flags |= ksIDHashed
		}
		s.firstAns, s.newAns = ansRef(k/10), ansRef(k/10)
		*inv.batches.at(k / 10) = batchInfo{sent: uint32(k), done: uint32(k) + 3, status: 200}
	}
	for _, p := range share {
		a, b := inv.keys.at(p[0]), inv.keys.at(p[1])
		b.id, b.flags = a.id, b.flags&^ksIDHashed|a.flags&ksIDHashed
	}
}

// TestInvariantsWriteIDs holds the streamed ids.bin to the file
// results.WriteIDs makes from a slice of every key's KeyID (the reference:
// built naively, sorted by results), byte for byte, two keys sharing an id
// included — keys 9 and 10, whose unique values sort as text the other way
// round — and checks the one-id offenders finish names for it; with ids
// that pack beside the key numbers (HubSpot's 11-digit ids, the largest
// that fit) and with ids that do not (a text's hash, one bit too many).
func TestInvariantsWriteIDs(t *testing.T) {
	const n = 3000 // key numbers below 2¹², 12 bits
	for _, tt := range []struct {
		name              string
		base, hashedEvery uint64
		packed            bool
	}{
		{"11-digit ids", 48_000_000_000, 0, true},
		{"largest ids that pack", 1<<52 - n, 0, true},
		{"ids one bit too long", 1<<52 - n/2, 0, false},
		{"hashed ids", 48_000_000_000, 97, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gen := testGenerator(t)
			inv := newInvariants(gen, true, 0)
			fillKeys(inv, n, tt.base, tt.hashedEvery, [][2]uint64{{9, 10}, {200, 5}})
			ids := inv.finish()
			require.Equal(t, n, ids.len())
			assert.Equal(t, tt.packed, ids.packed != nil, "packed")
			checkWriteIDs(t, gen, inv, ids, n)
		})
	}
}

func checkWriteIDs(t *testing.T, gen *generators.Generator, inv *invariants, ids idRecs, n int) {
	s := inv.summary()
	one := s.Check(results.InvariantOneID)
	assert.Equal(t, uint64(n), one.Checked)
	assert.Equal(t, uint64(2), one.Violations)
	require.Len(t, one.Offenders, 2)
	for _, o := range one.Offenders {
		assert.Contains(t, o.Message, "also came back for")
		assert.Equal(t, "upsert", o.First.Kind)
		assert.Equal(t, "upsert", o.Second.Kind)
	}

	dir := t.TempDir()
	require.NoError(t, inv.writeIDs(dir, ids))
	got, err := os.ReadFile(filepath.Join(dir, results.IDsFile))
	require.NoError(t, err)

	var want []results.KeyID
	for k := range uint64(n) {
		st := inv.keys.peek(k)
		id := strconv.FormatUint(st.id, 10)
		if st.is(ksIDHashed) {
			id = fmt.Sprintf("(non-numeric, hash %016x)", st.id)
		}
		b := uint64(k / 10)
		want = append(want, results.KeyID{ID: st.id, Hashed: st.is(ksIDHashed), Key: gen.Key(k),
			First: results.AnswerRef{Kind: "upsert", Batch: b, At: time.Duration(inv.batches.pages[0][b].sent) * time.Millisecond, Status: 200, ID: id}})
	}
	ref := t.TempDir()
	require.NoError(t, results.WriteIDs(ref, want))
	wantFile, err := os.ReadFile(filepath.Join(ref, results.IDsFile))
	require.NoError(t, err)
	assert.Equal(t, wantFile, got, "the streamed file is the reference's")

	back, err := results.ReadIDs(dir)
	require.NoError(t, err)
	assert.Len(t, back, n)
}

// TestTextArena: the strings an arena hands out keep their text while
// later ones are written (one longer than a block among them), a nil arena
// gives the same strings, and many short texts cost one block, not an
// allocation each.
func TestTextArena(t *testing.T) {
	long := strings.Repeat("x", textArenaBlock+10)
	var a textArena
	var got, want []string
	for i := range 20_000 {
		text := "ub-" + strconv.Itoa(i*7919)
		if i == 7_000 {
			text = long
		}
		want = append(want, text)
		got = append(got, a.keep(append(a.tail(), text...)))
	}
	assert.Equal(t, want, got)
	var none *textArena
	assert.Equal(t, "ub-42", none.keep(append(none.tail(), "ub-42"...)))
	assert.Empty(t, a.keep(a.tail()))

	var b textArena
	b.keep(append(b.tail(), "first"...))
	allocs := testing.AllocsPerRun(10, func() {
		for i := range 100 {
			b.keep(strconv.AppendUint(b.tail(), uint64(i)*1_000_003, 10))
		}
	})
	assert.LessOrEqual(t, allocs, 1.0, "a block serves many texts")
}

// BenchmarkFinishIDs measures the end of a run for 200,000 keys: what
// finish allocates (the sorted records it returns, held while ids.bin is
// written) and what writeIDs allocates per key (each record's unique value
// and answer, garbage as soon as it is written). The key table is not
// counted: it exists before the end of the run.
func BenchmarkFinishIDs(b *testing.B) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithKeyPrefix("ub-bench"))
	require.NoError(b, err)
	const keys = 200_000
	dir := b.TempDir()
	var finishB, writeB, writeAllocs float64
	for b.Loop() {
		inv := newInvariants(gen, true, 0)
		fillKeys(inv, keys, 48_000_000_000, 0, nil)
		var m0, m1, m2 runtime.MemStats
		runtime.ReadMemStats(&m0)
		ids := inv.finish()
		runtime.ReadMemStats(&m1)
		require.NoError(b, inv.writeIDs(dir, ids))
		runtime.ReadMemStats(&m2)
		finishB = float64(m1.TotalAlloc-m0.TotalAlloc) / keys
		writeB = float64(m2.TotalAlloc-m1.TotalAlloc) / keys
		writeAllocs = float64(m2.Mallocs-m1.Mallocs) / keys
	}
	b.ReportMetric(finishB, "finish-B/key")
	b.ReportMetric(writeB, "write-B/key")
	b.ReportMetric(writeAllocs, "write-allocs/key")
}

// BenchmarkWriteIDs is the end of a run's ids.bin alone: writeIDs for
// 50,000 keys a round (finish's sorted records made once): its cost per
// key (unique value, first answer, the writer's record), the file's
// creation and commit spread over many keys as in a run.
func BenchmarkWriteIDs(b *testing.B) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithKeyPrefix("ub-bench"))
	require.NoError(b, err)
	const keys = 50_000
	dir := b.TempDir()
	inv := newInvariants(gen, true, 0)
	fillKeys(inv, keys, 48_000_000_000, 0, nil)
	ids := inv.finish()
	b.ReportAllocs()
	for b.Loop() {
		require.NoError(b, inv.writeIDs(dir, ids))
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/keys, "ns/key")
}

// BenchmarkInvariantsSettle100 is the invariants' own part of a 100-result
// answer, after extraction (BenchmarkExtract100) and the batch's plan (the
// generator's): matching results to inputs, accounting, trace ids and the
// fold into the key state, on the answers BenchmarkAnswerWorker100 uses.
// Instructions: PKG=./load scripts/bench-ir.sh InvariantsSettle100.
func BenchmarkInvariantsSettle100(b *testing.B) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(b, err)
	const answers = 64
	bodies, codes := emulatorAnswers(b, gen, answers)
	facts := make([]answerFacts, answers)
	plans := make([]*batchPlan, answers)
	x := newExtractor(gen)
	var sc jsonscan.Scanner
	for k := range answers {
		require.Equal(b, http.StatusOK, codes[k])
		var f answerFacts
		require.NoError(b, x.extract(bodies[k], &sc, &f))
		facts[k] = answerFacts{results: slices.Clone(f.results), failed: slices.Clone(f.failed), unnamedErrors: f.unnamedErrors}
		plans[k] = planOf(gen, uint64(k))
	}
	inv := newInvariants(gen, true, 0)
	var w scratch
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % answers
		// Later rounds repeat the batches with later times, as in
		// BenchmarkAnswerWorker100.
		d := delivery{n: uint64(k), sent: time.Duration(i) * time.Millisecond, done: time.Duration(i)*time.Millisecond + 500*time.Microsecond, status: codes[k], plan: plans[k]}
		info := batchInfo{sent: msFloor(d.sent), done: msCeil(d.done), status: uint16(d.status)}
		w.facts = facts[k]
		inv.settle(d, info, &w, bodies[k], nil)
		i++
	}
}
