package reports

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
)

// synthStart is the fixed start of every synthetic run, so outputs are
// byte-for-byte stable.
var synthStart = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// synthNow is the fixed GeneratedAt of synthetic reports.
func synthNow() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }

const synthScenario = `name: synthetic
description: deterministic synthetic run for the report tests
seed: 7
stages:
  - duration: %s
    rate: %g
sample: 0.2
thresholds:
%s`

// synthThresholds are the thresholds of a synthetic run unless the spec
// gives its own; %g is three quarters of the rate.
const synthThresholds = `  - p95 < 300ms
  - p99 < 1s
  - error_rate < 2%%
  - success >= 95%%
  - throughput >= %g/s
  - rate_limited < 5%%
  - contract_violations == 0
`

// synthSpec describes a deterministic synthetic run.
type synthSpec struct {
	duration time.Duration
	rate     float64
	shards   int
	// latency scales every latency (1 = median ~40ms), to make a slower
	// night for baseline tests.
	latency float64
	// violations are contract findings written to findings.jsonl.
	violations int
	seed       uint64
	start      time.Time
	// refused is the share of requests refused (no answer, after a
	// fast 200µs), replacing what they would have been.
	refused float64
	// thresholds replace synthThresholds when set.
	thresholds []string
	// interrupted marks the run as stopped at half its planned duration.
	interrupted bool
	// inv, when set, gives every shard run-wide invariants and an ids.bin.
	inv *invSpec
	// sent, when set, is the share of the planned requests the run sent:
	// a load generator that could not keep up, sending throughout the
	// plan ever later than scheduled.
	sent float64
	// saturation declares the scenario's rates a ceiling.
	saturation bool
}

func (sp *synthSpec) defaults() {
	if sp.duration == 0 {
		sp.duration = 10 * time.Second
	}
	if sp.rate == 0 {
		sp.rate = 20
	}
	if sp.shards == 0 {
		sp.shards = 1
	}
	if sp.latency == 0 {
		sp.latency = 1
	}
	if sp.seed == 0 {
		sp.seed = 1
	}
	if sp.start.IsZero() {
		sp.start = synthStart
	}
}

// writeSynth writes a synthetic run into root (one folder per shard,
// root/shard-<i>) and returns the folders. The same spec gives the same
// results whatever the shard count: result i goes to shard i mod N.
func writeSynth(t testing.TB, root string, sp synthSpec) []string {
	t.Helper()
	sp.defaults()
	rng := rand.New(rand.NewPCG(sp.seed, 42))
	n := int(sp.duration.Seconds() * sp.rate)
	if sp.interrupted {
		n /= 2 // stopped half way
	}
	// A run that fell behind sends its n requests spread over the whole
	// plan, each later than the last.
	interval := time.Duration(float64(time.Second) / sp.rate)
	sendEvery := interval
	if sp.sent > 0 {
		n = int(math.Round(float64(n) * sp.sent))
		sendEvery = sp.duration / time.Duration(n)
	}
	dirs := make([]string, sp.shards)
	writers := make([]*results.Writer, sp.shards)
	sums := make([]*results.Summary, sp.shards)
	ths := fmt.Sprintf(synthThresholds, math.Round(sp.rate*0.75))
	if sp.thresholds != nil {
		ths = ""
		for _, th := range sp.thresholds {
			ths += "  - " + th + "\n"
		}
	}
	yaml := fmt.Sprintf(synthScenario, sp.duration, sp.rate, ths)
	if sp.saturation {
		yaml += "saturation: true\n"
	}
	for s := range sp.shards {
		dirs[s] = filepath.Join(root, "shard-"+strconv.Itoa(s+1))
		if sp.shards == 1 {
			dirs[s] = root
		}
		w, err := results.CreateWriter(dirs[s], results.WithFlushInterval(0))
		require.NoError(t, err)
		writers[s] = w
		sum := results.NewSummary()
		sum.Run = results.RunInfo{
			Scenario: "synthetic", Description: "deterministic synthetic run for the report tests", Seed: 7,
			Shards: []results.Shard{{Index: s + 1, Count: sp.shards}}, Target: "http://127.0.0.1:8080", Emulated: true,
			ToolVersion: "v0.0.0-test", StartedAt: sp.start, EndedAt: sp.start.Add(sp.duration), Planned: sp.duration,
			ScenarioYAML: yaml, Interrupted: sp.interrupted,
		}
		if sp.interrupted {
			sum.Run.EndedAt = sp.start.Add(sp.duration / 2)
		}
		sum.RequestedRate = sp.rate / float64(sp.shards)
		sum.Contract.SampleRate = 0.2
		sums[s] = sum
	}
	for i := range n {
		s := i % sp.shards
		lat := time.Duration(float64(40*time.Millisecond) * sp.latency * math.Exp(0.55*rng.NormFloat64()))
		res := vegeta.Result{
			Attack: "synthetic", Seq: uint64(i), Code: 200, Timestamp: sp.start.Add(time.Duration(i) * sendEvery),
			Latency: lat, BytesOut: 21000, BytesIn: 30000, Method: http.MethodPost,
			URL: "http://127.0.0.1:8080/crm/v3/objects/tasks/batch/upsert", Headers: http.Header{},
		}
		switch u := rng.Float64(); {
		case i == 50: // every run has one 5xx and one reset, whatever the seed
			res.Code = 500
		case i == 120:
			res.Code, res.Error, res.BytesIn = 0, "read tcp 127.0.0.1:50001->127.0.0.1:8080: read: connection reset by peer", 0
		case u < 0.02:
			res.Code = 429
			res.Headers.Set(results.HeaderRateLimitPolicy, "TEN_SECONDLY_ROLLING")
		case u < 0.025:
			res.Code = 500
		case u < 0.028:
			res.Code, res.Error, res.BytesIn = 0, "read tcp 127.0.0.1:50000->127.0.0.1:8080: read: connection reset by peer", 0
		case u < 0.1:
			res.Code = 207
		}
		if sp.refused > 0 && rng.Float64() < sp.refused {
			res.Code, res.Latency, res.BytesIn = 0, 200*time.Microsecond, 0
			res.Error = `Post "http://127.0.0.1:8080/crm/v3/objects/tasks/batch/upsert": dial tcp 127.0.0.1:8080: connect: connection refused`
			res.Headers.Del(results.HeaderRateLimitPolicy)
		}
		if late := time.Duration(i) * (sendEvery - interval); late > time.Millisecond {
			res.Headers.Set(results.HeaderLateNanos, strconv.Itoa(int(late)))
		} else if rng.Float64() < 0.03 {
			res.Headers.Set(results.HeaderLateNanos, strconv.Itoa(int(3*time.Millisecond)))
		}
		if i%5 == 0 {
			res.Headers.Set(results.HeaderSampled, "1")
			sums[s].Contract.Sampled++
			sums[s].Contract.Checked++
		}
		require.NoError(t, writers[s].Add(&res))
	}
	for s := range sp.shards {
		require.NoError(t, writers[s].Close())
	}
	for v := range sp.violations {
		s := v % sp.shards
		f := results.Finding{
			Check: string(contract.CheckEcho), Message: fmt.Sprintf("result for external_task_id ub-%d echoes hs_task_subject %q, not the value sent", v, "Call back"),
			Reason: "a result echoes the properties just written", HowToFix: "return the stored values after the write",
			Method: http.MethodPost, Path: "/crm/v3/objects/tasks/batch/upsert", StatusCode: 200,
			Fields: []results.FieldFailure{{Pointer: "/results/3/properties/hs_task_subject", Message: "want \"Follow up\""}},
		}
		sums[s].Contract.AddFinding(f)
		require.NoError(t, results.AppendFindings(dirs[s], []results.Finding{f}))
	}
	if sp.inv != nil {
		for s := range sp.shards {
			sums[s].Invariants = synthInvariants(s+1, sp.shards, *sp.inv)
			require.NoError(t, results.WriteIDs(dirs[s], synthIDs(s+1, sp.shards, *sp.inv)))
		}
	}
	for s := range sp.shards {
		require.NoError(t, results.WriteSummary(filepath.Join(dirs[s], results.SummaryFile), sums[s]))
	}
	return dirs
}
