package scenarios

import (
	"slices"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Pacer names of a Stage.
const (
	PacerConstant = "constant" // the stage's rate throughout
	PacerLinear   = "linear"   // straight ramp from the previous stage's rate (0 for the first) to this rate
	PacerSine     = "sine"     // rate + amplitude·sin(2π·t/period), t from the stage start
	PacerStep     = "step"     // Steps equal steps from the previous stage's rate to this rate
)

// Pacers lists the valid pacer names.
var Pacers = []string{PacerConstant, PacerLinear, PacerSine, PacerStep}

// Defaults applied to keys a scenario file leaves out.
const (
	DefaultPacer         = PacerConstant
	DefaultSaturation    = false
	DefaultSteps         = 5
	DefaultBatchSize     = hubspot.MaxBatchInputs
	DefaultUpdates       = 0.5
	DefaultIDProperty    = hubspot.DefaultIDProperty
	DefaultTraceIDs      = true
	DefaultInvalid       = 0.0
	DefaultVersion       = hubspot.VersionV3
	DefaultTimeout       = 30 * time.Second
	DefaultWorkers       = 10
	DefaultMaxWorkers    = 1000
	DefaultKeepAlive     = true
	DefaultHTTP2         = false
	DefaultSample        = 0.01
	DefaultTier          = hubspot.TierNone
	DefaultLatency       = "none"
	DefaultPreserveOrder = false
	DefaultRetryAfter    = false
	DefaultVerifyMode    = VerifyAuto
	DefaultVerifySample  = 1000
	DefaultVerifyEvery   = time.Duration(0) // only at the end of the run
	DefaultVerifyWindow  = VerifyWindowAuto
)

// Read-back verification modes (scenario verify.mode, the --verify flag).
const (
	// VerifyAuto leaves the choice to the load engine: every written key on
	// the emulator, a sample on a remote target (where reads cost quota).
	VerifyAuto   = "auto"
	VerifyNone   = "none"   // no read-back
	VerifySample = "sample" // verify.sample keys, drawn at random
	VerifyAll    = "all"    // every key the run wrote
)

// VerifyModes lists the valid verify.mode values.
var VerifyModes = []string{VerifyAuto, VerifyNone, VerifySample, VerifyAll}

// VerifyWindowAuto is the verify.window that leaves the consistency window
// to the load engine (0 on the emulator, a documented default on a remote
// target); it is written "auto".
const VerifyWindowAuto = time.Duration(-1)

// Bounds that keep a scenario runnable. They catch typos ("10h" for "10m"
// is allowed, "1000h" is not) rather than encode policy: the load planner
// checks plans against a tier's budgets separately.
const (
	MaxDuration = 24 * time.Hour // total of all stages
	MaxRate     = 100_000.0      // requests per second in any stage
	MaxStages   = 1000
	MaxSteps    = 1000
	MinPeriod   = time.Second // shortest sine period
	MaxWorkers  = 100_000
	// MaxVerifySample bounds verify.sample (keys per sampled round).
	MaxVerifySample = 1_000_000
	// MinVerifyEvery is the shortest period of verification rounds during
	// a run; MaxVerifyWindow the longest consistency window.
	MinVerifyEvery  = time.Second
	MaxVerifyWindow = 10 * time.Minute
)

// Scenario is one load test: how fast to send (Stages), what to send
// (Batch), how (HTTP), what to check (Sample, Thresholds) and, when no target
// is given, how the emulator behaves.
//
// A Scenario from Parse, Load, Builtin or Resolve is validated and has every
// default filled in. It is a plain value: callers may change fields (for
// example to apply command-line overrides) and call Validate again.
type Scenario struct {
	Name        string
	Description string
	// Seed makes batches reproducible; 0 lets the load engine pick one (and
	// record it).
	Seed   uint64
	Stages []Stage
	// Saturation says the stages' rates are a ceiling, not a promise:
	// the run sends as fast as it can up to them, and falling short of
	// them is reported, not failed (the reports' rate-achieved run check;
	// a bench run that looks for the load generator's or the target's
	// limit). Without it a run that sends less than its stages ask fails.
	Saturation bool
	Batch      Batch
	HTTP       HTTP
	Sample     float64 // share 0–1 of responses checked against the contract
	Thresholds []Threshold
	Emulator   EmulatorSettings
	Verify     Verify
	// Source says where the scenario came from: a file path or "builtin:<name>".
	Source string

	// pos says where each key's value is in the file the scenario came
	// from (nil when it was built in code), for FieldError. Like
	// Threshold.Line it is position data: two parses of equal scenarios
	// from different text differ in it.
	pos positions
}

// Stage is one stretch of the arrival-rate plan.
type Stage struct {
	Duration time.Duration
	// Rate is requests per second: the rate throughout (constant), at the end
	// (linear, step) or the mean (sine).
	Rate  float64
	Pacer string
	// Period and Amplitude shape a sine stage; Period defaults to Duration.
	Period    time.Duration
	Amplitude float64
	// Steps is the number of equal steps of a step stage.
	Steps int
}

// Batch says what each request carries; see package generators.
type Batch struct {
	Size       int     // inputs per batch, 1–100
	Updates    float64 // share 0–1 of inputs that update an existing record
	IDProperty string  // unique property the upsert matches on
	TraceIDs   bool    // set objectWriteTraceId on each input (partial failures answer 207)
	Invalid    float64 // share 0–1 of inputs with an invalid property value
	Version    hubspot.Version
}

// HTTP configures the client side of the attack (Vegeta's attacker options).
type HTTP struct {
	Timeout    time.Duration
	Workers    uint64 // initial workers
	MaxWorkers uint64 // cap on concurrent requests; a send delayed by it is a late send
	KeepAlive  bool
	HTTP2      bool
}

// EmulatorSettings describe, as data, the in-process emulator a scenario
// wants when no target is given. Latency and Faults are written in the
// emulator's spec syntax (emulator.ParseLatency, emulator.ParseFault); this
// package does not interpret them: the load engine, which starts the
// emulator, checks them before anything is sent and reports a bad one at
// its place in the file (Scenario.FieldError).
type EmulatorSettings struct {
	Tier          hubspot.Tier
	Latency       string
	Faults        []string
	PreserveOrder bool
	RetryAfter    bool
}

// Verify is the read-back verification: the keys the run wrote are read
// back with batch read and compared with their last acknowledged write, at
// the end of the run and, when Every is set, in sampled rounds during it.
type Verify struct {
	// Mode is one of VerifyModes.
	Mode string
	// Sample is the number of keys a sampled round reads (the final round
	// in sample mode, and every round during the run).
	Sample int
	// Every is the period of sampled rounds during the run (0: none).
	Every time.Duration
	// Window is the consistency window: a read that does not yet show a
	// write made less than Window before it is lag, not loss
	// (VerifyWindowAuto: the load engine's default for the target).
	Window time.Duration
}

// Default returns a scenario with every default applied and no stages; it is
// not valid until it has at least one stage.
func Default() *Scenario {
	return &Scenario{
		Saturation: DefaultSaturation,
		Batch: Batch{
			Size:       DefaultBatchSize,
			Updates:    DefaultUpdates,
			IDProperty: DefaultIDProperty,
			TraceIDs:   DefaultTraceIDs,
			Invalid:    DefaultInvalid,
			Version:    DefaultVersion,
		},
		HTTP: HTTP{
			Timeout:    DefaultTimeout,
			Workers:    DefaultWorkers,
			MaxWorkers: DefaultMaxWorkers,
			KeepAlive:  DefaultKeepAlive,
			HTTP2:      DefaultHTTP2,
		},
		Sample: DefaultSample,
		Emulator: EmulatorSettings{
			Tier:          DefaultTier,
			Latency:       DefaultLatency,
			PreserveOrder: DefaultPreserveOrder,
			RetryAfter:    DefaultRetryAfter,
		},
		Verify: Verify{Mode: DefaultVerifyMode, Sample: DefaultVerifySample, Every: DefaultVerifyEvery, Window: DefaultVerifyWindow},
	}
}

// Clone returns a deep copy, so that overrides do not leak into the
// original (built-ins are parsed afresh on every call anyway).
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Stages = slices.Clone(s.Stages)
	c.Thresholds = slices.Clone(s.Thresholds)
	c.Emulator.Faults = slices.Clone(s.Emulator.Faults)
	return &c
}

// Scaled returns a copy whose rates (and sine amplitudes) are multiplied by
// factor: a shard of an N-way run uses Scaled(1/N).
func (s *Scenario) Scaled(factor float64) *Scenario {
	c := s.Clone()
	for i := range c.Stages {
		c.Stages[i].Rate *= factor
		c.Stages[i].Amplitude *= factor
	}
	return c
}

// Stretched returns a copy whose stage durations are scaled to total d
// (--duration): each stage keeps its share of the plan, rounded to the
// millisecond, and the last stage takes what rounding left, so the total is
// exactly d. Rates stay, and so do sine periods (a longer plan has more
// waves, not slower ones). Stages can round to nothing when d is short: the
// copy is not validated, call Validate.
func (s *Scenario) Stretched(d time.Duration) *Scenario {
	c := s.Clone()
	total := s.Duration()
	if total <= 0 {
		return c
	}
	f := float64(d) / float64(total)
	var sum time.Duration
	for i := range c.Stages {
		if c.Stages[i].pacer() == PacerSine && c.Stages[i].Period <= 0 {
			c.Stages[i].Period = c.Stages[i].Duration // the default period, pinned before the duration changes
		}
		if i == len(c.Stages)-1 {
			c.Stages[i].Duration = d - sum
			break
		}
		c.Stages[i].Duration = time.Duration(float64(c.Stages[i].Duration) * f).Round(time.Millisecond)
		sum += c.Stages[i].Duration
	}
	return c
}

// startRate is the rate a linear or step stage i starts from: the previous
// stage's Rate, or 0 for the first stage.
func (s *Scenario) startRate(i int) float64 {
	if i == 0 {
		return 0
	}
	return s.Stages[i-1].Rate
}
