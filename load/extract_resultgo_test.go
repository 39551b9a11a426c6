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

// The differential tests of resultFastGo, which takes the stops off the
// bitmap's word one by one (popStop): on every text, from every position
// it may be asked to start at, in every state of the result and of rec, it
// returns and writes what resultFastNext does, the same walk finding each
// stop with StopBits.Next from the position the text says. The texts end
// at a guard page (guardedText); under the purego tag every load and every
// word of the bitmap is bounds-checked as well. extract_result_test.go
// holds the assembly twin to resultFastGo on the same texts.

// resultFastNext is resultFastGo finding each stop with StopBits.Next:
// the reference it is held to.
func resultFastNext(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop) {
	for {
		if atName {
			// Here d[p] is a name's opening quote and p+1 < n.
			lo := p + 1
			e := st.Next(lo) // lo ≤ n
			if e > n-4 {
				return p, resultGiveUp
			}
			if t.u32(e)&0xffff != wordNameEnd { // e+4 ≤ n
				return p, resultGiveUp
			}
			v := e + 2
			member := memberOther
			switch e - lo {
			case 2:
				if t.u32(p) == wordQuotedID { // p+4 = e+1 ≤ n
					member = memberID
				}
			case 3:
				if t.u32(lo) == wordNewQuote { // lo+4 = e+1 ≤ n
					member = memberNew
				}
			case 9:
				if t.u64(lo) == wordUpdatedA && t.at(lo+8) == 't' { // lo+9 = e ≤ n
					member = memberUpdatedAt
				}
			case 10:
				if t.u64(lo) == wordProperti && t.u32(lo+6) == wordTies { // lo+10 = e ≤ n
					member = memberProperties
				}
			case 18:
				if t.u64(lo) == wordObjectWr && t.u64(lo+8) == wordIteTrace && t.u32(lo+14) == wordTraceIdEnd { // lo+18 = e ≤ n
					member = memberTrace
				}
			}
			switch c := t.at(v); { // v = e+2 < n
			case member == memberProperties:
				if c != '{' {
					return p, resultGiveUp
				}
				return v, resultProperties
			case c == '"':
				q := st.Next(v + 1) // v+1 < n
				if q > n-4 || t.at(q) != '"' {
					return p, resultSlow // escapes, an error or the end
				}
				sp := span{int32(v + 1), int32(q)}
				switch member {
				case memberID:
					if rec.id.hi != 0 {
						return p, resultSlow
					}
					rec.id = sp
				case memberUpdatedAt:
					if rec.updated.hi != 0 {
						return p, resultSlow
					}
					rec.updated = sp
				case memberTrace:
					if rec.trace.hi != 0 {
						return p, resultSlow
					}
					rec.trace = sp
				case memberNew:
					return p, resultGiveUp
				}
				p = q + 1
			case c == 't' || c == 'f' || c == 'n':
				if v > n-5 { // v+5 ≤ n: room for false
					return p, resultGiveUp
				}
				switch w := t.u32(v); {
				case w == wordTrue:
					p = v + 4
				case w == wordFals && t.at(v+4) == 'e':
					p = v + 5
				case w == wordNull && member == memberOther:
					p = v + 4
				default:
					return p, resultGiveUp
				}
				if member == memberNew {
					r.setNew(c == 't')
				} else if member != memberOther {
					return p, resultGiveUp
				}
			default:
				if member != memberOther {
					return p, resultGiveUp
				}
				return p, resultSlow // a number, an object, an array
			}
		}
		atName = true
		// After a value: p ≤ n.
		if p >= n-1 {
			return p, resultGiveUp
		}
		switch t.at(p) { // p < n
		case '}':
			return p + 1, resultEnd
		case ',':
			if t.at(p+1) != '"' { // p+1 < n
				return p, resultGiveUp
			}
			p++
		default:
			return p, resultGiveUp
		}
	}
}

// resultDiffFunc runs two of the walks on d from p and describes how
// they differ ("" when they agree).
type resultDiffFunc func(d []byte, sc *jsonscan.Scanner, p int, atName bool, r0 resultFacts, rec0 resultRec) string

// resultNextDiff runs resultFastGo and resultFastNext on d from p.
func resultNextDiff(d []byte, sc *jsonscan.Scanner, p int, atName bool, r0 resultFacts, rec0 resultRec) string {
	t, st, n := rawTextOf(d), sc.StopBits(), len(d)
	rg, recg := r0, rec0
	rn, recn := r0, rec0
	pg, sg := resultFastGo(t, st, n, p, atName, &rg, &recg)
	pn, sn := resultFastNext(t, st, n, p, atName, &rn, &recn)
	if pg == pn && sg == sn && rg == rn && recg == recn {
		return ""
	}
	return fmt.Sprintf("from %d (atName %v) in %q (from %d on):\n pop  p=%d stop=%d flags=%#x rec=%+v\n next p=%d stop=%d flags=%#x rec=%+v (r equal: %v)",
		p, atName, d[p:min(len(d), p+400)], p, pg, sg, rg.flags, recg, pn, sn, rn.flags, recn, rg == rn)
}

// resultStates are the states of r and rec resultFast starts from: empty,
// with each recorded member (a repeated one is slow), and with new set
// either way (setNew must keep the other flags).
func resultStates() []struct {
	r   resultFacts
	rec resultRec
} {
	full := resultRec{id: span{1, 2}, updated: span{3, 4}, trace: span{5, 6}}
	var states []struct {
		r   resultFacts
		rec resultRec
	}
	for i, rec := range []resultRec{{}, full, {id: full.id}, {updated: full.updated}, {trace: full.trace}} {
		for j, flags := range []factFlags{0, ^factFlags(0), factNew | factIsNew, factNew, factIsNew | factMalformed} {
			if i > 0 && j > 1 && j != i {
				continue // every rec with the two extreme flag sets, and a few mixes
			}
			r := resultFacts{key: 7, id: 8, updated: 9, flags: flags, idSpan: span{10, 11}}
			states = append(states, struct {
				r   resultFacts
				rec resultRec
			}{r, rec})
		}
	}
	return states
}

// checkResult holds two of the walks to each other (diff, which
// describes how they differ, "" when they agree) on d (placed at the
// guard) from every position they may start at: a name's quote with room
// after it (atName), and any position up to the text's length (after a
// value). states limits the states tried to the first few.
func checkResult(tb testing.TB, g *guardedText, sc *jsonscan.Scanner, body []byte, states int, diff resultDiffFunc) int {
	tb.Helper()
	d := g.place(body)
	sc.Reset(d)
	all := resultStates()
	if states > len(all) {
		states = len(all)
	}
	calls := 0
	for p := 0; p <= len(d); p++ {
		for _, s := range all[:states] {
			if p+1 < len(d) && d[p] == '"' {
				if msg := diff(d, sc, p, true, s.r, s.rec); msg != "" {
					tb.Fatal(msg)
				}
				calls++
			}
			if msg := diff(d, sc, p, false, s.r, s.rec); msg != "" {
				tb.Fatal(msg)
			}
			calls++
		}
	}
	return calls
}

// resultOf is a result object with the members in order, as the emulator
// writes them, with properties cut to one.
func resultOf(members ...string) string { return "{" + strings.Join(members, ",") + "}" }

var emulatorMembers = []string{
	`"id":"48000000142"`,
	`"properties":{"external_task_id":"ub-141"}`,
	`"createdAt":"2026-12-01T03:30:06.460Z"`,
	`"updatedAt":"2026-12-01T03:30:06.461Z"`,
	`"archived":false`,
	`"new":true`,
	`"objectWriteTraceId":"b3-77"`,
	`"url":"https://app.hubspot.com/contacts/4471234/record/0-27/48000000142"`,
}

// trickyResults are results built to fool the walk: every read member
// with every kind of value, near-miss names (same length, one byte off;
// one byte more or less), repeated members, escapes, and names of every
// length up to 24.
func trickyResults() []string {
	var out []string
	out = append(out, resultOf(emulatorMembers...))
	values := []string{`"x"`, `""`, `"a\"b"`, `"\u0041"`, `"caf\u00e9"`, `"a\\"`, "\"\x01\"", `true`, `false`, `null`,
		`tru`, `fals`, `falsy`, `nul`, `nulll`, `truex`, `0`, `-1.5e3`, `{}`, `{"a":1}`, `[]`, `[1,"x"]`, `"2026-12-01T03:30:06.461Z"`}
	names := []string{"id", "new", "updatedAt", "properties", "objectWriteTraceId", "createdAt", "archived", "url"}
	for _, name := range names {
		for _, v := range values {
			m := `"` + name + `":` + v
			out = append(out, resultOf(m), resultOf(`"url":"u"`, m, `"new":false`), resultOf(m, m), resultOf(m, `"id":"1"`, m))
		}
		// Near misses: one byte changed (to a letter, a quote, a
		// backslash, a control byte), one byte more, one byte less.
		for i := range len(name) {
			for _, c := range []byte{'X', name[i] ^ 0x20, '"', '\\', 0x01} {
				b := []byte(name)
				b[i] = c
				out = append(out, resultOf(`"`+string(b)+`":"v"`, `"new":true`), resultOf(`"`+string(b)+`":true`, `"id":"2"`))
			}
		}
		out = append(out, resultOf(`"`+name+`x":"v"`), resultOf(`"x`+name+`":"v"`), resultOf(`"`+name[1:]+`":"v"`),
			resultOf(`"`+name[:len(name)-1]+`":"v"`), resultOf(`"`+name+`":"v"`, `"`+name+`":"w"`))
	}
	for l := range 25 {
		name := strings.Repeat("n", l)
		out = append(out, resultOf(`"`+name+`":"v"`, `"id":"3"`), resultOf(`"`+name+`":false`, `"new":true`))
	}
	// Escaped names and values, whitespace, other separators.
	out = append(out,
		resultOf(`"i\u0064":"1"`, `"new":true`),
		resultOf(`"id":"1\"2"`, `"new":false`),
		resultOf(`"id" :"1"`),
		resultOf(`"id": "1"`),
		resultOf(`"id":"1" ,"new":true`),
		resultOf(`"id":"1",`),
		`{"id":"1";"new":true}`,
		`{"id":"1","new":true]`,
		`{"id":"1","new":true,}`,
		`{"id":"1",x"new":true}`,
		resultOf(`"new":true`, `"new":false`, `"new":true`),
		resultOf(`"new":"true"`, `"id":"1"`),
		resultOf(`"updatedAt":"a","objectWriteTraceId":"b","id":"c"`, `"updatedAt":"d"`),
	)
	return out
}

// resultAnswers are a few emulator answers, whole.
func resultAnswers(tb testing.TB) [][]byte {
	tb.Helper()
	var bodies [][]byte
	for _, opts := range [][]generators.Option{
		{generators.WithSeed(1), generators.WithBatchSize(3), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1)},
		{generators.WithSeed(5), generators.WithBatchSize(4), generators.WithUpdateShare(0.3), generators.WithTraceIDs(true), generators.WithInvalidShare(0.2)},
	} {
		gen, err := generators.New(opts...)
		require.NoError(tb, err)
		b, _ := emulatorAnswers(tb, gen, 3)
		bodies = append(bodies, b...)
	}
	gen, err := generators.New(generators.WithSeed(7), generators.WithBatchSize(3))
	require.NoError(tb, err)
	b, _ := emulatorAnswers(tb, gen, 2, emulator.WithPreserveOrder(true))
	return append(bodies, b...)
}

// resultTexts are the texts the differential tests of the result walks
// run on, each with the number of states tried (resultStates): emulator
// answers, at every alignment to the bitmap's words; tricky results,
// alone and in an answer; every truncation of some; every single-byte
// change of an emulator result.
func resultTexts(tb testing.TB, alignments int) (texts [][]byte, states []int) {
	add := func(b []byte, st int) { texts, states = append(texts, b), append(states, st) }
	for _, body := range resultAnswers(tb) {
		for k := range alignments {
			st := 1 << 10
			if k > 0 {
				st = 1
			}
			add(append(bytes.Repeat([]byte(" "), k), body...), st)
		}
	}
	for _, res := range trickyResults() {
		add([]byte(res), 1<<10)
		add([]byte(`{"results":[`+res+`,`+res+`]}`), 2)
	}
	for _, res := range append(trickyResults()[:40], resultOf(emulatorMembers...)+`,{"id":"2"}]}`) {
		for l := range len(res) + 1 {
			add([]byte(res[:l]), 3)
		}
	}
	res := []byte(resultOf(emulatorMembers...) + `]}`)
	for i := range res {
		for _, c := range []byte{'"', '\\', ',', '}', ':', '{', '[', ' ', 0x01, 'x', 'e', 't', 'f', 'n', 'u', '0', 0xc3} {
			if res[i] == c {
				continue
			}
			m := bytes.Clone(res)
			m[i] = c
			add(m, 2)
		}
	}
	return texts, states
}

func TestResultFastGoMatchesNext(t *testing.T) {
	g := newGuardedText(t, 1<<20)
	var sc jsonscan.Scanner
	calls := 0
	texts, states := resultTexts(t, 64)
	for i, d := range texts {
		calls += checkResult(t, g, &sc, d, states[i], resultNextDiff)
	}
	t.Logf("%d calls agree", calls)
}

// FuzzResultFastGo holds resultFastGo to resultFastNext on any text, from
// every position and in a few states.
func FuzzResultFastGo(f *testing.F) {
	for _, res := range trickyResults() {
		f.Add([]byte(res))
	}
	for _, body := range resultAnswers(f)[:2] {
		f.Add(body)
	}
	g := newGuardedText(f, 1<<20)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<20 {
			return
		}
		var sc jsonscan.Scanner
		checkResult(t, g, &sc, body, 4, resultNextDiff)
	})
}
