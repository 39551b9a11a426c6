package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var validityCases = []struct {
	name string
	text string
	ok   bool
}{
	{"object", `{"a":1,"b":[true,false,null],"c":{"d":"e"}}`, true},
	{"spaced", " \t\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\r\n", true},
	{"empty containers", `[{},[],""]`, true},
	{"numbers", `[0,-0,1.5,-1e10,2E+3,3e-2,123456789012345678901234567890]`, true},
	{"escapes", `["\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00\ud800"]`, true},
	{"utf8 and bad utf8", "[\"é\xff\"]", true},
	{"long string", `"` + strings.Repeat("abcdefgh", 40) + `"`, true},
	{"trailing comma object", `{"a":1,}`, false},
	{"trailing comma array", `[1,]`, false},
	{"leading comma", `[,1]`, false},
	{"missing colon", `{"a" 1}`, false},
	{"missing comma", `{"a":1 "b":2}`, false},
	{"unterminated string", `["abc`, false},
	{"raw newline in string", "[\"a\nb\"]", false},
	{"bad escape", `["\x"]`, false},
	{"short unicode escape", `["\u12"]`, false},
	{"leading zero", `[01]`, false},
	{"bare minus", `[-]`, false},
	{"dot without digits", `[1.]`, false},
	{"exponent without digits", `[1e]`, false},
	{"plus sign", `[+1]`, false},
	{"trailing data", `{} x`, false},
	{"two values", `1 2`, false},
	{"nothing", ``, false},
	{"only space", `  `, false},
	{"truncated literal", `[tru]`, false},
	{"key not string", `{1:2}`, false},
	{"unclosed object", `{"a":1`, false},
	{"unclosed array", `[1`, false},
	{"bom", "\xef\xbb\xbf{}", false},
	{"top-level string", `"x"`, true},
	{"top-level null", `null`, true},
}

func TestValidAgreesWithStdlib(t *testing.T) {
	for _, tc := range validityCases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.ok, json.Valid([]byte(tc.text)), "the case's expectation must match encoding/json")
			var s Scanner
			s.Reset([]byte(tc.text))
			assert.Equal(t, tc.ok, s.Valid())
		})
	}
}

func FuzzValidAgreesWithStdlib(f *testing.F) {
	for _, tc := range validityCases {
		f.Add([]byte(tc.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Scanner
		s.Reset(data)
		if got, want := s.Valid(), json.Valid(data); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", data, got, want)
		}
		if !json.Valid(data) {
			return
		}
		// Every string of a valid text decodes as encoding/json decodes it.
		var v any
		require.NoError(t, json.Unmarshal(data, &v))
		for p := 0; p < len(data); {
			p = s.NextStop(p)
			if p >= len(data) {
				break
			}
			if data[p] != '"' {
				p++
				continue
			}
			end, _, ok := s.String(p)
			require.True(t, ok)
			var want string
			require.NoError(t, json.Unmarshal(data[p:end], &want))
			raw := data[p+1 : end-1]
			assert.Equal(t, want, string(Unescape(nil, raw)))
			if utf8.Valid(raw) {
				assert.Equal(t, want, string(ResolveEscapes(nil, raw)))
			}
			p = end
		}
	})
}

func TestNextStopMatchesBruteForce(t *testing.T) {
	data := []byte(strings.Repeat(`ab"c\d`+"\x01"+`éfghijklmnopqrstu`, 13) + `xyz"`)
	var s Scanner
	s.Reset(data)
	for p := 0; p <= len(data); p++ {
		want := len(data)
		for q := p; q < len(data); q++ {
			if c := data[q]; c == '"' || c == '\\' || c < 0x20 {
				want = q
				break
			}
		}
		require.Equal(t, want, s.NextStop(p), "from %d", p)
		require.Equal(t, want, s.StopBits().Next(p), "StopBits from %d", p)
	}
	// Word's bits, taken one by one, are the stops in order, then the
	// sentinel.
	var popped []int
	for w := 0; w <= len(data)/64; w++ {
		for m := s.StopBits().Word(w); m != 0; m &= m - 1 {
			popped = append(popped, w<<6+bits.TrailingZeros64(m))
		}
	}
	var want []int
	for q, c := range data {
		if c == '"' || c == '\\' || c < 0x20 {
			want = append(want, q)
		}
	}
	require.Equal(t, append(want, len(data)), popped)
	// The sentinel ends every search from a position up to the length,
	// also when the text fills its last word (the sentinel's word is then
	// a word of its own) and when nothing stops before it.
	for n := range 200 {
		d := []byte(strings.Repeat("x", n))
		if n > 70 {
			d[n-70] = '"'
		}
		s.Reset(d)
		for p := 0; p <= n; p++ {
			want := n
			if n > 70 && p <= n-70 {
				want = n - 70
			}
			require.Equal(t, want, s.StopBits().Next(p), "length %d from %d", n, p)
		}
		var popped []int
		for w := 0; w <= n/64; w++ {
			for m := s.StopBits().Word(w); m != 0; m &= m - 1 {
				popped = append(popped, w<<6+bits.TrailingZeros64(m))
			}
		}
		if n > 70 {
			require.Equal(t, []int{n - 70, n}, popped, "length %d", n)
		} else {
			require.Equal(t, []int{n}, popped, "length %d", n)
		}
	}
}

// TestIndexStopsKernelMatchesPortable holds the vector kernel (where the CPU
// has one) to the portable code and to brute force, on texts of every
// length around the 64-byte blocks, with stop bytes, bytes next to them
// and bytes from 0x80 up at every position.
func TestIndexStopsKernelMatchesPortable(t *testing.T) {
	if !useAVX2 {
		t.Log("no vector kernel on this CPU: the portable code is checked against brute force only")
	}
	alphabet := []byte{'"', '\\', 0, 0x01, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff, 'a', '0'}
	rng := rand.New(rand.NewPCG(1, 2))
	var reused Scanner // keeps its bitmap's array from text to text, longer and shorter
	for n := range 300 {
		for range 8 {
			data := make([]byte, n)
			for i := range data {
				data[i] = 'x'
				if rng.IntN(4) == 0 {
					data[i] = alphabet[rng.IntN(len(alphabet))]
				}
			}
			var s Scanner
			s.Reset(data)
			want := bruteStops(data)
			require.Equal(t, sentinelStops(data), append([]uint64{}, s.stops...), "Reset (with the sentinel bit at the end), %d bytes %q", n, data)
			short := data[:rng.IntN(n+1)]
			reused.Reset(short)
			require.Equal(t, sentinelStops(short), append([]uint64{}, reused.stops...), "Reset of a reused Scanner, %d bytes", len(short))
			reused.Reset(data)
			require.Equal(t, sentinelStops(data), append([]uint64{}, reused.stops...), "Reset of a reused Scanner, %d bytes", n)
			require.Equal(t, IsASCII(data), s.ASCII(), "%d bytes %q", n, data)
			require.Equal(t, want, append([]uint64{}, IndexStops(nil, data)...), "IndexStops, %d bytes", n)
			portable := stopsFor(nil, data)
			indexStopsPortable(portable, data, 0)
			require.Equal(t, want, append([]uint64{}, portable...), "portable, %d bytes", n)
		}
	}
}

// sentinelStops is a Scanner's bitmap by definition: bruteStops and the
// sentinel bit len(data), in a word of its own when len(data) is a
// multiple of 64.
func sentinelStops(data []byte) []uint64 {
	out := append(bruteStops(data), 0)[:len(data)/64+1]
	out[len(data)/64] |= 1 << (len(data) & 63)
	return out
}

// bruteStops is the stop bitmap by definition.
func bruteStops(data []byte) []uint64 {
	out := []uint64{}
	for range (len(data) + 63) / 64 {
		out = append(out, 0)
	}
	for i, c := range data {
		if isStopByte(c) {
			out[i>>6] |= 1 << (i & 63)
		}
	}
	return out
}

func TestUnescape(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u20AC`, "é€"},
		{`\uD83D\uDE00`, "😀"},
		{`\uD83D`, "\uFFFD"},
		{`\uDE00\uD83D`, "\uFFFD\uFFFD"},
		{"ok\xffok", "ok\uFFFDok"},
		{"é", "é"},
	}
	for _, tt := range tests {
		var want string
		require.NoError(t, json.Unmarshal([]byte(`"`+tt.raw+`"`), &want))
		require.Equal(t, tt.want, want, "the case must match encoding/json")
		assert.Equal(t, tt.want, string(Unescape(nil, []byte(tt.raw))), tt.raw)
		if utf8.ValidString(tt.raw) {
			assert.Equal(t, tt.want, string(ResolveEscapes(nil, []byte(tt.raw))), tt.raw)
		}
	}
	assert.Equal(t, "ok\xffok", string(ResolveEscapes(nil, []byte("ok\xffok"))), "ResolveEscapes keeps bytes that are not UTF-8")
	assert.False(t, NeedsDecoding([]byte("plain ascii")))
	assert.True(t, NeedsDecoding([]byte(`a\nb`)))
	assert.True(t, NeedsDecoding([]byte("é")))
}

func TestMembersAndElements(t *testing.T) {
	var s Scanner
	s.Reset([]byte(` { "a" : [ 1 , "x" ] , "b\u0063" : { } } `))
	p := s.Space(0)
	var keys []string
	var firstVal []Kind
	it := s.Members(p)
	for {
		key, val, ok := it.Next()
		if !ok {
			break
		}
		keys = append(keys, string(s.Data[key+1:it.KeyEnd-1]))
		firstVal = append(firstVal, s.KindAt(val))
		if s.KindAt(val) == Array {
			var kinds []Kind
			el := s.Elements(val)
			for {
				q, ok := el.Next()
				if !ok {
					break
				}
				kinds = append(kinds, s.KindAt(q))
				end, ok := s.Value(q)
				require.True(t, ok)
				el.Continue(end)
			}
			end, ok := el.End()
			require.True(t, ok)
			assert.Equal(t, []Kind{Number, String}, kinds)
			it.Continue(end)
			continue
		}
		end, ok := s.Value(val)
		require.True(t, ok)
		it.Continue(end)
	}
	end, ok := it.End()
	require.True(t, ok)
	assert.Equal(t, len(s.Data)-1, end)
	assert.Equal(t, []string{"a", `b\u0063`}, keys)
	assert.Equal(t, []Kind{Array, Object}, firstVal)
}

// TestStringMatchesBruteForce holds String (stops on the bitmap, escapes
// checked between them) to a byte-by-byte reader of JSON's string grammar
// at every quote of every validity case and a few strings of escapes.
func TestStringMatchesBruteForce(t *testing.T) {
	var s Scanner
	cases := []string{`"a\u00e9\"\\b"`, `"\u00"`, `"\uzzzz"`, `"\`, `"ab\x"`, `"a` + "\x1f" + `"`, `"` + strings.Repeat(`\n`, 40) + `"`}
	for _, tc := range validityCases {
		cases = append(cases, tc.text)
	}
	for _, text := range cases {
		d := []byte(text)
		s.Reset(d)
		for p, c := range d {
			if c != '"' {
				continue
			}
			e1, x1, ok1 := s.String(p)
			e2, x2, ok2 := stringBruteForce(d, p)
			assert.Equal(t, []any{e2, x2, ok2}, []any{e1, x1, ok1}, "%q at %d", text, p)
		}
	}
}

// stringBruteForce reads the string whose quote is at p byte by byte, as
// String does: end after the closing quote, or where reading stopped.
func stringBruteForce(d []byte, p int) (end int, escaped, ok bool) {
	for q := p + 1; q < len(d); q++ {
		switch c := d[q]; {
		case c == '"':
			return q + 1, escaped, true
		case c < 0x20:
			return q, escaped, false
		case c == '\\':
			escaped = true
			if q+1 >= len(d) {
				return q, escaped, false
			}
			switch d[q+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				q++
			case 'u':
				if q+6 > len(d) || strings.Trim(string(d[q+2:q+6]), "0123456789abcdefABCDEF") != "" {
					return q, escaped, false
				}
				q += 5
			default:
				return q, escaped, false
			}
		}
	}
	return len(d), escaped, false
}

// TestStopBytes checks stopBytes and gatherHigh against isStopByte for every
// byte value at every position, next to every other interesting byte
// (a carry or borrow from a neighbour must never flag or hide a byte).
func TestStopBytes(t *testing.T) {
	interesting := []byte{0, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5b, 0x5d, 0x7f, 0x80, 0x9f, 0xa0, 0xa2, 0xdc, 0xff, 'a'}
	for c := range 256 {
		for _, n := range interesting {
			for pos := range 8 {
				b := [8]byte{n, n, n, n, n, n, n, n}
				b[pos] = byte(c)
				got := gatherHigh(stopBytes(binary.LittleEndian.Uint64(b[:])))
				var want uint64
				for i, x := range b {
					if isStopByte(x) {
						want |= 1 << i
					}
				}
				if got != want {
					t.Fatalf("%q: stops %08b, want %08b", b[:], got, want)
				}
			}
		}
	}
}

func TestGatherHigh(t *testing.T) {
	for want := range uint64(256) {
		var m uint64
		for i := range 8 {
			if want&(1<<i) != 0 {
				m |= 0x80 << (8 * i)
			}
		}
		if got := gatherHigh(m); got != want {
			t.Fatalf("gatherHigh(%#x) = %08b, want %08b", m, got, want)
		}
	}
}

// isStopByte is the brute-force definition of the bytes the stop bitmap
// marks.
func isStopByte(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
