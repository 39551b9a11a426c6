package load

import "sync"

// The key table's pages live outside the Go heap where the platform allows
// (keypages_mmap.go): a run's table grows to DefaultMaxKeys × 64 bytes
// (64 MiB) of pointer-free state that lives for the whole run, and on the
// Go heap it counted toward the GC's goal and the load command's soft
// memory limit. With the table near its cap the live heap sat at that
// limit and the GC ran without pause: at saturation on 2 cores the load
// engine spent 1,180 CPU-µs per request instead of 458, measured with
// `TMPDIR=/dev/shm scripts/bench-load.sh` against GOMEMLIMIT=4GiB in the
// same minutes. Off the heap the table costs the GC nothing and the limit
// bounds what it is meant for (requests and answers in flight).
//
// Pages are never unmapped: a released page goes to a free list and is
// cleared when it is handed out again, so no use after release can touch
// memory the process gave back, and repeated runs in one process (tests,
// the Go API) reuse the same pages.
var keyPagePool struct {
	mu   sync.Mutex
	free [][]keyState
}

// newKeyPage returns a zeroed page of 1<<keyPageBits key states.
func newKeyPage() []keyState {
	keyPagePool.mu.Lock()
	if n := len(keyPagePool.free); n > 0 {
		p := keyPagePool.free[n-1]
		keyPagePool.free = keyPagePool.free[:n-1]
		keyPagePool.mu.Unlock()
		clear(p)
		return p
	}
	keyPagePool.mu.Unlock()
	if p := mapKeyPage(); p != nil {
		return p
	}
	return make([]keyState, 1<<keyPageBits)
}

// release gives the table's pages back for the next table. Call it once,
// when nothing reads the table any more; the table is empty after it.
func (t *keyTable) release() {
	keyPagePool.mu.Lock()
	for _, p := range t.pages {
		if p != nil {
			keyPagePool.free = append(keyPagePool.free, p)
		}
	}
	keyPagePool.mu.Unlock()
	t.pages, t.keys = nil, 0
}
