package load

// freeList keeps buffers for reuse across garbage collections. A sync.Pool
// is emptied by every GC cycle, and at thousands of requests a second with
// 50–100 kB request and answer buffers the collector runs often enough that
// a pool re-allocated a buffer every few requests (BenchmarkSaturation's
// allocation profile). A free list keeps at most its capacity: never more
// buffers than were in use at once.
type freeList[T any] struct {
	free  chan *T
	alloc func() *T
}

func newFreeList[T any](capacity int, alloc func() *T) *freeList[T] {
	return &freeList[T]{free: make(chan *T, max(capacity, 1)), alloc: alloc}
}

// get returns a free buffer or a new one.
func (f *freeList[T]) get() *T {
	select {
	case x := <-f.free:
		return x
	default:
		return f.alloc()
	}
}

// put keeps x for reuse, unless the list is full.
func (f *freeList[T]) put(x *T) {
	select {
	case f.free <- x:
	default:
	}
}

// drain gives every kept buffer to the garbage collector. A run calls it
// once its attack is over: the end of the run (the read-back, ids.bin)
// then does not hold the attack's buffers on top of its own, which is
// where a 1M-key run's peak memory came from (scripts/soak.sh).
func (f *freeList[T]) drain() {
	for {
		select {
		case <-f.free:
		default:
			return
		}
	}
}
