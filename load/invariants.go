package load

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/results"
)

// DefaultMaxKeys caps the keys whose state the invariants keep: 1M keys,
// 64 MB. Results for keys beyond it are still held to accounting and trace
// ids, and counted as untracked; a scenario's batch keyspace keeps a long
// run within the cap.
const DefaultMaxKeys = 1 << 20

// The run-wide invariants: every 2xx upsert answer is read (extract.go),
// matched input by input against the batch's plan from the generator, and
// folded into the per-key state (keystate.go). What does not hold is
// counted per named invariant, with the first offenders and the two
// answers that conflict. Answers are processed concurrently by several
// goroutines in any order; the state is behind one mutex, held for the
// fold only (a few microseconds per answer).

// checkIndex numbers the invariants as results.InvariantNames lists them.
type checkIndex int

const (
	chkOneID checkIndex = iota
	chkNewOnce
	chkTraceID
	chkAccounting
	chkUpdatedAt
	chkLostWrite
	chkStaleRead
	numChecks
)

var checkUnits = [numChecks]string{
	chkOneID: "keys", chkNewOnce: "results", chkTraceID: "results", chkAccounting: "inputs",
	chkUpdatedAt: "results", chkLostWrite: "key reads", chkStaleRead: "key reads",
}

// checkLog is one invariant's tally.
type checkLog struct {
	checked, violations uint64
	notChecked, note    string
	offenders           []results.Offender
}

// batchInfo is what the invariants remember of every request: when it was
// sent and answered (milliseconds into the run; sent rounded down, done
// rounded up, so that "answered before sent" comparisons never claim an
// order that did not happen) and its status (0: no answer).
type batchInfo struct {
	sent, done uint32
	status     uint16
}

const batchPageBits = 14

// batchTable maps batch numbers to batchInfo, in pages allocated as the run
// goes (off the Go heap, keypages.go): 12 bytes per request.
type batchTable struct{ pages [][]batchInfo }

func (t *batchTable) at(n uint64) *batchInfo {
	p := n >> batchPageBits
	for uint64(len(t.pages)) <= p {
		t.pages = append(t.pages, nil)
	}
	if t.pages[p] == nil {
		t.pages[p] = batchPages.get()
	}
	return &t.pages[p][n&(1<<batchPageBits-1)]
}

func (t *batchTable) get(n uint64) (batchInfo, bool) {
	p := n >> batchPageBits
	if p >= uint64(len(t.pages)) || t.pages[p] == nil {
		return batchInfo{}, false
	}
	b := t.pages[p][n&(1<<batchPageBits-1)]
	return b, b.done != 0 || b.status != 0
}

// ackedBefore reports whether the answer to batch m had certainly arrived
// before batch n was sent.
func (t *batchTable) ackedBefore(mRef uint32, n uint64) bool {
	m, ok := answerOf(mRef)
	if !ok || m == n {
		return false
	}
	bm, okM := t.get(m)
	bn, okN := t.get(n)
	return okM && okN && bm.done <= bn.sent
}

// delivery is one finished upsert exchange, handed to the invariants.
type delivery struct {
	n          uint64        // batch number
	sent, done time.Duration // into the run
	status     int           // 0: no answer (transport error)
	body       *keptBody     // the 2xx answer's body; nil otherwise
	plan       *batchPlan    // batch n's plan, made with its body (Targeter)
}

// invariants checks a run's answers. process is safe for concurrent use;
// summary is called once at the end.
type invariants struct {
	gen       *generators.Generator
	x         *extractor
	freshKeys bool   // keys cannot exist before the run (checks "never new")
	maxKeys   uint64 // keys beyond are not tracked

	mu         sync.Mutex
	keys       keyTable
	batches    batchTable
	checks     [numChecks]checkLog
	answers    uint64
	results    uint64
	unreadable uint64
	unknown    uint64
	untracked  uint64
}

func newInvariants(gen *generators.Generator, freshKeys bool, maxKeys uint64) *invariants {
	inv := &invariants{gen: gen, x: newExtractor(gen), freshKeys: freshKeys, maxKeys: maxKeys}
	if inv.maxKeys == 0 {
		inv.maxKeys = DefaultMaxKeys
	}
	if !gen.TraceIDs() {
		inv.checks[chkTraceID].notChecked = "the scenario sends no trace ids (batch.trace_ids: false); results that carry one anyway are still violations"
	}
	if !freshKeys {
		inv.checks[chkNewOnce].note = "keys may exist from an earlier run with the same key prefix, so a created key that never answered new:true is not counted (set a run-unique key prefix to check it)"
	}
	return inv
}

// scratch is one worker's reusable memory.
type scratch struct {
	sc    jsonscan.Scanner
	facts answerFacts
	// per input: results naming it, and whether an error entry names it
	count  [128]uint8
	failed [128]bool
	// per result: the input it answers (-1: none) and why not
	input []int16
	why   []string
	index keyIndex
}

// keyIndex finds an input of the batch by stream key: a small
// open-addressing table, rebuilt per batch without allocating.
type keyIndex struct {
	keys [256]uint64
	pos  [256]int16 // position + 1; 0 = empty
}

func (ix *keyIndex) build(plan []generators.Planned) {
	ix.pos = [256]int16{}
	for i, p := range plan {
		h := keyHash(p.Key)
		for ix.pos[h] != 0 {
			h = (h + 1) & 255
		}
		ix.keys[h], ix.pos[h] = p.Key, int16(i+1)
	}
}

func (ix *keyIndex) find(k uint64) int {
	for h := keyHash(k); ix.pos[h] != 0; h = (h + 1) & 255 {
		if ix.keys[h] == k {
			return int(ix.pos[h] - 1)
		}
	}
	return -1
}

func keyHash(k uint64) uint8 { return uint8((k * 0x9e3779b97f4a7c15) >> 56) }

// ms converts a time into the run to the batch table's milliseconds.
func msFloor(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min(int64(d/time.Millisecond), math.MaxUint32-1))
}

func msCeil(d time.Duration) uint32 {
	if d <= 0 {
		return 1
	}
	return uint32(min(int64((d+time.Millisecond-1)/time.Millisecond), math.MaxUint32-1))
}

// process folds one exchange into the invariants. Bodies are read and
// matched outside the lock; only the fold holds it. The batch's plan comes
// with the delivery: the Targeter made it with the body, in one pass.
func (inv *invariants) process(d delivery, w *scratch) {
	info := batchInfo{sent: msFloor(d.sent), done: max(msCeil(d.done), msFloor(d.sent)), status: uint16(min(d.status, math.MaxUint16))}
	switch {
	case d.status >= 200 && d.status < 300:
		inv.answer(d, info, w)
	case d.status == 0 || d.status >= 500:
		// No answer or a server error: the writes may or may not have
		// happened (HubSpot documents nothing either way).
		inv.mu.Lock()
		*inv.batches.at(d.n) = info
		inv.unknown++
		for _, p := range d.plan.p {
			if p.Key < inv.maxKeys {
				inv.keys.at(p.Key).unknownWrite(p.Writes)
			}
		}
		inv.mu.Unlock()
	default:
		// 4xx (429 included): the request was refused whole, nothing
		// written. Remember when it happened, for nothing else.
		inv.mu.Lock()
		*inv.batches.at(d.n) = info
		inv.mu.Unlock()
	}
}

func (inv *invariants) answer(d delivery, info batchInfo, w *scratch) {
	var body []byte
	err := errUnreadableAnswer
	if d.body != nil {
		body = d.body.b
		err = inv.x.extract(body, &w.sc, &w.facts)
	}
	inv.settle(d, info, w, body, err)
}

// settle matches an answer's extracted facts (w.facts; err: why the body
// could not be read) with the batch's plan (d.plan) and folds them into
// the run's state: the invariants' part of an answer after extraction
// (BenchmarkInvariantsSettle100).
func (inv *invariants) settle(d delivery, info batchInfo, w *scratch, body []byte, err error) {
	plan := d.plan.p
	size := len(plan)
	clear(w.count[:size])
	clear(w.failed[:size])
	facts := &w.facts
	if err != nil {
		facts.reset()
	}
	w.index.build(plan)
	w.input = slices.Grow(w.input[:0], len(facts.results))[:len(facts.results)]
	w.why = slices.Grow(w.why[:0], len(facts.results))[:len(facts.results)]
	for ri := range facts.results {
		r := &facts.results[ri]
		j, why := -1, ""
		switch {
		case r.has(factKeyOurs):
			if j = w.index.find(r.key); j < 0 {
				why = "the batch has no input with this unique value"
			}
		case r.has(factKey):
			why = "the unique value is not one this run sends"
		case r.has(factTraceOurs) && r.traceN == d.n && int(r.traceI) < size:
			j = int(r.traceI) // no unique value echoed: the trace id names the input
		default:
			why = "the result names no input: no unique value and no trace id of this batch"
		}
		w.input[ri], w.why[ri] = int16(j), why
		if j >= 0 && w.count[j] < 255 {
			w.count[j]++
		}
	}
	extraFailed := 0
	for _, f := range facts.failed {
		if f.n == d.n && int(f.i) < size {
			w.failed[f.i] = true
		} else {
			extraFailed++
		}
	}

	inv.mu.Lock()
	defer inv.mu.Unlock()
	*inv.batches.at(d.n) = info
	inv.answers++
	inv.results += uint64(len(facts.results))
	if err != nil {
		inv.unreadable++
	}
	acc := &inv.checks[chkAccounting]
	acc.checked += uint64(size)
	ref := inv.answerRef(d.n, info, "", "")

	// Accounting, input by input.
	unmatched := 0
	for j := 0; j < size; j++ {
		switch {
		case w.count[j] > 1:
			if !inv.skip(chkAccounting) {
				inv.violate(chkAccounting, inv.gen.Key(plan[j].Key), fmt.Sprintf("input %d has %d results", j, w.count[j]), results.AnswerRef{}, ref)
			}
		case w.count[j] == 1 && w.failed[j]:
			if !inv.skip(chkAccounting) {
				inv.violate(chkAccounting, inv.gen.Key(plan[j].Key), fmt.Sprintf("input %d has a result and an error entry", j), results.AnswerRef{}, ref)
			}
		case w.count[j] == 0 && !w.failed[j]:
			unmatched++
		}
	}
	// Error entries that name no input cover as many inputs without a
	// result (a target that sends no trace ids back cannot do better).
	if excess := unmatched - facts.unnamedErrors; excess > 0 {
		msg := "acknowledged (answered %d) but has no result and no error entry"
		if err != nil {
			msg = "acknowledged (answered %d) but the answer cannot be read: " + err.Error()
		}
		for j := 0; j < size && excess > 0; j++ {
			if w.count[j] == 0 && !w.failed[j] {
				if !inv.skip(chkAccounting) {
					inv.violate(chkAccounting, inv.gen.Key(plan[j].Key), fmt.Sprintf(msg, d.status), results.AnswerRef{}, ref)
				}
				excess--
			}
		}
	}
	for range extraFailed {
		if !inv.skip(chkAccounting) {
			inv.violate(chkAccounting, "", "an error entry names an input of another batch", results.AnswerRef{}, ref)
		}
	}

	for ri := range facts.results {
		r := &facts.results[ri]
		j := int(w.input[ri])
		if j < 0 {
			key := r.keySpan.of(body)
			if key == "" {
				key = "(none)"
			}
			if !inv.skip(chkAccounting) {
				inv.violate(chkAccounting, key, w.why[ri], results.AnswerRef{}, inv.answerRef(d.n, info, r.idSpan.of(body), ""))
			}
			continue
		}
		in := &plan[j]
		key := in.Key

		// Trace ids: a result's trace id names this very input.
		if r.has(factTrace) {
			tc := &inv.checks[chkTraceID]
			tc.checked++
			if !r.has(factTraceOurs) || r.traceN != d.n || int(r.traceI) != j {
				want := "no trace id (the scenario sends none)"
				if inv.gen.TraceIDs() {
					want = inv.gen.TraceID(d.n, j)
				}
				if !inv.skip(chkTraceID) {
					inv.violate(chkTraceID, inv.gen.Key(key), fmt.Sprintf("trace id %q, but the input with this unique value is %s", r.trSpan.of(body), want),
						results.AnswerRef{}, inv.answerRef(d.n, info, r.idSpan.of(body), "objectWriteTraceId "+r.trSpan.of(body)))
				}
			}
		}
		if key >= inv.maxKeys {
			inv.untracked++
			continue
		}
		inv.fold(d.n, info, key, in, r, body)
	}
}

// fold applies one matched result to its key's state.
func (inv *invariants) fold(n uint64, info batchInfo, key uint64, in *generators.Planned, r *resultFacts, body []byte) {
	s := inv.keys.at(key)
	seenBefore := s.is(ksSeen)
	s.flags |= ksSeen
	cur := func(detail string) results.AnswerRef { return inv.answerRef(n, info, r.idSpan.of(body), detail) }

	if r.has(factID) {
		switch {
		case !s.is(ksID):
			s.id, s.firstAns = r.id, ansRef(n)
			s.flags |= ksID
			if r.has(factIDHashed) {
				s.flags |= ksIDHashed
			}
		case s.id != r.id || s.is(ksIDHashed) != r.has(factIDHashed):
			if !inv.skip(chkOneID) {
				inv.violate(chkOneID, inv.gen.Key(key), "the same unique value came back with two record ids",
					inv.storedRef(s.firstAns, s, ""), cur(""))
			}
		}
	}

	if r.has(factNew) {
		nc := &inv.checks[chkNewOnce]
		nc.checked++
		if r.has(factIsNew) {
			switch {
			case s.is(ksNew):
				if !inv.skip(chkNewOnce) {
					inv.violate(chkNewOnce, inv.gen.Key(key), "new:true a second time for the same key",
						inv.storedRef(s.newAns, s, "new:true"), cur("new:true"))
				}
			case seenBefore && inv.batches.ackedBefore(s.firstAns, n):
				if !inv.skip(chkNewOnce) {
					inv.violate(chkNewOnce, inv.gen.Key(key), "new:true for a key whose earlier write was acknowledged before this request was sent",
						inv.storedRef(s.firstAns, s, "new:false"), cur("new:true"))
				}
			default:
				s.flags |= ksNew
				s.newAns = ansRef(n)
			}
		}
	}

	var u int32
	hasU := false
	if r.has(factUpdated) {
		u, hasU = inv.keys.rel(r.updated)
		inv.checks[chkUpdatedAt].checked++
	}
	causal := hasU && s.updated() && inv.batches.ackedBefore(s.maxAns, n)
	prevU, prevAns := s.maxU, s.maxAns
	if s.write(n, u, hasU, in.Writes, r.echoed, &r.fp, causal) {
		if !inv.skip(chkUpdatedAt) {
			inv.violate(chkUpdatedAt, inv.gen.Key(key), "updatedAt went backwards after an earlier write was acknowledged",
				inv.storedRef(prevAns, s, "updatedAt "+inv.instant(prevU)), cur("updatedAt "+inv.instant(u)))
		}
	}
}

// instant renders a relative updatedAt.
func (inv *invariants) instant(rel int32) string {
	return time.UnixMilli(inv.keys.abs(rel)).UTC().Format("2006-01-02T15:04:05.000Z")
}

// answerRef describes an upsert answer for an offender.
func (inv *invariants) answerRef(n uint64, info batchInfo, id, detail string) results.AnswerRef {
	return results.AnswerRef{Kind: "upsert", Batch: n, At: time.Duration(info.sent) * time.Millisecond,
		Status: int(info.status), ID: id, Detail: detail}
}

// storedRef describes an earlier answer the key state points to.
func (inv *invariants) storedRef(ref uint32, s *keyState, detail string) results.AnswerRef {
	return inv.storedRefIn(nil, ref, s, detail)
}

// storedRefIn is storedRef with the id's text kept in text (nil: a string
// of its own).
func (inv *invariants) storedRefIn(text *textArena, ref uint32, s *keyState, detail string) results.AnswerRef {
	n, ok := answerOf(ref)
	if !ok {
		return results.AnswerRef{Kind: "upsert", Detail: detail}
	}
	info, _ := inv.batches.get(n)
	id := ""
	if s.is(ksID) {
		id = text.keep(appendIDText(text.tail(), s))
	}
	return inv.answerRef(n, info, id, detail)
}

// idText renders a stored id.
func idText(s *keyState) string { return string(appendIDText(nil, s)) }

// appendIDText appends idText(s) to dst: the decimal id, or the hash of a
// non-numeric one.
func appendIDText(dst []byte, s *keyState) []byte {
	if s.is(ksIDHashed) {
		return fmt.Appendf(dst, "(non-numeric, hash %016x)", s.id)
	}
	return strconv.AppendUint(dst, s.id, 10)
}

// skip counts a violation of c without details once c's offender list is
// full, and reports whether it did: a target that breaks every result
// must not cost a message per result (the caller builds them only when
// skip is false and then calls violate).
func (inv *invariants) skip(c checkIndex) bool {
	cl := &inv.checks[c]
	if len(cl.offenders) < results.DefaultMaxOffenders {
		return false
	}
	cl.violations++
	return true
}

// violate counts a violation and keeps it as an offender while there is
// room, one entry per key.
func (inv *invariants) violate(c checkIndex, key, msg string, first, second results.AnswerRef) {
	cl := &inv.checks[c]
	// results.(*InvariantCheck).Violate owns the offender policy (the cap,
	// one entry per key), for shard merges and here alike.
	rc := results.InvariantCheck{Violations: cl.violations, Offenders: cl.offenders}
	rc.Violate(results.Offender{Key: key, Message: msg, First: first, Second: second})
	cl.violations, cl.offenders = rc.Violations, rc.Offenders
}

// finish runs the checks that need the whole run: every created key said
// new:true once, and no id belongs to two unique values. It returns every
// key's first id sorted by id, for the shard's key file (writeIDs): 8
// bytes a key when the ids are numbers that fit beside the key numbers,
// else 16 (idRecs, BenchmarkFinishIDs); the key table is not copied.
func (inv *invariants) finish() idRecs {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	n, maxID, maxKey, hashed := 0, uint64(0), uint64(0), false
	inv.keys.forEach(func(k uint64, s *keyState) bool {
		if s.is(ksID) {
			n++
			maxID, maxKey = max(maxID, s.id), max(maxKey, k)
			hashed = hashed || s.is(ksIDHashed)
		}
		if inv.freshKeys && s.is(ksSeen) && !s.is(ksNew) && !s.is(ksUnknown) {
			inv.violate(chkNewOnce, inv.gen.Key(k), "the run created this key, yet no answer said new:true",
				inv.storedRef(s.firstAns, s, "new:false"), results.AnswerRef{})
		}
		return true
	})
	ids := newIDRecs(n, maxID, maxKey, hashed)
	inv.keys.forEach(func(k uint64, s *keyState) bool {
		if s.is(ksID) {
			ids.add(newIDRec(s.id, s.is(ksIDHashed), k))
		}
		return true
	})
	inv.checks[chkOneID].checked = uint64(ids.len())
	ids.sort()
	for i := 1; i < ids.len(); i++ {
		a, b := ids.at(i-1), ids.at(i)
		if !a.sameID(b) {
			continue
		}
		sa, sb := inv.keys.peek(a.key()), inv.keys.peek(b.key())
		ka, kb := inv.gen.Key(a.key()), inv.gen.Key(b.key())
		inv.violate(chkOneID, kb, fmt.Sprintf("record id %s also came back for %s", idText(sb), ka),
			inv.storedRef(sa.firstAns, sa, "for "+ka), inv.storedRef(sb.firstAns, sb, "for "+kb))
	}
	return ids
}

// idRec is one key's first record id, as the end of the run sorts them:
// the id, then the hashed flag in the top bit of the key number (key
// numbers index the in-memory key table, far below 2⁶³), so that the
// records sort by (id, hashed, key number) as two integers.
type idRec struct{ id, hk uint64 }

const idRecHashed = 1 << 63

func newIDRec(id uint64, hashed bool, key uint64) idRec {
	r := idRec{id: id, hk: key}
	if hashed {
		r.hk |= idRecHashed
	}
	return r
}

func (r idRec) key() uint64         { return r.hk &^ idRecHashed }
func (r idRec) hashed() bool        { return r.hk&idRecHashed != 0 }
func (r idRec) sameID(o idRec) bool { return r.id == o.id && r.hashed() == o.hashed() }
func compareIDRecs(a, b idRec) int  { return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.hk, b.hk)) }

// idRecs is finish's list of every key's first id, in the order of
// compareIDRecs once sorted. When no id is hashed and the largest id and
// key number fit in one word together, each record is that word, id above
// key number (packed, keyBits bits of key), whose order as integers is
// compareIDRecs': 8 bytes a key instead of 16. A million-key run holds
// this list while ids.bin is written, at the run's end, when its memory
// peaks: the 16-byte list was 16 MiB of the 10-minute soak's 150 MB
// (scripts/soak.sh, RSS sampled every 20 ms). HubSpot's record ids have
// 11-12 digits (below 2⁴⁰) and the emulator's fewer, and with up to 2²⁰
// keys any id below 2⁴⁴ packs; a text's hash, or a larger number, makes
// the list wide.
type idRecs struct {
	packed  []uint64
	keyBits uint
	wide    []idRec
}

// newIDRecs makes an empty list for n records whose largest id and key
// number are maxID and maxKey; hashed says some id is a text's hash.
func newIDRecs(n int, maxID, maxKey uint64, hashed bool) idRecs {
	keyBits := uint(bits.Len64(maxKey))
	if !hashed && uint(bits.Len64(maxID))+keyBits <= 64 {
		return idRecs{packed: make([]uint64, 0, n), keyBits: keyBits}
	}
	return idRecs{wide: make([]idRec, 0, n)}
}

// add appends r, which must fit the list (newIDRecs' bounds).
func (l *idRecs) add(r idRec) {
	if l.wide != nil || l.packed == nil {
		l.wide = append(l.wide, r)
		return
	}
	l.packed = append(l.packed, r.id<<l.keyBits|r.key())
}

func (l *idRecs) len() int { return len(l.packed) + len(l.wide) }

func (l *idRecs) at(i int) idRec {
	if l.packed != nil {
		p := l.packed[i]
		return idRec{id: p >> l.keyBits, hk: p & (1<<l.keyBits - 1)}
	}
	return l.wide[i]
}

func (l *idRecs) sort() {
	slices.Sort(l.packed)
	slices.SortFunc(l.wide, compareIDRecs)
}

// writeIDs streams finish's records into dir/ids.bin: each key's unique
// value and first answer are made as the record is written and dropped
// after, so the file costs no memory per key. Records sharing an id (a
// one-id violation) are put in results.CompareKeyIDs' order, which sorts
// the unique values as text; records of different ids already are. The
// texts of a record (unique value, decimal id) come from a textArena, not
// a string each: a run names up to a million keys here.
func (inv *invariants) writeIDs(dir string, ids idRecs) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	w, err := results.CreateIDs(dir, uint64(ids.len()))
	if err != nil {
		return err
	}
	defer func() { _ = w.Abort() }()
	var text textArena
	var group []results.KeyID
	for i := 0; i < ids.len(); {
		j := i + 1
		for j < ids.len() && ids.at(j).sameID(ids.at(i)) {
			j++
		}
		if j == i+1 { // one key with this id: the record goes straight out
			if err := w.Add(inv.keyID(ids.at(i), &text)); err != nil {
				return err
			}
			i = j
			continue
		}
		group = group[:0]
		for g := i; g < j; g++ {
			group = append(group, inv.keyID(ids.at(g), &text))
		}
		slices.SortFunc(group, results.CompareKeyIDs)
		for _, k := range group {
			if err := w.Add(k); err != nil {
				return err
			}
		}
		i = j
	}
	return w.Commit()
}

// keyID is the ids.bin record of r: its unique value and the answer that
// gave its first id, their texts kept in text.
func (inv *invariants) keyID(r idRec, text *textArena) results.KeyID {
	k := r.key()
	s := inv.keys.peek(k)
	key := text.keep(inv.gen.AppendKey(text.tail(), k))
	return results.KeyID{ID: r.id, Hashed: r.hashed(), Key: key, First: inv.storedRefIn(text, s.firstAns, s, "")}
}

// textArena hands out strings carved from large byte blocks, one
// allocation for thousands of short texts instead of one each. Bytes a
// string covers are never written again (tail starts after them), so the
// strings are as immutable as any; a block lives as long as one of its
// strings does. A nil *textArena gives each text a string of its own.
type textArena struct{ free []byte }

// textArenaBlock is the size of a block: ~1,500 keys with their ids.
const textArenaBlock = 64 << 10

// tail is where the next text is written: append to it, then keep.
func (a *textArena) tail() []byte {
	if a == nil {
		return nil
	}
	return a.free[:0]
}

// keep returns b, which was appended to tail, as a string and moves the
// tail past it. When b outgrew the block (append moved it to a new array
// of its own) the string is that array and the next text starts a new
// block.
func (a *textArena) keep(b []byte) string {
	if a == nil || len(b) == 0 {
		return string(b)
	}
	if cap(a.free) > 0 && unsafe.SliceData(b) == unsafe.SliceData(a.free) {
		a.free = a.free[len(b):len(b)]
	} else {
		a.free = make([]byte, 0, textArenaBlock)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// summary is the invariants' part of summary.json.
func (inv *invariants) summary() results.InvariantsSummary {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	s := results.InvariantsSummary{
		Answers: inv.answers, Results: inv.results, Unreadable: inv.unreadable, UnknownOutcome: inv.unknown,
		Keys: inv.keys.keys, KeyStateBytes: inv.keys.memory(), MaxKeys: inv.maxKeys, Untracked: inv.untracked,
	}
	for c := range numChecks {
		cl := &inv.checks[c]
		name := results.InvariantNames[c]
		s.Checks = append(s.Checks, results.InvariantCheck{
			Name: name, Description: results.InvariantDescriptions[name], Unit: checkUnits[c],
			Checked: cl.checked, Violations: cl.violations, NotChecked: cl.notChecked, Note: cl.note,
			Offenders: slices.Clone(cl.offenders),
		})
	}
	return s
}

// keptBody is an answer body the transport kept for the invariants, from a
// pool; the invariants give it back when they are done with it.
type keptBody struct{ b []byte }
