package contract

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const checkTestRequest = `{"inputs":[
 {"id":"ub-1","idProperty":"external_task_id","objectWriteTraceId":"t1","properties":{"hs_task_subject":"Call Acme","hs_timestamp":"1764331200000"}},
 {"id":"ub-2","idProperty":"external_task_id","objectWriteTraceId":"t2","properties":{"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"}}]}`

// checkTestResult renders one result; fields are spliced as raw JSON.
func checkTestResult(id, key, trace, props, created, updated string, isNew bool) string {
	n := "false"
	if isNew {
		n = "true"
	}
	s := `{"id":"` + id + `","properties":{"external_task_id":"` + key + `"` + props + `},"createdAt":"` + created + `","updatedAt":"` + updated + `","archived":false,"new":` + n
	if trace != "" {
		s += `,"objectWriteTraceId":"` + trace + `"`
	}
	return s + "}"
}

var (
	okResult1 = checkTestResult("101", "ub-1", "t1", `,"hs_task_subject":"Call Acme","hs_timestamp":"2025-11-28T12:00:00.000Z"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)
	okResult2 = checkTestResult("102", "ub-2", "t2", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)
)

func batchBody(status string, results []string, extra string) string {
	return `{"status":"` + status + `","results":[` + strings.Join(results, ",") + `],"requestedAt":"2026-11-28T12:00:00.100Z","startedAt":"2026-11-28T12:00:00.101Z","completedAt":"2026-11-28T12:00:00.131Z"` + extra + `}`
}

func upsertExchange(status int, req, resp string) Exchange {
	h := http.Header{}
	h.Set("Content-Type", "application/json;charset=utf-8")
	return Exchange{
		Method: http.MethodPost, Path: "/crm/v3/objects/tasks/batch/upsert",
		RequestBody: []byte(req), StatusCode: status, ResponseHeader: h, ResponseBody: []byte(resp),
	}
}

// failedChecks runs the semantic per-exchange checks and names the ones
// that reported findings.
func failedChecks(raw Exchange) []CheckName {
	ex := parseExchange(raw)
	var out []CheckName
	for _, c := range semanticExchangeChecks {
		if !c.applies(ex) {
			continue
		}
		if fs := c.run(ex); len(fs) > 0 {
			out = append(out, c.name)
			for _, f := range fs {
				if f.Check != c.name {
					panic("finding of " + string(f.Check) + " from check " + string(c.name))
				}
			}
		}
	}
	return out
}

func TestSemanticExchangeChecks(t *testing.T) {
	const errEntry = `{"status":"error","category":"VALIDATION_ERROR","message":"Property values were not valid","context":{"objectWriteTraceId":["t2"],"propertyName":["hs_task_priority"]}}`
	tests := []struct {
		name string
		ex   Exchange
		want []CheckName
	}{
		{"valid 200", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1, okResult2}, "")), nil},
		{"result order reversed", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult2, okResult1}, "")), nil},
		{"unknown extra fields", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1, okResult2}, `,"links":{},"x-extra":{"a":1}`)), nil},
		{"valid 207", upsertExchange(207, checkTestRequest, batchBody("COMPLETE", []string{okResult1}, `,"numErrors":1,"errors":[`+errEntry+`]`)), nil},
		{"wrong content type", func() Exchange {
			ex := upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1, okResult2}, ""))
			ex.ResponseHeader.Set("Content-Type", "text/plain")
			return ex
		}(), []CheckName{CheckContentType}},
		{"status not in enum", upsertExchange(200, checkTestRequest, batchBody("DONE", []string{okResult1, okResult2}, "")), []CheckName{CheckBatchStatus}},
		{"status pending", upsertExchange(200, checkTestRequest, batchBody("PENDING", []string{okResult1, okResult2}, "")), []CheckName{CheckBatchStatus}},
		{"garbage timestamp", upsertExchange(200, checkTestRequest, strings.Replace(batchBody("COMPLETE", []string{okResult1, okResult2}, ""), "2026-11-28T12:00:00.131Z", "yesterday", 1)), []CheckName{CheckTimestamps}},
		{"completed before started", upsertExchange(200, checkTestRequest, strings.Replace(batchBody("COMPLETE", []string{okResult1, okResult2}, ""), "2026-11-28T12:00:00.131Z", "2026-11-28T11:00:00.000Z", 1)), []CheckName{CheckTimestamps}},
		{"created after updated", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("102", "ub-2", "t2", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T13:00:00.000Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckTimestamps}},
		{"result missing", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1}, "")), []CheckName{CheckAccounting}},
		{"result duplicated", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1, okResult2, okResult2}, "")), []CheckName{CheckAccounting}},
		{"numErrors mismatch", upsertExchange(207, checkTestRequest, batchBody("COMPLETE", []string{okResult1}, `,"numErrors":2,"errors":[`+errEntry+`]`)), []CheckName{CheckAccounting}},
		{"200 with errors", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1}, `,"numErrors":1,"errors":[`+errEntry+`]`)), []CheckName{CheckAccounting}},
		{"unknown trace id", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("102", "ub-2", "t9", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckAccounting, CheckTraceIDs}},
		{"trace id dropped", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("102", "ub-2", "", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckTraceIDs}},
		{"id not digits", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("task-102", "ub-2", "t2", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckResultFields}},
		{"empty id", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("", "ub-2", "t2", `,"hs_task_subject":"Email Bo","hs_task_priority":"HIGH"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckResultFields}},
		{"archived live record", upsertExchange(200, checkTestRequest, strings.Replace(batchBody("COMPLETE", []string{okResult1, okResult2}, ""), `"archived":false`, `"archived":true`, 1)), []CheckName{CheckResultFields}},
		{"due date echoed as the same instant in ISO 8601", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{
			checkTestResult("101", "ub-1", "t1", `,"hs_task_subject":"Call Acme","hs_timestamp":"2025-11-28T12:00:00Z"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true), okResult2}, "")), nil},
		{"due date echoed a second off", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{
			checkTestResult("101", "ub-1", "t1", `,"hs_task_subject":"Call Acme","hs_timestamp":"2025-11-28T12:00:01Z"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true), okResult2}, "")), []CheckName{CheckEcho}},
		{"batch times inside the call", timedExchange(0, 0), nil},
		{"batch times an hour after the call", timedExchange(time.Hour, 0), []CheckName{CheckTimestamps}},
		{"batch times ten minutes before the call", timedExchange(0, 10*time.Minute), []CheckName{CheckTimestamps}},
		{"batch times four minutes off: within the skew", timedExchange(4*time.Minute, 0), nil},
		{"GET answer with a bad id and inverted times", getExchange(`{"id":"x1","properties":{},"createdAt":"2026-11-28T13:00:00Z","updatedAt":"2026-11-28T12:00:00Z","archived":false}`), []CheckName{CheckTimestamps, CheckResultFields}},
		{"GET answer", getExchange(`{"id":"101","properties":{"hs_task_body":null},"createdAt":"2026-11-28T12:00:00Z","updatedAt":"2026-11-28T12:00:00.500Z","archived":false}`), nil},
		{"echo dropped", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("102", "ub-2", "t2", `,"hs_task_subject":"Email Bo"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckEcho}},
		{"echo changed", upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1,
			checkTestResult("102", "ub-2", "t2", `,"hs_task_subject":"Email Bo","hs_task_priority":"LOW"`, "2026-11-28T12:00:00.120Z", "2026-11-28T12:00:00.120Z", true)}, "")), []CheckName{CheckEcho}},
		{"valid error body", upsertExchange(400, `{}`, `{"status":"error","message":"Duplicate IDs","correlationId":"4b7b6c2e-9f1d-4f0e-8a43-2d8c1e5b6a70","category":"VALIDATION_ERROR"}`), nil},
		{"error without correlationId", upsertExchange(400, `{}`, `{"status":"error","message":"Duplicate IDs","category":"VALIDATION_ERROR"}`), []CheckName{CheckErrorBody}},
		{"error with non-UUID correlationId", upsertExchange(400, `{}`, `{"status":"error","message":"Duplicate IDs","correlationId":"abc","category":"VALIDATION_ERROR"}`), []CheckName{CheckErrorBody}},
		{"error not JSON", upsertExchange(500, `{}`, `oops`), []CheckName{CheckErrorBody}},
		{"429 without category", upsertExchange(429, `{}`, `{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c0ffee00-1234-4abc-9def-0123456789ab","policyName":"TEN_SECONDLY_ROLLING"}`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failedChecks(tt.ex)
			assert.Equal(t, tt.want, got)
		})
	}
}

// timedExchange is a valid upsert answer whose call happened `early`
// before its batch times, or `late` after them, on the local clock.
func timedExchange(early, late time.Duration) Exchange {
	ex := upsertExchange(200, checkTestRequest, batchBody("COMPLETE", []string{okResult1, okResult2}, ""))
	batch, _ := time.Parse(time.RFC3339Nano, "2026-11-28T12:00:00.100Z")
	ex.SentAt = batch.Add(-early).Add(late)
	ex.ReceivedAt = ex.SentAt.Add(40 * time.Millisecond)
	return ex
}

func getExchange(body string) Exchange {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return Exchange{Method: http.MethodGet, Path: "/crm/objects/2026-03/tasks/101?properties=hs_task_body", StatusCode: 200, ResponseHeader: h, ResponseBody: []byte(body)}
}

func TestFindingsCarryExcerpts(t *testing.T) {
	ex := upsertExchange(200, checkTestRequest, batchBody("PENDING", []string{okResult1, okResult2}, ""))
	fs := checkBatchStatus(parseExchange(ex))
	require.Len(t, fs, 1)
	f := fs[0]
	assert.Equal(t, CheckBatchStatus, f.Check)
	assert.NotEmpty(t, f.Reason)
	assert.NotEmpty(t, f.HowToFix)
	assert.Equal(t, "/crm/v3/objects/tasks/batch/upsert", f.Path)
	assert.Equal(t, 200, f.StatusCode)
	assert.LessOrEqual(t, len(f.Sent), trimBodyLimit+len("…"))
	assert.True(t, strings.HasPrefix(f.Sent, `{"inputs":[{"id":"ub-1"`), f.Sent)
	assert.Contains(t, f.Received, `"status":"PENDING"`)
}

func TestTrimBody(t *testing.T) {
	long := `{"a":"` + strings.Repeat("é", 400) + `"}`
	got := trimBody([]byte(long))
	assert.True(t, strings.HasSuffix(got, "…"))
	assert.LessOrEqual(t, len(got), trimBodyLimit+len("…"))
	assert.True(t, strings.HasPrefix(got, `{"a":"é`))
	assert.Equal(t, `{"a":1}`, trimBody([]byte("{ \"a\" :\n 1 }")))
	assert.Equal(t, "", trimBody(nil))
}

func TestSemanticChecksAreNamed(t *testing.T) {
	for _, c := range semanticExchangeChecks {
		assert.True(t, slices.Contains(SemanticChecks, c.name), c.name)
	}
}

func FuzzSemanticExchangeChecks(f *testing.F) {
	f.Add(200, []byte(checkTestRequest), []byte(batchBody("COMPLETE", []string{okResult1, okResult2}, "")))
	f.Add(207, []byte(checkTestRequest), []byte(batchBody("COMPLETE", nil, `,"numErrors":1,"errors":[{"context":{"objectWriteTraceId":["t2","zz"]}}]`)))
	f.Add(400, []byte(`{}`), []byte(`{"status":1}`))
	f.Fuzz(func(t *testing.T, status int, req, resp []byte) {
		ex := parseExchange(Exchange{Method: http.MethodPost, Path: "/crm/v3/objects/tasks/batch/upsert", RequestBody: req, StatusCode: status, ResponseHeader: http.Header{}, ResponseBody: resp})
		for _, c := range semanticExchangeChecks {
			if c.applies(ex) {
				for _, f := range c.run(ex) {
					if f.Check != c.name || f.Message == "" {
						t.Fatalf("bad finding %+v", f)
					}
				}
			}
		}
	})
}
