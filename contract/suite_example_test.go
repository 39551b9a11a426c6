package contract_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
)

// Run the whole suite against a target — here the emulator — and print the
// verdict. Use rep.WriteText, WriteJSON or WriteJUnit for the details.
func ExampleSuite() {
	srv := httptest.NewServer(emulator.New(emulator.WithToken("example-token")))
	defer srv.Close()

	s, err := contract.NewSuite(contract.SuiteConfig{BaseURL: srv.URL, Token: "example-token", KeyPrefix: "ub-example"})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep := s.Run(context.Background())
	pass, fail, _ := rep.Counts()
	fmt.Println("passed:", rep.Passed(), "failures:", fail, "some passes:", pass > 0, "cleaned up:", rep.CleanedUp > 0)
	// Output: passed: true failures: 0 some passes: true cleaned up: true
}

// Check one exchange, e.g. a sampled response under load. A synchronous
// batch answered PENDING breaks the batch-status check.
func ExampleCheckExchange() {
	ex := contract.Exchange{
		Method:         http.MethodPost,
		Path:           "/crm/v3/objects/tasks/batch/upsert",
		RequestHeader:  http.Header{"Content-Type": {"application/json"}},
		RequestBody:    []byte(`{"inputs":[{"id":"ub-1","idProperty":"external_task_id","properties":{"hs_task_subject":"Call Acme"}}]}`),
		StatusCode:     http.StatusOK,
		ResponseHeader: http.Header{"Content-Type": {"application/json"}},
		ResponseBody: []byte(`{"status":"PENDING","results":[{"id":"1","properties":{"external_task_id":"ub-1","hs_task_subject":"Call Acme"},` +
			`"createdAt":"2026-11-28T12:00:00.000Z","updatedAt":"2026-11-28T12:00:00.000Z","archived":false,"new":true}],` +
			`"startedAt":"2026-11-28T12:00:00.000Z","completedAt":"2026-11-28T12:00:00.010Z"}`),
	}
	for _, f := range contract.CheckExchange(nil, ex) {
		fmt.Println(f.Check)
	}
	// Output: batch-status
}

// WriteText renders the report as a table; failures follow with what was
// sent, what came back, what the contract says and how to fix it.
func ExampleReport_WriteText() {
	rep := &contract.Report{Target: "http://127.0.0.1:8080", Version: "v3", KeyPrefix: "ub-doc", Checks: []contract.CheckResult{
		{Check: contract.CheckAccounting, Case: "upsert-create", Status: contract.StatusPass},
		{Check: contract.CheckAuth, Case: "auth/read-only-token", Status: contract.StatusSkip, Reason: "no read-only token given"},
	}}
	_ = rep.WriteText(os.Stdout)
	// Output:
	// contract suite against http://127.0.0.1:8080 (API v3, key prefix ub-doc)
	//
	// CHECK       CASE                  RESULT  DETAIL
	// accounting  upsert-create         PASS
	// auth        auth/read-only-token  SKIP    no read-only token given
	//
	// 1 passed, 0 failed, 1 skipped in 0s; cleaned up 0 records
	// PASS
}
