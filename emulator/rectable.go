package emulator

// recordTable maps unique values to records within one shard: a
// linear-probing open-addressing table keyed by the hash the store already
// computed to pick the shard. It replaces a map[string]*record, which hashed
// the value a second time, and its entries keep the full hash, so a probe
// only dereferences a record (a likely cache miss) when the hashes match.
// It is guarded by its shard's lock.
type recordTable struct {
	entries []tableEntry // len is 0 or a power of two; r == nil marks a free slot
	n       int
}

type tableEntry struct {
	hash uint64
	r    *record
}

const recordTableMin = 16

// home is the first slot probed for hash h. The low bits chose the shard,
// so they are the same for every entry of a table: use the bits above.
func (t *recordTable) home(h uint64) int {
	return int((h >> 8) & uint64(len(t.entries)-1))
}

// find returns the record holding value (nil if none) and the slot where
// it is, or where it would be inserted (-1 when the table is empty).
func (t *recordTable) find(h uint64, value []byte) (*record, int) {
	if len(t.entries) == 0 {
		return nil, -1
	}
	mask := len(t.entries) - 1
	for i := t.home(h); ; i = (i + 1) & mask {
		e := &t.entries[i]
		if e.r == nil {
			return nil, i
		}
		if e.hash == h && string(e.r.unique()) == string(value) {
			return e.r, i
		}
	}
}

// touch reads the home slot of h and, when its hash is h, the record it
// holds and the first byte of its value, and returns a sum of what it read
// (for upsertBatch's first pass: the reads bring the cache lines in,
// the sum only keeps the compiler from dropping them).
func (t *recordTable) touch(h uint64) uint64 {
	if len(t.entries) == 0 {
		return 0
	}
	e := &t.entries[t.home(h)]
	if e.hash != h || e.r == nil {
		return e.hash
	}
	v := uint64(e.r.ulen)
	if d := e.r.data; len(d) > 0 {
		v += uint64(d[0])
	}
	return v
}

// position returns the slot holding r, whose hash is h, or -1. It compares
// pointers only, so it never reads another record.
func (t *recordTable) position(h uint64, r *record) int {
	if len(t.entries) == 0 {
		return -1
	}
	mask := len(t.entries) - 1
	for i := t.home(h); t.entries[i].r != nil; i = (i + 1) & mask {
		if t.entries[i].r == r {
			return i
		}
	}
	return -1
}

// insert stores r at pos, the free slot find returned for h.
func (t *recordTable) insert(pos int, h uint64, r *record) {
	if pos < 0 || (t.n+1)*4 > len(t.entries)*3 {
		t.grow()
		mask := len(t.entries) - 1
		for pos = t.home(h); t.entries[pos].r != nil; pos = (pos + 1) & mask {
		}
	}
	t.entries[pos] = tableEntry{hash: h, r: r}
	t.n++
}

func (t *recordTable) grow() {
	old := t.entries
	t.entries = make([]tableEntry, max(recordTableMin, 2*len(old)))
	mask := len(t.entries) - 1
	for _, e := range old {
		if e.r == nil {
			continue
		}
		i := t.home(e.hash)
		for t.entries[i].r != nil {
			i = (i + 1) & mask
		}
		t.entries[i] = e
	}
}

// remove empties slot pos and shifts later entries of its probe chain
// back, so that find never stops early at the hole (no tombstones).
func (t *recordTable) remove(pos int) {
	mask := len(t.entries) - 1
	i := pos
	for j := (i + 1) & mask; t.entries[j].r != nil; j = (j + 1) & mask {
		k := t.home(t.entries[j].hash)
		// Move entry j into the hole at i unless its home lies cyclically
		// in (i, j], where it would then be unreachable from.
		if (j > i && (k <= i || k > j)) || (j < i && k <= i && k > j) {
			t.entries[i] = t.entries[j]
			i = j
		}
	}
	t.entries[i] = tableEntry{}
	t.n--
}
