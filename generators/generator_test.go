package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
)

func mustNew(t testing.TB, opts ...Option) *Generator {
	t.Helper()
	g, err := New(opts...)
	require.NoError(t, err)
	return g
}

func decode(t testing.TB, body []byte) hubspot.BatchUpsertRequest {
	t.Helper()
	var req hubspot.BatchUpsertRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&req), "body must be valid JSON of the request shape")
	require.False(t, dec.More(), "no trailing data")
	return req
}

func TestAppendBatchMatchesBatch(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"defaults", nil},
		{"small with updates", []Option{WithBatchSize(7), WithUpdateShare(0.5)}},
		{"trace ids and invalid", []Option{WithTraceIDs(true), WithInvalidShare(0.2), WithUpdateShare(0.3)}},
		{"all invalid kinds", []Option{WithInvalidShare(1), WithTraceIDs(true), WithBatchSize(40)}},
		{"odd id property and prefix", []Option{WithIDProperty(`ext "id" \ ü`), WithKeyPrefix("run\t\"7\"—ä")}},
		{"sharded", []Option{WithShard(3, 4), WithUpdateShare(0.9), WithTraceIDs(true)}},
		{"keyspace", []Option{WithBatchSize(10), WithKeyspace(25), WithUpdateShare(0.1)}},
		{"2026-03", []Option{WithVersion(hubspot.Version202603), WithSeed(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.opts...)
			for n := uint64(0); n < 3; n++ {
				body := g.AppendBatch(nil, n)
				assert.Equal(t, g.Batch(n), decode(t, body), "batch %d", n)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	opts := []Option{WithSeed(42), WithUpdateShare(0.3), WithTraceIDs(true), WithInvalidShare(0.05)}
	a, b := mustNew(t, opts...), mustNew(t, opts...)
	other := mustNew(t, WithSeed(43), WithUpdateShare(0.3), WithTraceIDs(true), WithInvalidShare(0.05))
	for _, n := range []uint64{0, 1, 2, 17, 1 << 40} {
		x := a.AppendBatch(nil, n)
		assert.Equal(t, x, a.AppendBatch(nil, n), "same generator, batch %d", n)
		assert.Equal(t, x, b.AppendBatch(nil, n), "same options, batch %d", n)
		assert.NotEqual(t, x, other.AppendBatch(nil, n), "another seed, batch %d", n)
	}
	assert.NotEqual(t, a.AppendBatch(nil, 5), a.AppendBatch(nil, 6))
}

func TestConcurrentUse(t *testing.T) {
	g := mustNew(t, WithUpdateShare(0.4), WithTraceIDs(true), WithInvalidShare(0.1))
	want := make([][]byte, 12)
	wantBatch := make([]hubspot.BatchUpsertRequest, len(want))
	for n := range want {
		want[n] = g.AppendBatch(nil, uint64(n))
		wantBatch[n] = g.Batch(uint64(n))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(want))
	for w := 0; w < 8; w++ {
		wg.Go(func() {
			var buf []byte
			for i := range want {
				n := (i + w*5) % len(want)
				buf = g.AppendBatch(buf[:0], uint64(n))
				if !bytes.Equal(buf, want[n]) {
					errs <- fmt.Sprintf("worker %d batch %d differs", w, n)
				}
				if i == w { // the struct path too, but once: it is the slow one
					if !reflect.DeepEqual(g.Batch(uint64(n)), wantBatch[n]) {
						errs <- fmt.Sprintf("worker %d Batch(%d) differs", w, n)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestGoldenBatch pins the exact bytes of a small seeded batch: any change to
// pools, templates, weights or the encoder shows up here as a diff to review
// (go test ./generators -update rewrites it).
func TestGoldenBatch(t *testing.T) {
	g := mustNew(t, WithSeed(7), WithBatchSize(5), WithUpdateShare(0.4), WithTraceIDs(true), WithInvalidShare(0.2),
		WithInvalidKinds(InvalidEnum, InvalidTimestamp, InvalidUnknownProperty, InvalidReadOnlyProperty))
	var out bytes.Buffer
	for n := uint64(0); n < 3; n++ {
		fmt.Fprintf(&out, "# batch %d\n", n)
		require.NoError(t, json.Indent(&out, g.AppendBatch(nil, n), "", "  "))
		out.WriteByte('\n')
	}
	golden.Equal(t, filepath.Join("testdata", "batch_seed7.golden"), out.Bytes())
}

// TestFastPathMatchesGeneralPath holds the precomputed fast path to the
// general renderer, input by input, over options that change every
// precomputed piece.
func TestFastPathMatchesGeneralPath(t *testing.T) {
	for _, opts := range [][]Option{
		nil,
		{WithTraceIDs(true), WithUpdateShare(0.5), WithShard(2, 3)},
		{WithIDProperty(`we"ird\key`), WithKeyPrefix("ü-\n"), WithOwnerIDs("1", "22"), WithQueueIDs("5", "66", "777")},
		{WithQueueIDs("9"), WithBatchSize(33), WithSeed(0)},
	} {
		g := mustNew(t, opts...)
		for n := uint64(0); n < 5; n++ {
			var b batch
			var in input
			g.start(n, &b)
			for i := 0; i < g.BatchSize(); i++ {
				g.next(&b, i, &in)
				require.Equal(t, string(g.appendInput(nil, n, i, &in)), string(g.appendInputFast(nil, &b, i, &in)), "batch %d input %d", n, i)
			}
		}
	}
}

// FuzzAppendBatch checks, for arbitrary options and batch numbers, that the
// body is valid JSON that decodes to exactly Batch(n).
func FuzzAppendBatch(f *testing.F) {
	f.Add(uint64(1), uint8(100), uint16(300), uint16(10), uint64(0), "ub", "external_task_id", true)
	f.Add(uint64(0), uint8(1), uint16(1000), uint16(0), uint64(1<<50), "x\"y", "k\\", false)
	f.Add(uint64(99), uint8(17), uint16(999), uint16(1000), uint64(12345), "日本\x01", "\xff", true)
	f.Fuzz(func(t *testing.T, seed uint64, size uint8, updates, invalid uint16, n uint64, prefix, idProp string, trace bool) {
		size = size%100 + 1
		if prefix == "" || idProp == "" || len(prefix) > 200 {
			t.Skip()
		}
		g, err := New(WithSeed(seed), WithBatchSize(int(size)), WithUpdateShare(float64(updates%1001)/1000),
			WithInvalidShare(float64(invalid%1001)/1000), WithKeyPrefix(prefix), WithIDProperty(idProp), WithTraceIDs(trace),
			WithInvalidKinds(InvalidEnum, InvalidTimestamp, InvalidUnknownProperty, InvalidReadOnlyProperty))
		if err != nil {
			t.Skip(err)
		}
		body := g.AppendBatch([]byte("x"), n)[1:]
		require.True(t, json.Valid(body), "%q", body)
		var got hubspot.BatchUpsertRequest
		require.NoError(t, json.Unmarshal(body, &got))
		want := g.Batch(n)
		if !utf8.ValidString(prefix) || !utf8.ValidString(idProp) {
			// Invalid UTF-8 comes back as U+FFFD; compare through a JSON round trip.
			raw, err := json.Marshal(want)
			require.NoError(t, err)
			want = hubspot.BatchUpsertRequest{}
			require.NoError(t, json.Unmarshal(raw, &want))
		}
		require.Equal(t, want, got)
	})
}
