//go:build linux || darwin || freebsd

package load

import (
	"syscall"
	"unsafe"
)

// mapPage maps one anonymous, private, zero-filled page of n elements
// outside the Go heap (nil when the system refuses: the caller falls back
// to the heap). T must hold no pointers (keyState, batchInfo), since the
// GC does not see the page; the OS backs only the parts a run touches.
func mapPage[T any](n int) []T {
	var zero T
	b, err := syscall.Mmap(-1, 0, int(unsafe.Sizeof(zero))*n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}
