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
	// fpCache holds, per written property, the last values fingerprinted
	// in this answer (spans of body): a few values (status, priority,
	// type, owner) repeat across results, and an instant's fingerprint
	// costs a parse.
	body    []byte
	fpCache [hubspot.NumWritableTaskProperties][fpCacheWays]fpCached
	fpNext  [hubspot.NumWritableTaskProperties]uint8
}

// fpCacheWays is how many values of each property fpCache keeps.
const fpCacheWays = 4

// fpCached is a raw value (a span of the answer) and its fingerprint.
type fpCached struct {
	raw span
	fp  uint32
}

func (a *answerFacts) reset() {
	a.results = a.results[:0]
	a.failed = a.failed[:0]
	a.unnamedErrors = 0
	a.scratch = a.scratch[:0]
	a.body = nil
	a.fpCache = [hubspot.NumWritableTaskProperties][fpCacheWays]fpCached{}
}

// start empties a for the facts of body.
func (a *answerFacts) start(body []byte) {
	a.reset()
	a.body = body
}

// fingerprint is valueFingerprint of the written property bit whose raw
// value (escapes unresolved, esc when it has some) is the span sp of the
// answer, from fpCache when the same raw text was seen in this answer.
func (a *answerFacts) fingerprint(seed maphash.Seed, bit int, sp span, esc bool) uint32 {
	raw := a.body[sp.lo:sp.hi]
	ways := &a.fpCache[bit]
	for i := range ways {
		c := &ways[i]
		if c.raw.hi-c.raw.lo == sp.hi-sp.lo && c.raw.hi != 0 && string(a.body[c.raw.lo:c.raw.hi]) == string(raw) {
			return c.fp
		}
	}
	val := raw
	if esc {
		val = a.unescape(raw)
	}
	fp := valueFingerprint(seed, bit, val)
	n := a.fpNext[bit] % fpCacheWays
	ways[n], a.fpNext[bit] = fpCached{raw: sp, fp: fp}, n+1
	return fp
}

// errUnreadableAnswer is an answer the extractor cannot walk: not JSON, or
// not an object. Its results are lost to the invariants, which count the
// answer's inputs as acknowledged without a result.
var errUnreadableAnswer = errors.New("answer is not a JSON object")

// extractor knows the stream (keys and trace ids) and the unique property.
type extractor struct {
	gen    *generators.Generator
	idProp []byte
	// props tells the properties the extractor reads (the unique one and
	// the written ones) by name; see propKind.
	props [propSlots]propSlot
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

// propSlots is the size of the open-addressed table of read properties
// (ten names: mostly one probe).
const propSlots = 64

// propSlot is one name of the table: its length and last eight bytes
// (nameSig) reject nearly every other name without a comparison.
type propSlot struct {
	used bool
	kind int8
	sig  uint64
	name string
}

// nameSig is the last eight bytes of name (all of it when shorter), as a
// number.
func nameSig(name []byte) uint64 {
	if len(name) >= 8 {
		return binary.LittleEndian.Uint64(name[len(name)-8:])
	}
	var v uint64
	for i, c := range name {
		v |= uint64(c) << (8 * i)
	}
	return v
}

func propSlotOf(sig uint64, n int) int {
	return int((sig*0x9e3779b97f4a7c15 ^ uint64(n)*0x2545f4914f6cdd1d) >> 58) // 64 slots
}

func (x *extractor) addProp(name string, kind int) {
	sig := nameSig([]byte(name))
	i := propSlotOf(sig, len(name))
	for x.props[i].used {
		i = (i + 1) % propSlots
	}
	x.props[i] = propSlot{used: true, kind: int8(kind), sig: sig, name: name}
}

// propKind tells what the extractor does with a property: propKey,
// propOther or the written property's position. Every property of every
// result asks, and most are neither.
func (x *extractor) propKind(name []byte) int {
	sig := nameSig(name)
	for i := propSlotOf(sig, len(name)); ; i = (i + 1) % propSlots {
		e := &x.props[i]
		if !e.used {
			return propOther
		}
		if e.sig == sig && len(e.name) == len(name) && string(name) == e.name {
			return int(e.kind)
		}
	}
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
