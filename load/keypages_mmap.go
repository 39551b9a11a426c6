//go:build linux || darwin || freebsd

package load

import (
	"syscall"
	"unsafe"
)

// mapKeyPage maps one anonymous, private, zero-filled page of key states
// outside the Go heap (nil when the system refuses: the caller falls back
// to the heap). keyState holds no pointers, so the GC need not see it; the
// OS backs only the parts a run touches.
func mapKeyPage() []keyState {
	b, err := syscall.Mmap(-1, 0, keyStateSize<<keyPageBits, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return unsafe.Slice((*keyState)(unsafe.Pointer(unsafe.SliceData(b))), 1<<keyPageBits)
}
