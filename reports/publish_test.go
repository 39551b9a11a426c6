package reports

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublish(t *testing.T) {
	root := t.TempDir()
	run := writeSynth(t, filepath.Join(root, "run"), synthSpec{})
	// A file where the history's folder should be: the history cannot be read.
	require.NoError(t, os.WriteFile(filepath.Join(root, "file"), []byte("x"), 0o644))

	cases := []struct {
		name    string
		dirs    []string
		formats []string
		history string // "" none; appended to twice when set
		wantErr string
	}{
		{name: "every format and the history", dirs: run, formats: AllFormats, history: "history.jsonl"},
		{name: "no history asked, none written", dirs: run, formats: []string{FormatText, FormatMD}},
		{name: "unreadable history is an InputError and writes nothing", dirs: run, formats: []string{FormatHTML},
			history: filepath.Join("file", "history.jsonl"), wantErr: "read history"},
		{name: "unreadable input is an InputError and writes nothing", dirs: []string{filepath.Join(root, "missing")},
			formats: AllFormats, wantErr: "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var opts []Option
			hist := ""
			if tc.history != "" {
				hist = filepath.Join(root, tc.history)
				if tc.wantErr == "" {
					hist = filepath.Join(t.TempDir(), tc.history)
				}
				opts = append(opts, WithHistory(hist))
			}
			r, paths, err := Publish(tc.dirs, out, tc.formats, opts...)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				var ie *InputError
				assert.ErrorAs(t, err, &ie)
				assert.Nil(t, r)
				assert.Empty(t, paths)
				assert.NoDirExists(t, out)
				return
			}
			require.NoError(t, err)
			require.Len(t, paths, len(tc.formats))
			for i, f := range tc.formats {
				name, err := FileFor(f)
				require.NoError(t, err)
				assert.Equal(t, filepath.Join(out, name), paths[i])
				assert.FileExists(t, paths[i])
			}
			if hist == "" {
				entries, err := os.ReadDir(out)
				require.NoError(t, err)
				assert.Len(t, entries, len(tc.formats), "nothing but the formats asked for")
				return
			}
			_, _, err = Publish(tc.dirs, out, tc.formats, opts...)
			require.NoError(t, err)
			h, err := ReadHistory(hist)
			require.NoError(t, err)
			require.Len(t, h, 2, "one entry per Publish")
			assert.Equal(t, r.Summary.Metrics.Requests, h[0].Requests)
			assert.Equal(t, r.Summary.Verdict, h[1].Verdict)
		})
	}
}
