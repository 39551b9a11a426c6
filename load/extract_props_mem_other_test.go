//go:build !(linux || darwin || freebsd)

package load

import "testing"

// guardedBuf, where pages cannot be mapped here: each text is a copy of
// its own length (a load past it reads the heap, not a fault).
type guardedBuf struct{}

func newGuardedBuf(testing.TB, int) *guardedBuf { return &guardedBuf{} }

func (g *guardedBuf) put(d []byte) []byte { return append([]byte(nil), d...) }
