package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
)

// TestBadFiles: every file in testdata/bad fails with the message in its
// .golden file, and the message carries a line and column.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := Load(file)
			require.Error(t, err)
			var se *Error
			require.True(t, errors.As(err, &se), "error is an *Error: %v", err)
			assert.Positive(t, se.Line, "error has a line: %v", err)
			assert.Positive(t, se.Column, "error has a column: %v", err)
			assert.NotEmpty(t, se.Fix, "error says how to fix it: %v", err)
			assert.NotContains(t, err.Error(), "\n", "one line")

			golden.Equal(t, strings.TrimSuffix(file, ".yaml")+".golden", []byte(err.Error()+"\n"))
		})
	}
}

func TestDefaults(t *testing.T) {
	s, err := Parse("dir/minimal.yaml", []byte("stages:\n  - duration: 10s\n    rate: 20\n"))
	require.NoError(t, err)
	assert.Equal(t, "minimal", s.Name, "name from the file name")
	assert.Equal(t, "dir/minimal.yaml", s.Source)
	assert.Equal(t, []Stage{{Duration: 10 * time.Second, Rate: 20, Pacer: PacerConstant}}, s.Stages)
	// The documented defaults (README, scenario format), written out
	// rather than read back from Default(), which the parser itself uses.
	assert.Equal(t, EmulatorSettings{Tier: hubspot.TierNone, Latency: "none"}, s.Emulator)
	assert.Equal(t, Verify{Mode: "auto", Sample: 1000, Window: VerifyWindowAuto}, s.Verify)
	assert.Equal(t, 0.01, s.Sample)
	assert.Equal(t, Batch{Size: 100, Updates: 0.5, IDProperty: "external_task_id", TraceIDs: true, Version: hubspot.VersionV3}, s.Batch)
	assert.Equal(t, HTTP{Timeout: 30 * time.Second, Workers: 10, MaxWorkers: 1000, KeepAlive: true}, s.HTTP)
	assert.Empty(t, s.Thresholds)
}

func TestParseFullExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	s, err := Parse("example.yaml", data)
	require.NoError(t, err)
	assert.Equal(t, "checkout-sync", s.Name)
	assert.Equal(t, uint64(42), s.Seed)
	assert.Equal(t, []Stage{
		{Duration: 30 * time.Second, Rate: 40, Pacer: PacerLinear},
		{Duration: 2 * time.Minute, Rate: 40, Pacer: PacerConstant},
		{Duration: time.Minute, Rate: 40, Pacer: PacerSine, Period: 20 * time.Second, Amplitude: 10},
		{Duration: 40 * time.Second, Rate: 80, Pacer: PacerStep, Steps: 4},
		{Duration: 20 * time.Second, Rate: 0, Pacer: PacerLinear},
	}, s.Stages)
	assert.Equal(t, Batch{Size: 100, Updates: 0.3, IDProperty: "external_task_id", TraceIDs: true, Invalid: 0.01, Version: hubspot.VersionV3}, s.Batch)
	assert.Equal(t, HTTP{Timeout: 30 * time.Second, Workers: 10, MaxWorkers: 500, KeepAlive: true}, s.HTTP)
	assert.Equal(t, 0.01, s.Sample)
	assert.Equal(t, EmulatorSettings{
		Tier:    hubspot.TierEnterprise,
		Latency: "lognormal:p50=180ms,p99=900ms,per-input=1ms",
		Faults:  []string{"5xx=0.001", "reset=0.001"},
	}, s.Emulator)
	assert.Equal(t, Verify{Mode: VerifyAuto, Sample: 1000, Every: 30 * time.Second, Window: VerifyWindowAuto}, s.Verify)
	require.Len(t, s.Thresholds, 6)
	assert.Equal(t, Threshold{Expr: "p95 < 1s", Metric: "p95", Op: "<", Value: 1000, Unit: UnitMillis, Line: s.Thresholds[0].Line}, s.Thresholds[0])
	assert.Greater(t, s.Thresholds[1].Line, s.Thresholds[0].Line)
	assert.InDelta(t, 40*30/2+40*120+40*60+(50+60+70+80)*10+80*20/2, s.TotalRequests(), 1e-6)
}

// TestVerifySection: the scenario's verify section (issue 13's
// "verify: {every: 30s, sample: 1000}") in flow and block style, with an
// explicit window, survives Marshal and Parse.
func TestVerifySection(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       Verify
	}{
		{"issue's flow style", "verify: {every: 30s, sample: 1000}", Verify{Mode: VerifyAuto, Sample: 1000, Every: 30 * time.Second, Window: VerifyWindowAuto}},
		{"every key", "verify:\n  mode: sample\n  sample: 250\n  every: 1m\n  window: 2s", Verify{Mode: VerifySample, Sample: 250, Every: time.Minute, Window: 2 * time.Second}},
		{"window zero", "verify: {mode: all, window: 0s}", Verify{Mode: VerifyAll, Sample: 1000, Window: 0}},
		{"window auto", "verify: {mode: none, window: auto}", Verify{Mode: VerifyNone, Sample: 1000, Window: VerifyWindowAuto}},
		{"left out", "", Verify{Mode: VerifyAuto, Sample: 1000, Window: VerifyWindowAuto}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("v.yaml", []byte("stages: [{duration: 5m, rate: 20}]\n"+tt.yaml+"\n"))
			require.NoError(t, err)
			assert.Equal(t, tt.want, s.Verify)
			out, err := s.Marshal()
			require.NoError(t, err)
			back, err := Parse("v.yaml", out)
			require.NoError(t, err, "%s", out)
			assert.Equal(t, tt.want, back.Verify)
		})
	}
}

func TestLenientValues(t *testing.T) {
	s, err := Parse("x.yaml", []byte(`
stages:
  - {duration: 1m30s, rate: 20/s}
  - {duration: 10s, rate: "2.5", pacer: sine, amplitude: 1/s}
batch: {updates: 30%, invalid: "1%", version: "2026-03"}
sample: 5%
`))
	require.NoError(t, err)
	assert.Equal(t, 90*time.Second, s.Stages[0].Duration)
	assert.Equal(t, 20.0, s.Stages[0].Rate)
	assert.Equal(t, 2.5, s.Stages[1].Rate)
	assert.Equal(t, 10*time.Second, s.Stages[1].Period, "period defaults to the stage duration")
	assert.InDelta(t, 0.3, s.Batch.Updates, 1e-12)
	assert.InDelta(t, 0.01, s.Batch.Invalid, 1e-12)
	assert.InDelta(t, 0.05, s.Sample, 1e-12)
	assert.Equal(t, hubspot.Version202603, s.Batch.Version)
}

func TestValidateWithoutFile(t *testing.T) {
	s, err := Builtin("steady")
	require.NoError(t, err)
	s.Stages[0].Rate = -1
	err = s.Validate()
	require.Error(t, err)
	assert.Equal(t, "builtin:steady: stages[0].rate: rate -1 is negative (write requests per second ≥ 0, e.g. rate: 20)", err.Error())

	c := Default()
	c.Stages = []Stage{{Duration: time.Second, Rate: 5}}
	assert.EqualError(t, c.Validate(), `scenario: name: invalid name "" (use up to 64 letters, digits, '-', '_' or '.'; it names the output folder)`)
	c.Name = "ok"
	assert.NoError(t, c.Validate())
}

func TestMarshalRoundTrip(t *testing.T) {
	sources := map[string][]byte{}
	for _, n := range BuiltinNames() {
		data, err := builtinFS.ReadFile("builtin/" + n + ".yaml")
		require.NoError(t, err)
		sources["builtin:"+n] = data
	}
	example, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	sources["example.yaml"] = example
	for name, data := range sources {
		t.Run(name, func(t *testing.T) {
			s, err := Parse(name, data)
			require.NoError(t, err)
			out, err := s.Marshal()
			require.NoError(t, err)
			back, err := Parse(name, out)
			require.NoError(t, err, "Marshal output parses:\n%s", out)
			assert.Equal(t, stripLines(s), stripLines(back))
			again, err := back.Marshal()
			require.NoError(t, err)
			assert.Equal(t, string(out), string(again), "canonical form is stable")
		})
	}
}

func stripLines(s *Scenario) *Scenario {
	c := s.Clone()
	for i := range c.Thresholds {
		c.Thresholds[i].Line = 0
	}
	c.pos = nil
	return c
}

func TestMarshalGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	s, err := Parse("example.yaml", data)
	require.NoError(t, err)
	out, err := s.Marshal()
	require.NoError(t, err)
	golden.Equal(t, filepath.Join("testdata", "example.canonical.yaml"), out)
}

func TestResolve(t *testing.T) {
	s, err := Resolve("smoke")
	require.NoError(t, err)
	assert.Equal(t, "builtin:smoke", s.Source)
	s, err = Resolve("builtin:ramp")
	require.NoError(t, err)
	assert.Equal(t, "ramp", s.Name)
	s, err = Resolve(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "checkout-sync", s.Name)

	_, err = Resolve("smoak")
	assert.EqualError(t, err, `smoak: unknown scenario "smoak" (use a YAML file path or a built-in: `+strings.Join(BuiltinNames(), ", ")+`)`)
	_, err = Resolve("missing/file.yaml")
	assert.ErrorContains(t, err, "missing/file.yaml: no such scenario file")
	_, err = Builtin("nope")
	assert.ErrorContains(t, err, `no built-in scenario "nope"`)
}

func TestClone(t *testing.T) {
	s, err := Builtin("faults")
	require.NoError(t, err)
	c := s.Clone()
	c.Stages[0].Rate = 1
	c.Emulator.Faults[0] = "x"
	c.Thresholds[0].Value = 1
	assert.Equal(t, 20.0, s.Stages[0].Rate)
	assert.NotEqual(t, "x", s.Emulator.Faults[0])
	assert.NotEqual(t, 1.0, s.Thresholds[0].Value)
}

// TestREADMEExample: the example in the project README is testdata/example.yaml, so
// the documented format is the tested one.
func TestREADMEExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	example, err := os.ReadFile(filepath.Join("testdata", "example.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```yaml\n"+string(example)+"```")
	for _, n := range BuiltinNames() {
		assert.Contains(t, string(readme), "| `"+n+"` |", "README lists built-in %s", n)
	}
}

func TestMarshalQuotesText(t *testing.T) {
	for _, desc := range []string{"a: b # c", "- x", "line one\nline two", `'single' and "double"`, "ünïcödé ✓", "true", "123", "", "@at", "%pct", "~"} {
		t.Run(desc, func(t *testing.T) {
			s := Default()
			s.Name = "q"
			s.Description = desc
			s.Stages = []Stage{{Duration: time.Second, Rate: 5}}
			s.Emulator.Faults = []string{"5xx=0.01,status=503"}
			out, err := s.Marshal()
			require.NoError(t, err)
			back, err := Parse("q.yaml", out)
			require.NoError(t, err, "%s", out)
			assert.Equal(t, desc, back.Description)
			assert.Equal(t, s.Emulator.Faults, back.Emulator.Faults)
		})
	}
}

// TestFieldError: code that interprets a scenario's values (the load
// engine, for the emulator settings) reports a bad one where it is.
func TestFieldError(t *testing.T) {
	s, err := Parse("f.yaml", []byte("stages:\n  - duration: 10s\n    rate: 20\nemulator:\n  faults:\n    - ok=1\n    - bogus\n"))
	require.NoError(t, err)
	assert.Equal(t, "f.yaml:7:7: emulator.faults[1]: bad (fix it)", s.FieldError("emulator.faults[1]", "fix it", errors.New("bad")).Error())
	assert.Equal(t, "f.yaml:5:9: emulator.latency: bad", s.FieldError("emulator.latency", "", errors.New("bad")).Error(),
		"a key the file leaves out is reported at its closest parent")

	c := s.Clone()
	c.Source, c.pos = "", nil
	assert.Equal(t, "f: emulator.tier: bad", c.FieldError("emulator.tier", "", errors.New("bad")).Error(), "built in code: no position")
}

// TestSaturation: saturation is false unless the file says true, survives
// the canonical form (the reports read it back from summary.json), and a
// value that is not a boolean is refused at its place.
func TestSaturation(t *testing.T) {
	const stages = "stages:\n  - duration: 10s\n    rate: 20\n"
	s, err := Parse("plain.yaml", []byte(stages))
	require.NoError(t, err)
	assert.False(t, s.Saturation, "a rate is a promise unless the scenario says otherwise")

	s, err = Parse("bench.yaml", []byte(stages+"saturation: true\n"))
	require.NoError(t, err)
	assert.True(t, s.Saturation)
	out, err := s.Marshal()
	require.NoError(t, err)
	assert.Contains(t, string(out), "\nsaturation: true\n")
	back, err := Parse("bench.yaml", out)
	require.NoError(t, err)
	assert.True(t, back.Saturation)
	assert.True(t, s.Scaled(0.5).Saturation, "a shard's scenario keeps it")

	_, err = Parse("bad.yaml", []byte(stages+"saturation: maybe\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.yaml:4:13: saturation:")
	assert.Contains(t, err.Error(), "write true or false")
}
