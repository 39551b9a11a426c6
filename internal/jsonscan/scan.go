package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting SkipValue follows, so that a hostile text
// cannot exhaust the stack. encoding/json allows 10,000; answers of the
// HubSpot API nest four levels.
const MaxDepth = 10000

// Scanner holds one JSON text and its stop bitmap. The zero value is ready
// for Reset; a Scanner is reused across texts to keep its bitmap.
type Scanner struct {
	Data []byte
	// stops has bit i set when Data[i] is '"', '\\' or below 0x20, and
	// bit len(Data), the sentinel: every search for a stop from a position
	// up to len(Data) ends within the bitmap without a bound (Stops).
	stops []uint64
	ascii bool // Data has no byte from 0x80 up
}

// Reset makes s read data, which it keeps (not a copy) until the next Reset.
func (s *Scanner) Reset(data []byte) {
	s.Data = data
	s.stops, s.ascii = indexStops(s.stops, data)
}

// ASCII reports whether the text has no byte from 0x80 up, so that no
// string in it needs a UTF-8 check (nearly every API answer).
func (s *Scanner) ASCII() bool { return s.ascii }

// IsASCII reports whether d has no byte from 0x80 up, eight bytes at a
// time.
func IsASCII(d []byte) bool {
	var or uint64
	i := 0
	for ; i+8 <= len(d); i += 8 {
		or |= binary.LittleEndian.Uint64(d[i:])
	}
	for ; i < len(d); i++ {
		or |= uint64(d[i])
	}
	return or&msb == 0
}

// IndexStops returns a bitmap of data, one bit per byte, set for the bytes
// that end a string's plain run: '"', '\\' and control characters. It
// reuses dst's array when large enough. Building it is one branch-free pass
// over the text: 64 bytes in a dozen vector instructions where the CPU has
// AVX2 (stops_amd64.s), eight bytes at a time elsewhere. After that,
// finding where a string ends (NextStop) is a shift and a count of
// trailing zeros, where a scan from the string's start paid a loop and a
// mispredicted exit per string, and an answer has thousands of short
// strings. The emulator's request reader indexes its bodies with it too.
func IndexStops(dst []uint64, data []byte) []uint64 {
	dst = stopsFor(dst, data)
	done, _ := indexBlocks(dst, data)
	indexStopsPortable(dst, data, done)
	return dst
}

// indexStops is IndexStops with the sentinel bit at len(data) (in a word
// of its own when len(data) is a multiple of 64) that also tells whether
// data is all ASCII, which the vector kernel learns in the same pass.
func indexStops(dst []uint64, data []byte) ([]uint64, bool) {
	n := len(data)/64 + 1
	if cap(dst) < n {
		dst = make([]uint64, n, n+n/4)
	}
	dst = dst[:n]
	done, ascii := indexBlocks(dst, data)
	if done == 0 {
		ascii = IsASCII(data)
	} else {
		ascii = ascii && IsASCII(data[done:])
	}
	indexStopsPortable(dst, data, done)
	if len(data)&63 == 0 {
		dst[n-1] = 0 // the sentinel's own word: not written above
	}
	dst[n-1] |= 1 << (len(data) & 63)
	return dst, ascii
}

// stopsFor sizes dst for the bitmap of data, reusing its array when large
// enough.
func stopsFor(dst []uint64, data []byte) []uint64 {
	n := (len(data) + 63) / 64
	if cap(dst) < n {
		dst = make([]uint64, n, n+n/4)
	}
	return dst[:n]
}

// indexStopsPortable indexes data from position i (a multiple of 64) on,
// eight bytes at a time.
func indexStopsPortable(dst []uint64, data []byte, i int) {
	for ; i+64 <= len(data); i += 64 {
		w := (*[64]byte)(data[i : i+64]) // constant offsets below: no bounds checks
		dst[i>>6] = gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[0:]))) |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[8:])))<<8 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[16:])))<<16 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[24:])))<<24 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[32:])))<<32 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[40:])))<<40 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[48:])))<<48 |
			gatherHigh(stopBytes(binary.LittleEndian.Uint64(w[56:])))<<56
	}
	if i < len(data) {
		var m uint64
		for k, c := range data[i:] {
			if c == '"' || c == '\\' || c < 0x20 {
				m |= 1 << k
			}
		}
		dst[i>>6] = m
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
	lo7 = 0x7f7f7f7f7f7f7f7f
)

// stopBytes has the high bit set in exactly the bytes of x (eight bytes,
// little-endian) that are '"', '\\' or below 0x20. The tests work on the
// low seven bits t of each byte, where adding never carries into the next
// byte: t equals c (below 0x80) when (t^c)+0x7f lacks the high bit, and t
// is below 0x20 when t+0x60 does; a byte with its own high bit set is none
// of them.
func stopBytes(x uint64) uint64 {
	t := x & lo7
	quote := (t ^ '"'*lsb) + lo7
	back := (t ^ '\\'*lsb) + lo7
	ctl := t + 0x60*lsb
	return ^(quote&back&ctl | x) & msb
}

// gatherHigh packs the high bits of the eight bytes of m (all other bits
// clear) into the low eight bits, byte i to bit i.
func gatherHigh(m uint64) uint64 { return ((m >> 7) * 0x0102040810204080) >> 56 }

// NextStop returns the position of the first quote, backslash or control
// character at or after p, or len(s.Data).
func (s *Scanner) NextStop(p int) int { return NextStop(s.stops, len(s.Data), p) }

// Stops is the stop bitmap of the text, for walkers that find string ends
// with NextStop(s.Stops(), len(s.Data), p), which the compiler inlines
// (the method does not inline). It has len(s.Data)/64+1 words and the
// sentinel bit len(s.Data) set: a walker that reads it word by word from
// a position up to len(s.Data) meets a set bit before its end.
func (s *Scanner) Stops() []uint64 { return s.stops }

// NextStop returns the first position at or after p whose bit is set in
// stops (an IndexStops bitmap of a text of n bytes), or n.
func NextStop(stops []uint64, n, p int) int {
	if w := uint(p) >> 6; w < uint(len(stops)) {
		if m := stops[w] >> (uint(p) & 63); m != 0 {
			return p + bits.TrailingZeros64(m)
		}
	}
	return nextStopFar(stops, n, p)
}

// nextStopFar is NextStop past the word of p.
func nextStopFar(stops []uint64, n, p int) int {
	for w := p>>6 + 1; w < len(stops); w++ {
		if m := stops[w]; m != 0 {
			return w<<6 + bits.TrailingZeros64(m)
		}
	}
	return n
}

// Next is NextStop for a Scanner's text and a position p up to its
// length: the first stop at or after p, len(Data) (the sentinel) when
// there is none. It relies on the sentinel instead of a bound.
func (b StopBits) Next(p int) int {
	w := p >> 6
	if m := b.word(w) >> (uint(p) & 63); m != 0 {
		return p + bits.TrailingZeros64(m)
	}
	for {
		w++
		if m := b.word(w); m != 0 {
			return w<<6 + bits.TrailingZeros64(m)
		}
	}
}

// Word is the bitmap's word w, the stops of Data[64w:64w+64] (bit i for
// position 64w+i), for w up to len(Data)/64, the sentinel's word. A walker
// that meets the stops in order keeps a word in a register and takes its
// bits one by one, loading the next word when one runs out: the sentinel
// stops it before it would read past the bitmap.
func (b StopBits) Word(w int) uint64 { return b.word(w) }

// String reads the string whose opening quote is at p. It returns the
// position just after the closing quote and whether the string contains
// escapes; ok is false for an unterminated string, a raw control character
// or a malformed escape (end is then where reading stopped).
func (s *Scanner) String(p int) (end int, escaped, ok bool) {
	d := s.Data
	if q := s.NextStop(p + 1); q < len(d) && d[q] == '"' {
		return q + 1, false, true
	}
	return s.stringSlow(p)
}

// stringSlow reads a string with escapes or an error, from stop to stop
// on the bitmap.
func (s *Scanner) stringSlow(p int) (end int, escaped, ok bool) {
	d := s.Data
	q := s.NextStop(p + 1)
	for q < len(d) {
		switch d[q] {
		case '"':
			return q + 1, escaped, true
		case '\\':
			escaped = true
			n := EscapeLen(d[q:])
			if n == 0 {
				return q, escaped, false
			}
			q = s.NextStop(q + n)
		default:
			return q, escaped, false
		}
	}
	return q, escaped, false
}

// Space returns the first position at or after p that is not JSON
// whitespace.
func (s *Scanner) Space(p int) int {
	d := s.Data
	for p < len(d) {
		switch d[p] {
		case ' ', '\t', '\n', '\r':
			p++
		default:
			return p
		}
	}
	return p
}

// Kind is the JSON type of a value, told by its first byte.
type Kind uint8

// Kinds of values.
const (
	Invalid Kind = iota
	Object
	Array
	String
	Number
	Bool
	Null
)

var kindNames = [...]string{"invalid", "object", "array", "string", "number", "boolean", "null"}

func (k Kind) String() string { return kindNames[k] }

// KindAt is the kind of the value starting at p (Invalid when no value can
// start there).
func (s *Scanner) KindAt(p int) Kind {
	if p >= len(s.Data) {
		return Invalid
	}
	switch c := s.Data[p]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == 't' || c == 'f':
		return Bool
	case c == 'n':
		return Null
	case c == '-' || c >= '0' && c <= '9':
		return Number
	}
	return Invalid
}

// Literal checks that word (true, false or null) is at p and returns the
// position after it.
func (s *Scanner) Literal(p int, word string) (int, bool) {
	if len(s.Data)-p >= len(word) && string(s.Data[p:p+len(word)]) == word {
		return p + len(word), true
	}
	return p, false
}

// Number checks the JSON number grammar at p and returns the position
// after the number.
func (s *Scanner) Number(p int) (int, bool) { return NumberAt(s.Data, p) }

// NumberAt is Number for any text.
func NumberAt(d []byte, p int) (int, bool) {
	if p < len(d) && d[p] == '-' {
		p++
	}
	switch {
	case p < len(d) && d[p] == '0':
		p++
	case p < len(d) && d[p] >= '1' && d[p] <= '9':
		p = digits(d, p+1)
	default:
		return p, false
	}
	if p < len(d) && d[p] == '.' {
		q := digits(d, p+1)
		if q == p+1 {
			return q, false
		}
		p = q
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		q := digits(d, p)
		if q == p {
			return q, false
		}
		p = q
	}
	return p, true
}

func digits(d []byte, p int) int {
	for p < len(d) && d[p] >= '0' && d[p] <= '9' {
		p++
	}
	return p
}

// Value skips the value starting at p (no whitespace before it), checking
// its syntax, and returns the position after it.
func (s *Scanner) Value(p int) (int, bool) { return s.value(p, 0) }

func (s *Scanner) value(p, depth int) (int, bool) {
	switch s.KindAt(p) {
	case String:
		end, _, ok := s.String(p)
		return end, ok
	case Number:
		return s.Number(p)
	case Bool:
		if s.Data[p] == 't' {
			return s.Literal(p, "true")
		}
		return s.Literal(p, "false")
	case Null:
		return s.Literal(p, "null")
	case Object:
		if depth >= MaxDepth {
			return p, false
		}
		var ok bool
		for it := s.Members(p); ; {
			var key, val int
			if key, val, ok = it.Next(); !ok {
				return it.End()
			}
			_ = key
			if p, ok = s.value(val, depth+1); !ok {
				return p, false
			}
			it.Continue(p)
		}
	case Array:
		if depth >= MaxDepth {
			return p, false
		}
		var ok bool
		for it := s.Elements(p); ; {
			var el int
			if el, ok = it.Next(); !ok {
				return it.End()
			}
			if p, ok = s.value(el, depth+1); !ok {
				return p, false
			}
			it.Continue(p)
		}
	}
	return p, false
}

// Valid reports whether the whole of s.Data is one JSON value with optional
// whitespace around it, as json.Valid does.
func (s *Scanner) Valid() bool {
	p := s.Space(0)
	end, ok := s.Value(p)
	return ok && s.Space(end) == len(s.Data)
}

// Members iterates over the members of the object whose '{' is at p:
//
//	for it := s.Members(p); ; {
//		key, val, ok := it.Next()
//		if !ok { end, ok := it.End(); … break }
//		… read the value at val, up to q …
//		it.Continue(q)
//	}
//
// key is the position of the member name's opening quote, val the first
// byte of its value.
func (s *Scanner) Members(p int) MemberIter {
	return MemberIter{s: s, p: p + 1, first: true}
}

// MemberIter walks an object; see Members.
type MemberIter struct {
	s      *Scanner
	p      int
	first  bool
	done   bool
	failed bool
	// KeyEnd is the position after the closing quote of the last key
	// Next returned; KeyEscaped tells whether that key has escapes.
	KeyEnd     int
	KeyEscaped bool
}

// Next moves to the next member. It returns false at the object's end or on
// a syntax error; End tells which.
func (it *MemberIter) Next() (key, val int, ok bool) {
	if it.done {
		return 0, 0, false
	}
	// The compact form, `[,]"name":<value>` with a name without escapes,
	// is what JSON encoders write: read it without further calls.
	d := it.s.Data
	q := it.p
	if !it.first && q < len(d) && d[q] == ',' {
		q++
	}
	if (q > it.p || it.first) && q < len(d) && d[q] == '"' {
		e := it.s.NextStop(q + 1)
		if e+2 < len(d) && d[e] == '"' && d[e+1] == ':' && d[e+2] > ' ' {
			it.KeyEnd, it.KeyEscaped, it.first = e+1, false, false
			return q, e + 2, true
		}
	}
	return it.next()
}

// next is Next for whitespace, escaped names, the end and errors.
func (it *MemberIter) next() (key, val int, ok bool) {
	s, d := it.s, it.s.Data
	p := it.p
	if !(p < len(d) && d[p] > ' ') {
		p = s.Space(p)
	}
	if p >= len(d) {
		return it.fail(p)
	}
	if d[p] == '}' {
		it.p, it.done = p+1, true
		return 0, 0, false
	}
	if !it.first {
		if d[p] != ',' {
			return it.fail(p)
		}
		p = s.Space(p + 1)
		if p >= len(d) {
			return it.fail(p)
		}
	}
	if d[p] != '"' {
		return it.fail(p)
	}
	end, esc, ok := s.String(p)
	if !ok {
		return it.fail(end)
	}
	it.KeyEnd, it.KeyEscaped = end, esc
	q := end
	if q < len(d) && d[q] == ':' {
		q++
	} else {
		q = s.Space(q)
		if q >= len(d) || d[q] != ':' {
			return it.fail(q)
		}
		q++
	}
	if !(q < len(d) && d[q] > ' ') {
		q = s.Space(q)
	}
	it.first = false
	return p, q, true
}

func (it *MemberIter) fail(p int) (int, int, bool) {
	it.p, it.failed, it.done = p, true, true
	return 0, 0, false
}

// Continue tells the iterator where the value it returned last ends.
func (it *MemberIter) Continue(p int) { it.p = p }

// End returns the position after the object's '}' and true, or where a
// syntax error was found and false.
func (it *MemberIter) End() (int, bool) { return it.p, !it.failed }

// Elements iterates over the elements of the array whose '[' is at p, like
// Members.
func (s *Scanner) Elements(p int) ElemIter { return ElemIter{s: s, p: p + 1, first: true} }

// ElemIter walks an array; see Elements.
type ElemIter struct {
	s      *Scanner
	p      int
	first  bool
	done   bool
	failed bool
}

// Next moves to the next element and returns where it starts; false at the
// array's end or on a syntax error (End tells which).
func (it *ElemIter) Next() (int, bool) {
	if it.done {
		return 0, false
	}
	d := it.s.Data
	if p := it.p; !it.first && p+1 < len(d) && d[p] == ',' && d[p+1] > ' ' && d[p+1] != ']' {
		return p + 1, true // the compact form
	}
	return it.next()
}

func (it *ElemIter) next() (int, bool) {
	s, d := it.s, it.s.Data
	p := it.p
	if !(p < len(d) && d[p] > ' ') {
		p = s.Space(p)
	}
	if p >= len(d) {
		it.p, it.failed, it.done = p, true, true
		return 0, false
	}
	if d[p] == ']' {
		it.p, it.done = p+1, true
		return 0, false
	}
	if !it.first {
		if d[p] != ',' {
			it.p, it.failed, it.done = p, true, true
			return 0, false
		}
		p++
		if !(p < len(d) && d[p] > ' ') {
			p = s.Space(p)
		}
	}
	it.first = false
	return p, true
}

// Continue tells the iterator where the element it returned last ends.
func (it *ElemIter) Continue(p int) { it.p = p }

// End returns the position after the array's ']' and true, or where a
// syntax error was found and false.
func (it *ElemIter) End() (int, bool) { return it.p, !it.failed }

// IsHex4 reports whether the first four bytes of b are hex digits (a \u
// escape's).
func IsHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// HexVal is the value of the four hex digits at the start of b.
func HexVal(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// Unescape appends the decoded contents of a string that String accepted
// (raw is what lies between the quotes) to dst, exactly as json.Unmarshal
// decodes it: escapes resolved, surrogate pairs joined, and lone
// surrogates and bytes that are not valid UTF-8 replaced by U+FFFD.
func Unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		// A run of plain ASCII is copied whole.
		j := i
		for j < len(raw) && raw[j] != '\\' && raw[j] < utf8.RuneSelf {
			j++
		}
		dst = append(dst, raw[i:j]...)
		if i = j; i >= len(raw) {
			break
		}
		if c := raw[i]; c != '\\' {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, raw[i:i+size]...)
			}
			i += size
			continue
		}
		var n int
		dst, n = appendEscape(dst, raw[i:])
		i += n
	}
	return dst
}

// ResolveEscapes appends raw (a string's contents that String accepted)
// with its escapes resolved, and leaves every other byte as it is: invalid
// UTF-8 is not replaced. It is Unescape for callers that only compare or
// hash values, and faster: plain stretches are found by IndexByte.
func ResolveEscapes(dst, raw []byte) []byte {
	for {
		j := bytes.IndexByte(raw, '\\')
		if j < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:j]...)
		var n int
		dst, n = appendEscape(dst, raw[j:])
		raw = raw[j+n:]
	}
}

// appendEscape decodes the escape at the start of raw and reports how many
// bytes it took.
func appendEscape(dst, raw []byte) ([]byte, int) {
	switch raw[1] {
	case 'b':
		return append(dst, '\b'), 2
	case 'f':
		return append(dst, '\f'), 2
	case 'n':
		return append(dst, '\n'), 2
	case 'r':
		return append(dst, '\r'), 2
	case 't':
		return append(dst, '\t'), 2
	case 'u':
		r := HexVal(raw[2:])
		if utf16.IsSurrogate(r) {
			if len(raw) >= 12 && raw[6] == '\\' && raw[7] == 'u' {
				if dr := utf16.DecodeRune(r, HexVal(raw[8:])); dr != utf8.RuneError {
					return utf8.AppendRune(dst, dr), 12
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(dst, r), 6
	}
	return append(dst, raw[1]), 2 // '"', '\\', '/'
}

// NeedsDecoding reports whether raw (a string's contents) decodes to
// something other than itself: it has escapes or bytes outside ASCII that
// may not be valid UTF-8.
func NeedsDecoding(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// EscapeLen is the length of the valid escape at the start of e (which
// starts with a backslash), or 0 when it is not one JSON allows.
func EscapeLen(e []byte) int {
	if len(e) < 2 {
		return 0
	}
	switch e[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(e) >= 6 && IsHex4(e[2:6]) {
			return 6
		}
	}
	return 0
}
