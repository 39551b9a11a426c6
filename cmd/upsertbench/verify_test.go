package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestVerifyFlagsUsage: --verify and --consistency-window are refused the
// same way by load and run: one line, exit 2, the flag named as the docs
// spell it, what to write instead.
func TestVerifyFlagsUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown mode", []string{"--verify", "auto-ish"}, `invalid value "auto-ish" for --verify (valid: none, sample, all)`},
		{"no mode", []string{"--verify"}, "--verify needs a value: read back the written keys"},
		{"negative window", []string{"--consistency-window", "-5s"}, "--consistency-window -5s is out of range: give 0 to 10m0s, e.g. 5s"},
		{"window too long", []string{"--consistency-window", "11m"}, "--consistency-window 11m0s is out of range"},
		{"window without unit", []string{"--consistency-window", "5"}, `invalid value "5" for --consistency-window`},
		{"rounds with verification off", []string{"--scenario", "testdata/verify-every.yaml", "--verify", "none"},
			"verify.every: verify every 2s with mode none: rounds during the run need verification on (remove every, or set mode: sample, all or auto)"},
	}
	for _, cmd := range []string{"load", "run"} {
		for _, tt := range tests {
			t.Run(cmd+"/"+tt.name, func(t *testing.T) {
				code, stdout, stderr := cli(t, append([]string{cmd, "--out", t.TempDir()}, tt.args...)...)
				assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
				assert.Contains(t, stderr, tt.want)
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
				assert.Empty(t, stdout)
			})
		}
	}
}
