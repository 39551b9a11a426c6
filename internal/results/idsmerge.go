package results

import (
	"container/heap"
	"fmt"
	"strings"
)

// ShardIDs names one shard's folder for MergeShardIDs; Label names the
// shard in offenders ("shard 2/3").
type ShardIDs struct {
	Dir   string
	Label string
}

// MergeShardIDs checks one id per unique value across shards: it streams
// the ids.bin of every shard at once, merged by id (one record and one read
// buffer per shard in memory, however many keys), and counts in
// s's one-id-per-unique-value check every id that came back for keys of
// more than one shard: one violation per shard after the first that holds
// such a key, so that with the shards' own violations (keys of one shard
// sharing an id) an id given to k keys counts k-1 times in all. Each
// offender names both keys, both shards and the answers that gave the id.
//
// Shards without ids.bin are left out of the comparison and named in the
// check's Note; it returns an error for a damaged file. s must not be nil.
func MergeShardIDs(s *InvariantsSummary, shards []ShardIDs) error {
	h := &idHeap{}
	defer func() {
		for _, c := range h.all {
			_ = c.r.Close()
		}
	}()
	var absent []string
	for i, sh := range shards {
		r, err := OpenIDs(sh.Dir)
		if err != nil {
			return err
		}
		if r == nil {
			absent = append(absent, shardLabel(sh.Label))
			continue
		}
		c := &idCursor{r: r, shard: i}
		h.all = append(h.all, c)
		if c.r.Next() {
			h.items = append(h.items, c)
		} else if err := c.r.Err(); err != nil {
			return err
		}
	}
	c := s.Check(InvariantOneID)
	if c == nil {
		s.Checks = append(s.Checks, InvariantCheck{Name: InvariantOneID, Description: InvariantDescriptions[InvariantOneID], Unit: "keys"})
		c = &s.Checks[len(s.Checks)-1]
	}
	if len(absent) > 0 && len(shards) > 1 {
		note := "not compared across shards for " + strings.Join(absent, ", ") + " (no " + IDsFile + ")"
		if c.Note != "" {
			note = c.Note + "; " + note
		}
		c.Note = note
	}
	heap.Init(h)

	// The group of records with one (ID, Hashed): its first key, and the
	// shards already counted in it (nearly always one or two).
	var first KeyID
	var firstShard int
	var seen []int
	started := false
	for h.Len() > 0 {
		cur := h.items[0]
		k, shard := cur.r.KeyID(), cur.shard
		if cur.r.Next() {
			heap.Fix(h, 0)
		} else {
			if err := cur.r.Err(); err != nil {
				return err
			}
			heap.Pop(h)
		}
		if !started || !k.SameID(first) {
			started, first, firstShard, seen = true, k, shard, append(seen[:0], shard)
			continue
		}
		if containsInt(seen, shard) || k.Key == first.Key {
			continue
		}
		seen = append(seen, shard)
		a, b := shardLabel(shards[firstShard].Label), shardLabel(shards[shard].Label)
		c.Violate(Offender{
			Key:     k.Key,
			Message: fmt.Sprintf("record id %s came back for %s in %s and for %s in %s", k.IDText(), first.Key, a, k.Key, b),
			First:   withDetail(first.First, "for "+first.Key+" in "+a),
			Second:  withDetail(k.First, "for "+k.Key+" in "+b),
		})
	}
	return nil
}

func withDetail(a AnswerRef, d string) AnswerRef {
	if a.Detail != "" {
		d = a.Detail + " " + d
	}
	a.Detail = d
	return a
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// idCursor is one shard's reader in the merge.
type idCursor struct {
	r     *IDReader
	shard int
}

// idHeap orders the shards' current records by the file order, then by
// shard, so a group of one id meets its shards in a fixed order.
type idHeap struct {
	items []*idCursor
	all   []*idCursor // every opened reader, to close
}

func (h *idHeap) Len() int { return len(h.items) }
func (h *idHeap) Less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if c := CompareKeyIDs(a.r.KeyID(), b.r.KeyID()); c != 0 {
		return c < 0
	}
	return a.shard < b.shard
}
func (h *idHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *idHeap) Push(x any)    { h.items = append(h.items, x.(*idCursor)) }
func (h *idHeap) Pop() any {
	old := h.items
	x := old[len(old)-1]
	h.items = old[:len(old)-1]
	return x
}

var _ heap.Interface = (*idHeap)(nil)
