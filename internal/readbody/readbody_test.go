package readbody

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eofWithData returns its last bytes together with io.EOF, as net/http's
// body with a Content-Length does.
type eofWithData struct{ r *bytes.Reader }

func (e eofWithData) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == nil && e.r.Len() == 0 {
		err = io.EOF
	}
	return n, err
}

func TestInto(t *testing.T) {
	body := strings.Repeat("0123456789", 1000) // 10,000 bytes
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		r     func() io.Reader
		hint  int64
		limit int
		kept  string
		total int64
		err   error
	}{
		{"empty", func() io.Reader { return strings.NewReader("") }, 0, 100, "", 0, nil},
		{"unknown size", func() io.Reader { return strings.NewReader(body) }, 0, 1 << 20, body, 10_000, nil},
		{"exact hint", func() io.Reader { return strings.NewReader(body) }, 10_000, 1 << 20, body, 10_000, nil},
		{"hint too small", func() io.Reader { return strings.NewReader(body) }, 10, 1 << 20, body, 10_000, nil},
		{"hint too big", func() io.Reader { return strings.NewReader(body) }, 1 << 30, 1 << 20, body, 10_000, nil},
		{"one byte at a time", func() io.Reader { return iotest.OneByteReader(strings.NewReader(body)) }, 0, 1 << 20, body, 10_000, nil},
		{"EOF with the data", func() io.Reader { return eofWithData{bytes.NewReader([]byte(body))} }, 10_000, 1 << 20, body, 10_000, nil},
		{"cut at the limit, rest drained", func() io.Reader { return strings.NewReader(body) }, 10_000, 1234, body[:1234], 10_000, nil},
		{"limit equals the size", func() io.Reader { return strings.NewReader(body) }, 0, 10_000, body, 10_000, nil},
		{"read error", func() io.Reader {
			return io.MultiReader(strings.NewReader(body[:500]), iotest.ErrReader(errBoom))
		}, 0, 1 << 20, body[:500], 500, errBoom},
		{"error while draining", func() io.Reader {
			return io.MultiReader(strings.NewReader(body[:500]), iotest.ErrReader(errBoom))
		}, 0, 100, body[:100], 500, errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dst := range [][]byte{nil, make([]byte, 0, 64), []byte("kept:")} {
				prefix := string(dst)
				got, total, err := Into(dst, tt.r(), tt.hint, tt.limit)
				if tt.err != nil {
					require.ErrorIs(t, err, tt.err)
				} else {
					require.NoError(t, err)
				}
				assert.Equal(t, prefix+tt.kept, string(got), "appends what it kept")
				assert.Equal(t, tt.total, total, "the whole size")
			}
		})
	}
}

// A reused buffer that is big enough is not reallocated, and a body whose
// size is announced grows a small one once, without doubling past it.
func TestIntoReusesAndPresizes(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 70_000)
	buf := make([]byte, 0, 96<<10)
	got, _, err := Into(buf, bytes.NewReader(body), int64(len(body)), 8<<20)
	require.NoError(t, err)
	assert.Equal(t, &buf[:1][0], &got[:1][0], "same backing array")
	rd := bytes.NewReader(body)
	assert.Zero(t, testing.AllocsPerRun(20, func() {
		rd.Reset(body)
		_, _, _ = Into(buf[:0], rd, int64(len(body)), 8<<20)
	}))

	got, _, err = Into(nil, eofWithData{bytes.NewReader(body)}, int64(len(body)), 8<<20)
	require.NoError(t, err)
	assert.Equal(t, len(body)+1, cap(got), "grown once, to the announced size")
}
