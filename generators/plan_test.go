package generators

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestPlanBatchMatchesBatch holds PlanBatch to the batches themselves:
// the same key, the same create/update decision and exactly the properties
// the encoded input carries.
func TestPlanBatchMatchesBatch(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
	}{
		{"creates", nil},
		{"updates", []Option{WithUpdateShare(0.6), WithUpdateLag(2), WithTraceIDs(true)}},
		{"invalid", []Option{WithUpdateShare(0.3), WithTraceIDs(true), WithInvalidShare(0.2)}},
		{"owners-queues-shard", []Option{WithUpdateShare(0.5), WithOwnerIDs("11", "12"), WithQueueIDs("7", "8", "9"), WithShard(2, 3)}},
		{"small", []Option{WithBatchSize(3), WithUpdateShare(0.5)}},
	}
	names := hubspot.WritableTaskProperties
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := mustNew(t, tt.opts...)
			var plan []Planned
			for n := uint64(0); n < 25; n++ {
				plan = g.PlanBatch(plan[:0], n)
				req := g.Batch(n)
				desc := g.Describe(n)
				require.Len(t, plan, len(req.Inputs))
				for i, p := range plan {
					in := req.Inputs[i]
					assert.Equal(t, in.ID, g.Key(p.Key), "batch %d input %d key", n, i)
					assert.Equal(t, desc[i].Update, p.Update)
					assert.Equal(t, desc[i].Invalid, p.Invalid)
					for bit, name := range names {
						_, has := in.Properties[name]
						if p.Invalid == InvalidNone {
							assert.Equal(t, has, p.Writes.Has(bit), "batch %d input %d property %s", n, i, name)
						} else if p.Writes.Has(bit) {
							assert.True(t, has, "an invalid input writes at least what its plan says")
						}
					}
				}
			}
		})
	}
}

// TestAppendBatchPlanIsBoth holds the one-pass AppendBatchPlan to
// AppendBatch and PlanBatch made apart, batch by batch, into reused
// buffers that start with other content (it appends).
func TestAppendBatchPlanIsBoth(t *testing.T) {
	for name, opts := range map[string][]Option{
		"creates": nil,
		"invalid": {WithUpdateShare(0.4), WithTraceIDs(true), WithInvalidShare(0.2)},
		"shard":   {WithUpdateShare(0.5), WithShard(2, 3), WithBatchSize(7)},
	} {
		t.Run(name, func(t *testing.T) {
			g := mustNew(t, opts...)
			body, plan := []byte("x"), []Planned{{Key: 1 << 60}}
			for n := uint64(0); n < 40; n++ {
				body, plan = g.AppendBatchPlan(body[:1], plan[:1], n)
				assert.Equal(t, "x"+string(g.AppendBatch(nil, n)), string(body), "batch %d", n)
				assert.Equal(t, append([]Planned{{Key: 1 << 60}}, g.PlanBatch(nil, n)...), plan, "batch %d", n)
			}
		})
	}
}

func TestPlanBatchDoesNotAllocate(t *testing.T) {
	g := mustNew(t, WithUpdateShare(0.5), WithTraceIDs(true))
	plan := g.PlanBatch(nil, 0)
	allocs := testing.AllocsPerRun(20, func() { plan = g.PlanBatch(plan[:0], 7) })
	assert.Zero(t, allocs)
	body, plan := g.AppendBatchPlan(nil, nil, 0)
	allocs = testing.AllocsPerRun(20, func() { body, plan = g.AppendBatchPlan(body[:0], plan[:0], 7) })
	assert.Zero(t, allocs)
}

func TestPropMaskOrder(t *testing.T) {
	require.Len(t, writtenProps, len(hubspot.WritableTaskProperties))
	for bit, p := range writtenProps {
		assert.Equal(t, hubspot.WritableTaskProperties[bit], propNames[p], "bit %d", bit)
		// input.planned shifts the property bits into the mask.
		assert.Equal(t, pTimestamp+bit, p, "bit %d is property index %d", bit, pTimestamp+bit)
	}
}

// TestPlannedHoldsNoPointer: a load run keeps hundreds of plans queued and
// in flight (a free list of ~4 kB slices); a pointer anywhere in Planned
// would make the garbage collector scan every one of them each cycle.
func TestPlannedHoldsNoPointer(t *testing.T) {
	var walk func(t reflect.Type) []string
	walk = func(t reflect.Type) []string {
		switch t.Kind() {
		case reflect.Struct:
			var out []string
			for i := 0; i < t.NumField(); i++ {
				for _, p := range walk(t.Field(i).Type) {
					out = append(out, t.Field(i).Name+"."+p)
				}
			}
			return out
		case reflect.Array:
			return walk(t.Elem())
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
			reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			return nil
		}
		return []string{t.String()}
	}
	assert.Empty(t, walk(reflect.TypeFor[Planned]()), "fields of Planned that hold pointers")
}

func TestParseKey(t *testing.T) {
	for _, shards := range []int{1, 3} {
		for shard := 1; shard <= shards; shard++ {
			g := mustNew(t, WithKeyPrefix("ub-7f"), WithShard(shard, shards))
			for _, k := range []uint64{0, 1, 9, 10, 12345, 1 << 40} {
				got, ok := g.ParseKey([]byte(g.Key(k)))
				require.True(t, ok, g.Key(k))
				assert.Equal(t, k, got)
				assert.Equal(t, fmt.Sprintf("ub-7f-%d", g.KeyNumber(k)), g.Key(k))
			}
		}
	}
	one, sharded := mustNew(t, WithKeyPrefix("ub-7f")), mustNew(t, WithKeyPrefix("ub-7f"), WithShard(2, 3))
	for _, bad := range []string{"", "ub-7f", "ub-7f-", "ub-7f-x", "ub-7f-01", "ub-7f--1", "ub-7f-+1",
		"ub-7e-1", "ub-7f-1 ", "ub-7f-99999999999999999999999", "ub-7f-18446744073709551616"} {
		_, ok := one.ParseKey([]byte(bad))
		assert.False(t, ok, "one shard: %q", bad)
		_, ok = sharded.ParseKey([]byte(bad))
		assert.False(t, ok, "shard 2 of 3: %q", bad)
	}
	_, ok := sharded.ParseKey([]byte("ub-7f-3"))
	assert.False(t, ok, "shard 1's key is not shard 2's")
	got, ok := one.ParseKey([]byte("ub-7f-18446744073709551615"))
	assert.True(t, ok)
	assert.Equal(t, uint64(1<<64-1), got, "one shard: the number is the key")
}

func TestParseTraceID(t *testing.T) {
	for _, shards := range []int{1, 4} {
		g := mustNew(t, WithShard(shards, shards), WithTraceIDs(true), WithBatchSize(50))
		for _, n := range []uint64{0, 1, 77, 1 << 33} {
			for _, i := range []int{0, 9, 49} {
				id := g.TraceID(n, i)
				gn, gi, ok := g.ParseTraceID([]byte(id))
				require.True(t, ok, id)
				assert.Equal(t, n, gn)
				assert.Equal(t, i, gi)
			}
		}
	}
	one := mustNew(t, WithBatchSize(50))
	four := mustNew(t, WithShard(2, 4), WithBatchSize(50))
	for _, tc := range []struct {
		g  *Generator
		id string
	}{
		{one, ""}, {one, "b"}, {one, "b1"}, {one, "b1-"}, {one, "b-1"}, {one, "b01-1"}, {one, "b1-50"},
		{one, "x1-1"}, {one, "s1b1-1"}, {four, "b1-1"}, {four, "s1b1-1"}, {four, "s2b"}, {four, "s02b1-1"},
		{one, "b1-1-1"}, {one, "b18446744073709551616-1"},
	} {
		_, _, ok := tc.g.ParseTraceID([]byte(tc.id))
		assert.False(t, ok, "%q", tc.id)
	}
	// Against a reference built from strings.Cut and strconv, on ids made
	// of the pieces a trace id has and the bytes that could be mistaken
	// for them, in every order up to five pieces.
	reference := func(g *Generator, id string) (uint64, int, bool) {
		canon := func(s string) (uint64, bool) {
			v, err := strconv.ParseUint(s, 10, 64)
			return v, err == nil && strconv.FormatUint(v, 10) == s
		}
		if _, shards := g.Shard(); shards > 1 {
			rest, found := strings.CutPrefix(id, "s")
			shard, tail, found2 := strings.Cut(rest, "b")
			if s, ok := canon(shard); !found || !found2 || !ok || s != uint64(g.cfg.shard+1) {
				return 0, 0, false
			}
			id = "b" + tail
		}
		rest, found := strings.CutPrefix(id, "b")
		batch, pos, found2 := strings.Cut(rest, "-")
		n, ok1 := canon(batch)
		i, ok2 := canon(pos)
		if !found || !found2 || !ok1 || !ok2 || i >= 50 {
			return 0, 0, false
		}
		return n, int(i), true
	}
	pieces := []string{"s", "s2", "b", "-", "2", "0", "12", "x", "49", "50"}
	var ids []string
	var build func(prefix string, depth int)
	build = func(prefix string, depth int) {
		ids = append(ids, prefix)
		if depth == 5 {
			return
		}
		for _, p := range pieces {
			build(prefix+p, depth+1)
		}
	}
	build("", 0)
	accepted := 0
	for _, g := range []*Generator{one, four} {
		for _, id := range ids {
			n, i, ok := g.ParseTraceID([]byte(id))
			wn, wi, wok := reference(g, id)
			require.Equal(t, wok, ok, "%q", id)
			require.Equal(t, wn, n, "%q", id)
			require.Equal(t, wi, i, "%q", id)
			if ok {
				accepted++
			}
		}
	}
	assert.Greater(t, accepted, 100, "the pieces make many valid ids")
}

func TestParseCanonicalUint(t *testing.T) {
	for _, v := range []uint64{0, 1, 10, 1<<64 - 1} {
		got, ok := parseCanonicalUint([]byte(strconv.FormatUint(v, 10)))
		assert.True(t, ok)
		assert.Equal(t, v, got)
	}
	for _, bad := range []string{"", "00", "18446744073709551616", "-1", "1a"} {
		_, ok := parseCanonicalUint([]byte(bad))
		assert.False(t, ok, bad)
	}
	// Against strconv: the digit strings around every power of ten and
	// around 2^64 (20 and 21 digits, every last digit), with a leading
	// zero, and with each byte replaced by bytes next to the digits.
	var cases []string
	for _, base := range []string{"1", "9", "10", "99", "1844674407370955161", "1844674407370955160", "9999999999999999999",
		"1000000000000000000", "0"} {
		for d := byte('0'); d <= '9'; d++ {
			cases = append(cases, base+string(d), base+string(d)+"0", "0"+base+string(d), base)
		}
	}
	for _, c := range slices.Clone(cases) {
		for i := range len(c) {
			for _, b := range []byte{'/', ':', 0, 0xff, '0' - 48, '9' + 48} {
				m := []byte(c)
				m[i] = b
				cases = append(cases, string(m))
			}
		}
	}
	for _, c := range cases {
		want, err := strconv.ParseUint(c, 10, 64)
		wantOK := err == nil && strconv.FormatUint(want, 10) == c
		got, ok := parseCanonicalUint([]byte(c))
		require.Equal(t, wantOK, ok, "%q", c)
		if ok {
			require.Equal(t, want, got, "%q", c)
		}
	}
}
