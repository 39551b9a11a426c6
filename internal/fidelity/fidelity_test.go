package fidelity

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// (a) The emulator recorded through the whole suite, rate-limit probe
// included, replays against a fresh emulator without a single difference:
// ids, tokens, correlation ids and timestamps all differ between the two
// runs, and the 429 must come at the same exchange.
func TestReplayOfTheEmulatorHasNoDifference(t *testing.T) {
	dir := recordSuite(t, recordedEmulator(), true)
	rep := replayDir(t, dir)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	require.False(t, rep.Differs(), "differences:\n%s", text.String())
	assert.Equal(t, hubspot.TierProfessional, rep.Tier, rep.TierSource)
	assert.Equal(t, rep.Total, len(rep.Exchanges))
	assert.Greater(t, rep.Total, hubspot.TierLimits(hubspot.TierProfessional).Burst, "the probe ran")

	statuses := map[int]int{}
	for _, x := range rep.Exchanges {
		statuses[x.Recorded]++
	}
	for _, s := range []int{200, 207, 400, 401, 403, 405, 429} {
		assert.Positive(t, statuses[s], "the recording holds a %d, so the comparison covered it", s)
	}
	assert.Contains(t, text.String(), "PASS  all ")
}

// corruptions is what corruptingTarget changes, one per exchange it picks.
// Each is a single deviation that the replay must report, and nothing else.
type corruption struct {
	name  string
	match func(r *http.Request, n counts) bool
	apply func(t *testing.T, w *httptest.ResponseRecorder)
}

// counts numbers requests by kind as they arrive at the corrupting target.
type counts struct{ upserts, reads int }

// corruptingTarget serves the emulator through corruptions: changes a
// status, drops a header, renames a key, changes a value's type, changes
// an error message.
func corruptingTarget(t *testing.T) http.Handler {
	emu := recordedEmulator()
	upsert, read := hubspot.VersionV3.UpsertPath(), hubspot.VersionV3.ReadPath()
	corruptions := []corruption{
		{"status of PUT", func(r *http.Request, _ counts) bool { return r.Method == http.MethodPut },
			func(_ *testing.T, w *httptest.ResponseRecorder) { w.Code = http.StatusNotFound }},
		{"header of the first read", func(r *http.Request, n counts) bool { return r.URL.Path == read && n.reads == 1 },
			func(t *testing.T, w *httptest.ResponseRecorder) {
				require.NotEmpty(t, w.Header().Get(hubspot.HeaderRateLimitDaily))
				w.Header().Del(hubspot.HeaderRateLimitDaily)
			}},
		{"key of the first upsert", func(r *http.Request, n counts) bool { return r.URL.Path == upsert && n.upserts == 1 },
			replaceOnce(`"completedAt":`, `"completed_at":`)},
		{"type in the second upsert", func(r *http.Request, n counts) bool { return r.URL.Path == upsert && n.upserts == 2 },
			replaceAll(`"archived":false`, `"archived":"false"`)},
		{"message of the 401 without token", func(r *http.Request, _ counts) bool {
			return r.URL.Path == upsert && r.Header.Get("Authorization") == ""
		}, replaceOnce(`"Authentication credentials not found.`, `"No credentials.`)},
	}
	var mu sync.Mutex
	var n counts
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == upsert:
			n.upserts++
		case r.Method == http.MethodPost && r.URL.Path == read:
			n.reads++
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		for _, c := range corruptions {
			if c.match(r, n) {
				c.apply(t, rec)
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func replaceOnce(old, repl string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		b := w.Body.Bytes()
		require.Contains(t, string(b), old, "the corruption must apply")
		out := bytes.Replace(b, []byte(old), []byte(repl), 1)
		w.Body = bytes.NewBuffer(out)
	}
}

func replaceAll(old, repl string) func(*testing.T, *httptest.ResponseRecorder) {
	return func(t *testing.T, w *httptest.ResponseRecorder) {
		b := w.Body.Bytes()
		require.Contains(t, string(b), old, "the corruption must apply")
		w.Body = bytes.NewBuffer(bytes.ReplaceAll(b, []byte(old), []byte(repl)))
	}
}

// (b) A recording made through a corrupting target gives exactly the
// corruptions as differences, each on its exchange, and nothing else.
func TestReplayFindsExactlyTheCorruptions(t *testing.T) {
	dir := recordSuite(t, corruptingTarget(t), false)
	rep := replayDir(t, dir)

	type found struct {
		method, path string
		recorded     int
		diffs        []Difference
	}
	var got []found
	for _, x := range rep.Exchanges {
		if !x.Matches() {
			got = append(got, found{x.Method, x.Path, x.Recorded, x.Differences})
		}
	}
	upsert, read := hubspot.VersionV3.UpsertPath(), hubspot.VersionV3.ReadPath()
	want := []found{
		{http.MethodPost, upsert, 200, []Difference{
			{Kind: KindKeyMissing, Where: "/completed_at", Recorded: "string"},
			{Kind: KindKeyExtra, Where: "/completedAt", Emulator: "string"},
		}},
		{http.MethodPost, upsert, 200, []Difference{
			{Kind: KindType, Where: "/results[]/archived", Recorded: "string", Emulator: "boolean"},
		}},
		{http.MethodPost, read, 200, []Difference{
			// Dropped by the target, so the emulator sends one more.
			{Kind: KindHeaderExtra, Where: http.CanonicalHeaderKey(hubspot.HeaderRateLimitDaily)},
		}},
		{http.MethodPut, upsert, 404, []Difference{
			{Kind: KindStatus, Recorded: "404", Emulator: "405"},
		}},
		{http.MethodPost, upsert, 401, []Difference{
			{Kind: KindErrorText, Where: "/message",
				Recorded: "No credentials. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
				Emulator: "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"},
		}},
	}
	assert.Equal(t, want, got)

	var text bytes.Buffer
	require.NoError(t, rep.WriteText(&text))
	out := text.String()
	assert.Contains(t, out, "FAIL  5 of ")
	assert.Contains(t, out, "differences: 1 status, 1 header-extra, 1 key-missing, 1 key-extra, 1 type, 1 error-text")
	assert.Contains(t, out, "/results[]/archived: recorded string, emulator boolean")
}

// grepTree fails the test for every file under dir (temporary files
// included) whose name or bytes contain one of secrets.
func grepTree(t *testing.T, dir string, secrets ...string) int {
	t.Helper()
	files := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		require.NoError(t, err)
		for _, s := range secrets {
			assert.NotContains(t, path, s)
		}
		if d.IsDir() {
			return nil
		}
		files++
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, s := range secrets {
			assert.NotContains(t, string(b), s, "%s holds a secret", path)
		}
		return nil
	}))
	return files
}

// (c) The suite's tokens never appear in any byte of a recording: neither
// the main and read-only tokens nor the deliberately wrong one the suite
// makes up.
func TestRecordingNeverHoldsTheTokens(t *testing.T) {
	dir := recordSuite(t, recordedEmulator(), false)
	files := grepTree(t, dir, testToken, testReadOnlyToken, "SECRET0", "ub-wrong-")
	assert.Greater(t, files, 30)
	raw, err := os.ReadFile(filepath.Join(dir, "0001.json"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"Bearer {{token}}"`)
}

// (c) Also when the target echoes credentials back, in every spelling, in
// headers, bodies and messages, and when a credential travels in the
// query string: the recorder scrubs each.
func TestRecordingScrubsEchoedCredentials(t *testing.T) {
	const legacyKey = "hapikey/with+odd&chars=SECRET9"
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		key := r.URL.Query().Get("hapikey")
		w.Header().Set("X-Echo", auth)
		w.Header().Set("Set-Cookie", "session="+key+"; Path=/")
		w.Header().Set("Location", r.URL.String())
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{
			"message":   "token " + strings.TrimPrefix(auth, "Bearer ") + " and key " + key + " seen",
			"escaped":   url.QueryEscape(key),
			"pathForm":  url.PathEscape(key),
			"requested": r.URL.RequestURI(),
		}
		_ = json.NewEncoder(w).Encode(body) // HTML-escaped: & is \u0026

	})
	srv := httptest.NewServer(echo)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	rec, err := NewRecorder(dir, Meta{Target: srv.URL}, WithToken(testToken), WithReadOnlyToken(testReadOnlyToken))
	require.NoError(t, err)
	client := &http.Client{Transport: rec}
	for _, tc := range []struct{ auth, query string }{
		{"Bearer " + testToken, ""},
		{"Bearer " + testReadOnlyToken, ""},
		{"Bearer ub-wrong-0123456789abcdef", ""},
		{"", "?hapikey=" + url.QueryEscape(legacyKey)},
	} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/crm/v3/objects/tasks/batch/read"+tc.query, strings.NewReader(`{"auth":"`+tc.auth+`"}`))
		require.NoError(t, err)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := client.Do(req)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Contains(t, string(b), `"message"`, "the client gets the target's answer unchanged")
	}
	require.NoError(t, rec.Close(true))
	grepTree(t, dir, testToken, testReadOnlyToken, "ub-wrong-0123456789abcdef", legacyKey,
		url.QueryEscape(legacyKey), url.PathEscape(legacyKey), "SECRET9", "SECRET0")

	recd, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, recd.Exchanges, 4)
	assert.Equal(t, []string{"Bearer {{other-token-1}}"}, recd.Exchanges[2].Request.Header["Authorization"])
	assert.Equal(t, "/crm/v3/objects/tasks/batch/read?hapikey={{secret-2}}", recd.Exchanges[3].Request.Path)
	assert.Equal(t, []string{placeholderCookie}, recd.Exchanges[3].Response.Header["Set-Cookie"])
	assert.Contains(t, string(recd.Exchanges[0].Response.Body.JSON), `"token {{token}} and key  seen"`)
}
