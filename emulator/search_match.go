package emulator

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// How search reads and compares a record's values.

// fieldValue is one property of one record version as search sees it.
type fieldValue struct {
	present bool
	num     int64  // valueDate, valueID
	numOK   bool   // num holds the value
	text    []byte // valueText, valueUnique (decoded)
}

// searchField reads property idx (of kind) from v; text is decoded into
// *buf, which it may grow.
func (e *Emulator) searchField(v *record, idx int, kind valueKind, buf *[]byte) fieldValue {
	switch kind {
	case valueID:
		return fieldValue{present: true, num: int64(v.id), numOK: true}
	case valueUnique:
		if e.schema.unique[v.uniqueSlot] != idx {
			return fieldValue{}
		}
		return fieldValue{present: true, text: v.unique()}
	}
	switch e.schema.props[idx].name {
	case hubspot.PropCreateDate:
		return fieldValue{present: true, num: v.created, numOK: true}
	case hubspot.PropLastModifiedDate:
		return fieldValue{present: true, num: v.updated, numOK: true}
	}
	raw, ok := e.rawValue(v, idx, nil)
	if !ok {
		return fieldValue{} // never written, or cleared
	}
	fv := fieldValue{present: true, text: raw}
	if bytes.IndexByte(raw, '\\') >= 0 {
		*buf = jsonscan.Unescape((*buf)[:0], raw)
		fv.text = *buf
	}
	if kind == valueDate {
		fv.num, fv.numOK = hubspot.ParseInstant(fv.text)
	}
	return fv
}

// matches reports whether value satisfies f.
func (f *searchFilter) matches(fv fieldValue) bool {
	switch f.op {
	case opHasProperty:
		return fv.present
	case opNotHasProperty:
		return !fv.present
	}
	if !fv.present {
		// A record without the property is "not equal" to anything (chosen).
		return f.op == opNEQ || f.op == opNotIn || f.op == opNotContainsToken
	}
	if f.op == opContainsToken || f.op == opNotContainsToken {
		text := fv.text
		if fv.numOK && (f.kind == valueID || f.kind == valueDate) {
			text = strconv.AppendInt(nil, fv.num, 10)
		}
		return containsToken(text, f.value) == (f.op == opContainsToken)
	}
	if f.kind == valueDate || f.kind == valueID {
		if !fv.numOK {
			return f.op == opNEQ || f.op == opNotIn
		}
		switch f.op {
		case opIn, opNotIn:
			return slices.Contains(f.nums, fv.num) == (f.op == opIn)
		case opBetween:
			return fv.num >= f.num && fv.num <= f.highNum
		}
		return compareOp(f.op, cmp.Compare(fv.num, f.num))
	}
	exact := f.kind == valueUnique
	switch f.op {
	case opIn, opNotIn:
		in := false
		for _, v := range f.values {
			if textEqual(fv.text, v, exact) {
				in = true
				break
			}
		}
		return in == (f.op == opIn)
	case opEQ:
		return textEqual(fv.text, f.value, exact)
	case opNEQ:
		return !textEqual(fv.text, f.value, exact)
	case opBetween:
		return compareText(fv.text, f.value) >= 0 && compareText(fv.text, f.high) <= 0
	}
	return compareOp(f.op, compareText(fv.text, f.value))
}

func textEqual(a []byte, b string, exact bool) bool {
	if exact {
		return string(a) == b
	}
	return bytes.EqualFold(a, []byte(b))
}

// compareText orders two values: as numbers when both are (owner ids,
// counts), else as case-folded text.
func compareText(a []byte, b string) int {
	if x, err := strconv.ParseFloat(string(a), 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(strings.ToLower(string(a)), strings.ToLower(b))
}

func compareOp(op searchOp, c int) bool {
	switch op {
	case opEQ:
		return c == 0
	case opNEQ:
		return c != 0
	case opLT:
		return c < 0
	case opLTE:
		return c <= 0
	case opGT:
		return c > 0
	case opGTE:
		return c >= 0
	}
	return false
}

// containsToken reports whether text has a word equal to token, ignoring
// case; a leading or trailing * in token matches any prefix or suffix of
// the word (HubSpot's wildcard).
func containsToken(text []byte, token string) bool {
	token = strings.ToLower(token)
	prefix := strings.HasSuffix(token, "*")
	suffix := strings.HasPrefix(token, "*")
	token = strings.Trim(token, "*")
	for _, w := range strings.FieldsFunc(strings.ToLower(string(text)), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f || r == '_' || r == '-' || r == '@' || r == '.')
	}) {
		switch {
		case prefix && suffix && strings.Contains(w, token),
			prefix && !suffix && strings.HasPrefix(w, token),
			suffix && !prefix && strings.HasSuffix(w, token),
			w == token:
			return true
		}
	}
	return false
}

// matchesQuery: every word of query appears, ignoring case, in the task's
// subject, body or unique value (a documented choice: HubSpot does not list
// which task properties its free-text query reads).
func (e *Emulator) matchesQuery(v *record, words []string, buf *[]byte) bool {
	hay := (*buf)[:0]
	for _, name := range []string{hubspot.PropTaskSubject, hubspot.PropTaskBody} {
		if raw, ok := lookupPacked(v.props(), uint8(e.schema.index[name])); ok {
			hay = appendLower(hay, jsonscan.Unescape(nil, raw))
			hay = append(hay, ' ')
		}
	}
	hay = appendLower(hay, v.unique())
	*buf = hay
	for _, w := range words {
		if !bytes.Contains(hay, []byte(w)) {
			return false
		}
	}
	return true
}

// appendLower appends src in lower case (without allocating for ASCII).
func appendLower(dst, src []byte) []byte {
	for _, c := range src {
		if c >= 0x80 {
			return append(dst, bytes.ToLower(src)...)
		}
	}
	for _, c := range src {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
