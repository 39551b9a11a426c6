package results

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sampleIDs are keys of every shape ids.bin stores: decimal ids with their
// first answer, a hashed id, another answer kind, no first answer, ids far
// apart (delta coding) and two keys sharing one id.
func sampleIDs() []KeyID {
	return []KeyID{
		{ID: 48000000007, Key: "ub-k-000007", First: AnswerRef{Kind: "upsert", Batch: 3, At: 1500 * time.Millisecond, Status: 200, ID: "48000000007", Detail: "new:true"}},
		{ID: 12, Hashed: true, Key: "ub-k-000002", First: AnswerRef{Kind: "upsert", Batch: 1, At: time.Second, Status: 200, ID: "abc-12"}},
		{ID: 12, Key: "ub-k-000001", First: AnswerRef{Kind: "read", Batch: 9, At: -time.Millisecond, Status: 207, ID: "0012"}},
		{ID: 1<<64 - 1, Key: "ub-k-max", First: AnswerRef{Kind: "replay", Batch: 1 << 40, Status: 0, ID: "18446744073709551615"}},
		{ID: 0, Key: "ub-k-zero"},
		{ID: 48000000007, Key: "ub-k-000003", First: AnswerRef{Kind: "upsert", Batch: 4, At: 2 * time.Second, Status: 200, ID: "48000000007", Detail: "new:false"}},
		{ID: 99, Key: strings.Repeat("é", 300), First: AnswerRef{Kind: "upsert", Status: 201, ID: "99"}},
	}
}

func sortedCopy(ids []KeyID) []KeyID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b KeyID) int {
		switch {
		case a.ID != b.ID:
			if a.ID < b.ID {
				return -1
			}
			return 1
		case a.Hashed != b.Hashed:
			if b.Hashed {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func TestIDsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []KeyID
	}{
		{"empty", nil},
		{"one", sampleIDs()[:1]},
		{"every shape, unsorted", sampleIDs()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want := sortedCopy(tc.ids)
			require.NoError(t, WriteIDs(dir, slices.Clone(tc.ids)))
			got, err := ReadIDs(dir)
			require.NoError(t, err)
			if len(want) == 0 {
				assert.Empty(t, got)
				return
			}
			assert.Equal(t, want, got)
			r, err := OpenIDs(dir)
			require.NoError(t, err)
			defer func() { _ = r.Close() }()
			assert.Equal(t, uint64(len(want)), r.Count())
		})
	}
}

func TestWriteIDsSortsAndDropsRepeats(t *testing.T) {
	dir := t.TempDir()
	a := KeyID{ID: 5, Key: "a", First: AnswerRef{Kind: "upsert", Batch: 1, Status: 200, ID: "5"}}
	b := KeyID{ID: 3, Key: "b"}
	repeat := a
	repeat.First.Batch = 7 // the same (id, key): the first one written stays
	ids := []KeyID{a, b, repeat}
	require.NoError(t, WriteIDs(dir, ids))
	assert.Equal(t, []KeyID{b, a, repeat}, ids, "sorted in place")
	got, err := ReadIDs(dir)
	require.NoError(t, err)
	assert.Equal(t, []KeyID{b, a}, got)
}

func TestWriteIDsRefusesWhatItCannotStore(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		k          KeyID
	}{
		{"long key", "longer than 65536 bytes", KeyID{Key: strings.Repeat("k", MaxIDKeyBytes+1)}},
		{"negative status", "status -1 is not an HTTP status", KeyID{Key: "k", First: AnswerRef{Kind: "upsert", Status: -1}}},
		{"huge status", "status 1000 is not an HTTP status", KeyID{Key: "k", First: AnswerRef{Kind: "upsert", Status: 1000}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := WriteIDs(dir, []KeyID{tc.k})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NoFileExists(t, filepath.Join(dir, IDsFile))
		})
	}
}

func TestReadIDsAbsent(t *testing.T) {
	ids, err := ReadIDs(t.TempDir())
	assert.NoError(t, err)
	assert.Nil(t, ids)
	r, err := OpenIDs(t.TempDir())
	assert.NoError(t, err)
	assert.Nil(t, r)
}

// encodeIDs is the file WriteIDs writes for ids.
func encodeIDs(t testing.TB, ids []KeyID) []byte {
	dir := t.TempDir()
	require.NoError(t, WriteIDs(dir, ids))
	data, err := os.ReadFile(filepath.Join(dir, IDsFile))
	require.NoError(t, err)
	return data
}

// readAll reads an ids.bin from memory the way OpenIDs does from disk.
func readAll(data []byte) ([]KeyID, error) {
	r, err := NewIDReader("ids.bin", bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var out []KeyID
	for r.Next() {
		out = append(out, r.KeyID())
	}
	return out, r.Err()
}

func TestIDReaderRefusesDamage(t *testing.T) {
	good := encodeIDs(t, sampleIDs())
	flip := func(i int) []byte {
		d := slices.Clone(good)
		d[i] ^= 0x40
		return d
	}
	// Two records out of order, with a checksum that matches: the order
	// check, not the checksum, must catch it.
	swapped := func() []byte {
		var buf bytes.Buffer
		buf.WriteString(idsMagic)
		buf.WriteByte(idsVersion)
		buf.WriteByte(2)                // count
		buf.Write([]byte{5, 0, 1, 'b'}) // id 5, key b
		buf.Write([]byte{0, 0, 1, 'a'}) // id 5 again, key a: before b
		return withCRC(buf.Bytes())
	}()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty file", nil, "no ids.bin header (the file is cut off)"},
		{"another file", []byte("{\"schemaVersion\":1}"), `not an ids.bin file (no "UBIDS" header)`},
		{"newer version", append([]byte(idsMagic), 9, 0), "ids.bin version 9, this build reads version 1"},
		{"cut off in a record", good[:len(good)/2], "the file is cut off"},
		{"no checksum", good[:len(good)-4], "checksum after 7 records: the file is cut off"},
		{"flipped byte in a key", flip(len(good) - 10), "damaged"},
		{"data after the checksum", append(slices.Clone(good), 0), "data after the checksum"},
		{"out of order", swapped, `record 2 (id 5, key "a") is out of order after id 5, key "b"`},
		{"unknown flags", withCRC(append([]byte(idsMagic+"\x01\x01"), 1, 0x80, 0)), "record 1 of 1: unknown flags 0x80"},
		{"key too long", withCRC(append([]byte(idsMagic+"\x01\x01"), 1, 0, 0xff, 0xff, 0x7f)), "key of 2097151 bytes, more than 65536"},
		{"unknown kind", withCRC(append([]byte(idsMagic+"\x01\x01"), 1, idFlagFirst, 0, 7)), "unknown answer kind 7"},
		{"id overflow", withCRC(append(append([]byte(idsMagic+"\x01\x02"), uvarintBytes(1<<64-1)...), 0, 0, 2, 0, 0)), "id overflows 64 bits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(tc.data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "ids.bin: "), "names the file: %v", err)
		})
	}
}

func uvarintBytes(v uint64) []byte {
	var out []byte
	for v >= 0x80 {
		out = append(out, byte(v)|0x80)
		v >>= 7
	}
	return append(out, byte(v))
}

// withCRC appends the checksum ids.bin ends with.
func withCRC(body []byte) []byte {
	var buf bytes.Buffer
	buf.Write(body)
	sum := crc32.ChecksumIEEE(body)
	buf.Write([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	return buf.Bytes()
}

// TestIDReaderCutAnywhere: a file cut at any byte is an error, never a
// shorter list read as whole.
func TestIDReaderCutAnywhere(t *testing.T) {
	good := encodeIDs(t, sampleIDs())
	for n := range len(good) {
		_, err := readAll(good[:n])
		require.Error(t, err, "cut at %d of %d bytes", n, len(good))
	}
}

// TestIDsFileSize holds the format to its promise of compactness: a
// record costs its key plus a few bytes.
func TestIDsFileSize(t *testing.T) {
	const n = 10000
	ids := make([]KeyID, n)
	for i := range ids {
		id := uint64(48000000000 + 37*i)
		ids[i] = KeyID{ID: id, Key: fmt.Sprintf("ub-7f3a-%08d", i),
			First: AnswerRef{Kind: "upsert", Batch: uint64(i / 100), At: time.Duration(i) * time.Millisecond, Status: 200, ID: fmt.Sprint(id), Detail: "new:true"}}
	}
	data := encodeIDs(t, ids)
	perKey := float64(len(data)) / n
	keyLen := float64(len(ids[0].Key))
	t.Logf("%d keys: %d bytes, %.1f bytes per key (key %v bytes)", n, len(data), perKey, keyLen)
	assert.Less(t, perKey, keyLen+25, "bytes per record beyond the key")
}

func FuzzReadIDs(f *testing.F) {
	dir := f.TempDir()
	if err := WriteIDs(dir, sampleIDs()); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, IDsFile))
	if err != nil {
		f.Fatal(err)
	}
	// withSum appends the right checksum to data, so the fuzzer explores
	// the records past the checksum rather than only the checksum.
	f.Add(good, false)
	f.Add(good[:len(good)-4], true)
	f.Add(good[:len(good)-3], false)
	f.Add([]byte(idsMagic+"\x01\x00"), true)
	f.Add([]byte(idsMagic+"\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"), true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, data []byte, withSum bool) {
		if withSum {
			data = withCRC(data)
		}
		r, err := NewIDReader("fuzz", bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var n uint64
		var prev KeyID
		for r.Next() {
			k := r.KeyID()
			if n > 0 && CompareKeyIDs(prev, k) >= 0 {
				t.Fatalf("record %d out of order: %+v after %+v", n+1, k, prev)
			}
			if len(k.Key) > MaxIDKeyBytes {
				t.Fatalf("key of %d bytes", len(k.Key))
			}
			prev = k
			n++
		}
		if r.Err() == nil {
			if n != r.Count() {
				t.Fatalf("clean end after %d of %d records", n, r.Count())
			}
			// What reads cleanly writes back and reads again the same.
			ids, err := readAll(data)
			if err != nil {
				t.Fatalf("second read: %v", err)
			}
			again, err := readAll(encodeIDs(t, slices.Clone(ids)))
			if err != nil {
				t.Fatalf("written back, does not read: %v", err)
			}
			if !slices.Equal(ids, again) {
				t.Fatalf("read %d records that write back differently:\n%+v\n%+v", n, ids, again)
			}
		} else if !strings.HasPrefix(r.Err().Error(), "fuzz: ") {
			t.Fatalf("error does not name the file: %v", r.Err())
		}
	})
}

// TestIDWriterStreams: records added one by one in order make the same
// file as WriteIDs' slice (which writes through the same writer).
func TestIDWriterStreams(t *testing.T) {
	want := sortedCopy(sampleIDs())
	dir := t.TempDir()
	w, err := CreateIDs(dir, uint64(len(want)))
	require.NoError(t, err)
	for _, k := range want {
		require.NoError(t, w.Add(k))
	}
	assert.NoFileExists(t, filepath.Join(dir, IDsFile), "nothing visible before Commit")
	require.NoError(t, w.Commit())
	require.NoError(t, w.Abort(), "Abort after Commit does nothing")
	got, err := ReadIDs(dir)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	streamed, err := os.ReadFile(filepath.Join(dir, IDsFile))
	require.NoError(t, err)
	assert.Equal(t, encodeIDs(t, sampleIDs()), streamed, "byte for byte what WriteIDs writes")
}

// TestIDWriterRefuses: a caller that breaks the order or the count gets an
// error naming the record, and no file.
func TestIDWriterRefuses(t *testing.T) {
	a := KeyID{ID: 5, Key: "k-5"}
	b := KeyID{ID: 5, Hashed: true, Key: "k-1"}
	c := KeyID{ID: 7, Key: "k-2"}
	for _, tc := range []struct {
		name   string
		count  uint64
		add    []KeyID
		commit bool
		want   string
	}{
		{"out of order", 3, []KeyID{a, c, b}, false, `record 3 (id (non-numeric, hash 0000000000000005), key "k-1") is not after id 7, key "k-2"`},
		{"a repeat", 2, []KeyID{a, a}, false, `record 2 (id 5, key "k-5") is not after id 5, key "k-5"`},
		{"same id, keys out of order", 2, []KeyID{{ID: 5, Key: "k-9"}, {ID: 5, Key: "k-10"}}, false, `key "k-10") is not after id 5, key "k-9"`},
		{"more than announced", 1, []KeyID{a, c}, false, `record 2 (key "k-2") beyond the 1 announced`},
		{"fewer than announced", 3, []KeyID{a, b}, true, "3 records announced, 2 added"},
		{"bad status", 1, []KeyID{{ID: 1, Key: "k", First: AnswerRef{Kind: "upsert", Status: 1000}}}, false, "status 1000 is not an HTTP status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := CreateIDs(dir, tc.count)
			require.NoError(t, err)
			var last error
			for _, k := range tc.add {
				if last = w.Add(k); last != nil {
					break
				}
			}
			if tc.commit {
				require.NoError(t, last)
				last = w.Commit()
			}
			require.Error(t, last)
			assert.Contains(t, last.Error(), tc.want)
			assert.Contains(t, last.Error(), filepath.Join(dir, IDsFile), "names the file")
			assert.ErrorIs(t, w.Commit(), last, "a spent writer stays spent")
			require.NoError(t, w.Abort())
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "no file, no temporary left")
		})
	}
}

// TestIDWriterAddAllocatesNothing: a record costs no allocation of its own
// (a run writes one per key, 1M at the key cap, at the end of the run when
// its memory peaks). Every kind of record is written: with and without a
// first answer, hashed, decimal and non-decimal ids, each answer kind.
func TestIDWriterAddAllocatesNothing(t *testing.T) {
	kinds := []string{"upsert", "read", "replay"}
	const records = 3000
	w, err := CreateIDs(t.TempDir(), records)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Abort() })
	keys := make([]KeyID, records)
	for i := range keys {
		keys[i] = KeyID{ID: uint64(100 + i), Key: fmt.Sprintf("ub-%06d", i)}
		switch i % 4 {
		case 1:
			keys[i].First = AnswerRef{Kind: kinds[i%3], Batch: uint64(i), At: time.Duration(i) * time.Millisecond, Status: 200, ID: fmt.Sprint(100 + i), Detail: "new:true"}
		case 2:
			keys[i].First = AnswerRef{Kind: kinds[i%3], Batch: 7, Status: 207, ID: fmt.Sprintf("x-%d", i)}
		case 3:
			keys[i].Hashed = true
			keys[i].First = AnswerRef{Kind: "upsert", Status: 200, ID: "abc"}
		}
	}
	i := 0
	allocs := testing.AllocsPerRun(records-1, func() {
		require.NoError(t, w.Add(keys[i]))
		i++
	})
	assert.Zero(t, allocs, "allocations per record")
}
