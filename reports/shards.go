package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/internal/results"
)

// Names of the run checks over the shards of a merged run.
const (
	// RunCheckShardsComplete fails when a shard the report was told to
	// expect (WithExpectShards) is missing: the merged figures would be
	// those of part of the run.
	RunCheckShardsComplete = "shards-complete"
	// RunCheckShardsTogether fails when the shards' starts are further
	// apart than WithMaxSkew: they did not run at the same time, so the
	// run never reached its planned rate. It reports the skew either way.
	RunCheckShardsTogether = "shards-together"
)

// WithExpectShards makes the report expect the shards 1..n of one run:
// one missing fails the run check shards-complete, and shards of a run of
// another size are an input error.
func WithExpectShards(n int) Option { return func(c *config) { c.expectShards = n } }

// WithMaxSkew sets how far apart the shards' starts may be
// (results.DefaultMaxSkew when not given; 0 or less: not judged).
func WithMaxSkew(d time.Duration) Option {
	return func(c *config) { c.maxSkew, c.maxSkewSet = d, true }
}

// expandInputs turns each input that is a folder of shard folders (no
// summary.json of its own, shard-<I>/ folders inside) into those folders.
// parents are the folders expanded: their contract.json, if any, is the
// run's contract suite.
func expandInputs(dirs []string) (runs, parents []string, err error) {
	for _, d := range dirs {
		if !isDir(d) || exists(filepath.Join(d, results.SummaryFile)) {
			runs = append(runs, d)
			continue
		}
		shards, err := results.ShardDirs(d)
		if err != nil {
			return nil, nil, &InputError{Path: d, Err: unwrapPath(err)}
		}
		if len(shards) == 0 {
			runs = append(runs, d) // not a folder of shards: its missing summary.json is the error
			continue
		}
		runs = append(runs, shards...)
		parents = append(parents, d)
	}
	return runs, parents, nil
}

// IsShardsFolder says whether dir is a folder of shard folders (and not a
// run folder itself): report writes a merge of it into dir/report by
// default, never over the folder it reads.
func IsShardsFolder(dir string) bool {
	if !isDir(dir) || exists(filepath.Join(dir, results.SummaryFile)) {
		return false
	}
	shards, err := results.ShardDirs(dir)
	return err == nil && len(shards) > 0
}

// checkShardCount refuses shards of a run of another size than expected.
func checkShardCount(s *results.Summary, expect int) error {
	for _, sh := range s.Run.Shards {
		if sh.Count != expect {
			return fmt.Errorf("shard %s is one of %d, not of the %d shards expected: give --expect-shards %d, or the folders of the run you meant", sh, sh.Count, expect, sh.Count)
		}
	}
	return nil
}

func checkShardsComplete(s *results.Summary) results.RunCheck {
	m := s.Run.Merge
	rc := results.RunCheck{Of: uint64(m.Expected), Count: uint64(len(m.Missing))}
	if len(m.Missing) == 0 {
		rc.Pass = true
		rc.Message = fmt.Sprintf("all %d shards merged", m.Expected)
		if m.Expected == 1 {
			rc.Message = "the one shard expected merged"
		}
		return rc
	}
	rc.Message = m.MissingProblem()
	return rc
}

func checkShardsTogether(s *results.Summary) results.RunCheck {
	m := s.Run.Merge
	n := len(s.Run.Shards)
	if n <= 1 {
		return results.RunCheck{Pass: true, Message: "one shard: nothing to start apart"}
	}
	msg := fmt.Sprintf("%d shards started %s apart (at most %s); rate and throughput are over the %s all of them were sending",
		n, fmtDuration(m.StartSkew), fmtDuration(m.MaxSkew), fmtSeconds(m.Window.Duration()))
	if m.MaxSkew <= 0 {
		msg = fmt.Sprintf("%d shards started %s apart (not judged); rate and throughput are over the %s all of them were sending",
			n, fmtDuration(m.StartSkew), fmtSeconds(m.Window.Duration()))
	}
	if p := m.SkewProblem(); p != "" {
		return results.RunCheck{Message: p}
	}
	return results.RunCheck{Pass: true, Message: msg}
}

// merging says the run checks over shards apply: the report merged
// several shards, or was told how many to expect.
func merging(s *results.Summary) bool { return s.Run.Merge != nil }

func expecting(s *results.Summary) bool { return s.Run.Merge != nil && s.Run.Merge.Expected > 0 }

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// fillSpan makes sure s knows when its first and last request left
// (Metrics.Earliest and Latest), which the shared window is made of. A
// summary written by the load engine has them; for one without, its
// results file is read once more.
func fillSpan(dir string, s *results.Summary) error {
	if !s.Metrics.Earliest.IsZero() && !s.Metrics.Latest.IsZero() {
		return nil
	}
	rp, err := results.ResultsPath(dir)
	if err != nil {
		return &InputError{Path: dir, Err: unwrapPath(err)}
	}
	var first, last time.Time
	if _, err := results.ScanFile(rp, func(r *vegeta.Result) error {
		if first.IsZero() || r.Timestamp.Before(first) {
			first = r.Timestamp
		}
		if r.Timestamp.After(last) {
			last = r.Timestamp
		}
		return nil
	}); err != nil {
		return &InputError{Path: rp, Err: unwrapPath(err)}
	}
	s.Metrics.Earliest, s.Metrics.Latest = first, last
	return nil
}

// mergeInvariants merges the shards' run-wide invariants into merged
// (results.MergeInvariants) and, with more than one shard, checks one id
// per unique value across them from their ids.bin files
// (results.MergeShardIDs, which streams them).
func mergeInvariants(merged *results.Summary, dirs []string, sums []*results.Summary) error {
	parts := make([]results.InvariantsPart, len(sums))
	for i, s := range sums {
		parts[i] = results.InvariantsPart{Label: shardOf(s), Invariants: s.Invariants}
	}
	merged.Invariants = results.MergeInvariants(parts)
	if merged.Invariants == nil || len(dirs) < 2 {
		return nil
	}
	shards := make([]results.ShardIDs, len(dirs))
	for i, d := range dirs {
		shards[i] = results.ShardIDs{Dir: filepath.Dir(summaryPath(d)), Label: parts[i].Label}
	}
	if err := results.MergeShardIDs(merged.Invariants, shards); err != nil {
		var ie *results.IDsError
		if errors.As(err, &ie) {
			return &InputError{Path: ie.Path, Err: ie.Err}
		}
		return err
	}
	return nil
}

// shardOf names the shard a summary is of ("shard 2/3"; "" unsharded).
func shardOf(s *results.Summary) string {
	if len(s.Run.Shards) != 1 || s.Run.Shards[0].Count == 0 {
		return ""
	}
	return "shard " + s.Run.Shards[0].String()
}
