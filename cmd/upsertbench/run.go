package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/upsertbench/upsertbench/internal/runjob"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

func init() {
	register(command{
		name:    "run",
		summary: "the main job: contract suite + a load scenario against the emulator (or --target), then every report",
		run: func(args []string, stdout, stderr io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runRun(ctx, args, stdout, stderr)
		},
	})
}

// defaultRunScenario runs when --scenario is not given.
const defaultRunScenario = "smoke"

// runOptions are the parsed flags of run.
type runOptions struct {
	scenario, out, history, baseline, latency string
	allowOverQuota, skipContract              bool
	tolerance                                 float64
	target                                    targetFlags
	verify                                    verifyFlags
}

// runFlags names the flag that sets each runjob.Config field a
// *runjob.ConfigError can name.
var runFlags = map[string]string{"Latency": "--latency", "OutDir": "--out"}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	var o runOptions
	fs.StringVar(&o.scenario, "scenario", defaultRunScenario, "load scenario: a built-in name (see 'upsertbench load --list') or a YAML file")
	o.target.register(fs, true, true)
	fs.BoolVar(&o.allowOverQuota, "allow-over-quota", false, "run a plan beyond the tier's burst or daily limits")
	fs.StringVar(&o.out, "out", "", "output folder (default ./out/run-<UTC time>)")
	fs.StringVar(&o.history, "history", "", "JSON Lines history file to append this run to (trend charts of the last 30 runs)")
	fs.StringVar(&o.baseline, "baseline", "", "an earlier summary.json to compare with; a regression fails the run")
	fs.Float64Var(&o.tolerance, "latency-tolerance", reports.DefaultLatencyTolerance, "share by which p95/p99 may worsen against --baseline")
	fs.StringVar(&o.latency, "latency", "", "emulator latency model (default: the scenario's, else "+runjob.DefaultLatency+")")
	fs.BoolVar(&o.skipContract, "skip-contract", false, "do not run the contract suite (load scenario and reports only)")
	o.verify.register(fs)
	var account accountFlags
	account.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if o.tolerance <= 0 || o.tolerance >= 10 {
		return usagef("--latency-tolerance %g is out of range: give a share such as 0.10 for 10%%", o.tolerance)
	}
	sc, err := scenarios.Resolve(o.scenario)
	if err != nil {
		return usagef("--scenario: %v", err)
	}
	if err := o.verify.apply(fs, sc); err != nil {
		return err
	}
	if err := sc.Validate(); err != nil {
		return usagef("--scenario %s with the flags given: %v", o.scenario, err)
	}
	if o.baseline != "" {
		if _, err := os.Stat(o.baseline); err != nil {
			return usagef("--baseline %s: %v", o.baseline, err)
		}
	}
	t, err := o.target.resolve()
	if err != nil {
		return err
	}

	started := time.Now().UTC()
	if o.out == "" {
		o.out = filepath.Join("out", "run-"+started.Format("20060102T150405Z"))
	}
	opts := []reports.Option{reports.WithLatencyTolerance(o.tolerance)}
	if o.baseline != "" {
		opts = append(opts, reports.WithBaseline(o.baseline))
	}
	if o.history != "" {
		opts = append(opts, reports.WithHistory(o.history))
	}
	res, err := runjob.Run(ctx, runjob.Config{
		Scenario: sc, Target: t, OutDir: o.out, Latency: o.latency,
		SkipContract: o.skipContract, AllowOverQuota: o.allowOverQuota,
		GeneratorOptions: account.generatorOptions(t), ReportOptions: opts,
		Progress: stderr, ToolVersion: version, Started: started,
	})
	if err != nil {
		return runError(err)
	}
	if res.Interrupted == runjob.PhaseSuite {
		return failedError{msg: "INTERRUPTED during the contract suite, before the load scenario; the suite's results are in " + o.out}
	}
	if res.LoadErr != nil {
		// Interrupted with a flush error: the files written still got
		// their reports, and the verdict says INTERRUPTED.
		fmt.Fprintf(stderr, "upsertbench run: load scenario %s: %v\n", sc.Name, res.LoadErr)
	}
	fmt.Fprintln(stderr)
	return printReport(res.Report, res.Paths, false, stdout)
}

// runError turns runjob.Run's error into the command's: what the user can
// fix before any request names its flag (exit 2).
func runError(err error) error {
	var ce *runjob.ConfigError
	var se *scenarios.Error
	switch {
	case errors.As(err, &ce):
		return usagef("%s: %v", runFlags[ce.Field], ce.Err)
	case errors.As(err, &se):
		return usagef("--scenario: %v", err)
	case isConfigError(err):
		return usagef("%v", err)
	}
	if perr := preflightError(err); perr != nil {
		return perr
	}
	return reportError(err)
}
