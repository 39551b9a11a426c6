package hubspot

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseInstant(t *testing.T) {
	ms, ok := ParseInstant([]byte("1760357700000"))
	require.True(t, ok)
	iso, ok := ParseInstant([]byte("2025-10-13T12:15:00.000Z"))
	require.True(t, ok)
	assert.Equal(t, ms, iso, "epoch milliseconds and ISO 8601 name the same instant")
	_, ok = ParseInstant([]byte("soon"))
	assert.False(t, ok)
}

// FuzzParseInstant holds the epoch-milliseconds reading to
// strconv.ParseInt on up to 18 digits.
func FuzzParseInstant(f *testing.F) {
	for _, s := range []string{"1760357700000", "-5", "+7", "999999999999999999", "9999999999999999999",
		"00012", "", "-", "12a", "2025-10-13T12:15:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseInstant([]byte(s))
		digits := strings.TrimPrefix(s, "-")
		if want, err := strconv.ParseInt(s, 10, 64); err == nil && len(digits) <= 18 && digits != "" && digits[0] != '+' && s[0] != '+' {
			require.True(t, ok, "%q", s)
			require.Equal(t, want, got, "%q", s)
			return
		}
		iso, isoOK := parseISO8601([]byte(s))
		require.Equal(t, isoOK, ok, "%q", s)
		if ok {
			require.Equal(t, iso, got)
		}
	})
}

func TestISO8601(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"2026-12-02", true},
		{"2024-02-29", true},
		{"2026-12-02T15:00:00Z", true},
		{"2026-12-02T15:00:00.123Z", true},
		{"2026-12-02t15:00:00.123456789z", false},
		{"2026-12-02T15:00:00+01:00", true},
		{"2026-12-02T15:00:00.5-05:30", true},
		{"2025-02-29", false},
		{"2026-13-01", false},
		{"2026-12-32", false},
		{"2026-12-02T24:00:00Z", false},
		{"2026-12-02T15:60:00Z", false},
		{"2026-12-02T15:00:00", false},
		{"2026-12-02T15:00:00.Z", false},
		{"2026-12-02T15:00:00+0100", false},
		{"2026-12-02 15:00:00Z", false},
		{"26-12-02", false},
		{"tomorrow", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, ok := parseISO8601([]byte(tt.in))
			assert.Equal(t, tt.ok, ok)
		})
	}
}

// FuzzISO8601 checks the hand-written parser against time.Parse: it must
// never accept what RFC 3339 (or a plain date) rejects, and the instant it
// reads is time.Parse's, cut to the millisecond.
func FuzzISO8601(f *testing.F) {
	for _, s := range []string{"2026-12-02", "2026-12-02T15:00:00.123Z", "2026-12-02T15:00:00+01:00",
		"0000-01-01T00:00:00.9999Z", "1969-12-31T23:59:59.5-23:59", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, ok := parseISO8601([]byte(s))
		if !ok {
			return
		}
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			var err2 error
			if at, err2 = time.Parse(time.DateOnly, s); err2 != nil {
				t.Fatalf("accepted %q, which time.Parse rejects: %v", s, err)
			}
		}
		if want := at.Truncate(time.Millisecond).UnixMilli(); ms != want {
			t.Fatalf("%q reads as %d ms, time.Parse says %d", s, ms, want)
		}
	})
}
