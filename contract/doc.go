// Package contract holds upsertbench's own OpenAPI document for HubSpot's
// tasks batch endpoints (embedded), the Validator that checks HTTP requests
// and responses against it with libopenapi-validator, and the named semantic
// checks a schema cannot express: batch status, timestamp order, accounting
// of inputs, new flags, ids stable across create and update, echoed
// properties, error bodies, auth and rate-limit headers.
//
// Every problem is reported as a Finding (data), never as an error string,
// so the same findings feed go test, JUnit, JSON and the load engine's
// sampled checks.
package contract
