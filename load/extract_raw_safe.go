//go:build !(amd64 || arm64) || purego

package load

import (
	"encoding/binary"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The portable rawText and rawStops (see extract_raw.go): the same loads
// with Go's bounds checks, and no assumption about byte order or
// alignment.

type rawText struct{ d []byte }

func rawTextOf(d []byte) rawText { return rawText{d} }

func (t rawText) at(i int) byte { return t.d[i] }

func (t rawText) u32(i int) uint32 { return binary.LittleEndian.Uint32(t.d[i:]) }

func (t rawText) u64(i int) uint64 { return binary.LittleEndian.Uint64(t.d[i:]) }

type rawStops struct{ st []uint64 }

func rawStopsOf(sc *jsonscan.Scanner) rawStops { return rawStops{sc.Stops()} }

func (s rawStops) word(w int) uint64 { return s.st[w] }
