package emulator

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// scanner is a small, strict, allocation-free JSON reader specialised for
// the request bodies the emulator accepts. It was chosen over encoding/json
// and goccy/go-json by measurement (see BenchmarkUpsert100): decoding a
// 100-input batch into maps costs more than the whole budget of a request,
// while this scanner only records where each string is in the body.
//
// It accepts exactly the bodies encoding/json's json.Valid accepts, apart
// from nesting deeper than maxDepth, and decodes every string as
// encoding/json does: invalid UTF-8 and lone surrogates become U+FFFD
// (FuzzBodiesAgreeWithEncodingJSON proves both against encoding/json).
//
// Strings are returned as raw slices of the body (without the quotes, escapes
// kept). Callers that need the decoded value call unescape, and callers that
// echo a string call wire; both write into a per-request arena. An arena with
// the body's capacity rarely grows (an unescaped string is never longer than
// its escaped form), and when it does, the slices it handed out stay valid:
// they keep the old array.
type scanner struct {
	data  []byte
	pos   int
	stops []uint64 // bit i set when data[i] ends a string's plain run (indexStops)
	arena []byte
	err   *syntaxError
	// badUTF8 tells that the body is not valid UTF-8: its bytes from 0x80
	// up are stops too, so that str can find the invalid ones.
	badUTF8 bool
}

// maxDepth is the deepest nesting of objects and arrays a body may have:
// Jackson's default (StreamReadConstraints), with its message. It also keeps
// a hostile body from exhausting the stack. encoding/json allows 10,000.
const maxDepth = 1000

// Depths of the members the typed readers skip: a member of the root
// object sits in one container, a member of an input in three (the root
// object, the inputs array, the input).
const (
	depthRoot  = 1
	depthInput = 3
)

// bom is the UTF-8 byte order mark. Jackson skips one at the start of a
// body; encoding/json refuses it, and so does the emulator (issue 10: accept
// exactly what json.Valid accepts), with a message that says so.
var bom = []byte{0xef, 0xbb, 0xbf}

// syntaxError is a malformed or mistyped body. offset lets the caller
// report a line and column the way HubSpot (Jackson) does.
type syntaxError struct {
	offset int
	msg    string
}

// rawString is one JSON string of the body: raw holds the bytes between the
// quotes exactly as sent; kind tells whether raw contains a backslash.
type rawString struct {
	raw  []byte
	kind strKind
}

// strKind tells a plain string from one with escapes and from null. One
// byte (not two bools) keeps two rawStrings and a result within the
// registers Go returns values in, which the scanner does per member.
type strKind uint8

const (
	strPlain   strKind = iota
	strNull            // the value was JSON null instead of a string
	strEscaped         // raw contains a backslash
	// strIrregular: raw holds invalid UTF-8 or a \u escape of a surrogate,
	// which decoding replaces with U+FFFD. Its raw form must not be echoed
	// (it would answer invalid UTF-8, or a lone surrogate that other JSON
	// readers keep): wire gives the form to echo.
	strIrregular
)

// isNull reports whether the value was JSON null.
func (r rawString) isNull() bool { return r.kind == strNull }

func (s *scanner) reset(data []byte) {
	s.data = data
	s.pos = 0
	s.err = nil
	if cap(s.arena) < len(data) {
		s.arena = make([]byte, 0, len(data))
	}
	s.arena = s.arena[:0]
	s.badUTF8 = !utf8.Valid(data)
	s.indexStops()
}

func (s *scanner) fail(format string, args ...any) bool {
	if s.err == nil {
		s.err = &syntaxError{offset: s.pos, msg: fmt.Sprintf(format, args...)}
	}
	return false
}

func (s *scanner) skipWS() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of the body. A NUL
// byte in the body also reads as 0: code that must tell the two apart (end,
// unexpected) looks at pos. The common case (compact JSON: no space) is
// inlined at every call site.
func (s *scanner) peek() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos]
	}
	return s.peekSlow()
}

func (s *scanner) peekSlow() byte {
	s.skipWS()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

func (s *scanner) expect(c byte) bool {
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return s.expectSlow(c)
}

func (s *scanner) expectSlow(c byte) bool {
	if s.peek() != c || s.pos >= len(s.data) {
		return s.unexpected("expected '" + string(rune(c)) + "'")
	}
	s.pos++
	return true
}

// unexpected fails at the current position (after whitespace), naming
// what is there: the end of the body, a control character (in Jackson's
// words: a NUL byte is one, not the end), a byte order mark at the start,
// or any other byte. want says what was expected instead.
func (s *scanner) unexpected(want string) bool {
	s.peek()
	switch {
	case s.pos >= len(s.data):
		return s.fail("Unexpected end-of-input: %s", want)
	case s.data[s.pos] < ' ':
		return s.fail("Illegal character (%s): only regular white space (\\r, \\n, \\t) is allowed between tokens", quoteByte(s.data[s.pos]))
	case s.pos == 0 && bytes.HasPrefix(s.data, bom):
		return s.fail("Unexpected byte order mark (U+FEFF) before the JSON value: send the body without one")
	}
	return s.fail("Unexpected character (%s): %s", quoteByte(s.data[s.pos]), want)
}

// quoteByte names a byte for messages, control characters as Jackson does.
func quoteByte(c byte) string {
	switch {
	case c < 0x20:
		return fmt.Sprintf("(CTRL-CHAR, code %d)", c)
	case c < 0x7f:
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("code %d", c)
}

// kindAt names the JSON type starting at the current position, for "wrong
// type" messages.
func (s *scanner) kindAt() string {
	switch s.peek() {
	case '{':
		return "Object"
	case '[':
		return "Array"
	case '"':
		return "String"
	case 't', 'f':
		return "Boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "Number"
	}
	return ""
}

// fieldPath names a member for error messages: prefix[index]suffix key.
// It is only rendered on error, so the happy path builds no strings.
type fieldPath struct {
	prefix string
	index  int // -1: no index
	suffix string
	key    []byte
}

func (p fieldPath) with(suffix string) fieldPath { p.suffix = suffix; return p }

func at(name string) fieldPath { return fieldPath{prefix: name, index: -1} }

func (p fieldPath) String() string {
	s := p.prefix
	if p.index >= 0 {
		s += "[" + strconv.Itoa(p.index) + "]"
	}
	return s + p.suffix + string(p.key)
}

// wrongType records a type mismatch for field (a JSON path for the message).
func (s *scanner) wrongType(field fieldPath, want string) bool {
	if s.kindAt() == "" { // not a value at all: a syntax error
		return s.skipValue(0)
	}
	return s.fail("Cannot deserialize value of type `%s` from %s value (field %s)", want, s.kindAt(), field)
}

// nextKey reads the next member name of the current object; ok is false at
// '}' (consumed) or on error (s.err set). first tells whether this is the
// first call for the object, to handle commas.
func (s *scanner) nextKey(first bool) (key rawString, ok bool) {
	c := s.peek()
	if c == '}' {
		s.pos++
		return key, false
	}
	if !first {
		if c != ',' || s.pos >= len(s.data) {
			s.unexpected("was expecting comma to separate Object entries")
			return key, false
		}
		s.pos++
		c = s.peek()
	}
	if c != '"' {
		if s.pos >= len(s.data) {
			s.fail("Unexpected end-of-input: was expecting a field name")
		} else {
			s.unexpected("was expecting double-quote to start field name")
		}
		return key, false
	}
	key, ok = s.str()
	if !ok {
		return key, false
	}
	if !s.expect(':') {
		return key, false
	}
	return key, true
}

// arrayNext advances to the next element of an array; first is true for the
// first call after '['. It returns false at ']' (consumed) or on error.
func (s *scanner) arrayNext(first bool) bool {
	c := s.peek()
	if c == ']' {
		s.pos++
		return false
	}
	if !first {
		if c != ',' || s.pos >= len(s.data) {
			return s.unexpected("was expecting comma to separate Array entries")
		}
		s.pos++
		if s.peek() == ']' {
			return s.fail("Unexpected character (']'): expected a value")
		}
	}
	return true
}

// indexStops fills s.stops with one bit per body byte, set for the bytes
// that end a string's plain run (jsonscan.IndexStops, the one owner of that
// bitmap), and, when the body has invalid UTF-8, for every byte from 0x80
// up, for str to check.
func (s *scanner) indexStops() {
	s.stops = jsonscan.IndexStops(s.stops, s.data)
	if s.badUTF8 {
		// Rare: mark every byte from 0x80 up, for str to check.
		for k, c := range s.data {
			if c >= utf8.RuneSelf {
				s.stops[k>>6] |= 1 << (k & 63)
			}
		}
	}
}

// nextStop returns the position of the first quote, backslash or control
// character at or after p, or len(s.data).
func (s *scanner) nextStop(p int) int { return jsonscan.NextStop(s.stops, len(s.data), p) }

// memberResult is what compactMember found.
type memberResult uint8

const (
	memberRead memberResult = iota // a member with a string value was read
	memberKey                      // a key was read; the value is next
	memberEnd                      // the object's '}' was consumed
	memberSlow                     // not the compact shape: nothing consumed
	memberFail                     // malformed (s.err is set)
)

// member reads the next member of an object: its key, and its value too
// when that is a string (memberRead; valueStart finds where). Otherwise it
// stops after the key (memberKey) or at the end of the object (memberEnd).
// first tells whether a comma is due.
func (s *scanner) member(first bool) (key, value rawString, res memberResult) {
	if key, value, res = s.compactMember(first); res != memberSlow {
		return key, value, res
	}
	key, more := s.nextKey(first)
	switch {
	case more:
		return key, value, memberKey
	case s.err != nil:
		return key, value, memberFail
	}
	return key, value, memberEnd
}

// memberString is the string (or null) value of the member member just
// read: v itself, or read now; field and suffix name it in a wrong type
// message.
func (s *scanner) memberString(res memberResult, v rawString, field *fieldPath, suffix string) (rawString, bool) {
	if res == memberRead {
		return v, true
	}
	return s.strOrNullAt(field, suffix)
}

// strOrNullAt is strOrNull for field with suffix, kept out of line so that
// memberString inlines.
//
//go:noinline
func (s *scanner) strOrNullAt(field *fieldPath, suffix string) (rawString, bool) {
	return s.strOrNull(field.with(suffix))
}

// valueStart is the position of the opening quote of value, the string
// member just read.
func (s *scanner) valueStart(value rawString) int { return s.pos - len(value.raw) - 2 }

// compactMember reads the next `"key":"value"` member of an object written
// without whitespace and without escapes in the key, which is what clients
// send, in one pass with no further calls; after such a key with another
// kind of value it stops at the value (memberKey). Anything else
// (whitespace, a missing comma, a control character) returns memberSlow
// without consuming anything, for nextKey and strOrNull to read or to
// report.
func (s *scanner) compactMember(first bool) (key, value rawString, res memberResult) {
	d := s.data
	p := s.pos
	if p >= len(d) {
		return key, value, memberSlow
	}
	if d[p] == '}' {
		s.pos = p + 1
		return key, value, memberEnd
	}
	if !first {
		if d[p] != ',' {
			return key, value, memberSlow
		}
		p++
	}
	if p >= len(d) || d[p] != '"' {
		return key, value, memberSlow
	}
	q := s.nextStop(p + 1)
	if q+2 >= len(d) || d[q] != '"' || d[q+1] != ':' {
		return key, value, memberSlow
	}
	key.raw = d[p+1 : q]
	if d[q+2] != '"' {
		s.pos = q + 2
		return key, value, memberKey
	}
	r := s.nextStop(q + 3)
	if r < len(d) && d[r] == '"' {
		s.pos = r + 1
		value.raw = d[q+3 : r]
		return key, value, memberRead
	}
	if r < len(d) && d[r] == '\\' { // an escaped value: str knows them
		s.pos = q + 2
		var ok bool
		if value, ok = s.str(); !ok {
			return key, value, memberFail
		}
		return key, value, memberRead
	}
	return key, value, memberSlow
}

// str reads a string token at the current position.
func (s *scanner) str() (rawString, bool) {
	// Callers have usually just peeked at the quote.
	if (s.pos >= len(s.data) || s.data[s.pos] != '"') && s.peek() != '"' {
		return rawString{}, s.fail("expected a string")
	}
	data := s.data
	start := s.pos + 1
	kind := strPlain
	for p := start; ; {
		p = s.nextStop(p)
		if p >= len(data) {
			s.pos = p
			return rawString{}, s.fail("Unexpected end-of-input: was expecting closing quote for a string value")
		}
		switch c := data[p]; {
		case c == '"':
			s.pos = p + 1
			return rawString{raw: data[start:p], kind: kind}, true
		case c == '\\':
			if kind == strPlain {
				kind = strEscaped
			}
			if p+1 >= len(data) {
				s.pos = p + 1
				return rawString{}, s.fail("Unexpected end-of-input in a string")
			}
			switch data[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p += 2
			case 'u':
				if p+6 > len(data) || !jsonscan.IsHex4(data[p+2:p+6]) {
					s.pos = p
					return rawString{}, s.fail("Unexpected character in a \\u escape: expected 4 hex digits")
				}
				if data[p+2]|0x20 == 'd' && data[p+3] >= '8' { // U+D800–U+DFFF
					kind = strIrregular
				}
				p += 6
			default:
				s.pos = p + 1
				return rawString{}, s.fail("Unrecognized character escape %s", quoteByte(data[p+1]))
			}
		case c >= utf8.RuneSelf: // a stop only in a body that is not valid UTF-8
			r, size := utf8.DecodeRune(data[p:])
			if r == utf8.RuneError && size == 1 {
				kind = strIrregular
			}
			p += size
		default:
			s.pos = p
			return rawString{}, s.fail("Illegal unquoted character (%s): has to be escaped using backslash to be included in string value", quoteByte(c))
		}
	}
}

// strOrNull reads a string or null.
func (s *scanner) strOrNull(field fieldPath) (rawString, bool) {
	switch s.peek() {
	case '"':
		return s.str()
	case 'n':
		if s.literal("null") {
			return rawString{kind: strNull}, true
		}
		return rawString{}, false
	}
	return rawString{}, s.wrongType(field, "String")
}

// scalar reads a property value: a string or null, or a number or a
// boolean, which HubSpot's Jackson reads into a String as their text ("1.50",
// "true"), so they come back as plain strings of their literal. Objects and
// arrays are a type mismatch.
func (s *scanner) scalar(field fieldPath) (rawString, bool) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == 'n':
		if s.literal("null") {
			return rawString{kind: strNull}, true
		}
		return rawString{}, false
	case c == 't' || c == 'f':
		start := s.pos
		word := "true"
		if c == 'f' {
			word = "false"
		}
		if !s.literal(word) {
			return rawString{}, false
		}
		return rawString{raw: s.data[start:s.pos]}, true
	case c == '-' || c >= '0' && c <= '9':
		start := s.pos
		if !s.number() {
			return rawString{}, false
		}
		return rawString{raw: s.data[start:s.pos]}, true
	}
	return rawString{}, s.wrongType(field, "String")
}

func (s *scanner) literal(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	return s.fail("Unrecognized token: was expecting %s", word)
}

// skipValue consumes any JSON value, checking its syntax; depth is the
// number of objects and arrays around it.
func (s *scanner) skipValue(depth int) bool {
	switch c := s.peek(); {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{':
		if depth >= maxDepth {
			return s.tooDeep(depth + 1)
		}
		s.pos++
		for first := true; ; first = false {
			_, ok := s.nextKey(first)
			if !ok {
				break
			}
			if !s.skipValue(depth + 1) {
				return false
			}
		}
		return s.err == nil
	case c == '[':
		if depth >= maxDepth {
			return s.tooDeep(depth + 1)
		}
		s.pos++
		for first := true; s.arrayNext(first); first = false {
			if !s.skipValue(depth + 1) {
				return false
			}
		}
		return s.err == nil
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return s.unexpected("expected a value")
}

// tooDeep refuses an object or array that would nest depth levels deep.
func (s *scanner) tooDeep(depth int) bool {
	return s.fail("Document nesting depth (%d) exceeds the maximum allowed (%d, from `StreamReadConstraints.getMaxNestingDepth()`)", depth, maxDepth)
}

// number checks the JSON number grammar.
func (s *scanner) number() bool {
	p := s.pos
	if p < len(s.data) && s.data[p] == '-' {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(s.data) && s.data[p] >= '0' && s.data[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if p < len(s.data) && s.data[p] == '0' {
		p++
	} else if digits() == 0 {
		s.pos = p
		return s.fail("Invalid numeric value: expected a digit")
	}
	if p < len(s.data) && s.data[p] == '.' {
		p++
		if digits() == 0 {
			s.pos = p
			return s.fail("Invalid numeric value: expected a digit after the decimal point")
		}
	}
	if p < len(s.data) && (s.data[p] == 'e' || s.data[p] == 'E') {
		p++
		if p < len(s.data) && (s.data[p] == '+' || s.data[p] == '-') {
			p++
		}
		if digits() == 0 {
			s.pos = p
			return s.fail("Invalid numeric value: expected a digit in the exponent")
		}
	}
	s.pos = p
	return true
}

// end checks that nothing but whitespace follows the top-level value.
func (s *scanner) end() bool {
	if s.peek() == 0 && s.pos >= len(s.data) {
		return true
	}
	if s.data[s.pos] < ' ' {
		return s.unexpected("")
	}
	return s.fail("Unexpected trailing data after the JSON value (%s)", quoteByte(s.data[s.pos]))
}

// unescape returns the decoded bytes of r. Strings without escapes (nearly
// all) are returned as they are, inline at the call site.
func (s *scanner) unescape(r rawString) []byte {
	if r.kind < strEscaped {
		return r.raw
	}
	return s.unescapeSlow(r.raw)
}

// wire returns r in a form fit to echo between quotes in an answer: r
// itself, or for an irregular string the JSON escape of its decoded value
// (U+FFFD where the body had invalid UTF-8 or a lone surrogate), so that
// answers are valid UTF-8 and every reader decodes what encoding/json
// decoded from the request.
func (s *scanner) wire(r rawString) rawString {
	if r.kind != strIrregular {
		return r
	}
	return s.wireSlow(r)
}

// instantText reads a datetime value v (decoded: epoch milliseconds or ISO
// 8601) and returns the instant as HubSpot answers it (hubspot.AppendInstant),
// as JSON string content; ok is false when v is no datetime. A UTC
// date-time that already has that form is returned as it is, and one with
// ".000" loses it without calendar arithmetic.
func (s *scanner) instantText(v []byte) (text []byte, ok bool) {
	ms, ok := hubspot.ParseInstant(v)
	switch {
	case !ok:
		return nil, false
	case len(v) == 20 && v[19] == 'Z':
		return v, true
	case len(v) == 24 && v[19] == '.' && v[23] == 'Z':
		if v[20] != '0' || v[21] != '0' || v[22] != '0' {
			return v, true
		}
		start := len(s.arena)
		s.arena = append(append(s.arena, v[:19]...), 'Z')
		return s.arena[start:len(s.arena):len(s.arena)], true
	}
	start := len(s.arena)
	s.arena = hubspot.AppendInstant(s.arena, ms)
	return s.arena[start:len(s.arena):len(s.arena)], true
}

func (s *scanner) wireSlow(r rawString) rawString {
	decoded := s.unescapeSlow(r.raw)
	start := len(s.arena)
	s.arena = hubspot.AppendJSONStringBody(s.arena, decoded)
	return rawString{raw: s.arena[start:len(s.arena):len(s.arena)], kind: strEscaped}
}

func (s *scanner) unescapeSlow(raw []byte) []byte {
	start := len(s.arena)
	s.arena = jsonscan.Unescape(s.arena, raw)
	return s.arena[start:len(s.arena):len(s.arena)]
}

// lineCol turns a byte offset into Jackson-style 1-based line and column.
func lineCol(data []byte, offset int) (line, col int) {
	line, col = 1, 1
	if offset > len(data) {
		offset = len(data)
	}
	for _, c := range data[:offset] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
