package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
)

func TestSpecCommand(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		wantCode  int
		check     func(t *testing.T, stdout string)
		wantError string
	}{
		{name: "default yaml", args: []string{"spec"}, wantCode: exitPass, check: func(t *testing.T, out string) {
			assert.Equal(t, string(contract.Spec()), out)
		}},
		{name: "explicit yaml", args: []string{"spec", "--format", "yaml"}, wantCode: exitPass, check: func(t *testing.T, out string) {
			assert.True(t, strings.HasPrefix(out, "openapi: 3.0.3"))
		}},
		{name: "json", args: []string{"spec", "--format=json"}, wantCode: exitPass, check: func(t *testing.T, out string) {
			var doc map[string]any
			require.NoError(t, json.Unmarshal([]byte(out), &doc))
			assert.Equal(t, "3.0.3", doc["openapi"])
			assert.Contains(t, doc["paths"], "/crm/v3/objects/tasks/batch/upsert")
			assert.True(t, strings.HasPrefix(out, "{\n  \"openapi\""), "key order kept: %.40s", out)
		}},
		{name: "bad format", args: []string{"spec", "--format", "xml"}, wantCode: exitUsage,
			wantError: `upsertbench spec: invalid value "xml" for --format (valid: yaml, json)`},
		{name: "unknown flag", args: []string{"spec", "--pretty"}, wantCode: exitUsage, wantError: "unknown flag --pretty"},
		{name: "stray argument", args: []string{"spec", "extra"}, wantCode: exitUsage, wantError: `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(tc.args, &stdout, &stderr)
			assert.Equal(t, tc.wantCode, code, "stderr: %s", stderr.String())
			if tc.check != nil {
				tc.check(t, stdout.String())
			}
			if tc.wantError != "" {
				assert.Contains(t, stderr.String(), tc.wantError)
				assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
			} else {
				assert.Empty(t, stderr.String())
			}
		})
	}
}
