package load

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The tests of the extraction's work after the walks (setPending, the
// setters, plainUint), each against an independent reference.

// TestPlainUintMatchesStrconv holds plainUint (two words of digits8 for 8
// to 16 digits, a loop otherwise) to strconv.ParseUint plus the plain
// form: no sign, no leading zero, at most 19 digits. The inputs are digit
// strings of every length up to 21 around every power of ten, with every
// byte in turn replaced by bytes next to the digits and others.
func TestPlainUintMatchesStrconv(t *testing.T) {
	reference := func(s string) (uint64, bool) {
		v, err := strconv.ParseUint(s, 10, 64)
		return v, err == nil && len(s) <= 19 && strconv.FormatUint(v, 10) == s
	}
	var inputs []string
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 21; n++ {
		base := []string{strings.Repeat("9", n), strings.Repeat("0", n), "1" + strings.Repeat("0", max(n-1, 0))}
		for range 8 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + rng.IntN(10))
			}
			base = append(base, string(b))
		}
		for _, s := range base {
			s = s[:n]
			inputs = append(inputs, s)
			for i := range n {
				for _, c := range []byte{'/', ':', '0', '9', 0, 0xff, 'a', ' ', '-', '+', 0x30 + 0x80, 0x3a + 0x06} {
					b := []byte(s)
					b[i] = c
					inputs = append(inputs, string(b))
				}
			}
		}
	}
	inputs = append(inputs, "48000000142", "18446744073709551615", "9999999999999999999", "10000000000000000")
	for _, s := range inputs {
		want, wantOK := reference(s)
		got, ok := plainUint([]byte(s))
		require.Equal(t, wantOK, ok, "%q", s)
		if ok {
			require.Equal(t, want, got, "%q", s)
		}
	}
}

// TestSetPendingMatchesValueFingerprint holds the pending loop's inline
// fingerprints (texts up to 16 bytes read as unchecked words, longer ones,
// instants, escaped values, keys and nulls) to valueFingerprint of the
// value encoding/json decodes, and the key to ParseKey, for values of
// every length up to 40 bytes at every offset modulo 8 in the answer.
func TestSetPendingMatchesValueFingerprint(t *testing.T) {
	gen, err := generators.New(generators.WithSeed(1))
	require.NoError(t, err)
	x := newExtractor(gen)
	subject := hubspot.WritablePropertyIndex([]byte(hubspot.PropTaskSubject))
	stamp := hubspot.WritablePropertyIndex([]byte(hubspot.PropTimestamp))
	status := hubspot.WritablePropertyIndex([]byte(hubspot.PropTaskStatus))
	require.True(t, subject >= 0 && stamp >= 0 && status >= 0)
	rng := rand.New(rand.NewPCG(3, 4))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-:"
	value := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	var sc jsonscan.Scanner
	var facts answerFacts
	checked := 0
	for n := 0; n <= 40; n++ {
		for pad := range 8 {
			for _, v := range []string{value(n), strings.Repeat("x", n)} {
				esc := v
				if n > 2 {
					esc = v[:n/2] + `\n\u00e9\"` + v[n/2:]
				}
				instant := "2026-04-15T09:30:00Z"
				if n%3 == 1 {
					instant = v // not an instant: fingerprinted as a text
				} else if n%3 == 2 {
					instant = "2026-04-15T09:30:00.123Z"
				}
				key := gen.Key(uint64(n))
				if n%5 == 4 {
					key = v
				}
				body := `{"results":[{"id":"1","properties":{"hs_object_id":"` + strings.Repeat("1", pad) + `",` +
					`"hs_task_subject":"` + v + `","hs_timestamp":"` + instant + `","hs_task_status":"` + esc + `",` +
					`"` + gen.IDProperty() + `":"` + key + `","hs_task_type":null}}]}`
				sc.Reset([]byte(body))
				require.True(t, x.compact(&sc, &facts), "the compact walk (setPending) reads %s", body)
				require.NoError(t, x.extract([]byte(body), &sc, &facts), body)
				require.Len(t, facts.results, 1)
				r := facts.results[0]
				var decoded struct {
					Results []struct{ Properties map[string]*string }
				}
				require.NoError(t, json.Unmarshal([]byte(body), &decoded))
				p := decoded.Results[0].Properties
				assert.Equal(t, valueFingerprint(x.fpKey, subject, []byte(*p[hubspot.PropTaskSubject])), r.fp[subject], body)
				assert.Equal(t, valueFingerprint(x.fpKey, stamp, []byte(*p[hubspot.PropTimestamp])), r.fp[stamp], body)
				assert.Equal(t, valueFingerprint(x.fpKey, status, []byte(*p[hubspot.PropTaskStatus])), r.fp[status], body)
				wantKey, wantOurs := gen.ParseKey([]byte(*p[gen.IDProperty()]))
				assert.Equal(t, wantOurs, r.has(factKeyOurs), body)
				assert.Equal(t, wantKey, r.key, body)
				typ := hubspot.WritablePropertyIndex([]byte(hubspot.PropTaskType))
				assert.Equal(t, generators.PropMask(1<<subject|1<<stamp|1<<status), r.echoed&^(1<<typ), body)
				assert.False(t, r.echoed.Has(typ), "null is not an echoed value")
				checked++
			}
		}
	}
	assert.Equal(t, 41*8*2, checked)
}

// TestTextFingerprintLengths checks that textFingerprint, the one
// definition, tells apart texts that differ only in length or in one byte
// at any position up to 40 bytes (where its words and folds change), so a
// lost byte in the words would show: every such pair differs unless the
// 32-bit fingerprints collide, which a fixed key makes reproducible.
func TestTextFingerprintLengths(t *testing.T) {
	key := fpKeyOf(7)
	seen := map[uint32]string{}
	for n := 0; n <= 40; n++ {
		base := strings.Repeat("a", n)
		for i := -1; i < n; i++ {
			v := []byte(base)
			if i >= 0 {
				v[i] = 'b'
			}
			fp := textFingerprint(key, v, 0, len(v))
			require.Zero(t, fp&1, "texts have the low bit clear")
			prev, dup := seen[fp]
			require.False(t, dup, "%q and %q share a fingerprint", prev, v)
			seen[fp] = string(v)
		}
	}
}

// TestTimestampCacheMatchesParseInstant feeds answerFacts.timestamp (its
// cache of the last instant compares 24-byte texts as three words)
// sequences of updatedAt texts that differ from the cached one in one
// byte at every position, in length, or not at all, and holds every answer
// to parseInstant of the same text.
func TestTimestampCacheMatchesParseInstant(t *testing.T) {
	base := "2026-12-01T03:31:43.654Z"
	var seq []string
	for i := range base {
		for _, c := range []byte{'0', '1', '9', 'x'} {
			b := []byte(base)
			b[i] = c
			seq = append(seq, base, string(b), string(b), base)
		}
	}
	seq = append(seq, "2026-12-01T03:31:43Z", base, "2026-12-01T03:31:43Z", "1764559903654", "1764559903654", base, "", base)
	var a answerFacts
	for i, v := range seq {
		want, wantOK := parseInstant([]byte(v))
		got, ok := a.timestamp([]byte(v))
		require.Equal(t, wantOK, ok, "%d: %q", i, v)
		require.Equal(t, want, got, "%d: %q", i, v)
	}
}
