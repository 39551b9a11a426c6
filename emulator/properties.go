package emulator

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/upsertbench/upsertbench/hubspot"
)

// propKind says how a property's values are validated.
type propKind uint8

const (
	kindString propKind = iota
	kindEnum            // one of hubspot.EnumValues
	kindDate            // hs_timestamp: ISO 8601 or epoch ms (INVALID_DATE)
	kindLong            // hs_task_reminders: epoch ms or ISO 8601 (INVALID_LONG)
	kindSystem          // read-only, maintained by the emulator
	kindUnique          // a property with unique values (idProperty)
)

// propDef is one known task property. Records store values by index into the
// schema's table, which keeps a record small and lookups cheap.
type propDef struct {
	name    string
	kind    propKind
	options []string
	// optionKeys are the options' wordKeys, in the same order.
	optionKeys []wordKey
	// optionsText is "[A, B, C]" for INVALID_OPTION messages.
	optionsText string
	// keyOpen is `"name":"` escaped for JSON (unique property names come
	// from the user and may hold any character): a property of an answer
	// is keyOpen, the raw value and `"`.
	keyOpen string
}

// schema is the fixed set of properties one Emulator knows.
type schema struct {
	props  []propDef
	index  map[string]int
	unique []int // indexes of unique properties; the first is hubspot.DefaultIDProperty
	// timestamp is the index of hs_timestamp, required on create.
	timestamp int
	// Indexes of the properties the calculated ones follow (defaults.go).
	status, isCompleted, body int
	// table is an open-addressing hash of the names by wordKey: a lookup
	// costs two word loads, a multiply and two compares, several times less
	// than a map lookup, and it runs for every property of every input.
	table [tableSize]nameSlot
}

// nameSlot is one entry of schema.table; idx is the property index + 1, 0
// for an empty slot.
type nameSlot struct {
	key wordKey
	idx int
}

const tableSize = 1024 // > 4 × maxProps keeps probe chains short

// maxProps bounds the property table so an index fits a byte in records.
const maxProps = 250

func newSchema(extraUnique []string) *schema {
	s := &schema{index: map[string]int{}}
	add := func(name string, kind propKind) {
		if _, dup := s.index[name]; dup || name == "" || len(s.props) >= maxProps {
			return
		}
		d := propDef{name: name, kind: kind, keyOpen: string(hubspot.AppendJSONString(nil, name)) + `:"`}
		if kind == kindEnum {
			d.options = hubspot.EnumValues(name)
			for _, o := range d.options {
				d.optionKeys = append(d.optionKeys, keyOf([]byte(o)))
			}
			d.optionsText = "[" + strings.Join(d.options, ", ") + "]"
		}
		s.index[name] = len(s.props)
		s.props = append(s.props, d)
		if kind == kindUnique {
			s.unique = append(s.unique, len(s.props)-1)
		}
	}
	add(hubspot.DefaultIDProperty, kindUnique)
	for _, n := range extraUnique {
		// Task and system properties cannot be made unique.
		if !slices.Contains(hubspot.WritableTaskProperties, n) && !slices.Contains(hubspot.SystemProperties, n) {
			add(n, kindUnique)
		}
	}
	for _, n := range hubspot.WritableTaskProperties {
		switch {
		case hubspot.EnumValues(n) != nil:
			add(n, kindEnum)
		case n == hubspot.PropTimestamp:
			add(n, kindDate)
		case n == hubspot.PropTaskReminders:
			add(n, kindLong)
		default:
			add(n, kindString)
		}
	}
	for _, n := range hubspot.SystemProperties {
		add(n, kindSystem)
	}
	s.timestamp = s.index[hubspot.PropTimestamp]
	s.status, s.isCompleted, s.body = s.index[hubspot.PropTaskStatus], s.index[hubspot.PropTaskIsCompleted], s.index[hubspot.PropTaskBody]
	for i, d := range s.props {
		k := keyOf([]byte(d.name))
		h := k.hash()
		for s.table[h%tableSize].idx != 0 {
			h++
		}
		s.table[h%tableSize] = nameSlot{key: k, idx: i + 1}
	}
	return s
}

// lookup returns the index of a property name, or -1.
func (s *schema) lookup(name []byte) int {
	k := keyOf(name)
	for h := k.hash(); ; h++ {
		e := &s.table[h%tableSize]
		if e.idx == 0 {
			return -1
		}
		if k.equal(e.key, name, s.props[e.idx-1].name) {
			return e.idx - 1
		}
	}
}

// uniqueSlot returns the position of property index i among the unique
// properties, or -1 when i is not unique.
func (s *schema) uniqueSlot(i int) int {
	for slot, u := range s.unique {
		if u == i {
			return slot
		}
	}
	return -1
}

// propError is one invalid property value of one input.
type propError struct {
	code    string
	name    string
	message string
	idx     int16 // the property's index in the schema; -1 for none
}

// localized is the localizedErrorMessage HubSpot pairs with each code.
func (e propError) localized() string {
	if e.code == hubspot.CodePropertyDoesntExist {
		return e.message
	}
	return "Property value is not valid"
}

// validValue reports whether v (already unescaped) is a valid value of
// property d. invalidValue says why not; they are apart so that the
// common, valid case builds and copies no error.
func validValue(d *propDef, v []byte) bool {
	if len(v) == 0 {
		return true // "" clears the value
	}
	if len(v) > hubspot.MaxPropertyValueLength && utf8.RuneCount(v) > hubspot.MaxPropertyValueLength {
		return false
	}
	switch d.kind {
	case kindEnum:
		k := keyOf(v)
		for i, o := range d.optionKeys {
			if k.equal(o, v, d.options[i]) {
				return true
			}
		}
		return false
	case kindDate, kindLong:
		_, ok := hubspot.ParseInstant(v)
		return ok
	}
	return true
}

// invalidValue is the error for a value validValue refused.
func invalidValue(d *propDef, v []byte) propError {
	if len(v) > hubspot.MaxPropertyValueLength && utf8.RuneCount(v) > hubspot.MaxPropertyValueLength {
		return propError{
			code: hubspot.CodeMaxLengthExceeded, name: d.name,
			message: "Property \"" + d.name + "\" value is " + strconv.Itoa(utf8.RuneCount(v)) +
				" characters long; the maximum is " + strconv.Itoa(hubspot.MaxPropertyValueLength),
		}
	}
	switch d.kind {
	case kindEnum:
		return propError{code: hubspot.CodeInvalidOption, name: d.name,
			message: string(v) + " was not one of the allowed options: " + d.optionsText}
	case kindDate:
		return propError{code: hubspot.CodeInvalidDate, name: d.name,
			message: string(v) + " is not a valid date: use epoch milliseconds or an ISO 8601 date-time in UTC"}
	default:
		return propError{code: hubspot.CodeInvalidLong, name: d.name,
			message: string(v) + " was not a valid long."}
	}
}
