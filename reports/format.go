package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/scenarios"
)

// fmtDuration prints a latency with three significant digits in the unit a
// human expects (µs, ms, s), so tables stay narrow and comparable.
func fmtDuration(d time.Duration) string {
	return fmtMillis(float64(d) / float64(time.Millisecond))
}

// fmtMillis is fmtDuration for a value already in milliseconds.
func fmtMillis(ms float64) string {
	switch {
	case math.IsNaN(ms) || math.IsInf(ms, 0):
		return "n/a"
	case ms == 0:
		return "0ms"
	case math.Abs(ms) < 1:
		return sig3(ms*1000) + "µs"
	case math.Abs(ms) < 1000:
		return sig3(ms) + "ms"
	default:
		return sig3(ms/1000) + "s"
	}
}

// sig3 formats v with three significant digits and no trailing zeros.
func sig3(v float64) string {
	a := math.Abs(v)
	prec := 0
	switch {
	case a < 10:
		prec = 2
	case a < 100:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fmtRate prints requests per second.
func fmtRate(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "/s" }

// fmtPercent prints a share given in percent with two decimals, which keeps
// "99.95%" distinguishable from "100.00%".
func fmtPercent(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) + "%" }

// fmtValue prints a measured or limit value in its threshold unit.
func fmtValue(v float64, unit string) string {
	switch unit {
	case scenarios.UnitMillis:
		return fmtMillis(v)
	case scenarios.UnitPercent:
		return fmtPercent(v)
	case scenarios.UnitPerSecond:
		return fmtRate(v)
	default:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// fmtChange prints a relative change as a signed percentage.
func fmtChange(c float64) string {
	if math.IsInf(c, 0) || math.IsNaN(c) {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f%%", c*100)
}

// fmtCount prints a count with thin grouping so 1234567 reads 1,234,567.
func fmtCount(n uint64) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// sortedKeys returns the keys of m in order, so every output is
// deterministic (golden files, diffs between nights).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fmtBytes prints a size in decimal units (kB, MB, GB) with three
// significant digits.
func fmtBytes(n int64) string {
	v := float64(n)
	for _, unit := range []string{"B", "kB", "MB", "GB"} {
		if math.Abs(v) < 1000 || unit == "GB" {
			return sig3(v) + " " + unit
		}
		v /= 1000
	}
	return ""
}
