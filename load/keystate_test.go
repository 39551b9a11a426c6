package load

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

type fps = [hubspot.NumWritableTaskProperties]uint32

// ksWrite is one acknowledged write in a keyState test.
type ksWrite struct {
	ans            uint64
	u              int32
	noU            bool
	wrote, echoed  generators.PropMask
	fp             fps
	causal         bool
	wantBackwards  bool
	unknownOutcome bool
}

func TestKeyStateWrites(t *testing.T) {
	const (
		sub  = 1 << 1 // hs_task_subject
		body = 1 << 2 // hs_task_body
		stat = 1 << 4 // hs_task_status
	)
	v := func(subject, bodyV, status uint32) fps { return fps{1: subject, 2: bodyV, 4: status} }
	tests := []struct {
		name    string
		writes  []ksWrite
		wantFP  fps
		wantHas generators.PropMask
		wantAmb generators.PropMask
		wantU   int32
		wantAns uint32
	}{
		{"create then update in order",
			[]ksWrite{{ans: 1, u: 10, wrote: sub | body, echoed: sub | body, fp: v(5, 6, 0)}, {ans: 2, u: 20, wrote: stat, echoed: stat, fp: v(0, 0, 7)}},
			v(5, 6, 7), sub | body | stat, 0, 20, 3},
		{"update answered before the create: the create's other values still count",
			[]ksWrite{{ans: 2, u: 20, wrote: stat | sub, echoed: stat | sub, fp: v(9, 0, 7)}, {ans: 1, u: 10, wrote: sub | body, echoed: sub | body, fp: v(5, 6, 0)}},
			v(9, 6, 7), sub | body | stat, 0, 20, 3},
		{"two late answers disagree on a value the latest write did not set",
			[]ksWrite{{ans: 3, u: 30, wrote: stat, echoed: stat, fp: v(0, 0, 7)}, {ans: 1, u: 10, wrote: body, echoed: body, fp: v(0, 6, 0)}, {ans: 2, u: 20, wrote: body, echoed: body, fp: v(0, 8, 0)}},
			v(0, 6, 7), body | stat, body, 30, 4},
		{"same updatedAt, different values: ambiguous",
			[]ksWrite{{ans: 1, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 7)}, {ans: 2, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 8)}},
			v(0, 0, 7), stat, stat, 10, 2},
		{"same updatedAt, same value: not ambiguous",
			[]ksWrite{{ans: 1, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 7)}, {ans: 2, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 7)}},
			v(0, 0, 7), stat, 0, 10, 2},
		{"a newer write resolves an ambiguity",
			[]ksWrite{{ans: 1, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 7)}, {ans: 2, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 8)}, {ans: 3, u: 11, wrote: stat, echoed: stat, fp: v(0, 0, 9)}},
			v(0, 0, 9), stat, 0, 11, 4},
		{"written but not echoed: value unknown",
			[]ksWrite{{ans: 1, u: 10, wrote: sub | body, echoed: sub, fp: v(5, 0, 0)}},
			v(5, 0, 0), sub, body, 10, 2},
		{"updatedAt goes backwards after an acknowledged write",
			[]ksWrite{{ans: 1, u: 20, wrote: stat, echoed: stat, fp: v(0, 0, 7)}, {ans: 2, u: 10, wrote: stat, echoed: stat, fp: v(0, 0, 8), causal: true, wantBackwards: true}},
			v(0, 0, 8), stat, 0, 20, 2},
		{"no updatedAt: agreement stays, disagreement is ambiguous",
			[]ksWrite{{ans: 1, u: 10, wrote: sub | stat, echoed: sub | stat, fp: v(5, 0, 7)}, {ans: 2, noU: true, wrote: sub | stat, echoed: sub | stat, fp: v(5, 0, 8)}},
			v(5, 0, 7), sub | stat, stat, 10, 2},
		{"a write of unknown outcome makes its values unverifiable",
			[]ksWrite{{ans: 1, u: 10, wrote: sub | stat, echoed: sub | stat, fp: v(5, 0, 7)}, {unknownOutcome: true, wrote: stat}},
			v(5, 0, 7), sub | stat, stat, 10, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s keyState
			for i, w := range tt.writes {
				if w.unknownOutcome {
					s.unknownWrite(w.wrote)
					continue
				}
				got := s.write(w.ans, w.u, !w.noU, w.wrote, w.echoed, &w.fp, w.causal)
				assert.Equal(t, w.wantBackwards, got, "write %d", i)
			}
			assert.Equal(t, tt.wantFP, s.fp)
			assert.Equal(t, tt.wantHas, s.mask(ksHasShift), "has")
			assert.Equal(t, tt.wantAmb, s.mask(ksAmbShift), "ambiguous")
			assert.Equal(t, tt.wantU, s.maxU)
			assert.Equal(t, tt.wantAns, s.maxAns)
		})
	}
}

func TestKeyStateFlagsDoNotOverlap(t *testing.T) {
	var s keyState
	s.flags = ksSeen | ksID | ksIDHashed | ksNew | ksUnknown
	all := generators.PropMask(ksMaskAll)
	s.setMask(ksHasShift, all)
	s.setMask(ksMaxShift, 0)
	s.setMask(ksAmbShift, all)
	assert.Equal(t, all, s.mask(ksHasShift))
	assert.Zero(t, s.mask(ksMaxShift))
	assert.Equal(t, all, s.mask(ksAmbShift))
	assert.True(t, s.is(ksSeen) && s.is(ksID) && s.is(ksIDHashed) && s.is(ksNew) && s.is(ksUnknown))
	s.setMask(ksAmbShift, 0)
	assert.Equal(t, all, s.mask(ksHasShift), "masks are independent")
	assert.True(t, s.is(ksUnknown))
}

func TestKeyTable(t *testing.T) {
	var tb keyTable
	assert.Nil(t, tb.peek(5))
	tb.at(70000).flags = ksSeen
	tb.at(3).flags = ksSeen
	require.NotNil(t, tb.peek(70000))
	assert.Nil(t, tb.peek(1<<17), "an untouched page is not allocated")
	var keys []uint64
	tb.forEach(func(k uint64, _ *keyState) bool { keys = append(keys, k); return true })
	assert.Equal(t, []uint64{3, 70000}, keys)
	assert.Equal(t, uint64(70001), tb.keys)
	assert.Equal(t, int64(2<<keyPageBits)*int64(keyStateSize), tb.memory())

	r, ok := tb.rel(1_700_000_000_000)
	require.True(t, ok)
	assert.Zero(t, r)
	r, ok = tb.rel(1_700_000_000_123)
	require.True(t, ok)
	assert.Equal(t, int64(1_700_000_000_123), tb.abs(r))
	_, ok = tb.rel(1_700_000_000_000 + 30*86_400_000)
	assert.False(t, ok, "beyond ±24 days of the first updatedAt")
}

func TestAnswerRefs(t *testing.T) {
	assert.Equal(t, uint32(1), ansRef(0))
	n, ok := answerOf(ansRef(41))
	assert.True(t, ok)
	assert.Equal(t, uint64(41), n)
	_, ok = answerOf(0)
	assert.False(t, ok)
	_, ok = answerOf(ansRef(1 << 40))
	assert.False(t, ok, "saturated")
}

// BenchmarkKeyStateMemory measures the memory of the per-key state for 1M
// keys: the budget is 64 bytes per key, 64 MB for 1M keys.
func BenchmarkKeyStateMemory(b *testing.B) {
	const keys = 1 << 20
	var perKey float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var t keyTable
		var f fps
		for k := uint64(0); k < keys; k++ {
			s := t.at(k)
			s.flags |= ksSeen
			s.write(k, int32(k), true, 3, 3, &f, false)
		}
		runtime.ReadMemStats(&after)
		// The pages live off the Go heap where the platform allows
		// (keypages.go), where HeapAlloc does not see them: count them
		// (t.memory, their whole capacity) on top of what the heap grew
		// by (the page list). On the heap, the growth already holds them.
		used := int64(after.HeapAlloc - before.HeapAlloc)
		if table := t.memory(); used < table {
			used += table
		}
		perKey = float64(used) / keys
		t.release()
	}
	b.ReportMetric(perKey, "bytes/key")
	b.ReportMetric(perKey*keys/(1<<20), "MB/1M-keys")
}

// TestKeyPagesReused: a released page comes back cleared for the next
// table (pages are never unmapped, so none is handed out twice at once).
func TestKeyPagesReused(t *testing.T) {
	var a keyTable
	s := a.at(7)
	s.id, s.flags = 42, ksSeen|ksID
	require.Equal(t, uint64(42), a.peek(7).id)
	first := &a.pages[0][0]
	a.release()
	assert.Nil(t, a.peek(7), "a released table is empty")

	var b, c keyTable
	b.at(7)
	c.at(7)
	assert.NotSame(t, &b.pages[0][0], &c.pages[0][0], "two live tables never share a page")
	for _, tb := range []*keyTable{&b, &c} {
		assert.Zero(t, *tb.peek(7), "a page is handed out cleared")
	}
	if &b.pages[0][0] != first && &c.pages[0][0] != first {
		t.Errorf("the released page was not reused")
	}
	b.release()
	c.release()
}

// TestBatchPagesOffHeap: the batch table (12 bytes per request for the
// whole run) keeps its pages off the Go heap where the platform allows, so
// a long run's growth does not raise the GC's goal; a released page comes
// back cleared.
func TestBatchPagesOffHeap(t *testing.T) {
	const batches = 1 << 20 // ~17 minutes at 1,000 requests/s
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var bt batchTable
	for n := uint64(0); n < batches; n++ {
		*bt.at(n) = batchInfo{sent: uint32(n), done: uint32(n) + 1, status: 200}
	}
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	info, ok := bt.get(batches - 1)
	require.True(t, ok)
	assert.Equal(t, batchInfo{sent: batches - 1, done: batches, status: 200}, info)
	if mapPage[batchInfo](1) != nil {
		// On the heap the pages alone are 12 MiB; off it only the page
		// list (64 slice headers) remains.
		assert.Less(t, grew, int64(1<<20), "heap growth for %d batches", batches)
	}
	released := map[*batchInfo]bool{}
	for _, p := range bt.pages {
		released[&p[0]] = true
	}
	bt.release()
	assert.Nil(t, bt.pages, "a released table is empty")
	var b2 batchTable
	b2.at(3)
	page := b2.pages[0]
	assert.True(t, released[&page[0]], "a released page is reused")
	assert.Equal(t, make([]batchInfo, len(page)), page, "a page is handed out cleared")
	b2.release()
}
