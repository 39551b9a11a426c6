package emulator

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	// rowFields are the fields every ledger row ends with, in this order.
	rowFields = regexp.MustCompile(`Source: .+? Confidence: (.+?) Option: (.+?) Tests: (.+)\.$`)
	// A confidence names at least one of the three words.
	confidenceWord = regexp.MustCompile(`\b(confirmed|likely|chosen)\b`)
	optionName     = regexp.MustCompile(`\bWith[A-Z][A-Za-z]*\b`)
	// Figures that go stale (issue 15 item 7): a measured number with a
	// unit of a benchmark, or a commit hash (7 to 40 hex digits, letters
	// and digits both).
	staleFigure = regexp.MustCompile(`\d[\d,.]*\s*(req/s|requests per second|ns/op|B/op|allocs/op|µs|instructions per)`)
	hexWord     = regexp.MustCompile(`\b[0-9a-f]{7,40}\b`)
)

// ledgerRows reads the rows of the "# Ledger" section of a package doc:
// list items ("//   - "), continued by indented lines, up to the next
// heading.
func ledgerRows(src string) []string {
	var rows []string
	in := false
	for _, line := range strings.Split(src, "\n") {
		text, ok := strings.CutPrefix(line, "//")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(text, " # "):
			in = text == " # Ledger"
		case !in:
		case strings.HasPrefix(text, "   - "):
			rows = append(rows, strings.TrimPrefix(text, "   - "))
		case strings.HasPrefix(text, "     ") && len(rows) > 0:
			rows[len(rows)-1] += " " + strings.TrimSpace(text)
		}
	}
	return rows
}

// ledgerProblems checks the ledger of src against the package's
// functions (code: non-test files, tests: test files): every row says
// what the emulator does and has Source:, Confidence: (confirmed, likely
// or chosen), Option: (With… options, or none) and Tests:, every option
// and test it names exists, every With… option of code is in a row, and
// the doc carries no benchmark figures or commit hashes.
func ledgerProblems(src string, code, tests map[string]bool) []string {
	var problems []string
	covered := map[string]bool{}
	for _, row := range ledgerRows(src) {
		m := rowFields.FindStringSubmatch(row)
		if m == nil || strings.HasPrefix(row, "Source:") {
			problems = append(problems, fmt.Sprintf("row without what it does, Source:, Confidence:, Option: and Tests:, in that order: %q", row))
			continue
		}
		if !confidenceWord.MatchString(m[1]) {
			problems = append(problems, fmt.Sprintf("confidence is none of confirmed, likely or chosen: %q", row))
		}
		option := strings.TrimSuffix(m[2], ".")
		options := optionName.FindAllString(option, -1)
		if option != "none" && len(options) == 0 {
			problems = append(problems, fmt.Sprintf("Option: names no With… option and is not none: %q", row))
		}
		for _, name := range options {
			if !code[name] {
				problems = append(problems, fmt.Sprintf("option %s does not exist: %q", name, row))
			}
			covered[name] = true
		}
		for _, name := range strings.Split(m[3], ", ") {
			if !tests[name] {
				problems = append(problems, fmt.Sprintf("test %s does not exist: %q", name, row))
			}
		}
	}
	var missing []string
	for name := range code {
		if strings.HasPrefix(name, "With") && !covered[name] {
			missing = append(missing, fmt.Sprintf("option %s is in no row of the ledger", name))
		}
	}
	sort.Strings(missing)
	problems = append(problems, missing...)
	for _, line := range strings.Split(src, "\n") {
		if !strings.HasPrefix(line, "//") {
			continue
		}
		figures := staleFigure.FindAllString(line, -1)
		for _, w := range hexWord.FindAllString(line, -1) {
			if strings.ContainsAny(w, "0123456789") && strings.ContainsAny(w, "abcdef") {
				figures = append(figures, w)
			}
		}
		for _, f := range figures {
			problems = append(problems, fmt.Sprintf("a figure that goes stale (%q); scripts/bench-emulator.sh writes figures: %q", f, line))
		}
	}
	return problems
}

// packageFuncs lists the functions of this package's files, test files
// apart.
func packageFuncs(t *testing.T) (code, tests map[string]bool) {
	t.Helper()
	code, tests = map[string]bool{}, map[string]bool{}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil {
				continue
			}
			if strings.HasSuffix(name, "_test.go") {
				tests[fn.Name.Name] = true
			} else {
				code[fn.Name.Name] = true
			}
		}
	}
	return code, tests
}

// TestLedger keeps the ledger in doc.go honest (ledgerProblems).
func TestLedger(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	assert.Greater(t, len(ledgerRows(string(src))), 40, "the ledger has a row per behaviour")
	code, tests := packageFuncs(t)
	assert.Empty(t, ledgerProblems(string(src), code, tests))
}

// TestLedgerFindsProblems: each kind of bad ledger is caught.
func TestLedgerFindsProblems(t *testing.T) {
	code := map[string]bool{"WithSeed": true, "WithTier": true, "New": true}
	tests := map[string]bool{"TestA": true, "TestB": true}
	const head = "// Package x.\n//\n// # Ledger\n//\n"
	const good = "//   - Does a thing. Source: a doc. Confidence: likely. Option:\n//     WithSeed. Tests: TestA, TestB.\n" +
		"//   - Another. Source: none. Confidence: chosen. Option: WithTier. Tests: TestA.\n"
	cases := []struct {
		name, src string
		want      []string // substrings of the problems, in order
	}{
		{"good", head + good, nil},
		{"rows after the next heading are not ledger rows", head + good + "//\n// # Speed\n//\n//   - no fields here\n", nil},
		{"missing field", head + good + "//   - Does. Source: x. Confidence: likely. Tests: TestA.\n", []string{"row without"}},
		{"nothing said before the source", head + good + "//   - Source: x. Confidence: likely. Option: none. Tests: TestA.\n", []string{"row without"}},
		{"fields out of order", head + good + "//   - Does. Confidence: likely. Source: x. Option: none. Tests: TestA.\n", []string{"row without"}},
		{"unknown confidence", head + good + "//   - Does. Source: x. Confidence: probable. Option: none. Tests: TestA.\n", []string{"confidence is none"}},
		{"option neither With nor none", head + good + "//   - Does. Source: x. Confidence: likely. Option: --tier. Tests: TestA.\n", []string{"names no With"}},
		{"unknown option", head + good + "//   - Does. Source: x. Confidence: likely. Option: WithNothing. Tests: TestA.\n", []string{"option WithNothing does not exist"}},
		{"unknown test", head + good + "//   - Does. Source: x. Confidence: likely. Option: none. Tests: TestA, TestGone.\n", []string{"test TestGone does not exist"}},
		{"option in no row", head + "//   - Does. Source: x. Confidence: likely. Option: WithSeed. Tests: TestA.\n", []string{"option WithTier is in no row"}},
		{"benchmark figure", head + good + "//\n// # Speed\n//\n// It answers 5,800 req/s.\n", []string{"figure that goes stale"}},
		{"commit hash", head + good + "//\n// # Speed\n//\n// Measured at a1d2213.\n", []string{"figure that goes stale"}},
		{"hex-looking words and goals are not figures", head + good + "//\n// The goal: 0.45 of a canned server, under 450 bytes; 0x80, 1e6, deadbeef.\n", nil},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got := ledgerProblems(tt.src, code, tests)
			require.Len(t, got, len(tt.want), "%q", got)
			for i, w := range tt.want {
				assert.Contains(t, got[i], w)
			}
		})
	}
}
