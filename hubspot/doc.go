// Package hubspot is the shared vocabulary of upsertbench: HubSpot's wire
// types, enums, paths, headers, tiers and error categories.
//
// In your own tests, build requests and decode answers with these types,
// whichever server answers (see Example):
//
//	body, _ := json.Marshal(hubspot.BatchUpsertRequest{Inputs: inputs})
//	req, _ := http.NewRequest("POST", url+hubspot.VersionV3.UpsertPath(), bytes.NewReader(body))
//	var ans hubspot.BatchUpsertResponseWithErrors // 200 and 207 alike
//
// Hubspot is the shared vocabulary of upsertbench: the wire types of
// HubSpot's CRM tasks batch endpoints (upsert, read, archive, get by id), the
// enums with their valid values, property names, request paths for each API
// version, rate-limit header names, rate-limit tiers and error categories.
//
// Every other package speaks in these terms, so that the generator, the
// emulator, the contract checks and the load engine cannot drift apart. JSON
// names follow HubSpot's published OpenAPI documents exactly; a field carries
// `omitempty` only where the documents mark it optional, or where captured
// real responses are known to leave it out (noted on the field).
package hubspot
