// Package cannedtarget is a batch-upsert target that answers the way a
// faithful target would, at a small fixed cost per request: every request
// gets results for its own inputs, so a client that checks answers against
// what it sent (upsertbench's run-wide invariants) sees the clean path of a
// faithful target, and the client, not the server, is what a benchmark
// against it measures. It serves scripts/cannedserver (the target of
// scripts/bench-load.sh) and the load engine's benchmarks (load/bench_test.go),
// one owner of the answer for both.
//
// What each result carries, and where it comes from:
//   - its layout (which members, in which order, the envelope around the
//     results, the Content-Type): the emulator's answer to a one-input
//     batch, taken once by New (cannedTemplate);
//   - properties: the input's own properties object, as sent, plus
//     hs_object_id, hs_createdate and hs_lastmodifieddate, the system
//     properties the emulator adds to every result. Values are echoed
//     raw, not normalised the way the emulator does (a documented choice:
//     it keeps the server's cost to a copy);
//   - id: a number of the unique value, one per value, stable for the
//     Target's life (seenSet: for "<prefix>-<n>" it is the prefix's
//     number·10^11 + n, with no table; other values get the next number);
//   - new: true the first time the Target sees a unique value, false after
//     (seenSet, one atomic bit per key);
//   - objectWriteTraceId: the input's, echoed when it sent one;
//   - updatedAt (and hs_lastmodifieddate): the Target's clock when the
//     request arrived, in milliseconds, from a monotonic reading, so it
//     never goes backwards; createdAt is the same instant for a new key
//     and the Target's start for an existing one.
//
// It keeps no record values, so it answers no reads (404): a client must
// not read keys back from it (scripts/bench-load.sh runs with --verify
// none). A request body larger than the emulator's limit
// (emulator.MaxBodyBytes) gets 413, anything that is not a batch upsert
// 400, both in HubSpot's error shape.
package cannedtarget
