package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// FuzzSearch feeds arbitrary bodies to the search endpoint (of either
// version) of an emulator holding a few tasks, with a search lag and a
// system write delay on. Whatever comes in, it never panics, never
// answers 5xx or hangs, answers refusals in HubSpot's error envelope with
// a 4xx, and answers 200 with a page that decodes into the published
// shape, respects the limits and shapes its records as HubSpot does
// (answerShape: no "" values, instants printed as Java's Instant).
func FuzzSearch(f *testing.F) {
	for _, body := range []string{
		`{}`, ``, `[]`, `null`, `{"limit":201}`, `{"limit":"7"}`, `{"after":"x"}`, `{"after":9999,"limit":1}`,
		`{"filterGroups":[{"filters":[{"propertyName":"hs_task_status","operator":"EQ","value":"COMPLETED"}]}]}`,
		`{"filterGroups":[{"filters":[{"propertyName":"external_task_id","operator":"IN","values":["f-1",2,true,null]}]}]}`,
		`{"filterGroups":[{"filters":[{"propertyName":"hs_object_id","operator":"IN","values":["48000000001"]}]}]}`,
		`{"filterGroups":[{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"BETWEEN","value":"2020-01-01","highValue":"2030-01-01T00:00:00Z"}]}]}`,
		`{"filterGroups":[{"filters":[{"propertyName":"hs_task_subject","operator":"CONTAINS_TOKEN","value":"*ask*"}]}]}`,
		`{"filterGroups":[{"filters":[{"propertyName":"hs_timestamp","operator":"NOPE"}]}]}`,
		`{"filterGroups":[{"filters":[{}]},{"filters":null},{}]}`,
		`{"sorts":["-hs_timestamp"],"properties":["hs_task_subject"],"query":"Task 1"}`,
		`{"sorts":[{"propertyName":"hubspot_owner_id","direction":"DESCENDING"},"x",null,{}]}`,
		"{\"query\":\"\xff\"}", `{"filterGroups":[{"filters":[{"propertyName":"\ud800","operator":"EQ","value":"\u0000"}]}]}`,
	} {
		f.Add([]byte(body), false)
		f.Add([]byte(body), true)
	}
	emu := New(WithToken(testToken), WithSearchLag(time.Millisecond), WithSystemWriteDelay(time.Millisecond))
	seed := httptest.NewRecorder()
	emu.ServeHTTP(seed, newBenchRequest(upsertPathV3, []byte(batchBody("f", 30, true))))
	if seed.Code != http.StatusOK {
		f.Fatalf("seeding: %d %s", seed.Code, seed.Body)
	}
	time.Sleep(2 * time.Millisecond) // past the lag: the tasks are searchable
	f.Fuzz(func(t *testing.T, body []byte, v202603 bool) {
		path := hubspot.VersionV3.SearchPath()
		if v202603 {
			path = hubspot.Version202603.SearchPath()
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, newBenchRequest(path, body))
		out := rec.Body.Bytes()
		switch status := rec.Code; {
		case status == http.StatusOK:
			var resp hubspot.SearchResponse
			dec := json.NewDecoder(bytes.NewReader(out))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&resp); err != nil {
				t.Fatalf("200 that is not a search answer: %v: %s", err, out)
			}
			if len(resp.Results) > MaxSearchLimit || resp.Total < len(resp.Results) || resp.Total > 30 {
				t.Fatalf("impossible page: total %d, %d results", resp.Total, len(resp.Results))
			}
			if resp.Paging != nil && (resp.Paging.Next == nil || resp.Paging.Next.After == "") {
				t.Fatalf("paging without a cursor: %s", out)
			}
			var page map[string]any
			if err := json.Unmarshal(out, &page); err != nil {
				t.Fatal(err)
			}
			if problem := answerShape(page); problem != "" {
				t.Fatalf("%s: %s", problem, out)
			}
		case status >= 400 && status < 500:
			var e hubspot.Error
			if err := json.Unmarshal(out, &e); err != nil {
				t.Fatalf("status %d: error body is not JSON: %v: %s", status, err, out)
			}
			if e.Status != hubspot.ErrorStatus || e.Message == "" || e.CorrelationID == "" || e.Category == "" {
				t.Fatalf("status %d: not HubSpot's error envelope: %s", status, out)
			}
		default:
			t.Fatalf("status %d for body %q: %s", status, body, out)
		}
	})
}
