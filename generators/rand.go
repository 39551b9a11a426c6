package generators

import "math/bits"

// rng is wyrand: one word of state, so it lives on the stack of whoever
// builds a batch and costs nothing to create, and one 128-bit multiply per
// draw. Statistical quality is ample for picking fake values; it is not for
// cryptography. Seeds are spread with splitmix64's finaliser (mix64).
type rng struct{ s uint64 }

const goldenGamma = 0x9e3779b97f4a7c15

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// newRNG derives an independent stream from a seed and up to three words
// (batch number, shard, purpose). Mixing each word separately keeps streams
// of neighbouring batches uncorrelated.
func newRNG(seed uint64, words ...uint64) rng {
	s := mix64(seed + goldenGamma)
	for _, w := range words {
		s = mix64(s ^ (w + goldenGamma))
	}
	return rng{s: s}
}

func (r *rng) next() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

// intn returns a value in [0, n) using Lemire's multiply-shift; n must be > 0.
// The bias for n far below 2^32 is negligible for test data.
func (r *rng) intn(n int) int {
	return int((uint64(uint32(r.next())) * uint64(n)) >> 32)
}

// uintn returns a value in [0, n) for any n > 0.
func (r *rng) uintn(n uint64) uint64 {
	if n <= 1<<32 {
		return (uint64(uint32(r.next())) * n) >> 32
	}
	return r.next() % n
}

// chance reports true with probability ppm/1e6.
func (r *rng) chance(ppm uint32) bool {
	return uint32(r.next()%1_000_000) < ppm
}

// draws cuts 16-bit numbers out of 64-bit draws: an input needs some twenty
// small random choices, and four per draw make them a quarter as costly.
// 16 bits keep the bias of below(n) under n/65536, invisible in test data.
type draws struct {
	r    *rng
	w    uint64
	left uint8 // 16-bit chunks left in w
}

func (d *draws) chunk() uint64 {
	if d.left == 0 {
		d.w, d.left = d.r.next(), 4
	}
	v := d.w & 0xffff
	d.w >>= 16
	d.left--
	return v
}

// below returns a value in [0, n) for 0 < n ≤ 65536.
func (d *draws) below(n int) int { return int((d.chunk() * uint64(n)) >> 16) }

// percent reports true with probability p/100.
func (d *draws) percent(p int) bool { return d.below(100) < p }

// weighted is a lookup table for picking one of a few options with integer
// weights: 100 slots, so one draw and one load per pick.
type weighted [100]uint8

// newWeighted builds the table; the weights must sum to 100.
func newWeighted(weights ...int) weighted {
	var w weighted
	i := 0
	for opt, n := range weights {
		for ; n > 0; n-- {
			w[i] = uint8(opt)
			i++
		}
	}
	if i != len(w) {
		panic("generators: weights must sum to 100")
	}
	return w
}
