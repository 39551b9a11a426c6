package load

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The extractor reads, from every 2xx upsert answer of a run, what the
// run-wide invariants need of each result: the unique value, id, new,
// updatedAt, objectWriteTraceId, and a fingerprint of each property the
// engine writes; and, from a 207's errors, which inputs failed. It builds no
// maps and copies no strings: it walks the answer in place with
// internal/jsonscan and turns each field into a number right away (the key
// and trace id into the generator's numbers, the id into its value, the time
// into milliseconds, values into 32-bit fingerprints). Result order does not
// matter, and neither does member order, whitespace or unknown members.
// BenchmarkExtract100 measures it; goal ≤ 30 µs per 100-result answer.

// factFlags say which facts a result carried.
type factFlags uint16

const (
	factKey       factFlags = 1 << iota // properties has the unique property (keySpan)
	factKeyOurs                         // ... and its value is one of this stream's keys (key)
	factID                              // id is a string (idSpan, id)
	factIDHashed                        // id is not a plain number: id holds its hash
	factNew                             // new is a boolean
	factIsNew                           // ... and it is true
	factUpdated                         // updatedAt is a readable instant (updated)
	factTrace                           // objectWriteTraceId is a string (traceSpan)
	factTraceOurs                       // ... naming an input this stream sent (traceN, traceI)
	factMalformed                       // a field the invariants read has the wrong type
)

// span is a stretch of the answer: the raw (still escaped) text of a
// string, for messages about offenders.
type span struct{ lo, hi int32 }

func (s span) of(body []byte) string {
	if s.hi <= s.lo || int(s.hi) > len(body) {
		return ""
	}
	return string(body[s.lo:s.hi])
}

// resultFacts is what the invariants take from one result.
type resultFacts struct {
	key     uint64 // stream key number (factKeyOurs)
	id      uint64 // the record id's number, or its hash (factIDHashed)
	updated int64  // updatedAt, milliseconds since the epoch
	traceN  uint64 // batch the trace id names (factTraceOurs)
	traceI  int32  // input position it names
	flags   factFlags
	echoed  generators.PropMask // written properties the result carries (fp valid)
	fp      [hubspot.NumWritableTaskProperties]uint32
	keySpan span
	idSpan  span
	trSpan  span
}

func (r *resultFacts) has(f factFlags) bool { return r.flags&f != 0 }

// failedInput is a 207 error entry that names an input by trace id.
type failedInput struct {
	n uint64
	i int32
}

// answerFacts is one answer's facts; reused from answer to answer.
type answerFacts struct {
	results []resultFacts
	failed  []failedInput
	// unnamedErrors counts error entries that name no input of this
	// stream (no trace id, or someone else's).
	unnamedErrors int
	scratch       []byte // unescaped strings, valid until the next answer
	// lastTime caches the last updatedAt read: most results of an answer
	// share the batch's write time.
	lastTime   []byte
	lastTimeMS int64
	// body is the answer being read (spans are into it).
	body []byte
	// pend is compactProperties' list of the read properties of one
	// result (kept for its array).
	pend pendingProps
}

func (a *answerFacts) reset() {
	a.results = a.results[:0]
	a.failed = a.failed[:0]
	a.unnamedErrors = 0
	a.scratch = a.scratch[:0]
	a.body = nil
}

// start empties a for the facts of body.
func (a *answerFacts) start(body []byte) {
	a.reset()
	a.body = body
}

// textWords are the first and the last eight bytes of d[lo:hi] as numbers
// (little-endian; zero and all of it when shorter): with the length, they
// are the whole text up to 16 bytes, and tell most longer ones apart.
func textWords(d []byte, lo, hi int) (first, last uint64) {
	switch n := hi - lo; {
	case n >= 8:
		return binary.LittleEndian.Uint64(d[lo:]), binary.LittleEndian.Uint64(d[hi-8:])
	case hi >= 8:
		// The eight bytes up to hi, shifted so the text's first byte is
		// the lowest (a shift by 64 gives 0: the empty text).
		return 0, binary.LittleEndian.Uint64(d[hi-8:]) >> (8 * (8 - n))
	}
	for i, c := range d[lo:hi] {
		last |= uint64(c) << (8 * i)
	}
	return 0, last
}

// errUnreadableAnswer is an answer the extractor cannot walk: not JSON, or
// not an object. Its results are lost to the invariants, which count the
// answer's inputs as acknowledged without a result.
var errUnreadableAnswer = errors.New("answer is not a JSON object")

// extractor knows the stream (keys and trace ids) and the unique property.
type extractor struct {
	gen    *generators.Generator
	idProp []byte
	// props lists the properties the extractor reads (the unique one and
	// the written ones) by the length of their name; see propKind.
	props [][]propCand
	// propLens has bit n set when a read property's name has n bytes, or
	// n plus a multiple of 64.
	propLens uint64
	// propTable holds the read properties whose names have 8 bytes or
	// more, each in the slot propSlotOf gives it (propMul is chosen so
	// that no two share one); see propKind.
	propTable [propTableSize]propSlot
	propMul   uint64
	// fpSeed keys the hashes of record ids that are not numbers, fpKey
	// the value fingerprints (fpHash). Both are compared only within one
	// process (an answer with a later answer or read), so a random key per
	// process is fine and makes collisions unpredictable.
	fpSeed maphash.Seed
	fpKey  uint64
}

func newExtractor(gen *generators.Generator) *extractor {
	x := &extractor{gen: gen, idProp: []byte(gen.IDProperty()), fpSeed: maphash.MakeSeed(), fpKey: fpKeyOf(rand.Uint64())}
	x.addProp(gen.IDProperty(), propKey)
	for bit, name := range hubspot.WritableTaskProperties {
		if name != gen.IDProperty() {
			x.addProp(name, bit)
		}
	}
	x.buildPropTable()
	return x
}

// propTableSize is the number of slots of the extractor's name table: ten
// names in 64 slots, so that a multiplier that gives each its own slot is
// found within a few tries.
const propTableSize = 64

// propSlot is a read property of eight bytes or more in propTable; n is 0
// in an empty slot, which no name looked up there has.
type propSlot struct {
	first, last uint64
	mid         uint64 // bytes 8 to 16 of a name longer than 16 bytes
	n, kind     int
}

// propSlotOf is the slot of the name whose textWords are first and last:
// a multiplicative hash of both, its top bits.
func propSlotOf(first, last, mul uint64) uint64 {
	return ((last ^ bits.RotateLeft64(first, 29)) * mul) >> (64 - 6)
}

// buildPropTable places the read names of eight bytes or more in
// propTable. The multiplier is the first of a fixed sequence of odd
// numbers under which no two names share a slot, so the table is the same
// in every run. Names that share both words and length (only possible
// past 16 bytes) cannot be told apart by a slot: then propMul stays 0 and
// propKind asks propKindOf for every name.
func (x *extractor) buildPropTable() {
	var names []propCand
	for _, cands := range x.props {
		for _, c := range cands {
			if len(c.name) >= 8 {
				names = append(names, c)
			}
		}
	}
	mul := uint64(0x9e3779b97f4a7c15)
	for try := 0; try < 1000; try++ {
		var table [propTableSize]propSlot
		placed := true
		for _, c := range names {
			s := &table[propSlotOf(c.first, c.last, mul)]
			if s.n != 0 {
				placed = false
				break
			}
			*s = propSlot{first: c.first, last: c.last, n: len(c.name), kind: c.kind}
			if len(c.name) > 16 {
				s.mid = binary.LittleEndian.Uint64([]byte(c.name[8:]))
			}
		}
		if placed {
			x.propTable, x.propMul = table, mul
			return
		}
		mul = mul*0xbf58476d1ce4e5b9 + 0x94d049bb133111eb | 1
	}
}

// Kinds of property names (propKind); written properties are their
// position in hubspot.WritableTaskProperties (hubspot.WritablePropertyIndex).
const (
	propOther = -2 // a property the extractor does not read
	propKey   = -1 // the unique property
)

// propCand is a property the extractor reads, in the list of its name's
// length: the name's textWords tell it from every other name up to 16
// bytes long, and from nearly all longer ones, without a comparison.
type propCand struct {
	first, last uint64
	kind        int
	name        string
}

func (x *extractor) addProp(name string, kind int) {
	x.propLens |= 1 << (len(name) & 63)
	for len(x.props) <= len(name) {
		x.props = append(x.props, nil)
	}
	first, last := textWords([]byte(name), 0, len(name))
	x.props[len(name)] = append(x.props[len(name)], propCand{first: first, last: last, kind: kind, name: name})
}

// propKind tells what the extractor does with the property named d[lo:hi]
// (no escapes): propKey, propOther or the written property's position.
// Every property of every result asks, and most are neither: about half
// have a length no read property has; the others are told by their first
// and last eight bytes, looked up in propTable (the compact walk does
// that inline, see compactProperties).
func (x *extractor) propKind(d []byte, lo, hi int) int {
	if x.propLens&(1<<(uint(hi-lo)&63)) == 0 {
		return propOther // inlined: no call for these
	}
	return x.propKindOf(d, lo, hi)
}

// propKindOf is propKind for a name of a length some read property has.
func (x *extractor) propKindOf(d []byte, lo, hi int) int {
	n := hi - lo
	if n >= len(x.props) {
		return propOther
	}
	first, last := textWords(d, lo, hi)
	for i := range x.props[n] {
		c := &x.props[n][i]
		if c.last == last && c.first == first && (n <= 16 || string(d[lo:hi]) == c.name) {
			return c.kind
		}
	}
	return propOther
}

// extract reads body into out: the compact walk when the answer is written
// the usual way, the general one (which loads body into sc) otherwise. Both
// set the facts through the same setters, so they cannot disagree
// (FuzzExtract holds them to each other and to encoding/json).
func (x *extractor) extract(body []byte, sc *jsonscan.Scanner, out *answerFacts) error {
	sc.Reset(body)
	if x.compact(sc, out) {
		return nil
	}
	return x.general(sc, out)
}

// The facts of one result, set field by field in document order: a repeated
// member overwrites, as in encoding/json, where the last one counts.

func (x *extractor) setID(r *resultFacts, val []byte, sp span) {
	r.idSpan = sp
	r.flags = r.flags&^factIDHashed | factID
	if id, isNum := plainUint(val); isNum {
		r.id = id
		return
	}
	r.id = maphash.Bytes(x.fpSeed, val)
	r.flags |= factIDHashed
}

func (r *resultFacts) badID() { r.flags = r.flags&^(factID|factIDHashed) | factMalformed }

func (r *resultFacts) setNew(isNew bool) {
	r.flags = r.flags&^factIsNew | factNew
	if isNew {
		r.flags |= factIsNew
	}
}

func (r *resultFacts) badNew() { r.flags = r.flags&^(factNew|factIsNew) | factMalformed }

func (r *resultFacts) setUpdated(val []byte, out *answerFacts) {
	r.flags, r.updated = r.flags&^factUpdated, 0
	if ms, isTime := out.timestamp(val); isTime {
		r.updated, r.flags = ms, r.flags|factUpdated
	} else {
		r.flags |= factMalformed
	}
}

func (r *resultFacts) badUpdated() { r.flags, r.updated = r.flags&^factUpdated|factMalformed, 0 }

func (x *extractor) setTrace(r *resultFacts, val []byte, sp span) {
	r.trSpan, r.traceN, r.traceI = sp, 0, 0
	r.flags = r.flags&^factTraceOurs | factTrace
	if n, i, ours := x.gen.ParseTraceID(val); ours {
		r.traceN, r.traceI, r.flags = n, int32(i), r.flags|factTraceOurs
	}
}

func (r *resultFacts) badTrace() {
	r.traceN, r.traceI = 0, 0
	r.flags = r.flags&^(factTrace|factTraceOurs) | factMalformed
}

// startProperties forgets an earlier properties member.
func (r *resultFacts) startProperties() {
	r.flags &^= factKey | factKeyOurs
	r.key, r.echoed, r.fp = 0, 0, [hubspot.NumWritableTaskProperties]uint32{}
}

// setProp records the string value of a property of kind (propKind) that
// is not propOther: its raw text is the span sp of the answer, with
// escapes when esc.
func (x *extractor) setProp(r *resultFacts, kind int, sp span, esc bool, out *answerFacts) {
	val := out.body[sp.lo:sp.hi]
	if esc {
		val = out.unescape(val)
	}
	if kind == propKey {
		x.setKey(r, val, sp)
		return
	}
	r.setFingerprint(kind, valueFingerprint(x.fpKey, kind, val))
}

// setKey records the unique property's decoded value val, whose raw text
// is sp.
func (x *extractor) setKey(r *resultFacts, val []byte, sp span) {
	r.keySpan, r.flags, r.key = sp, r.flags&^factKeyOurs|factKey, 0
	if key, ours := x.gen.ParseKey(val); ours {
		r.key, r.flags = key, r.flags|factKeyOurs
	}
}

// setFingerprint records fp as the fingerprint of written property kind.
func (r *resultFacts) setFingerprint(kind int, fp uint32) {
	r.fp[kind] = fp
	r.echoed |= 1 << kind
}

// nonStringProp records a property whose value is not a string: null (a
// cleared value) or a wrong type, not a value the engine wrote.
func (x *extractor) nonStringProp(r *resultFacts, kind int) {
	switch {
	case kind == propKey:
		r.flags, r.key = r.flags&^(factKey|factKeyOurs)|factMalformed, 0
	case kind >= 0:
		r.echoed &^= 1 << kind
		r.fp[kind] = 0
	}
}

// failedTrace records a trace id named by a 207 error entry.
func (x *extractor) failedTrace(val []byte, out *answerFacts) bool {
	n, i, ours := x.gen.ParseTraceID(val)
	if ours {
		out.failed = append(out.failed, failedInput{n: n, i: int32(i)})
	}
	return ours
}

// timestamp reads an updatedAt, from the cache when it repeats.
func (a *answerFacts) timestamp(val []byte) (int64, bool) {
	if len(val) == 24 && len(a.lastTime) == 24 {
		// HubSpot's form (…T15:04:05.000Z) as three words, without
		// memequal's call.
		v, l := (*[24]byte)(val), (*[24]byte)(a.lastTime)
		if binary.LittleEndian.Uint64(v[:]) == binary.LittleEndian.Uint64(l[:]) &&
			binary.LittleEndian.Uint64(v[8:]) == binary.LittleEndian.Uint64(l[8:]) &&
			binary.LittleEndian.Uint64(v[16:]) == binary.LittleEndian.Uint64(l[16:]) {
			return a.lastTimeMS, true
		}
	} else if len(a.lastTime) > 0 && string(val) == string(a.lastTime) {
		return a.lastTimeMS, true
	}
	ms, ok := parseInstant(val)
	if ok {
		a.lastTime, a.lastTimeMS = append(a.lastTime[:0], val...), ms
	}
	return ms, ok
}

// unescape decodes raw into the scratch buffer (escapes resolved; bytes
// that are not UTF-8 are kept as they are, which is all a fingerprint
// needs).
func (a *answerFacts) unescape(raw []byte) []byte {
	start := len(a.scratch)
	a.scratch = jsonscan.ResolveEscapes(a.scratch, raw)
	return a.scratch[start:len(a.scratch):len(a.scratch)]
}

// instantMask has bit i set when written property i holds instants.
var instantMask = func() (m uint16) {
	for i, p := range hubspot.WritableTaskProperties {
		if slices.Contains(hubspot.DateTimeProperties, p) {
			m |= 1 << i
		}
	}
	return m
}()

// valueFingerprint is the 32-bit fingerprint of a decoded value of written
// property bit, under the key fpKey. Instants are fingerprinted as the
// instant, so epoch milliseconds and ISO 8601 of the same moment agree
// (parseInstant); the low bit tells an instant (1) from a text (0), so an
// instant never matches a value that does not parse as one.
//
// Texts are hashed with wyhash's construction (Wang Yi's public domain
// hash: eight-byte loads, each pair folded by one 64×64→128-bit multiply),
// written out here because maphash.Bytes costs a call into the runtime's
// AES hash and its set-up, about 60 instructions for the short values of
// an answer, where this is about 20 (and no call: an answer has about 800
// values to fingerprint). The length and the key go into every fold;
// values up to 16 bytes are read as their textWords (the first and the
// last eight bytes, overlapping from 9 bytes on, the bytes themselves
// below 8: with the length, an exact encoding of the value), longer ones
// 16 bytes a fold, then their last 16 bytes. The fingerprint only has to be the same for the same value
// within one process and to tell different values apart: the invariants
// and the read-back compare a key's last acknowledged fingerprint with a
// later one, and a collision would hide a changed value (it cannot invent
// a violation). With a random key per process and wyhash's mixing (it
// passes SMHasher), two different values share a 32-bit fingerprint with
// a chance of about 2^-32 ≈ 2.3e-10 per comparison: a run of 10 M
// compared values misses a real difference with a chance of about 0.2 %,
// which we accept for a fingerprint a quarter the size of a 128-bit one
// (64 bytes per key).
func valueFingerprint(key uint64, bit int, v []byte) uint32 {
	if instantMask>>bit&1 != 0 {
		if ms, ok := parseInstant(v); ok {
			return instantFingerprint(key, ms)
		}
	}
	return textFingerprint(key, v, 0, len(v))
}

// instantFingerprint is valueFingerprint of an instant, ms milliseconds
// since the epoch: the low bit set.
func instantFingerprint(key uint64, ms int64) uint32 {
	h := fpMix(uint64(ms)^fpK1, key^fpK2)
	return uint32(h>>32) ^ uint32(h) | 1
}

// textFingerprint is valueFingerprint of a text (the low bit clear): the
// text d[lo:hi]. Up to 16 bytes, the text's textWords and its length are
// the whole text, so the two folds see every byte; the pending loop
// (setPending) does the same inline.
func textFingerprint(key uint64, d []byte, lo, hi int) uint32 {
	if hi-lo > 16 {
		return textFingerprintLong(key, d[lo:hi])
	}
	a, b := textWords(d, lo, hi)
	return fpFinal(key, hi-lo, a, b)
}

// textFingerprintLong is textFingerprint of a text longer than 16 bytes.
// Folding from a shrinking slice with constant offsets lets the compiler
// drop the bounds checks (the answers' long values, html previews, are
// most of the hashed bytes).
func textFingerprintLong(key uint64, v []byte) uint32 {
	n := len(v)
	for w := v; len(w) > 16; w = w[16:] {
		key = fpMix(binary.LittleEndian.Uint64(w[:8])^fpK1, binary.LittleEndian.Uint64(w[8:16])^key)
	}
	return fpFinal(key, n, binary.LittleEndian.Uint64(v[n-16:]), binary.LittleEndian.Uint64(v[n-8:]))
}

// fpFinal folds a text's last two words a and b, its length n and the key
// (as the longer texts' folds left it) into the fingerprint.
func fpFinal(key uint64, n int, a, b uint64) uint32 {
	h := fpMix(fpK1^uint64(n), fpMix(a^fpK1, b^key))
	return (uint32(h>>32) ^ uint32(h)) &^ 1
}

// Constants of wyhash (valueFingerprint).
const (
	fpK0 = 0xa0761d6478bd642f
	fpK1 = 0xe7037ed1a0b428db
	fpK2 = 0x8ebc6af09c88c6e3
)

// fpMix folds the 128-bit product of a and b into 64 bits.
func fpMix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// fpKeyOf turns a random seed into the fingerprint key.
func fpKeyOf(seed uint64) uint64 { return fpMix(seed^fpK0, fpK1) }

// plainUint parses a record id that is a plain decimal number (HubSpot's
// are), without sign or leading zero, up to 19 digits. Ids of 8 to 16
// digits (HubSpot's have 11) are read as two words of eight digits
// (digits8), without a loop.
func plainUint(b []byte) (uint64, bool) {
	n := len(b)
	if n < 8 || n > 16 || b[0] == '0' {
		return plainUintLoop(b)
	}
	// The first n-8 digits, moved to the top of their word, below them
	// '0's: leading zeros of the same number.
	k := uint(n-8) * 8
	head, ok0 := digits8(binary.LittleEndian.Uint64(b)<<(64-k) | uint64(asciiZeros)>>k)
	tail, ok1 := digits8(binary.LittleEndian.Uint64(b[n-8:]))
	return head*100_000_000 + tail, ok0 && ok1
}

// plainUintLoop is plainUint digit by digit (not inlined: plainUint is).
//
//go:noinline
func plainUintLoop(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

const asciiZeros = 0x3030303030303030 // "00000000"

// digits8 reads eight ASCII digits, the first in the lowest byte of x, as
// a number, and says whether they are all digits. A digit's high nibble
// is 3, and adding 6 keeps it 3 (no byte carries into the next: the first
// test bounds each byte to 0x3f). The three multiplies each join pairs of
// neighbours (ten times the first plus the second: digits, then pairs,
// then quads), as in simdjson's parse_eight_digits_unrolled.
func digits8(x uint64) (uint64, bool) {
	const hi = 0xf0f0f0f0f0f0f0f0
	ok := x&hi == asciiZeros && (x+0x0606060606060606)&hi == asciiZeros
	x = (x & 0x0f0f0f0f0f0f0f0f) * (10<<8 + 1) >> 8
	x = (x & 0x00ff00ff00ff00ff) * (100<<16 + 1) >> 16
	return (x & 0x0000ffff0000ffff) * (10000<<32 + 1) >> 32, ok
}
