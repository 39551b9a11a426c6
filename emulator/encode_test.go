package emulator

import (
	"math/rand/v2"
	"testing"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestTimestampCache renders sequences of instants through one tsCache, as
// an answer does, and compares every one with hubspot.AppendTimestamp:
// within a second, across seconds, days and years, before 1970 and past
// year 9999.
func TestTimestampCache(t *testing.T) {
	base := int64(1_764_331_200_000) // 2025-11-28T12:00:00Z
	tests := []struct {
		name string
		ms   []int64
	}{
		{"same second", []int64{base, base + 1, base + 999, base + 10, base}},
		{"next second", []int64{base + 999, base + 1000, base + 1001, base + 999}},
		{"midnight", []int64{base + 43_199_999, base + 43_200_000, base + 43_199_998}},
		{"new year", []int64{1_767_225_599_999, 1_767_225_600_000, 1_767_225_599_500}},
		{"before 1970", []int64{-1, -1000, -999, -1001, 0, -1}},
		{"past 9999", []int64{253_402_300_800_000, 253_402_300_800_001, base}},
	}
	var c tsCache
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, ms := range tt.ms {
				want := string(hubspot.AppendTimestamp(nil, ms))
				if got := string(c.appendTS([]byte("x"), ms)); got != "x"+want {
					t.Fatalf("appendTS(%d) = %q, want %q", ms, got, "x"+want)
				}
				if got := string(c.text(ms)); got != want {
					t.Fatalf("text(%d) = %q, want %q", ms, got, want)
				}
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		ms := base + r.Int64N(5_000) - 2_500
		if r.IntN(10) == 0 {
			ms = r.Int64N(4_000_000_000_000) - 1_000_000_000_000
		}
		want := string(hubspot.AppendTimestamp(nil, ms))
		if got := string(c.appendTS(nil, ms)); got != want {
			t.Fatalf("appendTS(%d) = %q, want %q", ms, got, want)
		}
	}
}
