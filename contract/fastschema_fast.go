package contract

import (
	"encoding/binary"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The accepting walk: the first pass over every answer, specialised for
// the compiled schema. Nearly every answer a load run checks is valid, so
// this pass only has to prove that; it never writes a finding. Where each
// node of the schema fixes what a value must be (a plain string, a
// date-time, one of an enum, a boolean, an object with known members, a
// map of strings, an array), it reads the value in place with the stop
// bitmap and no generic dispatch, and looks member names up in a perfect
// hash of the node's property names. Anything it is not sure of — a value
// of another kind, a number, an escaped member name, a string that is not
// in the canonical shape — goes to the generic walk (fsWalk.value) for
// that value, and the first failure or syntax error there, or any doubt
// here, abandons the pass: ValidateScanned then runs the generic walk over
// the whole body, which writes the findings. So this pass decides only
// "valid", and only where the generic walk would say the same; the rules
// themselves (which types, enums, formats, required names) stay in the
// compiled fsNode and in the format checks both walks call.

// fsFastKind is how the accepting walk reads a value of a node.
type fsFastKind uint8

const (
	fkGeneric  fsFastKind = iota // the generic walk
	fkString                     // any string (no enum, no string format)
	fkDateTime                   // a date-time string
	fkUUID                       // a uuid string
	fkEnum                       // a string of the enum
	fkBool                       // true or false
	fkObject                     // an object with declared properties
	fkMap                        // an object whose members all have one schema
	fkArray                      // an array with an items schema
)

// fsFastDepth bounds the accepting walk's recursion; deeper values go to
// the generic walk, which applies jsonscan.MaxDepth as encoding/json does.
const fsFastDepth = 64

// fsFastKindOf picks the accepting walk's reading of n from its compiled
// keywords. It only picks a reading whose acceptance implies the generic
// walk's, value kind by value kind: a value of any other kind takes the
// generic walk.
func fsFastKindOf(n *fsNode) fsFastKind {
	allows := func(t fsType) bool { return n.types == 0 || n.types&t != 0 }
	stringFormat := n.format == fsDateTime || n.format == fsUUID
	switch {
	case n.hasEnum:
		if allows(fsString) && !stringFormat && len(n.enum) > 0 {
			return fkEnum
		}
	case allows(fsString) && n.format == fsDateTime:
		return fkDateTime
	case allows(fsString) && n.format == fsUUID:
		return fkUUID
	case allows(fsObject) && n.object && len(n.reqOutside) == 0 && len(n.props) == 0 && len(n.required) == 0 &&
		n.addl != nil && !n.addlFalse:
		return fkMap
	case allows(fsObject) && n.object && len(n.reqOutside) == 0 && len(n.props) <= 64 && fsASCIINames(n.props):
		return fkObject
	case allows(fsArray) && n.items != nil:
		return fkArray
	case n.types == fsString:
		return fkString
	case n.types == fsBoolean:
		return fkBool
	}
	return fkGeneric
}

// fsASCIINames reports whether every property name is ASCII: a member name
// read raw (not decoded) then matches a property exactly when its decoded
// form would, unless it has escapes, which the accepting walk refuses.
func fsASCIINames(props []fsProp) bool {
	for _, p := range props {
		for i := 0; i < len(p.name); i++ {
			if p.name[i] >= 0x80 {
				return false
			}
		}
	}
	return true
}

// fsNameKey is what the property hash of a name is computed from: its
// length and its first and last bytes.
func fsNameKey(name []byte) uint32 {
	if len(name) == 0 {
		return 0
	}
	return uint32(len(name))<<16 | uint32(name[0])<<8 | uint32(name[len(name)-1])
}

// indexFast sets the accepting walk's reading of n: its kind, the mask of
// its required properties and, for objects, a perfect hash of the property
// names (key * hashMul >> hashShift, collision-free over the names; a node
// whose names share a key keeps the by-length search of prop).
func (n *fsNode) indexFast() {
	n.fast = fsFastKindOf(n)
	n.reqMask = 0
	for i, p := range n.props {
		if p.required && i < 64 {
			n.reqMask |= 1 << i
		}
	}
	n.hashTab = nil
	if len(n.props) == 0 || len(n.props) > 255 {
		return
	}
	bits := uint(1)
	for 1<<bits < 2*len(n.props) {
		bits++
	}
	for ; bits <= 12; bits++ {
		for k := uint32(1); k < 4096; k++ {
			mul := k*0x9E3779B1 | 1
			tab := make([]uint8, 1<<bits)
			ok := true
			for i, p := range n.props {
				h := fsNameKey([]byte(p.name)) * mul >> (32 - bits)
				if tab[h] != 0 {
					ok = false
					break
				}
				tab[h] = uint8(i + 1)
			}
			if ok {
				n.hashTab, n.hashMul, n.hashShift = tab, mul, uint8(32-bits)
				return
			}
		}
	}
}

// lookup is prop for the accepting walk: the index of the property named
// name (raw, without escapes), or -1.
func (n *fsNode) lookup(name []byte) int {
	if n.hashTab == nil {
		if i, ok := n.prop(name); ok {
			return i
		}
		return -1
	}
	i := int(n.hashTab[fsNameKey(name)*n.hashMul>>n.hashShift]) - 1
	if i >= 0 && n.props[i].name == string(name) {
		return i
	}
	return -1
}

// accepts runs the accepting walk over the value at p: its end, and
// whether it is valid for n (false: not proven; run the generic walk).
func (w *fsWalk) accepts(n *fsNode, p, depth int) (int, bool) {
	d := w.sc.Data
	if n == nil || p >= len(d) {
		return w.generic(n, p, depth)
	}
	switch n.fast {
	case fkString:
		if d[p] == '"' {
			return w.plainString(p)
		}
	case fkDateTime:
		if d[p] == '"' {
			e := jsonscan.NextStop(w.stops, len(d), p+1)
			if e < len(d) && d[e] == '"' && fsCanonicalDateTime(d[p+1:e]) {
				return e + 1, true
			}
		}
	case fkUUID:
		if d[p] == '"' {
			e := jsonscan.NextStop(w.stops, len(d), p+1)
			if e < len(d) && d[e] == '"' && fsUUIDBytes(d[p+1:e]) {
				return e + 1, true
			}
		}
	case fkEnum:
		if d[p] == '"' {
			e := jsonscan.NextStop(w.stops, len(d), p+1)
			if e < len(d) && d[e] == '"' {
				raw := d[p+1 : e]
				for _, s := range n.enum {
					if s == string(raw) {
						return e + 1, true
					}
				}
			}
		}
	case fkBool:
		if len(d)-p >= 4 && string(d[p:p+4]) == "true" {
			return p + 4, true
		}
		if len(d)-p >= 5 && string(d[p:p+5]) == "false" {
			return p + 5, true
		}
	case fkObject:
		if d[p] == '{' && depth < fsFastDepth {
			return w.acceptObject(n, p, depth)
		}
	case fkMap:
		if d[p] == '{' && depth < fsFastDepth {
			return w.acceptMap(n, p, depth)
		}
	case fkArray:
		if d[p] == '[' && depth < fsFastDepth {
			return w.acceptArray(n, p, depth)
		}
	}
	return w.generic(n, p, depth)
}

// generic is the generic walk for one value inside the accepting walk:
// valid only without a failure or a syntax error.
func (w *fsWalk) generic(n *fsNode, p, depth int) (int, bool) {
	end, ok := w.value(n, p, depth)
	return end, ok && len(w.failures) == 0
}

// plainString reads the string at p (a quote): its end and whether it is
// well formed.
func (w *fsWalk) plainString(p int) (int, bool) {
	d := w.sc.Data
	if e := jsonscan.NextStop(w.stops, len(d), p+1); e < len(d) && d[e] == '"' {
		return e + 1, true
	}
	end, _, ok := w.sc.String(p)
	return end, ok
}

// space skips whitespace at p, if any (compact answers have none).
func (w *fsWalk) space(p int) int {
	if d := w.sc.Data; p < len(d) && d[p] <= ' ' {
		return w.sc.Space(p)
	}
	return p
}

// colon reads the ':' after a member name ending at q, and the whitespace
// around it: the position of the value.
func (w *fsWalk) colon(q int) (int, bool) {
	d := w.sc.Data
	if q < len(d) && d[q] == ':' {
		return w.space(q + 1), true
	}
	q = w.sc.Space(q)
	if q >= len(d) || d[q] != ':' {
		return q, false
	}
	return w.space(q + 1), true
}

// next reads what follows a member or element at q: the position of the
// next one (more true), or the position after the closing byte.
func (w *fsWalk) next(q int, closing byte) (int, bool, bool) {
	d := w.sc.Data
	q = w.space(q)
	if q >= len(d) {
		return q, false, false
	}
	switch d[q] {
	case ',':
		return w.space(q + 1), true, true
	case closing:
		return q + 1, false, true
	}
	return q, false, false
}

// acceptObject is the accepting walk of an object with declared
// properties: each member's name is looked up raw (an escaped name is
// left to the generic walk), its value read by the property's node or by
// additionalProperties, and the required names counted in a mask.
func (w *fsWalk) acceptObject(n *fsNode, p, depth int) (int, bool) {
	d := w.sc.Data
	var seen uint64
	q := w.space(p + 1)
	if q < len(d) && d[q] == '}' {
		return q + 1, n.reqMask == 0
	}
	for more := true; more; {
		if q >= len(d) || d[q] != '"' {
			return q, false
		}
		e := jsonscan.NextStop(w.stops, len(d), q+1)
		if e >= len(d) || d[e] != '"' {
			return e, false
		}
		name := d[q+1 : e]
		var ok bool
		if q, ok = w.colon(e + 1); !ok {
			return q, false
		}
		child := n.addl
		if i := n.lookup(name); i >= 0 {
			seen |= 1 << uint(i)
			child = n.props[i].node
		} else if n.addlFalse {
			return q, false
		}
		if q, ok = w.accepts(child, q, depth+1); !ok {
			return q, false
		}
		if q, more, ok = w.next(q, '}'); !ok {
			return q, false
		}
	}
	return q, seen&n.reqMask == n.reqMask
}

// acceptMap is the accepting walk of an object whose members all have the
// schema additionalProperties: names are only read to their end (they
// decide nothing), and string values, the usual case, are read inline.
func (w *fsWalk) acceptMap(n *fsNode, p, depth int) (int, bool) {
	d := w.sc.Data
	strs := n.addl.fast == fkString
	q := w.space(p + 1)
	if q < len(d) && d[q] == '}' {
		return q + 1, true
	}
	for more := true; more; {
		if q >= len(d) || d[q] != '"' {
			return q, false
		}
		var ok bool
		if q, ok = w.plainString(q); !ok {
			return q, false
		}
		if q, ok = w.colon(q); !ok {
			return q, false
		}
		if strs && q < len(d) && d[q] == '"' {
			q, ok = w.plainString(q)
		} else {
			q, ok = w.accepts(n.addl, q, depth+1)
		}
		if !ok {
			return q, false
		}
		if q, more, ok = w.next(q, '}'); !ok {
			return q, false
		}
	}
	return q, true
}

// acceptArray is the accepting walk of an array: each element by items.
func (w *fsWalk) acceptArray(n *fsNode, p, depth int) (int, bool) {
	d := w.sc.Data
	q := w.space(p + 1)
	if q < len(d) && d[q] == ']' {
		return q + 1, true
	}
	for more := true; more; {
		var ok bool
		if q, ok = w.accepts(n.items, q, depth+1); !ok {
			return q, false
		}
		if q, more, ok = w.next(q, ']'); !ok {
			return q, false
		}
	}
	return q, true
}

// fsUUIDBytes reports whether fsUUIDFormat accepts b: five groups of 8, 4,
// 4, 4 and 12 hex digits joined by '-'.
func fsUUIDBytes(b []byte) bool {
	if len(b) != 36 {
		return false
	}
	for i, c := range b {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// fsWordTemplate describes 8 bytes of a fixed text shape, 'D' for a digit:
// the mask of the digit bytes and the value of the others.
func fsWordTemplate(shape string) (digits, fixed uint64) {
	for i := range 8 {
		if shape[i] == 'D' {
			digits |= 0xff << (8 * i)
		} else {
			fixed |= uint64(shape[i]) << (8 * i)
		}
	}
	return digits, fixed
}

// The date and time of YYYY-MM-DDTHH:MM:SS as three overlapping words:
// bytes 0-7, 8-15 and 11-18.
var (
	fsDTDigits0, fsDTFixed0 = fsWordTemplate("DDDD-DD-")
	fsDTDigits1, fsDTFixed1 = fsWordTemplate("DDTDD:DD")
	fsDTDigits2, fsDTFixed2 = fsWordTemplate("DD:DD:DD")
)

// fsWordFits reports whether the little-endian word x has digits where
// digits is set and the fixed bytes elsewhere. A byte is a digit when its
// high nibble is 3 and its low nibble plus 6 stays below 16.
func fsWordFits(x, digits, fixed uint64) bool {
	const nibble3, low, six, carry = 0x3030303030303030, 0x0f0f0f0f0f0f0f0f, 0x0606060606060606, 0x1010101010101010
	return x&^digits == fixed && x&digits&^low == nibble3&digits && (x&digits&low+six)&carry&digits == 0
}

// fsCanonicalDateTime accepts YYYY-MM-DDTHH:MM:SS[.f+]Z with a valid date
// and time (what fsDateTimeFormat accepts of that shape, exactly, with
// seconds up to 59), in a few word operations: both walks call it first,
// and every result has two date-times.
func fsCanonicalDateTime(b []byte) bool {
	if len(b) < 20 || b[len(b)-1] != 'Z' {
		return false
	}
	if !fsWordFits(binary.LittleEndian.Uint64(b[0:8]), fsDTDigits0, fsDTFixed0) ||
		!fsWordFits(binary.LittleEndian.Uint64(b[8:16]), fsDTDigits1, fsDTFixed1) ||
		!fsWordFits(binary.LittleEndian.Uint64(b[11:19]), fsDTDigits2, fsDTFixed2) {
		return false
	}
	d2 := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	mo, d, h, mi, sec := d2(5), d2(8), d2(11), d2(14), d2(17)
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return false
	}
	if d > 28 && d > hubspot.DaysIn(mo, d2(0)*100+d2(2)) {
		return false
	}
	rest := b[19 : len(b)-1]
	if len(rest) == 0 {
		return true
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
