package contract

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The documents some tests compare against live outside the repository,
// in ../shared next to it: HubSpot's published OpenAPI documents and the
// facts gathered about the real API. Without them those tests skip and say
// where the documents go; in CI (CI=true) they fail instead, as a
// comparison that quietly does not run proves nothing.

// sharedDocument is one document (or folder of them) tests read.
type sharedDocument struct {
	what string // for messages: what it is
	env  string // the variable that says where it is
	def  string // where it is by default, relative to this package
	// probe is the file whose presence proves the document is there
	// (relative to the resolved path; "" when the path is the file).
	probe string
}

var (
	referenceDocuments = sharedDocument{
		what: "HubSpot's published OpenAPI documents (hubspot-tasks-v3.json, hubspot-tasks-2026-03.json)",
		env:  "UPSERTBENCH_REFERENCE_DIR", def: filepath.Join("..", "..", "shared", "reference"), probe: "hubspot-tasks-v3.json",
	}
	factsDocument = sharedDocument{
		what: "the facts about HubSpot's API (hubspot-facts.md)",
		env:  "UPSERTBENCH_FACTS_FILE", def: filepath.Join("..", "..", "shared", "docs", "hubspot-facts.md"),
	}
)

// locate finds the document. When it is missing, fail says whether the
// test must fail (in CI) rather than skip, and msg says where the document
// goes and which variable points elsewhere.
func (d sharedDocument) locate(getenv func(string) string) (path string, fail bool, msg string) {
	path = d.def
	if v := getenv(d.env); v != "" {
		path = v
	}
	probe := path
	if d.probe != "" {
		probe = filepath.Join(path, d.probe)
	}
	_, err := os.Stat(probe)
	if err == nil {
		return path, false, ""
	}
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		abs = path
	}
	msg = d.what + " not found at " + abs + " (" + err.Error() + "): put them there (../shared next to the repository), or set " +
		d.env + " to where they are"
	if getenv("CI") == "true" {
		return "", true, msg + "; CI=true, so this test fails instead of skipping"
	}
	return "", false, msg
}

// need returns the document's path, or skips t (fails it in CI).
func (d sharedDocument) need(t testing.TB) string {
	t.Helper()
	path, fail, msg := d.locate(os.Getenv)
	switch {
	case fail:
		t.Fatal(msg)
	case msg != "":
		t.Skip(msg)
	}
	return path
}

// hubspotReferenceDir is the folder of HubSpot's published documents.
func hubspotReferenceDir(t testing.TB) string {
	t.Helper()
	return referenceDocuments.need(t)
}

// TestSharedDocumentsMissing: without the documents, a test skips with
// where they go outside CI and fails in CI.
func TestSharedDocumentsMissing(t *testing.T) {
	empty := t.TempDir()
	for _, d := range []sharedDocument{referenceDocuments, factsDocument} {
		for _, ci := range []string{"", "true"} {
			t.Run(d.env+"/CI="+ci, func(t *testing.T) {
				where := empty
				if d.probe == "" {
					where = filepath.Join(empty, "hubspot-facts.md")
				}
				env := map[string]string{d.env: where, "CI": ci}
				path, fail, msg := d.locate(func(k string) string { return env[k] })
				assert.Empty(t, path)
				assert.Equal(t, ci == "true", fail)
				assert.Contains(t, msg, where, "the message says where it looked")
				assert.Contains(t, msg, d.env, "the message names the variable")
				assert.Contains(t, msg, "../shared", "the message says where the documents go")
				if ci == "true" {
					assert.Contains(t, msg, "CI=true")
				}
			})
		}
	}
	t.Run("present", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "hubspot-tasks-v3.json"), []byte("{}"), 0o644))
		path, fail, msg := referenceDocuments.locate(func(k string) string {
			return map[string]string{"UPSERTBENCH_REFERENCE_DIR": dir, "CI": "true"}[k]
		})
		assert.Equal(t, dir, path)
		assert.False(t, fail)
		assert.Empty(t, msg)
	})
}
