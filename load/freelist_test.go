package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFreeListKeepsAtMostItsCapacity(t *testing.T) {
	allocs := 0
	f := newFreeList(3, func() *int { allocs++; return new(int) })
	var got []*int
	for range 5 {
		got = append(got, f.get())
	}
	require.Equal(t, 5, allocs)
	for _, x := range got {
		f.put(x)
	}
	assert.Len(t, f.free, 3, "two of the five go to the garbage collector")
	for range 3 {
		f.get()
	}
	assert.Equal(t, 5, allocs, "the three kept are reused")
	f.get()
	assert.Equal(t, 6, allocs)
}

func TestFreeListDrain(t *testing.T) {
	allocs := 0
	f := newFreeList(4, func() *int { allocs++; return new(int) })
	for range 4 {
		f.put(new(int))
	}
	f.drain()
	assert.Empty(t, f.free)
	f.get()
	assert.Equal(t, 1, allocs, "nothing kept after drain")
	f.drain() // an empty list drains too
}

// TestAnswerPipeKeepsFewBuffers: a backlog's answer buffers are not kept
// for the rest of the run (a full queue of 256 kept ~25 MB on the heap of
// a soak run), and none is kept once the pipe is closed.
func TestAnswerPipeKeepsFewBuffers(t *testing.T) {
	p := newAnswerPipe(nil, nil, "/x", 2, DefaultAnswerQueue)
	assert.Equal(t, 2+keptAnswerBuffers, cap(p.bodies.free))
	var held []*keptBody
	for range DefaultAnswerQueue {
		held = append(held, p.bodies.get())
	}
	for _, kb := range held {
		p.bodies.put(kb)
	}
	assert.Len(t, p.bodies.free, 2+keptAnswerBuffers)
	p.close()
	assert.Empty(t, p.bodies.free, "close gives every kept buffer to the garbage collector")
}
