package runjob

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

// DefaultLatency is the in-process emulators' latency when neither
// Config.Latency nor the scenario sets one: a realistic lognormal answer
// time that keeps the run short.
const DefaultLatency = "lognormal:p50=40ms,p99=200ms"

// Config is one run of the main job.
type Config struct {
	// Scenario is the load scenario, validated, with the caller's changes
	// applied. Run does not modify it.
	Scenario *scenarios.Scenario
	// Target is the decision of target.Resolve. Its zero value (no URL)
	// runs both phases against in-process emulators.
	Target target.Target
	// OutDir receives every file of the run; it is created if needed.
	OutDir string
	// Latency is the in-process emulators' latency model, in
	// emulator.ParseLatency's syntax. Empty: the scenario's, else
	// DefaultLatency (also when the scenario says "none": the main job
	// shows realistic answer times). Unused with a Target.
	Latency string
	// SkipContract runs the load scenario and the report only.
	SkipContract bool
	// AllowOverQuota runs a plan beyond a real account's burst or daily
	// limits.
	AllowOverQuota bool
	// GeneratorOptions apply to the batches of both phases, e.g. a real
	// account's owner and queue ids.
	GeneratorOptions []generators.Option
	// ReportOptions apply to the report: a baseline, a latency tolerance,
	// and reports.WithHistory, whose file the run is appended to.
	ReportOptions []reports.Option
	// Progress receives a line per phase and the load phase's live
	// progress (nil: none).
	Progress io.Writer
	// ToolVersion is recorded in the summary.
	ToolVersion string
	// Started is when the run started; the suite's key prefix is named
	// after it (zero: now).
	Started time.Time
}

// Phase names a phase of the run.
type Phase string

// The phases of a run, in order.
const (
	PhaseSuite Phase = "contract suite"
	PhaseLoad  Phase = "load scenario"
)

// Outcome is what a run produced. Its files are in Config.OutDir.
type Outcome struct {
	// Suite is the contract suite's report (nil when skipped).
	Suite *contract.Report
	// Load is the load phase's summary (nil when it did not run).
	Load *results.Summary
	// LoadErr is the error of an interrupted load phase that still wrote
	// its summary (e.g. a flush failed): its files got their report, and
	// the error is for the caller to show.
	LoadErr error
	// Report is the run's report, written to Paths (nil when the run was
	// interrupted before its load phase).
	Report *reports.Report
	Paths  []string
	// Interrupted is the phase the run was interrupted in ("" when it was
	// not).
	Interrupted Phase
}

// Verdict is the run's verdict: the report's, or results.VerdictInterrupted
// when the run stopped before its report.
func (o *Outcome) Verdict() string {
	if o.Report == nil {
		return results.VerdictInterrupted
	}
	return o.Report.Summary.Verdict
}

// A ConfigError is a Config value Run refuses before any request; Field
// names it ("Latency", "OutDir").
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Run runs the contract suite (unless cfg.SkipContract), then the load
// scenario, then the report, into cfg.OutDir.
//
// Refusals come before any request is sent: a *ConfigError, the scenario's
// emulator settings as a *scenarios.Error, a plan beyond a real account's
// tier as a *load.QuotaError, an unreachable target as a
// *target.UnreachableError, and ctx's error when ctx ends during that
// preflight. Once requests were sent, cancelling ctx is not an error: the
// run stops, keeps its files, and Outcome.Interrupted names the phase; an
// interrupted load phase still gets its report, whose verdict is
// INTERRUPTED. Errors of the report step are reports.Publish's.
func Run(ctx context.Context, cfg Config) (*Outcome, error) {
	if cfg.Scenario == nil {
		return nil, fmt.Errorf("runjob: no scenario")
	}
	if cfg.OutDir == "" {
		return nil, &ConfigError{Field: "OutDir", Err: fmt.Errorf("no output folder")}
	}
	sc := *cfg.Scenario // the tier below is this run's, not the caller's
	t := cfg.Target
	started := cmp.Or(cfg.Started, time.Now()).UTC()

	// Everything that can refuse the run does so before any request.
	tier := t.Tier
	var emuOpts []emulator.Option
	where := t.URL
	if t.Emulated() {
		if tier != "" {
			sc.Emulator.Tier = tier
		}
		lat, err := latency(&sc, cfg.Latency)
		if err != nil {
			return nil, err
		}
		if _, err := load.EmulatorOptions(&sc); err != nil {
			return nil, err
		}
		emuOpts = []emulator.Option{emulator.WithLatency(lat)}
		where = fmt.Sprintf("the emulator in-process (latency %s)", lat)
	} else {
		tier = cmp.Or(tier, hubspot.TierFree)
		if !cfg.AllowOverQuota {
			if err := load.PlanFor(&sc, load.Shard{}).Check(tier); err != nil {
				return nil, err
			}
		}
		if err := target.Preflight(ctx, nil, t.URL); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, &ConfigError{Field: "OutDir", Err: err}
	}

	o := &Outcome{}
	if !cfg.SkipContract {
		rep, err := runSuite(ctx, cfg, &sc, started, emuOpts)
		if err != nil {
			return nil, err
		}
		o.Suite = rep
		pass, fail, skip := rep.Counts()
		progressf(cfg.Progress, "contract suite: %d passed, %d failed, %d skipped (%s)\n", pass, fail, skip, filepath.Join(cfg.OutDir, reports.ContractFile))
	}
	if ctx.Err() != nil {
		o.Interrupted = PhaseSuite
		return o, nil
	}

	// The load scenario: against the target, or against the emulator the
	// scenario describes (faults and all), which the load engine starts.
	progressf(cfg.Progress, "load scenario %s against %s …\n", sc.Name, where)
	sum, err := load.Run(ctx, load.Config{
		Scenario: &sc, BaseURL: t.URL, Token: t.Token, OutDir: cfg.OutDir, EmulatorOptions: emuOpts,
		AllowRemote: t.AllowRemote, AllowOverQuota: cfg.AllowOverQuota, Tier: tier,
		GeneratorOptions: cfg.GeneratorOptions,
		Progress:         cfg.Progress, ToolVersion: cfg.ToolVersion,
	})
	if err != nil {
		if sum == nil || !sum.Run.Interrupted {
			return nil, fmt.Errorf("load scenario %s: %w", sc.Name, err)
		}
		o.LoadErr = err
	}
	o.Load = sum
	if sum.Run.Interrupted {
		o.Interrupted = PhaseLoad
	}

	// The report, from the files just written.
	o.Report, o.Paths, err = reports.Publish([]string{cfg.OutDir}, cfg.OutDir, reports.AllFormats, cfg.ReportOptions...)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// runSuite runs the contract suite against the target, or against an
// in-process emulator of its own without the scenario's faults, and writes
// its files into the run folder.
func runSuite(ctx context.Context, cfg Config, sc *scenarios.Scenario, started time.Time, emuOpts []emulator.Option) (*contract.Report, error) {
	t := cfg.Target
	url, token, readOnly := t.URL, t.Token, t.ReadOnlyToken
	if t.Emulated() {
		srv, ro, err := StartSuiteEmulator("", readOnly, sc.Batch.IDProperty, append(emuOpts, emulator.WithSeed(sc.Seed))...)
		if err != nil {
			return nil, fmt.Errorf("start emulator: %w", err)
		}
		defer srv.Close()
		url, token, readOnly = srv.URL, srv.Token, ro
	}
	progressf(cfg.Progress, "contract suite against %s …\n", url)
	s, err := contract.NewSuite(contract.SuiteConfig{
		BaseURL: url, Token: token, ReadOnlyToken: readOnly, IDProperty: sc.Batch.IDProperty, Version: sc.Batch.Version,
		KeyPrefix: "ub-run-" + started.Format("20060102T150405"), Seed: sc.Seed,
		GeneratorOptions: cfg.GeneratorOptions,
	})
	if err != nil {
		return nil, fmt.Errorf("contract suite: %w", err)
	}
	rep := s.Run(ctx)
	if err := writeSuite(cfg.OutDir, rep); err != nil {
		return nil, err
	}
	return rep, nil
}

// latency is the in-process emulators' latency: flagValue, else the
// scenario's unless "none", else DefaultLatency. A bad scenario value is a
// *scenarios.Error at its place in the file.
func latency(sc *scenarios.Scenario, value string) (emulator.Latency, error) {
	spec := value
	if spec == "" && sc.Emulator.Latency != "none" {
		spec = sc.Emulator.Latency
	}
	lat, err := emulator.ParseLatency(cmp.Or(spec, DefaultLatency))
	if err != nil {
		if value != "" {
			return lat, &ConfigError{Field: "Latency", Err: err}
		}
		return lat, sc.FieldError("emulator.latency", "", err)
	}
	return lat, nil
}

func progressf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}
