package load

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Defaults of a run.
const (
	// DefaultStopGrace is how long an interrupted run waits for requests
	// already in flight before it cuts their connections.
	DefaultStopGrace = 2 * time.Second
	// DefaultUpdateLagWindow sizes the generator's update lag: updates only
	// name keys created at least this long ago at the peak rate, so they
	// find their record created even with that many batches in flight.
	DefaultUpdateLagWindow = 2 * time.Second
)

// Config is one load run.
type Config struct {
	// Scenario to run (validated, from package scenarios); flags are
	// applied to it by the caller.
	Scenario *scenarios.Scenario
	// BaseURL of the target, e.g. http://127.0.0.1:8080; Token is sent as a
	// bearer token and is never written anywhere. An empty BaseURL runs
	// against an emulator started on loopback for the run, configured by
	// the scenario's emulator section (see EmulatorOptions), with Token as
	// its token when given.
	BaseURL, Token string
	// EmulatorOptions are applied after the scenario's when the run starts
	// its own emulator (empty BaseURL), e.g. emulator.WithLatency to
	// override the scenario's latency model.
	EmulatorOptions []emulator.Option
	// Emulated says the target is an emulator (set by Run when it starts
	// one): the quota planner then stays out of the way (it guards real
	// accounts).
	Emulated bool
	// OutDir receives results.bin, findings.jsonl and summary.json.
	OutDir string
	// Shard is this process's part of an N-way run (zero: the whole run).
	Shard Shard
	// AllowRemote permits a non-loopback target; AllowOverQuota permits a
	// plan beyond Tier's budgets.
	AllowRemote, AllowOverQuota bool
	// Tier whose budgets the plan is checked against (non-emulated targets;
	// empty: hubspot.TierFree, the smallest).
	Tier hubspot.Tier
	// Progress receives the live progress line (nil: none).
	Progress io.Writer
	// ProgressInterval overrides the progress cadence (0: one second on a
	// terminal, ten seconds otherwise).
	ProgressInterval time.Duration
	// ToolVersion is recorded in the summary.
	ToolVersion string
	// Validator checks the sampled responses (nil: contract.DefaultValidator).
	Validator *contract.Validator
	// Seed overrides the scenario's seed when non-zero. With neither, a
	// random seed is drawn and recorded.
	Seed uint64
	// KeyPrefix overrides the prefix of unique values ("ub-<seed in hex>").
	KeyPrefix string
	// GeneratorOptions are applied after the scenario's batch settings,
	// e.g. a real account's owner and queue ids (generators.WithOwnerIDs).
	GeneratorOptions []generators.Option
	// LateAfter is the tolerance below which a send counts as on time
	// (results.DefaultLateAfter when 0).
	LateAfter time.Duration
	// StopGrace overrides DefaultStopGrace.
	StopGrace time.Duration
	// Checkers is the number of contract-check goroutines (0: one per four
	// CPUs, at least one).
	Checkers int
	// CheckBudget is the share of one CPU the sampled contract checks may
	// still use while the attack is falling behind (0: DefaultCheckBudget;
	// negative: no limit, they never step back). While it keeps up every
	// sample is checked; see checkpolicy.go.
	CheckBudget float64
	// SchemaBudget is the share of one CPU the full schema check of every
	// answer may still use while the attack is falling behind (0:
	// DefaultSchemaBudget; negative: no limit, every answer is checked
	// whatever it costs). While it keeps up every answer is checked; answers
	// left unchecked are reported (InvariantsSummary.Schema.Share).
	SchemaBudget float64
	// FreshTarget says the target cannot hold any of this run's keys
	// before the run (set by Run for the emulator it starts): "new exactly
	// once" then also requires new:true of every key the run creates. A
	// run with a random seed and the default key prefix has fresh keys
	// anyway; a fixed seed or key prefix against a target of the caller's
	// may find keys an earlier run with the same seed left there.
	FreshTarget bool
	// ownEmulator is set by Run when it started the target: its record
	// ids come from a store no other shard writes to.
	ownEmulator bool
	// StartAt is the instant the schedule begins (zero: once the run is
	// ready); the shards of a run share it. A run ready more than
	// MaxStartLag (DefaultMaxStartLag when 0) after it sends nothing,
	// writes nothing and returns a *LateStartError.
	StartAt     time.Time
	MaxStartLag time.Duration
}

// Run executes cfg's scenario and returns its summary, which is also in
// OutDir/summary.json. Cancelling ctx stops the attack cleanly: no new
// requests leave, those in flight get StopGrace to answer, and results.bin,
// findings.jsonl and summary.json are flushed with Run.Interrupted set. An
// interrupted run is not an error.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	if cfg.Scenario == nil {
		return nil, errors.New("load: no scenario")
	}
	if cfg.BaseURL == "" {
		srv, err := startEmulator(cfg)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		cfg.BaseURL, cfg.Token, cfg.Emulated, cfg.FreshTarget, cfg.ownEmulator = srv.URL, srv.Token, true, true, true
	}
	r, err := prepare(cfg)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// runner is one prepared run.
type runner struct {
	cfg       Config
	scenario  *scenarios.Scenario
	shard     results.Shard
	plan      Plan
	seed      uint64
	pacer     *StagePacer
	targeter  *Targeter
	transport *transport
	sampler   *sampler
	findings  *findingLog
	inv       *invariants
	policy    *checkPolicy
	schema    *schemaPass
	pipe      *answerPipe
	verify    *verifier
	attacker  *vegeta.Attacker
	lateAfter time.Duration
}

func prepare(cfg Config) (*runner, error) {
	s := cfg.Scenario
	if s == nil {
		return nil, errors.New("load: no scenario")
	}
	if err := target.Check(cfg.BaseURL, cfg.AllowRemote); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if cfg.OutDir == "" {
		return nil, errors.New("load: no output folder")
	}
	shard := normShard(cfg.Shard)
	if shard.Index < 1 || shard.Index > shard.Count {
		return nil, fmt.Errorf("load: shard %d/%d is invalid (want 1 ≤ I ≤ N)", shard.Index, shard.Count)
	}
	// What the read-back leaves to the target is decided here, and the
	// summary records what ran.
	s = s.Clone()
	s.Verify = ResolveVerify(s.Verify, cfg.Emulated)
	r := &runner{cfg: cfg, scenario: s, shard: shard, plan: PlanFor(s, shard)}
	if !cfg.Emulated && !cfg.AllowOverQuota {
		tier := cfg.Tier
		if tier == "" {
			tier = hubspot.TierFree // the safe guess for an account we know nothing about
		}
		if err := r.plan.Check(tier); err != nil {
			return nil, err
		}
	}

	r.seed = cmp.Or(cfg.Seed, s.Seed)
	// Keys are fresh when the target is (the emulator of this run), or
	// when their prefix comes from a seed drawn for this run alone.
	fresh := cfg.FreshTarget || (r.seed == 0 && cfg.KeyPrefix == "")
	if r.seed == 0 && shard.Count > 1 {
		return nil, fmt.Errorf("%w: the %d shards have none", ErrShardSeed, shard.Count)
	}
	if r.seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		r.seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	curve, err := s.Scaled(1 / float64(shard.Count)).Curve()
	if err != nil {
		return nil, err
	}
	r.pacer = NewStagePacer(curve)
	if s.Saturation {
		// Its rates are a ceiling, not a promise: it owes nothing after
		// the planned end (DefaultSendTail), and ends there as Vegeta does.
		r.pacer.tail = 0
	}

	prefix := cfg.KeyPrefix
	if prefix == "" {
		prefix = fmt.Sprintf("ub-%x", r.seed)
	}
	peak := s.PeakRate() / float64(shard.Count)
	lag := uint64(math.Ceil(peak * DefaultUpdateLagWindow.Seconds()))
	genOpts := append([]generators.Option{
		generators.WithSeed(r.seed),
		generators.WithBatchSize(s.Batch.Size),
		generators.WithIDProperty(s.Batch.IDProperty),
		generators.WithUpdateShare(s.Batch.Updates),
		generators.WithTraceIDs(s.Batch.TraceIDs),
		generators.WithInvalidShare(s.Batch.Invalid),
		generators.WithVersion(s.Batch.Version),
		generators.WithKeyPrefix(prefix),
		generators.WithShard(shard.Index, shard.Count),
		generators.WithUpdateLag(max(lag, 1)),
	}, cfg.GeneratorOptions...)
	gen, err := generators.New(genOpts...)
	if err != nil {
		return nil, fmt.Errorf("load: batch generator: %w", err)
	}
	if r.targeter, err = NewTargeter(gen, cfg.BaseURL, cfg.Token, r.seed); err != nil {
		return nil, err
	}

	v := cfg.Validator
	if v == nil {
		if v, err = contract.DefaultValidator(); err != nil {
			return nil, fmt.Errorf("load: contract validator: %w", err)
		}
	}
	// The sink is set in run, once findings.jsonl is open.
	r.findings = &findingLog{}
	// One policy decides when the optional checks run (checkpolicy.go).
	r.policy = newCheckPolicy(s.Saturation)
	if s.Sample > 0 {
		workers := cfg.Checkers
		if workers <= 0 {
			workers = max(1, runtime.GOMAXPROCS(0)/4)
		}
		r.sampler = newSampler(s.Sample, r.seed, v, r.findings, r.policy, cmp.Or(cfg.CheckBudget, DefaultCheckBudget), workers, DefaultSampleQueue)
	}
	r.inv = newInvariants(gen, fresh, DefaultMaxKeys)
	r.schema = newSchemaPass(contract.NewFastSchema(v), r.findings, r.policy, cmp.Or(cfg.SchemaBudget, DefaultSchemaBudget), r.sampler)
	u, err := url.Parse(r.targeter.URL())
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	r.pipe = newAnswerPipe(r.inv, r.schema, u.EscapedPath(), runtime.GOMAXPROCS(0), DefaultAnswerQueue)
	r.pipe.targeter = r.targeter
	r.policy.queued = r.pipe.queued
	r.transport = newTransport(transportConfig{
		timeout:   s.HTTP.Timeout,
		keepAlive: s.HTTP.KeepAlive,
		http2:     s.HTTP.HTTP2,
		tls:       u.Scheme == "https",
	}, r.targeter, r.sampler)
	r.transport.pipe = r.pipe

	opts := []func(*vegeta.Attacker){
		vegeta.Client(r.transport.client(s.HTTP.Timeout)),
		vegeta.Timeout(s.HTTP.Timeout),
		vegeta.MaxBody(-1), // the transport decides which bodies are kept
	}
	if s.HTTP.Workers > 0 {
		opts = append(opts, vegeta.Workers(s.HTTP.Workers))
	}
	if s.HTTP.MaxWorkers > 0 {
		opts = append(opts, vegeta.MaxWorkers(s.HTTP.MaxWorkers))
	}
	r.attacker = vegeta.NewAttacker(opts...)
	r.lateAfter = cfg.LateAfter
	if r.lateAfter <= 0 {
		r.lateAfter = results.DefaultLateAfter
	}
	return r, nil
}

func (r *runner) run(ctx context.Context) (sum *results.Summary, err error) {
	// Everything slow (validator, generator, emulator) is ready: wait for
	// the common start, or give up without a trace if it has passed.
	if err := waitForStart(ctx, r.cfg.StartAt, r.cfg.MaxStartLag); err != nil {
		return nil, err
	}
	dir := r.cfg.OutDir
	// A reused folder must not mix runs: results.bin is truncated by the
	// writer; stale findings and summary go.
	for _, f := range []string{results.FindingsFile, results.SummaryFile, results.IDsFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("load: %w", err)
		}
	}
	w, err := results.CreateWriter(dir)
	if err != nil {
		return nil, err
	}
	fw, err := results.CreateFindingsWriter(dir)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.findings.sink = func(fs []results.Finding) error { return fw.Add(fs...) }

	acc := results.NewAccumulator(results.WithLateAfter(r.lateAfter))
	var prog *progress
	if r.cfg.Progress != nil {
		prog = newProgress(r.cfg.Progress, isTerminal(r.cfg.Progress), r.cfg.ProgressInterval, r.pacer.Duration(), r.pacer.Rate)
		if r.sampler != nil {
			prog.extra = func() string {
				if v := r.sampler.violations(); v > 0 {
					return fmt.Sprintf("  contract findings %d", v)
				}
				return ""
			}
		}
	}

	// Cancellation: stop pacing at once, give requests in flight a grace
	// period, then cut their connections.
	stopPacing := make(chan struct{})
	r.pacer.interruptible(stopPacing)
	attackDone := make(chan struct{})
	var interrupted, aborted atomic.Bool
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		select {
		case <-attackDone:
			return
		case <-ctx.Done():
		}
		interrupted.Store(true)
		close(stopPacing)
		r.attacker.Stop()
		grace := r.cfg.StopGrace
		if grace <= 0 {
			grace = DefaultStopGrace
		}
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-attackDone:
		case <-t.C:
			aborted.Store(true)
			r.transport.conns.abort()
		}
	}()

	startedAt := time.Now()
	if prog != nil {
		prog.begin(startedAt)
	}
	roundsDone := r.startVerify(ctx, startedAt, attackDone)
	ch := r.attacker.Attack(r.targeter.Target, r.pacer, r.pacer.Bound(), r.scenario.Name)
	var writeErr error
	var abandoned uint64
	for res := range ch {
		if aborted.Load() && res.Error != "" {
			// Cut by the abort, not by the target: not a measurement,
			// and for the invariants a write of unknown outcome.
			r.pipe.deliver(res, startedAt, true)
			abandoned++
			continue
		}
		r.pipe.deliver(res, startedAt, false)
		late := r.annotate(res)
		if writeErr == nil {
			writeErr = w.Add(res)
		}
		acc.Add(res)
		if prog != nil {
			prog.add(res.Latency, res.Error != "" && res.Code != 429, late, res.Code == 429)
		}
	}
	close(attackDone)
	watch.Wait()
	endedAt := time.Now()
	if prog != nil {
		prog.end()
		if abandoned > 0 {
			fmt.Fprintf(r.cfg.Progress, "interrupted: %d requests still in flight after %s were abandoned (not counted)\n", abandoned, cmp.Or(r.cfg.StopGrace, DefaultStopGrace))
		}
	}
	r.targeter.Release()
	// Every answer is processed before the invariants are summed up.
	r.pipe.drop()
	r.pipe.close()
	// The keys are read back once every answer is in (Ctrl-C there
	// interrupts the run too).
	roundsDone()
	if r.verifyEnd(ctx) {
		interrupted.Store(true)
	}

	var errs []error
	if writeErr != nil {
		errs = append(errs, writeErr)
	}
	if err := w.Close(); err != nil {
		errs = append(errs, err)
	}
	sum = &results.Summary{SchemaVersion: results.SchemaVersion}
	acc.Fill(sum)
	sum.Contract = results.ContractSummary{SampleRate: r.scenario.Sample, ByCheck: map[string]uint64{}}
	if r.sampler != nil {
		if err := r.sampler.close(); err != nil {
			errs = append(errs, err)
		}
		sum.Contract = r.sampler.summary()
	}
	if err := r.findings.err(); err != nil && r.sampler == nil {
		errs = append(errs, err)
	}
	if err := fw.Close(); err != nil {
		errs = append(errs, err)
	}
	// Every answer is folded in: the end-of-run checks (and the read-back
	// verification, which compares with the folded state) come next.
	ids := r.inv.finish()
	inv := r.inv.summary()
	r.pipe.fill(&inv)
	inv.Schema = r.schema.coverage()
	inv.Verify = r.verifySummary()
	sum.Invariants = &inv
	// The shard's keys with their first id, for the merge of shards
	// (one id per unique value across shards). A shard that started its
	// own emulator writes none: its ids come from a store of its own, and
	// the same id in two such stores is no conflict.
	if !(r.cfg.ownEmulator && r.shard.Count > 1) {
		if err := r.inv.writeIDs(dir, ids); err != nil {
			errs = append(errs, err)
		}
	}
	// Nothing reads the key and batch tables after this: their pages (off
	// the Go heap, keypages.go) go back for the next run.
	r.inv.keys.release()
	r.inv.batches.release()
	if d := r.pacer.Duration().Seconds(); d > 0 {
		sum.RequestedRate = float64(r.pacer.Total()) / d
	}
	yaml, yerr := r.scenario.Marshal()
	if yerr != nil {
		errs = append(errs, fmt.Errorf("load: record scenario: %w", yerr))
	}
	sum.Run = results.RunInfo{
		Scenario:     r.scenario.Name,
		Description:  r.scenario.Description,
		Seed:         r.seed,
		Shards:       []results.Shard{r.shard},
		Target:       target.Redact(r.cfg.BaseURL),
		Emulated:     r.cfg.Emulated,
		ToolVersion:  r.cfg.ToolVersion,
		StartedAt:    startedAt.UTC(),
		EndedAt:      endedAt.UTC(),
		Planned:      r.pacer.Duration(),
		Interrupted:  interrupted.Load(),
		ScenarioYAML: string(yaml),
		ScenarioHash: results.ScenarioHash(string(yaml)),
	}
	r.recordStart(&sum.Run, sum.Metrics.Requests, sum.Metrics.Earliest)
	if err := results.WriteSummary(filepath.Join(dir, results.SummaryFile), sum); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// annotate adds the synthetic headers and the true BytesIn to a result and
// reports whether the send was late.
func (r *runner) annotate(res *vegeta.Result) bool {
	if v := res.Headers[headerBytesIn]; len(v) == 1 {
		if n, err := strconv.ParseUint(v[0], 10, 64); err == nil {
			res.BytesIn = n
		}
		delete(res.Headers, headerBytesIn)
	}
	began, ok := r.pacer.began()
	if !ok {
		return false
	}
	late := res.Timestamp.Sub(began) - r.pacer.ScheduledAt(res.Seq)
	r.policy.late(late)
	if late <= r.lateAfter {
		return false
	}
	if res.Headers == nil {
		res.Headers = make(map[string][]string, 1)
	}
	res.Headers[results.HeaderLateNanos] = []string{strconv.FormatInt(int64(late), 10)}
	return true
}
