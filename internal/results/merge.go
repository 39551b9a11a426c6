package results

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSummaryFindings caps Contract.Findings in a summary; all
// findings stay in findings.jsonl.
const DefaultMaxSummaryFindings = 20

// Shard.String is "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// normalShard treats the zero Shard of an unsharded run as 1/1.
func normalShard(s Shard) Shard {
	if s.Count == 0 {
		return Shard{Index: 1, Count: 1}
	}
	return s
}

// MergeRun folds the run metadata of another shard of the same run into s:
// the shard lists are joined (sorted by index), StartedAt, PlannedStart,
// PlannedFirstSend and FirstSend become the earliest, EndedAt the latest end, Planned the longest plan,
// Interrupted is true if any shard was, Emulated only if all were, and the
// requested rates add up (each shard asks for its share). Scenario,
// description, seed, target, tool version and scenario YAML stay those of
// s (filled from other when empty in s).
//
// s may start empty (NewSummary) to merge any number of shards into it.
// It refuses summaries that are not shards of one run: a different
// scenario, scenario hash or seed, a different shard count, or the same
// shard twice.
// Figures computed from results (Metrics and the like) are not touched:
// recompute them by accumulating the shards' results files; contract counts
// merge with MergeContract.
func (s *Summary) MergeRun(other *Summary) error {
	a, b := &s.Run, &other.Run
	switch {
	case a.Scenario != "" && b.Scenario != "" && a.Scenario != b.Scenario:
		return fmt.Errorf("not shards of one run: scenario %q vs %q", a.Scenario, b.Scenario)
	case a.Seed != 0 && b.Seed != 0 && a.Seed != b.Seed:
		return fmt.Errorf("not shards of one run: seed %d vs %d", a.Seed, b.Seed)
	case a.ScenarioHash != "" && b.ScenarioHash != "" && a.ScenarioHash != b.ScenarioHash:
		return fmt.Errorf("not shards of one run: the scenario as it ran differs (hash %.12s… vs %.12s…): give every shard the same scenario file and the same --rate, --duration and --seed", a.ScenarioHash, b.ScenarioHash)
	}
	shards := slices.Clone(a.Shards)
	incoming := b.Shards
	if len(incoming) == 0 {
		incoming = []Shard{{Index: 1, Count: 1}} // an unsharded run
	}
	for _, x := range incoming {
		x = normalShard(x)
		for _, y := range shards {
			y = normalShard(y)
			if x.Count != y.Count {
				return fmt.Errorf("not shards of one run: shard %s vs %s", y, x)
			}
			if x.Index == y.Index {
				return fmt.Errorf("shard %s given twice", x)
			}
		}
		shards = append(shards, x)
	}
	for i := range shards {
		shards[i] = normalShard(shards[i])
	}
	slices.SortFunc(shards, func(x, y Shard) int { return cmp.Compare(x.Index, y.Index) })
	hadShards := len(a.Shards) > 0
	a.Shards = shards

	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&a.Scenario, b.Scenario)
	fill(&a.Description, b.Description)
	fill(&a.Target, b.Target)
	fill(&a.ToolVersion, b.ToolVersion)
	fill(&a.ScenarioYAML, b.ScenarioYAML)
	fill(&a.ScenarioHash, b.ScenarioHash)
	a.PlannedStart = earliest(a.PlannedStart, b.PlannedStart)
	a.PlannedFirstSend = earliest(a.PlannedFirstSend, b.PlannedFirstSend)
	a.FirstSend = earliest(a.FirstSend, b.FirstSend)
	if a.Seed == 0 {
		a.Seed = b.Seed
	}
	if a.StartedAt.IsZero() || (!b.StartedAt.IsZero() && b.StartedAt.Before(a.StartedAt)) {
		a.StartedAt = b.StartedAt
	}
	if b.EndedAt.After(a.EndedAt) {
		a.EndedAt = b.EndedAt
	}
	a.Planned = max(a.Planned, b.Planned)
	a.Interrupted = a.Interrupted || b.Interrupted
	if hadShards {
		a.Emulated = a.Emulated && b.Emulated
	} else {
		a.Emulated = b.Emulated
	}
	s.RequestedRate += other.RequestedRate
	if s.SchemaVersion == 0 {
		s.SchemaVersion = other.SchemaVersion
	}
	return nil
}

// earliest is the earlier of two instants, a zero one counting as unknown.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// MergeContract adds another shard's contract counts to s: counters and
// ByCheck add up, Findings are appended up to DefaultMaxSummaryFindings,
// SampleRate is kept (the scenario's, the same in every shard) or taken
// from c when unset.
func (s *Summary) MergeContract(c ContractSummary) {
	d := &s.Contract
	if d.SampleRate == 0 {
		d.SampleRate = c.SampleRate
	}
	d.Sampled += c.Sampled
	d.Checked += c.Checked
	d.Dropped += c.Dropped
	d.Violations += c.Violations
	if len(c.ByCheck) > 0 && d.ByCheck == nil {
		d.ByCheck = make(map[string]uint64, len(c.ByCheck))
	}
	for k, v := range c.ByCheck {
		d.ByCheck[k] += v
	}
	for _, f := range c.Findings {
		if len(d.Findings) >= DefaultMaxSummaryFindings {
			break
		}
		d.Findings = append(d.Findings, f)
	}
}

// AddFinding counts one finding in the contract summary: Violations,
// ByCheck, and Findings up to DefaultMaxSummaryFindings.
func (c *ContractSummary) AddFinding(f Finding) {
	c.Violations++
	if c.ByCheck == nil {
		c.ByCheck = make(map[string]uint64)
	}
	c.ByCheck[f.Check]++
	if len(c.Findings) < DefaultMaxSummaryFindings {
		c.Findings = append(c.Findings, f)
	}
}

// Successes is the number of requests Vegeta counts as successful (an
// answer 2xx or 3xx), recovered from Metrics.Success, which is that count
// over Metrics.Requests.
func (s *Summary) Successes() uint64 {
	return uint64(math.Round(s.Metrics.Success * float64(s.Metrics.Requests)))
}

// RateLimitedTotal is the number of 429 answers over all policies; from
// the status codes when no policy was recorded (a summary made by hand or
// by another tool).
func (s *Summary) RateLimitedTotal() uint64 {
	var n uint64
	for _, v := range s.RateLimited {
		n += v
	}
	if n == 0 {
		n = uint64(s.Metrics.StatusCodes["429"])
	}
	return n
}

// ErrorsTotal is the number of requests that failed other than by a 429
// (the error_rate metric): the sum of ErrorClasses, or, when no classes
// were recorded, every request that did not succeed less the 429s.
func (s *Summary) ErrorsTotal() uint64 {
	if s.ErrorClasses != nil {
		var n uint64
		for _, v := range s.ErrorClasses {
			n += v
		}
		return n
	}
	failed := s.Metrics.Requests - min(s.Successes(), s.Metrics.Requests)
	return failed - min(s.RateLimitedTotal(), failed)
}

// ShardsString is the shard list as "1/3,2/3" ("" for an unsharded run).
func (r RunInfo) ShardsString() string {
	if len(r.Shards) == 0 || (len(r.Shards) == 1 && normalShard(r.Shards[0]).Count == 1) {
		return ""
	}
	parts := make([]string, len(r.Shards))
	for i, s := range r.Shards {
		parts[i] = normalShard(s).String()
	}
	return strings.Join(parts, ",")
}

// InvariantsPart is one shard's invariants for MergeInvariants; Label names
// the shard in notes ("shard 2/3"; "" for an unsharded run).
type InvariantsPart struct {
	Label      string
	Invariants *InvariantsSummary
}

// MergeInvariants adds up the run-wide invariants of the shards of one
// run. Shards write disjoint keys, so every count adds: answers, results,
// keys, each check's Checked and Violations, the read-back's requests and
// key reads, the schema coverage (its share recomputed from the sums).
// Offenders are concatenated in shard order up to DefaultMaxOffenders per
// check. A check some shards could not run keeps no NotChecked of its own
// (it ran) but a Note naming those shards and why; a check no shard could
// run keeps their reasons. A shard without invariants (an older build)
// counts as not checked in every check. Run on one shard, the result is
// that shard's summary. It returns nil when no shard has invariants.
//
// One id per unique value across shards is not a sum: MergeShardIDs adds
// it from the shards' ids.bin.
func MergeInvariants(parts []InvariantsPart) *InvariantsSummary {
	var with []InvariantsPart
	var without []string
	for _, p := range parts {
		if p.Invariants != nil {
			with = append(with, p)
		} else {
			without = append(without, shardLabel(p.Label))
		}
	}
	if len(with) == 0 {
		return nil
	}
	m := &InvariantsSummary{}
	names := slices.Clone(InvariantNames)
	for _, p := range with {
		s := p.Invariants
		m.Answers += s.Answers
		m.Results += s.Results
		m.Unreadable += s.Unreadable
		m.UnknownOutcome += s.UnknownOutcome
		m.Keys += s.Keys
		m.KeyStateBytes += s.KeyStateBytes
		m.MaxKeys += s.MaxKeys
		m.Untracked += s.Untracked
		m.Exchanges += s.Exchanges
		m.Unmatched += s.Unmatched
		m.QueueWaits += s.QueueWaits
		m.QueueWaited += s.QueueWaited
		m.Schema.add(s.Schema)
		for _, c := range s.Checks {
			if !slices.Contains(names, c.Name) {
				names = append(names, c.Name) // a check this build does not know: kept, after ours
			}
		}
	}
	m.Schema.Share = m.Schema.share()
	m.Verify = mergeVerify(with)
	for _, name := range names {
		m.Checks = append(m.Checks, mergeCheck(name, with, without))
	}
	return m
}

// shardLabel is how a note names a shard.
func shardLabel(label string) string {
	if label == "" {
		return "the run"
	}
	return label
}

// mergeCheck merges one named check over the shards that have invariants;
// without names the shards that have none.
func mergeCheck(name string, with []InvariantsPart, without []string) InvariantCheck {
	m := InvariantCheck{Name: name, Description: InvariantDescriptions[name]}
	var reasons, notes []string
	var notIn []string // "shard 2/3: reason"
	ran := false
	for _, p := range with {
		c := p.Invariants.Check(name)
		if c == nil {
			notIn = append(notIn, shardLabel(p.Label)+": its summary has no such check")
			continue
		}
		if m.Description == "" {
			m.Description = c.Description
		}
		if m.Unit == "" {
			m.Unit = c.Unit
		}
		m.Checked += c.Checked
		m.Violations += c.Violations
		for _, o := range c.Offenders {
			if len(m.Offenders) >= DefaultMaxOffenders {
				break
			}
			m.Offenders = append(m.Offenders, o)
		}
		if c.Note != "" && !slices.Contains(notes, c.Note) {
			notes = append(notes, c.Note)
		}
		if c.NotChecked != "" {
			if !slices.Contains(reasons, c.NotChecked) {
				reasons = append(reasons, c.NotChecked)
			}
			notIn = append(notIn, shardLabel(p.Label)+": "+c.NotChecked)
			continue
		}
		ran = true
	}
	for _, l := range without {
		notIn = append(notIn, l+": its summary has no invariants")
	}
	if ran {
		if len(notIn) > 0 {
			notes = append(notes, "not checked in "+strings.Join(notIn, "; "))
		}
	} else {
		if len(reasons) == 0 {
			reasons = append(reasons, "no shard checked it")
		}
		m.NotChecked = strings.Join(reasons, "; ")
	}
	m.Note = strings.Join(notes, "; ")
	return m
}

// mergeVerify adds up the shards' read-back verification: requests and key
// reads add, the rounds and the time spent are those of the longest shard
// (shards verify at the same time), the mode and window are the scenario's.
// A shard that verified nothing while others did makes it incomplete.
func mergeVerify(parts []InvariantsPart) *VerifySummary {
	var m *VerifySummary
	var incomplete, none []string
	for _, p := range parts {
		v := p.Invariants.Verify
		if v == nil {
			none = append(none, shardLabel(p.Label))
			continue
		}
		if m == nil {
			m = &VerifySummary{Mode: v.Mode, Window: v.Window, Every: v.Every}
		}
		m.Sample += v.Sample
		m.Rounds = max(m.Rounds, v.Rounds)
		m.Requests += v.Requests
		m.RateLimited += v.RateLimited
		m.Failed += v.Failed
		m.Keys += v.Keys
		m.Properties += v.Properties
		m.Unverifiable += v.Unverifiable
		m.Skipped += v.Skipped
		m.Mismatches += v.Mismatches
		m.Lag += v.Lag
		m.Planned += v.Planned
		m.Unread += v.Unread
		m.Unsettled += v.Unsettled
		m.Duration = max(m.Duration, v.Duration)
		if v.Incomplete != "" {
			if len(parts) == 1 {
				incomplete = append(incomplete, v.Incomplete)
			} else {
				incomplete = append(incomplete, shardLabel(p.Label)+": "+v.Incomplete)
			}
		}
	}
	if m == nil {
		return nil
	}
	if len(none) > 0 {
		incomplete = append(incomplete, "no read-back in "+strings.Join(none, ", "))
	}
	m.Incomplete = strings.Join(incomplete, "; ")
	return m
}

func (s *SchemaCoverage) add(o SchemaCoverage) {
	s.Answers += o.Answers
	s.Checked += o.Checked
	s.Violations += o.Violations
	s.Fast += o.Fast
	s.Budget = max(s.Budget, o.Budget)
	s.Behind = max(s.Behind, o.Behind)
}

// share is the share of answers that got the full schema check (0 when
// there was no answer).
func (s SchemaCoverage) share() float64 {
	if s.Answers == 0 {
		return 0
	}
	return float64(s.Checked) / float64(s.Answers)
}

// Violate counts one violation of the check and keeps o as an offender
// while fewer than DefaultMaxOffenders are listed, one per key.
func (c *InvariantCheck) Violate(o Offender) {
	c.Violations++
	if len(c.Offenders) >= DefaultMaxOffenders {
		return
	}
	if o.Key != "" {
		for _, x := range c.Offenders {
			if x.Key == o.Key {
				return
			}
		}
	}
	c.Offenders = append(c.Offenders, o)
}
