package load

import (
	"math"
	"unsafe"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Per-key state of the run-wide invariants. Keys are the generator's stream
// key numbers, dense from 0, so the state is an array indexed by key, in
// pages that are allocated as the run creates keys: no map, no pointer per
// key, and a fixed 64 bytes per key (keyStateSize; BenchmarkKeyStateMemory
// proves 1M keys in 64 MB).
//
// What a key remembers, and why:
//   - the first id seen, and the answer (batch) that gave it: a later
//     answer with another id breaks "one id per unique value";
//   - whether new:true was seen, and in which answer: a second new:true
//     breaks "new exactly once"; none by the end breaks it too;
//   - the latest acknowledged write (its updatedAt, its answer, which
//     properties it wrote) and a 32-bit fingerprint of the last
//     acknowledged value of every property the engine writes: what a read
//     must show at the end;
//   - which property values cannot be pinned down (ambiguous), because
//     writes whose order the client cannot know disagree about them, or
//     because a write with an unknown outcome (timeout, 5xx) may have
//     changed them: those are not compared on read-back.
//
// Writes of one key can be in flight together, so answers arrive in any
// order. updatedAt orders them: the write with the greatest updatedAt is the
// latest. A write that answers after another but carries an older updatedAt
// was applied first — unless the other one's answer had arrived before this
// write was even sent (the batch table knows both times), which makes
// updatedAt go backwards: a violation.

// Flags of a keyState (its flags word): five bits, then three property
// masks of hubspot.NumWritableTaskProperties bits each.
const (
	ksSeen     = 1 << iota // an acknowledged result named this key
	ksID                   // id holds the first id seen
	ksIDHashed             // ... the hash of a non-numeric id
	ksNew                  // new:true was seen (newAns)
	ksUnknown              // a write of unknown outcome may have reached the key

	ksMaskBits = hubspot.NumWritableTaskProperties
	ksHasShift = 5                       // has: fp[p] holds an acknowledged value
	ksMaxShift = ksHasShift + ksMaskBits // maxMask: properties the latest write(s) wrote
	ksAmbShift = ksMaxShift + ksMaskBits // amb: the value of p is not known for sure
	ksMaskAll  = 1<<ksMaskBits - 1
)

var _ [32 - (ksAmbShift + ksMaskBits)]struct{} // the flags fit in 32 bits

// keyState is one key's state: 64 bytes, no pointers.
type keyState struct {
	id       uint64                                    // first id seen
	fp       [hubspot.NumWritableTaskProperties]uint32 // last acknowledged value of each written property
	maxU     int32                                     // updatedAt of the latest write, ms relative to the table's base
	firstAns uint32                                    // answer that gave the first id (answer number + 1)
	newAns   uint32                                    // answer that said new:true
	maxAns   uint32                                    // answer of the latest write
	flags    uint32
}

// keyStateSize is the memory per key (the budget is 64 bytes).
const keyStateSize = int(unsafe.Sizeof(keyState{}))

var _ [64 - keyStateSize]struct{} // never more than 64 bytes

func (k *keyState) is(f uint32) bool { return k.flags&f != 0 }

// updated reports whether maxU holds the updatedAt of a write (maxAns is
// set together with it).
func (k *keyState) updated() bool { return k.maxAns != 0 }

func (k *keyState) mask(shift int) generators.PropMask {
	return generators.PropMask(k.flags >> shift & ksMaskAll)
}

func (k *keyState) setMask(shift int, m generators.PropMask) {
	k.flags = k.flags&^(ksMaskAll<<shift) | uint32(m)&ksMaskAll<<shift
}

// ansRef stores an answer (batch) number + 1 in 32 bits; 0 is "none",
// batch numbers beyond 2³²−2 saturate (a run would need 50 days at
// 1,000 batches/s to get there).
func ansRef(n uint64) uint32 {
	if n >= math.MaxUint32-1 {
		return math.MaxUint32
	}
	return uint32(n + 1)
}

// answerOf is the batch number of a stored answer reference; ok is false
// for none or a saturated one.
func answerOf(ref uint32) (uint64, bool) {
	if ref == 0 || ref == math.MaxUint32 {
		return 0, false
	}
	return uint64(ref - 1), true
}

// keyPageBits sizes the pages of the key table: 65,536 keys (4 MB).
const keyPageBits = 16

// keyTable holds the state of every key of the stream. Not safe for
// concurrent use: the invariants serialise access.
type keyTable struct {
	pages [][]keyState
	// base is the instant (ms since the epoch) maxU values are relative
	// to: the first updatedAt seen. int32 milliseconds reach ±24 days
	// around it; an updatedAt beyond that is treated as unreadable.
	base    int64
	hasBase bool
	keys    uint64 // one past the highest key touched
}

// at returns key k's state, allocating its page on first touch.
func (t *keyTable) at(k uint64) *keyState {
	p := k >> keyPageBits
	for uint64(len(t.pages)) <= p {
		t.pages = append(t.pages, nil)
	}
	if t.pages[p] == nil {
		t.pages[p] = keyPages.get()
	}
	if k >= t.keys {
		t.keys = k + 1
	}
	return &t.pages[p][k&(1<<keyPageBits-1)]
}

// peek returns key k's state, or nil when its page was never touched.
func (t *keyTable) peek(k uint64) *keyState {
	p := k >> keyPageBits
	if p >= uint64(len(t.pages)) || t.pages[p] == nil {
		return nil
	}
	return &t.pages[p][k&(1<<keyPageBits-1)]
}

// rel converts an updatedAt to the table's relative form; ok is false when
// it is out of reach of int32 milliseconds.
func (t *keyTable) rel(ms int64) (int32, bool) {
	if !t.hasBase {
		t.base, t.hasBase = ms, true
	}
	d := ms - t.base
	if d < math.MinInt32 || d > math.MaxInt32 {
		return 0, false
	}
	return int32(d), true
}

// abs converts a relative updatedAt back to ms since the epoch.
func (t *keyTable) abs(rel int32) int64 { return t.base + int64(rel) }

// memory is the bytes the table holds.
func (t *keyTable) memory() int64 {
	var n int64
	for _, p := range t.pages {
		n += int64(cap(p)) * int64(keyStateSize)
	}
	return n
}

// forEach calls fn for every key that has state, in key order.
func (t *keyTable) forEach(fn func(k uint64, s *keyState) bool) {
	for pi, p := range t.pages {
		for i := range p {
			if p[i].flags == 0 {
				continue
			}
			if !fn(uint64(pi)<<keyPageBits|uint64(i), &p[i]) {
				return
			}
		}
	}
}

// write records one acknowledged write of key s: updatedAt u (rel, valid
// when hasU), the properties the input wrote, the fingerprints of those the
// answer echoed, and whether an earlier write of the key had certainly been
// acknowledged before this one was sent (causal: its answer arrived before
// this request left). It reports whether updatedAt went backwards against
// such an earlier write.
func (s *keyState) write(ans uint64, u int32, hasU bool, wrote, echoed generators.PropMask, fp *[hubspot.NumWritableTaskProperties]uint32, causal bool) (backwards bool) {
	known := wrote & echoed
	unknown := wrote &^ echoed // written, but the answer does not say to what
	has, amb, maxMask := s.mask(ksHasShift), s.mask(ksAmbShift), s.mask(ksMaxShift)
	switch {
	case !hasU:
		// No usable updatedAt: the write cannot be ordered. Values it
		// agrees with stay; values it disagrees with become ambiguous.
		for p := range hubspot.NumWritableTaskProperties {
			bit := generators.PropMask(1) << p
			switch {
			case known&bit == 0:
			case has&bit == 0:
				s.fp[p], has = fp[p], has|bit
			case s.fp[p] != fp[p]:
				amb |= bit
			}
		}
		amb |= unknown
	case !s.updated() || u > s.maxU || (u < s.maxU && causal):
		// The latest write (or, when updatedAt went backwards against a
		// write acknowledged before this one was sent, the causally
		// latest): its values win.
		backwards = s.updated() && u < s.maxU
		for p := range hubspot.NumWritableTaskProperties {
			if known&(1<<p) != 0 {
				s.fp[p] = fp[p]
			}
		}
		has |= known
		amb = amb&^wrote | unknown
		if !backwards {
			s.maxU, s.maxAns = u, ansRef(ans)
			maxMask = wrote
		}
	case u == s.maxU:
		// Two writes with the same updatedAt: the client cannot tell
		// which the target applied last where they disagree.
		for p := range hubspot.NumWritableTaskProperties {
			bit := generators.PropMask(1) << p
			switch {
			case known&bit == 0:
			case maxMask&bit != 0 && has&bit != 0 && s.fp[p] != fp[p]:
				amb |= bit
			case maxMask&bit == 0:
				s.fp[p], has = fp[p], has|bit
				amb &^= bit
			}
		}
		amb |= unknown
		maxMask |= wrote
	default:
		// An earlier write whose answer came late. What the latest
		// write(s) wrote stays; for the other properties this value may
		// or may not be the last one (an earlier, already counted write
		// may have come after it), so disagreement makes them ambiguous.
		for p := range hubspot.NumWritableTaskProperties {
			bit := generators.PropMask(1) << p
			switch {
			case known&bit == 0 || maxMask&bit != 0:
			case has&bit == 0:
				s.fp[p], has = fp[p], has|bit
			case s.fp[p] != fp[p]:
				amb |= bit
			}
		}
		amb |= unknown &^ maxMask
	}
	s.setMask(ksHasShift, has)
	s.setMask(ksAmbShift, amb)
	s.setMask(ksMaxShift, maxMask)
	return backwards
}

// unknownWrite records a write of key s whose outcome is unknown (no
// answer, or a 5xx): it may have been applied at any time, so the values it
// wrote cannot be verified, and the key may have been created by it.
func (s *keyState) unknownWrite(wrote generators.PropMask) {
	s.flags |= ksUnknown
	s.setMask(ksAmbShift, s.mask(ksAmbShift)|wrote)
}
