package load

import (
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// Two walks over an answer set the same facts. The compact walk reads the
// form encoders write — no whitespace, no escapes in member names, the
// expected types — in one pass with few calls, finding string ends on the
// Scanner's stop bitmap (built 64 bytes at a time in vector instructions):
// the end of a string without escapes is a shift and a count of trailing
// zeros. At the first thing outside that form it gives up, and the general
// walk, which reads any JSON (and refuses what encoding/json refuses),
// starts over on the same bitmap. Giving up is never an error: validity is
// the general walk's to decide, so the compact walk accepts only what the
// general walk accepts (FuzzExtract).

// compactDepth bounds the nesting the compact walk follows in values it
// skips; deeper is left to the general walk.
const compactDepth = 32

// compact reads sc's text in the compact form; false means "use the general
// walk" (out is then to be reset by it).
func (x *extractor) compact(sc *jsonscan.Scanner, out *answerFacts) bool {
	out.start(sc.Data)
	d := sc.Data
	if len(d) < 2 || d[0] != '{' {
		return false
	}
	p := 1
	if d[p] == '}' {
		return trailingSpace(d, p+1)
	}
	for {
		name, v, ok := compactKey(sc, p)
		if !ok {
			return false
		}
		switch {
		case string(name) == "results" && d[v] == '[':
			out.results = out.results[:0]
			p, ok = x.compactResults(sc, v, out)
		case string(name) == "errors" && d[v] == '[':
			out.failed, out.unnamedErrors = out.failed[:0], 0
			p, ok = x.compactErrors(sc, v, out)
		default:
			p, ok = compactSkip(sc, v, 0)
		}
		if !ok || p >= len(d) {
			return false
		}
		switch d[p] {
		case ',':
			p++
		case '}':
			return trailingSpace(d, p+1)
		default:
			return false
		}
	}
}

// compactKey reads `"name":` at p, name without escapes; v is where the
// value starts (not whitespace).
func compactKey(sc *jsonscan.Scanner, p int) (name []byte, v int, ok bool) {
	d := sc.Data
	if p >= len(d) || d[p] != '"' {
		return nil, 0, false
	}
	e := jsonscan.NextStop(sc.Stops(), len(d), p+1)
	if e+2 >= len(d) || d[e] != '"' || d[e+1] != ':' || d[e+2] <= ' ' {
		return nil, 0, false
	}
	return d[p+1 : e], e + 2, true
}

// compactStringEnd finds the end of the string whose quote is at p: on the
// bitmap when the string has no escapes, else by sc.String, which checks
// the escapes strictly. esc says the string has escapes.
func compactStringEnd(sc *jsonscan.Scanner, p int) (end int, esc, ok bool) {
	d := sc.Data
	if q := jsonscan.NextStop(sc.Stops(), len(d), p+1); q < len(d) && d[q] == '"' {
		return q + 1, false, true
	}
	return sc.String(p)
}

// compactString reads the string at p, decoded, and its raw span.
func compactString(sc *jsonscan.Scanner, p int, out *answerFacts) (val []byte, sp span, end int, ok bool) {
	d := sc.Data
	if p >= len(d) || d[p] != '"' {
		return nil, span{}, 0, false
	}
	end, esc, ok := compactStringEnd(sc, p)
	if !ok {
		return nil, span{}, 0, false
	}
	sp = span{int32(p + 1), int32(end - 1)}
	val = d[p+1 : end-1]
	if esc {
		val = out.unescape(val)
	}
	return val, sp, end, true
}

// next reads the ',' or the closing byte after a member or element at p.
func next(d []byte, p int, closing byte) (q int, more, ok bool) {
	if p >= len(d) {
		return p, false, false
	}
	switch d[p] {
	case ',':
		return p + 1, true, true
	case closing:
		return p + 1, false, true
	}
	return p, false, false
}

func (x *extractor) compactResults(sc *jsonscan.Scanner, p int, out *answerFacts) (int, bool) {
	d := sc.Data
	p++
	if p < len(d) && d[p] == ']' {
		return p + 1, true
	}
	for {
		if p >= len(d) || d[p] != '{' {
			return p, false
		}
		out.results = append(out.results, resultFacts{})
		var ok, more bool
		if p, ok = x.compactResult(sc, p, &out.results[len(out.results)-1], out); !ok {
			return p, false
		}
		if p, more, ok = next(d, p, ']'); !ok || !more {
			return p, ok
		}
	}
}

// Members of a result the extractor reads (resultMember).
const (
	memberOther = iota
	memberID
	memberNew
	memberUpdatedAt
	memberTrace
	memberProperties
)

// resultMember tells a result's member by its name's length first: one
// comparison of a constant for the members read, none for most others.
func resultMember(name []byte) int {
	switch len(name) {
	case 2:
		if string(name) == "id" {
			return memberID
		}
	case 3:
		if string(name) == "new" {
			return memberNew
		}
	case 9:
		if string(name) == "updatedAt" {
			return memberUpdatedAt
		}
	case 10:
		if string(name) == "properties" {
			return memberProperties
		}
	case 18:
		if string(name) == "objectWriteTraceId" {
			return memberTrace
		}
	}
	return memberOther
}

func (x *extractor) compactResult(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	d, st := sc.Data, sc.Stops()
	p++
	if p < len(d) && d[p] == '}' {
		return p + 1, true
	}
	for {
		if p >= len(d) || d[p] != '"' {
			return p, false
		}
		e := jsonscan.NextStop(st, len(d), p+1)
		v := e + 2
		if v >= len(d) || d[e] != '"' || d[e+1] != ':' {
			return p, false
		}
		var ok bool
		switch resultMember(d[p+1 : e]) {
		case memberID:
			var val []byte
			var sp span
			if val, sp, p, ok = compactString(sc, v, out); !ok {
				return p, false
			}
			x.setID(r, val, sp)
		case memberNew:
			switch {
			case len(d)-v >= 4 && string(d[v:v+4]) == "true":
				r.setNew(true)
				p = v + 4
			case len(d)-v >= 5 && string(d[v:v+5]) == "false":
				r.setNew(false)
				p = v + 5
			default:
				return p, false
			}
		case memberUpdatedAt:
			var val []byte
			if val, _, p, ok = compactString(sc, v, out); !ok {
				return p, false
			}
			r.setUpdated(val, out)
		case memberTrace:
			var val []byte
			var sp span
			if val, sp, p, ok = compactString(sc, v, out); !ok {
				return p, false
			}
			x.setTrace(r, val, sp)
		case memberProperties:
			if d[v] != '{' {
				return p, false
			}
			r.startProperties()
			if p, ok = x.compactProperties(sc, v, r, out); !ok {
				return p, false
			}
		default:
			if q := jsonscan.NextStop(st, len(d), v+1); d[v] == '"' && q < len(d) && d[q] == '"' {
				p = q + 1 // a string without escapes (createdAt, url)
			} else if p, ok = compactSkip(sc, v, 0); !ok {
				return p, false
			}
		}
		if p >= len(d) {
			return p, false
		}
		switch d[p] {
		case ',':
			p++
		case '}':
			return p + 1, true
		default:
			return p, false
		}
	}
}

// compactProperties reads a result's properties: the answer's bulk, about
// fifteen members per result, most of them not ones the engine wrote. A
// member name is told by propKind without a string comparison, and the
// value of a property the engine does not read is skipped, never decoded.
func (x *extractor) compactProperties(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	d, st := sc.Data, sc.Stops()
	p++
	if p < len(d) && d[p] == '}' {
		return p + 1, true
	}
	for {
		if p >= len(d) || d[p] != '"' {
			return p, false
		}
		e := jsonscan.NextStop(st, len(d), p+1)
		v := e + 2
		if v >= len(d) || d[e] != '"' || d[e+1] != ':' {
			return p, false
		}
		kind := x.propKind(d, p+1, e)
		switch d[v] {
		case '"':
			end, esc := 0, false
			if q := jsonscan.NextStop(st, len(d), v+1); q < len(d) && d[q] == '"' {
				end = q + 1
			} else {
				var ok bool
				if end, esc, ok = sc.String(v); !ok {
					return end, false
				}
			}
			if kind != propOther {
				x.setProp(r, kind, span{int32(v + 1), int32(end - 1)}, esc, out)
			}
			p = end
		case 'n':
			if len(d)-v < 4 || string(d[v:v+4]) != "null" {
				return v, false
			}
			x.nonStringProp(r, kind)
			p = v + 4
		default:
			return v, false
		}
		if p >= len(d) {
			return p, false
		}
		switch d[p] {
		case ',':
			p++
		case '}':
			return p + 1, true
		default:
			return p, false
		}
	}
}

func (x *extractor) compactErrors(sc *jsonscan.Scanner, p int, out *answerFacts) (int, bool) {
	d := sc.Data
	p++
	if p < len(d) && d[p] == ']' {
		return p + 1, true
	}
	for {
		if p >= len(d) || d[p] != '{' {
			return p, false
		}
		named := 0
		var ok, more bool
		if p, ok = x.compactErrorEntry(sc, p, out, &named); !ok {
			return p, false
		}
		if named == 0 {
			out.unnamedErrors++
		}
		if p, more, ok = next(d, p, ']'); !ok || !more {
			return p, ok
		}
	}
}

func (x *extractor) compactErrorEntry(sc *jsonscan.Scanner, p int, out *answerFacts, named *int) (int, bool) {
	d := sc.Data
	p++
	if p < len(d) && d[p] == '}' {
		return p + 1, true
	}
	for {
		name, v, ok := compactKey(sc, p)
		if !ok {
			return p, false
		}
		if string(name) == "context" && d[v] == '{' {
			p, ok = x.compactErrorContext(sc, v, out, named)
		} else {
			p, ok = compactSkip(sc, v, 0)
		}
		if !ok {
			return p, false
		}
		var more bool
		if p, more, ok = next(d, p, '}'); !ok || !more {
			return p, ok
		}
	}
}

func (x *extractor) compactErrorContext(sc *jsonscan.Scanner, p int, out *answerFacts, named *int) (int, bool) {
	d := sc.Data
	p++
	if p < len(d) && d[p] == '}' {
		return p + 1, true
	}
	for {
		name, v, ok := compactKey(sc, p)
		if !ok {
			return p, false
		}
		if string(name) != "objectWriteTraceId" || d[v] != '[' {
			if p, ok = compactSkip(sc, v, 0); !ok {
				return p, false
			}
		} else if p, ok = x.compactTraceList(sc, v, out, named); !ok {
			return p, false
		}
		var more bool
		if p, more, ok = next(d, p, '}'); !ok || !more {
			return p, ok
		}
	}
}

func (x *extractor) compactTraceList(sc *jsonscan.Scanner, p int, out *answerFacts, named *int) (int, bool) {
	d := sc.Data
	p++
	if p < len(d) && d[p] == ']' {
		return p + 1, true
	}
	for {
		var ok, more bool
		if p < len(d) && d[p] == '"' {
			var val []byte
			if val, _, p, ok = compactString(sc, p, out); !ok {
				return p, false
			}
			if x.failedTrace(val, out) {
				*named++
			}
		} else if p, ok = compactSkip(sc, p, 0); !ok {
			return p, false
		}
		if p, more, ok = next(d, p, ']'); !ok || !more {
			return p, ok
		}
	}
}

// compactSkip skips any compact value at p, checking its syntax.
func compactSkip(sc *jsonscan.Scanner, p, depth int) (int, bool) {
	d := sc.Data
	if p >= len(d) {
		return p, false
	}
	switch c := d[p]; {
	case c == '"':
		end, _, ok := compactStringEnd(sc, p)
		return end, ok
	case c == 't':
		return literal(d, p, "true")
	case c == 'f':
		return literal(d, p, "false")
	case c == 'n':
		return literal(d, p, "null")
	case c == '-' || c >= '0' && c <= '9':
		return jsonscan.NumberAt(d, p)
	case c == '{':
		if depth >= compactDepth {
			return p, false
		}
		p++
		if p < len(d) && d[p] == '}' {
			return p + 1, true
		}
		for {
			if p >= len(d) || d[p] != '"' {
				return p, false
			}
			end, _, ok := compactStringEnd(sc, p)
			if !ok || end+1 >= len(d) || d[end] != ':' {
				return p, false
			}
			if p, ok = compactSkip(sc, end+1, depth+1); !ok {
				return p, false
			}
			var more bool
			if p, more, ok = next(d, p, '}'); !ok || !more {
				return p, ok
			}
		}
	case c == '[':
		if depth >= compactDepth {
			return p, false
		}
		p++
		if p < len(d) && d[p] == ']' {
			return p + 1, true
		}
		for {
			var ok, more bool
			if p, ok = compactSkip(sc, p, depth+1); !ok {
				return p, false
			}
			if p, more, ok = next(d, p, ']'); !ok || !more {
				return p, ok
			}
		}
	}
	return p, false
}

func literal(d []byte, p int, word string) (int, bool) {
	if len(d)-p >= len(word) && string(d[p:p+len(word)]) == word {
		return p + len(word), true
	}
	return p, false
}

// trailingSpace reports whether only whitespace follows p.
func trailingSpace(d []byte, p int) bool {
	for ; p < len(d); p++ {
		switch d[p] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// general reads any JSON answer, with the bitmap of sc.
func (x *extractor) general(sc *jsonscan.Scanner, out *answerFacts) error {
	out.start(sc.Data)
	d := sc.Data
	p := sc.Space(0)
	if sc.KindAt(p) != jsonscan.Object {
		return errUnreadableAnswer
	}
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			break
		}
		name := x.key(sc, &it, k, out)
		var end int
		switch {
		case string(name) == "results" && sc.KindAt(v) == jsonscan.Array:
			out.results = out.results[:0] // a repeated member: the last one counts, as in encoding/json
			end, ok = x.results(sc, v, out)
		case string(name) == "errors" && sc.KindAt(v) == jsonscan.Array:
			out.failed, out.unnamedErrors = out.failed[:0], 0
			end, ok = x.errors(sc, v, out)
		default:
			end, ok = sc.Value(v)
		}
		if !ok {
			return errUnreadableAnswer
		}
		it.Continue(end)
	}
	end, ok := it.End()
	if !ok || sc.Space(end) != len(d) {
		return errUnreadableAnswer
	}
	return nil
}

// key returns the decoded name of the member whose key starts at k.
func (x *extractor) key(sc *jsonscan.Scanner, it *jsonscan.MemberIter, k int, out *answerFacts) []byte {
	raw := sc.Data[k+1 : it.KeyEnd-1]
	if !it.KeyEscaped {
		return raw
	}
	return out.unescape(raw)
}

// stringAt decodes the string whose quote is at p; end is past it.
func (x *extractor) stringAt(sc *jsonscan.Scanner, p int, out *answerFacts) (val []byte, raw span, end int, ok bool) {
	end, esc, ok := sc.String(p)
	if !ok {
		return nil, span{}, end, false
	}
	raw = span{int32(p + 1), int32(end - 1)}
	val = sc.Data[p+1 : end-1]
	if esc {
		val = out.unescape(val)
	}
	return val, raw, end, true
}

func (x *extractor) results(sc *jsonscan.Scanner, p int, out *answerFacts) (int, bool) {
	el := sc.Elements(p)
	for {
		q, ok := el.Next()
		if !ok {
			return el.End()
		}
		out.results = append(out.results, resultFacts{})
		end, ok := x.result(sc, q, &out.results[len(out.results)-1], out)
		if !ok {
			return end, false
		}
		el.Continue(end)
	}
}

func (x *extractor) result(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	if sc.KindAt(p) != jsonscan.Object {
		r.flags |= factMalformed
		return sc.Value(p)
	}
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			return it.End()
		}
		name := x.key(sc, &it, k, out)
		kind := sc.KindAt(v)
		var end int
		switch resultMember(name) {
		case memberID:
			if kind != jsonscan.String {
				r.badID()
				break
			}
			var val []byte
			var sp span
			if val, sp, end, ok = x.stringAt(sc, v, out); !ok {
				return end, false
			}
			x.setID(r, val, sp)
			it.Continue(end)
			continue
		case memberNew:
			if kind != jsonscan.Bool {
				r.badNew()
				break
			}
			r.setNew(sc.Data[v] == 't')
		case memberUpdatedAt:
			if kind != jsonscan.String {
				r.badUpdated()
				break
			}
			var val []byte
			if val, _, end, ok = x.stringAt(sc, v, out); !ok {
				return end, false
			}
			r.setUpdated(val, out)
			it.Continue(end)
			continue
		case memberTrace:
			if kind != jsonscan.String {
				r.badTrace()
				break
			}
			var val []byte
			var sp span
			if val, sp, end, ok = x.stringAt(sc, v, out); !ok {
				return end, false
			}
			x.setTrace(r, val, sp)
			it.Continue(end)
			continue
		case memberProperties:
			r.startProperties()
			if kind != jsonscan.Object {
				r.flags |= factMalformed
				break
			}
			if end, ok = x.properties(sc, v, r, out); !ok {
				return end, false
			}
			it.Continue(end)
			continue
		}
		if end, ok = sc.Value(v); !ok {
			return end, false
		}
		it.Continue(end)
	}
}

func (x *extractor) properties(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			return it.End()
		}
		name := x.key(sc, &it, k, out)
		kind := x.propKind(name, 0, len(name))
		if sc.KindAt(v) != jsonscan.String {
			end, ok := sc.Value(v)
			if !ok {
				return end, false
			}
			x.nonStringProp(r, kind)
			it.Continue(end)
			continue
		}
		end, esc, ok := sc.String(v)
		if !ok {
			return end, false
		}
		if kind != propOther {
			x.setProp(r, kind, span{int32(v + 1), int32(end - 1)}, esc, out)
		}
		it.Continue(end)
	}
}

func (x *extractor) errors(sc *jsonscan.Scanner, p int, out *answerFacts) (int, bool) {
	el := sc.Elements(p)
	for {
		q, ok := el.Next()
		if !ok {
			return el.End()
		}
		named := 0
		var end int
		if sc.KindAt(q) == jsonscan.Object {
			end, ok = x.errorEntry(sc, q, out, &named)
		} else {
			end, ok = sc.Value(q)
		}
		if !ok {
			return end, false
		}
		if named == 0 {
			out.unnamedErrors++
		}
		el.Continue(end)
	}
}

// errorEntry reads context.objectWriteTraceId of one 207 error entry.
func (x *extractor) errorEntry(sc *jsonscan.Scanner, p int, out *answerFacts, named *int) (int, bool) {
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			return it.End()
		}
		var end int
		if string(x.key(sc, &it, k, out)) == "context" && sc.KindAt(v) == jsonscan.Object {
			end, ok = x.errorContext(sc, v, out, named)
		} else {
			end, ok = sc.Value(v)
		}
		if !ok {
			return end, false
		}
		it.Continue(end)
	}
}

func (x *extractor) errorContext(sc *jsonscan.Scanner, p int, out *answerFacts, named *int) (int, bool) {
	it := sc.Members(p)
	for {
		k, v, ok := it.Next()
		if !ok {
			return it.End()
		}
		if string(x.key(sc, &it, k, out)) != "objectWriteTraceId" || sc.KindAt(v) != jsonscan.Array {
			end, ok := sc.Value(v)
			if !ok {
				return end, false
			}
			it.Continue(end)
			continue
		}
		el := sc.Elements(v)
		for {
			q, ok := el.Next()
			if !ok {
				break
			}
			var end int
			if sc.KindAt(q) == jsonscan.String {
				var val []byte
				if val, _, end, ok = x.stringAt(sc, q, out); !ok {
					return end, false
				}
				if x.failedTrace(val, out) {
					*named++
				}
			} else if end, ok = sc.Value(q); !ok {
				return end, false
			}
			el.Continue(end)
		}
		end, ok := el.End()
		if !ok {
			return end, false
		}
		it.Continue(end)
	}
}
