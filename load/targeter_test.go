package load

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

func newTestTargeter(t testing.TB, opts ...generators.Option) (*Targeter, *generators.Generator) {
	t.Helper()
	gen, err := generators.New(append([]generators.Option{generators.WithSeed(7), generators.WithBatchSize(20)}, opts...)...)
	require.NoError(t, err)
	tg, err := NewTargeter(gen, "http://127.0.0.1:9/", "secret", 7)
	require.NoError(t, err)
	return tg, gen
}

func TestTargeterConcurrentUse(t *testing.T) {
	// Many goroutines build targets at once (run with -race): every batch
	// number is handed out once, and batch n is exactly the generator's n,
	// body and plan (the plan the invariants check its answer with), while
	// buffers and plans go round the free lists.
	tg, gen := newTestTargeter(t, generators.WithUpdateShare(0.5), generators.WithInvalidShare(0.1))
	const workers, each = 8, 50
	var mu sync.Mutex
	bodies := map[uint64][]byte{}
	plans := map[uint64][]generators.Planned{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var tgt vegeta.Target
				require.NoError(t, tg.Target(&tgt))
				n, ok := batchNumber(tgt.Header)
				require.True(t, ok)
				req, err := tgt.Request()
				require.NoError(t, err)
				assert.Equal(t, http.MethodPost, req.Method)
				assert.Equal(t, "Bearer secret", req.Header.Get("Authorization"))
				assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
				bb := tg.take(n)
				pl := tg.takePlan(bb, n)
				mu.Lock()
				_, dup := bodies[n]
				bodies[n] = append([]byte(nil), tgt.Body...)
				plans[n] = slices.Clone(pl.p)
				mu.Unlock()
				assert.False(t, dup, "batch %d handed out twice", n)
				tg.recycle(bb)
				tg.recyclePlan(pl)
			}
		}()
	}
	wg.Wait()
	require.Len(t, bodies, workers*each)
	assert.Equal(t, uint64(workers*each), tg.Built())
	for n, b := range bodies {
		assert.Equal(t, string(gen.AppendBatch(nil, n)), string(b), "batch %d", n)
		assert.Equal(t, gen.PlanBatch(nil, n), plans[n], "plan of batch %d", n)
	}
	// A batch whose buffer is gone is planned again.
	assert.Equal(t, gen.PlanBatch(nil, 12345), tg.takePlan(nil, 12345).p)
	assert.Equal(t, "http://127.0.0.1:9"+hubspot.VersionV3.UpsertPath(), tg.URL())
	assert.Equal(t, uint64(7), tg.Seed())
}

func TestTargeterShardsAreDisjoint(t *testing.T) {
	// Two shards of one seed never create the same key.
	keys := func(index int) map[string]bool {
		tg, _ := newTestTargeter(t, generators.WithShard(index, 2), generators.WithUpdateShare(0))
		ks := map[string]bool{}
		for range 30 {
			var tgt vegeta.Target
			require.NoError(t, tg.Target(&tgt))
			var req hubspot.BatchUpsertRequest
			require.NoError(t, json.Unmarshal(tgt.Body, &req))
			for _, in := range req.Inputs {
				ks[in.ID] = true
			}
		}
		return ks
	}
	a, b := keys(1), keys(2)
	require.Len(t, a, 600)
	require.Len(t, b, 600)
	for k := range a {
		assert.False(t, b[k], "key %s in both shards", k)
	}
}

func TestTargeterErrors(t *testing.T) {
	gen, err := generators.New()
	require.NoError(t, err)
	_, err = NewTargeter(nil, "http://127.0.0.1", "", 1)
	assert.Error(t, err)
	_, err = NewTargeter(gen, "127.0.0.1:80", "", 1)
	assert.Error(t, err)
	tg, err := NewTargeter(gen, "http://127.0.0.1", "", 1)
	require.NoError(t, err)
	assert.ErrorIs(t, tg.Target(nil), vegeta.ErrNilTarget)
	var tgt vegeta.Target
	require.NoError(t, tg.Target(&tgt))
	assert.Empty(t, tgt.Header.Get("Authorization"), "no token, no header")
	_, ok := batchNumber(http.Header{headerBatch: {"x"}})
	assert.False(t, ok)
	n, ok := batchNumber(http.Header{headerBatch: {strconv.Itoa(3)}})
	assert.True(t, ok)
	assert.Equal(t, uint64(3), n)
}

func BenchmarkTargeter(b *testing.B) {
	// A 100-input batch per target, buffers recycled as the transport does.
	gen, err := generators.New(generators.WithSeed(1))
	require.NoError(b, err)
	tg, err := NewTargeter(gen, "http://127.0.0.1:9", "secret", 1)
	require.NoError(b, err)
	b.ReportAllocs()
	var bytes int
	for b.Loop() {
		var tgt vegeta.Target
		_ = tg.Target(&tgt)
		bytes += len(tgt.Body)
		n, _ := batchNumber(tgt.Header)
		tg.recycle(tg.take(n))
	}
	b.ReportMetric(float64(bytes)/float64(b.N), "body-bytes/op")
}
