package emulator

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unpack reads a packed buffer into a map, failing on a repeated index.
func unpack(t *testing.T, p []byte) map[uint8]string {
	t.Helper()
	got := map[uint8]string{}
	for len(p) > 0 {
		idx, raw, rest := nextPacked(p)
		_, dup := got[idx]
		require.False(t, dup, "index %d packed twice", idx)
		got[idx] = string(raw)
		p = rest
	}
	return got
}

func TestMergeProps(t *testing.T) {
	long := strings.Repeat("x", 300) // a two-byte length
	tests := []struct {
		name  string
		old   map[uint8]string
		extra int // spare capacity in old's buffer
		input []packedProp
		want  map[uint8]string
		// inPlace says the result must reuse old's buffer.
		inPlace bool
	}{
		{name: "create", input: []packedProp{{idx: 1, raw: []byte("a")}, {idx: 2, raw: []byte("bc")}},
			want: map[uint8]string{1: "a", 2: "bc"}},
		{name: "nothing", want: map[uint8]string{}, inPlace: true},
		{name: "overwrite same size in place", old: map[uint8]string{1: "aa", 2: "bb", 3: "cc"},
			input: []packedProp{{idx: 2, raw: []byte("XX")}},
			want:  map[uint8]string{1: "aa", 2: "XX", 3: "cc"}, inPlace: true},
		{name: "clear in place", old: map[uint8]string{1: "aaaa", 2: "bbbb", 3: "cc"},
			input: []packedProp{{idx: 1, raw: nil}, {idx: 3, raw: []byte{}}},
			want:  map[uint8]string{2: "bbbb"}, inPlace: true},
		{name: "clear what is not there", old: map[uint8]string{2: "bb"},
			input: []packedProp{{idx: 1, raw: nil}},
			want:  map[uint8]string{2: "bb"}, inPlace: true},
		{name: "grow within capacity", old: map[uint8]string{1: "a", 2: "b"}, extra: 10,
			input: []packedProp{{idx: 1, raw: []byte("aaaaa")}, {idx: 7, raw: []byte("z")}},
			want:  map[uint8]string{1: "aaaaa", 2: "b", 7: "z"}, inPlace: true},
		{name: "grow past capacity", old: map[uint8]string{1: "a", 2: "b"},
			input: []packedProp{{idx: 2, raw: []byte(long)}},
			want:  map[uint8]string{1: "a", 2: long}},
		{name: "long value overwritten by short", old: map[uint8]string{1: long, 2: "b"},
			input: []packedProp{{idx: 1, raw: []byte("s")}, {idx: 3, raw: []byte(long)}},
			want:  map[uint8]string{1: "s", 2: "b", 3: long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const prefix = "unique-value"
			var in []packedProp
			for idx, v := range tt.old {
				in = append(in, packedProp{idx: idx, raw: []byte(v)})
			}
			old := mergeProps([]byte(prefix), len(prefix), in)
			old = append(make([]byte, 0, len(old)+tt.extra), old...)
			require.Equal(t, tt.old, nilIfEmpty(unpack(t, old[len(prefix):])))

			got := mergeProps(old, len(prefix), tt.input)
			assert.Equal(t, prefix, string(got[:len(prefix)]), "the prefix is kept")
			assert.Equal(t, tt.want, unpack(t, got[len(prefix):]))
			if tt.inPlace {
				assert.Same(t, &old[:1][0], &got[:1][0], "result should reuse the old buffer")
			} else {
				assert.NotSame(t, &old[:1][0], &got[:1][0])
			}
		})
	}
}

func nilIfEmpty(m map[uint8]string) map[uint8]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// A snapshot must not change when the record is updated after it was taken:
// updates rewrite the record's buffer in place.
func TestSnapshotSurvivesInPlaceUpdate(t *testing.T) {
	s := newStore(1)
	s.upsert(0, []byte("k"), []packedProp{{idx: 1, raw: []byte("before")}}, nil, 1)
	var scratch []byte
	snap := s.getByUnique(0, []byte("k"), &scratch)
	require.True(t, snap.found)
	s.upsert(0, []byte("k"), []packedProp{{idx: 1, raw: []byte("AFTER!")}}, nil, 2)

	raw, ok := lookupPacked(snap.props(), 1)
	require.True(t, ok)
	assert.Equal(t, "before", string(raw))
	now := s.getByID(snap.id, &scratch)
	raw, _ = lookupPacked(now.props(), 1)
	assert.Equal(t, "AFTER!", string(raw))
}

// TestGrowingRecords grows every record round after round, so that most
// updates move their record to a new buffer: no value may be lost or mixed
// up with another record's, and the unique value in front of the values
// must move with them.
func TestGrowingRecords(t *testing.T) {
	s := newStore(1)
	const records, rounds = 500, 16
	key := func(i int) []byte { return []byte("task-" + strconv.Itoa(i)) }
	var scratch []byte
	for round := 1; round <= rounds; round++ {
		for i := range records {
			v := strings.Repeat(string(rune('a'+round)), 100*round) + strconv.Itoa(i)
			s.upsert(0, key(i), []packedProp{{idx: 3, raw: []byte(v)}, {idx: byte(10 + round), raw: []byte("r")}}, nil, int64(round))
		}
		for i := range records {
			snap := s.getByUnique(0, key(i), &scratch)
			require.True(t, snap.found)
			assert.Equal(t, string(key(i)), string(snap.unique()))
			v, _ := lookupPacked(snap.props(), 3)
			require.Equal(t, strings.Repeat(string(rune('a'+round)), 100*round)+strconv.Itoa(i), string(v), "round %d record %d", round, i)
			for r := 1; r <= round; r++ {
				_, ok := lookupPacked(snap.props(), byte(10+r))
				require.True(t, ok, "round %d record %d keeps the value of round %d", round, i, r)
			}
		}
	}
	// An archived record's id and unique value read nothing after.
	r := s.getByUnique(0, key(7), &scratch)
	require.True(t, r.found)
	assert.True(t, s.archive(r.id))
	assert.False(t, s.archive(r.id), "archived twice")
	assert.False(t, s.getByID(r.id, &scratch).found)
	assert.False(t, s.getByUnique(0, key(7), &scratch).found)
	again := s.upsert(0, key(7), nil, nil, 99)
	assert.True(t, again.isNew)
	assert.NotEqual(t, r.id, again.id)
}

// TestDefaultsOnCreateOnly: a create stores the defaults unless the input
// writes the same property; an update never adds them.
func TestDefaultsOnCreateOnly(t *testing.T) {
	s := newStore(1)
	defaults := []packedProp{{idx: 5, raw: []byte("DEFAULT")}, {idx: 6, raw: []byte("0")}}
	var scratch []byte
	s.upsert(0, []byte("a"), []packedProp{{idx: 1, raw: []byte("x")}}, defaults, 1)
	s.upsert(0, []byte("b"), []packedProp{{idx: 5, raw: []byte("WRITTEN")}}, defaults, 1)
	s.upsert(0, []byte("c"), []packedProp{{idx: 5, raw: nil}}, defaults, 1)
	s.upsert(0, []byte("a"), []packedProp{{idx: 6, raw: nil}}, defaults, 2)
	tests := map[string]map[uint8]string{
		"a": {1: "x", 5: "DEFAULT"}, // the update cleared 6 and added no default
		"b": {5: "WRITTEN", 6: "0"}, // the written value wins
		"c": {6: "0"},               // written as cleared: no default either
	}
	for key, want := range tests {
		snap := s.getByUnique(0, []byte(key), &scratch)
		require.True(t, snap.found)
		assert.Equal(t, want, unpack(t, snap.props()), key)
	}
}
