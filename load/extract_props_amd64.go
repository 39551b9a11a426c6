//go:build amd64 && !purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// propsFast walks a result's properties (propsFastGo, which it does
// exactly) in assembly: Go's code for the walk keeps the cursor, the stop
// word, the text's length and the name table in registers only in part
// and spills and reloads the rest around every property.
// extract_props_amd64.s keeps them all in registers. Without a name table
// (x.propMul 0, names that share both words and length) propsFastGo runs.
func (x *extractor) propsFast(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	if x.propMul == 0 {
		return x.propsFastGo(t, st, n, p, pend, np)
	}
	return propsFastAsm(x, t, st, n, p, pend, np)
}

// propsFastAsm is propsFastGo in assembly (extract_props_amd64.s), with
// the same precondition: d[p] is a name's opening quote, p+1 < n, and st
// is the text's stop bitmap with its sentinel bit n; x.propMul is not 0.
//
//go:noescape
func propsFastAsm(x *extractor, t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (q int, npOut uint, stop propsStop)
