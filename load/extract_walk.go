package load

import (
	"math/bits"

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

// compactResult reads one result whose '{' is at p. resultFast walks its
// members without a call, recording the string members the invariants
// read (resultRec); the caller reads the properties (compactProperties),
// members resultFast leaves (resultMemberSlow) and sets the recorded ones
// (flush) when the result ends or a member repeats.
func (x *extractor) compactResult(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	d := sc.Data
	p++
	if p >= len(d)-1 {
		return p, false
	}
	switch d[p] {
	case '}':
		return p + 1, true
	case '"':
	default:
		return p, false
	}
	var rec resultRec
	atName := true
	for {
		var stop resultStop
		p, stop = resultFast(rawTextOf(d), sc.StopBits(), len(d), p, atName, r, &rec)
		switch stop {
		case resultEnd:
			x.flush(r, &rec, out)
			return p, true
		case resultProperties:
			r.startProperties()
			var ok bool
			if p, ok = x.compactProperties(sc, p, r, out); !ok {
				return p, false
			}
			atName = false
		case resultSlow:
			x.flush(r, &rec, out)
			var ok bool
			if p, ok = x.resultMemberSlow(sc, p, r, out); !ok {
				return p, false
			}
			atName = false
		default:
			return p, false
		}
	}
}

// resultRec holds the string members of a result resultFast found, until
// flush sets them: their raw spans, with hi = 0 for none.
type resultRec struct {
	id, updated, trace span
}

// flush sets the members rec holds on r and empties it. resultFast
// records only strings without escapes, so their raw text is their value.
func (x *extractor) flush(r *resultFacts, rec *resultRec, out *answerFacts) {
	b := out.body
	if sp := rec.id; sp.hi != 0 {
		x.setID(r, b[sp.lo:sp.hi], sp)
	}
	if sp := rec.updated; sp.hi != 0 {
		r.setUpdated(b[sp.lo:sp.hi], out)
	}
	if sp := rec.trace; sp.hi != 0 {
		x.setTrace(r, b[sp.lo:sp.hi], sp)
	}
	*rec = resultRec{}
}

// resultStop says why resultFast stopped.
type resultStop uint8

const (
	resultEnd        resultStop = iota // past the result's '}'
	resultProperties                   // at the properties' '{'
	resultSlow                         // at a member's name for resultMemberSlow (after flush)
	resultGiveUp                       // at something the compact walk does not read
)

// Result member names as words (little-endian), for resultFast.
const (
	wordQuotedID   = '"' | 'i'<<8 | 'd'<<16 | '"'<<24 // `"id"`
	wordNewQuote   = 'n' | 'e'<<8 | 'w'<<16 | '"'<<24 // `new"`
	wordTrue       = 't' | 'r'<<8 | 'u'<<16 | 'e'<<24
	wordFals       = 'f' | 'a'<<8 | 'l'<<16 | 's'<<24
	wordUpdatedA   = 'u' | 'p'<<8 | 'd'<<16 | 'a'<<24 | 't'<<32 | 'e'<<40 | 'd'<<48 | 'A'<<56
	wordProperti   = 'p' | 'r'<<8 | 'o'<<16 | 'p'<<24 | 'e'<<32 | 'r'<<40 | 't'<<48 | 'i'<<56
	wordTies       = 't' | 'i'<<8 | 'e'<<16 | 's'<<24
	wordObjectWr   = 'o' | 'b'<<8 | 'j'<<16 | 'e'<<24 | 'c'<<32 | 't'<<40 | 'W'<<48 | 'r'<<56
	wordIteTrace   = 'i' | 't'<<8 | 'e'<<16 | 'T'<<24 | 'r'<<32 | 'a'<<40 | 'c'<<48 | 'e'<<56
	wordTraceIdEnd = 'c' | 'e'<<8 | 'I'<<16 | 'd'<<24 // the last four bytes of objectWriteTraceId
)

// resultFastGo walks a result's members from p: a name's quote when atName,
// else the ',' or '}' after a member's value (p ≤ n, the text's length).
// It records id, updatedAt and objectWriteTraceId in rec and sets new on
// r, and stops at the properties, at the result's end, and at anything it
// cannot read without a call: a repeated recorded member (so that they
// are set in document order), a string with escapes, a value other than
// a string or a literal. Loads are unchecked (extract_raw.go): the comment
// at each says why it is inside the text. resultFast (extract_result_*.go)
// runs it, or on amd64 its assembly twin, which does exactly the same.
func resultFastGo(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop) {
	// The stops are taken off the bitmap's word one by one, as in
	// propsFast (popStop): sw holds the stops from p on (p ≤ n), and every
	// stop up to the result's end is a quote the walk meets in order.
	ws := p >> 6
	sw := st.Word(ws) & (^uint64(0) << (uint(p) & 63))
	if atName {
		_, ws, sw = popStop(st, ws, sw) // the name's quote at p
	}
	for {
		if atName {
			// Here d[p] is a name's opening quote, p+1 < n, and sw holds
			// the stops after it.
			lo := p + 1
			var e int
			if e, ws, sw = popStop(st, ws, sw); e > n-4 {
				return p, resultGiveUp
			}
			if t.u32(e)&0xffff != wordNameEnd { // e+4 ≤ n
				return p, resultGiveUp
			}
			v := e + 2
			member := memberOther
			switch e - lo {
			case 2:
				if t.u32(p) == wordQuotedID { // p+4 = e+1 ≤ n
					member = memberID
				}
			case 3:
				if t.u32(lo) == wordNewQuote { // lo+4 = e+1 ≤ n
					member = memberNew
				}
			case 9:
				if t.u64(lo) == wordUpdatedA && t.at(lo+8) == 't' { // lo+9 = e ≤ n
					member = memberUpdatedAt
				}
			case 10:
				if t.u64(lo) == wordProperti && t.u32(lo+6) == wordTies { // lo+10 = e ≤ n
					member = memberProperties
				}
			case 18:
				if t.u64(lo) == wordObjectWr && t.u64(lo+8) == wordIteTrace && t.u32(lo+14) == wordTraceIdEnd { // lo+18 = e ≤ n
					member = memberTrace
				}
			}
			switch c := t.at(v); { // v = e+2 < n
			case member == memberProperties:
				if c != '{' {
					return p, resultGiveUp
				}
				return v, resultProperties
			case c == '"':
				// The next stop is the value's quote at v (d[e+1] is ':').
				_, ws, sw = popStop(st, ws, sw)
				var q int
				if q, ws, sw = popStop(st, ws, sw); q > n-4 || t.at(q) != '"' {
					return p, resultSlow // escapes, an error or the end
				}
				sp := span{int32(v + 1), int32(q)}
				switch member {
				case memberID:
					if rec.id.hi != 0 {
						return p, resultSlow
					}
					rec.id = sp
				case memberUpdatedAt:
					if rec.updated.hi != 0 {
						return p, resultSlow
					}
					rec.updated = sp
				case memberTrace:
					if rec.trace.hi != 0 {
						return p, resultSlow
					}
					rec.trace = sp
				case memberNew:
					return p, resultGiveUp
				}
				p = q + 1
			case c == 't' || c == 'f' || c == 'n':
				if v > n-5 { // v+5 ≤ n: room for false
					return p, resultGiveUp
				}
				switch w := t.u32(v); {
				case w == wordTrue:
					p = v + 4
				case w == wordFals && t.at(v+4) == 'e':
					p = v + 5
				case w == wordNull && member == memberOther:
					p = v + 4
				default:
					return p, resultGiveUp
				}
				if member == memberNew {
					r.setNew(c == 't')
				} else if member != memberOther {
					return p, resultGiveUp
				}
			default:
				if member != memberOther {
					return p, resultGiveUp
				}
				return p, resultSlow // a number, an object, an array
			}
		}
		atName = true
		// After a value: p ≤ n.
		if p >= n-1 {
			return p, resultGiveUp
		}
		switch t.at(p) { // p < n
		case '}':
			return p + 1, resultEnd
		case ',':
			if t.at(p+1) != '"' { // p+1 < n
				return p, resultGiveUp
			}
			// The name's quote, the next stop after the value (a string's
			// closing quote, or before a literal its name's).
			p, ws, sw = popStop(st, ws, sw)
		default:
			return p, resultGiveUp
		}
	}
}

// resultMemberSlow reads the member of a result whose name's quote is at
// p, as resultFast does, with calls; it returns the position after the
// value.
func (x *extractor) resultMemberSlow(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	d := sc.Data
	name, v, ok := compactKey(sc, p)
	if !ok {
		return p, false
	}
	switch member, c := resultMember(name), d[v]; {
	case member == memberNew || member == memberProperties:
		return p, false // resultFast reads these unless they are malformed
	case c == '"':
		end, esc, ok := sc.String(v)
		if !ok {
			return end, false
		}
		if member != memberOther && !x.compactStringMember(r, member, span{int32(v + 1), int32(end - 1)}, esc, out) {
			return v, false
		}
		return end, true
	case member == memberOther:
		return compactSkip(sc, v, 0)
	}
	return p, false
}

// compactStringMember records the string member id, updatedAt or
// objectWriteTraceId (member) of a result, whose raw text is sp; false
// when the member is new (not a string: the general walk's to read).
func (x *extractor) compactStringMember(r *resultFacts, member int, sp span, esc bool, out *answerFacts) bool {
	val := out.body[sp.lo:sp.hi]
	if esc {
		val = out.unescape(val)
	}
	switch member {
	case memberID:
		x.setID(r, val, sp)
	case memberUpdatedAt:
		r.setUpdated(val, out)
	case memberTrace:
		x.setTrace(r, val, sp)
	default:
		return false
	}
	return true
}

// pendingProps are the read properties compactProperties finds, recorded
// while it walks and set on the result (setProp, nonStringProp) when the
// object ends, so that the walk itself makes no calls: a call makes Go
// spill and reload every value the loop holds in registers. Each is two
// stores (pendSpan, pendMeta) into arrays indexed by a count the walk
// proves below maxPending, so without bounds checks.
type pendingProps struct {
	span [maxPending]uint64 // the value's raw span, lo | hi<<32; pendNull for null
	meta [maxPending]uint8  // kind+2, and pendEscaped when the value has escapes
}

const (
	pendNull    = 0xffffffff << 32 // hi = -1
	pendEscaped = 0x80
)

// pendSpan packs a value's raw span d[lo:hi].
func pendSpan(lo, hi int) uint64 { return uint64(uint32(lo)) | uint64(hi)<<32 }

// pendMeta packs a property's kind (propKey or a written property).
func pendMeta(kind int, esc bool) uint8 {
	m := uint8(kind + 2)
	if esc {
		m |= pendEscaped
	}
	return m
}

// simpleEscape marks the letters of JSON's two-byte escapes.
var simpleEscape = [256]bool{'"': true, '\\': true, '/': true, 'b': true, 'f': true, 'n': true, 'r': true, 't': true}

// hexDigit marks the bytes a \u escape's four digits may be (as
// jsonscan.IsHex4 reads them).
var hexDigit = func() (m [256]bool) {
	for c := range 256 {
		m[c] = jsonscan.IsHex4([]byte{byte(c), '0', '0', '0'})
	}
	return m
}()

// maxPending bounds the read properties of one result the compact walk
// records: ten names are read, so more means repeated names, which the
// general walk reads.
const maxPending = 16

// Words the compact walk compares loaded text with (little-endian).
const (
	wordNameToString = '"' | ':'<<8 | '"'<<16 // `":"`: a name's end, a string value's start
	wordNameEnd      = '"' | ':'<<8           // `":`
	wordStringToName = '"' | ','<<8 | '"'<<16 // `","`: a string value's end, the next name's start
	wordNull         = 'n' | 'u'<<8 | 'l'<<16 | 'l'<<24
)

// compactProperties reads a result's properties: the answer's bulk, about
// fifteen members per result, most of them not ones the engine wrote.
// propsFast walks them without a call; at a property it cannot read that
// way, propSlow reads that one, and propsFast goes on. The read properties
// are set on r in order when the object ends (pendingProps).
func (x *extractor) compactProperties(sc *jsonscan.Scanner, p int, r *resultFacts, out *answerFacts) (int, bool) {
	d := sc.Data
	p++
	if p >= len(d)-1 {
		return p, false
	}
	np := uint(0)
	switch d[p] {
	case '}':
		return p + 1, true
	case '"':
	default:
		return p, false
	}
	for {
		var stop propsStop
		p, np, stop = x.propsFast(rawTextOf(d), sc.StopBits(), len(d), p, &out.pend, np)
		if stop == propsSlow {
			// propSlow's propsSlow is "go on": p is the next name's quote.
			if p, np, stop = x.propSlow(sc, p, &out.pend, np); stop == propsSlow {
				continue
			}
		}
		if stop == propsGiveUp {
			return p, false
		}
		break
	}
	x.setPending(r, np, out)
	return p + 1, true
}

// setPending sets the np read properties out.pend holds on r, in document
// order. Most are written properties' values without escapes that are not
// instants: those are fingerprinted here, textFingerprint inline for the
// values up to 16 bytes, so that most iterations make no call (a call
// makes Go spill and reload the loop's values). Its loads are unchecked
// (extract_raw.go) after one check of each span against the text.
func (x *extractor) setPending(r *resultFacts, np uint, out *answerFacts) {
	key, pend, d := x.fpKey, &out.pend, out.body
	t, n := rawTextOf(d), len(d)
	for i := uint(0); i < np && i < maxPending; i++ {
		sp, m := pend.span[i], pend.meta[i]
		lo, hi, kind := int(uint32(sp)), int(int32(sp>>32)), int(m&^pendEscaped)-2
		switch {
		case hi < 0:
			x.nonStringProp(r, kind)
		case m&pendEscaped != 0:
			x.setProp(r, kind, span{int32(lo), int32(hi)}, true, out)
		case uint(kind) >= uint(len(r.fp)):
			x.setKey(r, d[lo:hi], span{int32(lo), int32(hi)})
		case instantMask>>kind&1 != 0:
			fp := uint32(0)
			if ms, ok := isoInstant(d[lo:hi]); ok {
				fp = instantFingerprint(key, ms)
			} else {
				fp = valueFingerprint(key, kind, d[lo:hi])
			}
			r.fp[kind], r.echoed = fp, r.echoed|1<<kind
		case hi-lo > 16:
			r.fp[kind], r.echoed = textFingerprintLong(key, d[lo:hi]), r.echoed|1<<kind
		case hi < 8 || hi > n || lo > hi:
			r.fp[kind], r.echoed = textFingerprint(key, d, lo, hi), r.echoed|1<<kind
		default:
			// textFingerprint inline: textWords of d[lo:hi], where
			// 8 ≤ hi ≤ n and hi-16 ≤ lo ≤ hi.
			l := hi - lo
			a, b := uint64(0), t.u64(hi-8)>>(8*(8-l)&63)
			if l >= 8 {
				a, b = t.u64(lo), t.u64(hi-8)
			} else if l == 0 {
				b = 0
			}
			r.fp[kind], r.echoed = fpFinal(key, l, a, b), r.echoed|1<<kind
		}
	}
}

// propsStop says why propsFast stopped.
type propsStop uint8

const (
	propsEnd    propsStop = iota // at the object's '}'
	propsSlow                    // at a property only propSlow reads
	propsGiveUp                  // at something the compact walk does not read
)

// propsFastGo walks properties from the name's quote at p (p+1 < n, the
// text's length), recording the read ones in pend from np on, until the
// object's end or a property it cannot read without a call: a name
// shorter than eight bytes or longer than 24 of a length a read name has
// (propKindOf, a comparison), or a value with a control character or a
// malformed escape (the general walk's to refuse). It calls nothing, so
// the loop's values stay in registers. Loads are unchecked
// (extract_raw.go): the comment at each says why it is inside the text.
// propsFast runs it, or on amd64 its assembly twin (extract_props_*.go),
// which does exactly the same.
func (x *extractor) propsFastGo(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	// The stops are taken one by one off the bitmap's word (sw, its word
	// index ws), each popped with its lowest bit: in the compact form every
	// stop from here to the object's end is a quote or a backslash the walk
	// meets in order, so the next one is the next bit. A position thus
	// costs a bit operation on a register, not a load whose address
	// depends on the last position, and the walk's checks of the text
	// become branches off the chain. Every pop follows a position below
	// n-3 (the sentinel, n, was not popped), so a word past the sentinel's
	// is never loaded.
	ws := (p + 1) >> 6                                   // p+1 < n
	sw := st.Word(ws) & (^uint64(0) << (uint(p+1) & 63)) // the stops from p+1 on
	for {
		// Here d[p] is a name's opening quote, p+1 < n, and sw holds the
		// stops after it.
		lo := p + 1
		var e int
		if e, ws, sw = popStop(st, ws, sw); e > n-4 {
			return p, np, propsGiveUp
		}
		w := t.u32(e) // e+4 ≤ n
		kind := propOther
		if nl := e - lo; x.propLens&(1<<(uint(nl)&63)) != 0 {
			if nl < 8 || x.propMul == 0 {
				return p, np, propsSlow
			}
			first, last := t.u64(lo), t.u64(e-8) // lo+8 ≤ e ≤ n
			s := &x.propTable[propSlotOf(first, last, x.propMul)]
			if s.first == first && s.last == last && s.n == nl {
				if nl > 16 && (nl > 24 || t.u64(lo+8) != s.mid) { // lo+16 < e ≤ n
					return p, np, propsSlow
				}
				kind = s.kind
			}
		}
		v := e + 2
		switch {
		case w&0xffffff == wordNameToString:
			// The next stop is the value's quote at v (d[e+1] is ':').
			_, ws, sw = popStop(st, ws, sw)
			var q int
			if q, ws, sw = popStop(st, ws, sw); q > n-4 {
				return p, np, propsGiveUp
			}
			esc := false
			for t.at(q) != '"' { // q+4 ≤ n
				// A backslash (else a control character: an error, the
				// general walk's to report) and its escape: a letter, or
				// \u and four hex digits (Go's encoder writes <, > and &
				// that way, and the html previews are full of them).
				if t.at(q) != '\\' { // q < n
					return p, np, propsSlow
				}
				switch c := t.at(q + 1); { // q+1 < n
				case c == '"' || c == '\\':
					_, ws, sw = popStop(st, ws, sw) // the escaped stop at q+1
				case simpleEscape[c]:
				case c == 'u' && q <= n-6 && hexDigit[t.at(q+2)] && hexDigit[t.at(q+3)] &&
					hexDigit[t.at(q+4)] && hexDigit[t.at(q+5)]: // q+5 < n
					// No stops in the four digits.
				default:
					return p, np, propsSlow
				}
				esc = true
				if q, ws, sw = popStop(st, ws, sw); q > n-4 {
					return p, np, propsGiveUp
				}
			}
			if kind != propOther {
				if np >= maxPending {
					return p, np, propsGiveUp
				}
				pend.span[np], pend.meta[np] = pendSpan(v+1, q), pendMeta(kind, esc)
				np++
			}
			if t.u32(q)&0xffffff == wordStringToName { // q+4 ≤ n
				// The next name's quote, the next stop, and p+1 = q+3 < n.
				p, ws, sw = popStop(st, ws, sw)
				continue
			}
			p = q + 1
		case w&0xffff == wordNameEnd && t.at(v) == 'n': // v = e+2 < n
			if v > n-4 || t.u32(v) != wordNull { // v+4 ≤ n
				return p, np, propsGiveUp
			}
			if kind != propOther {
				if np >= maxPending {
					return p, np, propsGiveUp
				}
				pend.span[np], pend.meta[np] = pendNull, pendMeta(kind, false)
				np++
			}
			p = v + 4
		default:
			return p, np, propsGiveUp
		}
		var stop propsStop
		if p, stop = propsNext(t, n, p); stop != propsSlow {
			return p, np, stop
		}
		// The next name's quote at p, the next stop after the value (a
		// string's closing quote or null, which has none).
		_, ws, sw = popStop(st, ws, sw)
	}
}

// popStop takes the lowest stop off sw, the rest of the stop bitmap's word
// ws, loading the words after it while it is empty: the stop's position,
// and the word and the bits left. The caller knows a stop is left before
// the sentinel's word ends (jsonscan.StopBits.Word).
func popStop(st jsonscan.StopBits, ws int, sw uint64) (int, int, uint64) {
	for sw == 0 {
		ws++
		sw = st.Word(ws)
	}
	return ws<<6 + bits.TrailingZeros64(sw), ws, sw & (sw - 1)
}

// propsNext reads what follows a property's value at p (p ≤ n): `,"` (the
// next name's quote: propsSlow, meaning "go on", with p+1 < n), or '}'
// (propsEnd, p at it).
func propsNext(t rawText, n, p int) (int, propsStop) {
	if p >= n-1 {
		return p, propsGiveUp
	}
	switch t.at(p) { // p < n
	case '}':
		return p, propsEnd
	case ',':
		if t.at(p+1) == '"' && p+1 < n-1 { // p+1 < n
			return p + 1, propsSlow
		}
	}
	return p, propsGiveUp
}

// propSlow reads the one property whose name's quote is at p (p+1 < n)
// that propsFast left, and what follows it (propsNext), the same way, with
// calls.
func (x *extractor) propSlow(sc *jsonscan.Scanner, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	d, t := sc.Data, rawTextOf(sc.Data)
	e := jsonscan.NextStop(sc.Stops(), len(d), p+1)
	v := e + 2
	if v >= len(d) || d[e] != '"' || d[e+1] != ':' {
		return p, np, propsGiveUp
	}
	kind := x.propKind(d, p+1, e)
	var end int
	switch d[v] {
	case '"':
		var esc, ok bool
		if end, esc, ok = sc.String(v); !ok {
			return end, np, propsGiveUp
		}
		if kind != propOther {
			if np >= maxPending {
				return p, np, propsGiveUp
			}
			pend.span[np], pend.meta[np] = pendSpan(v+1, end-1), pendMeta(kind, esc)
			np++
		}
	case 'n':
		if len(d)-v < 4 || string(d[v:v+4]) != "null" {
			return v, np, propsGiveUp
		}
		if kind != propOther {
			if np >= maxPending {
				return p, np, propsGiveUp
			}
			pend.span[np], pend.meta[np] = pendNull, pendMeta(kind, false)
			np++
		}
		end = v + 4
	default:
		return v, np, propsGiveUp
	}
	p, stop := propsNext(t, len(d), end)
	return p, np, stop
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
