// Package generators builds the request bodies upsertbench sends.
//
// In your own tests, a Generator gives reproducible batches to send to your
// service, and tells you which keys each batch creates and which it updates:
//
//	g, err := generators.New(generators.WithSeed(7), generators.WithBatchSize(100))
//	body := g.AppendBatch(nil, n)   // POST it to g.Path()
//	for _, in := range g.Describe(n) { /* in.Key, in.Update */ }
//
// generators.BadCases lists named bad requests, each with the answer a
// faithful endpoint gives (status, category, message).
//
// Generators builds the request bodies upsertbench sends: realistic,
// reproducible batches of CRM tasks for POST .../tasks/batch/upsert, and a
// catalogue of named bad requests with the answer a faithful endpoint gives.
//
// Realistic values come from gofakeit, but only once: New fills pools of
// companies, people, products, job titles, amounts and sales-style subject
// and body templates, already JSON-escaped. A batch is then assembled from
// those pools with a small PRNG seeded from (seed, batch number), so
//
//   - batch n is a pure function of the options and n: the same options give
//     byte-identical bodies on every machine and in every run;
//   - a *Generator is immutable after New and safe for concurrent use: load
//     workers build batches in any order, on any goroutine;
//   - a 100-input batch costs tens of microseconds and no allocations once the
//     destination buffer has grown (see BenchmarkAppendBatch).
//
// Keys (the values of the unique id property) follow a closed-form scheme,
// described on Generator, that tells each batch which fresh keys it creates
// and which earlier keys it may update without any shared state.
package generators
