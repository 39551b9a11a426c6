//go:build amd64 && !purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// resultFast runs resultFastAsm, resultFastGo's assembly twin.
func resultFast(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop) {
	return resultFastAsm(t, st, n, p, atName, r, rec)
}

//go:noescape
func resultFastAsm(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop)
