package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/load"
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

// Defaults of the run command.
const (
	defaultRunScenario = "smoke"
	// defaultRunLatency is the emulator's latency when the scenario sets
	// none: a realistic lognormal answer time that keeps the run short.
	defaultRunLatency = "lognormal:p50=40ms,p99=200ms"
	// Output files of the contract suite inside the run folder.
	contractJUnitFile = "contract-junit.xml"
	contractTextFile  = "contract.txt"
)

// runOptions are the parsed flags of run.
type runOptions struct {
	scenario, out, history, baseline, latency string
	allowOverQuota, skipContract              bool
	tolerance                                 float64
	target                                    targetFlags
}

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
	fs.StringVar(&o.latency, "latency", "", "emulator latency model (default: the scenario's, else "+defaultRunLatency+")")
	fs.BoolVar(&o.skipContract, "skip-contract", false, "do not run the contract suite (load scenario and reports only)")
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
	if o.baseline != "" {
		if _, err := os.Stat(o.baseline); err != nil {
			return usagef("--baseline %s: %v", o.baseline, err)
		}
	}
	t, err := o.target.resolve()
	if err != nil {
		return err
	}

	// Everything that can refuse the run does so before any request: the
	// target, the plan against the account's limits, the scenario's
	// emulator settings, the reachability of the target.
	tier := t.Tier
	var emuOpts []emulator.Option
	where := t.URL
	if t.Emulated() {
		if tier != "" {
			sc.Emulator.Tier = tier
		}
		lat, err := runLatency(sc, o.latency)
		if err != nil {
			return err
		}
		if _, err := load.EmulatorOptions(sc); err != nil {
			return usagef("--scenario: %v", err)
		}
		emuOpts = []emulator.Option{emulator.WithLatency(lat)}
		where = fmt.Sprintf("the emulator in-process (latency %s)", lat)
	} else {
		tier = cmp.Or(tier, hubspot.TierFree)
		if !o.allowOverQuota {
			if err := load.PlanFor(sc, results.Shard{}).Check(tier); err != nil {
				return usagef("%v", err)
			}
		}
		if err := preflight(ctx, t); err != nil {
			return err
		}
	}

	started := time.Now().UTC()
	if o.out == "" {
		o.out = filepath.Join("out", "run-"+started.Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}

	// 1. The contract suite: against the target, or against an emulator of
	// its own without the scenario's faults (it checks the contract; an
	// injected 5xx is a finding only under load).
	var suite *contract.Report
	if !o.skipContract {
		suiteURL, suiteToken, suiteRO := t.URL, t.Token, t.ReadOnlyToken
		if t.Emulated() {
			srv, ro, err := startSuiteEmulator("", suiteRO, sc.Batch.IDProperty, append(emuOpts, emulator.WithSeed(sc.Seed))...)
			if err != nil {
				return fmt.Errorf("start emulator: %w", err)
			}
			defer srv.Close()
			suiteURL, suiteToken, suiteRO = srv.URL, srv.Token, ro
		}
		fmt.Fprintf(stderr, "contract suite against %s …\n", suiteURL)
		s, err := contract.NewSuite(contract.SuiteConfig{
			BaseURL: suiteURL, Token: suiteToken, ReadOnlyToken: suiteRO, IDProperty: sc.Batch.IDProperty, Version: sc.Batch.Version,
			KeyPrefix: "ub-run-" + started.Format("20060102T150405"), Seed: sc.Seed,
			GeneratorOptions: account.generatorOptions(t),
		})
		if err != nil {
			return usagef("contract suite: %v", err)
		}
		suite = s.Run(ctx)
		if err := writeSuite(o.out, suite); err != nil {
			return err
		}
		pass, fail, skip := suite.Counts()
		fmt.Fprintf(stderr, "contract suite: %d passed, %d failed, %d skipped (%s)\n", pass, fail, skip, filepath.Join(o.out, reports.ContractFile))
	}
	if ctx.Err() != nil {
		return failedError{msg: "INTERRUPTED during the contract suite, before the load scenario; the suite's results are in " + o.out}
	}

	// 2. The load scenario: against the target, or against the emulator
	// the scenario describes, which the load engine starts.
	fmt.Fprintf(stderr, "load scenario %s against %s …\n", sc.Name, where)
	sum, err := load.Run(ctx, load.Config{
		Scenario: sc, BaseURL: t.URL, Token: t.Token, OutDir: o.out, EmulatorOptions: emuOpts,
		AllowRemote: t.AllowRemote, AllowOverQuota: o.allowOverQuota, Tier: tier,
		GeneratorOptions: account.generatorOptions(t),
		Progress:         stderr, ToolVersion: version,
	})
	if err != nil {
		if isConfigError(err) {
			return usagef("%v", err)
		}
		if sum == nil || !sum.Run.Interrupted {
			return fmt.Errorf("load scenario %s: %w", sc.Name, err)
		}
		// Interrupted with a flush error: the files written still get
		// their reports, and the verdict says INTERRUPTED.
		fmt.Fprintf(stderr, "upsertbench run: load scenario %s: %v\n", sc.Name, err)
	}

	// 3. Every report, from the files just written.
	opts := []reports.Option{reports.WithLatencyTolerance(o.tolerance)}
	if o.baseline != "" {
		opts = append(opts, reports.WithBaseline(o.baseline))
	}
	if o.history != "" {
		opts = append(opts, reports.WithHistory(o.history))
	}
	fmt.Fprintln(stderr)
	return reportAndPrint([]string{o.out}, o.out, reports.AllFormats, o.history, false, stdout, stderr, opts...)
}

// runLatency is the latency of run's emulators: --latency, else the
// scenario's, else defaultRunLatency (also when the scenario says none: the
// main job shows realistic answer times).
func runLatency(sc *scenarios.Scenario, flagValue string) (emulator.Latency, error) {
	spec := flagValue
	if spec == "" && sc.Emulator.Latency != "none" {
		spec = sc.Emulator.Latency
	}
	lat, err := emulator.ParseLatency(cmp.Or(spec, defaultRunLatency))
	if err != nil {
		if flagValue != "" {
			return lat, usagef("--latency: %v", err)
		}
		return lat, usagef("--scenario: %v", sc.FieldError("emulator.latency", "", err))
	}
	return lat, nil
}

// writeSuite writes the contract suite's JSON (read back by reports),
// JUnit and text into the run folder, atomically.
func writeSuite(dir string, r *contract.Report) error {
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{reports.ContractFile, r.WriteJSON},
		{contractJUnitFile, r.WriteJUnit},
		{contractTextFile, r.WriteText},
	} {
		var buf bytes.Buffer
		if err := out.write(&buf); err != nil {
			return fmt.Errorf("render %s: %w", out.name, err)
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, out.name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
