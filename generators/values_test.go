package generators

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

var (
	digits    = regexp.MustCompile(`^[0-9]+$`)
	queueList = regexp.MustCompile(`^[0-9]+(;[0-9]+)?$`)
)

// parseDue accepts the two forms HubSpot takes for hs_timestamp.
func parseDue(v string) (time.Time, bool) {
	if digits.MatchString(v) {
		ms, err := strconv.ParseInt(v, 10, 64)
		return time.UnixMilli(ms).UTC(), err == nil
	}
	at, err := time.Parse(hubspot.TimeLayout, v)
	return at, err == nil
}

// checkValid asserts that every property of a valid input is well-formed.
func checkValid(t *testing.T, g *Generator, in hubspot.UpsertInput) {
	t.Helper()
	require.Equal(t, g.IDProperty(), in.IDProperty)
	require.Equal(t, in.ID, in.Properties[g.IDProperty()], "the unique property holds the key")
	ref := DefaultReferenceTime
	var due time.Time
	for name, v := range in.Properties {
		switch name {
		case g.IDProperty():
		case hubspot.PropTimestamp:
			var ok bool
			due, ok = parseDue(v)
			require.True(t, ok, "hs_timestamp %q", v)
			assert.True(t, due.After(ref.AddDate(0, 0, -92)) && due.Before(ref.AddDate(0, 0, 124)), "due %s", due)
			assert.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, due.Weekday(), "due on a weekend: %s", due)
		case hubspot.PropTaskStatus:
			assert.True(t, hubspot.TaskStatus(v).Valid(), v)
		case hubspot.PropTaskPriority:
			assert.True(t, hubspot.TaskPriority(v).Valid(), v)
		case hubspot.PropTaskType:
			assert.True(t, hubspot.TaskType(v).Valid(), v)
		case hubspot.PropOwnerID, hubspot.PropTaskReminders:
			assert.Regexp(t, digits, v, name)
		case hubspot.PropQueueMembershipIDs:
			assert.Regexp(t, queueList, v)
		case hubspot.PropTaskSubject, hubspot.PropTaskBody:
			assert.NotEmpty(t, v)
			assert.LessOrEqual(t, utf8.RuneCountInString(v), hubspot.MaxPropertyValueLength)
			assert.NotContains(t, v, "{", "unfilled template slot")
		default:
			t.Errorf("undocumented property %s", name)
		}
	}
	if r, ok := in.Properties[hubspot.PropTaskReminders]; ok {
		require.False(t, due.IsZero(), "a reminder comes with its due date")
		ms, _ := strconv.ParseInt(r, 10, 64)
		assert.Less(t, ms, due.UnixMilli(), "reminder before the due date")
	}
}

func TestValuesAreValidAndCoverEveryProperty(t *testing.T) {
	g := mustNew(t, WithSeed(11), WithUpdateShare(0.3))
	for n := uint64(0); n < 20; n++ {
		b := g.Batch(n)
		info := g.Describe(n)
		present := map[string]bool{}
		for i, in := range b.Inputs {
			checkValid(t, g, in)
			if !info[i].Update {
				assert.Contains(t, in.Properties, hubspot.PropTimestamp, "creates need hs_timestamp")
				assert.Contains(t, in.Properties, hubspot.PropTaskSubject)
			} else {
				assert.Greater(t, len(in.Properties), 1, "an update changes something")
			}
			for name := range in.Properties {
				present[name] = true
			}
		}
		for _, p := range hubspot.WritableTaskProperties {
			assert.True(t, present[p], "batch %d lacks %s", n, p)
		}
	}
}

func TestBothTimestampForms(t *testing.T) {
	g := mustNew(t)
	var iso, epoch int
	for _, in := range g.Batch(0).Inputs {
		v, ok := in.Properties[hubspot.PropTimestamp]
		require.True(t, ok, "a create without hs_timestamp")
		if digits.MatchString(v) {
			epoch++
			continue
		}
		_, err := time.Parse(hubspot.TimeLayout, v)
		require.NoError(t, err, "neither epoch milliseconds nor ISO 8601: %q", v)
		iso++
	}
	assert.InDelta(t, 50, iso, 20)
	assert.InDelta(t, 50, epoch, 20)
}

// TestWeights checks the enum mixes of creates against the configured
// weights over 20,000 inputs; the tolerance is wide and the seed fixed. It
// reads the input plans directly (TestAppendBatchMatchesBatch ties plans to
// bodies) to stay fast under -race.
func TestWeights(t *testing.T) {
	g := mustNew(t, WithSeed(5))
	var status, priority, typ [5]int
	var total [3]int
	for n := uint64(0); n < 200; n++ {
		var b batch
		var in input
		g.start(n, &b)
		for i := 0; i < g.BatchSize(); i++ {
			g.next(&b, i, &in)
			if in.is(pStatus) {
				status[in.status]++
				total[0]++
			}
			if in.is(pPriority) {
				priority[in.priority]++
				total[1]++
			}
			if in.is(pType) {
				typ[in.typ]++
				total[2]++
			}
		}
	}
	check := func(name string, values []string, got []int, total int, w weighted) {
		for i, v := range values {
			assert.InDelta(t, float64(countOf(w, i)), 100*float64(got[i])/float64(total), 2.5, "%s=%s", name, v)
		}
	}
	check(hubspot.PropTaskStatus, hubspot.EnumValues(hubspot.PropTaskStatus), status[:], total[0], statusWeights)
	check(hubspot.PropTaskPriority, hubspot.EnumValues(hubspot.PropTaskPriority), priority[:4], total[1], priorityWeights)
	check(hubspot.PropTaskType, hubspot.EnumValues(hubspot.PropTaskType), typ[:], total[2], typeWeights)
}

func countOf(w weighted, opt int) int {
	n := 0
	for _, o := range w {
		if int(o) == opt {
			n++
		}
	}
	return n
}

func TestOwnersAndQueues(t *testing.T) {
	t.Run("generated pool is small and stable", func(t *testing.T) {
		g := mustNew(t, WithSeed(3))
		owners := map[string]int{}
		for n := uint64(0); n < 20; n++ {
			for _, in := range g.Batch(n).Inputs {
				if o, ok := in.Properties[hubspot.PropOwnerID]; ok {
					owners[o]++
				}
			}
		}
		assert.LessOrEqual(t, len(owners), poolOwners)
		assert.GreaterOrEqual(t, len(owners), poolOwners/2)
	})
	t.Run("real ids", func(t *testing.T) {
		g := mustNew(t, WithOwnerIDs("101", "202"), WithQueueIDs("7"))
		owners := map[string]int{}
		queues := 0
		for _, in := range g.Batch(0).Inputs {
			if o, ok := in.Properties[hubspot.PropOwnerID]; ok {
				owners[o]++
			}
			if q, ok := in.Properties[hubspot.PropQueueMembershipIDs]; ok {
				assert.Equal(t, "7", q)
				queues++
			}
		}
		assert.ElementsMatch(t, []string{"101", "202"}, slices.Collect(maps.Keys(owners)), "both ids given are used, no other")
		assert.Positive(t, queues, "the queue id given is used")
	})
	t.Run("none", func(t *testing.T) {
		g := mustNew(t, WithOwnerIDs(), WithQueueIDs())
		for n := uint64(0); n < 5; n++ {
			for _, in := range g.Batch(n).Inputs {
				assert.NotContains(t, in.Properties, hubspot.PropOwnerID)
				assert.NotContains(t, in.Properties, hubspot.PropQueueMembershipIDs)
			}
		}
	})
}

func TestReferenceTime(t *testing.T) {
	ref := time.Date(2030, 6, 3, 0, 0, 0, 0, time.UTC)
	g := mustNew(t, WithReferenceTime(ref))
	for _, in := range g.Batch(0).Inputs {
		due, ok := parseDue(in.Properties[hubspot.PropTimestamp])
		require.True(t, ok)
		assert.True(t, due.After(ref.AddDate(0, 0, -92)) && due.Before(ref.AddDate(0, 0, 124)), "due %s", due)
	}
}

func TestInvalidInputs(t *testing.T) {
	t.Run("share and kinds", func(t *testing.T) {
		g := mustNew(t, WithInvalidShare(0.1), WithTraceIDs(true), WithSeed(8))
		kinds := map[InvalidKind]int{}
		var bad, all int
		for n := uint64(0); n < 30; n++ {
			b := g.Batch(n)
			for i, info := range g.Describe(n) {
				all++
				in := b.Inputs[i]
				if info.Invalid == InvalidNone {
					checkValid(t, g, in)
					continue
				}
				bad++
				kinds[info.Invalid]++
				checkInvalid(t, info.Invalid, in)
			}
		}
		assert.InDelta(t, 10, 100*float64(bad)/float64(all), 2.5)
		for _, k := range InvalidKinds {
			assert.Positive(t, kinds[k], "kind %s never drawn", k)
		}
	})
	t.Run("restricted kinds", func(t *testing.T) {
		g := mustNew(t, WithInvalidShare(0.5), WithInvalidKinds(InvalidTimestamp))
		bad := 0
		for _, info := range g.Describe(3) {
			assert.Contains(t, []InvalidKind{InvalidNone, InvalidTimestamp}, info.Invalid)
			if info.Invalid != InvalidNone {
				bad++
			}
		}
		assert.InDelta(t, 50, bad, 20, "half of 100 inputs are invalid, all of the one kind allowed")
	})
	t.Run("valid inputs do not change with the share", func(t *testing.T) {
		clean := mustNew(t, WithSeed(2), WithUpdateShare(0.2))
		dirty := mustNew(t, WithSeed(2), WithUpdateShare(0.2), WithInvalidShare(0.3))
		for n := uint64(0); n < 5; n++ {
			cb, db := clean.Batch(n), dirty.Batch(n)
			for i, info := range dirty.Describe(n) {
				if info.Invalid == InvalidNone {
					assert.Equal(t, cb.Inputs[i], db.Inputs[i])
				} else {
					assert.Equal(t, cb.Inputs[i].ID, db.Inputs[i].ID, "a bad input keeps its key")
				}
			}
		}
	})
}

func checkInvalid(t *testing.T, k InvalidKind, in hubspot.UpsertInput) {
	t.Helper()
	p := in.Properties
	switch k {
	case InvalidEnum:
		bad := 0
		for _, name := range []string{hubspot.PropTaskStatus, hubspot.PropTaskPriority, hubspot.PropTaskType} {
			if v, ok := p[name]; ok && !slices.Contains(hubspot.EnumValues(name), v) {
				bad++
			}
		}
		assert.Equal(t, 1, bad, "one enum out of range: %v", p)
	case InvalidTimestamp:
		_, ok := parseDue(p[hubspot.PropTimestamp])
		assert.False(t, ok, p[hubspot.PropTimestamp])
	case InvalidUnknownProperty:
		extra := 0
		for name := range p {
			if name != hubspot.DefaultIDProperty && !slices.Contains(hubspot.WritableTaskProperties, name) {
				extra++
				assert.NotContains(t, hubspot.SystemProperties, name)
			}
		}
		assert.Equal(t, 1, extra)
	case InvalidReadOnlyProperty:
		n := 0
		for _, s := range hubspot.SystemProperties {
			if _, ok := p[s]; ok {
				n++
			}
		}
		assert.Equal(t, 1, n)
	case InvalidOverLongString:
		assert.Equal(t, hubspot.MaxPropertyValueLength+1, utf8.RuneCountInString(p[hubspot.PropTaskBody]))
	default:
		t.Errorf("unknown kind %s", k)
	}
	assert.NotEmpty(t, k.Code())
}

// TestInvalidKindNames: each kind's name and code come from one table; the
// names are what a report prints, so they stay as they were when the kinds
// were strings.
func TestInvalidKindNames(t *testing.T) {
	tests := []struct {
		kind InvalidKind
		name string
		code string
	}{
		{InvalidNone, "none", ""},
		{InvalidEnum, "invalid-enum", hubspot.CodeInvalidOption},
		{InvalidTimestamp, "unparseable-timestamp", hubspot.CodeInvalidDate},
		{InvalidUnknownProperty, "unknown-property", hubspot.CodePropertyDoesntExist},
		{InvalidReadOnlyProperty, "read-only-property", hubspot.CodeReadOnlyValue},
		{InvalidOverLongString, "over-long-string", hubspot.CodeMaxLengthExceeded},
		{InvalidKind(99), "InvalidKind(99)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.name, tt.kind.String())
			assert.Equal(t, tt.name, fmt.Sprintf("%s", tt.kind))
			assert.Equal(t, tt.code, tt.kind.Code())
		})
	}
	assert.Len(t, InvalidKinds, int(numInvalidKinds)-1, "InvalidKinds lists every kind but InvalidNone")
	assert.NotContains(t, InvalidKinds, InvalidNone)
}

func TestBadValuesNeedNoEscaping(t *testing.T) {
	// appendValue copies bad values verbatim into JSON strings.
	for _, list := range [][]string{badStatuses, badPriorities, badTypes, badTimestamps, unknownProperties, readOnlyProperties, {overLong(), "positive"}} {
		for _, v := range list {
			assert.Equal(t, v, escape(v))
		}
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"size 0", WithBatchSize(0), "1 to 100"},
		{"size 101", WithBatchSize(101), "1 to 100"},
		{"negative share", WithUpdateShare(-0.1), "0 to 1"},
		{"invalid share above 1", WithInvalidShare(1.01), "0 to 1"},
		{"empty id property", WithIDProperty(""), "empty id property"},
		{"empty prefix", WithKeyPrefix(""), "empty key prefix"},
		{"shard 0", WithShard(0, 2), "1 ≤ index ≤ count"},
		{"shard beyond", WithShard(3, 2), "1 ≤ index ≤ count"},
		{"bad version", WithVersion("v4"), "v3, 2026-03"},
		{"keyspace below size", WithKeyspace(10), "(update lag + 1) × batch size = 100"},
		{"huge lag", WithUpdateLag(1 << 40), "update lag"},
		{"unknown invalid kind", WithInvalidKinds(InvalidKind(99)), `unknown invalid kind "InvalidKind(99)" (valid: invalid-enum, unparseable-timestamp`},
		{"no invalid kind", WithInvalidKinds(InvalidNone), `unknown invalid kind "none" (valid: invalid-enum`},
		{"queue id with separator", WithQueueIDs("1;2"), "without ';'"},
		{"zero reference time", WithReferenceTime(time.Time{}), "zero reference time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opt)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
