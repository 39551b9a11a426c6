package emulator

import (
	"bytes"
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Finding, ordering and fetching what a search matches.

// searchHit is a matching record and its sort key.
type searchHit struct {
	id      uint64
	num     int64
	off, n  uint32 // text key in searchHits.keys
	present bool
	numeric bool
}

type searchHits struct {
	list []searchHit
	keys []byte
}

// searchHits scans the records search shows at nowMS and keeps the ones
// matching req, with their sort keys.
func (e *Emulator) searchHits(req *searchRequest, nowMS int64) *searchHits {
	hits := &searchHits{}
	var words []string
	if q := strings.TrimSpace(req.query); q != "" {
		words = strings.Fields(strings.ToLower(q))
	}
	var buf, qbuf []byte
	visit := func(v *record) {
		if len(req.groups) > 0 && !e.matchesGroups(v, req.groups, &buf) {
			return
		}
		if len(words) > 0 && !e.matchesQuery(v, words, &qbuf) {
			return
		}
		h := searchHit{id: v.id}
		if len(req.sorts) > 0 {
			s := req.sorts[0]
			fv := e.searchField(v, s.idx, s.kind, &buf)
			h.present = fv.present
			if fv.numOK {
				h.num, h.numeric = fv.num, true
			} else if fv.present {
				if n, err := strconv.ParseInt(string(fv.text), 10, 64); err == nil && s.kind == valueText {
					h.num, h.numeric = n, true
				} else {
					h.off = uint32(len(hits.keys))
					if s.kind == valueText {
						hits.keys = appendLower(hits.keys, fv.text)
					} else { // unique values compare exactly
						hits.keys = append(hits.keys, fv.text...)
					}
					h.n = uint32(len(hits.keys)) - h.off
				}
			}
		}
		hits.list = append(hits.list, h)
	}
	if ids, ok := e.lookupCandidates(req); ok {
		for _, id := range ids {
			e.store.visitSearchID(id, nowMS, visit)
		}
		return hits
	}
	e.store.visitSearch(nowMS, visit)
	return hits
}

// matchesGroups: any group whose filters all match (OR of ANDs).
func (e *Emulator) matchesGroups(v *record, groups []searchGroup, buf *[]byte) bool {
	for _, g := range groups {
		all := true
		for i := range g.filters {
			f := &g.filters[i]
			if !f.matches(e.searchField(v, f.idx, f.kind, buf)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// lookupCandidates returns the ids a search can only match when every
// filter group pins the unique property or hs_object_id with EQ or IN:
// those are found by lookups instead of a scan. The filters still run on
// each candidate.
func (e *Emulator) lookupCandidates(req *searchRequest) ([]uint64, bool) {
	if len(req.groups) == 0 {
		return nil, false
	}
	var ids []uint64
	for _, g := range req.groups {
		pinned := false
		for _, f := range g.filters {
			if (f.op != opEQ && f.op != opIn) || (f.kind != valueUnique && f.kind != valueID) {
				continue
			}
			pinned = true
			values := f.values
			if f.op == opEQ {
				values = []string{f.value}
			}
			for i, v := range values {
				if f.kind == valueID {
					n := f.num
					if f.op == opIn {
						n = f.nums[i]
					}
					ids = append(ids, uint64(n))
				} else if id, ok := e.store.idByUnique(e.schema.uniqueSlot(f.idx), []byte(v)); ok {
					ids = append(ids, id)
				}
			}
			break
		}
		if !pinned {
			return nil, false
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), true
}

// sortHits orders hits by the first sort (records without the property
// last, either way), then by id; without sorts, by id (a documented
// choice: HubSpot does not document its default order).
func sortHits(hits *searchHits, sorts []searchSort) {
	desc := len(sorts) > 0 && sorts[0].desc
	key := func(h *searchHit) []byte { return hits.keys[h.off : h.off+h.n] }
	slices.SortFunc(hits.list, func(a, b searchHit) int {
		if len(sorts) > 0 && a.present != b.present {
			if a.present {
				return -1
			}
			return 1
		}
		if len(sorts) > 0 && a.present {
			c := 0
			switch {
			case a.numeric && b.numeric:
				c = cmp.Compare(a.num, b.num)
			case a.numeric: // numbers before text
				c = -1
			case b.numeric:
				c = 1
			default:
				c = bytes.Compare(key(&a), key(&b))
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id, b.id)
	})
}

// visitSearch calls fn with the version search shows at nowMS of every
// record, one shard at a time under its lock (so a search holds up the
// upserts of one shard at a time, for a 256th of the scan).
func (s *store) visitSearch(nowMS int64, fn func(v *record)) {
	for i := range s.unique {
		sh := &s.unique[i]
		sh.mu.Lock()
		if s.timing.lagMS > 0 {
			s.timing.lag[i].sweep(nowMS, s.timing.lagMS)
		}
		for t := range sh.byValue {
			for _, en := range sh.byValue[t].entries {
				if en.r == nil {
					continue
				}
				s.settle(en.r, nowMS)
				if v := s.searchVersion(en.r, nowMS); v != nil {
					fn(v)
				}
			}
		}
		sh.mu.Unlock()
	}
}

// visitSearchID is visitSearch for one record id.
func (s *store) visitSearchID(id uint64, nowMS int64, fn func(v *record)) {
	r, sh, _ := s.live(id)
	if r == nil {
		return
	}
	defer sh.mu.Unlock()
	s.settle(r, nowMS)
	if v := s.searchVersion(r, nowMS); v != nil {
		fn(v)
	}
}

// searchSnapshot is the version of record id that search shows at nowMS,
// copied like a read's snapshot.
func (s *store) searchSnapshot(id uint64, nowMS int64, scratch *[]byte) snapshot {
	r, sh, _ := s.live(id)
	if r == nil {
		return snapshot{}
	}
	defer sh.mu.Unlock()
	s.settle(r, nowMS)
	v := s.searchVersion(r, nowMS)
	if v == nil {
		return snapshot{}
	}
	return takeSnapshot(v, scratch)
}

// idByUnique returns the id of the live record holding value in unique
// slot.
func (s *store) idByUnique(slot int, value []byte) (uint64, bool) {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r, _ := sh.byValue[slot].find(h, value); r != nil {
		return r.id, true
	}
	return 0, false
}
