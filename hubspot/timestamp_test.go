package hubspot

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendTimestamp(t *testing.T) {
	tests := []time.Time{
		time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(2024, 2, 29, 13, 7, 9, 42e6, time.UTC),
		time.Date(2000, 12, 31, 23, 59, 59, 1e6, time.UTC),
		time.Date(2100, 3, 1, 8, 15, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, at := range tests {
		t.Run(at.Format(time.RFC3339), func(t *testing.T) {
			want := at.Format("2006-01-02T15:04:05.000Z07:00")
			assert.Equal(t, want, string(AppendTimestamp(nil, at.UnixMilli())))
		})
	}
}

func FuzzAppendTimestamp(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1767571200000))
	f.Add(int64(-1))
	f.Add(int64(253402300799999))
	f.Fuzz(func(t *testing.T, ms int64) {
		ms %= 1 << 50 // stay where time.Time is exact
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		require.Equal(t, want, string(AppendTimestamp(nil, ms)))
	})
}

// javaInstant renders ms as Java's Instant.toString does, through
// time.Time: the reference AppendInstant is checked against.
func javaInstant(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	var year string
	switch y := t.Year(); {
	case y > 9999:
		year = "+" + strconv.Itoa(y)
	case y < 0:
		year = fmt.Sprintf("-%04d", -y)
	default:
		year = fmt.Sprintf("%04d", y)
	}
	s := year + t.Format("-01-02T15:04:05")
	if t.Nanosecond() != 0 {
		s += t.Format(".000")
	}
	return s + "Z"
}

func TestAppendInstant(t *testing.T) {
	tests := []struct {
		ms   int64
		want string // as java.time.Instant.ofEpochMilli(ms).toString() prints it
	}{
		{0, "1970-01-01T00:00:00Z"},
		{1739869937000, "2025-02-18T09:12:17Z"},
		{1739869937901, "2025-02-18T09:12:17.901Z"},
		{1739869937100, "2025-02-18T09:12:17.100Z"},
		{1739869937001, "2025-02-18T09:12:17.001Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
		{253402300799999, "9999-12-31T23:59:59.999Z"},
		{253402300800000, "+10000-01-01T00:00:00Z"},
		{-62167219200000, "0000-01-01T00:00:00Z"},
		{-62167219200001, "-0001-12-31T23:59:59.999Z"},
		{999999999999999999, "+31690708-07-05T01:46:39.999Z"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, string(AppendInstant(nil, tt.ms)))
			assert.Equal(t, tt.want, javaInstant(tt.ms), "the reference agrees")
			assert.Equal(t, "x"+tt.want, string(AppendInstant([]byte("x"), tt.ms)), "appends")
		})
	}
}

func FuzzAppendInstant(f *testing.F) {
	for _, ms := range []int64{0, 1739869937000, -1, 253402300800000, -62167219200001, 999999999999999999, -999999999999999999} {
		f.Add(ms)
	}
	f.Fuzz(func(t *testing.T, ms int64) {
		ms %= 1 << 60 // stay where time.Time is exact
		require.Equal(t, javaInstant(ms), string(AppendInstant(nil, ms)))
	})
}
