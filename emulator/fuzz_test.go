package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// FuzzUpsert feeds arbitrary bodies and headers to the batch endpoints of
// both versions (routes 0-5) and to GET tasks/{id}?properties= (routes 6
// and 7, both from the body); with route bit 8 set the emulator also
// draws fault 423 for half of the writes. Whatever comes in, the emulator
// never panics, never answers 5xx, and answers every 4xx in HubSpot's
// error envelope and every 2xx with valid UTF-8 JSON shaped like HubSpot's
// (answerShape).
func FuzzUpsert(f *testing.F) {
	g, err := generators.New(generators.WithSeed(3), generators.WithBatchSize(5),
		generators.WithUpdateShare(0.5), generators.WithTraceIDs(true), generators.WithInvalidShare(0.3))
	if err != nil {
		f.Fatal(err)
	}
	for n := range uint64(4) {
		f.Add(g.AppendBatch(nil, n), "application/json", "Bearer "+testToken, uint8(0))
	}
	for _, c := range generators.BadCases(3, hubspot.DefaultIDProperty) {
		f.Add(c.Body, c.ContentType, "Bearer "+testToken, uint8(0))
	}
	for _, body := range []string{
		"", "{", "[]", "null", `{"inputs":null}`, `{"inputs":[{}]}`, `{"inputs":[{"id":"\ud800"}]}`,
		`{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":null}}]}`,
		`{"idProperty":"external_task_id","inputs":[{"id":"a"}],"properties":["hs_task_status"]}`,
		"{\"inputs\":[{\"id\":\"\xff\"}]}", `{"inputs":[]} x`,
		`{"inputs":[{"id":"n","idProperty":"external_task_id","properties":{"hs_timestamp":1764684000123,"hs_task_subject":1.5e3,"hs_task_body":false,"hs_task_reminders":"2026-12-02T15:00:00.000+01:00"}}]}`,
		`{"inputs":[{"id":"d","idProperty":"external_task_id","objectWriteTraceId":"t","properties":{"hs_timestamp":"2026-12-02","hs_task_status":"COMPLETED","hs_task_body":"<p>a &amp;\n b</p>"}}]}`,
		`{"inputs":[{"id":"c","idProperty":"external_task_id","properties":{"hs_timestamp":"","hs_task_subject":"","hs_task_status":null}}]}`,
		`{"inputs":[{"id":"o","idProperty":"external_task_id","properties":{"hs_timestamp":"1","hs_task_body":{"a":1}}}]}`,
		`{"idProperty":"external_task_id","inputs":[` + strings.Repeat(`{"id":"n"},`, 50) + `{"id":"d"}],"properties":["hs_body_preview","hs_task_is_completed"],"propertiesWithHistory":["hs_task_status"]}`,
		`{"idProperty":"external_task_id","inputs":[{"id":"d"},{"id":"n"}],"properties":["hs_body_preview_html","hs_pipeline","hs_timestamp","hs_task_subject"],"propertiesWithHistory":[]}`,
		"d?idProperty=external_task_id&properties=hs_body_preview,hs_object_source,hs_task_reminders",
	} {
		for route := range uint8(8) {
			f.Add([]byte(body), "application/json; charset=utf-8", "Bearer "+testToken, route)
		}
	}
	f.Add([]byte(`{"inputs":[]}`), "text/plain", "Bearer "+testToken, uint8(0))
	f.Add([]byte(`{"inputs":[]}`), "application/json", "Bearer "+testROToken, uint8(2))
	f.Add([]byte(`{"inputs":[]}`), "application/json", "bearer", uint8(1))
	f.Add([]byte(`{"inputs":[{"id":"l","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}]}`), "application/json", "Bearer "+testToken, uint8(8))
	f.Add([]byte(`{"inputs":[{"id":"l"}]}`), "application/json", "Bearer "+testToken, uint8(8+2))

	locked, err := ParseFault("423=0.5")
	if err != nil {
		f.Fatal(err)
	}
	emus := [2]*Emulator{
		New(WithToken(testToken), WithReadOnlyToken(testROToken), WithTier(hubspot.TierCapacity)),
		New(WithToken(testToken), WithReadOnlyToken(testROToken), WithTier(hubspot.TierCapacity), WithFaults(locked), WithRetryAfter(true)),
	}
	var paths []string
	for _, v := range []hubspot.Version{hubspot.VersionV3, hubspot.Version202603} {
		paths = append(paths, v.UpsertPath(), v.ReadPath(), v.ArchivePath())
	}
	f.Fuzz(func(t *testing.T, body []byte, contentType, auth string, route uint8) {
		emu := emus[route>>3&1]
		var req *http.Request
		if r := int(route & 7); r < len(paths) {
			req = httptest.NewRequest(http.MethodPost, paths[r], bytes.NewReader(body))
		} else {
			id, query, _ := strings.Cut(string(body), "?")
			v := []hubspot.Version{hubspot.VersionV3, hubspot.Version202603}[r-len(paths)]
			req = httptest.NewRequest(http.MethodGet, v.ObjectPath(url.PathEscape(id)), nil)
			req.URL.RawQuery = query // any bytes: the handler parses it leniently, as net/http does
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		status := rec.Code
		out := rec.Body.Bytes()
		switch {
		case status >= 500:
			t.Fatalf("status %d for body %q: %s", status, body, out)
		case status == http.StatusNoContent:
			if len(out) != 0 {
				t.Fatalf("204 with a body: %s", out)
			}
		case status >= 400:
			var e hubspot.Error
			if err := json.Unmarshal(out, &e); err != nil {
				t.Fatalf("status %d: error body is not JSON: %v: %s", status, err, out)
			}
			if e.Status != "error" || e.Message == "" || e.CorrelationID == "" {
				t.Fatalf("status %d: not HubSpot's error envelope: %s", status, out)
			}
			if status == http.StatusTooManyRequests {
				if e.ErrorType != hubspot.ErrorTypeRateLimit || e.PolicyName == "" {
					t.Fatalf("429 without errorType/policyName: %s", out)
				}
			} else if e.Category == "" {
				t.Fatalf("status %d without a category: %s", status, out)
			}
		case status == http.StatusOK || status == http.StatusMultiStatus:
			var resp map[string]any
			if err := json.Unmarshal(out, &resp); err != nil || !json.Valid(out) || !utf8.Valid(out) {
				t.Fatalf("status %d: invalid JSON answer: %v: %q", status, err, out)
			}
			if _, single := resp["properties"]; !single && resp["status"] != string(hubspot.BatchStatusComplete) {
				t.Fatalf("status %d: batch status %v", status, resp["status"])
			}
			if problem := answerShape(resp); problem != "" {
				t.Fatalf("status %d: %s: %s", status, problem, out)
			}
		default:
			t.Fatalf("unexpected status %d: %s", status, out)
		}
		if emu.Stats().Records > 100_000 {
			emu.Reset() // keep a long fuzz run's memory bounded
		}
	})
}

// answerShape checks a decoded 2xx answer (batch or single object) the way
// HubSpot shapes them: no property is "" (cleared values are omitted),
// every datetime property and every timestamp of the answer is an instant
// printed as Java's Instant prints it. It returns what is wrong, or "".
func answerShape(resp map[string]any) string {
	objects := []any{resp}
	if results, ok := resp["results"].([]any); ok {
		objects = results
	}
	instant := func(where string, v any) string {
		s, _ := v.(string)
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return where + " is not an RFC 3339 instant: " + s
		}
		layout := "2006-01-02T15:04:05.000Z" // Java's Instant: milliseconds when not zero
		if at.Nanosecond() == 0 {
			layout = "2006-01-02T15:04:05Z"
		}
		if want := at.UTC().Format(layout); s != want {
			return where + " is " + s + ", not " + want + " as HubSpot prints it"
		}
		return ""
	}
	for _, k := range []string{"requestedAt", "startedAt", "completedAt"} {
		if v, ok := resp[k]; ok {
			if p := instant(k, v); p != "" {
				return p
			}
		}
	}
	for _, o := range objects {
		obj, _ := o.(map[string]any)
		for _, k := range []string{"createdAt", "updatedAt"} {
			if p := instant(k, obj[k]); p != "" {
				return p
			}
		}
		props, _ := obj["properties"].(map[string]any)
		for name, v := range props {
			if v == "" {
				return "property " + name + " is \"\" (cleared values are omitted)"
			}
			if slices.Contains(hubspot.DateTimeProperties, name) {
				if p := instant(name, v); p != "" {
					return p
				}
			}
		}
	}
	return ""
}

// TestAnswerShape: the fuzz targets' shape check catches each way an
// answer can differ from HubSpot's.
func TestAnswerShape(t *testing.T) {
	tests := []struct{ name, answer, want string }{
		{"batch", `{"status":"COMPLETE","startedAt":"2026-11-28T12:00:00Z","results":[{"createdAt":"2026-11-28T12:00:00.120Z","updatedAt":"2026-11-28T12:00:01Z","properties":{"hs_timestamp":"2026-11-28T12:00:00.001Z","hs_task_subject":"a"}}]}`, ""},
		{"single", `{"createdAt":"2026-11-28T12:00:00Z","updatedAt":"2026-11-28T12:00:00Z","properties":{}}`, ""},
		{"cleared value", `{"createdAt":"2026-11-28T12:00:00Z","updatedAt":"2026-11-28T12:00:00Z","properties":{"hs_task_subject":""}}`, "hs_task_subject is \"\""},
		{"zero milliseconds printed", `{"results":[{"createdAt":"2026-11-28T12:00:00.000Z","updatedAt":"2026-11-28T12:00:00Z"}]}`, "createdAt is 2026-11-28T12:00:00.000Z, not 2026-11-28T12:00:00Z"},
		{"microseconds", `{"createdAt":"2026-11-28T12:00:00Z","updatedAt":"2026-11-28T12:00:00.123456Z"}`, "updatedAt is"},
		{"offset", `{"completedAt":"2026-11-28T13:00:00+01:00","results":[]}`, "completedAt is"},
		{"epoch millis in a datetime property", `{"createdAt":"2026-11-28T12:00:00Z","updatedAt":"2026-11-28T12:00:00Z","properties":{"hs_task_reminders":"1764331200000"}}`, "hs_task_reminders is not an RFC 3339 instant"},
		{"missing updatedAt", `{"createdAt":"2026-11-28T12:00:00Z","properties":{}}`, "updatedAt is not"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp map[string]any
			require.NoError(t, json.Unmarshal([]byte(tt.answer), &resp))
			got := answerShape(resp)
			if tt.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tt.want)
			}
		})
	}
}

// TestGeneratorBadCases sends every named bad batch of the generator and
// checks the status and category the generator expects HubSpot to answer.
func TestGeneratorBadCases(t *testing.T) {
	h := newHarness(t)
	for _, c := range generators.BadCases(5, hubspot.DefaultIDProperty) {
		t.Run(c.Name, func(t *testing.T) {
			method := c.Method
			if method == "" {
				method = http.MethodPost
			}
			r := h.do(method, upsertPathV3, string(c.Body), map[string]string{"Content-Type": c.ContentType})
			if !assert.Equal(t, c.Status, r.status, "%s: %.300s", c.Description, r.body) {
				return
			}
			if c.Status >= 400 {
				e := r.errorBody(t)
				assert.Equal(t, c.Category, e.Category)
				if c.MessagePrefix != "" {
					assert.True(t, strings.HasPrefix(e.Message, c.MessagePrefix), "message %q does not start with %q", e.Message, c.MessagePrefix)
				}
				if c.Code != "" && assert.NotEmpty(t, e.Errors) {
					assert.Equal(t, c.Code, e.Errors[0].Code)
				}
			}
		})
	}
}

// FuzzSpacedBodyAnswersTheSame is a differential test of the scanner's two
// paths: compact members are read by compactMember, members with
// whitespace by nextKey and strOrNull. Any valid JSON body, sent as it is
// and re-indented (whitespace between every token, string contents
// untouched), must get the same answer from two fresh emulators on a
// stopped clock, byte for byte, except the line and column of a
// type-mismatch message.
func FuzzSpacedBodyAnswersTheSame(f *testing.F) {
	g, err := generators.New(generators.WithSeed(5), generators.WithBatchSize(4),
		generators.WithUpdateShare(0.5), generators.WithTraceIDs(true), generators.WithInvalidShare(0.4))
	if err != nil {
		f.Fatal(err)
	}
	for n := range uint64(6) {
		f.Add(g.AppendBatch(nil, n))
	}
	for _, c := range generators.BadCases(3, hubspot.DefaultIDProperty) {
		f.Add(c.Body)
	}
	f.Add([]byte(`{"inputs":[{"properties":{"hs_timestamp":"1","external_task_id":"a"},"idProperty":"external_task_id","id":"a"}]}`))
	f.Add([]byte(`{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":null,"hs_task_body":"x\"y","hs_task_type":"CALL","hs_task_type":"nope"}}]}`))
	f.Add([]byte(`{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":1}}],"extra":{"a":[1,"b"]}}`))
	position := regexp.MustCompile(`line \d+, column \d+`)
	answer := func(body []byte) (int, string) {
		clock := newFakeClock()
		emu := New(WithToken(testToken), WithClock(clock.Now))
		req := httptest.NewRequest(http.MethodPost, upsertPathV3, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		return rec.Code, position.ReplaceAllString(rec.Body.String(), "line L, column C")
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) || len(body) > 1<<16 {
			t.Skip()
		}
		var spaced bytes.Buffer
		if err := json.Indent(&spaced, body, " ", "\t"); err != nil {
			t.Skip()
		}
		spaced.WriteString("\n")
		status, out := answer(body)
		spacedStatus, spacedOut := answer(spaced.Bytes())
		if status != spacedStatus || out != spacedOut {
			t.Fatalf("compact body %q\nanswered %d %s\nspaced answered %d %s", body, status, out, spacedStatus, spacedOut)
		}
	})
}
