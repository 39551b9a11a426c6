package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/golden"
	"github.com/upsertbench/upsertbench/internal/results"
)

// invSpec describes the run-wide invariants of a synthetic run.
type invSpec struct {
	// violations per invariant, in every shard; each gets an offender
	// until results.DefaultMaxOffenders.
	violations map[string]int
	// notChecked gives an invariant the engine's reason for not running it.
	notChecked map[string]string
	// verifyOff leaves the read-back out (Verify nil, its checks unchecked).
	verifyOff bool
	// crossDup gives key 3 of shard 2 the record id of key 3 of shard 1.
	crossDup bool
	// nothing leaves the named invariant with nothing checked and no reason.
	nothing string
	// unread keys of the final read-back were never read, for the reason
	// incomplete gives (the target's daily limit stopped it).
	unread     uint64
	incomplete string
}

// synthKeys is how many keys each synthetic shard wrote.
const synthKeys = 40

func synthKey(shard, i int) string { return fmt.Sprintf("ub-7f3a-%d-%06d", shard, i) }

func synthID(shard, shards, i int) uint64 { return 48000000000 + uint64(i*shards+shard-1) }

// synthIDs are the keys of a synthetic shard with their first ids.
func synthIDs(shard, shards int, sp invSpec) []results.KeyID {
	ids := make([]results.KeyID, synthKeys)
	for i := range ids {
		id := synthID(shard, shards, i)
		if sp.crossDup && shard == 2 && i == 3 {
			id = synthID(1, shards, 3)
		}
		ids[i] = results.KeyID{ID: id, Key: synthKey(shard, i), First: results.AnswerRef{Kind: "upsert", Batch: uint64(i / 10),
			At: time.Duration(i*100+shard) * time.Millisecond, Status: 200, ID: fmt.Sprint(id), Detail: "new:true"}}
	}
	return ids
}

// synthInvariants is a synthetic shard's invariants: every check ran on
// plausible counts, with the violations and reasons sp asks for.
func synthInvariants(shard, shards int, sp invSpec) *results.InvariantsSummary {
	inv := &results.InvariantsSummary{
		Answers: 180 / uint64(shards), Results: 18000 / uint64(shards), Keys: synthKeys, KeyStateBytes: 64 * synthKeys, MaxKeys: 1 << 20,
		Schema: results.SchemaCoverage{Answers: 180 / uint64(shards), Checked: 120 / uint64(shards), Budget: 0.25, Fast: 120 / uint64(shards), Behind: time.Duration(shard) * 1500 * time.Millisecond},
	}
	inv.Schema.Share = float64(inv.Schema.Checked) / float64(inv.Schema.Answers)
	if !sp.verifyOff {
		inv.Verify = &results.VerifySummary{Mode: "all", Rounds: 1, Requests: 1, Keys: synthKeys - sp.unread, Properties: 3 * synthKeys,
			Mismatches: 2, Lag: 1, Skipped: 1, Duration: 40 * time.Millisecond, Planned: synthKeys + 1, Unread: sp.unread, Incomplete: sp.incomplete}
	}
	units := map[string]string{results.InvariantOneID: "keys", results.InvariantAccounting: "inputs",
		results.InvariantLostWrite: "key reads", results.InvariantStaleRead: "key reads"}
	for _, name := range results.InvariantNames {
		c := results.InvariantCheck{Name: name, Description: results.InvariantDescriptions[name], Unit: units[name], Checked: inv.Results}
		if c.Unit == "" {
			c.Unit = "results"
		}
		switch name {
		case results.InvariantOneID:
			c.Checked = synthKeys
		case results.InvariantLostWrite, results.InvariantStaleRead:
			c.Checked = synthKeys
			if sp.verifyOff {
				c.Checked = 0
			}
		}
		if r := sp.notChecked[name]; r != "" {
			c.NotChecked, c.Checked = r, 0
		}
		if sp.nothing == name {
			c.Checked = 0
		}
		for v := range sp.violations[name] {
			key := synthKey(shard, v)
			c.Violate(synthOffender(name, key, v))
		}
		inv.Checks = append(inv.Checks, c)
	}
	return inv
}

// synthOffender is what the engine would list for a violation of name.
func synthOffender(name, key string, v int) results.Offender {
	at := func(ms int) time.Duration { return time.Duration(ms) * time.Millisecond }
	up := func(batch, ms int, id, detail string) results.AnswerRef {
		return results.AnswerRef{Kind: "upsert", Batch: uint64(batch), At: at(ms), Status: 200, ID: id, Detail: detail}
	}
	id := fmt.Sprint(48000000100 + v)
	switch name {
	case results.InvariantOneID:
		return results.Offender{Key: key, Message: "record id " + id + " also came back for ub-7f3a-1-000099",
			First: up(2, 250, id, "for ub-7f3a-1-000099"), Second: up(7, 910+v, id, "for "+key)}
	case results.InvariantNewOnce:
		return results.Offender{Key: key, Message: "new:true a second time for the same key",
			First: up(1, 120, id, "new:true"), Second: up(9, 1400+v, id, "new:true")}
	case results.InvariantTraceID:
		return results.Offender{Key: key, Message: "objectWriteTraceId names no input of this batch with this unique value",
			Second: up(4, 600+v, id, "trace id ub-t-4-77")}
	case results.InvariantAccounting:
		return results.Offender{Key: key, Message: "an acknowledged input has no result",
			Second: up(5, 700+v, "", "0 results for this input")}
	case results.InvariantUpdatedAt:
		return results.Offender{Key: key, Message: "updatedAt went backwards after an earlier write was acknowledged",
			First: up(3, 300, id, "updatedAt 2026-11-28T10:00:00.300Z"), Second: up(8, 800+v, id, "updatedAt 2026-11-28T10:00:00.100Z")}
	case results.InvariantLostWrite:
		return results.Offender{Key: key, Message: "the read shows none of the acknowledged write",
			First: up(6, 650, id, "hs_task_subject fp 3f2a"), Second: results.AnswerRef{Kind: "read", Batch: 1, At: at(10100 + v), Status: 200, ID: id, Detail: "hs_task_subject fp 91c0"}}
	default:
		return results.Offender{Key: key, Message: "the read shows an older value than an acknowledged write",
			First: up(6, 660, id, "hs_task_subject fp 3f2a"), Second: results.AnswerRef{Kind: "read", Batch: 1, At: at(10200 + v), Status: 200, ID: id, Detail: "hs_task_subject fp 0b11"}}
	}
}

// everyInvariant breaks every invariant: twice each, and 25 times the
// first, more than the offenders listed.
func everyInvariant() map[string]int {
	m := map[string]int{}
	for _, n := range results.InvariantNames {
		m[n] = 2
	}
	m[results.InvariantOneID] = 25
	return m
}

func TestGoldenInvariants(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec synthSpec
	}{
		{"invariants-clean", synthSpec{inv: &invSpec{}}},
		{"invariants-violations", synthSpec{inv: &invSpec{violations: everyInvariant()}}},
		{"invariants-notchecked", synthSpec{inv: &invSpec{verifyOff: true,
			notChecked: map[string]string{results.InvariantTraceID: "the scenario sends no trace ids (batch.trace_ids: false); results that carry one anyway are still violations"}}}},
		{"invariants-shards", synthSpec{shards: 2, inv: &invSpec{crossDup: true, violations: map[string]int{results.InvariantNewOnce: 1}}}},
		// The target's daily limit stopped the read-back after a third of
		// the keys: the verdict says so, not only the read-back's counts.
		{"invariants-readback-incomplete", synthSpec{inv: &invSpec{unread: 27,
			incomplete: "read 14 of 41 keys: the target answered 429 with its daily limit (policy DAILY): verification stopped"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			r, err := Build(writeSynth(t, filepath.Join(root, "current"), tc.spec), WithNow(synthNow))
			require.NoError(t, err)
			stableDirs(r, root)
			for _, f := range []string{FormatText, FormatMD, FormatJSON, FormatJUnit} {
				var buf bytes.Buffer
				require.NoError(t, r.Write(&buf, f))
				golden.Equal(t, filepath.Join("testdata", tc.name+"."+f+".golden"), buf.Bytes())
			}
		})
	}
}

// buildInv builds the report of a one-shard synthetic run with sp.
func buildInv(t *testing.T, sp invSpec) *Report {
	t.Helper()
	r, err := Build(writeSynth(t, t.TempDir(), synthSpec{inv: &sp}), WithNow(synthNow))
	require.NoError(t, err)
	return r
}

func runCheckOf(t *testing.T, r *Report, name string) results.RunCheck {
	t.Helper()
	for _, c := range r.Summary.RunChecks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no run check %s in %v", name, r.Summary.RunChecks)
	return results.RunCheck{}
}

func TestInvariantViolationFailsVerdict(t *testing.T) {
	clean := buildInv(t, invSpec{})
	require.Equal(t, VerdictPass, clean.Summary.Verdict, "failures: %v", clean.Failures)
	for _, name := range results.InvariantNames {
		t.Run(name, func(t *testing.T) {
			r := buildInv(t, invSpec{violations: map[string]int{name: 1}})
			assert.Equal(t, VerdictFail, r.Summary.Verdict)
			require.Len(t, r.Failures, 1)
			assert.True(t, strings.HasPrefix(r.Failures[0], "invariant "+name+": 1 violation in "), r.Failures[0])
			c := runCheckOf(t, r, name)
			assert.False(t, c.Pass)
			assert.Equal(t, uint64(1), c.Count)
			require.Len(t, c.Offenders, 1)
			// Every output names the check and its offender.
			o := c.Offenders[0]
			for _, f := range AllFormats {
				var buf bytes.Buffer
				require.NoError(t, r.Write(&buf, f))
				want := []string{name, o.Key, o.Message}
				if f == FormatJSON {
					back, err := results.ParseSummary(buf.Bytes())
					require.NoError(t, err)
					assert.Equal(t, c, runCheckOf(t, &Report{Summary: back}, name), "summary.json keeps the check whole")
				} else {
					want = append(want, o.Second.String())
				}
				for _, w := range want {
					assert.True(t, strings.Contains(buf.String(), w), "%s lacks %q", f, w)
				}
			}
			// The other invariants still pass.
			for _, other := range results.InvariantNames {
				if other != name {
					assert.True(t, runCheckOf(t, r, other).Pass, other)
				}
			}
		})
	}
}

func TestInvariantPolicy(t *testing.T) {
	const reason = "the scenario sends no trace ids"
	for _, tc := range []struct {
		name    string
		spec    invSpec
		check   string
		status  string
		verdict string
		message string
	}{
		{"held", invSpec{}, results.InvariantOneID, StatusPass, VerdictPass, "held for 40 keys"},
		{"not checked by the run's choice", invSpec{notChecked: map[string]string{results.InvariantTraceID: reason}},
			results.InvariantTraceID, StatusSkip, VerdictPass, "not checked: " + reason},
		{"a violation although not checked", invSpec{notChecked: map[string]string{results.InvariantTraceID: reason}, violations: map[string]int{results.InvariantTraceID: 1}},
			results.InvariantTraceID, StatusFail, VerdictFail, "1 violation; otherwise not checked: " + reason},
		{"read-back off", invSpec{verifyOff: true}, results.InvariantLostWrite, StatusSkip, VerdictPass, "not checked: read-back verification was off in this run"},
		{"checked nothing", invSpec{nothing: results.InvariantUpdatedAt}, results.InvariantUpdatedAt, StatusFail, VerdictFail,
			"checked nothing, so it proves nothing (a check that never ran fails): none of the 180 2xx upsert answers gave it anything to check"},
		{"read back nothing", invSpec{nothing: results.InvariantStaleRead}, results.InvariantStaleRead, StatusFail, VerdictFail,
			"checked nothing, so it proves nothing (a check that never ran fails): the read-back compared no key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := buildInv(t, tc.spec)
			c := runCheckOf(t, r, tc.check)
			assert.Equal(t, tc.status, runCheckStatus(c))
			assert.Equal(t, tc.message, c.Message)
			assert.Equal(t, tc.verdict, r.Summary.Verdict, "failures: %v", r.Failures)
			var buf bytes.Buffer
			require.NoError(t, r.WriteJUnit(&buf))
			if tc.status == StatusSkip {
				assert.Contains(t, buf.String(), `<skipped message="`+xmlText(c.Message)+`">`)
			}
		})
	}
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func TestNoInvariantsNoRows(t *testing.T) {
	r, err := Build(writeSynth(t, t.TempDir(), synthSpec{}), WithNow(synthNow))
	require.NoError(t, err)
	for _, c := range r.Summary.RunChecks {
		assert.False(t, isInvariant(c.Name), c.Name)
	}
	var buf bytes.Buffer
	require.NoError(t, r.WriteText(&buf))
	assert.NotContains(t, buf.String(), "Invariants")
	assert.NotContains(t, buf.String(), "Read-back")
}

func TestInvariantsMergeAcrossShards(t *testing.T) {
	sp := invSpec{crossDup: true, violations: map[string]int{results.InvariantUpdatedAt: 1, results.InvariantOneID: 1}}
	dirs := writeSynth(t, t.TempDir(), synthSpec{shards: 3, inv: &sp})
	r, err := Build(dirs, WithNow(synthNow))
	require.NoError(t, err)
	inv := r.Summary.Invariants
	require.NotNil(t, inv)

	// The merged counts are the sums of the shards' summaries.
	var want results.InvariantsSummary
	var verifyKeys uint64
	for _, d := range dirs {
		s, err := results.ReadSummary(filepath.Join(d, results.SummaryFile))
		require.NoError(t, err)
		p := s.Invariants
		want.Answers += p.Answers
		want.Results += p.Results
		want.Keys += p.Keys
		want.Schema.Answers += p.Schema.Answers
		want.Schema.Checked += p.Schema.Checked
		for i := range results.InvariantNames {
			if want.Checks == nil {
				want.Checks = make([]results.InvariantCheck, len(results.InvariantNames))
			}
			want.Checks[i].Checked += p.Checks[i].Checked
			want.Checks[i].Violations += p.Checks[i].Violations
		}
		verifyKeys += p.Verify.Keys
	}
	assert.Equal(t, want.Answers, inv.Answers)
	assert.Equal(t, want.Results, inv.Results)
	assert.Equal(t, want.Keys, inv.Keys)
	assert.Equal(t, want.Schema.Answers, inv.Schema.Answers)
	assert.Equal(t, want.Schema.Checked, inv.Schema.Checked)
	assert.Equal(t, verifyKeys, inv.Verify.Keys)
	for i, name := range results.InvariantNames {
		assert.Equal(t, want.Checks[i].Checked, inv.Checks[i].Checked, name)
		extra := uint64(0)
		if name == results.InvariantOneID {
			extra = 1 // key 3 of shard 2 has the id of key 3 of shard 1
		}
		assert.Equal(t, want.Checks[i].Violations+extra, inv.Checks[i].Violations, name)
	}

	c := runCheckOf(t, r, results.InvariantOneID)
	assert.False(t, c.Pass)
	assert.Equal(t, uint64(4), c.Count, "one per shard, and one across shards")
	cross := c.Offenders[len(c.Offenders)-1]
	assert.Equal(t, synthKey(2, 3), cross.Key)
	assert.Equal(t, fmt.Sprintf("record id %d came back for %s in shard 1/3 and for %s in shard 2/3", synthID(1, 3, 3), synthKey(1, 3), synthKey(2, 3)), cross.Message)
	assert.Equal(t, 300*time.Millisecond+time.Millisecond, cross.First.At, "the answer that gave shard 1's key the id")
	assert.Equal(t, 300*time.Millisecond+2*time.Millisecond, cross.Second.At)
	assert.Equal(t, VerdictFail, r.Summary.Verdict)
}

func TestInvariantsHTML(t *testing.T) {
	r := buildInv(t, invSpec{violations: everyInvariant(), notChecked: map[string]string{results.InvariantTraceID: "no trace ids"}})
	var buf bytes.Buffer
	require.NoError(t, r.WriteHTML(&buf))
	page := buf.String()
	assert.Contains(t, page, `id="invariant-offenders"`)
	for _, name := range results.InvariantNames {
		assert.Contains(t, page, "<code title=\"") // descriptions as titles
		assert.Contains(t, page, ">"+name+"</code>")
	}
	one := runCheckOf(t, r, results.InvariantOneID)
	require.Len(t, one.Offenders, results.DefaultMaxOffenders)
	for _, o := range one.Offenders {
		assert.Contains(t, page, "<code>"+o.Key+"</code>")
	}
	assert.Contains(t, page, "25 violations, first 20 listed")
	assert.Contains(t, page, "Invariant violations")
	assert.Contains(t, page, "checked 120 of 180 answers (66.67%)")
}
