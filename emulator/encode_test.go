package emulator

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestTimestampCache renders sequences of instants through one tsCache, as
// an answer does, and compares every one with hubspot.AppendInstant: the
// same instant again, others within a second, before 1970 and past year
// 9999.
func TestTimestampCache(t *testing.T) {
	base := int64(1_764_331_200_000) // 2025-11-28T12:00:00Z
	var c tsCache
	r := rand.New(rand.NewPCG(1, 2))
	for _, ms := range []int64{base, base, base + 1, base + 1, base, -1, 253_402_300_800_000, 999_999_999_999_999_999, base} {
		assert.Equal(t, string(hubspot.AppendInstant(nil, ms)), string(c.text(ms)), "%d", ms)
	}
	for range 10_000 {
		ms := base + r.Int64N(5_000) - 2_500
		if got, want := string(c.text(ms)), string(hubspot.AppendInstant(nil, ms)); got != want {
			t.Fatalf("text(%d) = %q, want %q", ms, got, want)
		}
		ms = base + r.Int64N(5_000) - 2_500 // appendTS: another record's creation time
		if got, want := string(c.appendTS([]byte("x"), ms)), "x"+string(hubspot.AppendInstant(nil, ms)); got != want {
			t.Fatalf("appendTS(%d) = %q, want %q", ms, got, want)
		}
	}
}

// TestUUIDv7 checks the layout RFC 9562 gives a version 7 UUID: the
// milliseconds in the first 48 bits, version 7, variant 10.
func TestUUIDv7(t *testing.T) {
	const ms = 0x0193_5a2b_3c4d
	got := string(appendUUIDv7(nil, ms, ^uint64(0), 0))
	assert.Regexp(t, regexp.MustCompile(`^01935a2b-3c4d-7fff-8000-000000000000$`), got)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, string(appendUUIDv7(nil, 1, 0x1234, 0x5678)))
	earlier, later := string(appendUUIDv7(nil, ms, ^uint64(0), ^uint64(0))), string(appendUUIDv7(nil, ms+1, 0, 0))
	assert.Less(t, earlier, later, "later milliseconds sort after, whatever the random bits")
}
