package emulator

import (
	"slices"
	"strconv"
	"strings"
	"time"
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
	// optionsText is "[A, B, C]" for INVALID_OPTION messages.
	optionsText string
}

// schema is the fixed set of properties one Emulator knows.
type schema struct {
	props  []propDef
	index  map[string]int
	unique []int // indexes of unique properties; the first is hubspot.DefaultIDProperty
	// timestamp is the index of hs_timestamp, required on create.
	timestamp int
	// table is an open-addressing hash of the names (value idx+1, 0 empty):
	// a lookup costs a few byte reads and one compare, about a third of a
	// map lookup, and it runs for every property of every input.
	table [tableSize]uint8
}

const tableSize = 1024 // > 4 × maxProps keeps probe chains short

func nameHash(b []byte) uint32 {
	n := len(b)
	if n == 0 {
		return 0
	}
	h := uint32(n) * 0x9e3779b1
	h ^= uint32(b[n-1]) * 0x85ebca6b
	h ^= uint32(b[n/2]) * 0xc2b2ae35
	h ^= uint32(b[(n*3)/4]) * 0x27d4eb2f
	return h ^ h>>15
}

// maxProps bounds the property table so an index fits a byte in records.
const maxProps = 250

func newSchema(extraUnique []string) *schema {
	s := &schema{index: map[string]int{}}
	add := func(name string, kind propKind) {
		if _, dup := s.index[name]; dup || name == "" || len(s.props) >= maxProps {
			return
		}
		d := propDef{name: name, kind: kind}
		if kind == kindEnum {
			d.options = hubspot.EnumValues(name)
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
	for i, d := range s.props {
		h := nameHash([]byte(d.name))
		for s.table[h%tableSize] != 0 {
			h++
		}
		s.table[h%tableSize] = uint8(i + 1)
	}
	return s
}

// lookup returns the index of a property name, or -1.
func (s *schema) lookup(name []byte) int {
	for h := nameHash(name); ; h++ {
		v := s.table[h%tableSize]
		if v == 0 {
			return -1
		}
		if string(name) == s.props[v-1].name {
			return int(v - 1)
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
}

// localized is the localizedErrorMessage HubSpot pairs with each code.
func (e propError) localized() string {
	if e.code == hubspot.CodePropertyDoesntExist {
		return e.message
	}
	return "Property value is not valid"
}

// validateValue checks one value (already unescaped) of property d.
func validateValue(d *propDef, v []byte) (propError, bool) {
	if len(v) == 0 {
		return propError{}, true // "" clears the value
	}
	if len(v) > hubspot.MaxPropertyValueLength && utf8.RuneCount(v) > hubspot.MaxPropertyValueLength {
		return propError{
			code: hubspot.CodeMaxLengthExceeded, name: d.name,
			message: "Property \"" + d.name + "\" value is " + strconv.Itoa(utf8.RuneCount(v)) +
				" characters long; the maximum is " + strconv.Itoa(hubspot.MaxPropertyValueLength),
		}, false
	}
	switch d.kind {
	case kindEnum:
		for _, o := range d.options {
			if string(v) == o {
				return propError{}, true
			}
		}
		return propError{code: hubspot.CodeInvalidOption, name: d.name,
			message: string(v) + " was not one of the allowed options: " + d.optionsText}, false
	case kindDate:
		if isEpochMillis(v) || isISO8601(v) {
			return propError{}, true
		}
		return propError{code: hubspot.CodeInvalidDate, name: d.name,
			message: string(v) + " is not a valid date: use epoch milliseconds or an ISO 8601 date-time in UTC"}, false
	case kindLong:
		if isEpochMillis(v) || isISO8601(v) {
			return propError{}, true
		}
		return propError{code: hubspot.CodeInvalidLong, name: d.name,
			message: string(v) + " was not a valid long."}, false
	}
	return propError{}, true
}

func isEpochMillis(v []byte) bool {
	if len(v) > 0 && v[0] == '-' {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isISO8601 accepts the ISO 8601 shapes HubSpot documents for date-time
// properties: a full RFC 3339 date-time (any fraction, Z or offset) or a
// plain date.
func isISO8601(v []byte) bool {
	if len(v) < 10 || len(v) > 40 {
		return false
	}
	s := string(v)
	if len(v) == 10 {
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
