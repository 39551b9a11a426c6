package hubspot

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendJSONString(t *testing.T) {
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
			assert.Equal(t, tt.want, string(AppendJSONString(nil, tt.in)))
			assert.Equal(t, tt.want, string(AppendJSONString(nil, []byte(tt.in))))
			assert.Equal(t, tt.want[1:len(tt.want)-1], string(AppendJSONStringBody(nil, tt.in)))
		})
	}
}

// FuzzAppendJSONString checks the writer against encoding/json: the output is
// valid JSON and decodes to what encoding/json's own encoding decodes to
// (invalid UTF-8 becomes U+FFFD in both).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\`, "\n\r\t\x00\x7f", "Zoë — €", "\xff\xfe", "\u2028\u2029", "a\xc3", "\U0001F600"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendJSONString([]byte("prefix"), s)
		require.Equal(t, "prefix", string(out[:6]), "appends, never overwrites")
		require.Equal(t, string(out), string(AppendJSONString([]byte("prefix"), []byte(s))), "string and []byte agree")
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
