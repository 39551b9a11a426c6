package scenarios

import (
	"fmt"
	"strings"
)

// Error is a problem with a scenario: where it is, what is wrong and how to
// fix it. Every error from Parse, Load, Resolve and Validate is an *Error.
type Error struct {
	File string // file name or "builtin:<name>"
	// Line and Column are 1-based; 0 when the scenario did not come from
	// YAML (Validate on a scenario built in code).
	Line, Column int
	// Path names the key, e.g. "stages[1].rate"; empty for file-level problems.
	Path string
	Msg  string // what is wrong
	Fix  string // how to fix it; may be empty
}

// Error reads "file:line:col: path: what is wrong (how to fix)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString(" (")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// suggest returns the candidate closest to s when it is a likely typo.
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	if len(s) >= 2 {
		for _, c := range candidates {
			if strings.HasPrefix(c, strings.ToLower(s)) {
				return c
			}
		}
	}
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance; inputs are short keys.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
