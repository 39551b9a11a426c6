// Package reports judges a run from its results files and renders it.
//
// In your own tests, after load.Run has written a run to dir:
//
//	r, err := reports.Build([]string{dir}, reports.WithBaseline("baseline/summary.json"))
//	if !r.Passed() { t.Errorf("%s: %v", r.Summary.Verdict, r.Failures) }
//	files, err := r.WriteAll(outDir, reports.AllFormats) // text, json, md, html, junit
//
// Publish does both and appends the run to the WithHistory file, as the
// CLI's report, load and run do.
//
// Reports turns the files of a load run into what people and CI
// read: it streams the results files of one or many shards (they merge),
// recomputes the metrics, evaluates the scenario's thresholds on the merged
// data, compares with a baseline summary.json, keeps a JSON Lines history
// and renders text, summary.json, Markdown, a self-contained HTML page with
// inline SVG charts, and JUnit XML.
//
// The verdict is PASS, FAIL or INTERRUPTED, decided here and only here
// (Report.finalize). Run checks come first (runchecks.go): run-completed
// makes an interrupted run INTERRUPTED whatever its partial figures, and
// requests-answered fails a run in which no request got an answer; each
// run-wide invariant is a run check of its own (invariants.go has the
// policy: a violation fails, a check the run chose not to run is shown
// as not checked with its reason, one that checked nothing fails), and
// shards' invariants merge with results.MergeInvariants and
// results.MergeShardIDs.
// Thresholds are scenarios.Threshold, measured by Measure and compared by
// their own Holds, so the scenario parser and the reports share one
// table. Every latency shown or judged is that of answered requests
// (results.Summary.Answered). A threshold with no data fails, and so does
// a contract check that never ran: a green report must mean something was
// measured.
//
// reports reads files; it never calls the load engine. The CLI composes.
package reports
