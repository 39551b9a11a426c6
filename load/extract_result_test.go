//go:build amd64 && !purego && (linux || darwin || freebsd)

package load

import (
	"fmt"
	"testing"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The differential tests of resultFastAsm (extract_result_amd64.s): on
// every text, from every position it may be asked to start at, in every
// state of the result and of rec, it returns what resultFastGo returns and
// writes what resultFastGo writes. The texts are copied to the end of a
// mapping followed by an inaccessible page (guardedText), so a load past
// the text's end faults instead of reading a neighbour's bytes.

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
	return fmt.Sprintf("from %d (atName %v) in %q (from %d on):\n go  p=%d stop=%d flags=%#x rec=%+v\n asm p=%d stop=%d flags=%#x rec=%+v (r equal: %v)",
		p, atName, d[p:min(len(d), p+400)], p, pg, sg, rg.flags, recg, pa, sa, ra.flags, reca, rg == ra)
}

func TestResultFastMatchesGo(t *testing.T) {
	g := newGuardedText(t, 1<<20)
	var sc jsonscan.Scanner
	calls := 0
	texts, states := resultTexts(t, 64)
	for i, d := range texts {
		calls += checkResult(t, g, &sc, d, states[i], resultDiff)
	}
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
		checkResult(t, g, &sc, body, 4, resultDiff)
	})
}
