package fidelity

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Report is the outcome of a replay: one Result per replayed exchange.
type Report struct {
	Recording string   `json:"recording"`
	Manifest  Manifest `json:"manifest"`
	// Tier is the emulator's tier; TierSource says how it was chosen.
	Tier       hubspot.Tier `json:"tier"`
	TierSource string       `json:"tierSource"`
	// Total is the number of exchanges in the recording; Exchanges has
	// fewer when the replay was interrupted.
	Total       int      `json:"total"`
	Exchanges   []Result `json:"exchanges"`
	Interrupted bool     `json:"interrupted"`
}

// Result is the comparison of one exchange.
type Result struct {
	Seq    int    `json:"seq"`
	Method string `json:"method"`
	Path   string `json:"path"`
	// Recorded and Emulator are the statuses (0: no answer).
	Recorded    int          `json:"recorded"`
	Emulator    int          `json:"emulator"`
	Differences []Difference `json:"differences,omitempty"`
}

// Matches reports whether the exchange has no difference.
func (r Result) Matches() bool { return len(r.Differences) == 0 }

// Differs reports whether any replayed exchange differs.
func (r *Report) Differs() bool {
	for _, x := range r.Exchanges {
		if !x.Matches() {
			return true
		}
	}
	return false
}

// Counts returns the exchanges that match and differ, and the differences
// by kind.
func (r *Report) Counts() (match, differ int, byKind map[Kind]int) {
	byKind = map[Kind]int{}
	for _, x := range r.Exchanges {
		if x.Matches() {
			match++
			continue
		}
		differ++
		for _, d := range x.Differences {
			byKind[d.Kind]++
		}
	}
	return match, differ, byKind
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Labels of the difference kinds in the text report, padded to one width.
var kindLabels = map[Kind]string{
	KindTransport: "transport", KindStatus: "status", KindHeaderMissing: "header", KindHeaderExtra: "header",
	KindContentType: "content type", KindBody: "body", KindKeyMissing: "key", KindKeyExtra: "key",
	KindType: "type", KindArrayEmpty: "array", KindErrorText: "error text", KindErrorContext: "error context",
	KindErrorCount: "error count",
}

// WriteText writes the report for people: what was replayed, one line per
// matching exchange, the differences of each differing one, and a verdict
// line with counts.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	m := r.Manifest
	fmt.Fprintf(bw, "Recording   %s: %d exchanges recorded %s against %s\n", r.Recording, r.Total, m.StartedAt.UTC().Format("2006-01-02 15:04:05Z"), orDash(m.Target))
	var about []string
	if m.Tool != "" {
		about = append(about, m.Tool)
	}
	if m.APIVersion != "" {
		about = append(about, "API "+m.APIVersion)
	}
	if m.IDProperty != "" {
		about = append(about, "unique property "+m.IDProperty)
	}
	if !m.Complete {
		about = append(about, "the recorded run was INTERRUPTED")
	}
	if len(about) > 0 {
		fmt.Fprintf(bw, "            %s\n", strings.Join(about, " · "))
	}
	fmt.Fprintf(bw, "Replayed    against a fresh emulator, tier %s (%s)\n\n", r.Tier, r.TierSource)
	for _, x := range r.Exchanges {
		if x.Matches() {
			fmt.Fprintf(bw, "  ok    %s  %s %s  %s\n", seqLabel(x.Seq), x.Method, x.Path, statusText(x.Recorded))
			continue
		}
		fmt.Fprintf(bw, "  DIFF  %s  %s %s  recorded %s, emulator %s\n", seqLabel(x.Seq), x.Method, x.Path, statusText(x.Recorded), statusText(x.Emulator))
		for _, d := range x.Differences {
			fmt.Fprintf(bw, "          %-14s%s\n", kindLabels[d.Kind], d.describe())
		}
	}
	match, differ, byKind := r.Counts()
	var kinds []string
	for _, k := range Kinds {
		if n := byKind[k]; n > 0 {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
	}
	fmt.Fprintln(bw)
	replayed := len(r.Exchanges)
	switch {
	case r.Interrupted:
		fmt.Fprintf(bw, "INTERRUPTED  replayed %d of %d exchanges: %d match, %d differ", replayed, r.Total, match, differ)
	case differ > 0:
		fmt.Fprintf(bw, "FAIL  %d of %d exchanges differ, %d match", differ, replayed, match)
	default:
		fmt.Fprintf(bw, "PASS  all %d exchanges match the emulator", replayed)
	}
	if len(kinds) > 0 {
		fmt.Fprintf(bw, " · differences: %s", strings.Join(kinds, ", "))
	}
	fmt.Fprintln(bw)
	return bw.Flush()
}

func seqLabel(seq int) string { return fmt.Sprintf("%04d", seq) }

func statusText(s int) string {
	if s == 0 {
		return "no answer"
	}
	return fmt.Sprint(s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
