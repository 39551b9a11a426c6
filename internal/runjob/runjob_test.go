package runjob

import (
	"bytes"
	"cmp"
	"context"
	"github.com/upsertbench/upsertbench/internal/results/resultstest"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

// faultyScenario is one second at 10 batches/s against an emulator that
// answers half of all requests 503. Its thresholds hold only when the load
// phase met those faults; the contract suite, which must not meet them,
// would fail on the first one.
const faultyScenario = `name: faulty
seed: 3
stages:
  - duration: 1s
    rate: 10
batch:
  size: 10
sample: 1
thresholds:
  - error_rate > 10%
  - contract_violations == 0
emulator:
  tier: none
  faults:
    - 5xx=0.5,status=503
`

func parse(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml))
	require.NoError(t, err)
	return sc
}

// checkStatus is the status of the suite's result for a check and case.
func checkStatus(t *testing.T, r *contract.Report, check contract.CheckName, caseName string) contract.Status {
	t.Helper()
	for _, c := range r.Checks {
		if c.Check == check && (caseName == "" || c.Case == caseName) {
			return c.Status
		}
	}
	t.Fatalf("no result for %s %s", check, caseName)
	return ""
}

// TestRunEachPhaseHasItsEmulator: against in-process emulators, the suite
// runs on one of its own (no faults, real limits, a read-only token) and
// the load phase on the one the scenario describes, faults and all.
func TestRunEachPhaseHasItsEmulator(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	hist := filepath.Join(dir, "history.jsonl")
	sc := parse(t, faultyScenario)
	var progress bytes.Buffer

	res, err := Run(context.Background(), Config{
		Scenario: sc, OutDir: out, Latency: "fixed:2ms", Progress: &progress, ToolVersion: "test",
		Target:        target.Target{Tier: hubspot.TierEnterprise},
		ReportOptions: []reports.Option{reports.WithHistory(hist)},
	})
	require.NoError(t, err, progress.String())
	assert.Empty(t, res.Interrupted)
	assert.NoError(t, res.LoadErr)
	assert.Equal(t, hubspot.TierNone, sc.Emulator.Tier, "the caller's scenario is not changed")

	// The suite: no 503 reached it, its emulator has the suite's limits
	// (rate-limit headers to check) and a read-only token (the 403 case ran).
	require.NotNil(t, res.Suite)
	pass, fail, _ := res.Suite.Counts()
	assert.Zero(t, fail, "the suite met the scenario's faults:\n%s", suiteText(t, res.Suite))
	assert.Positive(t, pass)
	assert.Equal(t, contract.StatusPass, checkStatus(t, res.Suite, contract.CheckRateLimitHeaders, ""))
	assert.Equal(t, contract.StatusPass, checkStatus(t, res.Suite, contract.CheckAuth, contract.CaseReadOnlyToken))

	// The load phase: the scenario's emulator, another server, with faults.
	require.NotNil(t, res.Load)
	assert.True(t, res.Load.Run.Emulated)
	assert.NotEqual(t, res.Suite.Target, res.Load.Run.Target, "both phases ran against one emulator")
	assert.Positive(t, res.Load.Metrics.StatusCodes["503"], "the load phase met no injected fault")
	assert.Positive(t, res.Load.Metrics.StatusCodes["200"])

	// The report: from the files written, suite included, history appended.
	require.NotNil(t, res.Report)
	assert.Equal(t, results.VerdictPass, res.Verdict(), "%v", res.Report.Failures)
	assert.Len(t, res.Paths, len(reports.AllFormats))
	for _, f := range []string{results.ResultsFile, results.SummaryFile, reports.ContractFile, ContractJUnitFile, ContractTextFile,
		reports.MarkdownFile, reports.HTMLFile, reports.JUnitFile, reports.TextFile} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	var suiteChecks int
	for _, c := range res.Report.Checks {
		if c.Source == reports.SourceSuite {
			suiteChecks++
		}
	}
	assert.Equal(t, len(res.Suite.Checks), suiteChecks, "the report holds every suite check")
	h, err := reports.ReadHistory(hist)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, results.VerdictPass, h[0].Verdict)

	p := progress.String()
	assert.Contains(t, p, "contract suite against "+res.Suite.Target+" …\n")
	assert.Contains(t, p, "load scenario faulty against the emulator in-process (latency fixed:2ms) …\n")
}

func suiteText(t *testing.T, r *contract.Report) string {
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b))
	return b.String()
}

// TestRunAgainstATarget: with a target, both phases go to it, and the
// scenario's emulator settings (its faults) play no part.
func TestRunAgainstATarget(t *testing.T) {
	srv := emulatortest.NewServer(t, emulator.WithTier(hubspot.TierProfessional), emulator.WithUniqueProperties(hubspot.DefaultIDProperty))
	out := filepath.Join(t.TempDir(), "run")
	res, err := Run(context.Background(), Config{
		Scenario: parse(t, strings.Replace(faultyScenario, "error_rate > 10%", "error_rate == 0%", 1)),
		Target:   target.Target{URL: srv.URL, Token: srv.Token, Tier: hubspot.TierProfessional},
		OutDir:   out,
	})
	require.NoError(t, err)
	assert.Equal(t, srv.URL, res.Suite.Target)
	assert.Equal(t, srv.URL, res.Load.Run.Target)
	assert.False(t, res.Load.Run.Emulated)
	assert.Zero(t, res.Load.Metrics.StatusCodes["503"])
	assert.Equal(t, results.VerdictPass, res.Verdict(), "%v", res.Report.Failures)
	assert.Equal(t, contract.StatusSkip, checkStatus(t, res.Suite, contract.CheckAuth, contract.CaseReadOnlyToken),
		"no read-only token was given for this target")
}

// cancelOn is a progress writer that cancels the run when a line with
// prefix is written, so an interruption lands in a known phase.
type cancelOn struct {
	mu     sync.Mutex
	prefix string
	cancel context.CancelFunc
	buf    bytes.Buffer
}

func (c *cancelOn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.HasPrefix(p, []byte(c.prefix)) {
		c.cancel()
	}
	return c.buf.Write(p)
}

// TestRunInterruptedInTheSuite: Ctrl-C once the suite has started keeps
// the suite's files, runs no load and says INTERRUPTED.
func TestRunInterruptedInTheSuite(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	hist := filepath.Join(dir, "history.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	progress := &cancelOn{prefix: "contract suite against ", cancel: cancel}

	res, err := Run(ctx, Config{
		Scenario: parse(t, faultyScenario), OutDir: out, Latency: "fixed:2ms", Progress: progress,
		ReportOptions: []reports.Option{reports.WithHistory(hist)},
	})
	require.NoError(t, err, "an interruption is not an error")
	assert.Equal(t, PhaseSuite, res.Interrupted)
	assert.Equal(t, results.VerdictInterrupted, res.Verdict())
	require.NotNil(t, res.Suite)
	assert.NotZero(t, interruptedChecks(res.Suite), "the suite saw the Ctrl-C")
	assert.Nil(t, res.Load)
	assert.Nil(t, res.Report)

	for _, f := range []string{reports.ContractFile, ContractJUnitFile, ContractTextFile} {
		assert.FileExists(t, filepath.Join(out, f), "the suite's files are kept")
	}
	for _, f := range []string{results.ResultsFile, results.SummaryFile} {
		assert.NoFileExists(t, filepath.Join(out, f), "no load phase ran")
	}
	assert.NoFileExists(t, hist, "an unfinished run without a summary is not history")
	assert.NotContains(t, progress.buf.String(), "load scenario")
}

// interruptedChecks counts the suite's checks skipped by an interruption.
func interruptedChecks(r *contract.Report) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == contract.StatusSkip && strings.HasPrefix(c.Reason, "interrupted") {
			n++
		}
	}
	return n
}

// TestRunInterruptedInTheLoad: Ctrl-C once results.bin has grown keeps
// every file, gives them their report, and the verdict is INTERRUPTED in
// the summary, the reports and the history.
func TestRunInterruptedInTheLoad(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "run")
	hist := filepath.Join(dir, "history.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := resultstest.CancelOnceWritten(ctx, cancel, out, 2048)
	res, err := Run(ctx, Config{
		Scenario: parse(t, resultstest.LongScenario), OutDir: out, Latency: "fixed:5ms",
		ReportOptions: []reports.Option{reports.WithHistory(hist)},
	})
	cancel()
	<-done
	require.NoError(t, err)
	assert.Equal(t, PhaseLoad, res.Interrupted)
	assert.Equal(t, results.VerdictInterrupted, res.Verdict())
	require.NotNil(t, res.Suite)
	_, fail, _ := res.Suite.Counts()
	assert.Zero(t, fail)
	assert.Zero(t, interruptedChecks(res.Suite), "the suite ran to its end before the load phase")

	require.NotNil(t, res.Load)
	assert.True(t, res.Load.Run.Interrupted)
	assert.Positive(t, res.Load.Metrics.Requests, "the load phase had started")
	assert.Less(t, res.Load.Metrics.Requests, uint64(1200), "and did not run to its end")
	stats, err := results.ScanFile(filepath.Join(out, results.ResultsFile), func(*vegeta.Result) error { return nil })
	require.NoError(t, err)
	assert.Equal(t, res.Load.Metrics.Requests, stats.Results, "results.bin holds every request counted")

	sum, err := results.ReadSummary(out)
	require.NoError(t, err)
	assert.Equal(t, results.VerdictInterrupted, sum.Verdict)
	for file, want := range map[string]string{
		reports.TextFile:     "INTERRUPTED  long",
		reports.MarkdownFile: "INTERRUPTED",
		reports.HTMLFile:     `<div class="verdict">INTERRUPTED</div>`,
		reports.JUnitFile:    `type="interrupted"`,
		reports.ContractFile: `"checks"`,
	} {
		data, err := os.ReadFile(filepath.Join(out, file))
		require.NoError(t, err, file)
		assert.Contains(t, string(data), want, file)
	}
	h, err := reports.ReadHistory(hist)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, results.VerdictInterrupted, h[0].Verdict)
}

// TestRunRefusesBeforeAnyRequest: every refusal comes before a request is
// sent and before the output folder is created, with an error the caller
// can tell apart.
func TestRunRefusesBeforeAnyRequest(t *testing.T) {
	closed := closedPort(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))

	cases := []struct {
		name  string
		ctx   context.Context
		yaml  string
		cfg   Config
		check func(t *testing.T, err error)
	}{
		{name: "latency value", cfg: Config{Latency: "gaussian:1ms"}, check: func(t *testing.T, err error) {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "Latency", ce.Field)
		}},
		{name: "the scenario's latency", yaml: faultyScenario + "  latency: gaussian:1ms\n", check: func(t *testing.T, err error) {
			var se *scenarios.Error
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), "emulator.latency")
		}},
		{name: "the scenario's faults", yaml: strings.Replace(faultyScenario, "5xx=0.5,status=503", "boom=1", 1), check: func(t *testing.T, err error) {
			var se *scenarios.Error
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), "emulator.faults[0]")
		}},
		{name: "output folder under a file", cfg: Config{OutDir: filepath.Join(file, "run")}, check: func(t *testing.T, err error) {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "OutDir", ce.Field)
		}},
		{name: "no output folder", cfg: Config{OutDir: "-"}, check: func(t *testing.T, err error) {
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "OutDir", ce.Field)
		}},
		{name: "a plan beyond the tier of a remote account", yaml: strings.Replace(faultyScenario, "rate: 10\n", "rate: 500\n", 1),
			cfg: Config{Target: target.Target{URL: "https://api.hubapi.com", Token: "x", Remote: true, AllowRemote: true, Tier: hubspot.TierFree}},
			check: func(t *testing.T, err error) {
				var qe *load.QuotaError
				require.ErrorAs(t, err, &qe)
			}},
		{name: "unreachable target", cfg: Config{Target: target.Target{URL: closed, Token: "x"}}, check: func(t *testing.T, err error) {
			var ue *target.UnreachableError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, "connection refused", ue.Cause)
		}},
		{name: "interrupted in the preflight", ctx: cancelled, cfg: Config{Target: target.Target{URL: closed, Token: "x"}},
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.Canceled)
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Scenario = parse(t, cmp.Or(tc.yaml, faultyScenario))
			switch cfg.OutDir {
			case "":
				cfg.OutDir = filepath.Join(t.TempDir(), "run")
			case "-":
				cfg.OutDir = ""
			}
			res, err := Run(cmp.Or(tc.ctx, context.Background()), cfg)
			require.Error(t, err)
			assert.Nil(t, res)
			tc.check(t, err)
			if cfg.OutDir != "" {
				assert.NoDirExists(t, cfg.OutDir, "refused before the output folder")
			}
		})
	}
}

// closedPort is the URL of a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}
