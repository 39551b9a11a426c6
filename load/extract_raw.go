//go:build (amd64 || arm64) && !purego

package load

import (
	"unsafe"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The compact walk's innermost loops read the answer and its stop bitmap
// through rawText and rawStops, which load bytes and words without Go's
// bounds checks: with them each property of an answer costs about half
// the instructions, because the checks and the slice headers they keep
// live push the loop's values out of registers (BenchmarkExtract100).
//
// Why it is safe: every load is preceded by an explicit check in the walk
// (written next to it) that the bytes it reads lie inside the text, and
// the bitmap of a jsonscan.Scanner has one bit per byte plus its sentinel
// bit len(Data) (Scanner.Stops), so rawStops.next, given a position up to
// len(Data), reads only words up to the sentinel's. FuzzExtract and the
// extract tests run the same walk over mutated and truncated answers;
// under the purego tag, and on other architectures, extract_raw_safe.go
// does the same loads with bounds checks, so a check missing in the walk
// panics there instead of reading past the text. Unaligned loads are fine
// on amd64 and arm64, and both are little-endian, as the constants the
// walk compares the loaded words with assume.

// rawText is an answer's bytes, read without bounds checks.
type rawText struct{ p unsafe.Pointer }

func rawTextOf(d []byte) rawText { return rawText{unsafe.Pointer(unsafe.SliceData(d))} }

// at is d[i].
func (t rawText) at(i int) byte { return *(*byte)(unsafe.Add(t.p, i)) }

// u32 is d[i:i+4] as a little-endian number.
func (t rawText) u32(i int) uint32 { return *(*uint32)(unsafe.Add(t.p, i)) }

// u64 is d[i:i+8] as a little-endian number.
func (t rawText) u64(i int) uint64 { return *(*uint64)(unsafe.Add(t.p, i)) }

// rawStops is a Scanner's stop bitmap, read without bounds checks.
type rawStops struct{ p unsafe.Pointer }

func rawStopsOf(sc *jsonscan.Scanner) rawStops {
	return rawStops{unsafe.Pointer(unsafe.SliceData(sc.Stops()))}
}

// word is the bitmap's word w.
func (s rawStops) word(w int) uint64 { return *(*uint64)(unsafe.Add(s.p, w*8)) }
