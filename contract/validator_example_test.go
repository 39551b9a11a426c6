package contract_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/upsertbench/upsertbench/contract"
)

// A 200 answer whose result says it was created "yesterday" breaks the
// date-time format, and the Validator says exactly where.
func ExampleValidator_ValidateResponse() {
	v, err := contract.DefaultValidator()
	if err != nil {
		fmt.Println(err)
		return
	}
	req := httptest.NewRequest(http.MethodPost, "/crm/v3/objects/tasks/batch/upsert", nil)
	body := []byte(`{"status":"COMPLETE","startedAt":"2026-11-28T12:00:00.101Z","completedAt":"2026-11-28T12:00:00.131Z",
	 "results":[{"id":"1","properties":{},"createdAt":"yesterday","updatedAt":"2026-11-28T12:00:00.120Z","archived":false,"new":true}]}`)
	header := http.Header{"Content-Type": {"application/json"}}

	for _, f := range v.ValidateResponse(req, http.StatusOK, header, body) {
		fmt.Println(f.Check, f.StatusCode, f.SpecPath)
		for _, ff := range f.Fields {
			fmt.Println(ff.Pointer)
		}
	}
	// Output:
	// response-schema 200 #/components/schemas/SimplePublicUpsertObject/properties/createdAt/format
	// /results/0/createdAt
}
