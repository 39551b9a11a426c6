//go:build !(amd64 || arm64) || purego

package load

import "encoding/binary"

// The portable rawText (see extract_raw.go): the same loads with Go's
// bounds checks, and no assumption about byte order or alignment.

type rawText struct{ d []byte }

func rawTextOf(d []byte) rawText { return rawText{d} }

func (t rawText) at(i int) byte { return t.d[i] }

func (t rawText) u32(i int) uint32 { return binary.LittleEndian.Uint32(t.d[i:]) }

func (t rawText) u64(i int) uint64 { return binary.LittleEndian.Uint64(t.d[i:]) }
