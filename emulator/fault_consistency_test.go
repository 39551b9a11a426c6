package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

// The consistency faults are held to a twin: two emulators with the same
// seed, clock and result order, one with the fault at P=1 and one
// without, get the same requests; their answers (and what the store keeps)
// must differ exactly where the fault says, and nowhere else.

// twin is a faulty emulator and a faithful one, driven in lockstep.
type twin struct {
	t             *testing.T
	faulty, exact *Emulator
	clock         *fakeClock
}

func newTwin(t *testing.T, spec string, opts ...Option) *twin {
	t.Helper()
	f, err := ParseFault(spec)
	require.NoError(t, err)
	clock := newFakeClock()
	base := append([]Option{WithClock(clock.Now), WithPreserveOrder(true), WithSeed(3)}, opts...)
	return &twin{t: t, clock: clock,
		faulty: New(append(base, WithFaults(f))...),
		exact:  New(base...)}
}

// serve answers one request through the handler, without a network.
func serve(t *testing.T, e *Emulator, method, path, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer any")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return rec.Code, b
}

// strictJSON decodes b into v refusing unknown members: the answer keeps
// the shape of the published schema's types.
func strictJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(v), "body: %s", b)
}

// upsert sends the same batch to both and decodes both answers.
func (tw *twin) upsert(v hubspot.Version, inputs ...hubspot.UpsertInput) (faulty, exact []hubspot.UpsertResult) {
	tw.t.Helper()
	body := mustJSON(tw.t, hubspot.BatchUpsertRequest{Inputs: inputs})
	var out [2]hubspot.BatchUpsertResponseWithErrors
	for i, e := range []*Emulator{tw.faulty, tw.exact} {
		status, b := serve(tw.t, e, http.MethodPost, v.UpsertPath(), body)
		require.Equal(tw.t, http.StatusOK, status, "body: %s", b)
		strictJSON(tw.t, b, &out[i])
		require.Len(tw.t, out[i].Results, len(inputs))
	}
	return out[0].Results, out[1].Results
}

// read reads the unique values back from both, by batch read.
func (tw *twin) read(v hubspot.Version, ids ...string) (faulty, exact []hubspot.SimplePublicObject) {
	tw.t.Helper()
	req := hubspot.BatchReadRequest{IDProperty: hubspot.DefaultIDProperty, Properties: []string{hubspot.PropTaskSubject}}
	for _, id := range ids {
		req.Inputs = append(req.Inputs, hubspot.ObjectID{ID: id})
	}
	body := mustJSON(tw.t, req)
	var out [2]hubspot.BatchReadResponseWithErrors
	for i, e := range []*Emulator{tw.faulty, tw.exact} {
		status, b := serve(tw.t, e, http.MethodPost, v.ReadPath(), body)
		require.Equal(tw.t, http.StatusOK, status, "body: %s", b)
		strictJSON(tw.t, b, &out[i])
		require.Len(tw.t, out[i].Results, len(ids))
	}
	return out[0].Results, out[1].Results
}

// get reads one record by id from both.
func (tw *twin) get(v hubspot.Version, id string) (faulty, exact hubspot.SimplePublicObject) {
	tw.t.Helper()
	var out [2]hubspot.SimplePublicObject
	for i, e := range []*Emulator{tw.faulty, tw.exact} {
		status, b := serve(tw.t, e, http.MethodGet, v.ObjectPath(id)+"?properties="+hubspot.PropTaskSubject, "")
		require.Equal(tw.t, http.StatusOK, status, "body: %s", b)
		strictJSON(tw.t, b, &out[i])
	}
	return out[0], out[1]
}

// differing lists the positions where got and want differ.
func differing[T any](t *testing.T, got, want []T) []int {
	t.Helper()
	require.Len(t, got, len(want))
	var at []int
	for i := range got {
		if !assert.ObjectsAreEqual(got[i], want[i]) {
			at = append(at, i)
		}
	}
	return at
}

// tasks are n inputs with unique values prefix-0.., subject set to subject.
func tasks(prefix string, n int, subject string) []hubspot.UpsertInput {
	ins := make([]hubspot.UpsertInput, n)
	for i := range ins {
		ins[i] = task(fmt.Sprintf("%s-%d", prefix, i), hubspot.PropTaskSubject, fmt.Sprintf("%s #%d", subject, i))
	}
	return ins
}

// instant is a timestamp in epoch milliseconds.
func instant(t *testing.T, ts hubspot.Timestamp) int64 {
	t.Helper()
	ms, ok := hubspot.ParseInstant([]byte(ts))
	require.True(t, ok, "timestamp %q", ts)
	return ms
}

func objectIDs(ids []string) []hubspot.ObjectID {
	out := make([]hubspot.ObjectID, len(ids))
	for i, id := range ids {
		out[i] = hubspot.ObjectID{ID: id}
	}
	return out
}

func inputIDs(ins []hubspot.UpsertInput) []string {
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	return ids
}

// flip-new: one result of each upsert answer says new the wrong way round;
// nothing else in the answer, and nothing in the store, changes.
func TestFaultFlipNew(t *testing.T) {
	for _, v := range hubspot.Versions {
		t.Run(string(v), func(t *testing.T) {
			tw := newTwin(t, "flip-new=1")
			ins := tasks("flip", 5, "Call")
			for round, wantNew := range []bool{true, false} { // creates, then updates
				tw.clock.Advance(time.Second)
				got, want := tw.upsert(v, ins...)
				at := differing(t, got, want)
				require.Len(t, at, 1, "exactly one result is faulty (round %d)", round)
				i := at[0]
				assert.Equal(t, wantNew, want[i].New)
				assert.Equal(t, !wantNew, got[i].New, "its new flag is flipped")
				got[i].New = want[i].New
				assert.Equal(t, want[i], got[i], "and nothing else changed")
			}
			assert.Equal(t, uint64(2), tw.faulty.Stats().Faults)
			assert.Equal(t, uint64(5), tw.faulty.Stats().Created, "the store created what it created")
			got, want := tw.read(v, inputIDs(ins)...)
			assert.Empty(t, differing(t, got, want), "the store is untouched")
		})
	}
}

// drift-id: one result of each upsert answer names another record's id
// (the next one) in id, hs_object_id and url; the store keeps the right
// id, so reads and GET by the right id answer it.
func TestFaultDriftID(t *testing.T) {
	for _, v := range hubspot.Versions {
		t.Run(string(v), func(t *testing.T) {
			tw := newTwin(t, "drift-id=1")
			ins := tasks("drift", 5, "Email")
			for round := range 2 {
				tw.clock.Advance(time.Second)
				got, want := tw.upsert(v, ins...)
				at := differing(t, got, want)
				require.Len(t, at, 1, "exactly one result is faulty (round %d)", round)
				i := at[0]
				var id uint64
				_, err := fmt.Sscan(want[i].ID, &id)
				require.NoError(t, err)
				drifted := fmt.Sprint(id + 1)
				assert.Equal(t, drifted, got[i].ID)
				assert.Equal(t, drifted, got[i].Properties[hubspot.PropObjectID])
				assert.Equal(t, hubspot.ObjectURL(DefaultPortalID, drifted), got[i].URL)
				got[i].ID, got[i].URL = want[i].ID, want[i].URL
				got[i].Properties[hubspot.PropObjectID] = want[i].ID
				assert.Equal(t, want[i], got[i], "and nothing else changed")
			}
			assert.Equal(t, uint64(2), tw.faulty.Stats().Faults)
			got, want := tw.read(v, inputIDs(ins)...)
			assert.Empty(t, differing(t, got, want), "the store keeps the right ids")
			for _, o := range want {
				g, w := tw.get(v, o.ID)
				assert.Equal(t, w, g)
			}
		})
	}
}

// stale-read: an upsert keeps the version one record had before it; the
// next read of that record, batch read or GET, answers that version once.
// Creates keep nothing (there is no earlier version), and a kept version
// is freed when it is answered or the record is archived.
func TestFaultStaleRead(t *testing.T) {
	for _, v := range hubspot.Versions {
		t.Run(string(v), func(t *testing.T) {
			tw := newTwin(t, "stale-read=1")
			ins := tasks("stale", 5, "Meet")
			tw.upsert(v, ins...)
			assert.Zero(t, tw.faulty.store.staleKept.Load(), "a create has no earlier version")
			got, want := tw.read(v, inputIDs(ins)...)
			assert.Empty(t, differing(t, got, want))

			for _, read := range []string{"batch read", "GET"} {
				tw.clock.Advance(time.Second)
				before := want
				ackGot, ackWant := tw.upsert(v, tasks("stale", 5, "Meet again ("+read+")")...)
				assert.Equal(t, ackWant, ackGot, "the upsert answer is exact")
				assert.Equal(t, int64(1), tw.faulty.store.staleKept.Load())

				if read == "GET" {
					got, want = make([]hubspot.SimplePublicObject, 5), make([]hubspot.SimplePublicObject, 5)
					for i, o := range before {
						got[i], want[i] = tw.get(v, o.ID)
					}
				} else {
					got, want = tw.read(v, inputIDs(ins)...)
				}
				at := differing(t, got, want)
				require.Len(t, at, 1, "one record answers an older version")
				i := at[0]
				assert.Equal(t, before[i], got[i], "the version before the update: its values and updatedAt")
				assert.True(t, instant(t, got[i].UpdatedAt) < instant(t, ackWant[0].UpdatedAt))
				assert.Zero(t, tw.faulty.store.staleKept.Load(), "answered once, then freed")

				got, want = tw.read(v, inputIDs(ins)...)
				assert.Empty(t, differing(t, got, want), "the next read is current")
			}
			assert.Equal(t, uint64(2), tw.faulty.Stats().Faults, "counted when a read answers the kept version")

			tw.clock.Advance(time.Second)
			tw.upsert(v, ins...)
			require.Equal(t, int64(1), tw.faulty.store.staleKept.Load())
			for _, o := range want {
				status, b := serve(t, tw.faulty, http.MethodPost, v.ArchivePath(), `{"inputs":[{"id":"`+o.ID+`"}]}`)
				require.Equal(t, http.StatusNoContent, status, "body: %s", b)
			}
			assert.Zero(t, tw.faulty.store.staleKept.Load(), "archiving frees a kept version")
		})
	}
}

// stale-read keeps at most maxStale versions: memory stays flat whether or
// not reads come.
func TestFaultStaleReadBounded(t *testing.T) {
	tw := newTwin(t, "stale-read=1")
	tw.faulty.store.maxStale = 2
	ins := tasks("bound", 10, "Call")
	tw.upsert(hubspot.VersionV3, ins...)
	for range 5 {
		tw.clock.Advance(time.Second)
		tw.upsert(hubspot.VersionV3, ins...)
	}
	assert.Equal(t, int64(2), tw.faulty.store.staleKept.Load(), "no more than the bound")
	got, want := tw.read(hubspot.VersionV3, inputIDs(ins)...)
	assert.Len(t, differing(t, got, want), 2)
	assert.Zero(t, tw.faulty.store.staleKept.Load())
	assert.Equal(t, uint64(2), tw.faulty.Stats().Faults)
}

// lost-write: one update of an upsert is answered exactly as if it were
// applied (values echoed, a new updatedAt), but the store keeps the record
// as it was, for every later read.
func TestFaultLostWrite(t *testing.T) {
	for _, v := range hubspot.Versions {
		t.Run(string(v), func(t *testing.T) {
			tw := newTwin(t, "lost-write=1")
			ins := tasks("lost", 5, "Call")
			tw.upsert(v, ins...)
			assert.Zero(t, tw.faulty.Stats().Faults, "a create is never lost")
			before, _ := tw.read(v, inputIDs(ins)...)

			tw.clock.Advance(time.Second)
			got, want := tw.upsert(v, tasks("lost", 5, "Call back")...)
			assert.Equal(t, want, got, "the answer acknowledges every update as applied")
			assert.Equal(t, uint64(1), tw.faulty.Stats().Faults)
			assert.Equal(t, uint64(4), tw.faulty.Stats().Updated, "the store applied four updates")

			for range 2 {
				read, exact := tw.read(v, inputIDs(ins)...)
				at := differing(t, read, exact)
				require.Len(t, at, 1, "one acknowledged write is missing, on every read")
				assert.Equal(t, before[at[0]], read[at[0]], "the record as it was, updatedAt included")
			}

			status, b := serve(t, tw.faulty, http.MethodGet, PathMetrics, "")
			require.Equal(t, http.StatusOK, status)
			assert.Contains(t, string(b), `upsertbench_emulator_faults_total{kind="lost-write"} 1`)
		})
	}
}

// At P, about P of the upserts carry one faulty result, never two. The
// draws are a function of the seed and the request sequence, and requests
// here go one at a time, so the counts are fixed: the bounds (±3.5
// standard deviations around 1,000·P) document the rate, they cannot
// flake.
func TestConsistencyFaultRates(t *testing.T) {
	const (
		requests = 1000
		p        = 0.05
	)
	for _, kind := range []FaultKind{FaultFlipNew, FaultDriftID, FaultStaleRead, FaultLostWrite} {
		t.Run(string(kind), func(t *testing.T) {
			f, err := ParseFault(fmt.Sprintf("%s=%g", kind, p))
			require.NoError(t, err)
			emu := New(WithFaults(f), WithSeed(3))
			v := hubspot.VersionV3
			keys := tasks("rate", 20, "Call")
			ids := map[string]string{}
			status, b := serve(t, emu, http.MethodPost, v.UpsertPath(), mustJSON(t, hubspot.BatchUpsertRequest{Inputs: keys}))
			require.Equal(t, http.StatusOK, status)
			var created hubspot.BatchUpsertResponse
			strictJSON(t, b, &created)
			// The store's ids, by a read (the create's answer may be faulty).
			status, b = serve(t, emu, http.MethodPost, v.ReadPath(), mustJSON(t, hubspot.BatchReadRequest{
				IDProperty: hubspot.DefaultIDProperty, Properties: []string{hubspot.DefaultIDProperty}, Inputs: objectIDs(inputIDs(keys))}))
			require.Equal(t, http.StatusOK, status)
			var stored hubspot.BatchReadResponse
			strictJSON(t, b, &stored)
			for _, r := range stored.Results {
				ids[r.Properties[hubspot.DefaultIDProperty]] = r.ID
			}
			require.Len(t, ids, 20)
			seen := 0 // faulty results the answers show
			for _, r := range created.Results {
				if !r.New || r.ID != ids[r.Properties[hubspot.DefaultIDProperty]] {
					seen++
				}
			}

			for n := range requests {
				batch := []hubspot.UpsertInput{keys[n%20], keys[(n+7)%20]}
				status, b := serve(t, emu, http.MethodPost, v.UpsertPath(), mustJSON(t, hubspot.BatchUpsertRequest{Inputs: batch}))
				require.Equal(t, http.StatusOK, status)
				var out hubspot.BatchUpsertResponse
				strictJSON(t, b, &out)
				wrong := 0
				for _, r := range out.Results {
					if (kind == FaultFlipNew && r.New) || (kind == FaultDriftID && r.ID != ids[r.Properties[hubspot.DefaultIDProperty]]) {
						wrong++
					}
				}
				if kind == FaultStaleRead {
					rs, rb := serve(t, emu, http.MethodPost, v.ReadPath(), mustJSON(t, hubspot.BatchReadRequest{
						IDProperty: hubspot.DefaultIDProperty, Inputs: []hubspot.ObjectID{{ID: batch[0].ID}, {ID: batch[1].ID}}}))
					require.Equal(t, http.StatusOK, rs)
					var read hubspot.BatchReadResponse
					strictJSON(t, rb, &read)
					for _, r := range read.Results {
						for _, u := range out.Results {
							if u.ID == r.ID && r.UpdatedAt != u.UpdatedAt {
								wrong++
							}
						}
					}
				}
				assert.LessOrEqual(t, wrong, 1, "never more than one faulty result per answer")
				seen += wrong
			}
			got := emu.Stats().Faults
			t.Logf("%s=%g: %d faults in %d upserts", kind, p, got, requests)
			assert.InDelta(t, requests*p, float64(got), 25, "about P of the upserts") // sd √(1000·0.05·0.95) ≈ 6.9
			if kind != FaultLostWrite {                                               // a lost write shows only on reads
				assert.Equal(t, int(got), seen, "every counted fault is in an answer")
			}
		})
	}
}

// Off, or at P=0, the consistency faults change nothing: the same requests
// get byte-identical answers from an emulator without them.
func TestConsistencyFaultsAtZeroChangeNothing(t *testing.T) {
	clock := newFakeClock()
	base := []Option{WithClock(clock.Now), WithPreserveOrder(true), WithSeed(5)}
	var faults []Option
	for _, spec := range []string{"flip-new=0", "drift-id=0", "stale-read=0", "lost-write=0"} {
		f, err := ParseFault(spec)
		require.NoError(t, err)
		faults = append(faults, WithFaults(f))
	}
	off, zero := New(base...), New(append(base, faults...)...)
	for round := range 20 {
		clock.Advance(time.Second)
		for _, v := range hubspot.Versions {
			ins := tasks("zero-"+string(v), 10, fmt.Sprintf("Round %d", round))
			reqs := []struct{ method, path, body string }{
				{http.MethodPost, v.UpsertPath(), mustJSON(t, hubspot.BatchUpsertRequest{Inputs: ins})},
				{http.MethodPost, v.ReadPath(), mustJSON(t, hubspot.BatchReadRequest{IDProperty: hubspot.DefaultIDProperty, Inputs: []hubspot.ObjectID{{ID: ins[0].ID}, {ID: ins[3].ID}}})},
				{http.MethodGet, v.ObjectPath(fmt.Sprint(FirstObjectID)), ""},
			}
			for _, r := range reqs {
				s1, b1 := serve(t, off, r.method, r.path, r.body)
				s2, b2 := serve(t, zero, r.method, r.path, r.body)
				require.Equal(t, http.StatusOK, s1, "body: %s", b1)
				assert.Equal(t, s1, s2)
				assert.Equal(t, string(b1), string(b2))
			}
		}
	}
	assert.Zero(t, zero.Stats().Faults)
	assert.Equal(t, off.Stats(), zero.Stats())
}

// The consistency faults parse like the others, take no parameters, and
// render back to their spec.
func TestParseConsistencyFaults(t *testing.T) {
	for _, kind := range []FaultKind{FaultFlipNew, FaultDriftID, FaultStaleRead, FaultLostWrite} {
		t.Run(string(kind), func(t *testing.T) {
			f, err := ParseFault(string(kind) + "=0.001")
			require.NoError(t, err)
			assert.Equal(t, Fault{Kind: kind, Probability: 0.001}, f)
			assert.Equal(t, string(kind)+"=0.001", f.String())
			_, err = ParseFault(string(kind) + "=0.001,delay=2s")
			assert.ErrorContains(t, err, "does not apply to "+string(kind))
			_, err = ParseFault(string(kind) + "=2")
			assert.ErrorContains(t, err, "probability must be a number from 0 to 1")
		})
	}
	_, err := ParseFault("flip=0.1")
	assert.ErrorContains(t, err, "(valid: 5xx, 429, 423, reset, slow, hang, flip-new, drift-id, stale-read, lost-write)")
}

// Concurrent upserts, reads and archives with every consistency fault on:
// no race (go test -race), every answer well-formed, and once every record
// has been read, no kept version is left.
func TestConsistencyFaultsConcurrent(t *testing.T) {
	var opts []Option
	for _, spec := range []string{"flip-new=0.1", "drift-id=0.1", "stale-read=0.2", "lost-write=0.1"} {
		f, err := ParseFault(spec)
		require.NoError(t, err)
		opts = append(opts, WithFaults(f))
	}
	emu := New(append(opts, WithSeed(8))...)
	keys := tasks("conc", 40, "Call")
	done := make(chan struct{})
	for w := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			v := hubspot.Versions[w%2]
			for n := range 60 {
				batch := []hubspot.UpsertInput{keys[(n+w)%40], keys[(n*3+w)%40], keys[(n*7+w+1)%40]}
				if batch[0].ID == batch[1].ID || batch[1].ID == batch[2].ID || batch[0].ID == batch[2].ID {
					batch = batch[:1]
				}
				status, b := serve(t, emu, http.MethodPost, v.UpsertPath(), mustJSON(t, hubspot.BatchUpsertRequest{Inputs: batch}))
				assert.Equal(t, http.StatusOK, status, "body: %s", b)
				var out hubspot.BatchUpsertResponse
				strictJSON(t, b, &out)
				status, b = serve(t, emu, http.MethodPost, v.ReadPath(), mustJSON(t, hubspot.BatchReadRequest{
					IDProperty: hubspot.DefaultIDProperty, Inputs: objectIDs(inputIDs(batch[:1]))}))
				assert.Contains(t, []int{http.StatusOK, http.StatusMultiStatus}, status, "body: %s", b)
				if n%20 == 19 && len(out.Results) > 0 {
					serve(t, emu, http.MethodPost, v.ArchivePath(), `{"inputs":[{"id":"`+out.Results[0].ID+`"}]}`)
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	status, _ := serve(t, emu, http.MethodPost, hubspot.VersionV3.ReadPath(), mustJSON(t, hubspot.BatchReadRequest{
		IDProperty: hubspot.DefaultIDProperty, Inputs: objectIDs(inputIDs(keys))}))
	assert.Contains(t, []int{http.StatusOK, http.StatusMultiStatus}, status)
	assert.Zero(t, emu.store.staleKept.Load(), "every kept version was answered or dropped")
	assert.Positive(t, emu.Stats().Faults)
}
