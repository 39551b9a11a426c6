// Package results is the format of a load run on disk and the streaming
// arithmetic over it: results.bin (Vegeta's own binary encoding, one
// *vegeta.Result per request, so `vegeta report` reads it), summary.json
// (the Summary type), findings.jsonl (contract findings from sampled
// responses) and ids.bin (every key the run wrote with its first record id,
// sorted by id: WriteIDs, OpenIDs, ReadIDs; the report merges the shards'
// files to check one id per unique value across shards). The load engine writes these files; reports reads them back,
// merges shards and renders. Nothing here keeps every sample in memory.
//
// Writing: CreateWriter streams results (bodies and real response headers
// dropped unless asked for; flushed every second, so a killed run leaves a
// readable file), CreateFindingsWriter appends findings, WriteSummary and
// WriteFileAtomic (or CreateAtomic for streamed outputs) publish files
// atomically. Reading: Each/Scan stream the results of one or many folders
// (a cut-off last record ends a file cleanly), EachFinding/ReadFindings the
// findings, ReadSummary a summary. Arithmetic: an Accumulator turns a stream
// of results into a Summary's figures (Fill: Vegeta's own metrics, and the
// latency of the answered requests, from which every latency figure is
// taken), a latency-over-time Series and a latency Distribution (both of
// answered requests), in memory bounded by DefaultSeriesBuckets ×
// SeriesBucketBytes (~3.7 MB) plus a few kB, however long the run.
package results
