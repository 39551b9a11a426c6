//go:build !amd64 || purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// propsFast is propsFastGo where there is no assembly twin (see
// extract_props_amd64.go).
func (x *extractor) propsFast(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	return x.propsFastGo(t, st, n, p, pend, np)
}
