//go:build !amd64 || purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// resultFast is resultFastGo where there is no assembly twin (see
// extract_result_amd64.go).
func resultFast(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop) {
	return resultFastGo(t, st, n, p, atName, r, rec)
}
