package generators

import (
	"math/bits"
	"strconv"
)

// The keyspace scheme. Batches are built on the fly, concurrently and in any
// order, so which keys batch n creates and which it may update must follow
// from n alone. Within one stream (one shard), with batch size B, update
// share s, update lag L and the first batch numbered 0:
//
//	U(n) = ⌊(n−1−L)·B·s⌋ for n ≥ L+2, else 0    updates in batches 0..n−1
//	C(n) = n·B − U(n), capped at the keyspace K    keys created by batches 0..n−1
//
// Batch n creates the fresh keys [C(n), C(n+1)) and updates the other
// u = B − (C(n+1) − C(n)) inputs, with keys drawn from [0, C(n−L)): keys
// that batches before n−L created. Batches 0..L have no updates (u = 0;
// K ≥ (L+1)·B keeps the cap from forcing any), and since U grows by at most
// B per batch, C never shrinks, so C(n−L) ≥ C(1) = B ≥ u whenever u > 0.
// The u updates of a batch come one from each of u equal strata of
// [0, C(n−L)), so they never repeat within a batch and never collide with
// the batch's own creates (which are ≥ C(n)). Cumulative floors (Bresenham)
// make the share exact over the stream even for tiny batches: with B = 1 and
// s = 0.3, three batches in ten are updates.

// cumUpdates is U(n).
func (g *Generator) cumUpdates(n uint64) uint64 {
	lag := g.cfg.updateLag
	if g.cfg.updatePPM == 0 || n < lag+2 {
		return 0
	}
	hi, lo := bits.Mul64((n-1-lag)*uint64(g.cfg.size), uint64(g.cfg.updatePPM))
	q, _ := bits.Div64(hi, lo, 1_000_000)
	return q
}

// created is C(n): how many keys batches 0..n−1 created.
func (g *Generator) created(n uint64) uint64 {
	c := n*uint64(g.cfg.size) - g.cumUpdates(n)
	if g.cfg.keyspace != 0 && c > g.cfg.keyspace {
		c = g.cfg.keyspace
	}
	return c
}

// keyPlan is the key assignment of one batch.
type keyPlan struct {
	firstCreate uint64 // creates use firstCreate, firstCreate+1, …
	creates     int
	updates     int
	avail       uint64 // updates pick from [0, avail)
}

func (g *Generator) planKeys(n uint64) keyPlan {
	lo, hi := g.created(n), g.created(n+1)
	p := keyPlan{firstCreate: lo, creates: int(hi - lo)}
	p.updates = g.cfg.size - p.creates
	if p.updates > 0 {
		p.avail = g.created(n - g.cfg.updateLag) // n > lag here, see above
	}
	return p
}

// updateKey is the j-th update key of the batch: a random key of stratum j.
func (p *keyPlan) updateKey(j int, r *rng) uint64 {
	u := uint64(p.updates)
	hi, lo := bits.Mul64(p.avail, uint64(j))
	start, _ := bits.Div64(hi, lo, u)
	hi, lo = bits.Mul64(p.avail, uint64(j+1))
	end, _ := bits.Div64(hi, lo, u)
	return start + r.uintn(end-start)
}

// Key returns the unique value of stream key k (the k-th key this stream
// creates): "<prefix>-<number>", where number interleaves the shards so that
// no two shards ever share a key.
func (g *Generator) Key(k uint64) string {
	var buf [64]byte // one allocation, the string's (the end of a run names every key)
	return string(g.appendKey(buf[:0], k, false))
}

// AppendKey appends Key(k) to dst and returns the extended slice, for a
// caller that names many keys without a string each.
func (g *Generator) AppendKey(dst []byte, k uint64) []byte { return g.appendKey(dst, k, false) }

func (g *Generator) appendKey(dst []byte, k uint64, esc bool) []byte {
	if esc {
		dst = append(dst, g.prefix.esc...)
	} else {
		dst = append(dst, g.prefix.raw...)
	}
	dst = append(dst, '-')
	return strconv.AppendUint(dst, k*uint64(g.cfg.shards)+uint64(g.cfg.shard), 10)
}

// appendTraceID writes the objectWriteTraceId of input i of batch n. It needs
// no escaping.
func (g *Generator) appendTraceID(dst []byte, n uint64, i int) []byte {
	return strconv.AppendUint(g.appendTracePrefix(dst, n), uint64(i), 10)
}

// appendTracePrefix writes what every trace id of batch n starts with:
// "[s<shard>]b<n>-", then the input's position.
func (g *Generator) appendTracePrefix(dst []byte, n uint64) []byte {
	if g.cfg.shards > 1 {
		dst = append(dst, 's')
		dst = strconv.AppendUint(dst, uint64(g.cfg.shard+1), 10)
	}
	dst = append(dst, 'b')
	dst = strconv.AppendUint(dst, n, 10)
	return append(dst, '-')
}
