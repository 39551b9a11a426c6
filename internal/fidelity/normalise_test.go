package fidelity

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func jsonBody(s string) *Body { return &Body{JSON: json.RawMessage(s)} }

func answer(body string) rawExchange {
	return rawExchange{
		at: time.Unix(1_780_000_000, 0), method: http.MethodPost, path: "/crm/v3/objects/tasks/batch/upsert",
		reqHeader: http.Header{"Authorization": {"Bearer " + testToken}}, answered: true, status: 200,
		respHeader: http.Header{"Content-Type": {"application/json"}}, respBody: []byte(body),
	}
}

// Ids become the same placeholder wherever they appear: result ids,
// hs_object_id, url fields, later request bodies and paths; portal ids in
// url fields, portalId keys (a number stays a number) and messages.
func TestNormaliserIDsAreConsistentAcrossExchanges(t *testing.T) {
	n := newNormaliser("ext_key")
	n.addSecret(testToken, placeholderToken)
	first := n.exchange(answer(`{"results":[`+
		`{"id":"48000000002","properties":{"hs_object_id":"48000000002","ext_key":"k2"},"objectWriteTraceId":"t2","url":"https://app.hubspot.com/contacts/4471234/record/0-27/48000000002"},`+
		`{"id":"48000000001","properties":{"hs_object_id":"48000000001","ext_key":"k1"},"objectWriteTraceId":"t1","url":"https://app.hubspot.com/contacts/4471234/record/0-27/48000000001"}]}`), 1, testToken, "")
	assert.JSONEq(t, `{"results":[`+
		`{"id":"{{record-2}}","properties":{"hs_object_id":"{{record-2}}","ext_key":"k2"},"objectWriteTraceId":"t2","url":"https://app.hubspot.com/contacts/{{portal-1}}/record/0-27/{{record-2}}"},`+
		`{"id":"{{record-1}}","properties":{"hs_object_id":"{{record-1}}","ext_key":"k1"},"objectWriteTraceId":"t1","url":"https://app.hubspot.com/contacts/{{portal-1}}/record/0-27/{{record-1}}"}]}`,
		string(first.Response.Body.JSON), "numbered by trace id, not by answer order")

	later := answer(`{"status":"error","message":"Property values were not valid: [{\"portalId\":4471234,\"name\":\"x\"}] in portal ID 4471234 for 48000000001","portalId":4471234,"context":{"id":["48000000002"]}}`)
	later.path = "/crm/v3/objects/tasks/48000000001?archived=false&after=48000000002"
	later.reqBody = []byte(`{"inputs":[{"id":"48000000001"},{"id":"48000000002"}]}`)
	second := n.exchange(later, 2, testToken, "")
	assert.Equal(t, "/crm/v3/objects/tasks/{{record-1}}?archived=false&after={{record-2}}", second.Request.Path)
	assert.JSONEq(t, `{"inputs":[{"id":"{{record-1}}"},{"id":"{{record-2}}"}]}`, string(second.Request.Body.JSON))
	assert.JSONEq(t, `{"status":"error","message":"Property values were not valid: [{\"portalId\":{{portal-1}},\"name\":\"x\"}] in portal ID {{portal-1}} for {{record-1}}","portalId":1,"context":{"id":["{{record-2}}"]}}`,
		string(second.Response.Body.JSON))
	assert.Equal(t, []string{"Bearer {{token}}"}, second.Request.Header["Authorization"])
}

// Two targets that answer the same results in different orders, with
// different ids, get the same placeholders: the replay depends on it.
func TestNormaliserNumbersIndependentlyOfOrder(t *testing.T) {
	results := func(ids, traces []string) string {
		var parts []string
		for i := range ids {
			parts = append(parts, `{"id":"`+ids[i]+`","properties":{"k":"v"},"objectWriteTraceId":"`+traces[i]+`"}`)
		}
		return `{"results":[` + strings.Join(parts, ",") + `]}`
	}
	a := newNormaliser("k").exchange(answer(results([]string{"901", "902", "903"}, []string{"a", "b", "c"})), 1, "", "")
	b := newNormaliser("k").exchange(answer(results([]string{"77", "55", "66"}, []string{"c", "a", "b"})), 1, "", "")
	ids := func(ex Exchange) map[string]string {
		var v struct {
			Results []struct{ ID, ObjectWriteTraceID string }
		}
		require.NoError(t, json.Unmarshal(ex.Response.Body.JSON, &v))
		m := map[string]string{}
		for _, r := range v.Results {
			m[r.ObjectWriteTraceID] = r.ID
		}
		return m
	}
	assert.Equal(t, map[string]string{"a": "{{record-1}}", "b": "{{record-2}}", "c": "{{record-3}}"}, ids(a))
	assert.Equal(t, ids(a), ids(b))
}

func TestNormaliserText(t *testing.T) {
	n := newNormaliser("")
	n.assign(kindRecord, "48000000001")
	n.assign(kindRecord, "42") // too short to be replaced inside a text
	tests := []struct{ name, in, want string }{
		{"whole value", "48000000001", "{{record-1}}"},
		{"whole short value", "42", "{{record-2}}"},
		{"embedded", "record 48000000001 was archived", "record {{record-1}} was archived"},
		{"embedded short id left alone", "v42 of 42 items", "v42 of 42 items"},
		{"inside a longer number left alone", "1480000000012", "1480000000012"},
		{"twice", "48000000001,48000000001", "{{record-1}},{{record-1}}"},
		{"no ids", "nothing to see", "nothing to see"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, n.text(tt.in)) })
	}
	assert.Equal(t, "/crm/v3/objects/tasks/{{record-2}}", n.path("/crm/v3/objects/tasks/42"), "a short id as a whole path segment")
	assert.Equal(t, "/crm/v42/x", n.path("/crm/v42/x"))
}

// resolve sends the replay's ids and tokens; an id the replay never saw is
// bound to a made-up one, which maps back to the same placeholder.
func TestNormaliserResolve(t *testing.T) {
	n := newNormaliser("")
	n.assign(kindRecord, "48000000007")
	tokens := map[string]string{placeholderToken: "tok-main"}
	assert.Equal(t, "Bearer tok-main", n.resolve("Bearer {{token}}", tokens))
	assert.Equal(t, "/tasks/48000000007", n.resolve("/tasks/{{record-1}}", tokens))
	made := n.resolve("/tasks/{{record-5}}", tokens)
	assert.Equal(t, "/tasks/990000000005", made)
	assert.Equal(t, "{{record-5}}", n.text("990000000005"))
	n.assign(kindRecord, "48000000008")
	assert.Equal(t, "{{record-6}}", n.text("48000000008"), "numbering continues after a bound placeholder")
	assert.Equal(t, "Bearer ub-replay-other-token-1", n.resolve("Bearer {{other-token-1}}", tokens))
	assert.Equal(t, "no placeholders {{here}}", n.resolve("no placeholders {{here}}", tokens))
}

func TestRewriteJSONKeepsUntouchedBytes(t *testing.T) {
	src := `{ "b" : "x\u00e9\"y",  "a":[1, -2.5e3, 48000000001, "48000000001"], "48000000001": null }`
	id := func(s string) string { return s }
	assert.Equal(t, src, string(rewriteJSON([]byte(src), id, id)))
	got := rewriteJSON([]byte(src), func(s string) string {
		if s == "48000000001" {
			return "{{record-1}}"
		}
		return s
	}, func(num string) string {
		if num == "48000000001" {
			return "1"
		}
		return num
	})
	assert.Equal(t, `{ "b" : "x\u00e9\"y",  "a":[1, -2.5e3, 1, "{{record-1}}"], "{{record-1}}": null }`, string(got))
}

// FuzzRewriteJSON: the identity rewrite gives the input back byte for
// byte, and a rewrite of every string keeps valid JSON valid.
func FuzzRewriteJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `"a"`, `{"a":[1,2,{"b":"c\\"d"}]}`, `{"x":"\u2028<>&"}`, `-0.5e-7`, `[true,false,null]`, `{"k":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !json.Valid(src) {
			return
		}
		id := func(s string) string { return s }
		require.Equal(t, string(src), string(rewriteJSON(src, id, id)))
		out := rewriteJSON(src, func(s string) string { return "<" + s + "\"}" }, id)
		require.True(t, json.Valid(out), "%q → %q", src, out)
	})
}

// FuzzRecordedExchangeHoldsNoToken: whatever the target answers, and
// wherever it echoes the token (body, header, message), the recorded file
// holds no spelling of a realistic token.
func FuzzRecordedExchangeHoldsNoToken(f *testing.F) {
	f.Add("pat-na1-11111111-2222-3333-4444-555555555555", []byte(`{"a":"b"}`), "x", uint8(0))
	f.Add("ub-local-0123456789abcdef", []byte(`not json`), "", uint8(3))
	f.Add("AAAAAAAAAAAAAAAAAAAA", []byte(`{"results":[{"id":"123456","properties":{}}]}`), "AAAA", uint8(7))
	f.Fuzz(func(t *testing.T, token string, body []byte, header string, where uint8) {
		if len(token) < 16 || strings.Trim(token, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return // tokens are long and URL-safe: HubSpot's, the emulator's
		}
		if where&1 != 0 {
			body = append(append(body, token...), body...)
		}
		if where&2 != 0 {
			header += token
		}
		raw := answer(string(body))
		raw.reqHeader = http.Header{"Authorization": {"Bearer " + token}, "X-Other": {header}}
		raw.respHeader = http.Header{"X-Echo": {header}, "Content-Type": {"application/json"}}
		if where&4 != 0 {
			raw.path += "?hapikey=" + token
			raw.err = "echo " + token
		}
		n := newNormaliser("id")
		n.addSecret(token, placeholderToken)
		data, err := encodeFile(n.exchange(raw, 1, token, ""))
		require.NoError(t, err)
		require.Empty(t, n.leak(data))
		require.NotContains(t, string(data), token)
	})
}
