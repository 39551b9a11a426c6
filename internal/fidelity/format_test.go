package fidelity

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBodyForms(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		kind string
		form func(*Body) bool
	}{
		{"json", []byte(`{"a": [1, 2]}`), "JSON", func(b *Body) bool { return b.JSON != nil }},
		{"text", []byte(`{"a":`), "non-JSON", func(b *Body) bool { return b.Text != nil && *b.Text == `{"a":` }},
		{"binary", []byte{0xff, 0xfe, 'x'}, "non-JSON", func(b *Body) bool { return b.Base64 == "//54" }},
		{"empty", nil, "empty", func(b *Body) bool { return b == nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBody(tt.in, false)
			assert.True(t, tt.form(b), "%+v", b)
			assert.Equal(t, tt.kind, b.kind())
			// Through a file and back, the bytes to send are the same
			// (JSON compacted: whitespace is all a recording changes).
			data, err := encodeFile(Request{Method: "POST", Path: "/", Body: b})
			require.NoError(t, err)
			var back Request
			require.NoError(t, strictDecode(data, &back))
			got, err := back.Body.Bytes()
			require.NoError(t, err)
			want := tt.in
			if tt.name == "json" {
				want = []byte(`{"a":[1,2]}`)
			}
			assert.Equal(t, string(want), string(got))
		})
	}
	tr := newBody([]byte(`{"a":1}`), true)
	assert.True(t, tr.Truncated)
	assert.Nil(t, tr.JSON, "a cut-off JSON body is kept as text")
}

// writeRecording writes a minimal valid recording and returns its folder.
func writeRecording(t *testing.T, exchanges int) string {
	t.Helper()
	dir := t.TempDir()
	m, err := encodeFile(Manifest{FormatVersion: FormatVersion, Target: "https://api.hubapi.com", IDProperty: "k", Exchanges: exchanges, Complete: true})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ManifestFile), m, 0o644))
	for i := 1; i <= exchanges; i++ {
		ex := Exchange{FormatVersion: FormatVersion, Seq: i, Request: Request{Method: "GET", Path: "/crm/v3/objects/tasks/1"},
			Response: &Response{Status: 404}}
		data, err := encodeFile(ex)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, ExchangeFileName(i)), data, 0o644))
	}
	return dir
}

func TestLoadRefusesWhatIsNotARecording(t *testing.T) {
	edit := func(name string, f func(map[string]any)) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, name)
			raw, err := os.ReadFile(p)
			require.NoError(t, err)
			var v map[string]any
			require.NoError(t, json.Unmarshal(raw, &v))
			f(v)
			out, err := json.Marshal(v)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, out, 0o644))
		}
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   string
	}{
		{"missing folder", func(t *testing.T, dir string) { require.NoError(t, os.RemoveAll(dir)) }, "no such folder"},
		{"a file", func(t *testing.T, dir string) {
			require.NoError(t, os.RemoveAll(dir))
			require.NoError(t, os.WriteFile(dir, nil, 0o644))
		}, "not a folder"},
		{"no manifest", func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, ManifestFile))) }, "no manifest.json in it"},
		{"other version", edit(ManifestFile, func(v map[string]any) { v["formatVersion"] = 2 }), "format version 2, this upsertbench reads version 1"},
		{"unknown manifest field", edit(ManifestFile, func(v map[string]any) { v["token"] = "x" }), `unknown field "token"`},
		{"no exchanges", func(t *testing.T, dir string) {
			for i := 1; i <= 3; i++ {
				require.NoError(t, os.Remove(filepath.Join(dir, ExchangeFileName(i))))
			}
		}, "holds no exchanges"},
		{"gap", func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, ExchangeFileName(2)))) }, "exchange 0002.json is missing"},
		{"damaged exchange", func(t *testing.T, dir string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, ExchangeFileName(3)), []byte(`{"seq":`), 0o644))
		}, "0003.json: unexpected EOF"},
		{"wrong seq", edit(ExchangeFileName(2), func(v map[string]any) { v["seq"] = 7 }), "seq is 7, the file name says 2"},
		{"no answer and no error", edit(ExchangeFileName(1), func(v map[string]any) { delete(v, "response") }), "neither a response nor an error"},
		{"bad base64", edit(ExchangeFileName(1), func(v map[string]any) {
			v["request"].(map[string]any)["body"] = map[string]any{"base64": "!!"}
		}), "body: illegal base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeRecording(t, 3)
			tt.damage(t, dir)
			_, err := Load(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	rec, err := Load(writeRecording(t, 3))
	require.NoError(t, err)
	assert.Len(t, rec.Exchanges, 3)
}

func TestRecorderRefusesAFolderInUse(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
	_, err := NewRecorder(dir, Meta{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not empty")

	_, err = NewRecorder(dir, Meta{}, WithToken("same-token-123456"), WithReadOnlyToken("same-token-123456"))
	require.Error(t, err)

	fresh := filepath.Join(t.TempDir(), "a", "b")
	r, err := NewRecorder(fresh, Meta{Target: "https://user:pw@api.hubapi.com/x?y=1"})
	require.NoError(t, err)
	require.NoError(t, r.Close(true))
	rec, err := os.ReadFile(filepath.Join(fresh, ManifestFile))
	require.NoError(t, err)
	assert.Contains(t, string(rec), `"target": "https://api.hubapi.com"`)
	assert.NotContains(t, string(rec), "pw")
}

// An interrupted run leaves a manifest that says so; every file is
// complete and no temporary file is left behind.
func TestRecorderManifestAndFiles(t *testing.T) {
	srv := httptest.NewServer(recordedEmulator())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	r, err := NewRecorder(dir, Meta{Tool: "t", Target: srv.URL, IDProperty: testIDProperty}, WithToken(testToken))
	require.NoError(t, err)
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	require.NoError(t, err)
	assert.Contains(t, string(m), `"complete": false`, "written at the start")

	client := &http.Client{Transport: r}
	for range 3 {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/crm/v3/objects/tasks/48000000001", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	assert.Equal(t, 3, r.Count())
	require.NoError(t, r.Close(false))
	require.NoError(t, r.Close(true), "a second Close changes nothing")

	rec, err := Load(dir)
	require.NoError(t, err)
	assert.False(t, rec.Manifest.Complete)
	assert.Equal(t, 3, rec.Manifest.Exchanges)
	assert.False(t, rec.Manifest.FinishedAt.IsZero())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"0001.json", "0002.json", "0003.json", ManifestFile}, names)
	for _, n := range names {
		assert.False(t, strings.HasPrefix(n, "."))
	}
}

// A transport failure is recorded as an exchange without an answer, and
// the client gets the same error.
func TestRecorderKeepsTransportFailures(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("connection reset by peer")
	r, err := NewRecorder(dir, Meta{}, WithTransport(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, boom })))
	require.NoError(t, err)
	_, err = (&http.Client{Transport: r}).Post("http://127.0.0.1:1/crm/v3/objects/tasks/batch/upsert", "application/json", strings.NewReader(`{}`))
	require.ErrorIs(t, err, boom)
	require.NoError(t, r.Close(true))
	rec, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, rec.Exchanges, 1)
	assert.Nil(t, rec.Exchanges[0].Response)
	assert.Equal(t, "connection reset by peer", rec.Exchanges[0].Error)
	assert.JSONEq(t, `{}`, string(rec.Exchanges[0].Request.Body.JSON))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A secret that the recording's own text contains cannot be scrubbed: the
// file is not written and Close says why.
func TestRecorderRefusesToWriteASecret(t *testing.T) {
	srv := httptest.NewServer(recordedEmulator())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	r, err := NewRecorder(dir, Meta{}, WithToken("method"))
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/crm/v3/objects/tasks/1", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer method")
	resp, err := (&http.Client{Transport: r}).Do(req)
	require.NoError(t, err, "the request itself still goes through")
	require.NoError(t, resp.Body.Close())
	err = r.Close(true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exchange 1 was not written: the secret recorded as {{token}} would appear in it")
	grepTree(t, dir, "method")
}

// An answer longer than the recorder keeps reaches the client whole; the
// recording keeps the start, as text, marked truncated.
func TestRecorderTruncatesLongAnswers(t *testing.T) {
	long := `{"results":[` + strings.Repeat(`{"id":"1"},`, 50) + `{"id":"1"}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(long))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	r, err := NewRecorder(dir, Meta{}, withMaxBody(40))
	require.NoError(t, err)
	resp, err := (&http.Client{Transport: r}).Get(srv.URL + "/crm/v3/objects/tasks/1")
	require.NoError(t, err)
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, long, string(got))
	require.NoError(t, r.Close(true))

	rec, err := Load(dir)
	require.NoError(t, err)
	b := rec.Exchanges[0].Response.Body
	assert.True(t, b.Truncated)
	require.NotNil(t, b.Text)
	assert.Equal(t, long[:40], *b.Text)
}
