//go:build linux || darwin || freebsd

package load

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The differential tests of propsFastGo, which takes the stops off the
// bitmap's word one by one (popStop), and of propsFast (on amd64 its
// assembly twin, propsFastAsm): on every text, from every name's quote
// they may be asked to start at, and with the pending list empty, nearly
// full and full, they return and record what propsFastNext does,
// the same walk finding each stop with StopBits.Next from the position
// the text says. The texts end at a guard page (guardedText), so a load
// past the end faults; under the purego tag every load and every word
// of the bitmap is bounds-checked as well.

// propsFastNext is propsFastGo finding each stop with StopBits.Next: the
// reference it is held to.
func (x *extractor) propsFastNext(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	for {
		lo := p + 1
		e := st.Next(lo)
		if e > n-4 {
			return p, np, propsGiveUp
		}
		w := t.u32(e)
		kind := propOther
		if nl := e - lo; x.propLens&(1<<(uint(nl)&63)) != 0 {
			if nl < 8 || x.propMul == 0 {
				return p, np, propsSlow
			}
			first, last := t.u64(lo), t.u64(e-8)
			s := &x.propTable[propSlotOf(first, last, x.propMul)]
			if s.first == first && s.last == last && s.n == nl {
				if nl > 16 && (nl > 24 || t.u64(lo+8) != s.mid) {
					return p, np, propsSlow
				}
				kind = s.kind
			}
		}
		v := e + 2
		switch {
		case w&0xffffff == wordNameToString:
			q := st.Next(v + 1)
			if q > n-4 {
				return p, np, propsGiveUp
			}
			esc := false
			for t.at(q) != '"' {
				if t.at(q) != '\\' {
					return p, np, propsSlow
				}
				switch c := t.at(q + 1); {
				case simpleEscape[c]:
					q += 2
				case c == 'u' && q <= n-6 && hexDigit[t.at(q+2)] && hexDigit[t.at(q+3)] &&
					hexDigit[t.at(q+4)] && hexDigit[t.at(q+5)]:
					q += 6
				default:
					return p, np, propsSlow
				}
				esc = true
				if q = st.Next(q); q > n-4 {
					return p, np, propsGiveUp
				}
			}
			if kind != propOther {
				if np >= maxPending {
					return p, np, propsGiveUp
				}
				pend.span[np], pend.meta[np] = pendSpan(v+1, q), pendMeta(kind, esc)
				np++
			}
			if t.u32(q)&0xffffff == wordStringToName {
				p = q + 2
				continue
			}
			p = q + 1
		case w&0xffff == wordNameEnd && t.at(v) == 'n':
			if v > n-4 || t.u32(v) != wordNull {
				return p, np, propsGiveUp
			}
			if kind != propOther {
				if np >= maxPending {
					return p, np, propsGiveUp
				}
				pend.span[np], pend.meta[np] = pendNull, pendMeta(kind, false)
				np++
			}
			p = v + 4
		default:
			return p, np, propsGiveUp
		}
		var stop propsStop
		if p, stop = propsNext(t, n, p); stop != propsSlow {
			return p, np, stop
		}
	}
}

// propsDiff runs propsFast (on amd64 the assembly, propsFastAsm),
// propsFastGo and propsFastNext on d from p with np0 properties pending,
// and describes how the first two differ from the third ("" when they
// agree): the pending entries below the count they return.
func propsDiff(x *extractor, d []byte, sc *jsonscan.Scanner, p int, np0 uint) string {
	t, st, n := rawTextOf(d), sc.StopBits(), len(d)
	var pn pendingProps
	for i := range pn.span {
		pn.span[i], pn.meta[i] = uint64(i)*0x9e3779b97f4a7c15, uint8(i*37)
	}
	pf, pg := pn, pn
	qn, npn, sn := x.propsFastNext(t, st, n, p, &pn, np0)
	for _, walk := range []struct {
		name string
		run  func(rawText, jsonscan.StopBits, int, int, *pendingProps, uint) (int, uint, propsStop)
		pend *pendingProps
	}{{"propsFast", x.propsFast, &pf}, {"propsFastGo", x.propsFastGo, &pg}} {
		q, np, stop := walk.run(t, st, n, p, walk.pend, np0)
		if q == qn && np == npn && stop == sn && *walk.pend == pn {
			continue
		}
		return fmt.Sprintf("from %d (np %d) in %q (from %d on):\n %s p=%d np=%d stop=%d\n next p=%d np=%d stop=%d (pending equal: %v)",
			p, np0, d[p:min(len(d), p+400)], p, walk.name, q, np, stop, qn, npn, sn, *walk.pend == pn)
	}
	return ""
}

// checkPropsFast holds the two to each other on body (placed at the
// guard) from every name's quote with room after it (p+1 < n), the
// precondition of propsFast. It returns the calls made.
func checkPropsFast(tb testing.TB, x *extractor, g *guardedText, sc *jsonscan.Scanner, body []byte) int {
	tb.Helper()
	d := g.place(body)
	sc.Reset(d)
	calls := 0
	for p := 0; p+1 < len(d); p++ {
		if d[p] != '"' {
			continue
		}
		for _, np0 := range []uint{0, maxPending - 1, maxPending} {
			if msg := propsDiff(x, d, sc, p, np0); msg != "" {
				tb.Fatal(msg)
			}
			calls++
		}
	}
	return calls
}

// propsExtractor reads the properties of the default generator, the
// unique one external_task_id among them.
func propsExtractor(tb testing.TB) *extractor {
	gen, err := generators.New()
	require.NoError(tb, err)
	return newExtractor(gen)
}

// trickyProperties are properties objects built to fool the walk: read
// and unread names with values of every kind, escapes of every kind
// (also an escaped quote or backslash, the stops a pop must skip), names
// and values that are near misses, and long values whose stops fall on
// and around the bitmap's word boundaries.
func trickyProperties() []string {
	values := []string{`"x"`, `""`, `"a\"b"`, `"a\\"`, `"a\\\"b"`, `"\\\\"`, `"\"\""`, `"\u0041"`, `"caf\u00e9"`, `"\u00g1"`, `"\u00"`,
		`"\/\b\f\n\r\t"`, `"\x"`, "\"\\\x01\"", "\"a\x01\"", `null`, `nul`, `nulx`, `true`, `0`, `{}`, `[]`,
		`"2026-12-01T03:30:06.461Z"`, `"<html>\n <head></head>\n</html>"`, `"\u003cb\u003e"`}
	names := []string{"external_task_id", "hs_task_body", "hs_task_subject", "hs_timestamp", "hs_queue_membership_ids",
		"hs_object_id", "hs_body_preview_html", "hs_task_bodx", "a", "", "hs_queue_mXmbership_ids", "n\"m", "n\\\\m"}
	var out []string
	obj := func(members ...string) string { return "{" + strings.Join(members, ",") + "}" }
	for _, name := range names {
		for _, v := range values {
			m := `"` + name + `":` + v
			out = append(out, obj(m), obj(`"hs_task_type":"TODO"`, m, `"hs_object_id":"1"`), obj(m, m))
		}
	}
	// Long values: escapes and quotes at every offset of a 64-byte word.
	for k := range 70 {
		pad := strings.Repeat("p", k)
		out = append(out,
			obj(`"hs_task_body":"`+pad+`\n\"\\x`+pad+`"`, `"external_task_id":"ub-`+pad+`"`, `"hs_task_type":null`, `"hs_object_id":"`+pad+`"`),
			obj(`"`+pad+`":"`+pad+`"`, `"hs_task_subject":"\u0041`+pad+`\\"`, `"hs_timestamp":null`))
	}
	// Separators and ends that are not the compact form.
	out = append(out,
		`{"hs_task_body":"x" ,"hs_task_type":"y"}`,
		`{"hs_task_body":"x", "hs_task_type":"y"}`,
		`{"hs_task_body" :"x"}`,
		`{"hs_task_body":"x",}`,
		`{"hs_task_body":"x"]`,
		`{"hs_task_body":null,"hs_task_type":null}`,
		`{"hs_task_body":null }`,
		`{"hs_task_body":"x","`,
		`{"hs_task_body":"x",`,
		`{"hs_task_body":"x"`,
	)
	return out
}

// propsAnswers are a few emulator answers, whole.
func propsAnswers(tb testing.TB) [][]byte {
	tb.Helper()
	gen, err := generators.New(generators.WithSeed(1), generators.WithBatchSize(5), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(tb, err)
	bodies, _ := emulatorAnswers(tb, gen, 3)
	gen, err = generators.New(generators.WithSeed(7), generators.WithBatchSize(3))
	require.NoError(tb, err)
	b, _ := emulatorAnswers(tb, gen, 2, emulator.WithPreserveOrder(true))
	return append(bodies, b...)
}

func TestPropsFastMatchesNext(t *testing.T) {
	x := propsExtractor(t)
	g := newGuardedText(t, 1<<20)
	var sc jsonscan.Scanner
	calls := 0
	t.Run("emulator answers at every alignment", func(t *testing.T) {
		for _, body := range propsAnswers(t) {
			for k := range 64 {
				calls += checkPropsFast(t, x, g, &sc, append(bytes.Repeat([]byte(" "), k), body...))
			}
		}
	})
	t.Run("tricky properties", func(t *testing.T) {
		for _, props := range trickyProperties() {
			calls += checkPropsFast(t, x, g, &sc, []byte(props))
			calls += checkPropsFast(t, x, g, &sc, []byte(`{"results":[{"properties":`+props+`,"id":"1"}]}`))
		}
	})
	t.Run("no name table", func(t *testing.T) {
		// Names that share both words and length leave propMul 0: then
		// every name of a read length is propSlow's (propsFast runs
		// propsFastGo).
		x0 := *x
		x0.propMul, x0.propTable = 0, [propTableSize]propSlot{}
		for _, props := range trickyProperties() {
			calls += checkPropsFast(t, &x0, g, &sc, []byte(props))
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for _, props := range everyThird(trickyProperties()) {
			for l := range len(props) + 1 {
				calls += checkPropsFast(t, x, g, &sc, []byte(props[:l]))
			}
		}
	})
	t.Run("every single-byte change", func(t *testing.T) {
		props := []byte(`{"hs_timestamp":"2026-04-15T09:30:00Z","hs_task_body":"a\n\"b\\\u0041","external_task_id":"ub-141","hs_task_type":null,"hs_object_id":"4"}`)
		for i := range props {
			for _, c := range []byte{'"', '\\', ',', '}', ':', '{', ' ', 0x01, 'x', 'n', 'u', '0', 0xc3} {
				if props[i] == c {
					continue
				}
				m := bytes.Clone(props)
				m[i] = c
				calls += checkPropsFast(t, x, g, &sc, m)
			}
		}
	})
	t.Logf("%d calls agree", calls)
}

// FuzzPropsFast holds propsFast and propsFastGo to propsFastNext on any text, from every
// name's quote.
func FuzzPropsFast(f *testing.F) {
	for _, props := range trickyProperties()[:60] {
		f.Add([]byte(props))
	}
	for _, body := range propsAnswers(f)[:2] {
		f.Add(body)
	}
	x := propsExtractor(f)
	g := newGuardedText(f, 1<<20)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<20 {
			return
		}
		var sc jsonscan.Scanner
		checkPropsFast(t, x, g, &sc, body)
	})
}

func everyThird(s []string) (out []string) {
	for i := 0; i < len(s); i += 3 {
		out = append(out, s[i])
	}
	return out
}
