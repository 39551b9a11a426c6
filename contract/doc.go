// Package contract checks that an endpoint keeps the contract of HubSpot's
// tasks batch API: batch upsert, batch read, batch archive and GET by id,
// on API versions v3 and 2026-03.
//
// In your own tests, run the whole suite against your service (a proxy, a
// stand-in, a HubSpot test account) as subtests of your test, with package
// contracttest — one subtest per check and case, each failure reported
// through t with what was sent, what came back, what the contract says and
// how to fix it:
//
//	func TestMyService(t *testing.T) {
//		url := startMyService(t) // serves /crm/v3/objects/tasks/...
//		contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: "its-token"})
//	}
//
// (emulatortest.Start(t) gives an emulator to run it against.) Outside go
// test, NewSuite and Suite.Run return a Report, which renders as text (one
// line per check, then every failure in full), JSON or JUnit; ExampleSuite
// runs it.
//
// What is checked is an inventory: Promises() lists every promise, the
// evidence behind it (HubSpot's published OpenAPI document, an observed
// behaviour recorded in hubspot-facts.md, or a documented choice), the
// check that enforces it and the cases that exercise it. Report.Promises
// says which promises a run kept, broke, or could not exercise and why; a
// promise not exercised is never counted as kept. Where HubSpot itself
// varies (defaults added on create, datetimes written as epoch
// milliseconds and answered in ISO 8601, cleared values omitted, extra
// fields, results in any order) the checks compare by meaning, not bytes.
//
// The package also holds upsertbench's own OpenAPI document (embedded; Spec)
// and the Validator that checks requests and responses against it with
// libopenapi-validator, and CheckExchange, the stateless checks of one
// exchange that the load engine runs on sampled answers.
//
// Every problem is reported as a Finding (data), never as an error string,
// so the same findings feed go test, JUnit, JSON and the load engine's
// sampled checks.
package contract
