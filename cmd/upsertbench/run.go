package main

import (
	"bytes"
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
	envTarget         = "UPSERTBENCH_TARGET"
	// Output files of the contract suite inside the run folder.
	contractJUnitFile = "contract-junit.xml"
	contractTextFile  = "contract.txt"
)

// runOptions are the parsed flags of run.
type runOptions struct {
	scenario, target, token, out, history, baseline, latency string
	tier, readOnlyToken                                      string
	allowRemote, allowOverQuota, skipContract                bool
	tolerance                                                float64
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	var o runOptions
	fs.StringVar(&o.scenario, "scenario", defaultRunScenario, "load scenario: a built-in name (see 'upsertbench load --list') or a YAML file")
	fs.StringVar(&o.target, "target", os.Getenv(envTarget), "base URL of the endpoint to test (default $"+envTarget+"; empty: the emulator in-process)")
	fs.StringVar(&o.token, "token", "", "private app token for --target (default $"+envToken+"); never written anywhere")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a --target that is not on this machine")
	fs.BoolVar(&o.allowOverQuota, "allow-over-quota", false, "run a plan beyond the tier's burst or daily limits")
	fs.StringVar(&o.out, "out", "", "output folder (default ./out/run-<UTC time>)")
	fs.StringVar(&o.history, "history", "", "JSON Lines history file to append this run to (trend charts of the last 30 runs)")
	fs.StringVar(&o.baseline, "baseline", "", "an earlier summary.json to compare with; a regression fails the run")
	fs.Float64Var(&o.tolerance, "latency-tolerance", reports.DefaultLatencyTolerance, "share by which p95/p99 may worsen against --baseline")
	fs.StringVar(&o.latency, "latency", "", "emulator latency model (default: the scenario's, else "+defaultRunLatency+")")
	fs.BoolVar(&o.skipContract, "skip-contract", false, "do not run the contract suite (load scenario and reports only)")
	fs.StringVar(&o.tier, "tier", "", "HubSpot tier of --target's account, whose limits the load plan is checked against (default free); one of none, free, professional, enterprise, capacity")
	fs.StringVar(&o.readOnlyToken, "read-only-token", "", "for --target: a token without write scopes, so the suite checks the 403 on writes (default $"+envReadOnlyToken+")")
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
	var remoteTier hubspot.Tier
	if o.tier != "" {
		if remoteTier, err = hubspot.ParseTier(o.tier); err != nil {
			return usagef("--tier: %v", err)
		}
	}
	if o.baseline != "" {
		if _, err := os.Stat(o.baseline); err != nil {
			return usagef("--baseline %s: %v", o.baseline, err)
		}
	}
	started := time.Now().UTC()
	if o.out == "" {
		o.out = filepath.Join("out", "run-"+started.Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return usagef("--out: %v", err)
	}

	// The target: given, or an emulator in this process.
	baseURL, token := o.target, o.token
	if token == "" {
		token = os.Getenv(envToken)
	}
	emulated := baseURL == ""
	var suiteURL, suiteToken string
	suiteReadOnly := firstNonEmpty(o.readOnlyToken, os.Getenv(envReadOnlyToken))
	loadTier := remoteTier // "" → the load planner's default (free) for a real target
	if emulated {
		emuOpts, err := runEmulatorOptions(sc, o.latency)
		if err != nil {
			return err
		}
		url, tok, stopEmu, err := startEmulator(token, emuOpts...)
		if err != nil {
			return fmt.Errorf("start emulator: %w", err)
		}
		defer stopEmu()
		baseURL, token = url, tok
		loadTier = sc.Emulator.Tier
		// The contract suite gets an emulator of its own without the
		// scenario's faults: it checks the contract, and an injected 5xx is
		// a finding only under load. It has a read-only token and real
		// limits, so the 403 and rate-limit header checks run too.
		if suiteReadOnly, err = generateToken(); err != nil {
			return err
		}
		lat, _ := emulator.ParseLatency(pick(o.latency, defaultRunLatency))
		surl, stok, stopSuite, err := startEmulator("", emulator.WithLatency(lat), emulator.WithSeed(sc.Seed),
			emulator.WithReadOnlyToken(suiteReadOnly), emulator.WithTier(contractEmulatorTier),
			emulator.WithUniqueProperties(sc.Batch.IDProperty))
		if err != nil {
			return fmt.Errorf("start emulator: %w", err)
		}
		defer stopSuite()
		suiteURL, suiteToken = surl, stok
		fmt.Fprintf(stderr, "emulator on %s (latency %s)\n", baseURL, pick(o.latency, sc.Emulator.Latency, defaultRunLatency))
	} else {
		if err := checkTarget(baseURL, o.allowRemote); err != nil {
			return err
		}
		if token == "" {
			return usagef("--target %s needs a token: pass --token or set %s", baseURL, envToken)
		}
		suiteURL, suiteToken = baseURL, token
	}

	// 1. The contract suite.
	var suite *contract.Report
	if !o.skipContract {
		fmt.Fprintf(stderr, "contract suite against %s …\n", suiteURL)
		s, err := contract.NewSuite(contract.SuiteConfig{
			BaseURL: suiteURL, Token: suiteToken, ReadOnlyToken: suiteReadOnly, IDProperty: sc.Batch.IDProperty, Version: sc.Batch.Version,
			KeyPrefix: "ub-run-" + started.Format("20060102T150405"), Seed: sc.Seed,
			GeneratorOptions: account.generatorOptions(o.target),
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
		return failedError{msg: "interrupted before the load scenario"}
	}

	// 2. The load scenario.
	fmt.Fprintf(stderr, "load scenario %s against %s …\n", sc.Name, baseURL)
	_, err = load.Run(ctx, load.Config{
		Scenario: sc, BaseURL: baseURL, Token: token, OutDir: o.out, Emulated: emulated,
		AllowRemote: o.allowRemote, AllowOverQuota: o.allowOverQuota, Tier: loadTier,
		GeneratorOptions: account.generatorOptions(o.target),
		Progress:         stderr, ToolVersion: version,
	})
	if err != nil {
		return fmt.Errorf("load scenario %s: %w", sc.Name, err)
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

// runEmulatorOptions configures the load emulator from the scenario's
// emulator settings; --latency overrides the latency, and a scenario
// without one gets defaultRunLatency.
func runEmulatorOptions(sc *scenarios.Scenario, latencyFlag string) ([]emulator.Option, error) {
	spec := pick(latencyFlag, sc.Emulator.Latency, defaultRunLatency)
	if spec == "none" && latencyFlag == "" {
		spec = defaultRunLatency
	}
	lat, err := emulator.ParseLatency(spec)
	if err != nil {
		return nil, usagef("--latency: %v", err)
	}
	return scenarioEmulatorOptions(sc, lat)
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

// pick returns the first non-empty value.
func pick(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
