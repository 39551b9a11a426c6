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
		_, ok := parseInstant(v)
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

// parseInstant reads a datetime value as HubSpot accepts it (epoch
// milliseconds or ISO 8601) into Unix milliseconds.
func parseInstant(v []byte) (ms int64, ok bool) {
	if ms, ok = parseEpochMillis(v); ok {
		return ms, true
	}
	return parseISO8601(v)
}

// parseEpochMillis reads up to 18 digits, optionally negative.
func parseEpochMillis(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseISO8601 reads the ISO 8601 shapes HubSpot documents for date-time
// properties: a full RFC 3339 date-time (any fraction, Z or an offset) or a
// plain date (midnight UTC). Digits past the milliseconds are dropped, as
// HubSpot keeps milliseconds. Hand-written because it runs for most inputs
// and time.Parse costs several times more.
func parseISO8601(v []byte) (int64, bool) {
	if len(v) < 10 || !digitsAt(v, 0, 4) || v[4] != '-' || !digitsAt(v, 5, 2) || v[7] != '-' || !digitsAt(v, 8, 2) {
		return 0, false
	}
	year, month, day := num(v[0:4]), num(v[5:7]), num(v[8:10])
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	ms := daysFromCivil(int64(year), int64(month), int64(day)) * 86_400_000
	if len(v) == 10 {
		return ms, true
	}
	if len(v) < 20 || v[10] != 'T' || !digitsAt(v, 11, 2) || v[13] != ':' ||
		!digitsAt(v, 14, 2) || v[16] != ':' || !digitsAt(v, 17, 2) {
		return 0, false
	}
	hour, minute, second := num(v[11:13]), num(v[14:16]), num(v[17:19])
	if hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	ms += int64(hour*3_600_000 + minute*60_000 + second*1000)
	rest := v[19:]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return 0, false
		}
		frac := 0
		for i := 1; i <= 3; i++ {
			frac *= 10
			if i < n {
				frac += int(rest[i] - '0')
			}
		}
		ms += int64(frac)
		rest = rest[n:]
	}
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
		return ms, true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digitsAt(rest, 1, 2) && rest[3] == ':' && digitsAt(rest, 4, 2):
		oh, om := num(rest[1:3]), num(rest[4:6])
		if oh > 23 || om > 59 {
			return 0, false
		}
		offset := int64(oh*3_600_000 + om*60_000)
		if rest[0] == '+' {
			offset = -offset // 15:00+01:00 is 14:00Z
		}
		return ms + offset, true
	}
	return 0, false
}

// daysFromCivil is the number of days from 1970-01-01 to the given
// proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= -1 here: parseISO8601 reads four digits
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func digitsAt(v []byte, at, n int) bool {
	if at+n > len(v) {
		return false
	}
	for _, c := range v[at : at+n] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func num(v []byte) int {
	n := 0
	for _, c := range v {
		n = n*10 + int(c-'0')
	}
	return n
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
