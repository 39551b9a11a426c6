// Package resultstest helps tests that interrupt a run while it writes its
// results files.
package resultstest

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
)

// CancelOnceWritten calls cancel once dir's results.bin holds at least
// minBytes (flushed records: the load phase is under way), or returns when
// ctx ends first. The returned channel closes when the watcher has stopped.
func CancelOnceWritten(ctx context.Context, cancel context.CancelFunc, dir string, minBytes int64) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if fi, err := os.Stat(filepath.Join(dir, results.ResultsFile)); err == nil && fi.Size() >= minBytes {
					cancel()
					return
				}
			}
		}
	}()
	return done
}
