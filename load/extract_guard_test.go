//go:build linux || darwin || freebsd

package load

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The differential tests of the walk's unchecked loops (resultFast,
// propsFast) copy their texts to the end of a mapping followed by an
// inaccessible page, so a load past the text's end faults instead of
// reading a neighbour's bytes.

// guardedText holds texts that end where an inaccessible page starts.
type guardedText struct {
	mem  []byte // the whole mapping; its last page is PROT_NONE
	page int
}

func newGuardedText(tb testing.TB, maxLen int) *guardedText {
	tb.Helper()
	page := unix.Getpagesize()
	size := (maxLen+page-1)/page*page + page
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	require.NoError(tb, err)
	require.NoError(tb, unix.Mprotect(mem[size-page:], unix.PROT_NONE))
	tb.Cleanup(func() { _ = unix.Munmap(mem) })
	return &guardedText{mem: mem, page: page}
}

// place copies d so that it ends at the guard page.
func (g *guardedText) place(d []byte) []byte {
	end := len(g.mem) - g.page
	if len(d) > end {
		panic("text longer than the guarded mapping")
	}
	out := g.mem[end-len(d) : end : end]
	copy(out, d)
	return out
}

// The test maps its own memory: check that the guard works, so that a
// test that passes means the walk stayed inside the text.
func TestGuardedTextFaultsPastTheEnd(t *testing.T) {
	g := newGuardedText(t, 100)
	d := g.place([]byte("abc"))
	require.Equal(t, "abc", string(d))
	end := unsafe.Add(unsafe.Pointer(unsafe.SliceData(d)), len(d))
	require.Equal(t, uintptr(0), uintptr(end)%uintptr(g.page), "the text ends at a page boundary")
}
