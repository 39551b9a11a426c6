package hubspot

import (
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
