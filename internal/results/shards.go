package results

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ShardEnv is where "auto/N" finds the shard index: Kubernetes sets it,
// 0-based, in every pod of an Indexed Job (JOB_COMPLETION_INDEX), so pod k
// runs shard k+1 of N without a shell to compute it.
const ShardEnv = "JOB_COMPLETION_INDEX"

// ShardAuto is the index part of "auto/N".
const ShardAuto = "auto"

// ParseShardEnv reads what ParseShard reads, and also "auto/N": shard
// 1+$JOB_COMPLETION_INDEX of N, the index looked up with getenv.
func ParseShardEnv(s string, getenv func(string) string) (Shard, error) {
	idx, n, ok := strings.Cut(s, "/")
	if !ok || strings.TrimSpace(idx) != ShardAuto {
		return ParseShard(s)
	}
	cnt, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || cnt < 1 || cnt > MaxShards {
		return Shard{}, fmt.Errorf("want auto/N with 1 ≤ N ≤ %d, e.g. auto/4", MaxShards)
	}
	v := getenv(ShardEnv)
	if v == "" {
		return Shard{}, fmt.Errorf("auto reads the shard index from %s (0-based; Kubernetes sets it in an Indexed Job's pods), which is not set: give I/%d instead", ShardEnv, cnt)
	}
	k, err := strconv.Atoi(v)
	if err != nil || k < 0 || k >= cnt {
		return Shard{}, fmt.Errorf("%s=%q is not an index from 0 to %d", ShardEnv, v, cnt-1)
	}
	return Shard{Index: k + 1, Count: cnt}, nil
}

// shardDirPrefix names a shard's folder inside a run folder.
const shardDirPrefix = "shard-"

// ShardDir is the folder shard index of a run writes inside the run's
// folder: shards on one shared volume never write the same file.
func ShardDir(runDir string, index int) string {
	return filepath.Join(runDir, shardDirPrefix+strconv.Itoa(index))
}

// ShardDirs lists the shard folders of a run folder (shard-<I> folders
// holding a summary.json or a results file), sorted by index; none when
// dir is not a folder of shard folders.
func ShardDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type shardDir struct {
		index int
		path  string
	}
	var found []shardDir
	for _, e := range entries {
		n, ok := strings.CutPrefix(e.Name(), shardDirPrefix)
		i, err := strconv.Atoi(n)
		if !ok || err != nil || !e.IsDir() || i < 1 {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if exists(filepath.Join(p, SummaryFile)) || exists(filepath.Join(p, ResultsFile)) {
			found = append(found, shardDir{i, p})
		}
	}
	slices.SortFunc(found, func(a, b shardDir) int { return a.index - b.index })
	out := make([]string, len(found))
	for i, f := range found {
		out[i] = f.path
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// ScenarioHash is the SHA-256, in hex, of a scenario's canonical YAML
// (RunInfo.ScenarioYAML): shards ran the same scenario exactly when their
// hashes agree, whatever file or flags produced it.
func ScenarioHash(yaml string) string {
	sum := sha256.Sum256([]byte(yaml))
	return hex.EncodeToString(sum[:])
}

// DefaultMaxSkew is how far apart the starts of a run's shards may be
// before the merged figures are not trusted: beyond it, some shards ran
// while others had not begun, and the run's peak was never reached.
const DefaultMaxSkew = 2 * time.Second

// MergeInfo says how the shards of a run were merged and whether they
// make one run: all there, starting together.
type MergeInfo struct {
	// Expected is the number of shards the merge was told to expect (0:
	// not checked); Missing lists the expected indexes not found.
	Expected int   `json:"expected,omitempty"`
	Missing  []int `json:"missing,omitempty"`
	// StartSkew is the latest shard's start (RunInfo.StartedAt, where its
	// schedule began) minus the earliest's. MaxSkew is the limit it was
	// judged against.
	StartSkew time.Duration `json:"startSkew"`
	MaxSkew   time.Duration `json:"maxSkew,omitempty"`
	// Window is the time every shard was sending: rates of a merge are
	// counted over it.
	Window Window `json:"window"`
}

// Window is a stretch of a run and what was sent in it.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Requests counts the requests sent in [From, To]; Successes those of
	// them that Vegeta counts as a success (status 200–399).
	Requests  uint64 `json:"requests"`
	Successes uint64 `json:"successes"`
}

// Overlaps says the window is not empty: the spans it was made of
// overlapped (To is not before From).
func (w Window) Overlaps() bool { return !w.To.Before(w.From) }

// Duration is To - From (0 when the window is empty).
func (w Window) Duration() time.Duration { return max(w.To.Sub(w.From), 0) }

// Rate is requests per second over the window (0 for an empty one).
func (w Window) Rate() float64 {
	if d := w.Duration().Seconds(); d > 0 {
		return float64(w.Requests) / d
	}
	return 0
}

// Throughput is successes per second over the window (0 for an empty one).
func (w Window) Throughput() float64 {
	if d := w.Duration().Seconds(); d > 0 {
		return float64(w.Successes) / d
	}
	return 0
}

// MissingProblem names the expected shards that are missing ("" when
// none is, or nothing was expected).
func (m *MergeInfo) MissingProblem() string {
	if m == nil || len(m.Missing) == 0 {
		return ""
	}
	names := make([]string, len(m.Missing))
	for i, idx := range m.Missing {
		names[i] = Shard{Index: idx, Count: m.Expected}.String()
	}
	what := "shard " + names[0] + " is"
	if len(names) > 1 {
		what = "shards " + strings.Join(names, ", ") + " are"
	}
	return fmt.Sprintf("%s missing: no results found (a late start, a failure, or not copied); the merged figures cover %d of %d shards",
		what, m.Expected-len(m.Missing), m.Expected)
}

// SkewProblem says the shards did not run together ("" when they did):
// they started further apart than MaxSkew (not judged when MaxSkew is 0
// or less), or were never all sending at once, whatever MaxSkew says:
// then no window holds the whole run's rate.
func (m *MergeInfo) SkewProblem() string {
	switch {
	case m == nil:
		return ""
	case !m.Window.Overlaps():
		return fmt.Sprintf("the shards were never all sending at once (they started %s apart; one ended before another began, or sent nothing): the run never reached its rate (synchronise the machines' clocks and give every shard one --start-at)",
			m.StartSkew.Round(time.Millisecond))
	case m.MaxSkew <= 0 || m.StartSkew <= m.MaxSkew:
		return ""
	}
	return fmt.Sprintf("the shards started %s apart, more than the %s allowed: they did not run together (synchronise the machines' clocks and give every shard one --start-at)",
		m.StartSkew.Round(time.Millisecond), m.MaxSkew)
}

// NewMergeInfo checks the runs of a merge against expect shards (0: no
// check) and computes the start skew and the shared window from their
// summaries: the window runs from the latest first send to the earliest
// last send (Metrics.Earliest and Latest of each); its counts are zero
// until the results are streamed through Count.
func NewMergeInfo(runs []*Summary, expect int, maxSkew time.Duration) *MergeInfo {
	m := &MergeInfo{Expected: expect, MaxSkew: maxSkew}
	present := map[int]bool{}
	var first, last time.Time
	for i, s := range runs {
		for _, sh := range s.Run.Shards {
			present[normalShard(sh).Index] = true
		}
		if len(s.Run.Shards) == 0 {
			present[1] = true
		}
		start := s.Run.StartedAt
		if i == 0 || start.Before(first) {
			first = start
		}
		if i == 0 || start.After(last) {
			last = start
		}
		e, l := s.Metrics.Earliest, s.Metrics.Latest
		if i == 0 || e.After(m.Window.From) {
			m.Window.From = e
		}
		if i == 0 || l.Before(m.Window.To) {
			m.Window.To = l
		}
	}
	m.StartSkew = last.Sub(first)
	for i := 1; i <= expect; i++ {
		if !present[i] {
			m.Missing = append(m.Missing, i)
		}
	}
	return m
}

// Count counts one result into the window when it was sent inside it.
func (m *MergeInfo) Count(r *vegeta.Result) {
	w := &m.Window
	if r.Timestamp.Before(w.From) || r.Timestamp.After(w.To) {
		return
	}
	w.Requests++
	if r.Code >= 200 && r.Code < 400 {
		w.Successes++
	}
}
