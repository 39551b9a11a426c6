package generators

import (
	"strconv"

	"github.com/upsertbench/upsertbench/hubspot"
)

// The batch encoder appends to a caller's buffer instead of going through
// encoding/json: no reflection, no maps, no intermediate strings. Strings
// from the value pools are escaped once at New (text.esc), so assembling a
// batch is mostly copying; hubspot.AppendJSONString is the general path
// used for those pools and for anything not known in advance.

// escape returns the escaped body of s, for the value pools.
func escape(s string) string { return string(hubspot.AppendJSONStringBody(nil, s)) }

// appendInt appends v in decimal.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
