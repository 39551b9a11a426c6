package emulator

import (
	"bytes"
	"slices"
)

// Consistency faults: the emulator as a target that breaks consistency
// rarely, for rehearsing (and proving) the checks that must catch it. An
// upsert drawn for one (drawFault, with the seed) picks its victim with the
// request's seeded generator too, so a run is repeatable given the same
// request order. The fault-free path pays one comparison per upsert
// (st.fault) and one flag test per read (flagStale): writeWithFault and the
// kept versions are only reached by drawn requests.

// DefaultMaxStaleVersions bounds the versions stale-read keeps for reads
// that have not come yet: each is one record's values (a few hundred
// bytes), so the bound is about a megabyte. When it is reached, drawn
// upserts keep nothing (and so inject nothing) until reads use some up.
const DefaultMaxStaleVersions = 4096

// Record flag of a record whose previous version a stale-read fault keeps
// (store.stale); the next read answers that version.
const flagStale uint8 = 1 << 1

// staleVersion is a record as it was before the write a stale-read fault
// picked: what the next read of it answers.
type staleVersion struct {
	updated int64
	data    []byte
}

// writeWithFault writes the inputs of an upsert drawn for a consistency
// fault, and applies the fault: stale-read and lost-write to one input that
// updates a record that exists, flip-new and drift-id to one result. When
// nothing qualifies it writes normally and clears st.fault.
func (e *Emulator) writeWithFault(st *requestState, nowMS int64) writeCounts {
	if st.fault == FaultFlipNew || st.fault == FaultDriftID {
		c := e.write(st, 0, len(st.inputs), nowMS)
		if len(st.results) == 0 {
			st.fault = ""
			return c
		}
		k := st.rng.intn(len(st.results))
		e.countFault(st.fault)
		if st.fault == FaultDriftID {
			// The store keeps the right id; the answer names the record
			// created after this one (or none yet).
			st.results[k].id++
			st.fault = ""
		} else {
			st.faultResult = k // flipNew flips it once the answer is written
		}
		return c
	}
	v := e.pickUpdate(st)
	if v < 0 {
		st.fault = ""
		return e.write(st, 0, len(st.inputs), nowMS)
	}
	c := e.write(st, 0, v, nowMS)
	in := &st.inputs[v]
	packed, defaults := st.packed[in.packedLo:in.packedHi], e.defaultsFor(in)
	var res writeResult
	if st.fault == FaultLostWrite {
		var acked bool
		if res, acked = e.store.acknowledgeOnly(in.slot, in.idValue, nowMS); acked {
			e.countFault(FaultLostWrite) // the store did not change: no update to count
		} else { // archived since it was picked: write it as any other
			res = e.store.upsert(in.slot, in.idValue, packed, defaults, nowMS)
			c.add(countOf(res))
		}
	} else {
		e.store.keepPrevious(in.slot, in.idValue, nowMS)
		res = e.store.upsert(in.slot, in.idValue, packed, defaults, nowMS)
		c.add(countOf(res)) // counted as a fault when a read answers the kept version
	}
	in.result = len(st.results)
	st.results = append(st.results, res)
	st.fault = ""
	c.add(e.write(st, v+1, len(st.inputs), nowMS))
	return c
}

// countOf counts one write.
func countOf(res writeResult) writeCounts {
	if res.isNew {
		return writeCounts{created: 1}
	}
	return writeCounts{updated: 1}
}

// pickUpdate picks, uniformly with the request's generator, one valid
// input whose record exists (an update), or -1. It looks each one up,
// which only drawn requests pay.
func (e *Emulator) pickUpdate(st *requestState) int {
	v, n := -1, 0
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.errsHi > in.errsLo || !e.store.exists(in.slot, in.idValue) {
			continue
		}
		n++
		if st.rng.intn(n) == 0 { // reservoir sampling: each with probability 1/n
			v = i
		}
	}
	return v
}

// newMember is how every upsert result carries its new flag. It cannot
// occur inside a JSON string (a quote there is always escaped) and no
// property is named "new", so the k-th occurrence in an answer is the
// flag of its k-th result.
var newMember = []byte(`"new":`)

// flipNew flips the new flag of result st.faultResult in the written
// answer b (st.out) and returns the answer.
func (e *Emulator) flipNew(st *requestState, b []byte) []byte {
	st.fault = ""
	pos := -1
	for p, i := range st.order {
		if st.inputs[i].result == st.faultResult {
			pos = p
			break
		}
	}
	at := 0
	for p := 0; p <= pos; p++ {
		j := bytes.Index(b[at:], newMember)
		if j < 0 {
			return b // cannot happen: every result has the flag
		}
		at += j + len(newMember)
	}
	if pos < 0 {
		return b
	}
	var flipped []byte
	switch {
	case bytes.HasPrefix(b[at:], []byte("true")):
		flipped = append(append(append(flipped, b[:at]...), "false"...), b[at+len("true"):]...)
	case bytes.HasPrefix(b[at:], []byte("false")):
		flipped = append(append(append(flipped, b[:at]...), "true"...), b[at+len("false"):]...)
	default:
		return b
	}
	st.out = flipped
	return flipped
}

// acknowledgeOnly answers an update of the record with value in unique
// slot as if it were applied now (nowMS), without applying it: the record
// keeps its values and its updatedAt. It reports false when there is no
// such record.
func (s *store) acknowledgeOnly(slot int, value []byte, nowMS int64) (writeResult, bool) {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, _ := sh.byValue[slot].find(h, value)
	if r == nil {
		return writeResult{}, false
	}
	s.settle(r, nowMS)
	return writeResult{id: r.id, created: r.created, updated: max(nowMS, r.updated+1)}, true
}

// keepPrevious keeps the current version of the record with value in
// unique slot for its next read, before an upsert rewrites it at nowMS,
// unless a version is kept already (it is older still) or
// DefaultMaxStaleVersions are. Should another write or an archive come
// between this and the upsert, the kept version is older still, or
// dropped with the record: either way no read answers a newer one.
func (s *store) keepPrevious(slot int, value []byte, nowMS int64) {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	r, _ := sh.byValue[slot].find(h, value)
	if r == nil || r.flags&flagStale != 0 || s.staleKept.Load() >= int64(s.maxStale) {
		return
	}
	s.settle(r, nowMS) // a due system write happened before this write
	i := r.hash % numShards
	if s.stale[i] == nil {
		s.stale[i] = map[*record]staleVersion{}
	}
	s.stale[i][r] = staleVersion{updated: r.updated, data: slices.Clone(r.data)}
	r.flags |= flagStale
	s.staleKept.Add(1)
}

// takeStale answers the kept version of r, once, and forgets it. Called
// under r's shard lock, for a read.
func (s *store) takeStale(r *record, scratch *[]byte) snapshot {
	i := r.hash % numShards
	v := s.stale[i][r]
	s.dropStale(r)
	snap := snapshot{record: *r, found: true, stale: true}
	snap.updated = v.updated
	*scratch = append((*scratch)[:0], v.data...)
	snap.data = *scratch
	return snap
}

// dropStale forgets r's kept version. Called under r's shard lock.
func (s *store) dropStale(r *record) {
	if r.flags&flagStale == 0 {
		return
	}
	delete(s.stale[r.hash%numShards], r)
	r.flags &^= flagStale
	s.staleKept.Add(-1)
}
