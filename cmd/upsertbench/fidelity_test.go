package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fidelityReadOnlyToken = "ub-cli-readonly-SECRET-7731"

// contract --record against the built-in emulator, then fidelity on the
// recording: exit 0 with PASS, and the tokens are in no byte of the folder.
func TestContractRecordThenFidelity(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	var stdout, stderr bytes.Buffer
	code := runMain([]string{"contract", "--token", contractTestToken, "--read-only-token", fidelityReadOnlyToken,
		"--id-property", "cli_key", "--record", dir}, &stdout, &stderr)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "Recorded ")
	assert.Contains(t, stdout.String(), "upsertbench fidelity --recording "+dir)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Greater(t, len(entries), 30)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		for _, tok := range []string{contractTestToken, fidelityReadOnlyToken, "SECRET"} {
			assert.NotContains(t, string(b), tok, "%s holds a token", e.Name())
		}
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	assert.Contains(t, string(manifest), `"idProperty": "cli_key"`)
	assert.Contains(t, string(manifest), `"complete": true`)

	js := filepath.Join(t.TempDir(), "fidelity.json")
	stdout.Reset()
	stderr.Reset()
	code = runMain([]string{"fidelity", "--recording", dir, "--json", js}, &stdout, &stderr)
	require.Equal(t, exitPass, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "PASS  all ")
	assert.Contains(t, stdout.String(), "tier professional")
	var rep struct {
		Total     int `json:"total"`
		Exchanges []struct {
			Differences []any `json:"differences"`
		} `json:"exchanges"`
	}
	raw, err := os.ReadFile(js)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &rep))
	assert.Equal(t, len(entries)-1, rep.Total)
	assert.Len(t, rep.Exchanges, rep.Total)
}

// A recording whose answers differ from the emulator's exits 1 and names
// the difference.
func TestFidelityExitsOneOnADifference(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	var stdout, stderr bytes.Buffer
	require.Equal(t, exitPass, runMain([]string{"contract", "--token", contractTestToken, "--record", dir}, &stdout, &stderr), stderr.String())

	// As if the real account had answered the first upsert with 201.
	first := filepath.Join(dir, "0001.json")
	raw, err := os.ReadFile(first)
	require.NoError(t, err)
	edited := strings.Replace(string(raw), `"status": 200`, `"status": 201`, 1)
	require.NotEqual(t, string(raw), edited)
	require.NoError(t, os.WriteFile(first, []byte(edited), 0o644))

	stdout.Reset()
	stderr.Reset()
	code := runMain([]string{"fidelity", "--recording", dir}, &stdout, &stderr)
	assert.Equal(t, exitFail, code, stdout.String())
	assert.Contains(t, stdout.String(), "DIFF  0001")
	assert.Contains(t, stdout.String(), "status        recorded 201, emulator 200")
	assert.Contains(t, stdout.String(), "FAIL  1 of ")
	assert.Equal(t, "upsertbench fidelity: 1 of "+countExchanges(t, dir)+" exchanges differ from the emulator\n", stderr.String())
}

func countExchanges(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	return strconv.Itoa(len(entries) - 1) // all but the manifest
}

func TestFidelityBadUsage(t *testing.T) {
	notRec := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(notRec, "x.txt"), []byte("x"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no recording", []string{"fidelity"}, "--recording is required: give the folder written by 'upsertbench contract --record DIR'"},
		{"missing folder", []string{"fidelity", "--recording", filepath.Join(notRec, "nope")}, "no such folder; give the folder written by upsertbench contract --record DIR"},
		{"not a recording", []string{"fidelity", "--recording", notRec}, "no manifest.json in it, so it is not a recording"},
		{"bad tier", []string{"fidelity", "--recording", notRec, "--tier", "gold"}, "--tier:"},
		{"record into a used folder", []string{"contract", "--token", contractTestToken, "--record", notRec}, "--record " + notRec + ": the folder is not empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMain(tt.args, &stdout, &stderr)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr.String(), tt.want)
			assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line: %q", stderr.String())
		})
	}
}
