package load

import "sync"

// The run-wide tables' pages live outside the Go heap where the platform
// allows (keypages_mmap.go). The key table grows to DefaultMaxKeys × 64
// bytes (64 MiB) of pointer-free state that lives for the whole run, and
// on the Go heap it counted toward the GC's goal and the load command's
// soft memory limit. With the table near its cap the live heap sat at that
// limit and the GC ran without pause: at saturation on 2 cores the load
// engine spent 1,180 CPU-µs per request instead of 458, measured with
// `TMPDIR=/dev/shm scripts/bench-load.sh` against GOMEMLIMIT=4GiB in the
// same minutes. Off the heap the table costs the GC nothing and the limit
// bounds what it is meant for (requests and answers in flight). The batch
// table (12 bytes per request, invariants.go) grows for as long as the run
// lasts, 7.2 MB in a 10-minute soak at 1,000/s and 43 MB in an hour: on
// the heap its growth raised the GC's goal twice over.
//
// Pages are never unmapped: a released page goes to its pool's free list
// and is cleared when it is handed out again, so no use after release can
// touch memory the process gave back, and repeated runs in one process
// (tests, the Go API) reuse the same pages.
type pagePool[T any] struct {
	size int // elements per page
	mu   sync.Mutex
	free [][]T
}

var (
	keyPages   = pagePool[keyState]{size: 1 << keyPageBits}
	batchPages = pagePool[batchInfo]{size: 1 << batchPageBits}
)

// get returns a zeroed page.
func (pp *pagePool[T]) get() []T {
	pp.mu.Lock()
	if n := len(pp.free); n > 0 {
		p := pp.free[n-1]
		pp.free = pp.free[:n-1]
		pp.mu.Unlock()
		clear(p)
		return p
	}
	pp.mu.Unlock()
	if p := mapPage[T](pp.size); p != nil {
		return p
	}
	return make([]T, pp.size)
}

// put gives pages back for reuse; nil pages are skipped.
func (pp *pagePool[T]) put(pages [][]T) {
	pp.mu.Lock()
	for _, p := range pages {
		if p != nil {
			pp.free = append(pp.free, p)
		}
	}
	pp.mu.Unlock()
}

// release gives the table's pages back for the next table. Call it once,
// when nothing reads the table any more; the table is empty after it.
func (t *keyTable) release() {
	keyPages.put(t.pages)
	t.pages, t.keys = nil, 0
}

// release gives the table's pages back for the next table, as
// keyTable.release does.
func (t *batchTable) release() {
	batchPages.put(t.pages)
	t.pages = nil
}
