package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Bodies shaped like real answers (hubspot-facts.md).
const (
	vtUpsert200     = `{"status":"COMPLETE","results":[{"id":"48123456789","properties":{"external_task_id":"ext-1","hs_object_id":"48123456789","hs_timestamp":"2026-12-01T09:00:00.000Z"},"createdAt":"2026-11-28T12:00:00.120Z","updatedAt":"2026-11-28T12:00:00.120Z","archived":false,"new":true,"objectWriteTraceId":"t-1","url":"https://app.hubspot.com/contacts/123/record/0-27/48123456789"}],"startedAt":"2026-11-28T12:00:00.101Z","completedAt":"2026-11-28T12:00:00.131Z"}`
	vtUpsert207     = `{"status":"COMPLETE","results":[],"numErrors":1,"errors":[{"status":"error","category":"VALIDATION_ERROR","message":"Property values were not valid: ...","context":{"objectWriteTraceId":["t-2"],"propertyName":["hs_task_status"]}}],"startedAt":"2026-11-28T12:00:00.101Z","completedAt":"2026-11-28T12:00:00.131Z"}`
	vtError400      = `{"status":"error","message":"Duplicate IDs found in batch input: [ext-1]. IDs must be unique","correlationId":"8f2f1c1e-0a51-4c4e-b5f3-3a2c3a4f5b6c","category":"VALIDATION_ERROR","context":{"ids":["ext-1"]}}`
	vtError429      = `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0ffee00-1234-4abc-9def-0123456789ab","policyName":"TEN_SECONDLY_ROLLING"}`
	vtUpsertRequest = `{"inputs":[{"id":"ext-1","idProperty":"external_task_id","objectWriteTraceId":"t-1","properties":{"hs_timestamp":"2026-12-01T09:00:00.000Z","hs_task_subject":"Call back"}}]}`
)

var (
	vtUpsertPath = hubspot.VersionV3.UpsertPath()
	vtJSONHeader = http.Header{"Content-Type": []string{"application/json;charset=utf-8"}}
)

func sharedValidator(t testing.TB) *Validator {
	t.Helper()
	v, err := DefaultValidator()
	require.NoError(t, err)
	return v
}

// editJSON decodes a JSON body, applies fn and re-encodes it, so each broken
// case states only what it breaks.
func editJSON(t testing.TB, body string, fn func(m map[string]any)) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	fn(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

func firstUpsertResult(m map[string]any) map[string]any {
	return m["results"].([]any)[0].(map[string]any)
}

func fieldPointers(fs []Finding) []string {
	var ps []string
	for _, f := range fs {
		for _, ff := range f.Fields {
			ps = append(ps, ff.Pointer)
		}
	}
	return ps
}

func TestValidateResponse(t *testing.T) {
	v := sharedValidator(t)
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
		body        string
		wantPointer []string // nil: no findings expected
		wantSpec    string   // substring of the first finding's SpecPath
		wantMessage string   // substring of the first finding's Message
	}{
		{name: "valid 200 upsert", status: 200, body: vtUpsert200},
		{name: "valid 200 upsert on 2026-03", path: hubspot.Version202603.UpsertPath(), status: 200, body: vtUpsert200},
		{name: "valid 207 without errors and links in entries", status: 207, body: vtUpsert207},
		{name: "valid 400 error with status error", status: 400, body: vtError400},
		{name: "valid 401 error", status: 401, body: `{"status":"error","message":"` + hubspot.MessageAuthNotFound + `","correlationId":"0b3e5f3a-9c0e-4a47-8d3b-111111111111","category":"INVALID_AUTHENTICATION"}`},
		{name: "valid 429 without category", status: 429, body: vtError429},
		{name: "valid 204 archive", path: hubspot.VersionV3.ArchivePath(), status: 204, contentType: "-", body: ""},
		{name: "valid get by id", method: http.MethodGet, path: hubspot.VersionV3.ObjectPath("48123456789"), status: 200,
			body: `{"id":"48123456789","properties":{"hs_task_subject":"x"},"createdAt":"2026-11-28T12:00:00.120Z","updatedAt":"2026-11-28T12:00:00.120Z","archived":false}`},
		{name: "valid batch read 207", path: hubspot.VersionV3.ReadPath(), status: 207,
			body: `{"status":"COMPLETE","results":[],"numErrors":1,"errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some TASK objects","context":{"ids":["1"]}}],"startedAt":"2026-11-28T12:00:00.101Z","completedAt":"2026-11-28T12:00:00.131Z"}`},

		{name: "missing required new", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { delete(firstUpsertResult(m), "new") }),
			wantPointer: []string{"/results/0/new"}, wantSpec: "#/components/schemas/SimplePublicUpsertObject/required"},
		{name: "missing two required top-level fields", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { delete(m, "startedAt"); delete(m, "completedAt") }),
			wantPointer: []string{"/completedAt", "/startedAt"}, wantSpec: "#/components/schemas/BatchResponseSimplePublicUpsertObject/required"},
		{name: "wrong type archived", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { firstUpsertResult(m)["archived"] = "no" }),
			wantPointer: []string{"/results/0/archived"}, wantSpec: "#/components/schemas/SimplePublicUpsertObject/properties/archived/type"},
		{name: "wrong type property value", status: 200,
			body: editJSON(t, vtUpsert200, func(m map[string]any) {
				firstUpsertResult(m)["properties"].(map[string]any)["hs_timestamp"] = 1764590400000
			}),
			wantPointer: []string{"/results/0/properties/hs_timestamp"}},
		{name: "bad enum status", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { m["status"] = "DONE" }),
			wantPointer: []string{"/status"}, wantSpec: "#/components/schemas/BatchResponseSimplePublicUpsertObject/properties/status/enum"},
		{name: "misspelled CANCELLED is not the enum", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { m["status"] = "CANCELLED" }),
			wantPointer: []string{"/status"}},
		{name: "bad date-time", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { firstUpsertResult(m)["createdAt"] = "yesterday" }),
			wantPointer: []string{"/results/0/createdAt"}, wantSpec: "#/components/schemas/SimplePublicUpsertObject/properties/createdAt/format"},
		{name: "epoch millis is not a date-time", status: 200,
			body:        editJSON(t, vtUpsert200, func(m map[string]any) { m["completedAt"] = "1764331200131" }),
			wantPointer: []string{"/completedAt"}},
		{name: "bad uuid correlationId", status: 400,
			body:        editJSON(t, vtError400, func(m map[string]any) { m["correlationId"] = "not-a-uuid" }),
			wantPointer: []string{"/correlationId"}, wantSpec: "#/components/schemas/Error/properties/correlationId/format"},
		{name: "error without category", status: 400,
			body:        editJSON(t, vtError400, func(m map[string]any) { delete(m, "category") }),
			wantPointer: []string{"/category"}},
		{name: "207 entry without context", status: 207,
			body: editJSON(t, vtUpsert207, func(m map[string]any) {
				delete(m["errors"].([]any)[0].(map[string]any), "context")
			}),
			wantPointer: []string{"/errors/0/context"}, wantSpec: "#/components/schemas/StandardError/required"},
		{name: "429 without errorType", status: 429,
			body:        editJSON(t, vtError429, func(m map[string]any) { delete(m, "errorType") }),
			wantPointer: []string{"/errorType"}, wantSpec: "#/components/schemas/RateLimitError/required"},
		{name: "numErrors not an integer", status: 207,
			body:        editJSON(t, vtUpsert207, func(m map[string]any) { m["numErrors"] = 1.5 }),
			wantPointer: []string{"/numErrors"}},
		{name: "text/html error page", status: 502, contentType: "text/html", body: "<html>Bad gateway</html>",
			wantPointer: []string{}, wantMessage: "not JSON"},
		{name: "no content type", status: 200, contentType: "-", body: vtUpsert200,
			wantPointer: []string{}, wantMessage: "Content-Type (none)"},
		{name: "empty 200 body", status: 200, body: "",
			wantPointer: []string{""}, wantMessage: "empty body"},
		{name: "truncated JSON", status: 200, body: vtUpsert200[:40],
			wantPointer: []string{""}, wantMessage: "not valid JSON"},
		{name: "body on 204", path: hubspot.VersionV3.ArchivePath(), status: 204, body: "{}",
			wantPointer: []string{}, wantMessage: "204 response carries a body"},
		{name: "unknown path", path: "/crm/v3/objects/contacts/batch/upsert", status: 200, body: vtUpsert200,
			wantPointer: []string{}, wantMessage: "is not an operation"},
		{name: "unknown method", method: http.MethodDelete, status: 200, body: vtUpsert200,
			wantPointer: []string{}, wantMessage: "is not an operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, path := tc.method, tc.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = vtUpsertPath
			}
			header := vtJSONHeader
			switch tc.contentType {
			case "":
			case "-":
				header = http.Header{}
			default:
				header = http.Header{"Content-Type": []string{tc.contentType}}
			}
			req := httptest.NewRequest(method, "http://127.0.0.1"+path, nil)
			got := v.ValidateResponse(req, tc.status, header, []byte(tc.body))
			if tc.wantPointer == nil {
				assert.Empty(t, got, "findings: %v", got)
				return
			}
			require.NotEmpty(t, got, "a broken %d response must yield a finding", tc.status)
			assert.ElementsMatch(t, tc.wantPointer, fieldPointersOrEmpty(got))
			for _, f := range got {
				assert.Equal(t, CheckResponseSchema, f.Check)
				assert.NotEmpty(t, f.Message)
				assert.NotEmpty(t, f.Reason)
				assert.NotEmpty(t, f.HowToFix)
				assert.Equal(t, method, f.Method)
				assert.Equal(t, path, f.Path)
				assert.Equal(t, tc.status, f.StatusCode)
				assert.NotEmpty(t, f.SpecPath)
			}
			if tc.wantSpec != "" {
				assert.Equal(t, tc.wantSpec, got[0].SpecPath)
			}
			if tc.wantMessage != "" {
				assert.Contains(t, got[0].Message, tc.wantMessage)
			}
			// The same answer through ValidateResponseTo.
			assert.Equal(t, got, v.ValidateResponseTo(method, path, tc.status, header, []byte(tc.body)))
		})
	}
}

func fieldPointersOrEmpty(fs []Finding) []string {
	if p := fieldPointers(fs); p != nil {
		return p
	}
	return []string{}
}

func TestValidateResponseUndeclaredStatus(t *testing.T) {
	// Our document has a default response everywhere, so an undeclared
	// status needs a document without one.
	doc := strings.Replace(string(Spec()), "        \"429\":\n          $ref: \"#/components/responses/RateLimited\"\n        default:\n          $ref: \"#/components/responses/Error\"\n  /crm/objects/2026-03/tasks/batch/upsert:",
		"  /crm/objects/2026-03/tasks/batch/upsert:", 1)
	require.NotEqual(t, string(Spec()), doc, "test precondition: the v3 upsert responses were cut")
	v, err := NewValidator(WithSpec([]byte(doc)))
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)

	got := v.ValidateResponse(req, 429, vtJSONHeader, []byte(vtError429))
	require.Len(t, got, 1)
	assert.Equal(t, CheckResponseSchema, got[0].Check)
	assert.Contains(t, got[0].Message, "status 429 is not a response")
	assert.Contains(t, got[0].Reason, "200, 207")
	assert.Equal(t, "#/paths/~1crm~1v3~1objects~1tasks~1batch~1upsert/post/responses", got[0].SpecPath)

	assert.Empty(t, v.ValidateResponse(req, 200, vtJSONHeader, []byte(vtUpsert200)), "declared codes still pass")
}

func TestValidateRequest(t *testing.T) {
	v := sharedValidator(t)
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		wantPointer []string
		wantMessage string
	}{
		{name: "valid upsert", body: vtUpsertRequest},
		{name: "valid upsert 2026-03", target: hubspot.Version202603.UpsertPath(), body: vtUpsertRequest},
		{name: "valid batch read", target: hubspot.VersionV3.ReadPath() + "?archived=false",
			body: `{"idProperty":"external_task_id","inputs":[{"id":"ext-1"}],"properties":["hs_task_subject"],"propertiesWithHistory":[]}`},
		{name: "valid batch archive", target: hubspot.VersionV3.ArchivePath(), body: `{"inputs":[{"id":"48123456789"}]}`},
		{name: "valid get with query", method: http.MethodGet, contentType: "-",
			target: hubspot.VersionV3.ObjectPath("ext-1") + "?idProperty=external_task_id&properties=hs_task_subject&properties=hs_timestamp&archived=true"},
		{name: "missing inputs", body: `{}`, wantPointer: []string{"/inputs"}},
		{name: "input without id", body: editJSON(t, vtUpsertRequest, func(m map[string]any) {
			delete(m["inputs"].([]any)[0].(map[string]any), "id")
		}), wantPointer: []string{"/inputs/0/id"}},
		{name: "numeric id", body: editJSON(t, vtUpsertRequest, func(m map[string]any) {
			m["inputs"].([]any)[0].(map[string]any)["id"] = 42
		}), wantPointer: []string{"/inputs/0/id"}},
		{name: "numeric property value", body: editJSON(t, vtUpsertRequest, func(m map[string]any) {
			m["inputs"].([]any)[0].(map[string]any)["properties"].(map[string]any)["hs_timestamp"] = 1764590400000
		}), wantPointer: []string{"/inputs/0/properties/hs_timestamp"}},
		{name: "read without properties lists", target: hubspot.VersionV3.ReadPath(), body: `{"inputs":[{"id":"1"}]}`,
			wantPointer: []string{"/properties", "/propertiesWithHistory"}},
		{name: "wrong content type", contentType: "text/plain", body: vtUpsertRequest, wantMessage: "text/plain"},
		{name: "archived is not a boolean", method: http.MethodGet, contentType: "-",
			target: hubspot.VersionV3.ObjectPath("1") + "?archived=maybe", wantMessage: "archived"},
		{name: "unknown path", target: "/crm/v3/objects/notes/batch/upsert", body: vtUpsertRequest, wantMessage: "is not an operation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method, target := tc.method, tc.target
			if method == "" {
				method = http.MethodPost
			}
			if target == "" {
				target = vtUpsertPath
			}
			req := httptest.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader("must not be read"))
			switch tc.contentType {
			case "":
				req.Header.Set("Content-Type", "application/json")
			case "-":
			default:
				req.Header.Set("Content-Type", tc.contentType)
			}
			got := v.ValidateRequest(req, []byte(tc.body))
			rest, _ := io.ReadAll(req.Body)
			assert.Equal(t, "must not be read", string(rest), "the caller's body stays untouched")
			if tc.wantPointer == nil && tc.wantMessage == "" {
				assert.Empty(t, got, "findings: %v", got)
				return
			}
			require.NotEmpty(t, got)
			for _, f := range got {
				assert.Equal(t, CheckRequestSchema, f.Check)
				assert.NotEmpty(t, f.Message)
				assert.NotEmpty(t, f.HowToFix)
				assert.Equal(t, method, f.Method)
				assert.NotEmpty(t, f.SpecPath)
			}
			if tc.wantPointer != nil {
				assert.ElementsMatch(t, tc.wantPointer, fieldPointers(got))
				assert.Equal(t, tc.body, got[0].Sent)
			}
			if tc.wantMessage != "" {
				assert.Contains(t, got[0].Error(), tc.wantMessage)
			}
		})
	}
}

// TestFormatAssertionsMatter proves why the Validator turns on
// config.WithFormatAssertions: libopenapi-validator's default accepts
// "yesterday" as a date-time and "not-a-uuid" as a uuid.
func TestFormatAssertionsMatter(t *testing.T) {
	doc, err := libopenapi.NewDocument(Spec())
	require.NoError(t, err)
	bare, errs := validator.NewValidator(doc) // library defaults
	require.Empty(t, errs)

	body := editJSON(t, vtUpsert200, func(m map[string]any) { firstUpsertResult(m)["createdAt"] = "yesterday" })
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)
	resp := &http.Response{StatusCode: 200, Header: vtJSONHeader, Body: io.NopCloser(strings.NewReader(body))}
	ok, libErrs := bare.ValidateHttpResponse(req, resp)
	assert.True(t, ok, "library default unexpectedly asserts formats now: %v", libErrs)

	got := sharedValidator(t).ValidateResponse(req, 200, vtJSONHeader, []byte(body))
	require.NotEmpty(t, got, "our Validator must reject a date-time of 'yesterday'")
	assert.Equal(t, []string{"/results/0/createdAt"}, fieldPointers(got))
}

func TestValidateHTTPResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = io.WriteString(w, editJSON(t, vtUpsert207, func(m map[string]any) { m["numErrors"] = "one" }))
	}))
	t.Cleanup(srv.Close)

	req, err := http.NewRequest(http.MethodPost, srv.URL+vtUpsertPath, strings.NewReader(vtUpsertRequest))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })

	got, err := sharedValidator(t).ValidateHTTPResponse(req, resp)
	require.NoError(t, err)
	assert.Equal(t, []string{"/numErrors"}, fieldPointers(got))
	assert.Equal(t, http.StatusMultiStatus, got[0].StatusCode)

	var decoded hubspot.BatchUpsertResponseWithErrors
	err = json.NewDecoder(resp.Body).Decode(&decoded)
	assert.Error(t, err, "the restored body is the original (numErrors is a string)")
	rest, _ := io.ReadAll(resp.Body)
	_ = rest

	_, err = sharedValidator(t).ValidateHTTPResponse(req, nil)
	assert.Error(t, err)
	_, err = sharedValidator(t).ValidateHTTPResponse(req, &http.Response{StatusCode: 200, Header: vtJSONHeader, Body: io.NopCloser(failingBodyReader{})})
	assert.Error(t, err, "a failed read is an error, not a finding")
}

type failingBodyReader struct{}

func (failingBodyReader) Read([]byte) (int, error) { return 0, fmt.Errorf("connection reset") }

func TestNewValidatorErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  ValidatorOption
		want string
	}{
		{"missing file", WithSpecFile(filepath.Join(t.TempDir(), "nope.yaml")), "reading OpenAPI document"},
		{"empty document", WithSpec(nil), "is empty"},
		{"swagger 2", WithSpec([]byte("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n")), "not an OpenAPI 3"},
		{"not a document", WithSpec([]byte("just: [some, yaml")), "parsing OpenAPI document"},
		{"no operations", WithSpec([]byte("openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n")), "no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewValidator(tc.opt)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSpecIsValidOpenAPI(t *testing.T) {
	doc, err := libopenapi.NewDocument(Spec())
	require.NoError(t, err)
	info := doc.GetSpecInfo()
	assert.Equal(t, "3.0.3", info.Version)
	bare, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	ok, docErrs := bare.ValidateDocument()
	assert.True(t, ok, "our openapi.yaml breaks the OpenAPI 3.0 schema: %v", docErrs)

	s := Spec()
	s[0] = 'X'
	assert.NotEqual(t, s[0], Spec()[0], "Spec returns a copy")
}

// TestHubSpotDocumentLoads: the Validator also works from HubSpot's own
// document, e.g. for `upsertbench contract --spec hubspot-tasks-v3.json`.
func TestHubSpotDocumentLoads(t *testing.T) {
	dir := hubspotReferenceDir(t)
	v, err := NewValidator(WithSpecFile(filepath.Join(dir, "hubspot-tasks-v3.json")))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "hubspot-tasks-v3.json"), v.Source())
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)
	assert.Empty(t, v.ValidateResponse(req, 200, vtJSONHeader, []byte(vtUpsert200)))
	assert.Empty(t, v.ValidateRequest(withJSONContentType(req), []byte(vtUpsertRequest)))
	bad := editJSON(t, vtUpsert200, func(m map[string]any) { firstUpsertResult(m)["updatedAt"] = "soon" })
	assert.Equal(t, []string{"/results/0/updatedAt"}, fieldPointers(v.ValidateResponse(req, 200, vtJSONHeader, []byte(bad))))
	// HubSpot's schema requires errors and links in 207 entries, which real
	// answers omit: exactly the deviation our document makes.
	got := v.ValidateResponse(req, 207, vtJSONHeader, []byte(vtUpsert207))
	assert.ElementsMatch(t, []string{"/errors/0/errors", "/errors/0/links"}, fieldPointers(got))
	// The official document declares errors as */*: a text body is still not JSON.
	got = v.ValidateResponse(req, 500, http.Header{"Content-Type": {"text/plain"}}, []byte("oops"))
	require.Len(t, got, 1)
	assert.Contains(t, got[0].Message, "not JSON")
}

func withJSONContentType(r *http.Request) *http.Request {
	r.Header.Set("Content-Type", "application/json")
	return r
}

// TestValidatorConcurrent shares one Validator between many goroutines; run
// with -race. Every goroutine must get exactly the sequential answers.
func TestValidatorConcurrent(t *testing.T) {
	v := sharedValidator(t)
	type exchange struct {
		status int
		body   string
	}
	cases := []exchange{
		{200, vtUpsert200},
		{207, vtUpsert207},
		{400, vtError400},
		{429, vtError429},
		{200, editJSON(t, vtUpsert200, func(m map[string]any) { firstUpsertResult(m)["createdAt"] = "yesterday" })},
		{200, editJSON(t, vtUpsert200, func(m map[string]any) { m["status"] = "DONE"; delete(m, "results") })},
		{400, editJSON(t, vtError400, func(m map[string]any) { m["correlationId"] = 7 })},
	}
	want := make([][]Finding, len(cases))
	for i, c := range cases {
		want[i] = v.ValidateResponse(httptest.NewRequest(http.MethodPost, vtUpsertPath, nil), c.status, vtJSONHeader, []byte(c.body))
	}
	// One request shared by all goroutines: the library rewrites requests
	// it validates, so this catches a missing private copy under -race.
	shared := withJSONContentType(httptest.NewRequest(http.MethodPost, vtUpsertPath, strings.NewReader(vtUpsertRequest)))
	const goroutines, rounds = 32, 20
	var wg sync.WaitGroup
	mismatches := make(chan string, goroutines*rounds)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				i := (g + r) % len(cases)
				path := vtUpsertPath
				if r%2 == 1 {
					path = hubspot.Version202603.UpsertPath()
				}
				got := v.ValidateResponse(httptest.NewRequest(http.MethodPost, path, nil), cases[i].status, vtJSONHeader, []byte(cases[i].body))
				if len(got) != len(want[i]) || fmt.Sprint(fieldPointers(got)) != fmt.Sprint(fieldPointers(want[i])) {
					mismatches <- fmt.Sprintf("case %d: got %v want %v", i, got, want[i])
				}
				reqFindings := v.ValidateRequest(shared, []byte(vtUpsertRequest))
				reqFindings = append(reqFindings, v.ValidateRequest(withJSONContentType(httptest.NewRequest(http.MethodPost, path, nil)), []byte(vtUpsertRequest))...)
				if rf := v.ValidateResponse(shared, 200, vtJSONHeader, []byte(vtUpsert200)); len(rf) != 0 {
					mismatches <- fmt.Sprint("valid response on shared request: ", rf)
				}
				if len(reqFindings) != 0 {
					mismatches <- fmt.Sprint("valid request: ", reqFindings)
				}
			}
		}()
	}
	wg.Wait()
	close(mismatches)
	for m := range mismatches {
		t.Error(m)
	}
}

func TestDefaultValidatorIsShared(t *testing.T) {
	a, err := DefaultValidator()
	require.NoError(t, err)
	b, err := DefaultValidator()
	require.NoError(t, err)
	assert.Same(t, a, b)
	assert.Equal(t, DefaultSpecSource, a.Source())
}

func TestSchemaMissingProperties(t *testing.T) {
	assert.Equal(t, []string{"new"}, schemaMissingProperties("missing property 'new'"))
	assert.Equal(t, []string{"a", "b c"}, schemaMissingProperties("missing properties 'a', 'b c'"))
	assert.Nil(t, schemaMissingProperties("got string, want boolean"))
}

func TestMatchPathSegments(t *testing.T) {
	segs := []string{"crm", "v3", "objects", "tasks", "{taskId}"}
	assert.True(t, matchPathSegments(segs, "/crm/v3/objects/tasks/123"))
	assert.False(t, matchPathSegments(segs, "/crm/v3/objects/tasks/"))
	assert.False(t, matchPathSegments(segs, "/crm/v3/objects/tasks"))
	assert.False(t, matchPathSegments(segs, "/crm/v3/objects/tasks/1/2"))
	assert.False(t, matchPathSegments(segs, "crm/v3/objects/tasks/1"))
}

func TestValidatorExcerpt(t *testing.T) {
	assert.Equal(t, "", validatorExcerpt(nil))
	long := bytes.Repeat([]byte("é"), validatorExcerptLimit)
	ex := validatorExcerpt(long)
	assert.True(t, strings.HasSuffix(ex, "…"))
	assert.LessOrEqual(t, len(ex), validatorExcerptLimit+len("…"))
	assert.NotContains(t, ex, "\uFFFD", "cut on a rune boundary")
}
