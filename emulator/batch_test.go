package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
)

// generatedBodies are n batches of size inputs from the generator: creates
// and updates of keys earlier batches created, with or without trace ids,
// some inputs invalid (207 with trace ids, a whole-batch 400 without).
func generatedBodies(t testing.TB, seed uint64, n, size int, traceIDs bool, invalid float64) [][]byte {
	t.Helper()
	g, err := generators.New(generators.WithSeed(seed), generators.WithBatchSize(size),
		generators.WithUpdateShare(0.5), generators.WithTraceIDs(traceIDs), generators.WithInvalidShare(invalid))
	require.NoError(t, err)
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = g.AppendBatch(nil, uint64(i))
	}
	return bodies
}

// TestUpsertBatchMatchesOneByOne serves the same requests to an emulator
// that writes each upsert with store.upsertBatch and to one that writes
// input by input with store.upsert (the path upsertBatch replaced), on the
// same clock and seed: every answer (status, body, correlation id) and the
// records they leave must be the same, byte for byte.
func TestUpsertBatchMatchesOneByOne(t *testing.T) {
	tests := []struct {
		name     string
		traceIDs bool
		invalid  float64
		opts     []Option
	}{
		{name: "valid", traceIDs: true},
		{name: "some invalid, 207", traceIDs: true, invalid: 0.05},
		{name: "some invalid, no trace ids, 400", invalid: 0.02},
		{name: "system write delay and search lag", traceIDs: true,
			opts: []Option{WithSystemWriteDelay(2 * time.Millisecond), WithSearchLag(3 * time.Millisecond)}},
		{name: "consistency faults", traceIDs: true,
			opts: []Option{WithFaults(Fault{Kind: FaultLostWrite, Probability: 0.2}, Fault{Kind: FaultStaleRead, Probability: 0.2},
				Fault{Kind: FaultDriftID, Probability: 0.1}, Fault{Kind: FaultFlipNew, Probability: 0.1})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var now time.Time // both emulators read the same clock, set per request
			clock := func() time.Time { return now }
			opts := append([]Option{WithToken(testToken), WithSeed(9), WithClock(clock)}, tt.opts...)
			batch, single := New(opts...), New(opts...)
			single.oneByOne = true
			defer batch.Close()
			defer single.Close()

			statuses := map[int]int{}
			bodies := generatedBodies(t, 11, 60, 100, tt.traceIDs, tt.invalid)
			bodies = append(bodies, bodies[:20]...) // the same batches again: all updates
			for i, body := range bodies {
				now = time.UnixMilli(1_790_000_000_000 + int64(i/3)) // several requests per millisecond
				a, b := serveOnce(batch, body), serveOnce(single, body)
				require.Equal(t, b.status, a.status, "request %d", i)
				require.Equal(t, b.body.String(), a.body.String(), "request %d", i)
				require.Equal(t, b.h.Get(hubspot.HeaderCorrelationID), a.h.Get(hubspot.HeaderCorrelationID))
				statuses[a.status]++
			}
			assert.Equal(t, single.Stats(), batch.Stats())
			// What the writes left: every record, read back by id.
			for id := FirstObjectID; id < FirstObjectID+batch.Stats().Created+2; id++ {
				var x, y []byte
				assert.Equal(t, string(single.store.getByID(id, &y).data), string(batch.store.getByID(id, &x).data), "record %d", id)
			}
			t.Logf("statuses: %v, faults: %d", statuses, batch.Stats().Faults)
			if len(tt.opts) > 0 && tt.name == "consistency faults" {
				assert.Positive(t, batch.Stats().Faults, "the faults must have applied")
			}
			if tt.invalid == 0 {
				assert.Equal(t, len(bodies), statuses[http.StatusOK])
			} else {
				assert.Less(t, statuses[http.StatusOK], len(bodies), "some batches must carry invalid inputs")
			}
		})
	}
}

// serveOnce answers one upsert of body through the handler.
func serveOnce(e *Emulator, body []byte) *captureWriter {
	w := &captureWriter{discardWriter: discardWriter{h: http.Header{}}}
	e.ServeHTTP(w, newBenchRequest(hubspot.VersionV3.UpsertPath(), body))
	return w
}

// TestUpsertBatchConcurrent runs overlapping batches from several
// goroutines at once (run it with -race): upsertBatch holds many shard
// locks at a time, so this is where a lock-order mistake would deadlock,
// and two batches writing one key must still create it once.
func TestUpsertBatchConcurrent(t *testing.T) {
	emu := New(WithToken(testToken), WithSeed(5))
	defer emu.Close()
	bodies := generatedBodies(t, 21, 40, 100, true, 0)
	const workers = 4
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range bodies { // each worker in its own order, so batches overlap
				body := bodies[(i*7+w*13)%len(bodies)]
				got := serveOnce(emu, body)
				// 207: an update may overtake the create it follows and
				// lack hs_timestamp.
				if got.status != http.StatusOK && got.status != http.StatusMultiStatus {
					errs <- fmt.Errorf("worker %d batch %d: status %d: %s", w, i, got.status, got.body.Bytes())
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("batches still running after 2 minutes: a deadlock")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every distinct unique value is one record, however the batches raced.
	keys := map[string]bool{}
	for _, body := range bodies {
		for _, m := range idsOf(t, body) {
			keys[m] = true
		}
	}
	st := emu.Stats()
	assert.Equal(t, int64(len(keys)), st.Records)
	assert.Equal(t, uint64(len(keys)), st.Created)
	assert.Equal(t, uint64(workers*len(bodies)*100), st.Created+st.Updated+st.InputErrors)
}

// idsOf lists the ids of a batch's inputs, read with encoding/json.
func idsOf(t *testing.T, body []byte) []string {
	t.Helper()
	var b struct {
		Inputs []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	require.NoError(t, json.Unmarshal(body, &b))
	ids := make([]string, len(b.Inputs))
	for i, in := range b.Inputs {
		ids[i] = in.ID
	}
	return ids
}

// BenchmarkStoreBatch writes 100-input batches of updates and creates
// into a store that already holds a million records (the state of an
// in-process load run after ~20 s at 1,000 batches/s, where the store no
// longer fits the cache), with upsertBatch and, in the same run, input by
// input with upsert. cpu-us/op is per batch of 100.
func BenchmarkStoreBatch(b *testing.B) {
	const records, size = 1_000_000, 100
	s := newStore(1)
	props := []packedProp{{idx: 3, raw: []byte("some subject")}, {idx: 5, raw: []byte("2026-11-30T21:00:00Z")}}
	key := func(n uint64) []byte { return fmt.Appendf(nil, "key-%016x", n*0x9e3779b97f4a7c15) }
	for n := range uint64(records) {
		s.upsert(0, key(n), props, nil, 1)
	}
	// Each mode gets batches of its own, so that both create new records
	// (run at most 512 iterations: later ones repeat the batches, whose
	// creates are then updates).
	batchesFor := func(mode uint64) [][]batchWrite {
		batches := make([][]batchWrite, 512)
		next := uint64(records) + mode<<32
		for i := range batches {
			for j := range size {
				n := uint64(i*7919+j*104729) % records // an update of a record anywhere
				if j%2 == 1 {
					n, next = next, next+1 // a create
				}
				batches[i] = append(batches[i], batchWrite{slot: 0, value: key(n), input: props})
			}
		}
		return batches
	}
	var res []writeResult
	for m, mode := range []string{"batch", "one-by-one"} {
		batches := batchesFor(uint64(m))
		b.Run(mode, func(b *testing.B) {
			c0 := cpuclock.Now()
			for i := range b.N {
				ws := batches[i%len(batches)]
				res = res[:0]
				if mode == "batch" {
					res = s.upsertBatch(ws, int64(i), res)
				} else {
					for _, w := range ws {
						res = append(res, s.upsert(w.slot, w.value, w.input, w.defaults, int64(i)))
					}
				}
			}
			b.ReportMetric(float64((cpuclock.Now()-c0).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
}
