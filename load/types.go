package load

import "github.com/upsertbench/upsertbench/internal/results"

// The results files' format lives in internal/results (one owner, no
// dependency on contract or libopenapi for readers). These aliases let a
// caller of Run and PlanFor name the types they take and return.
type (
	// Summary is the content of summary.json, as Run returns it.
	Summary = results.Summary
	// Shard is the slice of a run one process takes: Index of Count,
	// 1-based; the zero value is the whole run.
	Shard = results.Shard
)
