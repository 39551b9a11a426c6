package load

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress cadence: a terminal line is rewritten in place every second; a
// log (CI, a file) gets a new line every ten seconds so it stays readable.
const (
	DefaultProgressTTYInterval = time.Second
	DefaultProgressLogInterval = 10 * time.Second
)

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress prints the live line: elapsed/total, achieved vs requested rate,
// p95 and errors of the last interval, totals so far. Results are added
// from the attack loop; the printer runs in its own goroutine so a quiet
// attack (low rate, everything slow) still shows that it is alive.
type progress struct {
	w        io.Writer
	tty      bool
	interval time.Duration
	total    time.Duration
	rate     func(time.Duration) float64 // requested rate at an offset
	extra    func() string               // e.g. contract violations so far

	mu       sync.Mutex
	start    time.Time
	requests uint64
	errors   uint64
	late     uint64
	limited  uint64
	window   latencyWindow
	winReqs  uint64
	winStart time.Time
	lastLen  int

	stop chan struct{}
	done chan struct{}
}

func newProgress(w io.Writer, tty bool, interval, total time.Duration, rate func(time.Duration) float64) *progress {
	if interval <= 0 {
		interval = DefaultProgressLogInterval
		if tty {
			interval = DefaultProgressTTYInterval
		}
	}
	return &progress{w: w, tty: tty, interval: interval, total: total, rate: rate}
}

// begin starts the printer; the attack began at start.
func (p *progress) begin(start time.Time) {
	p.mu.Lock()
	p.start, p.winStart = start, start
	p.mu.Unlock()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.print(time.Now(), false)
			case <-p.stop:
				return
			}
		}
	}()
}

// add counts one result.
func (p *progress) add(latency time.Duration, failed, late, limited bool) {
	p.mu.Lock()
	p.requests++
	p.winReqs++
	if failed {
		p.errors++
	}
	if late {
		p.late++
	}
	if limited {
		p.limited++
	}
	p.window.add(latency)
	p.mu.Unlock()
}

// end stops the printer and prints the final line.
func (p *progress) end() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.print(time.Now(), true)
}

func (p *progress) print(now time.Time, final bool) {
	p.mu.Lock()
	line := p.lineLocked(now)
	p.winReqs = 0
	p.winStart = now
	p.window.reset()
	pad := 0
	if p.tty && p.lastLen > len(line) {
		pad = p.lastLen - len(line)
	}
	p.lastLen = len(line)
	p.mu.Unlock()
	if p.extra != nil {
		line += p.extra()
	}
	switch {
	case p.tty && final:
		fmt.Fprintf(p.w, "\r%s%s\n", line, strings.Repeat(" ", pad))
	case p.tty:
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
	default:
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) lineLocked(now time.Time) string {
	elapsed := now.Sub(p.start)
	win := now.Sub(p.winStart).Seconds()
	achieved := 0.0
	if win > 0 {
		achieved = float64(p.winReqs) / win
	}
	errShare := 0.0
	if p.requests > 0 {
		errShare = 100 * float64(p.errors) / float64(p.requests)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s  rate %.1f/s (asked %.1f/s)  p95 %s  requests %d  errors %d (%.2f%%)",
		clock(min(elapsed, p.total)), clock(p.total), achieved, p.rate(min(elapsed, p.total)),
		roundLatency(p.window.quantile(0.95)), p.requests, p.errors, errShare)
	if p.late > 0 {
		fmt.Fprintf(&b, "  late %d", p.late)
	}
	if p.limited > 0 {
		fmt.Fprintf(&b, "  429s %d", p.limited)
	}
	return b.String()
}

// clock renders a duration as m:ss (or h:mm:ss).
func clock(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s%3600/60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// roundLatency keeps three significant digits or so.
func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// latencyWindow is a fixed log-scale histogram (about 2% wide buckets from
// 1 µs to ~20 min) for the p95 of one progress interval: constant memory
// however many results the interval holds.
type latencyWindow struct {
	counts [latencyBuckets]uint32
	n      uint64
}

const (
	latencyBuckets = 1100
	latencyGrowth  = 1.02
)

var logGrowth = math.Log(latencyGrowth)

func (w *latencyWindow) add(d time.Duration) {
	us := float64(d) / float64(time.Microsecond)
	i := 0
	if us > 1 {
		i = min(int(math.Log(us)/logGrowth)+1, latencyBuckets-1)
	}
	w.counts[i]++
	w.n++
}

func (w *latencyWindow) quantile(q float64) time.Duration {
	if w.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(w.n)))
	var seen uint64
	for i, c := range w.counts {
		seen += uint64(c)
		if seen >= rank {
			if i == 0 {
				return time.Microsecond
			}
			return time.Duration(math.Pow(latencyGrowth, float64(i)) * float64(time.Microsecond))
		}
	}
	return 0
}

func (w *latencyWindow) reset() {
	if w.n > 0 {
		*w = latencyWindow{}
	}
}
