package cpuclock

import (
	"time"

	"golang.org/x/sys/unix"
)

// Thread is the CPU time the calling OS thread has used so far; ok is false
// where the system does not say. It measures a goroutine only while that
// goroutine is locked to its thread (runtime.LockOSThread): the load
// engine's checkers hold their CPU budget with it, because on a busy machine
// wall time counts the time a check waited for a CPU as if it had used one.
func Thread() (d time.Duration, ok bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
