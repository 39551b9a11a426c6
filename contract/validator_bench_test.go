package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"

	"github.com/upsertbench/upsertbench/hubspot"
)

// realisticUpsert200 is a 100-result batch upsert answer shaped like HubSpot's:
// every result echoes the written task properties plus system ones.
func realisticUpsert200(tb testing.TB) []byte {
	tb.Helper()
	start := time.Date(2026, 11, 28, 12, 0, 0, 101e6, time.UTC)
	resp := hubspot.BatchUpsertResponse{
		Status:      hubspot.BatchStatusComplete,
		StartedAt:   hubspot.FormatTimestamp(start),
		CompletedAt: hubspot.FormatTimestamp(start.Add(230 * time.Millisecond)),
	}
	for i := range 100 {
		id := fmt.Sprint(48123456000 + i)
		created := start.Add(-time.Duration(i) * time.Hour)
		resp.Results = append(resp.Results, hubspot.UpsertResult{
			ID: id,
			Properties: map[string]string{
				"external_task_id":    fmt.Sprintf("ub-bench-%06d", i),
				"hs_object_id":        id,
				"hs_createdate":       string(hubspot.FormatTimestamp(created)),
				"hs_lastmodifieddate": string(hubspot.FormatTimestamp(start)),
				"hs_timestamp":        string(hubspot.FormatTimestamp(start.Add(time.Duration(i) * 24 * time.Hour))),
				"hs_task_subject":     "Follow up with Acme Corp about the renewal quote",
				"hs_task_body":        "Ask whether the procurement team has reviewed the revised pricing and book a call for next week.",
				"hs_task_status":      "NOT_STARTED",
				"hs_task_priority":    "HIGH",
				"hs_task_type":        "CALL",
				"hubspot_owner_id":    fmt.Sprint(7000 + i%12),
				"hs_task_reminders":   fmt.Sprint(start.Add(time.Duration(i)*24*time.Hour - time.Hour).UnixMilli()),
			},
			CreatedAt:          hubspot.FormatTimestamp(created),
			UpdatedAt:          hubspot.FormatTimestamp(start),
			New:                i%3 != 0,
			ObjectWriteTraceID: fmt.Sprintf("trace-%d", i),
			URL:                "https://app.hubspot.com/contacts/123456/record/0-27/" + id,
		})
	}
	body, err := json.Marshal(resp)
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// BenchmarkValidateResponse100 is the cost of checking one sampled 100-result
// upsert answer through our wrapper.
func BenchmarkValidateResponse100(b *testing.B) {
	v := sharedValidator(b)
	body := realisticUpsert200(b)
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)
	if fs := v.ValidateResponse(req, 200, vtJSONHeader, body); len(fs) > 0 {
		b.Fatalf("benchmark body must be valid: %v", fs)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if fs := v.ValidateResponse(req, 200, vtJSONHeader, body); fs != nil {
			b.Fatal(fs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/response")
}

// BenchmarkLibraryValidateHttpResponse100 is libopenapi-validator alone on
// the same request and answer, configured like ours (format assertions
// on): the floor our wrapper is measured against.
func BenchmarkLibraryValidateHttpResponse100(b *testing.B) {
	doc, err := libopenapi.NewDocument(Spec())
	if err != nil {
		b.Fatal(err)
	}
	lib, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithoutSecurityValidation())
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	body := realisticUpsert200(b)
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)
	reader := bytes.NewReader(body)
	resp := &http.Response{StatusCode: 200, Header: vtJSONHeader}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		reader.Reset(body)
		resp.Body = io.NopCloser(reader)
		if ok, errs := lib.ValidateHttpResponse(req, resp); !ok {
			b.Fatal(errs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/response")
}

// BenchmarkJSONUnmarshal100 decodes the same bytes into the wire type: what
// a client pays anyway.
func BenchmarkJSONUnmarshal100(b *testing.B) {
	body := realisticUpsert200(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var resp hubspot.BatchUpsertResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/response")
}

// BenchmarkWrapperOverLibrary runs ours and the bare library alternately in
// one benchmark, so both see the same (shared, noisy) CPU, and reports
// ours/library as a ratio: the goal is < 1.20.
func BenchmarkWrapperOverLibrary(b *testing.B) {
	v := sharedValidator(b)
	doc, err := libopenapi.NewDocument(Spec())
	if err != nil {
		b.Fatal(err)
	}
	lib, errs := validator.NewValidator(doc, config.WithFormatAssertions(), config.WithoutSecurityValidation())
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	body := realisticUpsert200(b)
	req := httptest.NewRequest(http.MethodPost, vtUpsertPath, nil)
	reader := bytes.NewReader(body)
	resp := &http.Response{StatusCode: 200, Header: vtJSONHeader}
	var ours, theirs time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		_ = v.ValidateResponse(req, 200, vtJSONHeader, body)
		t1 := time.Now()
		reader.Reset(body)
		resp.Body = io.NopCloser(reader)
		_, _ = lib.ValidateHttpResponse(req, resp)
		t2 := time.Now()
		ours += t1.Sub(t0)
		theirs += t2.Sub(t1)
	}
	if theirs > 0 {
		b.ReportMetric(float64(ours)/float64(theirs), "wrapper/library")
	}
}

// BenchmarkNewValidator is the one-off build cost (parse, model, compile).
func BenchmarkNewValidator(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewValidator(); err != nil {
			b.Fatal(err)
		}
	}
}
