package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/junit"
)

// Status is the outcome of one check on one case.
type Status string

const (
	StatusPass Status = "pass"
	StatusFail Status = "fail"
	StatusSkip Status = "skip"
)

// CheckResult is one check applied to one case of the suite, e.g.
// accounting on "upsert-create". A fail carries the findings; a skip carries
// the reason it could not run.
type CheckResult struct {
	Check  CheckName `json:"check"`
	Case   string    `json:"case"`
	Status Status    `json:"status"`
	// StatusCode is the HTTP status of the answer the check judged (0 when
	// none), so a promise about one status is not taken as exercised by
	// another.
	StatusCode int           `json:"statusCode,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	Findings   []Finding     `json:"findings,omitempty"`
	Duration   time.Duration `json:"-"`
}

// Report is the outcome of a suite run. It never holds a credential: the
// target is recorded without user info and findings carry bodies only.
type Report struct {
	Target    string          `json:"target"`
	Version   hubspot.Version `json:"version"`
	KeyPrefix string          `json:"keyPrefix,omitempty"`
	Seed      uint64          `json:"seed"`
	StartedAt time.Time       `json:"startedAt"`
	Duration  time.Duration   `json:"-"`
	Checks    []CheckResult   `json:"checks"`
	// CleanedUp counts the records the suite created and archived again.
	CleanedUp int `json:"cleanedUp"`
}

// Counts tallies the results by status.
func (r *Report) Counts() (pass, fail, skip int) {
	for _, c := range r.Checks {
		switch c.Status {
		case StatusPass:
			pass++
		case StatusFail:
			fail++
		case StatusSkip:
			skip++
		}
	}
	return pass, fail, skip
}

// Passed reports whether nothing failed and something passed: a run in
// which no check ran proves nothing and does not pass.
func (r *Report) Passed() bool {
	pass, fail, _ := r.Counts()
	return fail == 0 && pass > 0
}

// Findings returns every finding of the report in order.
func (r *Report) Findings() []Finding {
	var out []Finding
	for _, c := range r.Checks {
		out = append(out, c.Findings...)
	}
	return out
}

// WriteText writes the report for people: one line per check with its
// counts, then every failure in full (what was sent, what came back, what
// the contract says, how to fix it), then the promises the run could not
// exercise, a summary line and the verdict.
func (r *Report) WriteText(w io.Writer) error {
	return r.writeText(w, false)
}

// WriteTextVerbose is WriteText with one line per check and case instead
// of per check, and every promise of the inventory with its outcome.
func (r *Report) WriteTextVerbose(w io.Writer) error {
	return r.writeText(w, true)
}

func (r *Report) writeText(w io.Writer, verbose bool) error {
	fmt.Fprintf(w, "contract suite against %s (API %s, key prefix %s)\n\n", r.Target, r.Version, r.KeyPrefix)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if verbose {
		fmt.Fprintln(tw, "CHECK\tCASE\tRESULT  DETAIL")
		for _, c := range r.Checks {
			detail := c.Reason
			if c.Status == StatusFail && len(c.Findings) > 0 {
				detail = c.Findings[0].Message
				if n := len(c.Findings); n > 1 {
					detail += fmt.Sprintf(" (+%d more)", n-1)
				}
			}
			// The last two columns are padded by hand: a tab after the last
			// cell would make tabwriter pad it with trailing spaces.
			row := fmt.Sprintf("%-6s  %s", strings.ToUpper(string(c.Status)), oneLineText(detail, 100))
			fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Check, c.Case, strings.TrimRight(row, " "))
		}
	} else {
		for _, s := range r.checkSummaries() {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(string(s.status)), s.check, s.detail())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range r.Checks {
		if c.Status != StatusFail {
			continue
		}
		fmt.Fprintf(w, "\nFAIL %s / %s\n", c.Check, c.Case)
		for _, f := range c.Findings {
			writeFindingText(w, f)
		}
	}
	r.writePromisesText(w, verbose)
	pass, fail, skip := r.Counts()
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped in %s; cleaned up %d records\n",
		pass, fail, skip, r.Duration.Round(time.Millisecond), r.CleanedUp)
	_, err := fmt.Fprintln(w, verdict(r.Passed()))
	return err
}

// checkSummary is one check's line: its results counted.
type checkSummary struct {
	check            CheckName
	status           Status
	pass, fail, skip int
	reason           string // the first skip's
}

func (s checkSummary) detail() string {
	n := s.pass + s.fail + s.skip
	cases := func(k int) string {
		if k == 1 {
			return "1 case"
		}
		return fmt.Sprintf("%d cases", k)
	}
	var d string
	switch {
	case s.fail > 0:
		d = fmt.Sprintf("%d of %s failed", s.fail, cases(n))
	case s.pass > 0:
		d = cases(s.pass)
	default:
		return oneLineText(s.reason, 120)
	}
	if s.skip > 0 {
		d += fmt.Sprintf(", %d skipped: %s", s.skip, oneLineText(s.reason, 100))
	}
	return d
}

// checkSummaries counts the results per check, in the order of AllChecks
// (checks it does not know follow in the order they ran).
func (r *Report) checkSummaries() []checkSummary {
	known := map[CheckName]bool{}
	for _, c := range AllChecks() {
		known[c] = true
	}
	var out []checkSummary
	var order []CheckName
	seen := map[CheckName]*checkSummary{}
	for _, c := range r.Checks {
		s, ok := seen[c.Check]
		if !ok {
			s = &checkSummary{check: c.Check}
			seen[c.Check] = s
			order = append(order, c.Check)
		}
		switch c.Status {
		case StatusPass:
			s.pass++
		case StatusFail:
			s.fail++
		case StatusSkip:
			s.skip++
			if s.reason == "" {
				s.reason = c.Reason
			}
		}
	}
	for _, c := range AllChecks() {
		if s, ok := seen[c]; ok {
			out = append(out, *s)
		}
	}
	for _, c := range order {
		if !known[c] {
			out = append(out, *seen[c])
		}
	}
	for i := range out {
		s := &out[i]
		switch {
		case s.fail > 0:
			s.status = StatusFail
		case s.pass > 0:
			s.status = StatusPass
		default:
			s.status = StatusSkip
		}
	}
	return out
}

// writePromisesText says how many promises the run kept and lists the ones
// it could not exercise, with why; verbose lists every promise.
func (r *Report) writePromisesText(w io.Writer, verbose bool) {
	ps := r.Promises()
	kept, broken, skipped := countPromises(ps)
	fmt.Fprintf(w, "\npromises: %d kept, %d broken, %d not exercised (of %d)\n", kept, broken, skipped, len(ps))
	shown := 0
	for _, p := range ps {
		switch {
		case verbose:
			line := fmt.Sprintf("  %-6s  %s: %s", statusWord(p.Status), p.ID, p.Text)
			if p.Reason != "" {
				line += " — " + p.Reason
			}
			fmt.Fprintln(w, line)
		case p.Status == StatusSkip:
			if shown++; shown <= maxNotExercisedShown {
				fmt.Fprintf(w, "  not exercised: %s — %s\n", p.ID, oneLineText(p.Reason, 140))
			}
		}
	}
	if more := shown - maxNotExercisedShown; more > 0 {
		fmt.Fprintf(w, "  … and %d more not exercised (-v lists every promise)\n", more)
	}
}

// maxNotExercisedShown bounds the promises the short text lists as not
// exercised: a run that exercised few of them says so in the count.
const maxNotExercisedShown = 10

// statusWord is how a promise's outcome reads.
func statusWord(s Status) string {
	switch s {
	case StatusPass:
		return "KEPT"
	case StatusFail:
		return "BROKEN"
	}
	return "SKIP"
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// writeFindingText renders one finding: what was sent, what came back, what
// the contract says and how to fix it.
func writeFindingText(w io.Writer, f Finding) {
	fmt.Fprintf(w, "  - %s\n", f.Error())
	if f.Sent != "" {
		fmt.Fprintf(w, "    sent:     %s\n", f.Sent)
	}
	if f.Received != "" {
		fmt.Fprintf(w, "    received: %s\n", f.Received)
	}
	if f.Reason != "" {
		fmt.Fprintf(w, "    contract: %s\n", f.Reason)
	}
	if f.SpecPath != "" {
		fmt.Fprintf(w, "    spec:     %s\n", f.SpecPath)
	}
	if f.HowToFix != "" {
		fmt.Fprintf(w, "    fix:      %s\n", f.HowToFix)
	}
}

// FailureMessage is the multi-line text of a failed result, for go test.
func (c CheckResult) FailureMessage() string {
	var b strings.Builder
	for _, f := range c.Findings {
		writeFindingText(&b, f)
	}
	return b.String()
}

// oneLineText squeezes whitespace and cuts s for a table cell.
func oneLineText(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}

// reportJSON is the JSON shape: durations in milliseconds, counts up front.
type reportJSON struct {
	Target     string          `json:"target"`
	Version    hubspot.Version `json:"version"`
	KeyPrefix  string          `json:"keyPrefix,omitempty"`
	Seed       uint64          `json:"seed"`
	StartedAt  time.Time       `json:"startedAt"`
	DurationMS float64         `json:"durationMs"`
	Passed     bool            `json:"passed"`
	Pass       int             `json:"pass"`
	Fail       int             `json:"fail"`
	Skip       int             `json:"skip"`
	CleanedUp  int             `json:"cleanedUp"`
	// Promises: how the run kept each promise of the inventory (derived
	// from checks; not read back).
	PromisesKept         int           `json:"promisesKept"`
	PromisesBroken       int           `json:"promisesBroken"`
	PromisesNotExercised int           `json:"promisesNotExercised"`
	Promises             []promiseJSON `json:"promises,omitempty"`
	Checks               []checkJSON   `json:"checks"`
}

// promiseJSON is a promise's outcome; its text and source are in Promises().
type promiseJSON struct {
	ID     string    `json:"id"`
	Check  CheckName `json:"check"`
	Status Status    `json:"status"`
	Reason string    `json:"reason,omitempty"`
}

type checkJSON struct {
	CheckResult
	DurationMS float64 `json:"durationMs"`
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// MarshalJSON writes the report with durations in milliseconds and the
// pass/fail/skip counts, so CI can read the verdict without recounting.
func (r *Report) MarshalJSON() ([]byte, error) {
	pass, fail, skip := r.Counts()
	out := reportJSON{
		Target: r.Target, Version: r.Version, KeyPrefix: r.KeyPrefix, Seed: r.Seed,
		StartedAt: r.StartedAt, DurationMS: millis(r.Duration), Passed: r.Passed(),
		Pass: pass, Fail: fail, Skip: skip, CleanedUp: r.CleanedUp,
		Checks: make([]checkJSON, len(r.Checks)),
	}
	for i, c := range r.Checks {
		out.Checks[i] = checkJSON{CheckResult: c, DurationMS: millis(c.Duration)}
	}
	ps := r.Promises()
	out.PromisesKept, out.PromisesBroken, out.PromisesNotExercised = countPromises(ps)
	for _, p := range ps {
		out.Promises = append(out.Promises, promiseJSON{ID: p.ID, Check: p.Check, Status: p.Status, Reason: p.Reason})
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes, durations included, so a
// report read back from a file (e.g. by the reports package) is complete.
func (r *Report) UnmarshalJSON(data []byte) error {
	var in reportJSON
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	*r = Report{
		Target: in.Target, Version: in.Version, KeyPrefix: in.KeyPrefix, Seed: in.Seed,
		StartedAt: in.StartedAt, Duration: fromMillis(in.DurationMS), CleanedUp: in.CleanedUp,
		Checks: make([]CheckResult, len(in.Checks)),
	}
	for i, c := range in.Checks {
		r.Checks[i] = c.CheckResult
		r.Checks[i].Duration = fromMillis(c.DurationMS)
	}
	return nil
}

func fromMillis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteJUnit writes the report as one JUnit test suite: one testcase per
// check and case, classname "contract.<check>".
func (r *Report) WriteJUnit(w io.Writer) error {
	s := junit.TestSuite{
		Name: "upsertbench contract", Time: junit.Seconds(r.Duration), Timestamp: junit.Timestamp(r.StartedAt),
		Properties: []junit.Property{
			{Name: "target", Value: r.Target}, {Name: "version", Value: string(r.Version)},
			{Name: "keyPrefix", Value: r.KeyPrefix}, {Name: "cleanedUp", Value: fmt.Sprint(r.CleanedUp)},
		},
	}
	for _, c := range r.Checks {
		jc := junit.TestCase{Name: c.Case, Classname: "contract." + string(c.Check), Time: junit.Seconds(c.Duration)}
		switch c.Status {
		case StatusFail:
			msg := c.Reason
			if len(c.Findings) > 0 {
				msg = c.Findings[0].Message
			}
			jc.Failure = &junit.Failure{Message: msg, Type: string(c.Check), Text: c.FailureMessage()}
		case StatusSkip:
			jc.Skipped = &junit.Skipped{Message: c.Reason}
		}
		s.Cases = append(s.Cases, jc)
	}
	doc := junit.TestSuites{Name: "upsertbench", Time: s.Time, Suites: []junit.TestSuite{s}}
	doc.Count()
	return junit.Write(w, doc)
}
