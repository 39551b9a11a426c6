package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

func init() {
	register(command{
		name:    "load",
		summary: "run a load scenario (Vegeta-paced batch upserts) against the emulator or --target",
		run: func(args []string, stdout, stderr io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runLoad(ctx, args, stdout, stderr, setLoadMemoryLimit)
		},
	})
}

// defaultLoadScenario runs when --scenario is not given.
const defaultLoadScenario = "smoke"

// loadMemoryLimit is the Go soft memory limit of a load run unless
// GOMEMLIMIT says otherwise. It bounds the Go heap only: the run-wide key
// table (up to load.DefaultMaxKeys × 64 bytes, 64 MiB) and the batch table
// (12 bytes per request, 7.2 MB in 10 minutes at 1,000/s) live off the heap
// (load/keypages.go), so a 1M-key run holds about this plus both. Issue
// 13's soak (scripts/soak.sh: 1,000 batches/s for 10 minutes) must stay
// under 150 MB RSS: with the table off the heap a 100 MiB limit peaked at
// 184 MB (10 minutes, 869/s), 72 MiB at 157 MB and 64 MiB at 149 MB
// (3 minutes each, past the key cap, both at the full 1,000/s); the live
// heap (requests and answers in flight, pools) stays below it, so the GC
// does not spin as it did when the table counted toward the limit. Once a
// backlog's answer buffers were no longer kept (load/answers.go), the live
// heap is 17-32 MB even under a backlog, and 64 MiB peaked at 154,316 kB
// over the full 10 minutes (VmRSS sat at ~150,600 kB: the runtime keeps
// what the limit allows), so the limit became 56 MiB. Off the heap the
// run holds 64 MiB of keys, 12 bytes per request of batches and ~27 MB of
// the binary's own pages: past the key cap ~101 MB, leaving ~48 MB of 150
// for the Go runtime. On a quiet machine the limit does not bind (live
// heap ~16 MB); on a busy one the heap sits at it, and 56 MiB peaked at
// 150,752 kB (scripts/soak.sh, 10 minutes, load average 3-5) while 48 MiB
// peaked at 144,004 kB under a heavier load (average up to 10, the run
// still at 1,000.0/s). So the limit is 48 MiB.
const loadMemoryLimit = 48 << 20

// loadMemoryLimitFor is the soft memory limit a load run sets, or 0 for
// none: none when GOMEMLIMIT is set (the user's word wins) or when the
// emulator runs in-process. loadMemoryLimit is sized for the load engine
// alone; an in-process emulator keeps every record the run writes on the
// same heap (about 370 bytes each, BenchmarkMemoryPerRecord: 1M records,
// 350 MiB, and a 1,000 batches/s run creates over 50,000 a second), so a
// fixed limit below that live heap makes the GC run without pause, and
// the cost of each collection grows with the store. Measured:
// `upsertbench load --rate 1000 --duration 30s --tier none --verify none`
// (machine load 9) spent 7,100 CPU-µs per request at 72/s with the
// 64 MiB limit (GC 45% of the time) and 1,601 µs at 362/s without it (GC
// 7%). The GC's own pacing (GOGC) keeps the headroom proportional to the
// live heap, which is what a large, pointer-rich live heap needs.
func loadMemoryLimitFor(emulated bool, gomemlimit string) int64 {
	if gomemlimit != "" || emulated {
		return 0
	}
	return loadMemoryLimit
}

// setLoadMemoryLimit applies loadMemoryLimitFor to the process (a soft
// limit: when a slow target piles up requests in flight, the GC works
// harder instead of doubling the heap).
func setLoadMemoryLimit(emulated bool) {
	if limit := loadMemoryLimitFor(emulated, os.Getenv("GOMEMLIMIT")); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}

// loadOptions are the parsed flags of load.
type loadOptions struct {
	scenario, out, shard        string
	rate                        float64
	duration                    time.Duration
	seed                        uint64
	list, allowOverQuota, quiet bool
	target                      targetFlags
	verify                      verifyFlags

	// A shard's common start.
	startAt     string
	maxStartLag time.Duration
}

// runLoad runs the load command; memoryLimit, when not nil, is told
// whether the emulator runs in-process once the target is known (tests
// pass nil: they leave the process's memory limit alone).
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer, memoryLimit func(emulated bool)) error {
	fs := newFlagSet("load")
	var o loadOptions
	fs.StringVar(&o.scenario, "scenario", defaultLoadScenario, "a built-in scenario name (see --list) or a YAML file")
	fs.BoolVar(&o.list, "list", false, "list the built-in scenarios and exit")
	o.target.register(fs, false, true)
	fs.Float64Var(&o.rate, "rate", 0, "scale the scenario's rates so that its peak is this many requests per second")
	fs.DurationVar(&o.duration, "duration", 0, "scale the scenario's stages to last this long in total (e.g. 30s, 10m)")
	fs.StringVar(&o.out, "out", "", "output folder (default ./out/<scenario>-<UTC time>)")
	fs.StringVar(&o.shard, "shard", "", "run shard I of N (e.g. 2/4), or auto/N for shard $"+results.ShardEnv+"+1 (Kubernetes' 0-based index in an Indexed Job): 1/N of the rate, keys of its own, results in <out>/shard-<I>/")
	fs.StringVar(&o.startAt, "start-at", "", "wait until this instant (RFC 3339, e.g. 2026-12-01T03:00:00Z), then start: the shards of a run share one")
	fs.DurationVar(&o.maxStartLag, "max-start-lag", load.DefaultMaxStartLag, fmt.Sprintf("with --start-at: ready later than this after it, send nothing and exit %d", exitLateStart))
	fs.BoolVar(&o.allowOverQuota, "allow-over-quota", false, "run a plan beyond the tier's burst limit or daily budget")
	fs.Uint64Var(&o.seed, "seed", 0, "seed of the batches (default: the scenario's; recorded in summary.json)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line")
	o.verify.register(fs)
	var account accountFlags
	account.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.list {
		return listScenarios(stdout)
	}
	sc, err := loadScenario(o, fs)
	if err != nil {
		return err
	}
	shard, err := results.ParseShardEnv(o.shard, os.Getenv)
	if err != nil {
		return usagef("invalid --shard %q: %v", o.shard, err)
	}
	startAt, err := parseStartAt(o.startAt, o.maxStartLag)
	if err != nil {
		return err
	}
	t, err := o.target.resolve()
	if err != nil {
		return err
	}
	if memoryLimit != nil {
		memoryLimit(t.Emulated())
	}
	tier := t.Tier
	if t.Emulated() {
		if tier != "" {
			sc.Emulator.Tier = tier
		}
		tier = sc.Emulator.Tier
	} else if tier == "" {
		tier = hubspot.TierFree // the safe guess for an account we know nothing about
	}
	sc.Verify = load.ResolveVerify(sc.Verify, t.Emulated())

	started := time.Now().UTC()
	if o.out == "" {
		o.out = filepath.Join("out", sc.Name+"-"+started.Format("20060102T150405Z"))
	}
	runDir := o.out
	if o.shard != "" {
		// Shards on one shared volume never write the same file.
		o.out = results.ShardDir(o.out, shard.Index)
	}
	plan := load.PlanFor(sc, shard)
	if !t.Emulated() && !o.allowOverQuota {
		if err := plan.Check(tier); err != nil {
			return usagef("%v", err)
		}
	}
	if err := preflight(ctx, t); err != nil {
		return err
	}
	var progress io.Writer
	if !o.quiet {
		progress = stderr
		where := t.URL
		if t.Emulated() {
			where = "the emulator in-process"
		}
		fmt.Fprintf(stderr, "load %s against %s → %s\n", plan, where, o.out)
	}
	sum, err := load.Run(ctx, load.Config{
		Scenario: sc, BaseURL: t.URL, Token: t.Token, OutDir: o.out,
		Shard: shard, AllowRemote: t.AllowRemote, AllowOverQuota: o.allowOverQuota,
		Tier: tier, Progress: progress, ToolVersion: version, Seed: o.seed,
		GeneratorOptions: account.generatorOptions(t),
		StartAt:          startAt, MaxStartLag: o.maxStartLag,
	})
	if err != nil {
		var late *load.LateStartError
		switch {
		case errors.As(err, &late):
			return lateStartError{msg: fmt.Sprintf("shard %s: %v", shard, late)}
		case errors.Is(err, load.ErrShardSeed):
			return usagef("%v: pass the same --seed to every shard", err)
		case isConfigError(err):
			return usagef("%v", err)
		case sum == nil && ctx.Err() != nil:
			return failedError{msg: "interrupted before the start: nothing was sent"}
		case sum == nil:
			return err
		}
		fmt.Fprintf(stderr, "upsertbench load: %v\n", err)
	}
	if !o.quiet {
		fmt.Fprintln(stderr)
	}
	if shard.Count > 1 {
		return shardDone(sum, shard, runDir, o.out, stdout)
	}
	verdict := reportAndPrint([]string{o.out}, o.out, reports.AllFormats, false, stdout)
	if sum.Run.Interrupted {
		// Partial figures: whatever the thresholds said, the run did not
		// finish, and that is what the exit line must say.
		return failedError{msg: fmt.Sprintf("interrupted after %s of %s; results so far are in %s", sum.Run.EndedAt.Sub(sum.Run.StartedAt).Round(time.Second), sum.Run.Planned, o.out)}
	}
	return verdict
}

// maxStartAhead bounds --start-at: a start further away is a typo (a
// wrong day or year), not a plan.
const maxStartAhead = 24 * time.Hour

// parseStartAt reads --start-at (empty: no planned start).
func parseStartAt(s string, maxLag time.Duration) (time.Time, error) {
	if maxLag <= 0 {
		return time.Time{}, usagef("--max-start-lag %s must be positive (e.g. 2s)", maxLag)
	}
	if s == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("--start-at %q is not an RFC 3339 instant: write e.g. 2026-12-01T03:00:00Z", s)
	}
	if ahead := time.Until(at); ahead > maxStartAhead {
		return time.Time{}, usagef("--start-at %s is %s from now, more than %s: check the date", s, ahead.Round(time.Minute), maxStartAhead)
	}
	return at, nil
}

// shardDone ends a shard of a multi-shard run. A shard does not judge the
// scenario's thresholds: they speak of the whole run (throughput >= 40/s
// is all shards together), which report --expect-shards judges once on the
// merged results. It says what it sent and how to judge; an interrupted
// shard exits 1.
func shardDone(sum *results.Summary, shard results.Shard, runDir, dir string, stdout io.Writer) error {
	lag := "no planned start"
	if r := sum.Run; !r.PlannedFirstSend.IsZero() && !r.PlannedStart.IsZero() {
		lag = fmt.Sprintf("first send %s after the planned %s", r.FirstSend.Sub(r.PlannedFirstSend).Round(time.Microsecond), r.PlannedFirstSend.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(stdout, "shard %s of %s: %d requests in %s (%s); results in %s\n",
		shard, sum.Run.Scenario, sum.Metrics.Requests, sum.Run.EndedAt.Sub(sum.Run.StartedAt).Round(time.Millisecond), lag, dir)
	fmt.Fprintf(stdout, "judge the run once every shard is done: upsertbench report --in %s --expect-shards %d\n", runDir, shard.Count)
	if sum.Run.Interrupted {
		return failedError{msg: fmt.Sprintf("shard %s interrupted after %s of %s; results so far are in %s", shard, sum.Run.EndedAt.Sub(sum.Run.StartedAt).Round(time.Second), sum.Run.Planned, dir)}
	}
	return nil
}

// loadScenario resolves --scenario and applies --rate, --duration and --seed.
func loadScenario(o loadOptions, fs *flag.FlagSet) (*scenarios.Scenario, error) {
	sc, err := scenarios.Resolve(o.scenario)
	if err != nil {
		return nil, usagef("--scenario: %v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["rate"] {
		if o.rate <= 0 || o.rate > scenarios.MaxRate {
			return nil, usagef("--rate %g is out of range: give requests per second above 0 and at most %g", o.rate, scenarios.MaxRate)
		}
		sc = sc.Scaled(o.rate / sc.PeakRate())
	}
	if set["duration"] {
		if o.duration <= 0 {
			return nil, usagef("--duration %s must be positive (e.g. 30s or 10m)", o.duration)
		}
		sc = sc.Stretched(o.duration)
	}
	if set["seed"] {
		sc.Seed = o.seed
	}
	if err := o.verify.apply(fs, sc); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, usagef("--scenario %s with the flags given: %v", o.scenario, err)
	}
	return sc, nil
}

// isConfigError says err from load.Run is the user's to fix before
// anything was sent: a plan over quota, a target refused, or a scenario
// value the emulator does not accept.
func isConfigError(err error) bool {
	var qe *load.QuotaError
	var se *scenarios.Error
	return errors.As(err, &qe) || errors.As(err, &se) || target.IsError(err)
}

// listScenarios prints the built-ins with their size and description.
func listScenarios(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDURATION\tREQUESTS\tPEAK/10s\tDESCRIPTION")
	for _, name := range scenarios.BuiltinNames() {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%s\n", name, sc.Duration(), sc.TotalRequests(), sc.PeakPer10s(), sc.Description)
	}
	return tw.Flush()
}
