//go:build (amd64 || arm64) && !purego

package load

import "unsafe"

// The compact walk's innermost loops read the answer through rawText,
// which loads bytes and words without Go's bounds checks, and search the
// stop bitmap through jsonscan.StopBits, which does the same for its
// words: with them each property of an answer costs about half the
// instructions, because the checks and the slice headers they keep live
// push the loop's values out of registers (BenchmarkExtract100).
//
// Why it is safe: every load is preceded by an explicit check in the walk
// (written next to it) that the bytes it reads lie inside the text, and
// every StopBits.Next is asked from a position up to the text's length,
// where the bitmap's sentinel bit ends the search (jsonscan.StopBits).
// FuzzExtract and the extract tests run the same walk over mutated and
// truncated answers; under the purego tag, and on other architectures,
// extract_raw_safe.go (and jsonscan's stopbits_safe.go) do the same loads
// with bounds checks, so a check missing in the walk panics there instead
// of reading past the text. Unaligned loads are fine on amd64 and arm64,
// and both are little-endian, as the constants the walk compares the
// loaded words with assume.

// rawText is an answer's bytes, read without bounds checks.
type rawText struct{ p unsafe.Pointer }

func rawTextOf(d []byte) rawText { return rawText{unsafe.Pointer(unsafe.SliceData(d))} }

// at is d[i].
func (t rawText) at(i int) byte { return *(*byte)(unsafe.Add(t.p, i)) }

// u32 is d[i:i+4] as a little-endian number.
func (t rawText) u32(i int) uint32 { return *(*uint32)(unsafe.Add(t.p, i)) }

// u64 is d[i:i+8] as a little-endian number.
func (t rawText) u64(i int) uint64 { return *(*uint64)(unsafe.Add(t.p, i)) }
