package emulator

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
)

// record is one stored task. Its fields are guarded by the lock of the
// unique shard that holds it; hash and uniqueSlot never change after
// creation, so they may be read without it.
//
// data holds the unique value followed by the property values, packed as
// a sequence of [property index byte][uvarint length][value as raw JSON
// string content], in no particular order. Keeping values in their escaped
// wire form means answers copy them without re-escaping; keeping the
// unique value in front of them means that finding a record and updating
// it touch the same memory, and a create makes one allocation. The buffer
// belongs to the store: an update rewrites it in place when the merged
// values fit its capacity (which the allocator rounds up to its size
// class, so small growth is free), and readers copy it under the lock
// (snapshot). That turns most updates into a memmove within one buffer
// instead of an allocation and a copy.
type record struct {
	id         uint64
	created    int64 // unix milliseconds
	updated    int64 // unix milliseconds, strictly increases with each update
	hash       uint64
	data       []byte
	ulen       uint32 // length of the unique value at the start of data
	uniqueSlot uint8
	flags      uint8 // flagSystemWrite (timing.go), flagStale (fault_consistency.go); fits the padding
}

// unique is the record's unique value (unescaped).
func (r *record) unique() []byte { return r.data[:r.ulen] }

// props is the record's packed property values.
func (r *record) props() []byte { return r.data[r.ulen:] }

const numShards = 256

type uniqueShard struct {
	mu sync.Mutex
	// byValue has one table per unique property slot.
	byValue []recordTable
	// slab hands out records in blocks, one allocation per slabSize
	// creates. An archived record's slot stays in its block (its
	// properties are released) until Reset.
	slab []record
	_    [16]byte // keep shards on separate cache lines
}

const slabSize = 32

// Records are also reachable by id through a directory of fixed-size
// chunks indexed by id − FirstObjectID. Ids are handed out sequentially, so
// this costs 8 bytes per record and no hashing or locking: slots are
// written with atomic stores under the unique shard lock and read with
// atomic loads.
const (
	chunkBits = 16
	chunkSize = 1 << chunkBits
	maxChunks = 1 << 16 // 4 billion ids
)

type idChunk [chunkSize]atomic.Pointer[record]

// store holds every live record. It is safe for concurrent use: an upsert
// of one unique value runs entirely under that value's shard lock, so two
// overlapping upserts of a value serialise and exactly one of them creates
// the record.
type store struct {
	seed    maphash.Seed
	slots   int
	unique  [numShards]uniqueShard
	dirMu   sync.Mutex // guards creating chunks
	dir     [maxChunks]atomic.Pointer[idChunk]
	nextID  atomic.Uint64
	records atomic.Int64
	// timing is the system write and search lag (timing.go); now is the
	// emulator's clock, which reads settle a due system write with.
	timing timing
	now    func() int64
	// stale holds the versions stale-read faults keep, per unique shard
	// (by record hash), guarded by that shard's lock; staleKept counts
	// them against maxStale (fault_consistency.go).
	stale     [numShards]map[*record]staleVersion
	staleKept atomic.Int64
	maxStale  int
}

func newStore(uniqueSlots int) *store {
	s := &store{seed: maphash.MakeSeed(), slots: uniqueSlots, maxStale: DefaultMaxStaleVersions}
	s.nextID.Store(FirstObjectID - 1)
	s.clear()
	return s
}

// clear drops every record. Ids keep counting so that a client holding an
// old id never reads a different record under it.
func (s *store) clear() {
	for i := range s.unique {
		sh := &s.unique[i]
		sh.mu.Lock()
		sh.byValue = make([]recordTable, s.slots)
		sh.slab = nil
		s.timing.lag[i] = lagShard{}
		s.stale[i] = nil
		sh.mu.Unlock()
	}
	s.staleKept.Store(0)
	s.dirMu.Lock()
	for i := range s.dir {
		if s.dir[i].Load() != nil { // most of the 65,536 are: skip the atomic store
			s.dir[i].Store(nil)
		}
	}
	s.dirMu.Unlock()
	s.records.Store(0)
}

// uniqueShardFor returns the shard of value in unique slot and its hash,
// which the shard's table reuses (its bits above the shard number).
func (s *store) uniqueShardFor(slot int, value []byte) (*uniqueShard, uint64) {
	h := maphash.Bytes(s.seed, value) ^ uint64(slot)*0x9e3779b97f4a7c15
	return &s.unique[h%numShards], h
}

// slot returns the directory slot of id, creating its chunk when create is
// set; nil when the id is out of range or its chunk does not exist.
func (s *store) slot(id uint64, create bool) *atomic.Pointer[record] {
	n := id - FirstObjectID
	if id < FirstObjectID || n >= maxChunks*chunkSize {
		return nil
	}
	c := s.dir[n>>chunkBits].Load()
	if c == nil {
		if !create {
			return nil
		}
		s.dirMu.Lock()
		if c = s.dir[n>>chunkBits].Load(); c == nil {
			c = new(idChunk)
			s.dir[n>>chunkBits].Store(c)
		}
		s.dirMu.Unlock()
	}
	return &c[n&(chunkSize-1)]
}

// writeResult is what an upsert reports about one input.
type writeResult struct {
	id               uint64
	created, updated int64
	isNew            bool
}

// upsert creates or updates the record whose unique property slot has value
// (unescaped), merging the packed properties of the input; a create also
// stores defaults (which the input's values override). nowMS is the write
// time; updated never goes backwards and strictly increases.
func (s *store) upsert(slot int, value []byte, input, defaults []packedProp, nowMS int64) writeResult {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	res := s.upsertLocked(sh, h, slot, value, input, defaults, nowMS)
	sh.mu.Unlock()
	if res.isNew {
		s.records.Add(1)
	}
	return res
}

// upsertLocked is upsert under sh's lock (sh and h from uniqueShardFor);
// the caller counts a create in s.records.
func (s *store) upsertLocked(sh *uniqueShard, h uint64, slot int, value []byte, input, defaults []packedProp, nowMS int64) writeResult {
	t := &sh.byValue[slot]
	r, pos := t.find(h, value)
	if r != nil {
		s.beforeWrite(r, nowMS)
		r.updated = max(nowMS, r.updated+1)
		r.data = mergeProps(r.data, int(r.ulen), input)
		return writeResult{id: r.id, created: r.created, updated: r.updated}
	}
	if len(sh.slab) == cap(sh.slab) {
		sh.slab = make([]record, 0, slabSize)
	}
	sh.slab = append(sh.slab, record{
		id:         s.nextID.Add(1),
		created:    nowMS,
		updated:    nowMS,
		hash:       h,
		ulen:       uint32(len(value)),
		uniqueSlot: uint8(slot),
		flags:      s.onCreate(h, nowMS),
	})
	r = &sh.slab[len(sh.slab)-1]
	r.data = append(slices.Grow([]byte(nil), len(value)+packedLen(input)+packedLen(defaults)), value...)
	if len(defaults) > 0 {
		r.data = mergeProps(r.data, len(value), defaults)
	}
	r.data = mergeProps(r.data, len(value), input)
	t.insert(pos, h, r)
	if p := s.slot(r.id, true); p != nil {
		p.Store(r)
	}
	return writeResult{id: r.id, created: r.created, updated: r.updated, isNew: true}
}

// batchWrite is one write of upsertBatch: what upsert takes.
type batchWrite struct {
	slot            int
	value           []byte
	input, defaults []packedProp
	h               uint64 // the value's hash, set by upsertBatch
}

// upsertBatch applies ws in order, each exactly as upsert applies it, and
// appends their results to res. In a large store most of a write's time is
// spent waiting for memory: the table slot, the record and its value are
// three cache misses in a row, and one input's misses used to wait for the
// previous input's, because each write took and released its shard's lock
// (a locked instruction lets no later load start before it). upsertBatch
// takes the lock of every shard the batch touches first, in shard order
// (so two batches, or a batch and a single-shard call, never deadlock),
// then touches every input's slot, record and value in one pass with no
// lock in between, so the processor fetches them in parallel, and then
// writes, finding them cached. The writes of a batch become visible
// together, which no reader could tell from their applying one after
// another faster than it reads. BenchmarkStoreBatch measures the gain on a
// store of a million records; TestUpsertBatchMatchesOneByOne holds it to
// upsert.
func (s *store) upsertBatch(ws []batchWrite, nowMS int64, res []writeResult) []writeResult {
	var touched [numShards / 64]uint64
	for i := range ws {
		_, ws[i].h = s.uniqueShardFor(ws[i].slot, ws[i].value)
		touched[ws[i].h%numShards/64] |= 1 << (ws[i].h % 64)
	}
	for w, bitsLeft := range touched {
		for ; bitsLeft != 0; bitsLeft &= bitsLeft - 1 {
			s.unique[w*64+bits.TrailingZeros64(bitsLeft)].mu.Lock()
		}
	}
	var sum uint64
	for i := range ws {
		sum += s.unique[ws[i].h%numShards].byValue[ws[i].slot].touch(ws[i].h)
	}
	var created int64
	for i := range ws {
		w := &ws[i]
		r := s.upsertLocked(&s.unique[w.h%numShards], w.h, w.slot, w.value, w.input, w.defaults, nowMS)
		if r.isNew {
			created++
		}
		res = append(res, r)
	}
	for w, bitsLeft := range touched {
		for ; bitsLeft != 0; bitsLeft &= bitsLeft - 1 {
			s.unique[w*64+bits.TrailingZeros64(bitsLeft)].mu.Unlock()
		}
	}
	if sum == 1 { // a side effect on a value no one can predict keeps the touching loads
		s.records.Add(0)
	}
	s.records.Add(created)
	return res
}

// exists reports whether a live record holds value in unique slot.
func (s *store) exists(slot int, value []byte) bool {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	r, _ := sh.byValue[slot].find(h, value)
	sh.mu.Unlock()
	return r != nil
}

// snapshot is a consistent copy of a record for answers. Its data is
// copied (under the shard lock) into the caller's scratch buffer, because
// updates rewrite a record's buffer in place: it stays valid until the
// scratch buffer is used again.
type snapshot struct {
	record
	found bool
	stale bool // an older version, answered by a stale-read fault
}

func takeSnapshot(r *record, scratch *[]byte) snapshot {
	snap := snapshot{record: *r, found: true}
	*scratch = append((*scratch)[:0], r.data...)
	snap.data = *scratch
	return snap
}

func (s *store) getByUnique(slot int, value []byte, scratch *[]byte) snapshot {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r, _ := sh.byValue[slot].find(h, value); r != nil {
		s.settleNow(r)
		if r.flags&flagStale != 0 {
			return s.takeStale(r, scratch)
		}
		return takeSnapshot(r, scratch)
	}
	return snapshot{}
}

// live returns the record stored under id, locked in its shard, or nil
// when there is none (never created, or archived). The caller unlocks sh.
func (s *store) live(id uint64) (r *record, sh *uniqueShard, pos int) {
	p := s.slot(id, false)
	if p == nil {
		return nil, nil, -1
	}
	if r = p.Load(); r == nil {
		return nil, nil, -1
	}
	// hash and uniqueSlot never change after creation: no lock needed to
	// find the shard.
	sh = &s.unique[r.hash%numShards]
	sh.mu.Lock()
	if pos = sh.byValue[r.uniqueSlot].position(r.hash, r); pos < 0 {
		sh.mu.Unlock()
		return nil, nil, -1 // archived meanwhile
	}
	return r, sh, pos
}

func (s *store) getByID(id uint64, scratch *[]byte) snapshot {
	r, sh, _ := s.live(id)
	if r == nil {
		return snapshot{}
	}
	defer sh.mu.Unlock()
	s.settleNow(r)
	if r.flags&flagStale != 0 {
		return s.takeStale(r, scratch)
	}
	return takeSnapshot(r, scratch)
}

// archive removes a record by id. It reports whether one was removed. An
// archived record is gone for reads, and a later upsert of its unique value
// creates a new record with a new id.
func (s *store) archive(id uint64) bool {
	r, sh, pos := s.live(id)
	if r == nil {
		return false
	}
	sh.byValue[r.uniqueSlot].remove(pos)
	s.forget(r)
	s.dropStale(r)
	if p := s.slot(id, false); p != nil {
		p.CompareAndSwap(r, nil)
	}
	// The record's slab slot stays until Reset; its buffer need not.
	r.data, r.ulen = nil, 0
	sh.mu.Unlock()
	s.records.Add(-1)
	return true
}

// packedProp is one property value to store: idx into the schema, raw JSON
// string content (escapes kept).
type packedProp struct {
	idx uint8
	raw []byte
}

// mergeProps overwrites the packed properties in buf (after its first
// prefix bytes, which it keeps) with input and returns the result.
// Properties not in input are kept; an empty value ("" or null) clears the
// property: it is removed, so answers omit it. buf is the store's own buffer (see record), so the kept values
// are first compacted in place, in the same pass that reads them (the
// first touch of a record's values is a cache miss, so each pass counts);
// the input is then appended there when it fits buf's capacity, or the
// result moves to a new buffer whose capacity the allocator rounds up to
// its size class.
func mergeProps(buf []byte, prefix int, input []packedProp) []byte {
	var written [4]uint64 // bitset of the input's property indexes
	for _, in := range input {
		written[in.idx>>6] |= 1 << (in.idx & 63)
	}
	out := keepUnwritten(buf[:prefix], buf[prefix:], &written) // dst never overtakes src
	if add := packedLen(input); len(out)+add > cap(out) {
		out = append(slices.Grow([]byte(nil), len(out)+add), out...)
	}
	for _, in := range input {
		if len(in.raw) == 0 {
			continue // cleared
		}
		out = append(out, in.idx)
		out = binary.AppendUvarint(out, uint64(len(in.raw)))
		out = append(out, in.raw...)
	}
	return out
}

// packedLen is the packed length of input (cleared values take none).
func packedLen(input []packedProp) int {
	n := 0
	for _, in := range input {
		if len(in.raw) > 0 {
			n += packedSize(len(in.raw))
		}
	}
	return n
}

// keepUnwritten appends to dst the entries of old whose index is not in
// written. dst may share old's memory from its start.
func keepUnwritten(dst, old []byte, written *[4]uint64) []byte {
	for p := old; len(p) > 0; {
		idx, _, rest := nextPacked(p)
		if written[idx>>6]&(1<<(idx&63)) == 0 {
			n := len(p) - len(rest)
			if len(dst) < cap(dst) && &dst[:len(dst)+1][len(dst)] == &p[0] {
				dst = dst[:len(dst)+n] // already in place
			} else {
				dst = append(dst, p[:n]...)
			}
		}
		p = rest
	}
	return dst
}

// packedSize is the packed length of a value of n bytes.
func packedSize(n int) int {
	size := 2 + n
	for v := uint64(n); v >= 0x80; v >>= 7 {
		size++
	}
	return size
}

// nextPacked splits the first property off a packed buffer.
func nextPacked(p []byte) (idx uint8, raw []byte, rest []byte) {
	idx = p[0]
	var n uint64
	i := 1
	for shift := 0; ; shift += 7 {
		c := p[i]
		i++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
	}
	return idx, p[i : i+int(n)], p[i+int(n):]
}

// lookupPacked returns the raw value of property idx in p.
func lookupPacked(p []byte, idx uint8) ([]byte, bool) {
	for len(p) > 0 {
		i, raw, rest := nextPacked(p)
		if i == idx {
			return raw, true
		}
		p = rest
	}
	return nil, false
}
