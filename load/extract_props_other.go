//go:build !amd64 || purego

package load

import "github.com/upsertbench/upsertbench/internal/jsonscan"

// propsFast walks a result's properties: propsFastGo, where there is no
// assembly version (extract_props_amd64.s).
func (x *extractor) propsFast(t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (int, uint, propsStop) {
	return x.propsFastGo(t, st, n, p, pend, np)
}
