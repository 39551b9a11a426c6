package results

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardInvariants is one shard's invariants as the load engine writes them:
// every check, with violations (and offenders) where asked.
func shardInvariants(shard int, violations map[string]int) *InvariantsSummary {
	s := &InvariantsSummary{
		Answers: 1000 * uint64(shard), Results: 100000 * uint64(shard), Unreadable: uint64(shard), UnknownOutcome: 2,
		Keys: 5000 * uint64(shard), KeyStateBytes: 320000 * int64(shard), MaxKeys: 1 << 20, Untracked: 1,
		Verify: &VerifySummary{Mode: "all", Window: time.Second, Rounds: shard, Requests: 50 * uint64(shard), RateLimited: 1,
			Keys: 5000 * uint64(shard), Lag: uint64(shard), Duration: time.Duration(shard) * time.Second},
		Schema: SchemaCoverage{Answers: 1000 * uint64(shard), Checked: 500 * uint64(shard), Share: 0.5, Violations: uint64(shard), Budget: 0.5, Fast: 500 * uint64(shard)},
	}
	for i, name := range InvariantNames {
		c := InvariantCheck{Name: name, Description: InvariantDescriptions[name], Unit: "results", Checked: uint64(100*shard + i)}
		for v := range violations[name] {
			c.Violate(Offender{Key: fmt.Sprintf("s%d-k%d", shard, v), Message: "broken",
				First:  AnswerRef{Kind: "upsert", Batch: uint64(v), At: time.Duration(v) * time.Second, Status: 200, ID: "1"},
				Second: AnswerRef{Kind: "upsert", Batch: uint64(v + 1), At: time.Duration(v+1) * time.Second, Status: 200, ID: "2"}})
		}
		s.Checks = append(s.Checks, c)
	}
	return s
}

func TestMergeInvariantsAddsUp(t *testing.T) {
	a := shardInvariants(1, map[string]int{InvariantOneID: 15, InvariantUpdatedAt: 2})
	b := shardInvariants(2, map[string]int{InvariantOneID: 30, InvariantStaleRead: 1})
	b.Verify.Incomplete = "out of time"
	a.Verify.Planned, b.Verify.Planned, b.Verify.Unread, b.Verify.Unsettled = 40, 50, 5, 2
	m := MergeInvariants([]InvariantsPart{{"shard 1/2", a}, {"shard 2/2", b}})
	require.NotNil(t, m)

	// Every count is the sum of the shards' (their keys are disjoint).
	assert.Equal(t, a.Answers+b.Answers, m.Answers)
	assert.Equal(t, a.Results+b.Results, m.Results)
	assert.Equal(t, a.Unreadable+b.Unreadable, m.Unreadable)
	assert.Equal(t, a.UnknownOutcome+b.UnknownOutcome, m.UnknownOutcome)
	assert.Equal(t, a.Keys+b.Keys, m.Keys)
	assert.Equal(t, a.KeyStateBytes+b.KeyStateBytes, m.KeyStateBytes)
	assert.Equal(t, a.Untracked+b.Untracked, m.Untracked)
	assert.Equal(t, a.Violations()+b.Violations(), m.Violations())
	require.Len(t, m.Checks, len(InvariantNames))
	for i, name := range InvariantNames {
		c := m.Checks[i]
		assert.Equal(t, name, c.Name)
		assert.Equal(t, a.Checks[i].Checked+b.Checks[i].Checked, c.Checked, name)
		assert.Equal(t, a.Checks[i].Violations+b.Checks[i].Violations, c.Violations, name)
		assert.LessOrEqual(t, len(c.Offenders), DefaultMaxOffenders, name)
		assert.Empty(t, c.NotChecked, name)
	}
	// Offenders: shard 1's first, then shard 2's, up to 20.
	one := m.Check(InvariantOneID)
	require.Len(t, one.Offenders, DefaultMaxOffenders)
	assert.Equal(t, uint64(45), one.Violations)
	assert.Equal(t, "s1-k0", one.Offenders[0].Key)
	assert.Equal(t, "s1-k14", one.Offenders[14].Key)
	assert.Equal(t, "s2-k0", one.Offenders[15].Key)
	assert.Equal(t, "s2-k0", m.Check(InvariantStaleRead).Offenders[0].Key)

	// Read-back: requests and reads add; rounds and time are the longest shard's.
	v := m.Verify
	require.NotNil(t, v)
	assert.Equal(t, a.Verify.Requests+b.Verify.Requests, v.Requests)
	assert.Equal(t, a.Verify.Keys+b.Verify.Keys, v.Keys)
	assert.Equal(t, a.Verify.Lag+b.Verify.Lag, v.Lag)
	assert.Equal(t, uint64(2), v.RateLimited)
	assert.Equal(t, 2, v.Rounds)
	assert.Equal(t, 2*time.Second, v.Duration)
	assert.Equal(t, "shard 2/2: out of time", v.Incomplete)
	assert.Equal(t, uint64(90), v.Planned, "the keys both shards set out to compare")
	assert.Equal(t, uint64(5), v.Unread)
	assert.Equal(t, uint64(2), v.Unsettled)
	assert.Equal(t, uint64(7), v.NotCompared())
	// Schema coverage adds, its share from the sums.
	assert.Equal(t, a.Schema.Answers+b.Schema.Answers, m.Schema.Answers)
	assert.Equal(t, a.Schema.Checked+b.Schema.Checked, m.Schema.Checked)
	assert.Equal(t, a.Schema.Violations+b.Schema.Violations, m.Schema.Violations)
	assert.InDelta(t, 1500.0/3000, m.Schema.Share, 1e-12)
}

func TestMergeInvariantsOneShardIsItself(t *testing.T) {
	a := shardInvariants(1, map[string]int{InvariantNewOnce: 3})
	a.Checks[2].NotChecked = "the scenario sends no trace ids"
	a.Checks[1].Note = "keys may exist"
	m := MergeInvariants([]InvariantsPart{{"", a}})
	assert.Equal(t, a, m)
}

func TestMergeInvariantsNotChecked(t *testing.T) {
	const reason = "the scenario sends no trace ids"
	notChecked := func(shard int) *InvariantsSummary {
		s := shardInvariants(shard, nil)
		s.Checks[2].NotChecked = reason
		s.Checks[2].Checked = 0
		return s
	}
	for _, tc := range []struct {
		name           string
		parts          []InvariantsPart
		wantNotChecked string
		wantNote       string
	}{
		{"no shard ran it", []InvariantsPart{{"shard 1/2", notChecked(1)}, {"shard 2/2", notChecked(2)}}, reason, ""},
		{"one shard did not", []InvariantsPart{{"shard 1/2", shardInvariants(1, nil)}, {"shard 2/2", notChecked(2)}}, "", "not checked in shard 2/2: " + reason},
		{"a shard of an older build", []InvariantsPart{{"shard 1/2", shardInvariants(1, nil)}, {"shard 2/2", nil}}, "", "not checked in shard 2/2: its summary has no invariants"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := MergeInvariants(tc.parts)
			require.NotNil(t, m)
			c := m.Check(InvariantTraceID)
			assert.Equal(t, tc.wantNotChecked, c.NotChecked)
			assert.Equal(t, tc.wantNote, c.Note)
		})
	}
	assert.Nil(t, MergeInvariants([]InvariantsPart{{"shard 1/2", nil}, {"shard 2/2", nil}}), "no invariants anywhere: none merged")
}

// writeShardIDs writes ids.bin files for shards, each given as its keys
// and ids, in folders under a temporary folder.
func writeShardIDs(t *testing.T, shards ...map[string]uint64) []ShardIDs {
	root := t.TempDir()
	var out []ShardIDs
	for i, keys := range shards {
		dir := ShardDir(root, i+1)
		require.NoError(t, os.MkdirAll(dir, 0o755))
		if keys != nil {
			var ids []KeyID
			for k, id := range keys {
				ids = append(ids, KeyID{ID: id, Key: k, First: AnswerRef{Kind: "upsert", Batch: id, At: time.Duration(id) * time.Millisecond, Status: 200, ID: fmt.Sprint(id), Detail: "new:true"}})
			}
			require.NoError(t, WriteIDs(dir, ids))
		}
		out = append(out, ShardIDs{Dir: dir, Label: fmt.Sprintf("shard %d/%d", i+1, len(shards))})
	}
	return out
}

func TestMergeShardIDs(t *testing.T) {
	for _, tc := range []struct {
		name       string
		shards     []map[string]uint64
		violations uint64
		offenders  []Offender
		note       string
	}{
		{
			name:   "disjoint ids",
			shards: []map[string]uint64{{"a": 1, "b": 2}, {"c": 3, "d": 4}},
		},
		{
			name:       "an id in two shards",
			shards:     []map[string]uint64{{"a": 1, "b": 7}, {"c": 7, "d": 9}},
			violations: 1,
			offenders: []Offender{{
				Key:     "c",
				Message: "record id 7 came back for b in shard 1/2 and for c in shard 2/2",
				First:   AnswerRef{Kind: "upsert", Batch: 7, At: 7 * time.Millisecond, Status: 200, ID: "7", Detail: "new:true for b in shard 1/2"},
				Second:  AnswerRef{Kind: "upsert", Batch: 7, At: 7 * time.Millisecond, Status: 200, ID: "7", Detail: "new:true for c in shard 2/2"},
			}},
		},
		{
			// Shard 1 counted its own two keys of id 5; across shards, only
			// shard 2 and 3 add one each: 4 keys, 3 violations in all.
			name:       "an id in three shards, twice in one",
			shards:     []map[string]uint64{{"a": 5, "b": 5}, {"c": 5}, {"d": 5, "e": 6}},
			violations: 2,
		},
		{
			name:   "a shard without ids.bin",
			shards: []map[string]uint64{{"a": 1}, nil, {"c": 1}},
			// a and c share id 1 across shards 1 and 3; shard 2 is named.
			violations: 1,
			note:       "not compared across shards for shard 2/3 (no ids.bin)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs := writeShardIDs(t, tc.shards...)
			s := shardInvariants(1, nil)
			before := s.Check(InvariantOneID).Violations
			require.NoError(t, MergeShardIDs(s, dirs))
			c := s.Check(InvariantOneID)
			assert.Equal(t, before+tc.violations, c.Violations)
			if tc.offenders != nil {
				assert.Equal(t, tc.offenders, c.Offenders)
			}
			assert.Len(t, c.Offenders, int(tc.violations))
			assert.Equal(t, tc.note, c.Note)
		})
	}
}

func TestMergeShardIDsCapsOffenders(t *testing.T) {
	a, b := map[string]uint64{}, map[string]uint64{}
	for i := range 50 {
		a[fmt.Sprintf("a%02d", i)] = uint64(i)
		b[fmt.Sprintf("b%02d", i)] = uint64(i)
	}
	s := &InvariantsSummary{}
	require.NoError(t, MergeShardIDs(s, writeShardIDs(t, a, b)))
	c := s.Check(InvariantOneID)
	require.NotNil(t, c, "the check is added when the summary lacks it")
	assert.Equal(t, uint64(50), c.Violations)
	assert.Len(t, c.Offenders, DefaultMaxOffenders)
	assert.Equal(t, "b00", c.Offenders[0].Key)
}

func TestMergeShardIDsDamagedFile(t *testing.T) {
	dirs := writeShardIDs(t, map[string]uint64{"a": 1}, map[string]uint64{"b": 2})
	p := filepath.Join(dirs[1].Dir, IDsFile)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, data[:len(data)-2], 0o644))
	err = MergeShardIDs(&InvariantsSummary{}, dirs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p)
	assert.Contains(t, err.Error(), "cut off")
}

// TestMergeInvariantsKnowsEveryField fails when a figure is added to the
// invariants' summary without a merge rule: it would silently drop out of
// merged shards. Every numeric field is set to distinct values in two
// shards and must come out as its rule says.
func TestMergeInvariantsKnowsEveryField(t *testing.T) {
	type rule int
	const (
		sum rule = iota
		largest
		first
		derived // computed from others (tested elsewhere)
	)
	rules := map[string]rule{
		// InvariantsSummary
		"Answers": sum, "Results": sum, "Unreadable": sum, "UnknownOutcome": sum, "Keys": sum,
		"KeyStateBytes": sum, "MaxKeys": sum, "Untracked": sum,
		"Exchanges": sum, "Unmatched": sum, "QueueWaits": sum, "QueueWaited": sum,
		// VerifySummary ("Keys" above too)
		"Window": first, "Every": first, "Sample": sum, "Rounds": largest, "Requests": sum, "RateLimited": sum,
		"Failed": sum, "Properties": sum, "Unverifiable": sum, "Skipped": sum, "Mismatches": sum, "Lag": sum, "Duration": largest,
		"Planned": sum, "Unread": sum, "Unsettled": sum,
		// SchemaCoverage
		"Checked": sum, "Violations": sum, "Fast": sum, "Budget": largest, "Behind": largest, "Share": derived,
	}
	fill := func(v reflect.Value, base int64) {
		for i := range v.NumField() {
			f := v.Field(i)
			switch f.Kind() {
			case reflect.Uint64, reflect.Uint32, reflect.Uint:
				f.SetUint(uint64(base + int64(i)))
			case reflect.Int64, reflect.Int, reflect.Int32:
				f.SetInt(base + int64(i))
			case reflect.Float64:
				f.SetFloat(float64(base+int64(i)) / 1000)
			}
		}
	}
	check := func(name string, m, a, b reflect.Value) {
		for i := range m.NumField() {
			fd := m.Type().Field(i)
			f := m.Field(i)
			switch f.Kind() {
			case reflect.Uint64, reflect.Uint32, reflect.Uint, reflect.Int64, reflect.Int, reflect.Int32, reflect.Float64:
			default:
				continue
			}
			r, ok := rules[fd.Name]
			if !ok {
				t.Errorf("%s.%s has no merge rule: add it to MergeInvariants (internal/results/merge.go) and to this test", name, fd.Name)
				continue
			}
			num := func(v reflect.Value) float64 {
				switch v.Kind() {
				case reflect.Uint64, reflect.Uint32, reflect.Uint:
					return float64(v.Uint())
				case reflect.Float64:
					return v.Float()
				}
				return float64(v.Int())
			}
			x, y, got := num(a.Field(i)), num(b.Field(i)), num(f)
			switch r {
			case sum:
				assert.InDelta(t, x+y, got, 1e-9, "%s.%s adds up", name, fd.Name)
			case largest:
				assert.InDelta(t, max(x, y), got, 1e-9, "%s.%s is the largest", name, fd.Name)
			case first:
				assert.InDelta(t, x, got, 1e-9, "%s.%s is the first shard's", name, fd.Name)
			}
		}
	}
	a, b := shardInvariants(1, nil), shardInvariants(2, nil)
	fill(reflect.ValueOf(a).Elem(), 1000)
	fill(reflect.ValueOf(b).Elem(), 5000)
	fill(reflect.ValueOf(a.Verify).Elem(), 100)
	fill(reflect.ValueOf(b.Verify).Elem(), 7000)
	fill(reflect.ValueOf(&a.Schema).Elem(), 10)
	fill(reflect.ValueOf(&b.Schema).Elem(), 20)
	m := MergeInvariants([]InvariantsPart{{"shard 1/2", a}, {"shard 2/2", b}})
	check("InvariantsSummary", reflect.ValueOf(m).Elem(), reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem())
	check("VerifySummary", reflect.ValueOf(m.Verify).Elem(), reflect.ValueOf(a.Verify).Elem(), reflect.ValueOf(b.Verify).Elem())
	check("SchemaCoverage", reflect.ValueOf(&m.Schema).Elem(), reflect.ValueOf(&a.Schema).Elem(), reflect.ValueOf(&b.Schema).Elem())
}

// BenchmarkMergeShardIDs merges the ids.bin of two shards of keysPerShard
// keys each (one id shared across them) and reports the heap the merge
// holds at its peak beyond the files' read buffers: it streams, so the
// figure stays flat however many keys the shards wrote.
func BenchmarkMergeShardIDs(b *testing.B) {
	for _, keysPerShard := range []int{10000, 200000} {
		b.Run(fmt.Sprint(keysPerShard), func(b *testing.B) {
			root := b.TempDir()
			var shards []ShardIDs
			for s := range 2 {
				dir := ShardDir(root, s+1)
				require.NoError(b, os.MkdirAll(dir, 0o755))
				ids := make([]KeyID, keysPerShard)
				for i := range ids {
					id := uint64(48000000000 + 2*i + s)
					if s == 1 && i == 7 {
						id = 48000000000 + 14 // shard 1's key 7
					}
					ids[i] = KeyID{ID: id, Key: fmt.Sprintf("ub-7f3a-%d-%08d", s, i),
						First: AnswerRef{Kind: "upsert", Batch: uint64(i / 100), At: time.Duration(i) * time.Millisecond, Status: 200, ID: fmt.Sprint(id), Detail: "new:true"}}
				}
				require.NoError(b, WriteIDs(dir, ids))
				shards = append(shards, ShardIDs{Dir: dir, Label: fmt.Sprintf("shard %d/2", s+1)})
			}
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				s := &InvariantsSummary{}
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				require.NoError(b, MergeShardIDs(s, shards))
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				// Live heap after the merge, less what the summary keeps,
				// is at most what the merge held at once plus garbage: a
				// bound, not an exact peak.
				if after.HeapInuse > before.HeapInuse {
					peak = max(peak, after.HeapInuse-before.HeapInuse)
				}
				require.Equal(b, uint64(1), s.Check(InvariantOneID).Violations)
			}
			b.ReportMetric(float64(peak), "heap-B")
			b.ReportMetric(float64(2*keysPerShard), "keys")
		})
	}
}
