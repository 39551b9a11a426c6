package scenarios

import (
	"math"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// The canonical form writes every key, defaults included, in the order of
// the documentation, so that a stored scenario (summary.json
// run.scenarioYAML) says exactly what ran even if defaults change later.

type yamlScenario struct {
	Name        string       `yaml:"name"`
	Description string       `yaml:"description,omitempty"`
	Seed        uint64       `yaml:"seed"`
	Stages      []yamlStage  `yaml:"stages"`
	Saturation  bool         `yaml:"saturation"`
	Batch       yamlBatch    `yaml:"batch"`
	HTTP        yamlHTTP     `yaml:"http"`
	Sample      number       `yaml:"sample"`
	Thresholds  []string     `yaml:"thresholds"`
	Emulator    yamlEmulator `yaml:"emulator"`
	Verify      yamlVerify   `yaml:"verify"`
}

type yamlVerify struct {
	Mode   string `yaml:"mode"`
	Sample int    `yaml:"sample"`
	Every  string `yaml:"every,omitempty"`
	Window string `yaml:"window"`
}

// VerifyWindowAutoText is how VerifyWindowAuto is written in a file.
const VerifyWindowAutoText = "auto"

type yamlStage struct {
	Duration  string  `yaml:"duration"`
	Rate      number  `yaml:"rate"`
	Pacer     string  `yaml:"pacer"`
	Period    string  `yaml:"period,omitempty"`
	Amplitude *number `yaml:"amplitude,omitempty"`
	Steps     int     `yaml:"steps,omitempty"`
}

// number writes whole values without a decimal point ("rate: 20").
type number float64

func (n number) MarshalYAML() (any, error) {
	f := float64(n)
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return int64(f), nil
	}
	return f, nil
}

type yamlBatch struct {
	Size       int    `yaml:"size"`
	Updates    number `yaml:"updates"`
	IDProperty string `yaml:"id_property"`
	TraceIDs   bool   `yaml:"trace_ids"`
	Invalid    number `yaml:"invalid"`
	Version    string `yaml:"version"`
}

type yamlHTTP struct {
	Timeout    string `yaml:"timeout"`
	Workers    uint64 `yaml:"workers"`
	MaxWorkers uint64 `yaml:"max_workers"`
	KeepAlive  bool   `yaml:"keepalive"`
	HTTP2      bool   `yaml:"http2"`
}

type yamlEmulator struct {
	Tier          string   `yaml:"tier"`
	Latency       string   `yaml:"latency"`
	Faults        []string `yaml:"faults"`
	PreserveOrder bool     `yaml:"preserve_order"`
	RetryAfter    bool     `yaml:"retry_after"`
}

// Marshal renders the scenario as canonical YAML that Parse reads back to
// an equal Scenario (Source and threshold lines aside).
func (s *Scenario) Marshal() ([]byte, error) {
	y := yamlScenario{
		Name:        s.Name,
		Description: s.Description,
		Seed:        s.Seed,
		Stages:      make([]yamlStage, len(s.Stages)),
		Saturation:  s.Saturation,
		Batch: yamlBatch{
			Size:       s.Batch.Size,
			Updates:    number(s.Batch.Updates),
			IDProperty: s.Batch.IDProperty,
			TraceIDs:   s.Batch.TraceIDs,
			Invalid:    number(s.Batch.Invalid),
			Version:    string(s.Batch.Version),
		},
		HTTP: yamlHTTP{
			Timeout:    fmtDuration(s.HTTP.Timeout),
			Workers:    s.HTTP.Workers,
			MaxWorkers: s.HTTP.MaxWorkers,
			KeepAlive:  s.HTTP.KeepAlive,
			HTTP2:      s.HTTP.HTTP2,
		},
		Sample:     number(s.Sample),
		Thresholds: make([]string, len(s.Thresholds)),
		Emulator: yamlEmulator{
			Tier:          string(s.Emulator.Tier),
			Latency:       s.Emulator.Latency,
			Faults:        append([]string{}, s.Emulator.Faults...),
			PreserveOrder: s.Emulator.PreserveOrder,
			RetryAfter:    s.Emulator.RetryAfter,
		},
		Verify: yamlVerify{Mode: s.Verify.Mode, Sample: s.Verify.Sample, Window: VerifyWindowAutoText},
	}
	if s.Verify.Every > 0 {
		y.Verify.Every = fmtDuration(s.Verify.Every)
	}
	if s.Verify.Window != VerifyWindowAuto {
		y.Verify.Window = fmtDuration(s.Verify.Window)
	}
	for i, st := range s.Stages {
		ys := yamlStage{Duration: fmtDuration(st.Duration), Rate: number(st.Rate), Pacer: st.pacer()}
		switch ys.Pacer {
		case PacerSine:
			amp := number(st.Amplitude)
			ys.Amplitude = &amp
			ys.Period = fmtDuration(time.Duration(st.period() * float64(time.Second)))
			if st.Period > 0 {
				ys.Period = fmtDuration(st.Period)
			}
		case PacerStep:
			ys.Steps = st.steps()
		}
		y.Stages[i] = ys
	}
	for i, t := range s.Thresholds {
		y.Thresholds[i] = t.Expr
	}
	return yaml.MarshalWithOptions(y, yaml.Indent(2), yaml.IndentSequence(true))
}

// fmtDuration is time.Duration.String without the trailing zero units
// ("5m" rather than "5m0s"); time.ParseDuration reads both.
func fmtDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
