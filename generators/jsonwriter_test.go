package generators

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendString(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Call Ana", `"Call Ana"`},
		{"quotes and backslash", `say "hi" \o/`, `"say \"hi\" \\o/"`},
		{"line breaks and tab", "a\nb\r\tc", `"a\nb\r\tc"`},
		{"other controls", "\x00\x01\x1f\b\f", `"\u0000\u0001\u001f\b\f"`},
		{"unicode kept", "Zoë — €12,500 ’s 日本", `"Zoë — €12,500 ’s 日本"`},
		{"invalid utf-8 replaced", "a\xffb\xc3", `"a\ufffdb\ufffd"`},
		{"html left alone", "<b>&</b>", `"<b>&</b>"`},
		{"empty", "", `""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(AppendString(nil, tt.in)))
		})
	}
}

// FuzzAppendString checks the writer against encoding/json: the output is
// valid JSON and decodes to what encoding/json's own encoding decodes to
// (invalid UTF-8 becomes U+FFFD in both).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\n\r\t\x00\x7f", "Zoë — €", "\xff\xfe", "\u2028\u2029", "a\xc3", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString([]byte("prefix"), s)
		require.Equal(t, "prefix", string(out[:6]), "appends, never overwrites")
		out = out[6:]
		require.True(t, json.Valid(out), "not valid JSON: %q", out)
		var got string
		require.NoError(t, json.Unmarshal(out, &got))
		ref, err := json.Marshal(s)
		require.NoError(t, err)
		var want string
		require.NoError(t, json.Unmarshal(ref, &want))
		require.Equal(t, want, got)
		if utf8.ValidString(s) {
			require.Equal(t, s, got)
		}
	})
}

func TestAppendISO(t *testing.T) {
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
			assert.Equal(t, want, string(appendISO(nil, at.UnixMilli())))
		})
	}
}

func FuzzAppendISO(f *testing.F) {
	f.Add(int64(0))
	f.Add(int64(1767571200000))
	f.Add(int64(-1))
	f.Add(int64(253402300799999))
	f.Fuzz(func(t *testing.T, ms int64) {
		ms %= 1 << 50 // stay where time.Time is exact
		want := time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
		require.Equal(t, want, string(appendISO(nil, ms)))
	})
}
