// Package reports turns the files of a load run into what people and CI
// read: it streams the results files of one or many shards (they merge),
// recomputes the metrics, evaluates the scenario's thresholds on the merged
// data, compares with a baseline summary.json, keeps a JSON Lines history
// and renders text, summary.json, Markdown, a self-contained HTML page with
// inline SVG charts, and JUnit XML.
//
// A threshold with no data fails, and so does a contract check that never
// ran: a green report must mean something was measured.
//
// reports reads files; it never calls the load engine. The CLI composes.
package reports
