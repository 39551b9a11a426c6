package emulator

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestWholeRequestRefusals(t *testing.T) {
	one := `{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}`
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		header   map[string]string
		status   int
		category string
		message  string // exact, or a prefix when it ends in "…"
		context  map[string][]string
		allow    string
	}{
		{name: "more than 100 inputs", body: batchBody("big", 101, false), status: 400, category: hubspot.CategoryValidation,
			message: "The maximum number of inputs supported in a batch is 100. Please reduce the number of items and try again"},
		{name: "duplicate ids", body: `{"inputs":[` + one + `,` + one + `,` + strings.Replace(one, `"a"`, `"b"`, 1) + `,` + strings.Replace(one, `"a"`, `"b"`, 1) + `]}`,
			status: 400, category: hubspot.CategoryValidation, message: "Duplicate IDs found in batch input: [a, b]. IDs must be unique",
			context: map[string][]string{"ids": {"a", "b"}}},
		{name: "missing idProperty", body: `{"inputs":[{"id":"a","properties":{"hs_timestamp":"1"}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [idProperty] (inputs[0])", context: map[string][]string{"missingFields": {"idProperty"}}},
		{name: "non-unique idProperty", body: `{"inputs":[{"id":"a","idProperty":"hs_task_subject","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Unable to perform update/upsert by non-unique 0-27 property hs_task_subject", context: map[string][]string{"idProperty": {"hs_task_subject"}}},
		{name: "hs_object_id as idProperty", body: `{"inputs":[{"id":"1","idProperty":"hs_object_id","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Unable to perform update/upsert by non-unique 0-27 property hs_object_id"},
		{name: "unknown idProperty", body: `{"inputs":[{"id":"1","idProperty":"nope","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Unable to perform update/upsert by non-unique 0-27 property nope"},
		{name: "missing id", body: `{"inputs":[` + one + `,{"idProperty":"external_task_id","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [id] (inputs[1])", context: map[string][]string{"missingFields": {"id"}}},
		{name: "null id", body: `{"inputs":[{"id":null,"idProperty":"external_task_id","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [id] (inputs[0])"},
		{name: "empty id", body: `{"inputs":[{"id":"","idProperty":"external_task_id","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [id] (inputs[0])"},
		{name: "missing properties", body: `{"inputs":[{"id":"a","idProperty":"external_task_id"}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [properties] (inputs[0])"},
		{name: "missing inputs", body: `{"input":[]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [inputs]"},
		{name: "inputs null", body: `{"inputs":null}`, status: 400, category: hubspot.CategoryValidation,
			message: "Some required fields were not set: [inputs]"},
		{name: "id is a number", body: `{"inputs":[{"id":1,"idProperty":"external_task_id","properties":{}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 18: Cannot deserialize value of type `String` from Number value (field inputs[0].id)"},
		{name: "property value is an array", body: `{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":[1]}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 83: Cannot deserialize value of type `String` from Array value (field inputs[0].properties.hs_timestamp)"},
		{name: "properties is an array", body: `{"inputs":[{"id":"a","idProperty":"external_task_id","properties":[]}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 67: Cannot deserialize value of type `Map<String,String>` from Array value (field inputs[0].properties)"},
		{name: "properties is a string", body: `{"inputs":[{"id":"a","idProperty":"external_task_id","properties":"x\"y"}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 67: Cannot deserialize value of type `Map<String,String>` from String value (field inputs[0].properties)"},
		{name: "property value is an object after spaces", body: `{"inputs":[{"id":"a", "idProperty" : "external_task_id","properties":{"hs_timestamp":"1", "hs_task_body" : {}}}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 108: Cannot deserialize value of type `String` from Object value (field inputs[0].properties.hs_task_body)"},
		{name: "inputs is an object", body: `{"inputs":{}}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 11: Cannot deserialize value of type `ArrayList<SimplePublicObjectBatchInputUpsert>` from Object value (field inputs)"},
		{name: "input is a string", body: `{"inputs":["a"]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 12: Cannot deserialize value of type `SimplePublicObjectBatchInputUpsert` from String value (field inputs[0])"},
		{name: "body is an array", body: `[]`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 1: Cannot deserialize value of type `BatchInputSimplePublicObjectBatchInputUpsert` from Array value (field (root))"},
		{name: "malformed JSON", body: "{\n  \"inputs\": [}", status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 2, column 14: Unexpected character ('}'): expected a value"},
		{name: "unterminated", body: `{"inputs":[`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 12: Unexpected end-of-input: expected a value"},
		{name: "trailing data", body: `{"inputs":[]} {}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 15: Unexpected trailing data after the JSON value ('{')"},
		{name: "trailing comma", body: `{"inputs":[` + one + `,]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 89: Unexpected character (']'): expected a value"},
		{name: "control character in string", body: "{\"inputs\":[{\"id\":\"a\x01\"}]}", status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 20: Illegal unquoted character ((CTRL-CHAR, code 1)): has to be escaped using backslash to be included in string value"},
		{name: "bad escape", body: `{"inputs":[{"id":"\x"}]}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 20: Unrecognized character escape 'x'"},
		{name: "invalid UTF-8 outside a string", body: "{\"inputs\":[{\"id\":\"a\"\xff}]}", status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 21: Unexpected character (code 255): was expecting comma to separate Object entries"},
		{name: "deep nesting", body: `{"x":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`, status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 1005: Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"},
		{name: "empty body", body: "", status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 1: No content to map due to end-of-input"},
		{name: "whitespace body", body: " \n ", status: 400, category: hubspot.CategoryValidation,
			message: "Invalid input JSON on line 1, column 1: No content to map due to end-of-input"},
		{name: "wrong content type", body: `{"inputs":[]}`, header: map[string]string{"Content-Type": "text/plain"}, status: 415,
			category: hubspot.CategoryUnsupportedMediaType, message: "Content type 'text/plain' not supported; send Content-Type: application/json"},
		{name: "no content type", body: `{"inputs":[]}`, header: map[string]string{"Content-Type": ""}, status: 415,
			category: hubspot.CategoryUnsupportedMediaType, message: "Content type '' not supported; send Content-Type: application/json"},
		{name: "body over 10 MiB", body: `{"inputs":[],"pad":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, status: 413,
			category: hubspot.CategoryRequestTooLarge, message: "Request body is larger than 10485760 bytes"},
		{name: "unknown route", path: "/crm/v3/objects/contacts/batch/upsert", status: 404, category: CategoryResourceNotFound,
			message: "Unable to find a route for POST /crm/v3/objects/contacts/batch/upsert. The emulator serves tasks batch/upsert, batch/read, batch/archive, search and GET tasks/{taskId}."},
		{name: "wrong method", method: http.MethodGet, status: 405, category: hubspot.CategoryMethodNotAllowed, allow: "POST",
			message: "HTTP method GET is not supported by this URL; use POST"},
		{name: "wrong method on object", method: http.MethodDelete, path: "/crm/v3/objects/tasks/1", status: 405, category: hubspot.CategoryMethodNotAllowed, allow: "GET",
			message: "HTTP method DELETE is not supported by this URL; use GET"},
		{name: "no token", header: map[string]string{"Authorization": ""}, body: batchBody("x", 1, false), status: 401,
			category: hubspot.CategoryInvalidAuthentication, message: hubspot.MessageAuthNotFound},
		{name: "wrong token", header: map[string]string{"Authorization": "Bearer nope"}, body: batchBody("x", 1, false), status: 401,
			category: hubspot.CategoryInvalidAuthentication, message: hubspot.MessageAuthNotFound},
		{name: "not a bearer token", header: map[string]string{"Authorization": "Basic " + testToken}, body: batchBody("x", 1, false), status: 401,
			category: hubspot.CategoryInvalidAuthentication, message: hubspot.MessageAuthNotFound},
		{name: "read-only token writes", header: map[string]string{"Authorization": "Bearer " + testROToken}, body: batchBody("x", 1, false), status: 403,
			category: hubspot.CategoryMissingScopes, message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes."},
		{name: "read-only token archives", path: "/crm/v3/objects/tasks/batch/archive", header: map[string]string{"Authorization": "Bearer " + testROToken},
			body: `{"inputs":[{"id":"1"}]}`, status: 403, category: hubspot.CategoryMissingScopes, message: hubspot.MessageMissingScopes},
		{name: "read with non-unique idProperty", path: readPathV3, body: `{"idProperty":"hs_task_subject","inputs":[{"id":"a"}],"properties":[]}`,
			status: 400, category: hubspot.CategoryValidation, message: "Unable to perform read by non-unique 0-27 property hs_task_subject"},
		{name: "read over 100 inputs", path: readPathV3, body: `{"inputs":[` + strings.Repeat(`{"id":"1"},`, 100) + `{"id":"1"}]}`,
			status: 400, category: hubspot.CategoryValidation, message: hubspot.MessageTooManyInputs},
		{name: "read over 50 inputs with history", path: readPathV3, body: `{"inputs":[` + strings.Repeat(`{"id":"1"},`, 50) + `{"id":"1"}],"properties":[],"propertiesWithHistory":["hs_task_status"]}`,
			status: 400, category: hubspot.CategoryValidation, message: MessageTooManyInputsWithHistory},
		{name: "read without id", path: readPathV3, body: `{"inputs":[{}]}`,
			status: 400, category: hubspot.CategoryValidation, message: "Some required fields were not set: [id] (inputs[0])"},
		{name: "archive malformed", path: "/crm/v3/objects/tasks/batch/archive", body: `{"inputs":[{"id":1}]}`,
			status: 400, category: hubspot.CategoryValidation, message: "Invalid input JSON on line 1, column 18: Cannot deserialize value of type `String` from Number value (field inputs[0].id)"},
	}
	h := newHarness(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, path := tt.method, tt.path
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = upsertPathV3
			}
			r := h.do(method, path, tt.body, tt.header)
			require.Equal(t, tt.status, r.status, "body: %.300s", r.body)
			e := r.errorBody(t)
			assert.Equal(t, tt.category, e.Category)
			assert.Equal(t, tt.message, e.Message)
			for k, v := range tt.context {
				assert.Equal(t, v, e.Context[k], "context %s", k)
			}
			assert.Equal(t, tt.allow, r.header.Get("Allow"))
			assert.Equal(t, e.CorrelationID, r.header.Get(hubspot.HeaderCorrelationID))
			assert.Equal(t, "application/json;charset=utf-8", r.header.Get("Content-Type"))
		})
	}
	assert.Zero(t, h.emu.Stats().Records, "no refusal writes anything")
}

func TestEmptyInputsAnswerEmptyResults(t *testing.T) {
	h := newHarness(t)
	r := h.post(upsertPathV3, `{"inputs":[],"unknownMember":{"a":[1,2.5e3,true,false,null]}}`)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out hubspot.BatchUpsertResponse
	r.json(t, &out)
	assert.Empty(t, out.Results)
	assert.Equal(t, hubspot.BatchStatusComplete, out.Status)
}

func TestContentTypeWithParameters(t *testing.T) {
	h := newHarness(t)
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8"} {
		r := h.do(http.MethodPost, upsertPathV3, batchBody(fmt.Sprint(len(ct)), 1, false), map[string]string{"Content-Type": ct})
		assert.Equal(t, http.StatusOK, r.status, ct)
	}
}

// TestBodyLimitWithoutLength: a chunked body (no Content-Length) is held
// to MaxBodyBytes as it is read, read in small pieces: one byte over is a
// 413, a body of exactly the limit is read whole and answered (200: no
// inputs).
func TestBodyLimitWithoutLength(t *testing.T) {
	body := func(size int) string { // {"inputs":[ spaces ]}: valid JSON of any size
		return `{"inputs":[` + strings.Repeat(" ", size-len(`{"inputs":[]}`)) + `]}`
	}
	tests := []struct {
		name   string
		size   int
		status int
	}{
		{name: "one byte over the limit", size: MaxBodyBytes + 1, status: http.StatusRequestEntityTooLarge},
		{name: "far over the limit", size: 3 * MaxBodyBytes, status: http.StatusRequestEntityTooLarge},
		{name: "exactly the limit", size: MaxBodyBytes, status: http.StatusOK},
	}
	emu := New(WithToken(testToken))
	t.Cleanup(emu.Close)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, upsertPathV3, iotest.HalfReader(strings.NewReader(body(tt.size))))
			req.ContentLength = -1
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, req)
			assert.Equal(t, tt.status, rec.Code, "%.300s", rec.Body.String())
		})
	}
}
