package load

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestISOInstantAgreesWithParseInstant holds the fast path to
// hubspot.ParseInstant, the one owner of what an instant is: it must read
// every valid instant of its form (every day of the years 1 to 4, 1599 to
// 2401 and 9996 to 9999, at a random time of day, and the edges of the
// day), and wherever it answers, answer what ParseInstant answers. Every
// byte value at every position of a few instants (digits out of range,
// separators replaced, days past the month's end) must either be refused
// by the fast path or agree.
func TestISOInstantAgreesWithParseInstant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(s string) {
		got, ok := isoInstant([]byte(s))
		want, wantOK := hubspot.ParseInstant([]byte(s))
		if ok && (!wantOK || got != want) {
			t.Fatalf("isoInstant(%q) = %d, ParseInstant says %d, %v", s, got, want, wantOK)
		}
		if ms, ok := parseInstant([]byte(s)); ms != want || ok != wantOK {
			t.Fatalf("parseInstant(%q) = %d, %v; ParseInstant says %d, %v", s, ms, ok, want, wantOK)
		}
	}
	valid := 0
	for _, years := range [][2]int{{1, 4}, {1599, 2401}, {9996, 9999}} {
		for year := years[0]; year <= years[1]; year++ {
			for month := 1; month <= 12; month++ {
				for day := 1; day <= hubspot.DaysIn(month, year); day++ {
					h, m, s, ms := rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000)
					if day == 1 {
						h, m, s, ms = 0, 0, 0, 0
					} else if day == hubspot.DaysIn(month, year) {
						h, m, s, ms = 23, 59, 59, 999
					}
					for _, v := range []string{
						fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, h, m, s, ms),
						fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, h, m, s),
					} {
						_, ok := isoInstant([]byte(v))
						require.True(t, ok, "the fast path reads %q", v)
						check(v)
						valid++
					}
				}
			}
		}
	}
	require.Greater(t, valid, 580_000)
	for _, base := range []string{"2026-11-30T08:33:58.120Z", "2024-02-29T23:59:59.999Z", "2023-04-30T00:00:00.000Z", "0001-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z",
		"2026-04-15T09:30:00Z", "2024-02-29T23:59:59Z", "0001-03-01T00:00:00Z"} {
		for i := range len(base) {
			for c := range 256 {
				b := []byte(base)
				b[i] = byte(c)
				check(string(b))
			}
		}
	}
	for _, odd := range []string{"", "2026-11-30", "2026-11-30T08:33:58.12Z", "2026-11-30T08:33:58.1200Z",
		"2026-11-30T08:33:58.120+01:00", "0000-01-01T00:00:00.000Z", "0000-03-01T00:00:00.000Z", "2023-02-29T00:00:00.000Z",
		"1900-02-29T00:00:00.000Z", "2000-02-29T00:00:00.000Z", "2026-00-10T00:00:00.000Z", "2026-13-10T00:00:00.000Z",
		"2026-11-00T00:00:00.000Z", "2026-11-31T00:00:00.000Z", "2026-11-30T24:00:00.000Z", "2026-11-30T23:60:00.000Z",
		"2026-11-30T23:59:60.000Z", "1796027638000", "-1", "2026-11-30t08:33:58.120Z", "2026-11-30T08:33:58.120z",
		"0000-01-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-11-30T24:00:00Z", "2026-11-30T23:59:60Z", "2026-11-30T23:59:59z",
		"2026-11-30 23:59:59Z", "2026-11-30T23:59:59+0000"} {
		check(odd)
	}
}
