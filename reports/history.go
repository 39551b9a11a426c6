package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// DefaultHistoryRuns is how many past runs the trend chart and the
// sparkline table show.
const DefaultHistoryRuns = 30

// HistoryEntry is one line of the history file (JSON Lines): the figures
// a trend over nights needs, nothing that identifies credentials.
type HistoryEntry struct {
	StartedAt   time.Time `json:"startedAt"`
	Scenario    string    `json:"scenario"`
	Target      string    `json:"target"`
	ToolVersion string    `json:"toolVersion"`
	Verdict     string    `json:"verdict"`
	Requests    uint64    `json:"requests"`
	// Throughput is successful requests per second.
	Throughput float64 `json:"throughput"`
	// Success and ErrorRate are percentages.
	Success   float64 `json:"success"`
	ErrorRate float64 `json:"errorRate"`
	// Answered is how many requests got an answer (absent in lines
	// written before it was recorded).
	Answered uint64 `json:"answered,omitempty"`
	// Latencies of the answered requests in milliseconds; absent when no
	// request was answered (a trend shows a gap, not a zero).
	P50 *float64 `json:"p50,omitempty"`
	P95 *float64 `json:"p95,omitempty"`
	P99 *float64 `json:"p99,omitempty"`
	// ContractViolations found in sampled responses.
	ContractViolations uint64 `json:"contractViolations"`
}

// HistoryEntryOf extracts the history line of a summary; every figure is
// measured as the thresholds measure it.
func HistoryEntryOf(s *results.Summary) HistoryEntry {
	m := &s.Metrics
	h := HistoryEntry{
		StartedAt:          s.Run.StartedAt.UTC(),
		Scenario:           s.Run.Scenario,
		Target:             s.Run.Target,
		ToolVersion:        s.Run.ToolVersion,
		Verdict:            s.Verdict,
		Requests:           m.Requests,
		Throughput:         m.Throughput,
		Answered:           s.Answered.Requests,
		P50:                measured(scenarios.MetricP50, s),
		P95:                measured(scenarios.MetricP95, s),
		P99:                measured(scenarios.MetricP99, s),
		ContractViolations: s.Contract.Violations,
	}
	if v := measured(scenarios.MetricSuccess, s); v != nil {
		h.Success = *v
		h.ErrorRate = 100 - h.Success
	}
	return h
}

// measured is Measure's value of metric, nil without data.
func measured(metric string, s *results.Summary) *float64 {
	v, ok, _, err := Measure(metric, s)
	if !ok || err != nil {
		return nil
	}
	return &v
}

// orNaN is *p, or NaN (a gap in a chart) when there is no value.
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// ReadHistory reads a history file. A missing file is an empty history;
// a malformed line is an error that names the file and line, because a
// silently truncated history would draw a wrong trend.
func ReadHistory(path string) ([]HistoryEntry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return parseHistory(path, data)
}

func parseHistory(path string, data []byte) ([]HistoryEntry, error) {
	var out []HistoryEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var h HistoryEntry
		if err := json.Unmarshal(b, &h); err != nil {
			return nil, fmt.Errorf("%s:%d: not a history entry: %v (fix or delete the line)", path, line, err)
		}
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return out, nil
}

// AppendHistory adds h as the last line of the history file at path and
// returns the whole history including it. The file is rewritten
// atomically (temp file + rename) so an interrupted night never leaves a
// half-written line behind.
func AppendHistory(path string, h HistoryEntry) ([]HistoryEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read history: %w", err)
	}
	hist, err := parseHistory(path, data)
	if err != nil {
		return nil, err
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, line...)
	data = append(data, '\n')
	if err := results.WriteFileAtomic(path, data); err != nil {
		return nil, fmt.Errorf("write history: %w", err)
	}
	return append(hist, h), nil
}

// lastRuns keeps the last n entries.
func lastRuns(h []HistoryEntry, n int) []HistoryEntry {
	if n > 0 && len(h) > n {
		return h[len(h)-n:]
	}
	return h
}
