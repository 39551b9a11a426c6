//go:build linux || darwin || freebsd

package load

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// guardedBuf holds texts right before a page that may not be read, so a
// walk that loads past a text's end faults (the test crashes) instead of
// reading whatever follows it in memory.
type guardedBuf struct{ mem []byte }

// newGuardedBuf maps size bytes (rounded up to pages) followed by the
// unreadable page.
func newGuardedBuf(tb testing.TB, size int) *guardedBuf {
	tb.Helper()
	page := syscall.Getpagesize()
	size = (size + page - 1) / page * page
	mem, err := syscall.Mmap(-1, 0, size+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	require.NoError(tb, err)
	require.NoError(tb, syscall.Mprotect(mem[size:], syscall.PROT_NONE))
	tb.Cleanup(func() { _ = syscall.Munmap(mem) })
	return &guardedBuf{mem[:size]}
}

// put copies d to the end of the buffer and returns the copy, whose
// capacity ends at the unreadable page.
func (g *guardedBuf) put(d []byte) []byte {
	at := len(g.mem) - len(d)
	return g.mem[at:len(g.mem):len(g.mem)][:copy(g.mem[at:], d)]
}
