package cpuclock

import (
	"testing"
	"time"
)

// Now (now_unix.go, now_windows.go, now_other.go) is the CPU time the
// process has used so far, 0 when the system does not say.

// Clock is a CPU-time stopwatch started by Start.
type Clock struct{ start time.Duration }

// Start starts a Clock.
func Start() Clock { return Clock{start: Now()} }

// Elapsed is the CPU time used since Start.
func (c Clock) Elapsed() time.Duration { return Now() - c.start }

// Report reports the CPU time per b.N operation since Start, in unit scaled
// by div ("cpu-ns/op" with 1, "cpu-µs/answer" with 1000).
func (c Clock) Report(b *testing.B, div float64, unit string) {
	if d := c.Elapsed(); d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N)/div, unit)
	}
}
