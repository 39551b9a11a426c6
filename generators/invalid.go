package generators

import (
	"strconv"
	"strings"
	"sync"

	"github.com/upsertbench/upsertbench/hubspot"
)

// InvalidKind is the kind of bad value WithInvalidShare puts into an input.
// Each kind makes a faithful target reject that input: in a 207 errors entry
// (with trace ids) or by failing the whole batch with 400 VALIDATION_ERROR.
// The zero value, InvalidNone, is a valid input. A kind is a small number,
// not its name, so a plan (Planned, one per input in flight) holds no
// pointer and the garbage collector need not scan the plans a load run
// keeps queued; String gives the name.
type InvalidKind uint8

const (
	// InvalidNone is a valid input: it carries no bad value.
	InvalidNone InvalidKind = iota
	// InvalidEnum sets hs_task_status, hs_task_priority or hs_task_type to a
	// value outside its enum ("URGENT", "high", "MEETING", …). Code INVALID_OPTION.
	InvalidEnum
	// InvalidTimestamp sets hs_timestamp to text that is neither epoch
	// milliseconds nor ISO 8601 ("next Tuesday"). Code INVALID_DATE or INVALID_LONG.
	InvalidTimestamp
	// InvalidUnknownProperty adds a property the tasks object does not have.
	// Code PROPERTY_DOESNT_EXIST.
	InvalidUnknownProperty
	// InvalidReadOnlyProperty writes a system property (hs_createdate,
	// hs_lastmodifieddate). Code READ_ONLY_VALUE.
	InvalidReadOnlyProperty
	// InvalidOverLongString makes hs_task_body one character longer than the
	// 65,536 a string property holds. Code MAX_LENGTH_EXCEEDED.
	InvalidOverLongString

	numInvalidKinds
)

// invalidKindTable is the one place that says, per kind, its name, the
// error code a faithful target reports and its weight among the kinds.
// The weights favour cheap kinds: an over-long body is 64 KiB on the wire.
var invalidKindTable = [numInvalidKinds]struct {
	name   string
	code   string
	weight int
}{
	InvalidNone:             {name: "none"},
	InvalidEnum:             {name: "invalid-enum", code: hubspot.CodeInvalidOption, weight: 35},
	InvalidTimestamp:        {name: "unparseable-timestamp", code: hubspot.CodeInvalidDate, weight: 25},
	InvalidUnknownProperty:  {name: "unknown-property", code: hubspot.CodePropertyDoesntExist, weight: 20},
	InvalidReadOnlyProperty: {name: "read-only-property", code: hubspot.CodeReadOnlyValue, weight: 15},
	InvalidOverLongString:   {name: "over-long-string", code: hubspot.CodeMaxLengthExceeded, weight: 5},
}

// InvalidKinds lists every kind of bad value (not InvalidNone), in a
// stable order: the constants' (and invalidKindTable's).
var InvalidKinds = func() []InvalidKind {
	kinds := make([]InvalidKind, 0, numInvalidKinds-1)
	for k := InvalidNone + 1; k < numInvalidKinds; k++ {
		kinds = append(kinds, k)
	}
	return kinds
}()

// String is the kind's name ("invalid-enum", …; "none" for InvalidNone).
func (k InvalidKind) String() string {
	if k < numInvalidKinds {
		return invalidKindTable[k].name
	}
	return "InvalidKind(" + strconv.Itoa(int(k)) + ")"
}

// Code is the error detail code a faithful target reports for the kind
// ("" for InvalidNone).
func (k InvalidKind) Code() string {
	if k < numInvalidKinds {
		return invalidKindTable[k].code
	}
	return ""
}

// valid reports whether k is a kind of bad value WithInvalidKinds accepts.
func (k InvalidKind) valid() bool { return k < numInvalidKinds && invalidKindTable[k].weight > 0 }

func invalidKindNames() []string {
	out := make([]string, len(InvalidKinds))
	for i, k := range InvalidKinds {
		out[i] = k.String()
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
				total += invalidKindTable[k].weight
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
