// Package fidelity measures how faithfully the emulator answers like a real
// target. It records the contract suite's exchanges with a real account
// (Recorder, an http.RoundTripper for contract.SuiteConfig.HTTPClient),
// replays the recorded requests against a fresh in-process emulator
// (Replay) and diffs the answers structurally: status, header names, JSON
// keys and value types, error texts (Report).
//
// A recording is a folder: manifest.json (Manifest) and one file per
// exchange, 0001.json, 0002.json… (Exchange), each indented JSON with a
// formatVersion (FormatVersion) and written atomically. Credentials never
// reach it: the main and read-only tokens become {{token}} and
// {{read-only-token}}, any other credential in an Authorization header or
// query string {{other-token-N}} or {{secret-N}}, cookies {{cookie}}, in
// every spelling (literal, JSON-escaped, URL-encoded) and every place
// (path, headers, bodies, error texts); a file that would still contain one
// is not written. Record and portal ids become {{record-N}} and
// {{portal-N}}, numbered once per recording, so the same id is the same
// placeholder in a URL, a body and a url field; a portal id that is a JSON
// number becomes the number N, so its type survives.
//
// Ids are numbered in a way that does not depend on the order a target
// returns results in (by trace id, then unique value), because neither
// HubSpot nor the emulator keeps input order; the replay numbers the
// emulator's ids the same way and sends its ids where the recording has
// placeholders. Values that change between any two runs (correlation ids,
// timestamps, dates, epoch numbers, hex trace ids) are replaced by fixed
// tokens only for comparing texts; the recording keeps them.
package fidelity
