package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// The run-wide invariants (results.InvariantNames) are run checks, one
// each, named exactly as results names them. How each is judged is this
// file's policy, and the only one:
//
//   - A violation fails, always: even a check that says it could not run
//     in full (a scenario without trace ids still fails on a result that
//     carries one the batch did not send). Its offenders (the first
//     results.DefaultMaxOffenders keys, each with the two answers that
//     conflict) go into every output.
//   - A check the run itself chose not to run (the engine gives a reason:
//     the scenario sends no trace ids; read-back verification was off)
//     is "not checked", shown with that reason: never a pass, and not a
//     failure either, as a contract sample the scenario did not ask for is
//     a skip. The choice is the run's, not the target's, and it is in
//     plain sight in every output.
//   - A check that should have run and checked nothing fails ("a check
//     that never ran fails", design.md): no reason given and nothing
//     checked, e.g. no 2xx upsert answer to check, a read-back that read
//     no key, or a summary with invariants that lacks this one.
//   - A summary without invariants (an older run, the contract-only path)
//     has none of these rows: nothing was asked of them.

// RunCheckReadBack fails when the end-of-run read-back could not compare
// every key it set out to (its reads kept being refused, the target's
// daily limit stopped them, the run was interrupted during it, or keys
// that did not show their write could not be read again), saying how
// many of how many and why: the read-back invariants then held for part
// of the keys only, which their counts alone would not say. Ctrl-C during
// the read-back fails it too, and the verdict stays INTERRUPTED.
const RunCheckReadBack = "read-back-complete"

// invariantRunChecks are the run-check rows of the invariants, in
// results.InvariantNames order, then the read-back's completeness.
func invariantRunChecks() []runCheck {
	out := make([]runCheck, 0, len(results.InvariantNames)+1)
	for _, name := range results.InvariantNames {
		out = append(out, runCheck{name: name, judge: ofSummary(func(s *results.Summary) results.RunCheck { return judgeInvariant(s, name) }), applies: ofSummary(hasInvariants)})
	}
	return append(out, runCheck{name: RunCheckReadBack, judge: ofSummary(checkReadBack), applies: ofSummary(hasReadBack)})
}

// hasReadBack says whether the run read its keys back (verification
// off: the read-back invariants say not checked, and there is nothing to
// be complete).
func hasReadBack(s *results.Summary) bool { return s.Invariants != nil && s.Invariants.Verify != nil }

func checkReadBack(s *results.Summary) results.RunCheck {
	v := s.Invariants.Verify
	rc := results.RunCheck{Count: v.NotCompared(), Of: v.Planned}
	if msg := readBackIncomplete(v); msg != "" {
		rc.Message = msg
		return rc
	}
	switch {
	case v.Planned == 0 && v.Keys > 0:
		rc.NotChecked = true
		rc.Message = "not checked: the summary does not say how many keys the read-back set out to compare (written by an older version)"
		return rc
	case v.Planned == 0:
		rc.Pass = true
		rc.Message = "no key to read back: no acknowledged result named one"
		return rc
	}
	rc.Pass = true
	rc.Message = fmt.Sprintf("read back all %s keys it set out to (%s)", fmtCount(v.Planned), v.Mode)
	if v.Skipped > 0 {
		rc.Message += fmt.Sprintf("; %s not comparable (written while read, or only by writes of unknown outcome)", plural(v.Skipped, "key read"))
	}
	return rc
}

// readBackIncomplete says in words what the read-back did not compare,
// and why ("" when it compared every key it set out to): the text of
// read-back-complete and of the Read-back overview line.
func readBackIncomplete(v *results.VerifySummary) string {
	n := v.NotCompared()
	switch {
	case n > 0 && v.Incomplete != "":
		return fmt.Sprintf("read-back incomplete: %s of %s keys not compared (%s)", fmtCount(n), fmtCount(v.Planned), v.Incomplete)
	case n > 0:
		return fmt.Sprintf("read-back incomplete: %s of %s keys not compared", fmtCount(n), fmtCount(v.Planned))
	case v.Incomplete != "":
		return "read-back incomplete: " + v.Incomplete
	}
	return ""
}

func hasInvariants(s *results.Summary) bool { return s.Invariants != nil }

// isInvariant says whether a run check is one of the invariants.
func isInvariant(name string) bool { return slices.Contains(results.InvariantNames, name) }

// readBack says whether the invariant is judged on records read back.
func readBack(name string) bool {
	return name == results.InvariantLostWrite || name == results.InvariantStaleRead
}

// keyState says whether the invariant needs the per-key state, which keys
// beyond the key limit do not get.
func keyState(name string) bool {
	switch name {
	case results.InvariantOneID, results.InvariantNewOnce, results.InvariantUpdatedAt:
		return true
	}
	return readBack(name)
}

func judgeInvariant(s *results.Summary, name string) results.RunCheck {
	inv := s.Invariants
	c := inv.Check(name)
	if c == nil {
		return results.RunCheck{Description: results.InvariantDescriptions[name],
			Message: "never ran: the run's invariants do not include it (a check that never ran fails)"}
	}
	rc := results.RunCheck{Description: c.Description, Count: c.Violations, Of: c.Checked, Offenders: slices.Clone(c.Offenders)}
	if rc.Description == "" {
		rc.Description = results.InvariantDescriptions[name]
	}
	unit := c.Unit
	if unit == "" {
		unit = "items"
	}
	switch {
	case c.Violations > 0:
		rc.Message = plural(c.Violations, "violation")
		if c.Checked > 0 {
			rc.Message += fmt.Sprintf(" in %s %s", fmtCount(c.Checked), unit)
		}
		if n := len(c.Offenders); uint64(n) < c.Violations {
			rc.Message += fmt.Sprintf(" (first %d listed)", n)
		}
		if c.NotChecked != "" {
			rc.Message += "; otherwise not checked: " + c.NotChecked
		}
	case c.NotChecked != "":
		rc.NotChecked = true
		rc.Message = "not checked: " + c.NotChecked
	case readBack(name) && inv.Verify == nil && c.Checked == 0:
		rc.NotChecked = true
		rc.Message = "not checked: read-back verification was off in this run"
	case c.Checked == 0:
		rc.Message = "checked nothing, so it proves nothing (a check that never ran fails): " + nothingChecked(inv, name)
	default:
		rc.Pass = true
		rc.Message = fmt.Sprintf("held for %s %s", fmtCount(c.Checked), unit)
	}
	var notes []string
	if c.Note != "" {
		notes = append(notes, c.Note)
	}
	if keyState(name) && inv.Untracked > 0 {
		notes = append(notes, fmt.Sprintf("%s results of keys beyond the limit of %s keys were not tracked", fmtCount(inv.Untracked), fmtCount(inv.MaxKeys)))
	}
	if readBack(name) && inv.Verify != nil {
		if n := inv.Verify.NotCompared(); n > 0 || inv.Verify.Incomplete != "" {
			// The reason is read-back-complete's to give.
			notes = append(notes, fmt.Sprintf("read-back incomplete (%s): held for the keys it compared", RunCheckReadBack))
		}
	}
	if len(notes) > 0 {
		rc.Message += " · " + strings.Join(notes, " · ")
	}
	return rc
}

// nothingChecked says why a check that should have run had nothing.
func nothingChecked(inv *results.InvariantsSummary, name string) string {
	switch {
	case readBack(name):
		return "the read-back compared no key"
	case inv.Answers == 0:
		return "no 2xx upsert answer to check"
	}
	return fmt.Sprintf("none of the %s 2xx upsert answers gave it anything to check", fmtCount(inv.Answers))
}

func plural(n uint64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmtCount(n) + " " + word + "s"
}

// runCheckStatus is a run check in the contract checks' vocabulary: pass,
// fail, or skip for a check the run chose not to run.
func runCheckStatus(c results.RunCheck) string {
	switch {
	case c.Pass:
		return StatusPass
	case c.NotChecked:
		return StatusSkip
	}
	return StatusFail
}

// runCheckFails says whether a run check fails the verdict.
func runCheckFails(c results.RunCheck) bool { return !c.Pass && !c.NotChecked }

// runCheckFailed says whether the run check named name failed the run.
func runCheckFailed(s *results.Summary, name string) bool {
	for _, c := range s.RunChecks {
		if c.Name == name {
			return runCheckFails(c)
		}
	}
	return false
}

// failureText is a failed run check as the verdict lists it: the
// invariants by name (the message alone would not say which).
func failureText(c results.RunCheck) string {
	if isInvariant(c.Name) {
		return "invariant " + c.Name + ": " + c.Message
	}
	return c.Message
}

// offenderHead is an offender's first line: the key and what is wrong.
func offenderHead(o results.Offender) string {
	if o.Key == "" {
		return o.Message
	}
	return o.Key + ": " + o.Message
}

// invariantRows are the overview lines of the invariants, the full schema
// check and the read-back (nothing without invariants).
func invariantRows(s *results.Summary) [][2]string {
	inv := s.Invariants
	if inv == nil {
		return nil
	}
	return [][2]string{
		{"Invariants", invariantsLabel(inv)},
		{"Schema", schemaLabel(inv.Schema)},
		{"Read-back", verifyLabel(inv.Verify)},
	}
}

func invariantsLabel(inv *results.InvariantsSummary) string {
	out := fmt.Sprintf("%s in %s answers (%s results, %s keys", plural(inv.Violations(), "violation"),
		fmtCount(inv.Answers), fmtCount(inv.Results), fmtCount(inv.Keys))
	// The key table is allocated ahead of the keys, so its bytes over a
	// few keys are no per-key cost: the size alone is said.
	if inv.KeyStateBytes > 0 {
		out += fmt.Sprintf(", %s of key state", fmtBytes(inv.KeyStateBytes))
	}
	out += ")"
	if inv.Unreadable > 0 {
		out += fmt.Sprintf(" · %s unreadable answers", fmtCount(inv.Unreadable))
	}
	if inv.UnknownOutcome > 0 {
		out += fmt.Sprintf(" · %s requests of unknown outcome", fmtCount(inv.UnknownOutcome))
	}
	if inv.Untracked > 0 {
		out += fmt.Sprintf(" · %s results beyond the limit of %s keys", fmtCount(inv.Untracked), fmtCount(inv.MaxKeys))
	}
	return out
}

// schemaLabel is the full schema check's coverage: "checked N of M answers
// (x%)", never less than it was without saying so.
func schemaLabel(sc results.SchemaCoverage) string {
	if sc.Answers == 0 {
		return "no answer to check"
	}
	out := fmt.Sprintf("checked %s of %s answers (%s) · %s", fmtCount(sc.Checked), fmtCount(sc.Answers),
		schemaShare(sc), plural(sc.Violations, "violation"))
	if sc.Fast > 0 {
		out += fmt.Sprintf(" · %s on the fast path", fmtCount(sc.Fast))
	}
	if sc.Checked < sc.Answers && sc.Budget > 0 {
		out += fmt.Sprintf(" · the rest over the budget of %s of a CPU", fmtPercent(sc.Budget*100))
		if sc.Behind > 0 {
			out += fmt.Sprintf(" while the attack was behind (%s)", fmtDuration(sc.Behind))
		}
	}
	return out
}

// schemaShare is the share of answers that got the full schema check.
func schemaShare(sc results.SchemaCoverage) string {
	if sc.Answers == 0 {
		return "no answer"
	}
	return fmtPercent(scenarios.PercentValue(sc.Checked, sc.Answers))
}

// verifyLabel is the read-back verification, counted apart from the load
// figures.
func verifyLabel(v *results.VerifySummary) string {
	if v == nil {
		return "off"
	}
	out := fmt.Sprintf("%s keys read back in %s (not in the load figures)", fmtCount(v.Keys), plural(v.Requests, "request"))
	if v.Properties > 0 {
		out += fmt.Sprintf(", %s property values compared", fmtCount(v.Properties))
	}
	out += fmt.Sprintf(" · %s lag", fmtCount(v.Lag))
	if v.Mismatches > 0 {
		out += fmt.Sprintf(" of %s read again", fmtCount(v.Mismatches))
	}
	if v.Skipped > 0 {
		out += fmt.Sprintf(" · %s not compared (written while read, or only by writes of unknown outcome)", plural(v.Skipped, "key read"))
	}
	if v.Unverifiable > 0 {
		out += fmt.Sprintf(" · %s values unverifiable", fmtCount(v.Unverifiable))
	}
	if v.RateLimited > 0 || v.Failed > 0 {
		out += fmt.Sprintf(" · %s × 429, %s failed", fmtCount(v.RateLimited), fmtCount(v.Failed))
	}
	mode := v.Mode
	if v.Sample > 0 {
		mode += fmt.Sprintf(" %s", fmtCount(uint64(v.Sample)))
	}
	out += fmt.Sprintf(" · %s, window %s, %s in %s", mode, fmtDuration(v.Window), plural(uint64(v.Rounds), "round"), fmtDuration(v.Duration))
	if msg := readBackIncomplete(v); msg != "" {
		out += " · " + msg
	}
	return out
}

// offenderBlock is one invariant's listed offenders, for every output.
type offenderBlock struct {
	Name string
	// Count says how many violations and how many are listed.
	Count     string
	Offenders []results.Offender
}

// offenderBlocks are the run checks with offenders, in run-check order.
func offenderBlocks(s *results.Summary) []offenderBlock {
	var out []offenderBlock
	for _, c := range s.RunChecks {
		if len(c.Offenders) == 0 {
			continue
		}
		count := plural(c.Count, "violation")
		if uint64(len(c.Offenders)) < c.Count {
			count += fmt.Sprintf(", first %d listed", len(c.Offenders))
		}
		out = append(out, offenderBlock{Name: c.Name, Count: count, Offenders: c.Offenders})
	}
	return out
}
