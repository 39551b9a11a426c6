package contract

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Comparing property values by meaning, not by bytes. HubSpot normalises
// what it stores (hubspot-facts.md, "Answers normalise what was written"):
// a datetime written as epoch milliseconds comes back as an ISO 8601
// instant, printed like Java's Instant (no fraction when the milliseconds
// are zero), and a cleared value ("") comes back absent or null. A check
// that compared bytes would fail HubSpot itself.

// dateTimeProperties are the task properties whose values are instants:
// both accepted forms (epoch milliseconds and ISO 8601) name the same
// instant (hubspot-facts.md, "Task properties").
var dateTimeProperties = []string{hubspot.PropTimestamp, hubspot.PropTaskReminders, hubspot.PropCreateDate, hubspot.PropLastModifiedDate}

// sameValue reports whether got, read back for property prop, means what
// was sent: equal strings, or equal instants for a datetime property.
func sameValue(prop, sent, got string) bool {
	if sent == got {
		return true
	}
	if !slices.Contains(dateTimeProperties, prop) {
		return false
	}
	ta, okA := parseInstant(sent)
	tb, okB := parseInstant(got)
	return okA && okB && ta.Equal(tb)
}

// parseInstant reads a datetime value as HubSpot accepts it (epoch
// milliseconds or ISO 8601, with or without a fraction), with
// hubspot.ParseInstant, the one reader of instants. HubSpot keeps
// milliseconds, and so does the comparison.
func parseInstant(s string) (time.Time, bool) {
	ms, ok := hubspot.ParseInstant([]byte(s))
	return time.UnixMilli(ms).UTC(), ok
}

// echoDiff compares sent property values with what came back. A value sent
// as "" (cleared) may come back absent, empty or null (null decodes to "").
func echoDiff(prefix string, sent, got map[string]string) []FieldFailure {
	var out []FieldFailure
	names := make([]string, 0, len(sent))
	for k := range sent {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		want := sent[k]
		have, ok := got[k]
		switch {
		case want == "" && (!ok || have == ""):
			// cleared: absent, null or empty
		case want == "":
			out = append(out, FieldFailure{Pointer: prefix + k, Message: fmt.Sprintf("%s was cleared (sent as \"\") but came back %q", k, trimValue(have))})
		case !ok:
			out = append(out, FieldFailure{Pointer: prefix + k, Message: fmt.Sprintf("%s was sent as %q but is missing", k, trimValue(want))})
		case !sameValue(k, want, have):
			out = append(out, FieldFailure{Pointer: prefix + k, Message: fmt.Sprintf("%s was sent as %q but came back %q", k, trimValue(want), trimValue(have))})
		}
	}
	return out
}

func trimValue(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
