package hubspot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// A user's test builds requests and decodes answers with these types,
// whichever server answers: HubSpot, the user's own service, or (here) the
// emulator on loopback.
func Example() {
	srv, err := emulator.Listen("")
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	body, _ := json.Marshal(hubspot.BatchUpsertRequest{Inputs: []hubspot.UpsertInput{{
		ID:                 "crm-1",
		IDProperty:         hubspot.DefaultIDProperty,
		ObjectWriteTraceID: "t-1",
		Properties:         map[string]string{hubspot.PropTimestamp: "2026-12-02T15:00:00Z", "hs_task_subject": "Call Acme"},
	}}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+hubspot.VersionV3.UpsertPath(), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()

	var ans hubspot.BatchUpsertResponseWithErrors
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		panic(err)
	}
	r := ans.Results[0]
	created, _ := r.CreatedAt.Time()
	updated, _ := r.UpdatedAt.Time()
	fmt.Println(resp.StatusCode, ans.Status == hubspot.BatchStatusComplete, ans.NumErrors == nil)
	fmt.Println(r.New, r.ObjectWriteTraceID, r.Properties["hs_task_subject"], !updated.Before(created))
	// Output:
	// 200 true true
	// true t-1 Call Acme true
}
