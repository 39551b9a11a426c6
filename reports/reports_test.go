package reports

import (
	"bytes"
	"encoding/xml"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// writeHistory writes n earlier nights, one day apart, before synthStart.
func writeHistory(t testing.TB, path string, n int) {
	t.Helper()
	for i := range n {
		h := HistoryEntry{
			StartedAt: synthStart.Add(time.Duration(i-n) * 24 * time.Hour), Scenario: "synthetic",
			Target: "http://127.0.0.1:8080", ToolVersion: "v0.0.0-test", Verdict: VerdictPass, Requests: 200,
			Throughput: 18 + float64(i%3), Success: 97.5, ErrorRate: 0.5,
			P50: ptr(40 + float64(i)), P95: ptr(95 + 3*float64(i)), P99: ptr(140 + 5*float64(i)),
		}
		if i == 2 {
			h.Verdict = VerdictFail
		}
		_, err := AppendHistory(path, h)
		require.NoError(t, err)
	}
}

func ptr(v float64) *float64 { return &v }

// summaryWith is a summary of n requests, all answered, with the given
// figures.
func summaryWith(n uint64, success float64, p95 time.Duration) *results.Summary {
	s := results.NewSummary()
	s.Metrics.Requests = n
	s.Metrics.Success = success
	s.Answered.Requests = n
	s.Answered.Latencies.P50 = p95 / 2
	s.Answered.Latencies.P90 = p95 * 9 / 10
	s.Answered.Latencies.P95 = p95
	s.Answered.Latencies.P99 = p95 * 2
	s.Answered.Latencies.Max = p95 * 3
	s.Metrics.Duration = 10 * time.Second
	s.Metrics.Rate = float64(n) / 10
	s.Metrics.Throughput = float64(n) * success / 10
	s.Contract.Checked = n / 5
	return s
}

// threshold parses expr, which the test knows is valid.
func threshold(t testing.TB, expr string) scenarios.Threshold {
	t.Helper()
	th, err := scenarios.ParseThreshold(expr)
	require.NoError(t, err)
	return th
}

func TestEvaluateOne(t *testing.T) {
	s := summaryWith(1000, 0.99, 200*time.Millisecond)
	s.ErrorClasses = map[string]uint64{results.Class5xx: 4, results.ClassTimeout: 1}
	s.RateLimited = map[string]uint64{"TEN_SECONDLY_ROLLING": 5}
	empty := results.NewSummary()
	cases := []struct {
		name         string
		th           scenarios.Threshold
		s            *results.Summary
		pass, noData bool
		measured     float64
		message      string
	}{
		{"p95 below", threshold(t, "p95 < 300ms"), s, true, false, 200, "p95 measured 200ms, within the limit < 300ms"},
		{"p95 above", threshold(t, "p95 < 150ms"), s, false, false, 200, "p95 measured 200ms, breaks the limit < 150ms"},
		{"p99 equal is not below", threshold(t, "p99 < 400ms"), s, false, false, 400, "p99 measured 400ms, breaks the limit < 400ms"},
		{"p99 equal is at most", threshold(t, "p99 <= 400ms"), s, true, false, 400, "p99 measured 400ms, within the limit <= 400ms"},
		{"success", threshold(t, "success >= 99%"), s, true, false, 99, "success measured 99.00%, within the limit >= 99.00%"},
		{"error rate leaves out 429s", threshold(t, "error_rate < 1%"), s, true, false, 0.5, "error_rate measured 0.50%, within the limit < 1.00%"},
		{"rate limited", threshold(t, "rate_limited < 0.4%"), s, false, false, 0.5, "rate_limited measured 0.50%, breaks the limit < 0.40%"},
		{"throughput", threshold(t, "throughput >= 100/s"), s, false, false, 99, "throughput measured 99.0/s, breaks the limit >= 100.0/s"},
		{"requests", threshold(t, "requests == 1000"), s, true, false, 1000, "requests measured 1000, within the limit == 1000"},
		{"contract violations", threshold(t, "contract_violations == 0"), s, true, false, 0, "contract_violations measured 0, within the limit == 0"},
		{"no requests fails", threshold(t, "p95 < 300ms"), empty, false, true, 0, "no data: no requests were recorded, so p95 could not be measured"},
		{"no checked response fails", threshold(t, "contract_violations == 0"), empty, false, true, 0,
			"no data: no response was checked against the contract (0 sampled, 0 dropped), so contract_violations could not be measured"},
		{"unknown metric fails", scenarios.Threshold{Metric: "p42", Op: "<", Value: 1}, s, false, false, 0, `invalid threshold: unknown threshold metric "p42"`},
		{"unknown operator fails", scenarios.Threshold{Metric: "p95", Op: "~", Value: 1, Unit: scenarios.UnitMillis}, s, false, false, 0, `invalid threshold: threshold "p95 ~ 1ms" has unknown operator "~"`},
		{"a threshold that always holds fails", scenarios.Threshold{Metric: "requests", Op: ">=", Value: 0}, s, false, false, 0, `invalid threshold: threshold "requests >= 0" always holds and checks nothing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := EvaluateOne(tc.th, tc.s)
			assert.Equal(t, tc.pass, got.Pass, got.Message)
			assert.Equal(t, tc.noData, got.NoData, got.Message)
			assert.Equal(t, tc.measured, got.Measured, "measured exactly")
			assert.True(t, strings.HasPrefix(got.Message, tc.message), "message %q does not start with %q", got.Message, tc.message)
		})
	}
}

// TestThresholdBoundary pins the one comparison of the threshold table:
// exact, at the limit and 1e-12 past it, for every operator, through
// EvaluateOne on measured summaries. It fails if reports compares with a
// tolerance again (the old 1e-9 relative tolerance passed "<=" 1e-12 over
// the limit) or with anything but scenarios' Holds.
func TestThresholdBoundary(t *testing.T) {
	const limit = 40.0
	over, under := limit+1e-12, limit-1e-12
	require.NotEqual(t, limit, over, "1e-12 over 40 is a float64 of its own")
	// want[op] is the verdict at the limit, 1e-12 over and 1e-12 under.
	want := map[string][3]bool{
		"<":  {false, false, true},
		"<=": {true, false, true},
		">":  {false, true, false},
		">=": {true, true, false},
		"==": {true, false, false},
	}
	for op, w := range want {
		th := threshold(t, "throughput "+op+" 40/s")
		for i, v := range []float64{limit, over, under} {
			s := summaryWith(1000, 1, 100*time.Millisecond)
			s.Metrics.Throughput = v
			got := EvaluateOne(th, s)
			require.Equal(t, v, got.Measured)
			assert.Equal(t, w[i], got.Pass, "throughput %s 40/s measured %.15g", op, v)
			assert.Equal(t, w[i], th.Holds(v), "scenarios' Holds says the same")
		}
	}
}

// TestMeasureExactAtDecimalLimits checks that a share equal to a decimal
// limit in real numbers measures as the very float64 the limit parses to,
// which exact comparison needs: 29 of 100 requests rate limited is 29%,
// not 28.999999999999996% (29/100*100, two roundings).
func TestMeasureExactAtDecimalLimits(t *testing.T) {
	s := summaryWith(100, 0.71, 100*time.Millisecond)
	s.RateLimited = map[string]uint64{"TEN_SECONDLY_ROLLING": 29}
	s.ErrorClasses = map[string]uint64{}
	s.LateSends.Count = 7
	for _, expr := range []string{"rate_limited == 29%", "rate_limited >= 29%", "rate_limited <= 29%", "success == 71%", "late_sends == 7%", "p95 == 100ms", "p99 == 200ms"} {
		t.Run(expr, func(t *testing.T) {
			got := EvaluateOne(threshold(t, expr), s)
			assert.True(t, got.Pass, got.Message)
		})
	}
	// Every share of a total whose decimal expansion ends (2s and 5s), as
	// the exact decimal big.Rat writes: the limit a user would type.
	for _, total := range []uint64{8, 40, 100, 250, 1000, 1024} {
		for n := uint64(0); n <= total; n++ {
			s := summaryWith(total, 1, time.Millisecond)
			s.RateLimited = map[string]uint64{"DAILY": n}
			v, ok, _, err := Measure(scenarios.MetricRateLimited, s)
			require.NoError(t, err)
			require.True(t, ok)
			exact := new(big.Rat).SetFrac(new(big.Int).SetUint64(n*100), new(big.Int).SetUint64(total)).FloatString(12)
			lim, err := strconv.ParseFloat(exact, 64)
			require.NoError(t, err)
			require.Equal(t, lim, v, "%d of %d is %s%%", n, total, exact)
		}
	}
}

// TestMeasuresEveryMetric checks that the threshold table and the
// measurements are one set: every metric of scenarios.Metrics is measured
// on a summary that has data for all of them, and nothing else is.
func TestMeasuresEveryMetric(t *testing.T) {
	s := summaryWith(1000, 0.99, 200*time.Millisecond)
	for _, m := range scenarios.Metrics {
		_, ok, why, err := Measure(m.Name, s)
		require.NoError(t, err, m.Name)
		assert.True(t, ok, "%s: %s", m.Name, why)
	}
	_, _, _, err := Measure("latency", s)
	assert.ErrorContains(t, err, `unknown threshold metric "latency"`)
}

func TestCompare(t *testing.T) {
	base := summaryWith(1000, 0.99, 200*time.Millisecond)
	cases := []struct {
		name        string
		cur         *results.Summary
		limits      results.BaselineLimits
		regressions []string
	}{
		{"same", summaryWith(1000, 0.99, 200*time.Millisecond), results.BaselineLimits{}, nil},
		{"p95 within tolerance", summaryWith(1000, 0.99, 219*time.Millisecond), results.BaselineLimits{}, nil},
		{"p95 and p99 beyond tolerance", summaryWith(1000, 0.99, 221*time.Millisecond), results.BaselineLimits{}, []string{"p95", "p99"}},
		{"looser tolerance", summaryWith(1000, 0.99, 221*time.Millisecond), results.BaselineLimits{Latency: 0.2}, nil},
		{"faster is no regression", summaryWith(1000, 0.99, 100*time.Millisecond), results.BaselineLimits{}, nil},
		{"success and throughput drop", summaryWith(1000, 0.90, 200*time.Millisecond), results.BaselineLimits{}, []string{"throughput", "success"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			br := Compare(base, tc.cur, tc.limits)
			var got []string
			for _, d := range br.Deltas {
				if d.Regression {
					got = append(got, d.Metric)
				}
			}
			assert.Equal(t, tc.regressions, got)
			assert.Len(t, br.Regressions, len(tc.regressions))
			var metrics []string
			for _, d := range br.Deltas {
				metrics = append(metrics, d.Metric)
			}
			// Both sides have data for every compared metric but
			// late_sends' and rate_limited's, which summaryWith leaves at
			// zero: they still compare (0 is data when requests were sent).
			assert.Equal(t, []string{"requests", "rate", "throughput", "success", "p50", "p90", "p95", "p99", "max", "rate_limited", "late_sends"}, metrics)
			assert.Empty(t, br.NotCompared)
		})
	}
}

func TestShardsMergeToSingleRun(t *testing.T) {
	root := t.TempDir()
	single, err := Build(writeSynth(t, filepath.Join(root, "single"), synthSpec{}))
	require.NoError(t, err)
	sharded, err := Build(writeSynth(t, filepath.Join(root, "sharded"), synthSpec{shards: 3}))
	require.NoError(t, err)

	a, b := single.Summary, sharded.Summary
	assert.Equal(t, a.Metrics.Requests, b.Metrics.Requests)
	assert.Equal(t, a.Metrics.StatusCodes, b.Metrics.StatusCodes)
	assert.Equal(t, a.Metrics.Success, b.Metrics.Success)
	assert.Equal(t, a.Metrics.Latencies.Max, b.Metrics.Latencies.Max)
	assert.Equal(t, a.Metrics.Latencies.Mean, b.Metrics.Latencies.Mean)
	assert.Equal(t, a.Metrics.Duration, b.Metrics.Duration)
	// A merge counts rate and throughput over the window all its shards
	// were sending in (TestShardWindowRate); started together, that is
	// nearly the whole run.
	assert.InEpsilon(t, a.Metrics.Rate, b.Metrics.Rate, 0.01)
	assert.InEpsilon(t, a.Metrics.Throughput, b.Metrics.Throughput, 0.01)
	assert.InDelta(t, a.RequestedRate, b.RequestedRate, 1e-9)
	assert.Equal(t, a.RateLimited, b.RateLimited)
	assert.Equal(t, a.ErrorClasses, b.ErrorClasses)
	assert.Equal(t, a.LateSends, b.LateSends)
	assert.Equal(t, a.Contract.Sampled, b.Contract.Sampled)
	assert.Equal(t, a.Contract.Checked, b.Contract.Checked)
	// Vegeta's t-digest quantiles depend on the order results arrive in.
	for _, q := range [][2]time.Duration{
		{a.Metrics.Latencies.P50, b.Metrics.Latencies.P50},
		{a.Metrics.Latencies.P95, b.Metrics.Latencies.P95},
		{a.Metrics.Latencies.P99, b.Metrics.Latencies.P99},
	} {
		assert.InEpsilon(t, float64(q[0]), float64(q[1]), 0.02)
	}
	require.Len(t, b.Thresholds, len(a.Thresholds))
	for i := range a.Thresholds {
		assert.Equal(t, a.Thresholds[i].Pass, b.Thresholds[i].Pass, a.Thresholds[i].Expr)
	}
	assert.Equal(t, a.Verdict, b.Verdict)
	assert.Len(t, b.Run.Shards, 3)
	assert.Equal(t, len(single.Series), len(sharded.Series))
	assert.Equal(t, single.Distribution, sharded.Distribution)
}

func TestBuildInputErrors(t *testing.T) {
	root := t.TempDir()
	good := writeSynth(t, filepath.Join(root, "good"), synthSpec{})[0]
	noSummary := filepath.Join(root, "nosummary")
	require.NoError(t, os.MkdirAll(noSummary, 0o755))
	badSummary := filepath.Join(root, "badsummary")
	require.NoError(t, os.MkdirAll(badSummary, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(badSummary, results.SummaryFile), []byte("{nope"), 0o644))
	noResults := filepath.Join(root, "noresults")
	require.NoError(t, os.MkdirAll(noResults, 0o755))
	data, err := os.ReadFile(filepath.Join(good, results.SummaryFile))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(noResults, results.SummaryFile), data, 0o644))
	badHistory := filepath.Join(root, "history.jsonl")
	require.NoError(t, os.WriteFile(badHistory, []byte("{\"p95\":1}\nnot json\n"), 0o644))

	cases := []struct {
		name string
		dirs []string
		opts []Option
		path string
	}{
		{"missing folder", []string{filepath.Join(root, "absent")}, nil, filepath.Join(root, "absent", results.SummaryFile)},
		{"no summary", []string{noSummary}, nil, filepath.Join(noSummary, results.SummaryFile)},
		{"corrupt summary", []string{badSummary}, nil, filepath.Join(badSummary, results.SummaryFile)},
		{"no results", []string{noResults}, nil, filepath.Join(noResults, results.ResultsFile)},
		{"same shard twice", []string{good, good}, nil, filepath.Join(good, results.SummaryFile)},
		{"missing baseline", []string{good}, []Option{WithBaseline(filepath.Join(root, "none.json"))}, filepath.Join(root, "none.json")},
		{"bad history", []string{good}, []Option{WithHistory(badHistory)}, badHistory},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.dirs, tc.opts...)
			require.Error(t, err)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tc.path, ie.Path)
			assert.Contains(t, err.Error(), tc.path)
		})
	}
}

func TestVerdict(t *testing.T) {
	root := t.TempDir()
	t.Run("pass", func(t *testing.T) {
		r, err := Build(writeSynth(t, filepath.Join(root, "pass"), synthSpec{}))
		require.NoError(t, err)
		assert.True(t, r.Passed(), r.Failures)
	})
	t.Run("contract violation fails", func(t *testing.T) {
		r, err := Build(writeSynth(t, filepath.Join(root, "viol"), synthSpec{violations: 1}))
		require.NoError(t, err)
		assert.False(t, r.Passed())
		assert.Equal(t, 1, r.FindingsTotal)
	})
	t.Run("contract checks that never ran fail", func(t *testing.T) {
		dirs := writeSynth(t, filepath.Join(root, "unchecked"), synthSpec{})
		s, err := results.ReadSummary(dirs[0])
		require.NoError(t, err)
		s.Contract.Checked = 0
		require.NoError(t, results.WriteSummary(filepath.Join(dirs[0], results.SummaryFile), s))
		r, err := Build(dirs)
		require.NoError(t, err)
		assert.False(t, r.Passed())
		assert.Contains(t, strings.Join(r.Failures, "\n"), "never ran")
	})
	t.Run("failed suite check fails", func(t *testing.T) {
		cr := &contract.Report{Checks: []contract.CheckResult{
			{Check: contract.CheckAuth, Case: "no-token", Status: contract.StatusPass},
			{Check: contract.CheckEcho, Case: "upsert-create", Status: contract.StatusFail, Findings: []contract.Finding{{Check: contract.CheckEcho, Message: "wrong subject"}}},
		}}
		r, err := Build(writeSynth(t, filepath.Join(root, "suite"), synthSpec{}), WithContractReport(cr))
		require.NoError(t, err)
		assert.False(t, r.Passed())
		assert.Equal(t, 1, r.FindingsTotal)
	})
	t.Run("regression fails", func(t *testing.T) {
		base, err := Build(writeSynth(t, filepath.Join(root, "base"), synthSpec{}))
		require.NoError(t, err)
		r, err := Build(writeSynth(t, filepath.Join(root, "slow"), synthSpec{latency: 1.3}), WithBaselineSummary(base.Summary, "base"))
		require.NoError(t, err)
		assert.False(t, r.Passed())
		var regressed []string
		for _, d := range r.Summary.Baseline.Deltas {
			if d.Regression {
				regressed = append(regressed, d.Metric)
			}
		}
		assert.Equal(t, []string{"p95", "p99"}, regressed, "30% slower: the latency gates, nothing else")
		assert.Len(t, r.Summary.Baseline.Regressions, 2)
	})
}

// junitDoc is an independent reading of JUnit XML, the way CI consumers
// (Jenkins' schema, gotestsum's junitxml types) model it.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			Time      string `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitParses(t *testing.T) {
	root := t.TempDir()
	base, err := Build(writeSynth(t, filepath.Join(root, "base"), synthSpec{}))
	require.NoError(t, err)
	r, err := Build(writeSynth(t, filepath.Join(root, "cur"), synthSpec{latency: 1.5, violations: 1}), WithBaselineSummary(base.Summary, "base.json"))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteJUnit(&buf))

	var doc junitDoc
	dec := xml.NewDecoder(&buf)
	dec.Strict = true
	require.NoError(t, dec.Decode(&doc))

	wantTests := len(r.Summary.RunChecks) + len(r.Summary.Thresholds) + len(r.Checks) + 4 // p95, p99, throughput, success vs baseline
	assert.Equal(t, wantTests, doc.Tests)
	tests, failures, skipped := 0, 0, 0
	for _, s := range doc.Suites {
		cf, cs := 0, 0
		for _, c := range s.Cases {
			assert.NotEmpty(t, c.Name)
			assert.Equal(t, s.Name, c.Classname)
			assert.NotEmpty(t, c.Time)
			if c.Failure != nil {
				cf++
				assert.NotEmpty(t, c.Failure.Message)
			}
			if c.Skipped != nil {
				cs++
			}
		}
		assert.Equal(t, len(s.Cases), s.Tests, s.Name)
		assert.Equal(t, cf, s.Failures, s.Name)
		assert.Equal(t, cs, s.Skipped, s.Name)
		tests, failures, skipped = tests+s.Tests, failures+s.Failures, skipped+s.Skipped
	}
	assert.Equal(t, tests, doc.Tests)
	assert.Equal(t, failures, doc.Failures)
	assert.Equal(t, skipped, doc.Skipped)
	assert.Positive(t, doc.Failures)
	// A failed threshold says measured vs limit.
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && c.Failure.Type == "threshold" {
				assert.Contains(t, c.Failure.Text, "measured:")
				assert.Contains(t, c.Failure.Text, "limit:")
			}
		}
	}
}

func TestWriteAllAtomicAndComplete(t *testing.T) {
	root := t.TempDir()
	hist := filepath.Join(root, "history.jsonl")
	r, err := Build(writeSynth(t, filepath.Join(root, "run"), synthSpec{}), WithHistory(hist))
	require.NoError(t, err)
	out := filepath.Join(root, "out")
	paths, err := r.WriteAll(out, AllFormats)
	require.NoError(t, err)
	require.Len(t, paths, len(AllFormats))
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.HasPrefix(e.Name(), "."), "temporary file left behind: %s", e.Name())
	}
	s, err := results.ReadSummary(out)
	require.NoError(t, err)
	assert.Equal(t, r.Summary.Verdict, s.Verdict)
	assert.Len(t, s.Thresholds, 7)

	require.NoError(t, r.AppendHistory(hist))
	require.NoError(t, r.AppendHistory(hist))
	h, err := ReadHistory(hist)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, r.Summary.Metrics.Requests, h[1].Requests)
}

func TestParseFormats(t *testing.T) {
	got, err := ParseFormats("text, html,text,JUNIT")
	require.NoError(t, err)
	assert.Equal(t, []string{"text", "html", "junit"}, got)
	_, err = ParseFormats("pdf")
	assert.ErrorContains(t, err, "valid: text, json, md, html, junit")
	_, err = ParseFormats(" , ")
	assert.Error(t, err)
}

func TestSparkline(t *testing.T) {
	assert.Equal(t, "▁▅█", sparkline([]float64{1, 2, 3}))
	assert.Equal(t, "▁▁▁", sparkline([]float64{5, 5, 5}))
}

func TestFormatting(t *testing.T) {
	cases := []struct{ in, want string }{
		{fmtDuration(1500 * time.Microsecond), "1.5ms"},
		{fmtDuration(41234 * time.Microsecond), "41.2ms"},
		{fmtDuration(1200 * time.Millisecond), "1.2s"},
		{fmtDuration(850 * time.Microsecond), "850µs"},
		{fmtCount(1234567), "1,234,567"},
		{fmtChange(0.123), "+12.3%"},
		{fmtChange(math.Inf(1)), "n/a"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tc.in)
	}
}

func FuzzParseHistory(f *testing.F) {
	f.Add([]byte(`{"startedAt":"2026-11-28T10:00:00Z","p95":12.5}` + "\n"))
	f.Add([]byte("\n\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := parseHistory("h.jsonl", data)
		if err != nil {
			assert.Contains(t, err.Error(), "h.jsonl:")
			return
		}
		// What parses renders.
		r := &Report{Summary: summaryWith(10, 1, time.Millisecond), History: lastRuns(h, 30)}
		var buf bytes.Buffer
		require.NoError(t, r.WriteMarkdown(&buf))
		require.NoError(t, r.WriteHTML(&buf))
	})
}

// TestLatencyCountsAnsweredRequestsOnly: a run in which every request was
// refused within 200µs used to pass "p95 < 300ms" (Vegeta's latencies
// count the refusals) and its report showed a p95 of 200µs. Latency is
// measured over answered requests only: with none, the latency threshold
// has no data, the run fails with "no request was answered", and no
// output shows a latency figure.
func TestLatencyCountsAnsweredRequestsOnly(t *testing.T) {
	root := t.TempDir()
	r, err := Build(writeSynth(t, filepath.Join(root, "refused"), synthSpec{refused: 1, thresholds: []string{"p95 < 300ms"}}), WithNow(synthNow))
	require.NoError(t, err)
	s := r.Summary
	require.Equal(t, uint64(200), s.Metrics.Requests)
	require.Equal(t, 200*time.Microsecond, s.Metrics.Latencies.P95, "Vegeta's own figures still count the refusals")

	assert.Equal(t, results.VerdictFail, s.Verdict)
	assert.Equal(t, uint64(0), s.Answered.Requests)
	assert.Equal(t, uint64(200), s.Unanswered[results.ClassRefused])
	require.Len(t, s.Thresholds, 1)
	assert.False(t, s.Thresholds[0].Pass)
	assert.True(t, s.Thresholds[0].NoData)
	assert.Contains(t, s.Thresholds[0].Message, "no request was answered")
	require.NotEmpty(t, r.Failures)
	assert.Contains(t, r.Failures[0], "no request was answered")
	assert.Equal(t, results.RunCheck{Name: RunCheckAnswered, Count: 200, Of: 200, Message: r.Failures[0]}, runCheckNamed(t, s, RunCheckAnswered))

	outputs := map[string]string{}
	for _, f := range AllFormats {
		var buf bytes.Buffer
		require.NoError(t, r.Write(&buf, f))
		outputs[f] = buf.String()
		assert.Contains(t, outputs[f], "no request was answered", f)
		assert.NotContains(t, outputs[f], "200µs", "%s shows a latency of requests without an answer", f)
	}
	assert.Contains(t, outputs[FormatText], "FAIL  requests-answered")
	assert.Contains(t, outputs[FormatJUnit], `<failure message="no request was answered`)
	h := HistoryEntryOf(s)
	assert.Nil(t, h.P95, "history records no latency rather than 0 or 200µs")
	assert.Equal(t, uint64(0), h.Answered)
}

// TestLatencyIgnoresUnansweredRequests: with a third of the requests
// refused fast, every latency figure of every output is that of the
// answered requests, recomputed independently with Vegeta's Metrics over
// the answered results of results.bin.
func TestLatencyIgnoresUnansweredRequests(t *testing.T) {
	root := t.TempDir()
	dirs := writeSynth(t, filepath.Join(root, "some"), synthSpec{refused: 0.3})
	r, err := Build(dirs, WithNow(synthNow))
	require.NoError(t, err)

	var ref vegeta.Metrics
	require.NoError(t, results.Each(dirs, func(res *vegeta.Result) error {
		if res.Code != 0 {
			ref.Add(res)
		}
		return nil
	}))
	ref.Close()
	s := r.Summary
	require.Less(t, ref.Requests, s.Metrics.Requests)
	assert.Equal(t, ref.Requests, s.Answered.Requests)
	assert.Equal(t, ref.Latencies.P95, s.Answered.Latencies.P95)
	assert.Less(t, s.Metrics.Latencies.P50, ref.Latencies.P50, "the fast refusals pull Vegeta's median down")
	for _, th := range s.Thresholds {
		if th.Metric == scenarios.MetricP95 {
			assert.Equal(t, float64(ref.Latencies.P95)/1e6, th.Measured)
		}
	}
	h := HistoryEntryOf(s)
	require.NotNil(t, h.P50)
	assert.Equal(t, float64(ref.Latencies.P50)/1e6, *h.P50)
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.Contains(t, buf.String(), "p50 "+fmtDuration(ref.Latencies.P50)+" ")
	assert.NotContains(t, buf.String(), "p50 "+fmtDuration(s.Metrics.Latencies.P50)+" ")
	var answered uint64
	for _, p := range r.Series {
		answered += p.Answered
	}
	assert.Equal(t, ref.Requests, answered, "the latency chart counts the answered requests")
}

// TestBaselineWithoutAnsweredLatency: a gated metric the baseline has no
// data for is named, not silently dropped.
func TestBaselineWithoutAnsweredLatency(t *testing.T) {
	base := summaryWith(1000, 0.99, 200*time.Millisecond)
	base.Answered = results.AnsweredLatency{}
	base.Unanswered = nil // as ParseSummary leaves a schema 1 file with unanswered requests
	base.Metrics.StatusCodes = map[string]int{"200": 990, "0": 10}
	br := Compare(base, summaryWith(1000, 0.99, 400*time.Millisecond), results.BaselineLimits{})
	assert.Empty(t, br.Regressions)
	require.Len(t, br.NotCompared, 2)
	assert.Equal(t, scenarios.MetricP95, br.NotCompared[0].Metric)
	assert.Equal(t, scenarios.MetricP99, br.NotCompared[1].Metric)
	assert.Contains(t, br.NotCompared[0].Reason, "no data in the baseline")
	assert.Contains(t, br.NotCompared[0].Reason, "10 of its requests got no answer")
}

func runCheckNamed(t *testing.T, s *results.Summary, name string) results.RunCheck {
	t.Helper()
	for _, c := range s.RunChecks {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "no run check", "%s not in %v", name, s.RunChecks)
	return results.RunCheck{}
}

// TestInterruptedIsAVerdictOfItsOwn: a run stopped half way whose figures
// would pass every threshold used to PASS with "(interrupted)" in its
// headline. It is INTERRUPTED in every output and in the history, never
// a pass, and never a baseline.
func TestInterruptedIsAVerdictOfItsOwn(t *testing.T) {
	root := t.TempDir()
	hist := filepath.Join(root, "history.jsonl")
	dirs := writeSynth(t, filepath.Join(root, "stopped"), synthSpec{interrupted: true})
	r, err := Build(dirs, WithNow(synthNow), WithHistory(hist))
	require.NoError(t, err)
	s := r.Summary
	require.True(t, AllThresholdsPass(s), "the partial figures pass every threshold")

	assert.Equal(t, VerdictInterrupted, s.Verdict)
	assert.False(t, r.Passed())
	require.NotEmpty(t, r.Failures)
	assert.Equal(t, "interrupted after 5s of the planned 10s: the figures cover part of the run, so it cannot pass", r.Failures[0])
	c := runCheckNamed(t, s, RunCheckCompleted)
	assert.False(t, c.Pass)
	assert.Equal(t, r.Failures[0], c.Message)

	out := map[string]string{}
	for _, f := range AllFormats {
		var buf bytes.Buffer
		require.NoError(t, r.Write(&buf, f))
		out[f] = buf.String()
	}
	assert.True(t, strings.HasPrefix(out[FormatText], "INTERRUPTED  synthetic — "), out[FormatText])
	assert.True(t, strings.HasPrefix(out[FormatMD], "## ⚠️ INTERRUPTED — synthetic"), out[FormatMD])
	assert.Contains(t, out[FormatHTML], `<section class="banner interrupted" id="verdict">`)
	assert.Contains(t, out[FormatHTML], `<div class="verdict">INTERRUPTED</div>`)
	assert.Contains(t, out[FormatJSON], `"verdict": "interrupted"`)

	var doc junitDoc
	require.NoError(t, xml.Unmarshal([]byte(out[FormatJUnit]), &doc))
	assert.Positive(t, doc.Failures, "CI sees a failure")
	found := false
	for _, su := range doc.Suites {
		for _, tc := range su.Cases {
			if tc.Name == RunCheckCompleted {
				found = true
				require.NotNil(t, tc.Failure)
				assert.Equal(t, "interrupted", tc.Failure.Type)
				assert.Contains(t, tc.Failure.Message, "interrupted after 5s")
			}
		}
	}
	assert.True(t, found, "junit has the run-completed case")
	assert.Contains(t, out[FormatJUnit], `<property name="verdict" value="interrupted">`)

	require.NoError(t, r.AppendHistory(hist))
	h, err := ReadHistory(hist)
	require.NoError(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, VerdictInterrupted, h[0].Verdict)

	// Thresholds that fail do not turn it into a plain FAIL either.
	failing, err := Build(writeSynth(t, filepath.Join(root, "stopped-slow"), synthSpec{interrupted: true, thresholds: []string{"p95 < 1ms"}}))
	require.NoError(t, err)
	assert.Equal(t, VerdictInterrupted, failing.Summary.Verdict)
	assert.Len(t, failing.Failures, 2)

	// One interrupted shard makes the merged run interrupted.
	shards := writeSynth(t, filepath.Join(root, "shards"), synthSpec{shards: 2})
	sum, err := results.ReadSummary(shards[1])
	require.NoError(t, err)
	sum.Run.Interrupted = true
	require.NoError(t, results.WriteSummary(filepath.Join(shards[1], results.SummaryFile), sum))
	merged, err := Build(shards)
	require.NoError(t, err)
	assert.Equal(t, VerdictInterrupted, merged.Summary.Verdict)

	// Written out, it is refused as a baseline.
	_, err = r.WriteAll(filepath.Join(root, "out"), []string{FormatJSON})
	require.NoError(t, err)
	_, err = Build(writeSynth(t, filepath.Join(root, "next"), synthSpec{}), WithBaseline(filepath.Join(root, "out", results.SummaryFile)))
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "an interrupted run cannot be a baseline")
}

// AllThresholdsPass reports whether every threshold of s passed.
func AllThresholdsPass(s *results.Summary) bool {
	for _, t := range s.Thresholds {
		if !t.Pass {
			return false
		}
	}
	return len(s.Thresholds) > 0
}

// TestBuildOptions checks each option of Build against the default it
// replaces.
func TestBuildOptions(t *testing.T) {
	root := t.TempDir()
	dirs := writeSynth(t, filepath.Join(root, "run"), synthSpec{violations: 3})
	hist := filepath.Join(root, "history.jsonl")
	writeHistory(t, hist, 5)
	base, err := Build(writeSynth(t, filepath.Join(root, "base"), synthSpec{seed: 2}))
	require.NoError(t, err)

	def, err := Build(dirs, WithHistory(hist))
	require.NoError(t, err)
	require.Len(t, def.Series, 10, "one point per second of a 10 s run")
	require.Len(t, def.Findings, 3)
	require.Len(t, def.History, 6)

	r, err := Build(dirs, WithHistory(hist), WithMaxPoints(3), WithMaxFindings(1), WithHistoryRuns(2))
	require.NoError(t, err)
	assert.Len(t, r.Series, 3, "10 one-second buckets merged four at a time")
	assert.Equal(t, 4*time.Second, r.Series[0].Width)
	assert.Len(t, r.Findings, 1)
	assert.Equal(t, 3, r.FindingsTotal, "every finding is still counted")
	require.Len(t, r.History, 2)
	assert.Equal(t, r.Summary.Run.StartedAt, r.History[1].StartedAt, "the last runs, this one last")

	slow, err := Build(writeSynth(t, filepath.Join(root, "slow"), synthSpec{latency: 1.5}), WithBaselineSummary(base.Summary, "base"))
	require.NoError(t, err)
	require.NotEmpty(t, slow.Summary.Baseline.Regressions, "50% slower regresses at the default 10%")
	lenient, err := Build(writeSynth(t, filepath.Join(root, "slow2"), synthSpec{latency: 1.5}), WithBaselineSummary(base.Summary, "base"),
		WithLimits(results.BaselineLimits{Latency: 0.9}))
	require.NoError(t, err)
	assert.Empty(t, lenient.Summary.Baseline.Regressions)
	assert.Equal(t, results.BaselineLimits{Latency: 0.9, Throughput: DefaultThroughputTolerance, Success: DefaultSuccessTolerance},
		lenient.Summary.Baseline.Tolerances, "zero limits keep their default")
}
