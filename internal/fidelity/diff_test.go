package fidelity

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

func resp(status int, header http.Header, body string) Exchange {
	r := &Response{Status: status, Header: header}
	if body != "" {
		r.Body = newBody([]byte(body), false)
	}
	return Exchange{Response: r}
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json;charset=utf-8"}} }

// Hand-written pairs with the differences a person would list for them:
// the reference is the reading of the two answers, not the code.
func TestCompare(t *testing.T) {
	errBody := func(msg, ctx string) string {
		return `{"status":"error","message":"` + msg + `","correlationId":"0190f7d2-6c1e-7a3b-9c4d-5e6f7a8b9c0d","category":"VALIDATION_ERROR","context":` + ctx + `}`
	}
	tests := []struct {
		name       string
		rec, emu   Exchange
		allHeaders bool
		want       []Difference
	}{
		{"same answer", resp(200, jsonHeader(), `{"a":1}`), resp(200, jsonHeader(), `{"a":2}`), false, nil},
		{"status", resp(404, nil, ""), resp(405, nil, ""), false,
			[]Difference{{Kind: KindStatus, Recorded: "404", Emulator: "405"}}},
		{"no recorded answer", Exchange{Error: "connection reset"}, resp(200, nil, ""), false,
			[]Difference{{Kind: KindTransport, Recorded: "no answer: connection reset", Emulator: "200"}}},
		{"neither answered", Exchange{Error: "a"}, Exchange{Error: "b"}, false, nil},
		{"header names, transport headers ignored",
			resp(200, http.Header{"X-Hubspot-Ratelimit-Max": {"190"}, "Cf-Ray": {"x"}, "Date": {"d"}, "X-Hubspot-Correlation-Id": {"c"}}, ""),
			resp(200, http.Header{"X-Hubspot-Ratelimit-Max": {"100"}, "Retry-After": {"1"}, "Content-Length": {"0"}}, ""), false,
			[]Difference{{Kind: KindHeaderMissing, Where: "X-Hubspot-Correlation-Id"}, {Kind: KindHeaderExtra, Where: "Retry-After"}}},
		{"all headers",
			resp(200, http.Header{"Cf-Ray": {"x"}, "Date": {"d"}}, ""),
			resp(200, http.Header{"Date": {"e"}, "Content-Length": {"0"}}, ""), true,
			[]Difference{{Kind: KindHeaderMissing, Where: "Cf-Ray"}, {Kind: KindHeaderExtra, Where: "Content-Length"}}},
		{"media type, parameters ignored",
			resp(200, http.Header{"Content-Type": {"text/html"}}, ""), resp(200, jsonHeader(), ""), false,
			[]Difference{{Kind: KindContentType, Where: "Content-Type", Recorded: "text/html", Emulator: "application/json"}}},
		{"charset only", resp(200, http.Header{"Content-Type": {"application/json"}}, ""), resp(200, jsonHeader(), ""), false, nil},
		{"body kinds", resp(405, nil, "Method Not Allowed"), resp(405, nil, `{"status":"error"}`), false,
			[]Difference{{Kind: KindBody, Recorded: "non-JSON", Emulator: "JSON"}}},
		{"empty body", resp(204, nil, ""), resp(204, nil, "{}"), false,
			[]Difference{{Kind: KindBody, Recorded: "empty", Emulator: "JSON"}}},
		{"keys, nested, escaped",
			resp(200, nil, `{"results":[{"id":"1","properties":{"hs_task_status":"NOT_STARTED","a/b~c":"x"}}]}`),
			resp(200, nil, `{"results":[{"id":"1","properties":{"hs_body_preview":""}}],"links":{}}`), false,
			[]Difference{
				{Kind: KindKeyExtra, Where: "/links", Emulator: "object"},
				{Kind: KindKeyMissing, Where: "/results[]/properties/a~1b~0c", Recorded: "string"},
				{Kind: KindKeyMissing, Where: "/results[]/properties/hs_task_status", Recorded: "string"},
				{Kind: KindKeyExtra, Where: "/results[]/properties/hs_body_preview", Emulator: "string"},
			}},
		{"types", resp(200, nil, `{"n":1,"s":"1","z":null,"o":{},"arr":[1]}`), resp(200, nil, `{"n":"1","s":1,"z":"x","o":[],"arr":{}}`), false,
			[]Difference{
				{Kind: KindType, Where: "/arr", Recorded: "array", Emulator: "object"},
				{Kind: KindType, Where: "/n", Recorded: "number", Emulator: "string"},
				{Kind: KindType, Where: "/o", Recorded: "object", Emulator: "array"},
				{Kind: KindType, Where: "/s", Recorded: "string", Emulator: "number"},
				{Kind: KindType, Where: "/z", Recorded: "null", Emulator: "string"},
			}},
		{"arrays by the union of their elements",
			resp(200, nil, `{"r":[{"a":1},{"b":"x"},{"a":2}]}`), resp(200, nil, `{"r":[{"a":3,"b":"y"}]}`), false, nil},
		{"element types", resp(200, nil, `{"r":[1,"a"]}`), resp(200, nil, `{"r":["a","b","c"]}`), false,
			[]Difference{{Kind: KindType, Where: "/r[]", Recorded: "number|string", Emulator: "string"}}},
		{"empty array", resp(207, nil, `{"results":[],"errors":[]}`), resp(207, nil, `{"results":[{"id":"1"}],"errors":[]}`), false,
			[]Difference{{Kind: KindArrayEmpty, Where: "/results", Recorded: "empty", Emulator: "with elements"}}},
		{"error texts compared after volatile values",
			resp(400, nil, errBody("Bad at 2026-11-28T13:30:55.123Z, id 0190f7d2-6c1e-7a3b-9c4d-5e6f7a8b9c0d", `{"properties":["hs_timestamp"]}`)),
			resp(400, nil, errBody("Bad at 2026-12-01T00:00:00Z, id 7c9e6679-7425-40de-944b-e07fc1f90ae7", `{"properties":["x"]}`)), false, nil},
		{"error message and context keys",
			resp(400, nil, errBody("Error creating TASK. Some required properties were not set.", `{"properties":["hs_timestamp"]}`)),
			resp(400, nil, errBody("Some required fields were not set: [hs_timestamp]", `{"missingFields":["hs_timestamp"]}`)), false,
			[]Difference{
				{Kind: KindErrorText, Where: "/message", Recorded: "Error creating TASK. Some required properties were not set.", Emulator: "Some required fields were not set: [hs_timestamp]"},
				{Kind: KindErrorContext, Where: "/context", Recorded: "keys properties", Emulator: "keys missingFields"},
			}},
		{"context value type", resp(400, nil, errBody("m", `{"ids":["1"]}`)), resp(400, nil, errBody("m", `{"ids":"1"}`)), false,
			[]Difference{{Kind: KindErrorContext, Where: "/context/ids", Recorded: "array of string", Emulator: "string"}}},
		{"message of a 2xx is data, not an error text", resp(200, nil, `{"message":"a"}`), resp(200, nil, `{"message":"b"}`), false, nil},
		{"207 errors matched by trace id, in any order",
			resp(207, nil, `{"errors":[`+
				`{"message":"X was not one of the allowed options","category":"VALIDATION_ERROR","context":{"objectWriteTraceId":["t1"]}},`+
				`{"message":"Property \"y\" does not exist","category":"VALIDATION_ERROR","context":{"objectWriteTraceId":["t2"]}}]}`),
			resp(207, nil, `{"errors":[`+
				`{"message":"Property \"y\" does not exist","category":"VALIDATION_ERROR","context":{"objectWriteTraceId":["t2"]}},`+
				`{"message":"X is not allowed","category":"VALIDATION_ERROR","context":{"objectWriteTraceId":["t1"],"propertyName":["p"]}}]}`), false,
			[]Difference{
				{Kind: KindErrorText, Where: "/errors[t1]/message", Recorded: "X was not one of the allowed options", Emulator: "X is not allowed"},
				{Kind: KindErrorContext, Where: "/errors[t1]/context", Recorded: "keys objectWriteTraceId", Emulator: "keys objectWriteTraceId, propertyName"},
			}},
		{"error count, and errors without trace ids paired by text",
			resp(400, nil, `{"status":"error","message":"m","errors":[{"message":"b","code":"X"},{"message":"a","code":"Y"}]}`),
			resp(400, nil, `{"status":"error","message":"m","errors":[{"message":"a","code":"Z"}]}`), false,
			[]Difference{
				{Kind: KindErrorCount, Where: "/errors[]", Recorded: "2", Emulator: "1"},
				{Kind: KindErrorText, Where: "/errors[0]/code", Recorded: "Y", Emulator: "Z"},
			}},
		{"429 policy", resp(429, nil, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`),
			resp(429, nil, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`), false,
			[]Difference{
				{Kind: KindErrorText, Where: "/message", Recorded: "You have reached your daily limit.", Emulator: "You have reached your ten_secondly_rolling limit."},
				{Kind: KindErrorText, Where: "/policyName", Recorded: "DAILY", Emulator: "TEN_SECONDLY_ROLLING"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, compare(tt.rec, tt.emu, tt.allHeaders))
		})
	}
}

func TestStable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"correlation 0190f7d2-6c1e-7a3b-9c4d-5e6f7a8b9c0d", "correlation {{uuid}}"},
		{"at 2026-11-28T13:30:55.123Z and 2026-11-28T13:30:55Z", "at {{timestamp}} and {{timestamp}}"},
		{"at 2026-11-28 13:30+01:00", "at {{timestamp}}"},
		{"on 2026-11-28", "on {{date}}"},
		{"resets at 00:00:00", "resets at {{time}}"},
		{"epoch 1764684000000 / 1764684000", "epoch {{epoch-ms}} / {{epoch-s}}"},
		{"trace 5f2b9c0d1e3a4b6c7d8e", "trace {{hex}}"},
		{"wait at least 2 s, at most 100 inputs", "wait at least 2 s, at most 100 inputs"},
		{"record {{record-3}} in portal ID {{portal-1}}", "record {{record-3}} in portal ID {{portal-1}}"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, stable(tt.in), tt.in)
	}
}

func TestIgnoredHeader(t *testing.T) {
	for _, h := range []string{"date", "Content-Length", "CF-RAY", "cf-cache-status", "x-envoy-upstream-service-time", "Set-Cookie", "Access-Control-Allow-Origin", "x-trace"} {
		assert.True(t, IgnoredHeader(h), h)
	}
	for _, h := range []string{"X-HubSpot-RateLimit-Max", "X-HubSpot-Correlation-Id", "Retry-After", "Content-Type", "Allow", "Location"} {
		assert.False(t, IgnoredHeader(h), h)
	}
}
