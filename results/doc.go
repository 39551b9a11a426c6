// Package results is the format of a load run on disk and the streaming
// arithmetic over it: results.bin (Vegeta's own binary encoding, one
// *vegeta.Result per request, so `vegeta report` reads it), summary.json
// (the Summary type) and findings.jsonl (contract findings from sampled
// responses). The load engine writes these files; reports reads them back,
// merges shards and renders. Nothing here keeps every sample in memory.
package results
