package results

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func finding(i int) Finding {
	return Finding{
		Check:    "response-schema",
		Message:  fmt.Sprintf("finding %d <&>", i),
		Method:   "POST",
		Path:     "/crm/v3/objects/tasks/batch/upsert",
		Fields:   []FieldFailure{{Pointer: "/results/0/id", Message: "missing"}},
		Received: strings.Repeat("x", i%3*70000), // lines longer than a read buffer
	}
}

func TestFindingsConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	w, err := CreateFindingsWriter(dir)
	require.NoError(t, err)
	const workers, each = 4, 25
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				assert.NoError(t, w.Add(finding(g*each+i)))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close())
	require.NoError(t, w.Close())
	assert.Equal(t, uint64(workers*each), w.Count())
	assert.ErrorIs(t, w.Add(finding(0)), os.ErrClosed)

	got, err := ReadFindings(dir)
	require.NoError(t, err)
	require.Len(t, got, workers*each)
	seen := map[string]bool{}
	for _, f := range got {
		seen[f.Message] = true
	}
	for i := range workers * each {
		assert.True(t, seen[finding(i).Message], "finding %d", i)
	}
}

func TestAppendFindingsAppends(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, AppendFindings(dir, []Finding{finding(1), finding(2)}))
	require.NoError(t, AppendFindings(dir, []Finding{finding(4)}))
	require.NoError(t, AppendFindings(dir, nil))
	got, err := ReadFindings(dir)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, finding(4), got[2])
}

func TestReadFindingsTolerance(t *testing.T) {
	good := `{"check":"a","message":"one"}` + "\n"
	tests := []struct {
		name    string
		content *string
		want    int
		wantErr string
	}{
		{"missing file", nil, 0, ""},
		{"empty", ptr(""), 0, ""},
		{"blank lines", ptr("\n" + good + "\n  \n" + good), 2, ""},
		{"cut-off last line", ptr(good + good + `{"check":"a","mess`), 2, ""},
		{"last line without newline", ptr(good + `{"check":"b","message":"two"}`), 2, ""},
		{"bad line in the middle", ptr(good + "not json\n" + good), 0, ":2:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.content != nil {
				require.NoError(t, os.WriteFile(filepath.Join(dir, FindingsFile), []byte(*tc.content), 0o644))
			}
			got, err := ReadFindings(dir)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Contains(t, err.Error(), FindingsFile)
				return
			}
			require.NoError(t, err)
			assert.Len(t, got, tc.want)
		})
	}
}

func TestEachFindingStops(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, AppendFindings(dir, []Finding{finding(1), finding(2), finding(4)}))
	stop := errors.New("stop")
	n := 0
	err := EachFinding(filepath.Join(dir, FindingsFile), func(Finding) error {
		n++
		return stop
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 1, n)
}

func ptr(s string) *string { return &s }
