package reports

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// WriteMarkdown writes summary.md, made for a CI job summary
// ($GITHUB_STEP_SUMMARY): a verdict line, the overview table, thresholds,
// contract checks and findings, the baseline comparison with arrows and
// percentages, and a sparkline table of the history.
func (r *Report) WriteMarkdown(w io.Writer) error {
	s := r.Summary
	var b strings.Builder
	icon := "❌"
	switch s.Verdict {
	case VerdictPass:
		icon = "✅"
	case VerdictInterrupted:
		icon = "⚠️"
	}
	fmt.Fprintf(&b, "## %s %s — %s\n\n", icon, strings.ToUpper(verdictOf(s)), mdEscape(headline(s)))
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "- ✗ %s\n", mdEscape(f))
	}
	if len(r.Failures) > 0 {
		b.WriteString("\n")
	}

	b.WriteString("| | |\n|---|---|\n")
	for _, row := range overviewRows(r) {
		fmt.Fprintf(&b, "| **%s** | %s |\n", row[0], mdEscape(row[1]))
	}

	if len(s.RunChecks) > 0 {
		b.WriteString("\n### Run checks\n\n| | Check | Detail |\n|---|---|---|\n")
		for _, c := range s.RunChecks {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mdStatus(runCheckStatus(c)), c.Name, mdEscape(c.Message))
		}
	}
	if blocks := offenderBlocks(s); len(blocks) > 0 {
		b.WriteString("\n### Invariant violations\n")
		for _, blk := range blocks {
			fmt.Fprintf(&b, "\n**`%s`**: %s\n\n| Key | What | First answer | Second answer |\n|---|---|---|---|\n", blk.Name, blk.Count)
			for _, o := range blk.Offenders {
				key := "—"
				if o.Key != "" {
					key = "`" + mdCode(o.Key) + "`"
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", key, mdEscape(o.Message), mdEscape(o.First.String()), mdEscape(o.Second.String()))
			}
		}
	}

	if len(s.Thresholds) > 0 {
		b.WriteString("\n### Thresholds\n\n| | Threshold | Measured | Detail |\n|---|---|---|---|\n")
		for _, t := range s.Thresholds {
			measured := fmtValue(t.Measured, t.Unit)
			if t.NoData {
				measured = "no data"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", mdPass(t.Pass), mdCode(t.Expr), measured, mdEscape(t.Message))
		}
	}

	if len(r.Checks) > 0 {
		b.WriteString("\n### Contract checks\n\n| | Check | Detail |\n|---|---|---|\n")
		for _, c := range r.checkRows(true) {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mdStatus(c.Status), mdCode(c.Label), mdEscape(c.Message))
		}
	}

	if r.FindingsTotal > 0 {
		fmt.Fprintf(&b, "\n### Contract findings (%d)\n\n", r.FindingsTotal)
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "- **%s**: %s", mdEscape(string(f.Check)), mdEscape(f.Message))
			if f.Method != "" || f.Path != "" {
				fmt.Fprintf(&b, " (`%s %s`", f.Method, mdCode(f.Path))
				if f.StatusCode != 0 {
					fmt.Fprintf(&b, " → %d", f.StatusCode)
				}
				b.WriteString(")")
			}
			if f.HowToFix != "" {
				fmt.Fprintf(&b, " — fix: %s", mdEscape(f.HowToFix))
			}
			b.WriteString("\n")
		}
		if more := r.FindingsTotal - len(r.Findings); more > 0 {
			fmt.Fprintf(&b, "- … and %d more in findings.jsonl\n", more)
		}
	}

	if bl := s.Baseline; bl != nil {
		fmt.Fprintf(&b, "\n### Baseline comparison\n\nAgainst `%s` (run of %s); regression when p95/p99 worsen by more than %.0f%%, throughput by more than %.0f%% or success by more than %.0f%%.\n\n",
			mdCode(bl.File), fmtTime(bl.StartedAt), bl.Tolerances.Latency*100, bl.Tolerances.Throughput*100, bl.Tolerances.Success*100)
		b.WriteString("| Metric | Baseline | Current | Change | |\n|---|---:|---:|---:|---|\n")
		for _, d := range bl.Deltas {
			mark := ""
			if d.Regression {
				mark = "❌ regression"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s %s | %s |\n", d.Metric, fmtValue(d.Baseline, d.Unit), fmtValue(d.Current, d.Unit), mdArrow(d), fmtChange(d.Change), mark)
		}
		if len(bl.NotCompared) > 0 {
			b.WriteString("\n")
			for _, nc := range bl.NotCompared {
				fmt.Fprintf(&b, "- ⚪ %s not compared: %s\n", nc.Metric, mdEscape(nc.Reason))
			}
		}
	}

	if len(r.History) > 1 {
		fmt.Fprintf(&b, "\n### Trend (last %d runs)\n\n| Metric | Trend | Min | Max | Latest |\n|---|---|---:|---:|---:|\n", len(r.History))
		for _, hm := range historyMetrics {
			vals := make([]float64, len(r.History))
			for i, h := range r.History {
				vals[i] = hm.value(h)
			}
			lo, hi := minMax(vals)
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", hm.label, sparkline(vals), fmtValue(lo, hm.unit), fmtValue(hi, hm.unit), fmtValue(vals[len(vals)-1], hm.unit))
		}
		verdicts := make([]string, len(r.History))
		for i, h := range r.History {
			verdicts[i] = "·"
			switch h.Verdict {
			case VerdictPass:
				verdicts[i] = "✓"
			case VerdictFail:
				verdicts[i] = "✗"
			case VerdictInterrupted:
				verdicts[i] = "!"
			}
		}
		fmt.Fprintf(&b, "| verdict | `%s` | | | %s |\n", strings.Join(verdicts, ""), verdictOfEntry(r.History[len(r.History)-1]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func verdictOfEntry(h HistoryEntry) string {
	if h.Verdict == "" {
		return "unevaluated"
	}
	return h.Verdict
}

// historyMetric is one row of the trend table and one line of the trend chart.
type historyMetric struct {
	label string
	unit  string
	value func(HistoryEntry) float64
}

var historyMetrics = []historyMetric{
	{"p50", scenarios.UnitMillis, func(h HistoryEntry) float64 { return orNaN(h.P50) }},
	{"p95", scenarios.UnitMillis, func(h HistoryEntry) float64 { return orNaN(h.P95) }},
	{"p99", scenarios.UnitMillis, func(h HistoryEntry) float64 { return orNaN(h.P99) }},
	{"throughput", scenarios.UnitPerSecond, func(h HistoryEntry) float64 { return h.Throughput }},
	{"success", scenarios.UnitPercent, func(h HistoryEntry) float64 { return h.Success }},
}

// sparkBlocks are the eight heights of a sparkline.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws vals as block characters scaled between their min and
// max; a missing value (NaN) is a space.
func sparkline(vals []float64) string {
	lo, hi := minMax(vals)
	out := make([]rune, len(vals))
	for i, v := range vals {
		if math.IsNaN(v) {
			out[i] = ' '
			continue
		}
		idx := 0
		if hi > lo {
			idx = int(math.Round((v - lo) / (hi - lo) * float64(len(sparkBlocks)-1)))
		}
		out[i] = sparkBlocks[idx]
	}
	return string(out)
}

// minMax returns the range of vals, ignoring NaN (missing values);
// +Inf, -Inf when there is none.
func minMax(vals []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vals {
		if math.IsNaN(v) {
			continue
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	return lo, hi
}

func mdPass(ok bool) string {
	if ok {
		return "✅ pass"
	}
	return "❌ fail"
}

func mdStatus(st string) string {
	switch st {
	case StatusPass:
		return "✅ pass"
	case StatusFail:
		return "❌ fail"
	default:
		return "⚪ " + st
	}
}

// mdArrow shows the direction of a change, coloured when it matters:
// red for worse, green for better, plain for neutral metrics.
func mdArrow(d results.MetricDelta) string {
	up := d.Current > d.Baseline
	switch {
	case d.Current == d.Baseline:
		return "="
	case d.Worse && up:
		return "🔴 ▲"
	case d.Worse:
		return "🔴 ▼"
	case betterKnown(d.Metric) && up:
		return "🟢 ▲"
	case betterKnown(d.Metric):
		return "🟢 ▼"
	case up:
		return "▲"
	default:
		return "▼"
	}
}

// betterKnown reports whether metric has a good direction (latencies lower,
// throughput and success higher), so its improvements can be marked.
func betterKnown(metric string) bool {
	for _, cm := range comparedMetrics {
		if cm.name == metric {
			return cm.higherWorse || cm.limit != nil
		}
	}
	return false
}

// mdEscape keeps table cells intact: pipes and newlines would break them.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.ReplaceAll(s, "\n", " ")
}

// mdCode makes s safe inside a `code span` in a table cell.
func mdCode(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	return mdEscape(s)
}
