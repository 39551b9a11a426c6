package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a testing.TB that records failures instead of stopping the
// test, so Equal's own failures can be checked.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) FailNow()              { r.failed = true; panic(r) }
func (r *recorder) Helper()               {}

func equal(t *testing.T, path string, got []byte) (failed bool) {
	r := &recorder{TB: t}
	defer func() {
		if p := recover(); p != nil && p != r {
			panic(p)
		}
		failed = r.failed
	}()
	Equal(r, path, got)
	return r.failed
}

func TestEqual(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.golden")
	require.NoError(t, os.WriteFile(path, []byte("same\n"), 0o644))
	assert.False(t, equal(t, path, []byte("same\n")), "equal content passes")
	assert.True(t, equal(t, path, []byte("other\n")), "different content fails")
	assert.True(t, equal(t, filepath.Join(dir, "missing.golden"), []byte("x")), "a missing file fails")
}

func TestUpdateWrites(t *testing.T) {
	*update = true
	t.Cleanup(func() { *update = false })
	path := filepath.Join(t.TempDir(), "sub", "new.golden")
	assert.False(t, equal(t, path, []byte("fresh\n")))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "fresh\n", string(got))
	assert.True(t, Update())
}
