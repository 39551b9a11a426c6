package results

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func writeResults(t testing.TB, dir string, rs []vegeta.Result, opts ...WriterOption) string {
	t.Helper()
	w, err := CreateWriter(dir, opts...)
	require.NoError(t, err)
	for i := range rs {
		require.NoError(t, w.Add(&rs[i]))
	}
	require.NoError(t, w.Close())
	return w.Path()
}

func TestWriterVegetaReadsIt(t *testing.T) {
	rs := synth(300, 100, 0)
	rs[0].Headers = http.Header{"Content-Type": {"application/json"}, HeaderSampled: {"1"}}
	path := writeResults(t, t.TempDir(), rs)

	// What `vegeta report results.bin` does: detect the encoding, decode.
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	dec := vegeta.DecoderFor(f)
	require.NotNil(t, dec, "vegeta does not recognise the file")
	var got []vegeta.Result
	for {
		var r vegeta.Result
		if err := dec.Decode(&r); err != nil {
			break
		}
		got = append(got, r)
	}
	require.Len(t, got, len(rs))
	for i := range rs {
		want := rs[i]
		want.Body = nil // dropped by default
		if want.Headers != nil {
			want.Headers = http.Header{}
			for k, v := range rs[i].Headers {
				if k != "Content-Type" {
					want.Headers[k] = v
				}
			}
		}
		assert.True(t, want.Equal(got[i]), "result %d: want %+v, got %+v", i, want, got[i])
	}
	// The caller's results are untouched: the writer drops bodies and
	// real headers from what it encodes, not from the results it is given.
	assert.Equal(t, http.Header{"Content-Type": {"application/json"}, HeaderSampled: {"1"}}, rs[0].Headers)
	assert.Equal(t, []byte(`{"status":"COMPLETE"}`), rs[20].Body)
}

func TestWriterOptions(t *testing.T) {
	base := vegeta.Result{
		Seq: 1, Code: 200, Timestamp: runStart, Latency: time.Millisecond,
		Body:    []byte("body"),
		Headers: http.Header{"Content-Type": {"application/json"}, HeaderLateNanos: {"5"}},
	}
	tests := []struct {
		name        string
		opts        []WriterOption
		wantBody    []byte
		wantHeaders http.Header
	}{
		{"default drops body and real headers", nil, nil, http.Header{HeaderLateNanos: {"5"}}},
		{"bodies", []WriterOption{WithBodies(true)}, []byte("body"), http.Header{HeaderLateNanos: {"5"}}},
		{"all headers", []WriterOption{WithAllHeaders(true)}, nil, base.Headers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeResults(t, dir, []vegeta.Result{base}, tc.opts...)
			var got []vegeta.Result
			require.NoError(t, Each([]string{dir}, func(r *vegeta.Result) error {
				got = append(got, *r)
				return nil
			}))
			require.Len(t, got, 1)
			assert.Equal(t, tc.wantBody, got[0].Body)
			assert.Equal(t, tc.wantHeaders, got[0].Headers)
		})
	}
}

func TestWriterTruncatedTail(t *testing.T) {
	dir := t.TempDir()
	rs := synth(12, 100, 0)
	path := writeResults(t, dir, rs)
	full, err := os.ReadFile(path)
	require.NoError(t, err)

	// Cut the file at every byte: whatever a crash leaves must read
	// without error, deliver a prefix of the results in order, and say it
	// was truncated unless the cut fell exactly between two records.
	prev := uint64(0)
	for cut := 0; cut <= len(full); cut++ {
		var seqs []uint64
		fs, err := ScanReader("cut", bytes.NewReader(full[:cut]), func(r *vegeta.Result) error {
			seqs = append(seqs, r.Seq)
			return nil
		})
		require.NoError(t, err, "cut at %d of %d", cut, len(full))
		require.Equal(t, fs.Results, uint64(len(seqs)))
		require.GreaterOrEqual(t, fs.Results, prev, "cut at %d", cut)
		for i, s := range seqs {
			require.Equal(t, rs[i].Seq, s)
		}
		// A record just completed at this cut: the cut is between two
		// records and must not be reported; otherwise, past the start, the
		// cut is inside a record and must be.
		atBoundary := fs.Results > prev || cut == 0
		assert.Equal(t, !atBoundary, fs.Truncated, "cut at %d of %d (%d complete records)", cut, len(full), fs.Results)
		prev = fs.Results
	}
	assert.Equal(t, uint64(len(rs)), prev)
}

func TestWriterFlushesWithoutClose(t *testing.T) {
	tests := []struct {
		name string
		opts []WriterOption
		// flush is called by the test; otherwise the background flusher
		// must do it.
		flush bool
	}{
		{"explicit flush", []WriterOption{WithFlushInterval(0)}, true},
		{"background flush", []WriterOption{WithFlushInterval(5 * time.Millisecond)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := CreateWriter(dir, tc.opts...)
			require.NoError(t, err)
			t.Cleanup(func() { _ = w.Close() })
			rs := synth(5, 10, 0)
			for i := range rs {
				require.NoError(t, w.Add(&rs[i]))
			}
			if tc.flush {
				require.NoError(t, w.Flush())
			}
			count := func() uint64 {
				fs, err := ScanFile(w.Path(), func(*vegeta.Result) error { return nil })
				require.NoError(t, err)
				return fs.Results
			}
			// Not a timing assertion: the generous deadline only bounds a
			// broken flusher.
			require.Eventually(t, func() bool { return count() == 5 }, 30*time.Second, 5*time.Millisecond)
		})
	}
}

func TestWriterConcurrentAdd(t *testing.T) {
	dir := t.TempDir()
	w, err := CreateWriter(dir, WithFlushInterval(time.Millisecond))
	require.NoError(t, err)
	const workers, each = 4, 200
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rs := synth(each, 100, uint64(g*each))
			for i := range rs {
				assert.NoError(t, w.Add(&rs[i]))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())
	require.NoError(t, w.Close(), "second Close")
	assert.Equal(t, uint64(workers*each), w.Count())
	assert.ErrorIs(t, w.Add(&vegeta.Result{}), os.ErrClosed)

	seen := map[uint64]bool{}
	require.NoError(t, Each([]string{dir}, func(r *vegeta.Result) error {
		seen[r.Seq] = true
		return nil
	}))
	assert.Len(t, seen, workers*each)
}

func TestEachErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.bin")
	require.NoError(t, os.WriteFile(garbage, bytes.Repeat([]byte{0xff, 0x01, 0x7f}, 50), 0o644))
	good := t.TempDir()
	writeResults(t, good, synth(3, 10, 0))
	stop := errors.New("stop")

	tests := []struct {
		name    string
		dirs    []string
		fn      func(*vegeta.Result) error
		wantErr string
		wantIs  error
	}{
		{"missing dir", []string{filepath.Join(dir, "nope")}, nil, "nope", nil},
		{"dir without results", []string{dir}, nil, ResultsFile, nil},
		{"garbage", []string{garbage}, nil, "garbage.bin", nil},
		{"callback error", []string{good}, func(*vegeta.Result) error { return stop }, "", stop},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := tc.fn
			if fn == nil {
				fn = func(*vegeta.Result) error { return nil }
			}
			err := Each(tc.dirs, fn)
			require.Error(t, err)
			if tc.wantErr != "" {
				assert.Contains(t, err.Error(), tc.wantErr)
			}
			if tc.wantIs != nil {
				assert.ErrorIs(t, err, tc.wantIs)
			}
		})
	}
}

func TestEachOrderAndStats(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	writeResults(t, a, synth(5, 10, 0))
	writeResults(t, b, synth(3, 10, 100))
	var seqs []uint64
	stats, err := Scan([]string{b, a}, func(r *vegeta.Result) error {
		seqs = append(seqs, r.Seq)
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []uint64{100, 101, 102, 0, 1, 2, 3, 4}, seqs, "dirs in the order given, files in write order")
	assert.Equal(t, uint64(8), stats.Results)
	require.Len(t, stats.Files, 2)
	assert.Equal(t, filepath.Join(b, ResultsFile), stats.Files[0].Path)
	assert.Empty(t, stats.Truncated())
}

// TestScanRefusesTimesNoSummaryHolds: a record whose time summary.json
// cannot write (RFC 3339: four-digit years) is corrupt; reading it is an
// error naming the record, not a run without a summary.
func TestScanRefusesTimesNoSummaryHolds(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *vegeta.Result)
		want string
	}{
		{"year 20001", func(r *vegeta.Result) { r.Timestamp = time.Date(20001, 1, 1, 0, 0, 0, 0, time.UTC) }, "result 2: corrupt record: timestamp"},
		{"ends past year 9999", func(r *vegeta.Result) {
			r.Timestamp = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
			r.Latency = 48 * time.Hour
		}, "result 2: corrupt record: end (timestamp + latency)"},
		{"offset of a day", func(r *vegeta.Result) { r.Timestamp = r.Timestamp.In(time.FixedZone("x", 25*3600)) }, "result 2: corrupt record: timestamp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := synth(3, 10, 0)
			tc.edit(&rs[1])
			var buf bytes.Buffer
			enc := vegeta.NewEncoder(&buf)
			for i := range rs {
				require.NoError(t, enc.Encode(&rs[i]))
			}
			n := 0
			fs, err := ScanReader("bad.bin", &buf, func(*vegeta.Result) error { n++; return nil })
			require.Error(t, err)
			assert.Contains(t, err.Error(), "read bad.bin: "+tc.want)
			assert.Equal(t, 1, n, "the good record before it was delivered")
			assert.Equal(t, uint64(1), fs.Results)
		})
	}
}

func TestEachReadsVegetaJSON(t *testing.T) {
	var buf bytes.Buffer
	enc := vegeta.NewJSONEncoder(&buf)
	rs := synth(4, 10, 0)
	for i := range rs {
		require.NoError(t, enc.Encode(&rs[i]))
	}
	var n int
	fs, err := ScanReader("json", &buf, func(r *vegeta.Result) error {
		assert.Equal(t, rs[n].Seq, r.Seq)
		n++
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, uint64(4), fs.Results)
}
