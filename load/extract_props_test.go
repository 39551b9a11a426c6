package load

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The property walk propsFast is assembly on amd64 (extract_props_amd64.s)
// and propsFastGo elsewhere. These tests hold the two to each other: the
// same (p, np, stop) and the same bytes written to pend, from every
// starting point of many texts, with the text placed against an
// unreadable page (guardedText), so that a load past its end faults
// instead of reading a neighbour. Under purego, or on another
// architecture, propsFast is propsFastGo and they check only that the Go
// walk's bounds-checked loads never fail.

// propsExtractors are the name tables the walk is tested with: the
// engine's (default id property, and a long one), one with read names of
// lengths around the 8-, 16- and 24-byte rules, up to 40 bytes, and
// one whose two long names share length and both words, where the table
// is off (propMul 0) and every name of a read length is propSlow's.
func propsExtractors(tb testing.TB) []*extractor {
	tb.Helper()
	gen, err := generators.New(generators.WithTraceIDs(true))
	require.NoError(tb, err)
	long, err := generators.New(generators.WithIDProperty("ub_unique_identifier_of_the_task"))
	require.NoError(tb, err)
	every := &extractor{}
	for i, n := range []int{1, 2, 7, 8, 9, 12, 15, 16, 17, 18, 23, 24, 25, 32, 40} {
		every.addProp(propsLongName(n), i%11-1)
	}
	every.buildPropTable()
	require.NotZero(tb, every.propMul, "the table places these names")
	shared := &extractor{}
	shared.addProp("abcdefgh_1_12345678", propKey)
	shared.addProp("abcdefgh_2_12345678", 0)
	shared.addProp("hs_task_body", 1)
	shared.buildPropTable()
	require.Zero(tb, shared.propMul, "names sharing both words leave the table off")
	return []*extractor{newExtractor(gen), newExtractor(long), every, shared}
}

// propsLongName is a name of n bytes whose every 8-byte word differs from
// the other lengths' names.
func propsLongName(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + (i*7+n)%26)
	}
	return string(b)
}

// propsNames are the names the built property lists use for x: its read
// names, near misses of each (one byte changed at every position, one
// byte longer and shorter, the middle changed), and names of every length
// up to 70.
func propsNames(x *extractor) []string {
	var read []string
	for _, cands := range x.props {
		for _, c := range cands {
			read = append(read, c.name)
		}
	}
	names := append([]string(nil), read...)
	for _, name := range read {
		for i := range len(name) {
			b := []byte(name)
			b[i] ^= 1
			names = append(names, string(b))
		}
		names = append(names, name+"s", name[:len(name)-1], "_"+name[1:])
	}
	for n := range 71 {
		names = append(names, strings.Repeat("q", n))
	}
	return names
}

// propsValues are values of every form the walk meets or refuses: plain
// strings (short, long, across 64-byte words), every escape, \u with a
// bad digit at each place or cut short, control characters, raw UTF-8,
// null and near-nulls, and other JSON types.
var propsValues = []string{
	`"v"`, `""`, `"NOT_STARTED"`, `"2026-11-30T08:33:58.123Z"`,
	`"` + strings.Repeat("x", 61) + `"`, `"` + strings.Repeat("y", 64) + `"`, `"` + strings.Repeat("z", 130) + `"`,
	`"a\"b"`, `"\\"`, `"a\\"`, `"\/"`, `"\b\f\n\r\t"`, `"x\"` + strings.Repeat("w", 70) + `\\"`,
	`"\u00e9"`, `"\u00E9x"`, `"\uFFFF"`, `"\ud83d\ude00"`, `"\u"`, `"\u1"`, `"\u12"`, `"\u123"`,
	`"\u00g9"`, `"\u0g09"`, `"\ug009"`, `"\u000g"`, `"\u00:9"`, `"\u00/9"`, `"\u00@9"`, `"\u00` + "\x80" + `9"`,
	`"\x"`, `"\a"`, `"\U0041"`, `"\` + "\x00" + `"`, "\"a\x01b\"", "\"\tb\"", "\"\x1f\"", `"café 😀"`,
	`"a","b"`, `"\",\""`, `"\"}"`,
	`null`, `nul`, `nulL`, `nullx`, `n`, `5`, `true`, `{}`, `[]`, `-1`,
}

// propsSeps are what may follow a value: the next name, the end, and
// forms only the general walk reads.
var propsSeps = []string{`,"hs_task_type":"CALL"}`, `}`, `,`, ` }`, `, "a":"b"}`, `,}`, `]`, `,"`, `}}`, ``}

// propsTexts are property lists built from names, values and separators,
// as a result's "properties" object holds them, each after pad bytes (so
// that the stops fall at every place in a bitmap word).
func propsTexts(x *extractor) [][]byte {
	var texts [][]byte
	add := func(pad int, body string) {
		texts = append(texts, []byte(strings.Repeat("x", pad)+`{"properties":{`+body))
	}
	names := propsNames(x)
	for i, name := range names {
		for j, v := range propsValues {
			add((i+j)%64, `"`+name+`":`+v+propsSeps[(i+j)%len(propsSeps)])
			if j%8 == i%8 {
				add((i*3+j)%64, `"`+name+`":`+v+`,"`+name+`":`+v+`}`)
			}
		}
		for _, sep := range propsSeps {
			add(i%64, `"`+name+`":"v"`+sep)
			add(i%64, `"`+name+`"`+sep)
		}
	}
	// More read properties than pend holds, and every read name after a
	// run of others.
	var all []string
	for _, name := range names[:min(len(names), 12)] {
		all = append(all, `"`+name+`":"1"`, `"`+name+`":null`)
	}
	for pad := range 64 {
		add(pad, strings.Join(all, ",")+`}`)
		add(pad, strings.Join(all[:pad%len(all)], ",")+`,"hs_object_id":"1"}`)
	}
	return texts
}

// propsStarts are the positions a walk can start at in d: every quote
// with one more byte after it.
func propsStarts(d []byte) []int {
	var ps []int
	for p := range len(d) - 1 {
		if d[p] == '"' {
			ps = append(ps, p)
		}
	}
	return ps
}

// propsCheck holds the two walks to each other on the text sc holds,
// from p with np pending (p+1 < len(sc.Data)).
func propsCheck(tb testing.TB, x *extractor, sc *jsonscan.Scanner, p int, np uint) {
	d := sc.Data
	var got, want pendingProps
	for i := range got.span {
		got.span[i], want.span[i] = 0xa5a5a5a5a5a5a5a5, 0xa5a5a5a5a5a5a5a5
		got.meta[i], want.meta[i] = 0x5a, 0x5a
	}
	gp, gnp, gs := x.propsFast(rawTextOf(d), sc.StopBits(), len(d), p, &got, np)
	wp, wnp, ws := x.propsFastGo(rawTextOf(d), sc.StopBits(), len(d), p, &want, np)
	if gp != wp || gnp != wnp || gs != ws || got != want {
		tb.Helper()
		require.Equal(tb, []any{wp, wnp, ws, want}, []any{gp, gnp, gs, got},
			"propsFast and propsFastGo disagree from p=%d np=%d on %q", p, np, d)
	}
}

// propsCheckAll checks every starting point of d with np 0, 15 and 16,
// and every cut of d after the first start (the text ending there).
func propsCheckAll(tb testing.TB, x *extractor, g *guardedBuf, sc *jsonscan.Scanner, d []byte, cuts bool) {
	sc.Reset(g.put(d))
	starts := propsStarts(sc.Data)
	for _, p := range starts {
		for _, np := range []uint{0, maxPending - 1, maxPending} {
			propsCheck(tb, x, sc, p, np)
		}
	}
	if !cuts || len(starts) == 0 {
		return
	}
	first := bytes.Index(d, []byte(`{"properties":{"`))
	if first < 0 {
		first = starts[0]
	} else {
		first += len(`{"properties":{`)
	}
	for n := first + 2; n < len(d); n++ {
		sc.Reset(g.put(d[:n]))
		propsCheck(tb, x, sc, first, 0)
		propsCheck(tb, x, sc, first, maxPending-1)
	}
}

func TestPropsFastMatchesGoOnAnswers(t *testing.T) {
	g := newGuardedBuf(t, 1<<20)
	var sc jsonscan.Scanner
	for _, opts := range [][]generators.Option{
		{generators.WithSeed(1), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1)},
		{generators.WithSeed(8), generators.WithBatchSize(3), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5),
			generators.WithUpdateLag(1), generators.WithInvalidShare(0.2)},
		{generators.WithSeed(3), generators.WithBatchSize(10), generators.WithIDProperty("ub_unique_identifier_of_the_task")},
	} {
		gen, err := generators.New(opts...)
		require.NoError(t, err)
		bodies, _ := emulatorAnswers(t, gen, 4)
		for _, x := range append(propsExtractors(t), newExtractor(gen)) {
			for _, body := range bodies {
				propsCheckAll(t, x, g, &sc, body, false)
			}
		}
	}
}

func TestPropsFastMatchesGoOnBuiltProperties(t *testing.T) {
	g := newGuardedBuf(t, 1<<16)
	var sc jsonscan.Scanner
	for _, x := range propsExtractors(t) {
		texts := propsTexts(x)
		for i, d := range texts {
			propsCheckAll(t, x, g, &sc, d, i%4 == 0 || bytes.Contains(d, []byte(`\`)))
		}
	}
}

// TestPropsFastMatchesGoOnMutations changes every byte of small answers to
// each byte a walk looks at, and walks from the properties objects and
// from the quotes just before the change.
func TestPropsFastMatchesGoOnMutations(t *testing.T) {
	gen, err := generators.New(generators.WithSeed(5), generators.WithBatchSize(2), generators.WithTraceIDs(true),
		generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(t, err)
	bodies, _ := emulatorAnswers(t, gen, 2)
	g := newGuardedBuf(t, 1<<16)
	var sc jsonscan.Scanner
	xs := propsExtractors(t)
	for _, body := range bodies[1:] {
		var objects []int
		for i := 0; ; {
			j := bytes.Index(body[i:], []byte(`"properties":{"`))
			if j < 0 {
				break
			}
			i += j + len(`"properties":{`)
			objects = append(objects, i)
		}
		require.NotEmpty(t, objects)
		d := make([]byte, len(body))
		for i := range body {
			for _, c := range []byte{'"', '\\', ',', '}', ':', 'n', 'u', '0', 'g', 0x01, ' ', 0x80} {
				copy(d, body)
				d[i] = c
				sc.Reset(g.put(d))
				for k, x := range xs {
					if k > 1 && i%4 != 0 {
						continue // the built tables on a quarter of the places
					}
					for _, p := range objects {
						if sc.Data[p] == '"' {
							propsCheck(t, x, &sc, p, 0)
						}
					}
					for p := max(0, i-40); p <= i && p < len(d)-1; p++ {
						if sc.Data[p] == '"' {
							propsCheck(t, x, &sc, p, maxPending-2)
						}
					}
				}
			}
		}
	}
}

// FuzzPropsFast walks fuzzed texts from every quote (up to 256) with each
// name table, np from the input.
func FuzzPropsFast(f *testing.F) {
	gen, err := generators.New(generators.WithSeed(8), generators.WithBatchSize(3), generators.WithTraceIDs(true),
		generators.WithUpdateShare(0.5), generators.WithUpdateLag(1), generators.WithInvalidShare(0.2))
	require.NoError(f, err)
	bodies, _ := emulatorAnswers(f, gen, 3)
	for _, b := range bodies {
		f.Add(b, uint8(0))
	}
	xs := propsExtractors(f)
	for i, d := range propsTexts(xs[0]) {
		if i%23 == 0 {
			f.Add(d, uint8(i))
		}
	}
	f.Add([]byte(`{"properties":{"`+hubspot.PropTaskBody+`":"\u00e9\n","hs_task_type":null}`), uint8(15))
	g := newGuardedBuf(f, 1<<20)
	f.Fuzz(func(t *testing.T, d []byte, np uint8) {
		if len(d) > 1<<20 {
			return
		}
		var sc jsonscan.Scanner
		sc.Reset(g.put(d))
		starts := propsStarts(sc.Data)
		for _, x := range xs {
			for _, p := range starts[:min(len(starts), 256)] {
				propsCheck(t, x, &sc, p, uint(np%(maxPending+1)))
			}
		}
	})
}
