package load

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
)

// DefaultMaxStartLag is how late after its planned start a shard may still
// begin. Shards of one run share a start instant so that their rates add
// up over one window; a shard that begins later than this would skew the
// run, so it sends nothing instead (see LateStartError).
const DefaultMaxStartLag = 2 * time.Second

// ErrShardSeed: the shards of a run draw disjoint slices of one stream of
// batches, which needs one seed for all of them; with none given, each
// would draw its own.
var ErrShardSeed = errors.New("load: the shards of a run need one seed (set seed in the scenario, or give every shard the same one)")

// LateStartError says a run was ready only after its planned start plus
// the allowed lag: it sent nothing and wrote nothing.
type LateStartError struct {
	// Planned is the start the run was given; Ready is when it was ready
	// to send its first request.
	Planned, Ready time.Time
	MaxLag         time.Duration
}

func (e *LateStartError) Error() string {
	return fmt.Sprintf("ready %s after the planned start %s, later than the %s allowed: sent nothing (start the shards earlier, or allow more lag)",
		e.Ready.Sub(e.Planned).Round(time.Millisecond), e.Planned.UTC().Format(time.RFC3339Nano), e.MaxLag)
}

// waitForStart blocks until at. It returns at once with a *LateStartError
// when now is already more than maxLag past at, and with ctx's error when
// ctx ends first. A zero at means no planned start.
func waitForStart(ctx context.Context, at time.Time, maxLag time.Duration) error {
	if at.IsZero() {
		return nil
	}
	if maxLag <= 0 {
		maxLag = DefaultMaxStartLag
	}
	now := time.Now()
	if late := now.Sub(at); late > maxLag {
		return &LateStartError{Planned: at, Ready: now, MaxLag: maxLag}
	}
	wait := time.Until(at)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	// A process descheduled past its timer is as late as one that
	// arrived late.
	if now := time.Now(); now.Sub(at) > maxLag {
		return &LateStartError{Planned: at, Ready: now, MaxLag: maxLag}
	}
	return nil
}

// recordStart fills in where the schedule began (StartedAt: the instant
// the pacer counts from, not the moment the run was called), the planned
// start, and the planned and actual first send; first is the earliest
// send of n requests.
func (r *runner) recordStart(run *results.RunInfo, n uint64, first time.Time) {
	if began, ok := r.pacer.began(); ok {
		run.StartedAt = began.UTC()
	}
	run.PlannedStart = r.cfg.StartAt.UTC()
	if r.cfg.StartAt.IsZero() {
		run.PlannedStart = time.Time{}
	}
	if n == 0 {
		return
	}
	run.PlannedFirstSend = cmp.Or(r.cfg.StartAt, run.StartedAt).Add(r.pacer.ScheduledAt(0)).UTC()
	run.FirstSend = first.UTC()
}
