//go:build !(amd64 || arm64) || purego

package jsonscan

// StopBits is the portable StopBits (see stopbits_unsafe.go): the same
// reads with Go's bounds checks.
type StopBits struct{ st []uint64 }

// StopBits returns the bitmap of the text for Next, valid until the next
// Reset.
func (s *Scanner) StopBits() StopBits { return StopBits{s.stops} }

func (b StopBits) word(w int) uint64 { return b.st[w] }
