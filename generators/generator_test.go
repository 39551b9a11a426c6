package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
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
	for n := range want {
		want[n] = g.AppendBatch(nil, uint64(n))
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
					_ = g.Batch(uint64(n))
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
	golden(t, "batch_seed7.golden", out.Bytes())
}
