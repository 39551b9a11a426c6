package generators

import (
	"strings"
	"sync"

	"github.com/upsertbench/upsertbench/hubspot"
)

// InvalidKind is the kind of bad value WithInvalidShare puts into an input.
// Each kind makes a faithful target reject that input: in a 207 errors entry
// (with trace ids) or by failing the whole batch with 400 VALIDATION_ERROR.
type InvalidKind string

const (
	// InvalidEnum sets hs_task_status, hs_task_priority or hs_task_type to a
	// value outside its enum ("URGENT", "high", "MEETING", …). Code INVALID_OPTION.
	InvalidEnum InvalidKind = "invalid-enum"
	// InvalidTimestamp sets hs_timestamp to text that is neither epoch
	// milliseconds nor ISO 8601 ("next Tuesday"). Code INVALID_DATE or INVALID_LONG.
	InvalidTimestamp InvalidKind = "unparseable-timestamp"
	// InvalidUnknownProperty adds a property the tasks object does not have.
	// Code PROPERTY_DOESNT_EXIST.
	InvalidUnknownProperty InvalidKind = "unknown-property"
	// InvalidReadOnlyProperty writes a system property (hs_createdate,
	// hs_lastmodifieddate). Code READ_ONLY_VALUE.
	InvalidReadOnlyProperty InvalidKind = "read-only-property"
	// InvalidOverLongString makes hs_task_body one character longer than the
	// 65,536 a string property holds. Code MAX_LENGTH_EXCEEDED.
	InvalidOverLongString InvalidKind = "over-long-string"
)

// InvalidKinds lists every kind, in a stable order.
var InvalidKinds = []InvalidKind{InvalidEnum, InvalidTimestamp, InvalidUnknownProperty, InvalidReadOnlyProperty, InvalidOverLongString}

// invalidWeights favour cheap kinds: an over-long body is 64 KiB on the wire.
var invalidWeights = map[InvalidKind]int{
	InvalidEnum: 35, InvalidTimestamp: 25, InvalidUnknownProperty: 20, InvalidReadOnlyProperty: 15, InvalidOverLongString: 5,
}

// Code is the error detail code a faithful target reports for the kind.
func (k InvalidKind) Code() string {
	switch k {
	case InvalidEnum:
		return hubspot.CodeInvalidOption
	case InvalidTimestamp:
		return hubspot.CodeInvalidDate
	case InvalidUnknownProperty:
		return hubspot.CodePropertyDoesntExist
	case InvalidReadOnlyProperty:
		return hubspot.CodeReadOnlyValue
	case InvalidOverLongString:
		return hubspot.CodeMaxLengthExceeded
	}
	return ""
}

func (k InvalidKind) valid() bool { return invalidWeights[k] > 0 }

func invalidKindNames() []string {
	out := make([]string, len(InvalidKinds))
	for i, k := range InvalidKinds {
		out[i] = string(k)
	}
	return out
}

// Bad values, realistic mistakes of integrations rather than noise.
var (
	badStatuses   = []string{"DONE", "OPEN", "completed", "CLOSED", "In Progress"}
	badPriorities = []string{"URGENT", "high", "P1", "CRITICAL", "medium"}
	badTypes      = []string{"MEETING", "SMS", "call", "LUNCH", "LINKEDIN"}
	badTimestamps = []string{
		"next Tuesday", "2026-13-45T25:61:00Z", "31/12/2026 17:00", "1735689600000ms",
		"tomorrow EOD", "2026-02-30", "NaN",
	}
	unknownProperties  = []string{"hs_task_mood", "deal_stage_notes", "hs_task_sentiment", "task_due_date", "hs_task_owner_email"}
	readOnlyProperties = []string{hubspot.PropCreateDate, hubspot.PropLastModifiedDate}
)

// overLong is a realistic-looking note of MaxPropertyValueLength+1 ASCII
// characters (ASCII, so characters and bytes agree).
var overLong = sync.OnceValue(func() string {
	const line = "Call notes: customer walked through the full procurement checklist again. "
	n := hubspot.MaxPropertyValueLength + 1
	s := strings.Repeat(line, n/len(line)+1)
	return s[:n]
})

// kindTable picks kinds by weight among the enabled ones.
type kindTable struct {
	kinds []InvalidKind
	cum   []int
}

func newKindTable(enabled []InvalidKind) kindTable {
	if len(enabled) == 0 {
		enabled = InvalidKinds
	}
	var t kindTable
	total := 0
	for _, k := range InvalidKinds {
		for _, e := range enabled {
			if e == k {
				total += invalidWeights[k]
				t.kinds = append(t.kinds, k)
				t.cum = append(t.cum, total)
				break
			}
		}
	}
	return t
}

func (t *kindTable) pick(r *rng) InvalidKind {
	x := r.intn(t.cum[len(t.cum)-1])
	for i, c := range t.cum {
		if x < c {
			return t.kinds[i]
		}
	}
	return t.kinds[len(t.kinds)-1]
}
