package contract

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The walk: one pass over the answer in place, judging each value by its
// compiled node with jsonschema's rules (libopenapi-validator's engine), in
// its order — type first, then enum, then format, each ending the value's
// checks when it fails; then the members of an object (required, then
// each member by its property schema or additionalProperties) or the
// elements of an array. Numbers are read as encoding/json reads them into
// an any (float64), since that is what the library validates: a number
// float64 cannot hold makes the body not valid JSON, as it does there.

// fsFailure is one failing location.
type fsFailure struct {
	pointer    string
	message    string
	schemaPath string
}

// fsPathTok is one step of the current location: a member name (its raw
// text in the body) or an array index.
type fsPathTok struct {
	lo, hi  int
	escaped bool
	index   int // -1 for a member
}

// fsWalk is the state of one validation.
type fsWalk struct {
	sc       *jsonscan.Scanner
	path     []fsPathTok
	failures []fsFailure
	// syntax is set when the body is not what json.Unmarshal accepts.
	syntax  bool
	scratch []byte
	seen    []bool // required props found, per node on the stack
	// stops is sc's stop bitmap, for the accepting walk.
	stops []uint64
}

func (w *fsWalk) reset(sc *jsonscan.Scanner) {
	w.sc = sc
	w.stops = sc.Stops()
	w.path = w.path[:0]
	w.failures = w.failures[:0]
	w.syntax = false
	w.scratch = w.scratch[:0]
	w.seen = w.seen[:0]
}

// pointer renders the current location as the library's findings do:
// jsonschema's instance location (an RFC 6901 pointer), cut into segments
// the way libopenapi-validator cuts it (leading and trailing slashes
// trimmed, escapes kept) and joined again by contract's findings (each
// segment escaped). For ordinary member names that is the plain pointer;
// empty names and names with '/' or '~' come out as the library writes
// them.
func (w *fsWalk) pointer() string {
	if len(w.path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range w.path {
		b.WriteByte('/')
		if t.index >= 0 {
			b.WriteString(strconv.Itoa(t.index))
			continue
		}
		raw := w.sc.Data[t.lo:t.hi]
		if t.escaped || !w.sc.ASCII() && !jsonscan.IsASCII(raw) {
			raw = jsonscan.Unescape(nil, raw)
		}
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(string(raw), "~", "~0"), "/", "~1"))
	}
	loc := b.String()
	segs := strings.Split(strings.Trim(loc, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return ""
	}
	return jsonPointerFromSegments(segs)
}

func (w *fsWalk) fail(n *fsNode, keyword, msg string) {
	w.failures = append(w.failures, fsFailure{pointer: w.pointer(), message: msg, schemaPath: n.ptr + "/" + keyword})
}

// str returns the decoded string whose quote is at p, and its end.
func (w *fsWalk) str(p int) (val []byte, end int, ok bool) {
	end, esc, ok := w.sc.String(p)
	if !ok {
		return nil, end, false
	}
	raw := w.sc.Data[p+1 : end-1]
	if !esc && (w.sc.ASCII() || jsonscan.IsASCII(raw)) {
		return raw, end, true
	}
	start := len(w.scratch)
	w.scratch = jsonscan.Unescape(w.scratch, raw)
	return w.scratch[start:], end, true
}

// number reads the number at p as encoding/json does (float64).
func (w *fsWalk) number(p int) (float64, int, bool) {
	end, ok := w.sc.Number(p)
	if !ok {
		return 0, end, false
	}
	f, err := strconv.ParseFloat(string(w.sc.Data[p:end]), 64)
	if err != nil {
		return 0, end, false
	}
	return f, end, true
}

// any skips any value, with encoding/json's syntax and number rules.
func (w *fsWalk) any(p, depth int) (int, bool) {
	sc := w.sc
	switch sc.KindAt(p) {
	case jsonscan.Number:
		_, end, ok := w.number(p)
		return end, ok
	case jsonscan.Object:
		if depth >= jsonscan.MaxDepth {
			return p, false
		}
		it := sc.Members(p)
		for {
			_, v, ok := it.Next()
			if !ok {
				return it.End()
			}
			end, ok := w.any(v, depth+1)
			if !ok {
				return end, false
			}
			it.Continue(end)
		}
	case jsonscan.Array:
		if depth >= jsonscan.MaxDepth {
			return p, false
		}
		el := sc.Elements(p)
		for {
			q, ok := el.Next()
			if !ok {
				return el.End()
			}
			end, ok := w.any(q, depth+1)
			if !ok {
				return end, false
			}
			el.Continue(end)
		}
	}
	return sc.Value(p) // strings and literals
}

var fsKindNames = [...]string{jsonscan.Object: "object", jsonscan.Array: "array", jsonscan.String: "string",
	jsonscan.Number: "number", jsonscan.Bool: "boolean", jsonscan.Null: "null"}

// value validates the value at p against n and returns its end; false is a
// syntax error (w.syntax set), not a schema failure.
func (w *fsWalk) value(n *fsNode, p, depth int) (int, bool) {
	sc := w.sc
	k := sc.KindAt(p)
	if k == jsonscan.Invalid {
		return p, w.bad()
	}
	if n == nil {
		return w.anyOrBad(p, depth)
	}
	// Scalars are read once, for type, enum and format alike.
	var (
		str    []byte
		num    float64
		end    int
		ok     bool
		scalar bool
	)
	switch k {
	case jsonscan.String:
		// Only enum and format look at a string's value; for the rest (most
		// properties) finding its end is all: nothing is decoded.
		if n.hasEnum || n.format == fsDateTime || n.format == fsUUID {
			str, end, ok = w.str(p)
		} else {
			end, _, ok = sc.String(p)
		}
		if !ok {
			return end, w.bad()
		}
		scalar = true
	case jsonscan.Number:
		if num, end, ok = w.number(p); !ok {
			return end, w.bad()
		}
		scalar = true
	case jsonscan.Bool, jsonscan.Null:
		if end, ok = sc.Value(p); !ok {
			return end, w.bad()
		}
		scalar = true
	}
	skip := func() (int, bool) {
		if scalar {
			return end, true
		}
		return w.anyOrBad(p, depth)
	}

	if n.types != 0 {
		t := fsTypeOf(k)
		matched := n.types&t != 0 || (k == jsonscan.Number && n.types&fsInteger != 0 && isWhole(num))
		if !matched {
			w.fail(n, "type", fmt.Sprintf("got %s, want %s", fsKindNames[k], n.typeWant))
			return skip()
		}
	}
	if n.hasEnum {
		matched := false
		switch k {
		case jsonscan.String:
			for _, e := range n.enum {
				if e == string(str) {
					matched = true
					break
				}
			}
		case jsonscan.Null:
			matched = n.enumNull
		}
		if !matched {
			w.fail(n, "enum", n.enumMsg)
			return skip()
		}
	}
	if n.format != fsNoFormat {
		var err error
		switch {
		case k == jsonscan.String && n.format == fsDateTime:
			err = fsDateTimeFormat(str)
		case k == jsonscan.String && n.format == fsUUID:
			err = fsUUIDFormat(string(str))
		case k == jsonscan.Number && n.format == fsInt32:
			err = fsIntegerFormat(num, math.MinInt32, math.MaxInt32)
		case k == jsonscan.Number && n.format == fsInt64:
			err = fsIntegerFormat(num, math.MinInt64, math.MaxInt64)
		}
		if err != nil {
			got := ""
			if k == jsonscan.String {
				got = jsQuote(string(str))
			} else {
				got = fmt.Sprintf("%v", num)
			}
			w.fail(n, "format", fmt.Sprintf("%s is not valid %s: %v", got, n.fmtName, err))
			return skip()
		}
	}
	switch {
	case scalar:
		return end, true
	case k == jsonscan.Object && n.object:
		return w.object(n, p, depth)
	case k == jsonscan.Array && n.items != nil:
		return w.array(n, p, depth)
	}
	return w.anyOrBad(p, depth)
}

func (w *fsWalk) bad() bool {
	w.syntax = true
	return false
}

func (w *fsWalk) anyOrBad(p, depth int) (int, bool) {
	end, ok := w.any(p, depth)
	if !ok {
		w.syntax = true
	}
	return end, ok
}

func (w *fsWalk) object(n *fsNode, p, depth int) (int, bool) {
	if depth >= jsonscan.MaxDepth {
		return p, w.bad()
	}
	sc := w.sc
	base := len(w.seen)
	for range len(n.props) + len(n.reqOutside) {
		w.seen = append(w.seen, false)
	}
	seen := w.seen[base:]
	var extra []string
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			break
		}
		raw := sc.Data[k+1 : it.KeyEnd-1]
		name := raw
		if it.KeyEscaped || !sc.ASCII() && !jsonscan.IsASCII(raw) {
			name = jsonscan.Unescape(nil, raw)
		}
		child := n.addl
		if i, found := n.prop(name); found {
			seen[i] = true
			child = n.props[i].node
		} else {
			for j, r := range n.reqOutside {
				if r == string(name) {
					seen[len(n.props)+j] = true
				}
			}
			if n.addlFalse {
				extra = append(extra, string(name))
				child = nil
			}
		}
		w.path = append(w.path, fsPathTok{lo: k + 1, hi: it.KeyEnd - 1, escaped: it.KeyEscaped, index: -1})
		end, ok := w.value(child, v, depth+1)
		w.path = w.path[:len(w.path)-1]
		if !ok {
			w.seen = w.seen[:base]
			return end, false
		}
		it.Continue(end)
	}
	end, ok := it.End()
	if !ok {
		w.seen = w.seen[:base]
		return end, w.bad()
	}
	// required, named in the schema's order, as jsonschema reports them
	var missing []string
	for _, r := range n.required {
		if i, found := n.prop([]byte(r)); found {
			if !seen[i] {
				missing = append(missing, r)
			}
			continue
		}
		for j, o := range n.reqOutside {
			if o == r && !seen[len(n.props)+j] {
				missing = append(missing, r)
			}
		}
	}
	w.seen = w.seen[:base]
	if len(missing) > 0 {
		// The library reports the object; contract's findings name each
		// missing property at its own pointer.
		here := w.pointer()
		for _, m := range missing {
			w.failures = append(w.failures, fsFailure{pointer: here + "/" + jsonPointerEscape(m),
				message: fmt.Sprintf("required property %q is missing", m), schemaPath: n.ptr + "/required"})
		}
	}
	if len(extra) > 0 {
		quoted := make([]string, len(extra))
		for i, e := range extra {
			quoted[i] = jsQuote(e)
		}
		w.fail(n, "additionalProperties", "additional properties "+strings.Join(quoted, ", ")+" not allowed")
	}
	return end, true
}

func (w *fsWalk) array(n *fsNode, p, depth int) (int, bool) {
	if depth >= jsonscan.MaxDepth {
		return p, w.bad()
	}
	el := w.sc.Elements(p)
	for i := 0; ; i++ {
		q, ok := el.Next()
		if !ok {
			break
		}
		w.path = append(w.path, fsPathTok{index: i})
		end, ok := w.value(n.items, q, depth+1)
		w.path = w.path[:len(w.path)-1]
		if !ok {
			return end, false
		}
		el.Continue(end)
	}
	end, ok := el.End()
	if !ok {
		return end, w.bad()
	}
	return end, true
}

func fsTypeOf(k jsonscan.Kind) fsType {
	switch k {
	case jsonscan.Object:
		return fsObject
	case jsonscan.Array:
		return fsArray
	case jsonscan.String:
		return fsString
	case jsonscan.Number:
		return fsNumber
	case jsonscan.Bool:
		return fsBoolean
	}
	return fsNull
}

// isWhole is jsonschema's integer test for a float64 (a finite value with
// no fraction; what it decides through big.Rat of the printed number).
func isWhole(f float64) bool { return f == math.Trunc(f) && !math.IsInf(f, 0) }

// fsIntegerFormat is libopenapi-validator's int32/int64 format check for a
// float64.
func fsIntegerFormat(f float64, lo, hi int64) error {
	if f == math.Trunc(f) && f >= float64(lo) && f < float64(hi)+1 {
		return nil
	}
	return fmt.Errorf("must be a whole number from %d to %d", lo, hi)
}

// fsUUIDFormat is jsonschema's uuid format check, message for message.
func fsUUIDFormat(s string) error {
	hexGroups := []int{8, 4, 4, 4, 12}
	groups := strings.Split(s, "-")
	if len(groups) != len(hexGroups) {
		return fmt.Errorf("must have %d elements", len(hexGroups))
	}
	for i, group := range groups {
		if len(group) != hexGroups[i] {
			return fmt.Errorf("element %d must be %d characters long", i+1, hexGroups[i])
		}
		for _, ch := range group {
			switch {
			case ch >= '0' && ch <= '9':
			case ch >= 'a' && ch <= 'f':
			case ch >= 'A' && ch <= 'F':
			default:
				return fmt.Errorf("non-hex character %q", ch)
			}
		}
	}
	return nil
}

// fsDateTimeFormat is jsonschema's date-time format check (RFC 3339 as it
// reads it), message for message. The usual shape,
// 2006-01-02T15:04:05.000Z, is accepted without building strings.
func fsDateTimeFormat(b []byte) error {
	if fsCanonicalDateTime(b) {
		return nil
	}
	return fsDateTimeString(string(b))
}

// fsDateTimeString is jsonschema's date-time check itself, for any string
// (fsCanonicalDateTime is its short cut for the usual shape).
func fsDateTimeString(s string) error {
	if len(s) < 20 {
		return errors.New("less than 20 characters long")
	}
	if s[10] != 't' && s[10] != 'T' {
		return errors.New("11th character must be t or T")
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return fmt.Errorf("invalid date element: %v", err)
	}
	if err := fsTimeFormat(s[11:]); err != nil {
		return fmt.Errorf("invalid time element: %v", err)
	}
	return nil
}

// fsTimeFormat is jsonschema's validateTime.
func fsTimeFormat(str string) error {
	if len(str) < 9 {
		return errors.New("less than 9 characters long")
	}
	if str[2] != ':' || str[5] != ':' {
		return errors.New("missing colon in correct place")
	}
	var hms []int
	for _, tok := range strings.SplitN(str[:8], ":", 3) {
		i, err := strconv.Atoi(tok)
		if err != nil {
			return errors.New("invalid hour/min/sec")
		}
		if i < 0 {
			return errors.New("non-positive hour/min/sec")
		}
		hms = append(hms, i)
	}
	if len(hms) != 3 {
		return errors.New("missing hour/min/sec")
	}
	h, m, s := hms[0], hms[1], hms[2]
	if h > 23 || m > 59 || s > 60 {
		return errors.New("hour/min/sec out of range")
	}
	str = str[8:]
	if rem, ok := strings.CutPrefix(str, "."); ok {
		numDigits := 0
		for _, ch := range rem {
			if ch >= '0' && ch <= '9' {
				numDigits++
			} else {
				break
			}
		}
		if numDigits == 0 {
			return errors.New("no digits in second fraction")
		}
		str = rem[numDigits:]
	}
	if str != "z" && str != "Z" {
		if len(str) != 6 {
			return errors.New("offset must be 6 characters long")
		}
		var sign int
		switch str[0] {
		case '+':
			sign = -1
		case '-':
			sign = +1
		default:
			return errors.New("offset must begin with plus/minus")
		}
		str = str[1:]
		if str[2] != ':' {
			return errors.New("missing colon in offset in correct place")
		}
		var zhm []int
		for _, tok := range strings.SplitN(str, ":", 2) {
			i, err := strconv.Atoi(tok)
			if err != nil {
				return errors.New("invalid hour/min in offset")
			}
			if i < 0 {
				return errors.New("non-positive hour/min in offset")
			}
			zhm = append(zhm, i)
		}
		zh, zm := zhm[0], zhm[1]
		if zh > 23 || zm > 59 {
			return errors.New("hour/min in offset out of range")
		}
		hm := (h*60 + m) + sign*(zh*60+zm)
		if hm < 0 {
			hm += 24 * 60
		}
		h, m = hm/60, hm%60
	}
	if s >= 60 && (h != 23 || m != 59) {
		return errors.New("invalid leap second")
	}
	return nil
}
