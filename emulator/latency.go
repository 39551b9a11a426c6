package emulator

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// LatencyKind names a latency model.
type LatencyKind string

const (
	LatencyNone      LatencyKind = "none"
	LatencyFixed     LatencyKind = "fixed"
	LatencyLognormal LatencyKind = "lognormal"
)

// MaxLatency caps any single latency sample, so a long tail stays a tail
// and never turns into a hang (hangs are a separate, explicit fault).
const MaxLatency = time.Minute

// z99 is the standard normal quantile of 0.99.
const z99 = 2.3263478740408408

// Latency is a model of how long the emulator waits before answering an API
// request. The zero value (and "none") adds nothing.
//
// The lognormal model is set by two quantiles: with ln(X) ~ N(mu, sigma²),
// p50 = e^mu and p99 = e^(mu + z99·sigma), so mu = ln(p50) and
// sigma = (ln(p99) − ln(p50)) / z99. That gives the long right tail real
// services show while keeping the median where it was asked to be.
type Latency struct {
	Kind  LatencyKind
	Fixed time.Duration // fixed model
	P50   time.Duration // lognormal model
	P99   time.Duration // lognormal model
	// PerInput is added once per input of the request, so bigger batches
	// take longer (a batch of 100 with per-input=1ms adds 100ms).
	PerInput time.Duration

	mu, sigma float64
}

// ParseLatency reads "none", "fixed:20ms", or
// "lognormal:p50=180ms,p99=900ms"; both models accept ",per-input=1ms".
func ParseLatency(spec string) (Latency, error) {
	spec = strings.TrimSpace(spec)
	kind, rest, _ := strings.Cut(spec, ":")
	var l Latency
	switch LatencyKind(kind) {
	case "", LatencyNone:
		if rest != "" {
			return Latency{}, fmt.Errorf("latency %q: none takes no parameters", spec)
		}
		return Latency{Kind: LatencyNone}, nil
	case LatencyFixed:
		l.Kind = LatencyFixed
		parts := strings.Split(rest, ",")
		d, err := time.ParseDuration(strings.TrimSpace(parts[0]))
		if err != nil || d < 0 {
			return Latency{}, fmt.Errorf("latency %q: fixed needs a duration, e.g. fixed:20ms", spec)
		}
		l.Fixed = d
		for _, p := range parts[1:] {
			if err := l.setParam(spec, p); err != nil {
				return Latency{}, err
			}
		}
	case LatencyLognormal:
		l.Kind = LatencyLognormal
		for _, p := range strings.Split(rest, ",") {
			if err := l.setParam(spec, p); err != nil {
				return Latency{}, err
			}
		}
		if l.P50 <= 0 || l.P99 <= 0 {
			return Latency{}, fmt.Errorf("latency %q: lognormal needs p50 and p99, e.g. lognormal:p50=180ms,p99=900ms", spec)
		}
		if l.P99 < l.P50 {
			return Latency{}, fmt.Errorf("latency %q: p99 must not be below p50", spec)
		}
	default:
		return Latency{}, fmt.Errorf("latency %q: unknown model %q (valid: none, fixed:D, lognormal:p50=D,p99=D[,per-input=D])", spec, kind)
	}
	l.prepare()
	return l, nil
}

func (l *Latency) setParam(spec, p string) error {
	k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if !ok || err != nil || d < 0 {
		return fmt.Errorf("latency %q: %q is not name=duration", spec, p)
	}
	switch strings.TrimSpace(k) {
	case "p50":
		if l.Kind != LatencyLognormal {
			return fmt.Errorf("latency %q: p50 only applies to lognormal", spec)
		}
		l.P50 = d
	case "p99":
		if l.Kind != LatencyLognormal {
			return fmt.Errorf("latency %q: p99 only applies to lognormal", spec)
		}
		l.P99 = d
	case "per-input":
		l.PerInput = d
	default:
		return fmt.Errorf("latency %q: unknown parameter %q (valid: p50, p99, per-input)", spec, k)
	}
	return nil
}

func (l *Latency) prepare() {
	if l.Kind == LatencyLognormal && l.P50 > 0 {
		l.mu = math.Log(float64(l.P50))
		l.sigma = (math.Log(float64(l.P99)) - l.mu) / z99
	}
}

// String renders the model in ParseLatency's syntax.
func (l Latency) String() string {
	var s string
	switch l.Kind {
	case LatencyFixed:
		s = "fixed:" + l.Fixed.String()
	case LatencyLognormal:
		s = "lognormal:p50=" + l.P50.String() + ",p99=" + l.P99.String()
	default:
		return "none"
	}
	if l.PerInput > 0 {
		s += ",per-input=" + l.PerInput.String()
	}
	return s
}

// sample draws one delay for a request with inputs inputs.
func (l Latency) sample(r *rng, inputs int) time.Duration {
	var d time.Duration
	switch l.Kind {
	case LatencyFixed:
		d = l.Fixed
	case LatencyLognormal:
		if l.sigma == 0 && l.mu == 0 {
			l.prepare()
		}
		d = time.Duration(math.Exp(l.mu + l.sigma*r.normal()))
	default:
		if l.PerInput == 0 {
			return 0
		}
	}
	d += time.Duration(inputs) * l.PerInput
	return min(max(d, 0), MaxLatency)
}

// rng is splitmix64: tiny, allocation-free and good enough for shuffles,
// latency draws and correlation ids. Each request gets its own, seeded from
// the emulator's seed and the request's sequence number.
type rng struct{ s uint64 }

func newRNG(seed, stream uint64) rng {
	r := rng{s: seed ^ stream*0xd1b54a32d192ed03}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// intn returns a uniform value in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// normal returns a standard normal value (Box–Muller).
func (r *rng) normal() float64 {
	u1 := 1 - r.float() // (0, 1]
	u2 := r.float()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
