package scenarios

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Validate checks a scenario built or changed in code (for example after
// command-line overrides). Errors name the field ("stages[1].rate") but no
// line; scenarios from Parse are already validated with positions.
func (s *Scenario) Validate() error {
	if err := s.validate(nil); err != nil {
		return err
	}
	return nil
}

// locator maps a key path to its line and column; nil when there is no file.
type locator func(path string) (line, col int)

type validator struct {
	s   *Scenario
	loc locator
}

func (s *Scenario) validate(loc locator) *Error {
	v := validator{s: s, loc: loc}
	p := v.check()
	return p
}

// FieldError is a problem with the value at path (e.g.
// "emulator.latency") found by code outside this package that interprets
// the value: positioned like this package's own errors when the scenario
// came from a file. The emulator settings are such values: their syntax
// belongs to the emulator, and the code that starts it checks them.
func (s *Scenario) FieldError(path, fix string, err error) *Error {
	v := validator{s: s}
	if s.pos != nil {
		v.loc = s.pos.locate
	}
	return v.errorf(path, fix, "%v", err)
}

func (v validator) errorf(path, fix, format string, args ...any) *Error {
	e := &Error{File: v.s.Source, Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix}
	if e.File == "" {
		e.File = "scenario"
		if v.s.Name != "" {
			e.File = v.s.Name
		}
	}
	if v.loc != nil {
		e.Line, e.Column = v.loc(path)
	}
	return e
}

func validName(n string) bool {
	if n == "" || len(n) > 64 || n[0] == '.' || n[0] == '-' {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (v validator) check() *Error {
	s := v.s
	if !validName(s.Name) {
		return v.errorf("name", "use up to 64 letters, digits, '-', '_' or '.'; it names the output folder", "invalid name %q", s.Name)
	}
	if err := v.stages(); err != nil {
		return err
	}
	if n := s.TotalRequests(); n < 1 {
		return v.errorf("stages", "raise a rate or a duration", "the stages send %.2f requests, less than one", n)
	}
	if err := v.batch(); err != nil {
		return err
	}
	if err := v.http(); err != nil {
		return err
	}
	if !(s.Sample >= 0 && s.Sample <= 1) {
		return v.errorf("sample", "write a share between 0 and 1, e.g. sample: 0.01", "sample %g is outside 0–1", s.Sample)
	}
	for i, t := range s.Thresholds {
		if p := checkThreshold(t); p != nil {
			return v.errorf(fmt.Sprintf("thresholds[%d]", i), p.fix, "%s", p.msg)
		}
	}
	if err := v.emulator(); err != nil {
		return err
	}
	return v.verify()
}

// stages checks what a rate curve needs (Scenario.Curve asks too).
func (v validator) stages() *Error {
	s := v.s
	if len(s.Stages) == 0 {
		return v.errorf("stages", "add at least one stage, e.g. stages: [{duration: 30s, rate: 20}]", "no stages")
	}
	if len(s.Stages) > MaxStages {
		return v.errorf(fmt.Sprintf("stages[%d]", MaxStages), fmt.Sprintf("use at most %d stages", MaxStages), "%d stages is too many", len(s.Stages))
	}
	var total time.Duration
	for i := range s.Stages {
		if err := v.stage(i); err != nil {
			return err
		}
		total += s.Stages[i].Duration
		if total > MaxDuration {
			return v.errorf(fmt.Sprintf("stages[%d].duration", i), fmt.Sprintf("keep the total at most %s", fmtDuration(MaxDuration)), "stages add up to more than %s", fmtDuration(MaxDuration))
		}
	}
	return nil
}

func (v validator) stage(i int) *Error {
	st := v.s.Stages[i]
	path := fmt.Sprintf("stages[%d]", i)
	at := func(k string) string { return path + "." + k }
	pacer := st.pacer()
	if !containsString(Pacers, pacer) {
		fix := "valid pacers: " + strings.Join(Pacers, ", ")
		if sug := suggest(pacer, Pacers); sug != "" {
			fix = fmt.Sprintf("did you mean %s? %s", sug, fix)
		}
		return v.errorf(at("pacer"), fix, "unknown pacer %q", st.Pacer)
	}
	if st.Duration <= 0 {
		return v.errorf(at("duration"), "write a positive Go duration, e.g. 30s", "duration %s is not positive", st.Duration)
	}
	if st.Duration < time.Millisecond {
		return v.errorf(at("duration"), "write at least 1ms, e.g. 30s", "duration %s is too short", st.Duration)
	}
	if math.IsNaN(st.Rate) || math.IsInf(st.Rate, 0) {
		return v.errorf(at("rate"), "write requests per second, e.g. rate: 20", "rate is not a number")
	}
	if st.Rate < 0 {
		return v.errorf(at("rate"), "write requests per second ≥ 0, e.g. rate: 20", "rate %g is negative", st.Rate)
	}
	if st.Rate > MaxRate {
		return v.errorf(at("rate"), fmt.Sprintf("use at most %g/s per process, and --shard to spread more", MaxRate), "rate %g/s is above %g/s", st.Rate, MaxRate)
	}
	if st.Rate == 0 && (pacer == PacerConstant || pacer == PacerSine) {
		return v.errorf(at("rate"), "use a rate > 0; to ramp down to 0 use pacer: linear", "a %s stage needs a rate above 0", pacer)
	}
	if pacer != PacerSine && st.Amplitude != 0 {
		return v.errorf(at("amplitude"), "remove it, or set pacer: sine", "amplitude only applies to pacer sine, this stage is %s", pacer)
	}
	if pacer != PacerSine && st.Period != 0 {
		return v.errorf(at("period"), "remove it, or set pacer: sine", "period only applies to pacer sine, this stage is %s", pacer)
	}
	if pacer != PacerStep && st.Steps != 0 {
		return v.errorf(at("steps"), "remove it, or set pacer: step", "steps only applies to pacer step, this stage is %s", pacer)
	}
	switch pacer {
	case PacerSine:
		if math.IsNaN(st.Amplitude) || st.Amplitude < 0 {
			return v.errorf(at("amplitude"), "write requests per second ≥ 0", "amplitude %g is negative", st.Amplitude)
		}
		if st.Amplitude > st.Rate {
			return v.errorf(at("amplitude"), fmt.Sprintf("use an amplitude of at most %g, or raise the rate", st.Rate), "amplitude %g is above rate %g, the rate would go negative", st.Amplitude, st.Rate)
		}
		if st.Period < MinPeriod {
			return v.errorf(at("period"), fmt.Sprintf("use a period of at least %s", MinPeriod), "period %s is too short", st.Period)
		}
	case PacerStep:
		if st.Steps < 1 || st.Steps > MaxSteps {
			return v.errorf(at("steps"), fmt.Sprintf("use 1 to %d steps", MaxSteps), "steps %d is out of range", st.Steps)
		}
	}
	return nil
}

func (v validator) batch() *Error {
	b := v.s.Batch
	if b.Size < 1 || b.Size > hubspot.MaxBatchInputs {
		return v.errorf("batch.size", fmt.Sprintf("use 1 to %d inputs, HubSpot's batch limit", hubspot.MaxBatchInputs), "batch size %d is out of range", b.Size)
	}
	if !(b.Updates >= 0 && b.Updates <= 1) {
		return v.errorf("batch.updates", "write a share between 0 and 1, e.g. updates: 0.5", "updates %g is outside 0–1", b.Updates)
	}
	if !(b.Invalid >= 0 && b.Invalid <= 1) {
		return v.errorf("batch.invalid", "write a share between 0 and 1, e.g. invalid: 0.01", "invalid %g is outside 0–1", b.Invalid)
	}
	if !validProperty(b.IDProperty) {
		return v.errorf("batch.id_property", "name a property with unique values, e.g. "+DefaultIDProperty, "invalid id_property %q", b.IDProperty)
	}
	if b.IDProperty == hubspot.PropObjectID {
		return v.errorf("batch.id_property", "name a custom property with unique values, e.g. "+DefaultIDProperty, "HubSpot refuses upserts by %s", hubspot.PropObjectID)
	}
	if _, err := hubspot.ParseVersion(string(b.Version)); err != nil {
		return v.errorf("batch.version", "use v3 or 2026-03", "unknown API version %q", b.Version)
	}
	return nil
}

// validProperty accepts HubSpot internal property names.
func validProperty(p string) bool {
	if p == "" || len(p) > 100 {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func (v validator) http() *Error {
	h := v.s.HTTP
	if h.Timeout <= 0 || h.Timeout > 10*time.Minute {
		return v.errorf("http.timeout", "use a duration between 1ms and 10m, e.g. timeout: 30s", "timeout %s is out of range", h.Timeout)
	}
	if h.Workers < 1 || h.Workers > MaxWorkers {
		return v.errorf("http.workers", fmt.Sprintf("use 1 to %d", MaxWorkers), "workers %d is out of range", h.Workers)
	}
	if h.MaxWorkers < h.Workers || h.MaxWorkers > MaxWorkers {
		return v.errorf("http.max_workers", fmt.Sprintf("use a value from workers, %d, to %d", h.Workers, MaxWorkers), "max_workers %d is out of range", h.MaxWorkers)
	}
	return nil
}

func (v validator) emulator() *Error {
	em := v.s.Emulator
	if _, err := hubspot.ParseTier(string(em.Tier)); err != nil {
		fix := "one of none, free, professional, enterprise, capacity"
		names := make([]string, len(hubspot.Tiers))
		for i, t := range hubspot.Tiers {
			names[i] = string(t)
		}
		if sug := suggest(string(em.Tier), names); sug != "" {
			fix = "did you mean " + sug + "? " + fix
		}
		return v.errorf("emulator.tier", fix, "unknown tier %q", em.Tier)
	}
	return nil
}

func (v validator) verify() *Error {
	vf := v.s.Verify
	if !containsString(VerifyModes, vf.Mode) {
		fix := "one of " + strings.Join(VerifyModes, ", ")
		if sug := suggest(vf.Mode, VerifyModes); sug != "" {
			fix = "did you mean " + sug + "? " + fix
		}
		return v.errorf("verify.mode", fix, "unknown verify mode %q", vf.Mode)
	}
	if vf.Sample < 1 || vf.Sample > MaxVerifySample {
		return v.errorf("verify.sample", fmt.Sprintf("use 1 to %d keys, e.g. sample: %d", MaxVerifySample, DefaultVerifySample), "verify sample %d is out of range", vf.Sample)
	}
	if vf.Every != 0 {
		switch {
		case vf.Every < MinVerifyEvery:
			return v.errorf("verify.every", fmt.Sprintf("use at least %s, e.g. every: 30s, or remove it to verify only at the end", MinVerifyEvery), "verify every %s is too short", vf.Every)
		case vf.Every >= v.s.Duration():
			return v.errorf("verify.every", fmt.Sprintf("use a period shorter than the scenario's %s, or remove it to verify only at the end", fmtDuration(v.s.Duration())), "verify every %s: no round would run during the scenario", fmtDuration(vf.Every))
		case vf.Mode == VerifyNone:
			return v.errorf("verify.every", "remove every, or set mode: sample, all or auto", "verify every %s with mode none: rounds during the run need verification on", fmtDuration(vf.Every))
		}
	}
	if vf.Window != VerifyWindowAuto && (vf.Window < 0 || vf.Window > MaxVerifyWindow) {
		return v.errorf("verify.window", fmt.Sprintf(`use 0 to %s, or "auto"`, fmtDuration(MaxVerifyWindow)), "consistency window %s is out of range", fmtDuration(vf.Window))
	}
	return nil
}
