// Package golden compares test output with files kept under a package's
// testdata/ directory, and rewrites them when the tests run with -update.
// It is for tests only: importing it registers the -update flag.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// Update reports whether the run was asked to rewrite golden files, for
// outputs that are refreshed but not compared (screenshots).
func Update() bool { return *update }

// Equal compares got with the file at path (relative to the package
// directory), or writes got there when the run has -update.
func Equal(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file %s; run go test -run '%s' -update in this package to create it", path, t.Name())
	assert.Equal(t, string(want), string(got), "output differs from %s; if the change is intended, run go test -run '%s' -update in this package", path, t.Name())
}
