//go:build (amd64 || arm64) && !purego

package jsonscan

import "unsafe"

// StopBits is a Scanner's stop bitmap for walkers that search it in their
// innermost loops (the load engine's extractor): Next reads its words
// without Go's bounds checks, which would otherwise keep the slice header
// live and push a loop's values out of registers. It is safe because
// Next is only asked from a position up to len(Data) and the bitmap's
// sentinel bit len(Data) ends every such search inside the bitmap (see
// Stops). Under the purego tag, and on other architectures,
// stopbits_safe.go reads the same words with bounds checks, so a caller
// that breaks the precondition panics there (the tests run both).
type StopBits struct{ p unsafe.Pointer }

// StopBits returns the bitmap of the text for Next, valid until the next
// Reset.
func (s *Scanner) StopBits() StopBits { return StopBits{unsafe.Pointer(unsafe.SliceData(s.stops))} }

// word is the bitmap's word w.
func (b StopBits) word(w int) uint64 { return *(*uint64)(unsafe.Add(b.p, w*8)) }
