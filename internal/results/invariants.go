package results

import (
	"fmt"
	"time"
)

// Names of the run-wide invariants, in the order every output lists them.
// The load engine checks them on every 2xx upsert answer (and, for the two
// read-back ones, on the records it reads back); a violation of any of them
// fails the run.
const (
	// InvariantOneID: one record id per unique value for the whole run
	// (and one unique value per id), across shards once they are merged.
	InvariantOneID = "one-id-per-unique-value"
	// InvariantNewOnce: new is true exactly once for a key the run
	// creates, never for a key that was already written, false on updates.
	InvariantNewOnce = "new-exactly-once"
	// InvariantTraceID: a result's objectWriteTraceId belongs to an input
	// of the same batch with the same unique value.
	InvariantTraceID = "trace-id-of-input"
	// InvariantAccounting: every acknowledged input has exactly one result,
	// and no result answers an input that was not sent.
	InvariantAccounting = "one-result-per-input"
	// InvariantUpdatedAt: a key's updatedAt never goes backwards across
	// acknowledged writes.
	InvariantUpdatedAt = "updated-at-never-backwards"
	// InvariantLostWrite: a read shows every acknowledged write (after the
	// consistency window, and still after reading again).
	InvariantLostWrite = "read-back-shows-write"
	// InvariantStaleRead: a read never shows an older state than one an
	// earlier acknowledged write made, outside the consistency window.
	InvariantStaleRead = "read-back-not-stale"
)

// InvariantNames lists every invariant in output order.
var InvariantNames = []string{
	InvariantOneID, InvariantNewOnce, InvariantTraceID, InvariantAccounting,
	InvariantUpdatedAt, InvariantLostWrite, InvariantStaleRead,
}

// InvariantDescriptions say in one sentence what each invariant holds the
// target to, for every output format.
var InvariantDescriptions = map[string]string{
	InvariantOneID:      "one record id per unique value for the whole run (and one unique value per id)",
	InvariantNewOnce:    "new is true exactly once per created key: never for a key already written, false on updates",
	InvariantTraceID:    "a result's objectWriteTraceId belongs to an input of that batch with the same unique value",
	InvariantAccounting: "every acknowledged input has exactly one result; no result for an input that was not sent",
	InvariantUpdatedAt:  "updatedAt never goes backwards for a key across acknowledged writes",
	InvariantLostWrite:  "reading a key back shows its last acknowledged write",
	InvariantStaleRead:  "a read never shows an older state than an acknowledged write made, outside the consistency window",
}

// DefaultMaxOffenders is how many offending keys each invariant lists.
const DefaultMaxOffenders = 20

// InvariantsSummary is what the run-wide invariants found (summary.json
// "invariants"). Counts are exact; offender lists are capped.
type InvariantsSummary struct {
	// Answers is the number of 2xx upsert answers read, Results the
	// results they held; Unreadable counts answers that were not a JSON
	// object (their inputs count as acknowledged without a result).
	Answers    uint64 `json:"answers"`
	Results    uint64 `json:"results"`
	Unreadable uint64 `json:"unreadable,omitempty"`
	// UnknownOutcome counts requests whose writes may or may not have
	// happened (no answer, or a 5xx): their keys' values are not compared
	// on read-back and their creates need not have answered new:true.
	UnknownOutcome uint64 `json:"unknownOutcome,omitempty"`
	// Exchanges counts the upsert requests handed to the invariants: every
	// answer, transport error and request cut on abort. Unmatched counts
	// requests the engine could not attribute to a batch (0 unless a
	// request failed before it was sent).
	Exchanges uint64 `json:"exchanges"`
	Unmatched uint64 `json:"unmatched,omitempty"`
	// QueueWaits and QueueWaited say how often and how long the attack's
	// result loop waited for the invariants' workers (their queue was
	// full). That wait never enters a latency; it can delay sends, which
	// then count as late sends.
	QueueWaits  uint64        `json:"queueWaits,omitempty"`
	QueueWaited time.Duration `json:"queueWaited,omitempty"`
	// Keys is the number of keys with state; KeyStateBytes the memory
	// that state took. Untracked counts results for keys beyond
	// MaxKeys, which no invariant but accounting and trace ids covers.
	Keys          uint64 `json:"keys"`
	KeyStateBytes int64  `json:"keyStateBytes"`
	MaxKeys       uint64 `json:"maxKeys"`
	Untracked     uint64 `json:"untracked,omitempty"`
	// Checks has one entry per InvariantNames, in that order.
	Checks []InvariantCheck `json:"checks"`
	// Verify is the read-back verification; nil when it was off.
	Verify *VerifySummary `json:"verify,omitempty"`
	// Schema is the full schema check of every answer (fast path).
	Schema SchemaCoverage `json:"schema"`
}

// Violations is the total over all checks.
func (s *InvariantsSummary) Violations() uint64 {
	if s == nil {
		return 0
	}
	var n uint64
	for _, c := range s.Checks {
		n += c.Violations
	}
	return n
}

// Check returns the named check, or nil.
func (s *InvariantsSummary) Check(name string) *InvariantCheck {
	if s == nil {
		return nil
	}
	for i := range s.Checks {
		if s.Checks[i].Name == name {
			return &s.Checks[i]
		}
	}
	return nil
}

// InvariantCheck is one named invariant's outcome.
type InvariantCheck struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Checked counts what the invariant looked at (results, inputs or
	// keys, see Unit); Violations how often it did not hold.
	Checked    uint64 `json:"checked"`
	Unit       string `json:"unit"`
	Violations uint64 `json:"violations"`
	// NotChecked says why the invariant could not run at all ("" when it
	// ran, even on nothing).
	NotChecked string `json:"notChecked,omitempty"`
	// Note qualifies what was checked (a part left out, and why).
	Note string `json:"note,omitempty"`
	// Offenders are the first DefaultMaxOffenders offending keys, each with
	// the two answers that conflict.
	Offenders []Offender `json:"offenders,omitempty"`
}

// Pass reports whether the invariant held.
func (c *InvariantCheck) Pass() bool { return c.Violations == 0 }

// Offender is one violation: the key, what is wrong, and the two answers
// that contradict each other (First may be empty when a single answer is at
// fault, e.g. a result for an input that was not sent).
type Offender struct {
	Key     string    `json:"key"`
	Message string    `json:"message"`
	First   AnswerRef `json:"first"`
	Second  AnswerRef `json:"second"`
}

// AnswerRef names one answer: which request, when into the run it was
// sent, its status and the record ids it gave for the key.
type AnswerRef struct {
	// Kind is "upsert" or "read".
	Kind string `json:"kind,omitempty"`
	// Batch is the batch number of an upsert, the read number of a read.
	Batch  uint64        `json:"batch"`
	At     time.Duration `json:"at"`
	Status int           `json:"status,omitempty"`
	ID     string        `json:"id,omitempty"`
	// Detail is the fact that conflicts: new, updatedAt, a trace id.
	Detail string `json:"detail,omitempty"`
}

// IsZero reports whether the reference names no answer.
func (a AnswerRef) IsZero() bool { return a.Kind == "" }

// String renders the reference on one line: "upsert #12 at 3.2s (200) id 48000000001 new:true".
func (a AnswerRef) String() string {
	if a.IsZero() {
		return "-"
	}
	s := fmt.Sprintf("%s #%d at %s", a.Kind, a.Batch, a.At.Round(time.Millisecond))
	if a.Status != 0 {
		s += fmt.Sprintf(" (%d)", a.Status)
	}
	if a.ID != "" {
		s += " id " + a.ID
	}
	if a.Detail != "" {
		s += " " + a.Detail
	}
	return s
}

// VerifySummary is the read-back verification: batch reads of written keys
// compared with their last acknowledged write. Its requests are counted
// here, apart from the load figures.
type VerifySummary struct {
	// Mode is none, sample or all; Sample the keys per round in sample
	// mode; Window the consistency window.
	Mode   string        `json:"mode"`
	Sample int           `json:"sample,omitempty"`
	Window time.Duration `json:"window"`
	// Every is the period of verification during the run (0: only at the
	// end); Rounds counts the rounds done, the final one included.
	Every  time.Duration `json:"every,omitempty"`
	Rounds int           `json:"rounds"`
	// Requests counts batch reads sent (re-reads included); RateLimited
	// and Failed count those answered 429 or not answered usably.
	Requests    uint64 `json:"requests"`
	RateLimited uint64 `json:"rateLimited,omitempty"`
	Failed      uint64 `json:"failed,omitempty"`
	// Keys counts key reads compared with the key's last acknowledged
	// write; Properties the property values compared in them;
	// Unverifiable the property values left out because they could not be
	// pinned down (writes of unknown outcome, or simultaneous writes that
	// disagree); Skipped the key reads not compared at all (the key was
	// being written while it was read, or only writes of unknown outcome
	// named it).
	Keys         uint64 `json:"keys"`
	Properties   uint64 `json:"properties,omitempty"`
	Unverifiable uint64 `json:"unverifiable,omitempty"`
	Skipped      uint64 `json:"skipped,omitempty"`
	// Mismatches counts first reads that did not show the write and were
	// read again; Lag those the re-read showed, for a write made less
	// than Window before the first read (not a violation). The others are
	// the violations of read-back-not-stale and read-back-shows-write.
	Mismatches uint64 `json:"mismatches,omitempty"`
	Lag        uint64 `json:"lag,omitempty"`
	// Duration is the time spent verifying at the end of the run.
	Duration time.Duration `json:"duration"`
	// Planned is how many keys the final round set out to compare (every
	// key an acknowledged result named, or the sample). Unread counts
	// those whose read never got a usable answer (the target kept
	// refusing, its daily limit stopped the reads, Ctrl-C); Unsettled the
	// keys whose first read did not show their write and whose re-read did
	// not happen, so lag, stale read and lost write could not be told
	// apart. Either makes the read-back incomplete (NotCompared).
	Planned   uint64 `json:"planned"`
	Unread    uint64 `json:"unread,omitempty"`
	Unsettled uint64 `json:"unsettled,omitempty"`
	// Incomplete says why the final round did not read every key it
	// chose (interrupted, out of time, the target kept refusing).
	Incomplete string `json:"incomplete,omitempty"`
}

// SchemaCoverage is how many answers got the full schema check under load.
// Above what the CPU budget allows, answers go unchecked: Share says how
// many were checked, never silently less.
type SchemaCoverage struct {
	Answers    uint64  `json:"answers"`
	Checked    uint64  `json:"checked"`
	Share      float64 `json:"share"`
	Violations uint64  `json:"violations"`
	// Budget is the share of one CPU the checks could use (0: unlimited).
	Budget float64 `json:"budget"`
	// Fast counts checks done by the compiled fast path; the others went
	// to libopenapi-validator (routes the fast path cannot compile).
	Fast uint64 `json:"fast"`
	// Behind is how long the check policy counted the attack as falling
	// behind, the time the checks were held to Budget (the longest of any
	// shard once merged: the shards ran at the same time).
	Behind time.Duration `json:"behind,omitempty"`
}

// NotCompared is how many of the Planned keys the final round could not
// compare with their last acknowledged write (Unread and Unsettled, at
// most Planned).
func (v *VerifySummary) NotCompared() uint64 { return min(v.Unread+v.Unsettled, v.Planned) }
