package load

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
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

// fingerprint is valueFingerprint of the written property bit whose raw
// value (escapes unresolved, esc when it has some) is the span sp of the
// answer. A cache of repeated values per answer was measured and lost:
// comparing costs about what hashing a short value does, and instants,
// whose parse is the costly part, rarely repeat.
func (a *answerFacts) fingerprint(seed maphash.Seed, bit int, sp span, esc bool) uint32 {
	val := a.body[sp.lo:sp.hi]
	if esc {
		val = a.unescape(val)
	}
	return valueFingerprint(seed, bit, val)
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
	// fpSeed keys the value fingerprints. Fingerprints are compared only
	// within one process (an answer with a later read), so a random seed
	// per process is fine and makes collisions unpredictable.
	fpSeed maphash.Seed
}

func newExtractor(gen *generators.Generator) *extractor {
	x := &extractor{gen: gen, idProp: []byte(gen.IDProperty()), fpSeed: maphash.MakeSeed()}
	x.addProp(gen.IDProperty(), propKey)
	for bit, name := range hubspot.WritableTaskProperties {
		if name != gen.IDProperty() {
			x.addProp(name, bit)
		}
	}
	return x
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
// have a length no read property has, and most others differ in their
// last eight bytes.
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
	if kind == propKey {
		val := out.body[sp.lo:sp.hi]
		if esc {
			val = out.unescape(val)
		}
		r.keySpan, r.flags, r.key = sp, r.flags&^factKeyOurs|factKey, 0
		if key, ours := x.gen.ParseKey(val); ours {
			r.key, r.flags = key, r.flags|factKeyOurs
		}
		return
	}
	r.fp[kind] = out.fingerprint(x.fpSeed, kind, sp, esc)
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
	if len(a.lastTime) > 0 && string(val) == string(a.lastTime) {
		return a.lastTimeMS, true
	}
	ms, ok := hubspot.ParseInstant(val)
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

// instantProps marks the written properties that hold instants.
var instantProps = func() (m [hubspot.NumWritableTaskProperties]bool) {
	for i, p := range hubspot.WritableTaskProperties {
		m[i] = slices.Contains(hubspot.DateTimeProperties, p)
	}
	return m
}()

// valueFingerprint is the 32-bit fingerprint of a decoded value of written
// property bit. Instants are fingerprinted as the instant, so epoch
// milliseconds and ISO 8601 of the same moment agree (hubspot.ParseInstant);
// the low bit tells an instant (1) from a text (0), so an instant never
// matches a value that does not parse as one.
func valueFingerprint(seed maphash.Seed, bit int, val []byte) uint32 {
	if instantProps[bit] {
		if ms, ok := hubspot.ParseInstant(val); ok {
			h := maphash.Comparable(seed, ms)
			return uint32(h>>32) ^ uint32(h) | 1
		}
	}
	h := maphash.Bytes(seed, val)
	return (uint32(h>>32) ^ uint32(h)) &^ 1
}

// plainUint parses a record id that is a plain decimal number (HubSpot's
// are), without sign or leading zero, up to 19 digits.
func plainUint(b []byte) (uint64, bool) {
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
