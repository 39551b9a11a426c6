package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestBodySyntaxEdgeCases pins the answers to the bodies where a hand-written
// JSON reader most easily parts from encoding/json: NUL bytes, a byte order
// mark, whitespace JSON does not allow, nesting at the limit, invalid UTF-8
// and lone surrogates (which encoding/json accepts, decoding them to
// U+FFFD). FuzzBodiesAgreeWithEncodingJSON is the general proof.
func TestBodySyntaxEdgeCases(t *testing.T) {
	one := `{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":"1","hs_task_subject":"s"}}`
	valid := `{"inputs":[` + one + `]}`
	withSubject := func(subject string) string {
		return `{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":"1","hs_task_subject":"` + subject + `"}}]}`
	}
	nested := func(n int) string {
		return `{"inputs":[` + one + `],"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
	}
	const betweenTokens = "only regular white space (\\r, \\n, \\t) is allowed between tokens"
	end := strconv.Itoa(len(valid) + 1) // the column after the valid body
	subjectAt := strconv.Itoa(strings.Index(withSubject("x"), `"x"`) + 2)
	tests := []struct {
		name    string
		body    string
		status  int
		message string // for 400
		subject string // for 200: the subject as encoding/json decodes the body
	}{
		{name: "NUL after a valid body", body: valid + "\x00garbage", status: 400,
			message: "Invalid input JSON on line 1, column " + end + ": Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "NUL alone after a valid body", body: valid + "\x00", status: 400,
			message: "Invalid input JSON on line 1, column " + end + ": Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "NUL after trailing whitespace", body: valid + "\r\n\x00", status: 400,
			message: "Invalid input JSON on line 2, column 1: Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "leading NUL", body: "\x00" + valid, status: 400,
			message: "Invalid input JSON on line 1, column 1: Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "NUL between tokens", body: `{"inputs":` + "\x00" + `[]}`, status: 400,
			message: "Invalid input JSON on line 1, column 11: Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "NUL before a field name", body: "{\x00\"inputs\":[]}", status: 400,
			message: "Invalid input JSON on line 1, column 2: Illegal character ((CTRL-CHAR, code 0)): " + betweenTokens},
		{name: "raw NUL inside a string", body: withSubject("\x00b"), status: 400,
			message: "Invalid input JSON on line 1, column " + subjectAt + ": Illegal unquoted character ((CTRL-CHAR, code 0)): has to be escaped using backslash to be included in string value"},
		{name: "escaped NUL inside a string", body: withSubject(`a\u0000b`), status: 200, subject: "a\x00b"},
		{name: "byte order mark", body: "\xef\xbb\xbf" + valid, status: 400,
			message: "Invalid input JSON on line 1, column 1: Unexpected byte order mark (U+FEFF) before the JSON value: send the body without one"},
		{name: "byte order mark inside a string", body: withSubject("\xef\xbb\xbfx"), status: 200, subject: "\ufeffx"},
		{name: "form feed between tokens", body: "{\f\"inputs\":[]}", status: 400,
			message: "Invalid input JSON on line 1, column 2: Illegal character ((CTRL-CHAR, code 12)): " + betweenTokens},
		{name: "all four whitespace characters", body: strings.ReplaceAll(valid, ",", " \t\r\n,\r\n\t ") + "\r\n", status: 200, subject: "s"},
		{name: "nesting at the limit", body: nested(maxDepth), status: 200, subject: "s"},
		{name: "nesting over the limit", body: nested(maxDepth + 1), status: 400,
			message: "Invalid input JSON on line 1, column " + strconv.Itoa(len(`{"inputs":[`+one+`],"x":`)+maxDepth) + ": Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)"},
		{name: "invalid UTF-8 in a string", body: withSubject("caf\xe9"), status: 200, subject: "caf\ufffd"},
		{name: "truncated UTF-8 sequence", body: withSubject("\xf0\x9f\x98"), status: 200, subject: "\ufffd\ufffd\ufffd"},
		{name: "surrogate encoded as UTF-8", body: withSubject("\xed\xa0\x80"), status: 200, subject: "\ufffd\ufffd\ufffd"},
		{name: "invalid UTF-8 next to escapes", body: withSubject(`\n` + "\xff" + `\"`), status: 200, subject: "\n\ufffd\""},
		{name: "invalid UTF-8 outside strings", body: `{"inputs":[]` + "\xff}", status: 400,
			message: "Invalid input JSON on line 1, column 13: Unexpected character (code 255): was expecting comma to separate Object entries"},
		{name: "lone high surrogate", body: withSubject(`\ud800`), status: 200, subject: "\ufffd"},
		{name: "lone low surrogate", body: withSubject(`x\udc00y`), status: 200, subject: "x\ufffdy"},
		{name: "high surrogate before a letter", body: withSubject(`\ud800\u0041`), status: 200, subject: "\ufffdA"},
		{name: "surrogate pair", body: withSubject(`\uD83D\uDE00`), status: 200, subject: "😀"},
		{name: "surrogates reversed", body: withSubject(`\udc00\ud800`), status: 200, subject: "\ufffd\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, WithPreserveOrder(true))
			r := h.post(upsertPathV3, tt.body)
			require.Equal(t, tt.status, r.status, "body: %s", r.body)
			assert.True(t, utf8.Valid(r.body), "the answer is valid UTF-8: %q", r.body)
			if tt.status != 200 {
				e := r.errorBody(t)
				assert.Equal(t, hubspot.CategoryValidation, e.Category)
				assert.Equal(t, tt.message, e.Message)
				assert.Zero(t, h.emu.Stats().Records, "a refused body writes nothing")
				return
			}
			var out hubspot.BatchUpsertResponse
			r.json(t, &out)
			require.Len(t, out.Results, 1)
			assert.Equal(t, tt.subject, out.Results[0].Properties[hubspot.PropTaskSubject])
			_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTaskSubject}, "a")
			require.Len(t, read.Results, 1)
			assert.Equal(t, tt.subject, read.Results[0].Properties[hubspot.PropTaskSubject], "reads agree with the answer")
		})
	}
}

// TestIrregularStringsAreKeysAsDecoded checks that ids with invalid UTF-8
// or lone surrogates name the record encoding/json would name: the
// decoded value (with U+FFFD) is the key, and answers carry it as valid
// JSON, never the irregular bytes or a lone surrogate escape.
func TestIrregularStringsAreKeysAsDecoded(t *testing.T) {
	tests := []struct{ name, id, trace string }{
		{"lone surrogate", `x\ud800`, `t\udfff`},
		{"invalid UTF-8", "x\xff", "t\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			body := `{"inputs":[{"id":"` + tt.id + `","idProperty":"external_task_id","objectWriteTraceId":"` + tt.trace + `","properties":{"hs_timestamp":"1"}}]}`
			r := h.post(upsertPathV3, body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			assert.True(t, utf8.Valid(r.body), "%q", r.body)
			assert.NotContains(t, string(r.body), `\ud800`)
			assert.NotContains(t, string(r.body), `\udfff`)
			var out hubspot.BatchUpsertResponse
			r.json(t, &out)
			require.Len(t, out.Results, 1)
			assert.Equal(t, "x\ufffd", out.Results[0].Properties[hubspot.DefaultIDProperty])
			assert.Equal(t, "t\ufffd", out.Results[0].ObjectWriteTraceID)
			_, again := h.upsert(hubspot.UpsertInput{ID: "x\ufffd", IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{}})
			require.Len(t, again.Results, 1)
			assert.False(t, again.Results[0].New, "the decoded id names the same record")
			assert.Equal(t, out.Results[0].ID, again.Results[0].ID)
		})
	}
}

// TestDuplicateKeysLastOneWins: HubSpot reads bodies with Jackson, which
// keeps the last of repeated member names (as encoding/json does), so a
// repeated key is judged by its last value only, at every level.
func TestDuplicateKeysLastOneWins(t *testing.T) {
	input := func(members string) string { return `{"inputs":[{` + members + `}]}` }
	props := func(p string) string {
		return input(`"id":"a","idProperty":"external_task_id","properties":{` + p + `}`)
	}
	tests := []struct {
		name    string
		body    string
		status  int
		code    string            // the error code of a 400
		message string            // or its message, for a 400 without errors
		want    map[string]string // properties of the result (subset)
		id      string            // the result's unique value, when not "a"
		trace   string
	}{
		{name: "invalid value, then a valid one", body: props(`"hs_timestamp":"1","hs_task_status":"SOON","hs_task_status":"WAITING"`),
			status: 200, want: map[string]string{hubspot.PropTaskStatus: "WAITING"}},
		{name: "valid value, then an invalid one", body: props(`"hs_timestamp":"1","hs_task_status":"WAITING","hs_task_status":"SOON"`),
			status: 400, code: hubspot.CodeInvalidOption},
		{name: "invalid timestamp, then a valid one", body: props(`"hs_timestamp":"soon","hs_timestamp":"1"`),
			status: 200},
		{name: "timestamp, then cleared on create", body: props(`"hs_timestamp":"1","hs_timestamp":""`),
			status: 400, message: hubspot.MessageRequiredPropertiesNotSet},
		{name: "cleared timestamp, then set", body: props(`"hs_timestamp":"","hs_timestamp":"1"`),
			status: 200},
		{name: "plain and escaped spelling of one key", body: props(`"hs_timestamp":"1","hs_task_subject":"plain","hs_task_\u0073ubject":"escaped"`),
			status: 200, want: map[string]string{hubspot.PropTaskSubject: "escaped"}},
		{name: "unique property differing, then equal to the id", body: props(`"hs_timestamp":"1","external_task_id":"b","external_task_id":"a"`),
			status: 200},
		{name: "unique property equal to the id, then differing", body: props(`"hs_timestamp":"1","external_task_id":"a","external_task_id":"b"`),
			status: 400, code: hubspot.CodeReadOnlyValue},
		{name: "unknown property twice", body: props(`"hs_timestamp":"1","nope":"1","nope":"2"`),
			status: 400, code: hubspot.CodePropertyDoesntExist},
		{name: "read-only property, then a valid one", body: props(`"hs_timestamp":"1","hs_object_id":"1","hs_task_subject":"x","hs_task_subject":"y"`),
			status: 400, code: hubspot.CodeReadOnlyValue},
		{name: "id twice", body: input(`"id":"first","idProperty":"external_task_id","id":"second","properties":{"hs_timestamp":"1"}`),
			status: 200, id: "second"},
		{name: "trace id twice", body: input(`"id":"a","objectWriteTraceId":"t1","idProperty":"external_task_id","objectWriteTraceId":"t2","properties":{"hs_timestamp":"1"}`),
			status: 200, trace: "t2"},
		{name: "properties twice", body: input(`"id":"a","idProperty":"external_task_id","properties":{"hs_task_subject":"gone"},"properties":{"hs_timestamp":"1","hs_task_body":"kept"}`),
			status: 200, want: map[string]string{hubspot.PropTaskBody: "kept"}},
		{name: "inputs twice", body: `{"inputs":[{"id":"gone","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}],"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":"1"}}]}`,
			status: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.post(upsertPathV3, tt.body)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			if tt.status != 200 {
				e := r.errorBody(t)
				if tt.message != "" {
					assert.Equal(t, tt.message, e.Message)
					return
				}
				require.Len(t, e.Errors, 1, "one error per property, however often it was repeated: %s", r.body)
				assert.Equal(t, tt.code, e.Errors[0].Code)
				return
			}
			var out hubspot.BatchUpsertResponse
			r.json(t, &out)
			require.Len(t, out.Results, 1)
			res := out.Results[0]
			id := tt.id
			if id == "" {
				id = "a"
			}
			assert.Equal(t, id, res.Properties[hubspot.DefaultIDProperty])
			assert.Equal(t, tt.trace, res.ObjectWriteTraceID)
			for k, v := range tt.want {
				assert.Equal(t, v, res.Properties[k], k)
			}
			if tt.name == "properties twice" {
				assert.NotContains(t, res.Properties, hubspot.PropTaskSubject, "the first properties object is gone")
			}
			assert.Equal(t, int64(1), h.emu.Stats().Records)
		})
	}
}
