//go:build !purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// propsFast walks a result's properties (see propsFastGo, which it does
// exactly) in assembly: Go's code for the walk keeps the cursor, the
// text's length, the bitmap and the name table in registers only in part
// and shuffles and spills the rest around every property, about 100
// instructions each, the largest share of an answer's extraction
// (BenchmarkExtract100). extract_props_amd64.s keeps them all in registers.
func (x *extractor) propsFast(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	return propsFastAsm(x, t, st, n, p, pend, np)
}

// propsFastAsm is propsFastGo in assembly (extract_props_amd64.s), with
// the same precondition: d[p] is a name's opening quote, p+1 < n, and st
// is the text's stop bitmap with its sentinel bit n.
//
//go:noescape
func propsFastAsm(x *extractor, t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (q int, npOut uint, stop propsStop)
