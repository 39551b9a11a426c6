//go:build !linux

package cpuclock

import "time"

// Thread is the CPU time of the calling OS thread; this system does not
// say (ok is false), so callers fall back to wall time.
func Thread() (d time.Duration, ok bool) { return 0, false }
