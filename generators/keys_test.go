package generators

import (
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyspaceStream replays a stream in order and checks the promises of
// the keyspace scheme for many shapes: no duplicate ids in a batch, creates
// are fresh, updates hit keys that an early enough batch created, the update
// share is what was asked for, and the keyspace cap holds.
func TestKeyspaceStream(t *testing.T) {
	tests := []struct {
		size     int
		updates  float64
		lag      uint64
		keyspace uint64
		batches  uint64
	}{
		{100, 0, 0, 0, 30},
		{100, 0.3, 0, 0, 30},
		{100, 1, 0, 0, 30},
		{1, 0.3, 0, 0, 300},
		{7, 0.55, 3, 0, 200},
		{100, 0.5, 8, 0, 40},
		{10, 0.2, 0, 35, 60},
		{100, 0.1, 2, 350, 20},
		{10, 0.5, 4, 50, 40},
		{3, 0.999, 0, 0, 100},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("size=%d,updates=%v,lag=%d,keyspace=%d", tt.size, tt.updates, tt.lag, tt.keyspace)
		t.Run(name, func(t *testing.T) {
			g := mustNew(t, WithBatchSize(tt.size), WithUpdateShare(tt.updates), WithUpdateLag(tt.lag), WithKeyspace(tt.keyspace))
			createdBy := map[uint64]uint64{} // key → batch that created it
			var updates, inputs int
			for n := uint64(0); n < tt.batches; n++ {
				seen := map[string]bool{}
				for _, in := range g.Describe(n) {
					require.False(t, seen[in.Key], "batch %d repeats id %s", n, in.Key)
					seen[in.Key] = true
					require.Equal(t, g.Key(in.KeyIndex), in.Key)
					inputs++
					if !in.Update {
						_, dup := createdBy[in.KeyIndex]
						require.False(t, dup, "batch %d creates key %d again", n, in.KeyIndex)
						createdBy[in.KeyIndex] = n
						continue
					}
					updates++
					m, ok := createdBy[in.KeyIndex]
					require.True(t, ok, "batch %d updates key %d nobody created", n, in.KeyIndex)
					require.Greater(t, n, tt.lag, "batches 0..lag are all creates")
					require.Less(t, m, n-tt.lag, "batch %d updates a key of batch %d, within the lag", n, m)
				}
			}
			if tt.keyspace > 0 {
				assert.LessOrEqual(t, uint64(len(createdBy)), tt.keyspace)
				return
			}
			// Batches 0..lag have nothing to update; after them the share is
			// exact up to one input.
			want := float64(tt.batches-1-tt.lag) * float64(tt.size) * tt.updates
			assert.InDelta(t, want, float64(updates), 1.0, "updates in the stream")
			assert.Equal(t, uint64(len(createdBy)), g.created(tt.batches))
		})
	}
}

func TestUpdateKeysSpreadOverEarlierKeys(t *testing.T) {
	g := mustNew(t, WithUpdateShare(0.5))
	hits := make([]int, 10) // deciles of [0, created(n))
	const n = 50
	avail := g.created(n)
	for _, in := range g.Describe(n) {
		if in.Update {
			hits[in.KeyIndex*10/avail]++
		}
	}
	for d, h := range hits {
		assert.InDelta(t, 5, h, 1, "decile %d", d) // 50 updates, one per stratum
	}
}

func TestShardsAreDisjoint(t *testing.T) {
	const shards = 3
	keys := map[string]int{}
	traces := map[string]int{}
	for s := 1; s <= shards; s++ {
		g := mustNew(t, WithShard(s, shards), WithUpdateShare(0.3), WithTraceIDs(true), WithBatchSize(20))
		for n := uint64(0); n < 20; n++ {
			for _, in := range g.Describe(n) {
				if other, ok := keys[in.Key]; ok {
					require.Equal(t, s, other, "key %s used by shards %d and %d", in.Key, other, s)
				}
				keys[in.Key] = s
				_, dup := traces[in.TraceID]
				require.False(t, dup, "trace id %s repeats", in.TraceID)
				traces[in.TraceID] = s
			}
		}
	}
	a := mustNew(t, WithShard(1, 2))
	b := mustNew(t, WithShard(2, 2))
	assert.NotEqual(t, a.Batch(0).Inputs[0].Properties, b.Batch(0).Inputs[0].Properties, "shards send different values")
	assert.Equal(t, "ub-0", a.Key(0))
	assert.Equal(t, "ub-3", b.Key(1))
}

// TestCumUpdatesHugeN: near the top of uint64 the update count is still
// exact, against arbitrary-precision arithmetic (the code uses 128-bit
// products), and the batch plan still adds up.
func TestCumUpdatesHugeN(t *testing.T) {
	g := mustNew(t, WithUpdateShare(0.3))
	n := uint64(math.MaxUint64 / 200)
	// U(n) = ⌊(n−1)·B·s⌋ with B = 100 and s = 3/10.
	want := new(big.Int).Mul(new(big.Int).SetUint64(n-1), big.NewInt(100*3))
	want.Quo(want, big.NewInt(10))
	require.True(t, want.IsUint64())
	assert.Equal(t, want.Uint64(), g.cumUpdates(n))

	p := g.planKeys(n)
	assert.Equal(t, 100, p.creates+p.updates)
	assert.InDelta(t, 30, p.updates, 1)
	assert.Equal(t, g.created(n), p.firstCreate, "batch n creates from where batches 0..n−1 stopped")
	assert.Equal(t, g.created(n+1)-g.created(n), uint64(p.creates), "and exactly as many keys as created() counts")
	assert.Less(t, g.created(n), g.created(n+1), "created never shrinks")
}

// TestAppendKeyIsKey: AppendKey appends exactly Key's text, for one shard
// and for several.
func TestAppendKeyIsKey(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"one shard", nil},
		{"shard 2 of 3", []Option{WithShard(2, 3), WithKeyPrefix("ub-t")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.opts...)
			for _, k := range []uint64{0, 1, 9, 10, 12_345, 1 << 40} {
				got := g.AppendKey([]byte("head:"), k)
				assert.Equal(t, "head:"+g.Key(k), string(got))
			}
		})
	}
}
