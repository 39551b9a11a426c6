package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// runCLI drives the whole CLI as main would and returns exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestGeneratePrintsTheGeneratorsBatch(t *testing.T) {
	tests := []struct {
		name string
		args []string
		opts []generators.Option
		n    uint64
	}{
		{"defaults", nil, nil, 0},
		{"small seeded", []string{"--size", "3", "--seed", "9"}, []generators.Option{generators.WithBatchSize(3), generators.WithSeed(9)}, 0},
		{"updates at n", []string{"--size", "5", "--updates", "0.4", "--n", "7", "--trace-ids"},
			[]generators.Option{generators.WithBatchSize(5), generators.WithUpdateShare(0.4), generators.WithTraceIDs(true)}, 7},
		{"invalid share and id property", []string{"--size", "10", "--invalid-share", "0.5", "--id-property", "my_key", "--key-prefix", "ub-run7"},
			[]generators.Option{generators.WithBatchSize(10), generators.WithInvalidShare(0.5), generators.WithIDProperty("my_key"), generators.WithKeyPrefix("ub-run7")}, 0},
		{"2026-03", []string{"--size", "2", "--version", "2026-03"}, []generators.Option{generators.WithBatchSize(2), generators.WithVersion(hubspot.Version202603)}, 0},
	}
	for _, tt := range tests {
		for _, format := range []string{"pretty", "compact"} {
			t.Run(tt.name+"/"+format, func(t *testing.T) {
				code, stdout, stderr := runCLI(t, append([]string{"generate", "--format", format}, tt.args...)...)
				require.Equal(t, exitPass, code, stderr)
				g, err := generators.New(tt.opts...)
				require.NoError(t, err)
				want := g.AppendBatch(nil, tt.n)
				var compact bytes.Buffer
				require.NoError(t, json.Compact(&compact, []byte(stdout)), "stdout must be one JSON document")
				assert.Equal(t, string(want), compact.String())
				assert.True(t, strings.HasSuffix(stdout, "}\n"))
				if format == "compact" {
					assert.Equal(t, string(want)+"\n", stdout)
				} else {
					assert.Contains(t, stdout, "\n  \"inputs\": [")
				}
			})
		}
	}
}

func TestGenerateUpdatesHintAtBatchZero(t *testing.T) {
	code, _, stderr := runCLI(t, "generate", "--updates", "0.5", "--size", "2")
	require.Equal(t, exitPass, code)
	assert.Contains(t, stderr, "--n 1")
	code, _, stderr = runCLI(t, "generate", "--updates", "0.5", "--size", "2", "--n", "1")
	require.Equal(t, exitPass, code)
	assert.Empty(t, stderr)
}

func TestGenerateInvalid(t *testing.T) {
	for _, name := range generators.BadCaseNames() {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "generate", "--invalid", name, "--format", "compact", "--seed", "4")
			require.Equal(t, exitPass, code, stderr)
			bc, err := generators.Bad(name, 4, hubspot.DefaultIDProperty)
			require.NoError(t, err)
			want := string(bc.Body)
			if want != "" {
				want += "\n"
			}
			assert.Equal(t, want, stdout)
			assert.Contains(t, stderr, name+": expect ")
			assert.Contains(t, stderr, bc.Category)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line on stderr")
		})
	}
}

func TestGenerateUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // all must appear in the one error line
	}{
		{"unknown flag", []string{"--colour"}, []string{"unknown flag --colour", "generate -h"}},
		{"size too big", []string{"--size", "101"}, []string{"--size", "1 to 100"}},
		{"size zero", []string{"--size", "0"}, []string{"--size", "1 to 100"}},
		{"size not a number", []string{"--size", "ten"}, []string{"size"}},
		{"updates above one", []string{"--updates", "1.5"}, []string{"--updates", "0 to 1"}},
		{"updates NaN", []string{"--updates", "NaN"}, []string{"--updates", "0 to 1"}},
		{"invalid share negative", []string{"--invalid-share", "-0.1"}, []string{"--invalid-share", "0 to 1"}},
		{"unknown version", []string{"--version", "v4"}, []string{"--version", "v3, 2026-03"}},
		{"unknown format", []string{"--format", "yaml"}, []string{"--format", "pretty, compact"}},
		{"unknown bad case", []string{"--invalid", "nope"}, []string{"--invalid", generators.BadDuplicateIDs, generators.BadEmptyBody}},
		{"bad case with batch flags", []string{"--invalid", generators.BadEmptyBody, "--size", "3", "--trace-ids"}, []string{"--size", "--trace-ids"}},
		{"empty id property", []string{"--id-property", " "}, []string{"--id-property"}},
		{"empty key prefix", []string{"--key-prefix", ""}, []string{"--key-prefix"}},
		{"stray argument", []string{"extra"}, []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, append([]string{"generate"}, tt.args...)...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "exactly one line: %q", stderr)
			assert.True(t, strings.HasPrefix(stderr, "upsertbench generate: "), stderr)
			for _, w := range tt.want {
				assert.Contains(t, stderr, w)
			}
		})
	}
}

func TestGenerateHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "generate", "-h")
	assert.Equal(t, exitPass, code)
	// Each flag on a line of its own: a substring would not do ("-n" is in
	// "inputs-not-array", "-invalid" in "-invalid-share").
	for _, f := range []string{"size", "seed", "updates", "trace-ids", "invalid", "invalid-share", "id-property", "version", "n", "format"} {
		assert.Regexp(t, `(?m)^  -`+regexp.QuoteMeta(f)+`( |$)`, stdout)
	}
	code, stdout, _ = runCLI(t, "help")
	assert.Equal(t, exitPass, code)
	assert.Contains(t, stdout, "generate")
}
