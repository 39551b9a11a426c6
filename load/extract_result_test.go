//go:build amd64 && !purego && (linux || darwin || freebsd)

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

// The differential tests of resultFastAsm (extract_result_amd64.s): on
// every text, from every position it may be asked to start at, in every
// state of the result and of rec, it returns what resultFastGo returns and
// writes what resultFastGo writes. The texts are copied to the end of a
// mapping followed by an inaccessible page (guardedText), so a load past
// the text's end faults instead of reading a neighbour's bytes.

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

// resultDiff runs resultFastAsm and resultFastGo on d from p, and returns
// a description of how they differ ("" when they agree).
func resultDiff(d []byte, sc *jsonscan.Scanner, p int, atName bool, r0 resultFacts, rec0 resultRec) string {
	t, st, n := rawTextOf(d), sc.StopBits(), len(d)
	rg, recg := r0, rec0
	ra, reca := r0, rec0
	pg, sg := resultFastGo(t, st, n, p, atName, &rg, &recg)
	pa, sa := resultFastAsm(t, st, n, p, atName, &ra, &reca)
	if pg == pa && sg == sa && rg == ra && recg == reca {
		return ""
	}
	return fmt.Sprintf("from %d (atName %v) in %q:\n go  p=%d stop=%d flags=%#x rec=%+v\n asm p=%d stop=%d flags=%#x rec=%+v (r equal: %v)",
		p, atName, d, pg, sg, rg.flags, recg, pa, sa, ra.flags, reca, rg == ra)
}

// checkResultFast holds the two to each other on d (placed at the guard)
// from every position they may start at: a name's quote with room after it
// (atName), and any position up to the text's length (after a value).
// states limits the states tried to the first few.
func checkResultFast(tb testing.TB, g *guardedText, sc *jsonscan.Scanner, body []byte, states int) int {
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
				if msg := resultDiff(d, sc, p, true, s.r, s.rec); msg != "" {
					tb.Fatal(msg)
				}
				calls++
			}
			if msg := resultDiff(d, sc, p, false, s.r, s.rec); msg != "" {
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

func TestResultFastMatchesGo(t *testing.T) {
	g := newGuardedText(t, 1<<20)
	var sc jsonscan.Scanner
	calls := 0
	t.Run("emulator answers", func(t *testing.T) {
		for _, body := range resultAnswers(t) {
			calls += checkResultFast(t, g, &sc, body, 1<<10)
		}
	})
	t.Run("tricky results", func(t *testing.T) {
		for _, res := range trickyResults() {
			calls += checkResultFast(t, g, &sc, []byte(res), 1<<10)
			calls += checkResultFast(t, g, &sc, []byte(`{"results":[`+res+`,`+res+`]}`), 2)
		}
	})
	t.Run("every truncation", func(t *testing.T) {
		for _, res := range append(trickyResults()[:40], resultOf(emulatorMembers...)+`,{"id":"2"}]}`) {
			for l := range len(res) + 1 {
				calls += checkResultFast(t, g, &sc, []byte(res[:l]), 3)
			}
		}
	})
	t.Run("every single-byte change", func(t *testing.T) {
		res := []byte(resultOf(emulatorMembers...) + `]}`)
		for i := range res {
			for _, c := range []byte{'"', '\\', ',', '}', ':', '{', '[', ' ', 0x01, 'x', 'e', 't', 'f', 'n', 'u', '0', 0xc3} {
				if res[i] == c {
					continue
				}
				m := bytes.Clone(res)
				m[i] = c
				calls += checkResultFast(t, g, &sc, m, 2)
			}
		}
	})
	t.Logf("%d calls agree", calls)
}

// FuzzResultFast holds resultFastAsm to resultFastGo on any text, from
// every position and in a few states.
func FuzzResultFast(f *testing.F) {
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
		checkResultFast(t, g, &sc, body, 4)
	})
}
