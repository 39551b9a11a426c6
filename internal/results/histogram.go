package results

import (
	"math"
	"math/bits"
	"time"
)

// Log-linear histograms of durations in nanoseconds. Every power of two
// from 2^histMinExp ns (~1 µs) to 2^histMaxExp ns (~137 s) is split into
// 2^subBits equal bins, so a bin is at most 1/2^subBits of its lower bound
// wide: 25% for the per-second buckets (subBits 2), 6.25% for the whole-run
// distribution (subBits 4). Bin 0 holds everything below 2^histMinExp,
// the last bin everything from 2^histMaxExp up. The layout is a fixed array,
// so adding a value never allocates and merging two histograms is adding
// arrays.
const (
	histMinExp = 10
	histMaxExp = 37

	coarseSubBits = 2
	fineSubBits   = 4

	coarseBins = (histMaxExp-histMinExp)<<coarseSubBits + 2
	fineBins   = (histMaxExp-histMinExp)<<fineSubBits + 2
)

// histIndex is the bin of d for a histogram with subBits sub-bins per octave.
func histIndex(d time.Duration, subBits uint) int {
	if d < 1<<histMinExp {
		return 0
	}
	v := uint64(d)
	e := uint(bits.Len64(v) - 1)
	if e >= histMaxExp {
		return (histMaxExp-histMinExp)<<subBits + 1
	}
	sub := (v >> (e - subBits)) & (1<<subBits - 1)
	return 1 + int(e-histMinExp)<<subBits + int(sub)
}

// histBounds is the range [lo, hi) of bin i.
func histBounds(i int, subBits uint) (lo, hi time.Duration) {
	last := (histMaxExp-histMinExp)<<subBits + 1
	switch {
	case i <= 0:
		return 0, 1 << histMinExp
	case i >= last:
		return 1 << histMaxExp, time.Duration(math.MaxInt64)
	}
	i--
	e := uint(i>>subBits) + histMinExp
	sub := uint64(i & (1<<subBits - 1))
	step := uint64(1) << (e - subBits)
	lo = time.Duration((1<<subBits + sub) * step)
	return lo, lo + time.Duration(step)
}

// histQuantile estimates the q-quantile from bin counts: the midpoint of the
// bin holding the ranked sample, clamped to [lo, hi] (the exact minimum and
// maximum, when known; pass 0 and 0 when not).
func histQuantile[C uint32 | uint64](counts []C, total uint64, q float64, subBits uint, lo, hi time.Duration) time.Duration {
	if total == 0 {
		return 0
	}
	if q >= 1 && hi > 0 {
		return hi
	}
	rank := uint64(math.Ceil(q * float64(total)))
	if rank < 1 {
		rank = 1
	}
	var cum uint64
	for i, c := range counts {
		cum += uint64(c)
		if cum >= rank {
			bl, bh := histBounds(i, subBits)
			var v time.Duration
			if bh == time.Duration(math.MaxInt64) {
				v = bl
			} else {
				v = bl + (bh-bl)/2
			}
			if hi > 0 && v > hi {
				v = hi
			}
			if v < lo {
				v = lo
			}
			return v
		}
	}
	return hi
}

// fineHist is the whole-run histogram (Distribution, late sends).
type fineHist struct {
	counts [fineBins]uint64
	total  uint64
	min    time.Duration
	max    time.Duration
	sum    time.Duration
}

func (h *fineHist) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[histIndex(d, fineSubBits)]++
	if h.total == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.total++
	h.sum += d
}

func (h *fineHist) quantile(q float64) time.Duration {
	return histQuantile(h.counts[:], h.total, q, fineSubBits, h.min, h.max)
}

func (h *fineHist) mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(float64(h.sum) / float64(h.total))
}
