package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// ContractFile is the contract suite's report (contract.Report as JSON)
// inside a run folder; `upsertbench run` writes it next to the load
// results, and Build folds its checks into the report when present.
const ContractFile = "contract.json"

// Option configures Build.
type Option func(*config)

type config struct {
	baselinePath string
	baseline     *results.Summary
	historyPath  string
	historyRuns  int
	limits       results.BaselineLimits
	maxPoints    int
	maxFindings  int
	now          func() time.Time
	suites       []*contract.Report
	expectShards int
	maxSkew      time.Duration
	maxSkewSet   bool
}

// WithBaseline compares the run with the summary.json at path.
func WithBaseline(path string) Option { return func(c *config) { c.baselinePath = path } }

// WithBaselineSummary compares the run with s; name labels it in outputs.
func WithBaselineSummary(s *results.Summary, name string) Option {
	return func(c *config) { c.baseline, c.baselinePath = s, name }
}

// WithHistory reads the history file at path so the report shows the
// trend of the last runs (this one included). Build does not write it:
// call (*Report).AppendHistory once the run is final.
func WithHistory(path string) Option { return func(c *config) { c.historyPath = path } }

// WithHistoryRuns sets how many runs the trend shows (DefaultHistoryRuns).
func WithHistoryRuns(n int) Option { return func(c *config) { c.historyRuns = n } }

// WithLimits sets the regression tolerances (DefaultLimits; zero fields
// keep their default).
func WithLimits(l results.BaselineLimits) Option { return func(c *config) { c.limits = l } }

// WithLatencyTolerance sets only the p95/p99 regression tolerance.
func WithLatencyTolerance(share float64) Option { return func(c *config) { c.limits.Latency = share } }

// WithMaxPoints bounds the points of every time series (DefaultMaxPoints).
func WithMaxPoints(n int) Option { return func(c *config) { c.maxPoints = n } }

// WithMaxFindings bounds the findings kept for rendering (DefaultMaxFindings).
func WithMaxFindings(n int) Option { return func(c *config) { c.maxFindings = n } }

// WithNow sets the clock for GeneratedAt (tests use a fixed one).
func WithNow(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithContractReport adds the checks of a contract suite run (in addition
// to any contract.json found in the run folders).
func WithContractReport(r *contract.Report) Option {
	return func(c *config) {
		if r != nil {
			c.suites = append(c.suites, r)
		}
	}
}

// InputError is an unreadable or inconsistent input; Path names the file.
// The CLI maps it to exit code 2.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %v", e.Path, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// Build reads the run folders dirs (shards of one run merge: their
// results files are streamed one after the other into one accumulator),
// recomputes every figure from the results, evaluates the scenario's
// thresholds (from summary.json's run.scenarioYAML) on the merged data,
// folds in the contract findings and suite checks, compares with the
// baseline and reads the history.
//
// Each dir must hold results.bin and summary.json (findings.jsonl and
// contract.json are optional), or be a folder of shard folders
// (shard-<I>/, see results.ShardDirs), which stands for them; its own
// contract.json is the run's contract suite. Merging several shards, or
// told to expect some (WithExpectShards), the report judges that the
// shards are all there and started together (run checks
// shards-complete and shards-together), and counts rate and throughput
// over the window all of them were sending in. Errors about inputs are
// *InputError.
func Build(dirs []string, opts ...Option) (*Report, error) {
	cfg := config{historyRuns: DefaultHistoryRuns, maxPoints: DefaultMaxPoints, maxFindings: DefaultMaxFindings, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if len(dirs) == 0 {
		return nil, errors.New("no run folder given")
	}
	dirs, parents, err := expandInputs(dirs)
	if err != nil {
		return nil, err
	}

	// Run metadata and contract counts from each shard's summary.
	merged := results.NewSummary()
	sums := make([]*results.Summary, 0, len(dirs))
	for _, d := range dirs {
		sp := summaryPath(d)
		s, err := results.ReadSummary(sp)
		if err != nil {
			return nil, &InputError{Path: sp, Err: unwrapPath(err)}
		}
		if cfg.expectShards > 0 {
			if err := checkShardCount(s, cfg.expectShards); err != nil {
				return nil, &InputError{Path: sp, Err: err}
			}
		}
		if err := merged.MergeRun(s); err != nil {
			return nil, &InputError{Path: sp, Err: err}
		}
		merged.MergeContract(s.Contract)
		sums = append(sums, s)
	}
	// Run-wide invariants: each shard's counts add up (shards' keys are
	// disjoint, so the sums are the whole run's), one id per unique value
	// across shards comes from their ids.bin, and the run checks judge
	// them once.
	if err := mergeInvariants(merged, dirs, sums); err != nil {
		return nil, err
	}
	// Shards: which are missing, how far apart they started, and the
	// window all of them were sending in, counted while the results stream.
	var merge *results.MergeInfo
	if len(sums) > 1 || cfg.expectShards > 0 {
		if !cfg.maxSkewSet {
			cfg.maxSkew = results.DefaultMaxSkew
		}
		for i, s := range sums {
			if err := fillSpan(dirs[i], s); err != nil {
				return nil, err
			}
		}
		merge = results.NewMergeInfo(sums, cfg.expectShards, cfg.maxSkew)
		merged.Run.Merge = merge
	}
	// Findings are counted from summary (Violations) but kept for display
	// from findings.jsonl, which has all of them.
	merged.Contract.Findings = nil
	r := &Report{Summary: merged, Inputs: dirs, GeneratedAt: cfg.now().UTC()}

	// Figures recomputed from the results files.
	acc := results.NewAccumulator()
	for _, d := range dirs {
		rp, err := results.ResultsPath(d)
		if err != nil {
			return nil, &InputError{Path: d, Err: unwrapPath(err)}
		}
		if _, err := results.ScanFile(rp, func(res *vegeta.Result) error {
			acc.Add(res)
			if merge != nil {
				merge.Count(res)
			}
			return nil
		}); err != nil {
			return nil, &InputError{Path: rp, Err: unwrapPath(err)}
		}
	}
	acc.Fill(merged)
	if merge != nil && len(sums) > 1 && merge.Window.Duration() > 0 {
		// Over the union of the shards' spans a late shard dilutes the
		// rate (Vegeta's merged rate): count over the shared window. With
		// none (shards that never all sent at once, a failed run check),
		// the union's rate stays: it is what the target got.
		merged.Metrics.Rate, merged.Metrics.Throughput = merge.Window.Rate(), merge.Window.Throughput()
		merged.AchievedRate = merged.Metrics.Rate
	}
	r.Series = acc.Series(cfg.maxPoints)
	r.Distribution = acc.Distribution()

	for _, d := range dirs {
		err := results.EachFinding(d, func(f results.Finding) error {
			r.FindingsTotal++
			if len(r.Findings) < cfg.maxFindings {
				r.Findings = append(r.Findings, f)
			}
			return nil
		})
		if err != nil {
			return nil, &InputError{Path: results.FindingsPath(d), Err: unwrapPath(err)}
		}
	}
	// A summary may count violations whose findings.jsonl is gone.
	if v := int(merged.Contract.Violations); v > r.FindingsTotal {
		r.FindingsTotal = v
	}

	// Thresholds of the scenario as it ran.
	var ths []scenarios.Threshold
	if y := merged.Run.ScenarioYAML; y != "" {
		sc, err := scenarios.Parse(merged.Run.Scenario, []byte(y))
		if err != nil {
			return nil, &InputError{Path: summaryPath(dirs[0]), Err: fmt.Errorf("run.scenarioYAML: %w", err)}
		}
		ths = sc.Thresholds
		r.scenario = sc
		// The last point's middle may lie past the plan's end, where the
		// scenario asks for nothing; the plan's last rate holds there.
		end := sc.Duration()
		r.rateAt = func(t time.Duration) float64 {
			if end > 0 && t >= end {
				t = end - time.Millisecond
			}
			return sc.RateAt(t)
		}
	}
	merged.Thresholds = Evaluate(ths, merged)

	// Contract checks: sampled under load, and suite runs.
	r.Checks = sampledChecks(merged, r.Findings)
	suites := cfg.suites
	for _, d := range slices.Concat(dirs, parents) {
		cr, err := readContractReport(d)
		if err != nil {
			return nil, err
		}
		if cr != nil {
			suites = append(suites, cr)
		}
	}
	for _, s := range suites {
		r.Checks = append(r.Checks, suiteChecks(s)...)
		for _, f := range s.Findings() {
			r.FindingsTotal++
			if len(r.Findings) < cfg.maxFindings {
				r.Findings = append(r.Findings, f.Record())
			}
		}
	}

	// Baseline.
	if cfg.baseline == nil && cfg.baselinePath != "" {
		b, err := results.ReadSummary(cfg.baselinePath)
		if err != nil {
			return nil, &InputError{Path: cfg.baselinePath, Err: unwrapPath(err)}
		}
		cfg.baseline = b
	}
	if cfg.baseline != nil {
		if cfg.baseline.Run.Interrupted || cfg.baseline.Verdict == VerdictInterrupted {
			return nil, &InputError{Path: cfg.baselinePath, Err: errors.New("an interrupted run cannot be a baseline: its figures cover part of a run (compare with a run that finished)")}
		}
		merged.Baseline = Compare(cfg.baseline, merged, cfg.limits)
		merged.Baseline.File = cfg.baselinePath
	}

	r.finalize()

	if cfg.historyPath != "" {
		h, err := ReadHistory(cfg.historyPath)
		if err != nil {
			return nil, &InputError{Path: cfg.historyPath, Err: err}
		}
		h = append(h, HistoryEntryOf(merged))
		r.History = lastRuns(h, cfg.historyRuns)
	}
	return r, nil
}

// AppendHistory appends this run to the history file at path.
func (r *Report) AppendHistory(path string) error {
	_, err := AppendHistory(path, HistoryEntryOf(r.Summary))
	return err
}

// suiteChecks turns a contract suite report into check verdicts.
func suiteChecks(cr *contract.Report) []CheckVerdict {
	out := make([]CheckVerdict, 0, len(cr.Checks))
	for _, c := range cr.Checks {
		v := CheckVerdict{Name: c.Check, Case: c.Case, Source: SourceSuite, Status: string(c.Status), Findings: uint64(len(c.Findings)), Message: c.Reason}
		if len(c.Findings) > 0 {
			v.Detail = c.Findings[0].Error()
			if v.Message == "" {
				v.Message = c.Findings[0].Message
			}
		}
		if v.Message == "" {
			v.Message = "passed"
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		out = append(out, CheckVerdict{Name: "suite", Source: SourceSuite, Status: StatusFail,
			Message: "the contract suite ran no check: a suite that checked nothing proves nothing"})
	}
	return out
}

// readContractReport reads dir/contract.json when there is one.
func readContractReport(dir string) (*contract.Report, error) {
	if !isDir(dir) {
		return nil, nil
	}
	p := filepath.Join(dir, ContractFile)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &InputError{Path: p, Err: unwrapPath(err)}
	}
	var cr contract.Report
	if err := json.Unmarshal(data, &cr); err != nil {
		return nil, &InputError{Path: p, Err: fmt.Errorf("not a contract report: %w", err)}
	}
	return &cr, nil
}

// summaryPath is the summary.json of a run folder, or the one next to a
// results file given by path.
func summaryPath(dirOrFile string) string {
	if fi, err := os.Stat(dirOrFile); err == nil && fi.Mode().IsRegular() {
		return filepath.Join(filepath.Dir(dirOrFile), results.SummaryFile)
	}
	return filepath.Join(dirOrFile, results.SummaryFile)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// unwrapPath drops the path an *fs.PathError repeats, since InputError
// names the file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
