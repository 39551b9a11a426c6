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

// WriteText renders the report for people: one line per check with its
// counts, every failure in full (what was sent, what came back, what the
// contract says and how to fix it), and which promises the run could not
// exercise, and why. WriteTextVerbose lists every case and every promise.
func ExampleReport_WriteText() {
	rep := &contract.Report{Target: "http://127.0.0.1:8080", Version: "v3", KeyPrefix: "ub-doc", Checks: []contract.CheckResult{
		{Check: contract.CheckAccounting, Case: "upsert-create", Status: contract.StatusPass},
		{Check: contract.CheckAuth, Case: "auth/read-only-token", Status: contract.StatusSkip, Reason: "no read-only token given"},
	}}
	_ = rep.WriteText(os.Stdout)
	// Output:
	// contract suite against http://127.0.0.1:8080 (API v3, key prefix ub-doc)
	//
	// PASS  accounting  1 case
	// SKIP  auth        no read-only token given
	//
	// promises: 2 kept, 0 broken, 68 not exercised (of 70)
	//   not exercised: request.schema — no request-schema result for upsert-create, upsert-repeat, upsert-change, partial-failure, archive/create, read-back, partial-failure-read,…
	//   not exercised: schema.upsert-200 — no response-schema result for upsert-create, upsert-repeat, upsert-change, partial-failure, archive/create: the run did not get there (inte…
	//   not exercised: schema.upsert-207 — no response-schema result for partial-failure: the run did not get there (interrupted, or a case it builds on failed)
	//   not exercised: schema.read-200 — no response-schema result for read-back, partial-failure-read, all-or-nothing-read, archive/read: the run did not get there (interrupted, o…
	//   not exercised: schema.read-207 — no response-schema result for read-back, partial-failure-read, all-or-nothing-read, archive/read: the run did not get there (interrupted, o…
	//   not exercised: schema.get-200 — no response-schema result for get/by-id, get/by-unique-value: the run did not get there (interrupted, or a case it builds on failed)
	//   not exercised: schema.archive-204 — no response-schema result for archive/batch: the run did not get there (interrupted, or a case it builds on failed)
	//   not exercised: schema.error-400 — no response-schema result for bad/*, all-or-nothing: the run did not get there (interrupted, or a case it builds on failed)
	//   not exercised: schema.error-401 — no response-schema result for auth/no-token, auth/wrong-token: the run did not get there (interrupted, or a case it builds on failed)
	//   not exercised: schema.error-403 — no read-only token given
	//   … and 58 more not exercised (-v lists every promise)
	// 1 passed, 0 failed, 1 skipped in 0s; cleaned up 0 records
	// PASS
}
