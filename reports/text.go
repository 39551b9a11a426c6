package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// WriteText writes the terminal report: the verdict first, then a compact
// table, thresholds, contract checks and the baseline comparison.
func (r *Report) WriteText(w io.Writer) error {
	s := r.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", strings.ToUpper(verdictOf(s)), headline(s))
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "  ✗ %s\n", f)
	}
	b.WriteString("\n")

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, row := range overviewRows(r) {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()

	if len(s.RunChecks) > 0 {
		b.WriteString("\nRun checks\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, c := range s.RunChecks {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(runCheckStatus(c)), c.Name, c.Message)
		}
		tw.Flush()
	}
	if blocks := offenderBlocks(s); len(blocks) > 0 {
		fmt.Fprintf(&b, "\nInvariant violations (first %d keys of each, with the two answers that conflict)\n", results.DefaultMaxOffenders)
		for _, blk := range blocks {
			fmt.Fprintf(&b, "  %s: %s\n", blk.Name, blk.Count)
			for _, o := range blk.Offenders {
				fmt.Fprintf(&b, "    - %s\n", offenderHead(o))
				if !o.First.IsZero() {
					fmt.Fprintf(&b, "        first   %s\n", o.First)
				}
				fmt.Fprintf(&b, "        second  %s\n", o.Second)
			}
		}
	}

	if len(s.Thresholds) > 0 {
		b.WriteString("\nThresholds\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, t := range s.Thresholds {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", passWord(t.Pass), t.Expr, thresholdMeasured(t))
		}
		tw.Flush()
	}

	if len(r.Checks) > 0 {
		b.WriteString("\nContract checks\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, c := range r.checkRows(false) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", strings.ToUpper(c.Status), c.Label, oneLine(c.Message, 160))
		}
		tw.Flush()
	}
	if r.FindingsTotal > 0 {
		fmt.Fprintf(&b, "\nFindings (%d", r.FindingsTotal)
		if len(r.Findings) < r.FindingsTotal {
			fmt.Fprintf(&b, ", first %d", textFindings(len(r.Findings)))
		}
		b.WriteString(")\n")
		for i, f := range r.Findings {
			if i == textFindings(len(r.Findings)) {
				break
			}
			fmt.Fprintf(&b, "  - %s\n", f.Error())
		}
	}

	if bl := s.Baseline; bl != nil {
		fmt.Fprintf(&b, "\nBaseline %s (%s)\n", bl.File, fmtTime(bl.StartedAt))
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, d := range bl.Deltas {
			mark := ""
			if d.Regression {
				mark = "REGRESSION"
			}
			fmt.Fprintf(tw, "  %s\t%s\t→ %s\t%s %s\t%s\n", d.Metric, fmtValue(d.Baseline, d.Unit), fmtValue(d.Current, d.Unit), arrow(d), fmtChange(d.Change), mark)
		}
		tw.Flush()
		for _, nc := range bl.NotCompared {
			fmt.Fprintf(&b, "  %s not compared: %s\n", nc.Metric, nc.Reason)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a message on one terminal line.
func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}

// textFindings caps how many findings a terminal shows.
func textFindings(n int) int { return min(n, 5) }

// headline is the one line that says what ran.
func headline(s *results.Summary) string {
	var b strings.Builder
	name := s.Run.Scenario
	if name == "" {
		name = "(unnamed scenario)"
	}
	fmt.Fprintf(&b, "%s — %s requests in %s against %s", name, fmtCount(s.Metrics.Requests),
		fmtSeconds(s.Metrics.Duration+s.Metrics.Wait), targetLabel(s))
	return b.String()
}

func targetLabel(s *results.Summary) string {
	t := s.Run.Target
	if t == "" {
		t = "(unknown target)"
	}
	if s.Run.Emulated {
		t += " (emulator)"
	}
	return t
}

func fmtSeconds(d time.Duration) string {
	return d.Round(100 * time.Millisecond).String()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "unknown time"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// overviewRows is the compact table shared by text and Markdown.
func overviewRows(r *Report) [][2]string {
	s := r.Summary
	m := &s.Metrics
	rows := [][2]string{
		{"Run", fmt.Sprintf("seed %d · %s · %s · started %s", s.Run.Seed, shardLabel(s.Run.Shards), versionLabel(s), fmtTime(s.Run.StartedAt))},
		{"Requests", fmt.Sprintf("%s in %s", fmtCount(m.Requests), fmtSeconds(m.Duration+m.Wait))},
		{"Rate", fmt.Sprintf("%s sent of %s requested (%s)", fmtRate(m.Rate), fmtRate(s.RequestedRate), achievedShare(s))},
		{"Throughput", fmt.Sprintf("%s successful · success %s", fmtRate(m.Throughput), fmtPercent(m.Success*100))},
	}
	rows = append(rows, [2]string{"Answered", answeredLabel(s)}, [2]string{"Latency", latencyLabel(s)})
	rows = append(rows,
		[2]string{"Status codes", codesLabel(s)},
		[2]string{"429s by policy", countsLabel(s.RateLimited)},
		[2]string{"Errors by class", countsLabel(s.ErrorClasses)},
		[2]string{"Late sends", lateLabel(s)},
		[2]string{"Contract", contractLabel(s)},
	)
	return append(rows, invariantRows(s)...)
}

// answeredLabel says how many requests got an answer and what became of
// the others.
func answeredLabel(s *results.Summary) string {
	n, a := s.Metrics.Requests, s.Answered.Requests
	if n == 0 {
		return "no requests"
	}
	out := fmt.Sprintf("%s of %s (%s)", fmtCount(a), fmtCount(n), fmtPercent(scenarios.PercentValue(a, n)))
	if a < n {
		out += " · no answer: " + countsLabel(s.Unanswered)
	}
	return out
}

// latencyLabel is the latency of the answered requests, the only latency
// any report shows.
func latencyLabel(s *results.Summary) string {
	if s.Metrics.Requests == 0 {
		return "no data"
	}
	if s.Answered.Requests == 0 {
		return "no data: " + noAnswer(s)
	}
	l := &s.Answered.Latencies
	out := fmt.Sprintf("p50 %s  p90 %s  p95 %s  p99 %s  max %s  (mean %s)",
		fmtDuration(l.P50), fmtDuration(l.P90), fmtDuration(l.P95), fmtDuration(l.P99), fmtDuration(l.Max), fmtDuration(l.Mean))
	if s.Answered.Requests < s.Metrics.Requests {
		out += " of answered requests"
	}
	return out
}

func achievedShare(s *results.Summary) string {
	if s.RequestedRate <= 0 {
		return "no requested rate recorded"
	}
	return fmt.Sprintf("%.1f%%", s.Metrics.Rate/s.RequestedRate*100)
}

func shardLabel(sh []results.Shard) string {
	switch len(sh) {
	case 0:
		return "1 shard"
	case 1:
		if sh[0].Count > 1 {
			return fmt.Sprintf("shard %d/%d", sh[0].Index, sh[0].Count)
		}
		return "1 shard"
	}
	parts := make([]string, len(sh))
	for i, x := range sh {
		parts[i] = fmt.Sprintf("%d/%d", x.Index, x.Count)
	}
	return fmt.Sprintf("%d shards (%s)", len(sh), strings.Join(parts, ", "))
}

func versionLabel(s *results.Summary) string {
	if s.Run.ToolVersion == "" {
		return "upsertbench (unknown version)"
	}
	return "upsertbench " + s.Run.ToolVersion
}

func codesLabel(s *results.Summary) string {
	cc := statusCodes(s)
	if len(cc) == 0 {
		return "none"
	}
	parts := make([]string, len(cc))
	for i, c := range cc {
		code := c.Code
		if code == "0" {
			code = "no answer"
		}
		parts[i] = fmt.Sprintf("%s ×%s", code, fmtCount(c.Count))
	}
	return strings.Join(parts, "  ")
}

func countsLabel(m map[string]uint64) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s ×%s", k, fmtCount(m[k])))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "  ")
}

func lateLabel(s *results.Summary) string {
	l := s.LateSends
	if l.Count == 0 {
		return fmt.Sprintf("none (tolerance %s)", fmtDuration(l.LateAfter))
	}
	return fmt.Sprintf("%s (%s) later than %s · mean %s  p99 %s  max %s", fmtCount(l.Count), fmtPercent(l.Share*100),
		fmtDuration(l.LateAfter), fmtDuration(l.Mean), fmtDuration(l.P99), fmtDuration(l.Max))
}

func contractLabel(s *results.Summary) string {
	c := s.Contract
	return fmt.Sprintf("%s violations in %s checked responses (sample %s, %s sampled, %s dropped)",
		fmtCount(c.Violations), fmtCount(c.Checked), fmtPercent(c.SampleRate*100), fmtCount(c.Sampled), fmtCount(c.Dropped))
}

func thresholdMeasured(t results.ThresholdResult) string {
	if t.NoData {
		return t.Message
	}
	if t.Unit == "" && t.Metric == "" {
		return t.Message
	}
	return "measured " + fmtValue(t.Measured, t.Unit)
}

func passWord(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func checkLabel(c CheckVerdict) string {
	l := string(c.Name)
	if c.Case != "" {
		l += "/" + c.Case
	}
	return l + " (" + c.Source + ")"
}

func verdictOf(s *results.Summary) string {
	if s.Verdict == "" {
		return "unevaluated"
	}
	return s.Verdict
}

// arrow shows a change's direction and whether it is for the worse.
func arrow(d results.MetricDelta) string {
	switch {
	case d.Change == 0 || d.Baseline == d.Current:
		return "="
	case d.Current > d.Baseline && d.Worse:
		return "▲ worse"
	case d.Current > d.Baseline:
		return "▲"
	case d.Worse:
		return "▼ worse"
	default:
		return "▼"
	}
}
