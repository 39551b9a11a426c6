package generators_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/upsertbench/upsertbench/generators"
)

func ExampleGenerator_AppendBatch() {
	g, err := generators.New(
		generators.WithSeed(42),
		generators.WithBatchSize(2),
		generators.WithTraceIDs(true),
		generators.WithKeyPrefix("ub-run1"),
	)
	if err != nil {
		panic(err)
	}
	// A load worker reuses one buffer: no allocation per batch.
	var buf []byte
	for n := uint64(0); n < 2; n++ {
		buf = g.AppendBatch(buf[:0], n)
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:8080"+g.Path(), strings.NewReader(string(buf)))
		fmt.Println(req.URL.Path, len(buf) > 0)
	}
	body := string(g.AppendBatch(nil, 0))
	fmt.Println(body[:strings.Index(body, `,"properties"`)])
	// Output:
	// /crm/v3/objects/tasks/batch/upsert true
	// /crm/v3/objects/tasks/batch/upsert true
	// {"inputs":[{"id":"ub-run1-0","idProperty":"external_task_id","objectWriteTraceId":"b0-0"
}

func ExampleGenerator_Describe() {
	g, _ := generators.New(generators.WithBatchSize(4), generators.WithUpdateShare(0.5))
	for _, in := range g.Describe(3) {
		fmt.Println(in.Position, in.Key, in.Update)
	}
	// Output:
	// 0 ub-1 true
	// 1 ub-8 false
	// 2 ub-6 true
	// 3 ub-9 false
}

func ExampleBad() {
	bc, err := generators.Bad(generators.BadDuplicateIDs, 1, "external_task_id")
	if err != nil {
		panic(err)
	}
	fmt.Println(bc.Method, bc.ContentType, bc.Status, bc.Category)
	fmt.Println(bc.MessagePrefix)
	// Output:
	// POST application/json 400 VALIDATION_ERROR
	// Duplicate IDs found in batch input: [
}
