package emulator

import (
	"encoding/binary"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestISO8601(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"2026-12-02", true},
		{"2024-02-29", true},
		{"2026-12-02T15:00:00Z", true},
		{"2026-12-02T15:00:00.123Z", true},
		{"2026-12-02t15:00:00.123456789z", false},
		{"2026-12-02T15:00:00+01:00", true},
		{"2026-12-02T15:00:00.5-05:30", true},
		{"2025-02-29", false},
		{"2026-13-01", false},
		{"2026-12-32", false},
		{"2026-12-02T24:00:00Z", false},
		{"2026-12-02T15:60:00Z", false},
		{"2026-12-02T15:00:00", false},
		{"2026-12-02T15:00:00.Z", false},
		{"2026-12-02T15:00:00+0100", false},
		{"2026-12-02 15:00:00Z", false},
		{"26-12-02", false},
		{"tomorrow", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, ok := parseISO8601([]byte(tt.in))
			assert.Equal(t, tt.ok, ok)
		})
	}
}

// FuzzISO8601 checks the hand-written parser against time.Parse: it must
// never accept what RFC 3339 (or a plain date) rejects, and the instant it
// reads is time.Parse's, cut to the millisecond.
func FuzzISO8601(f *testing.F) {
	for _, s := range []string{"2026-12-02", "2026-12-02T15:00:00.123Z", "2026-12-02T15:00:00+01:00",
		"0000-01-01T00:00:00.9999Z", "1969-12-31T23:59:59.5-23:59", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, ok := parseISO8601([]byte(s))
		if !ok {
			return
		}
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			var err2 error
			if at, err2 = time.Parse(time.DateOnly, s); err2 != nil {
				t.Fatalf("accepted %q, which time.Parse rejects: %v", s, err)
			}
		}
		if want := at.Truncate(time.Millisecond).UnixMilli(); ms != want {
			t.Fatalf("%q reads as %d ms, time.Parse says %d", s, ms, want)
		}
	})
}

func TestStopBytes(t *testing.T) {
	interesting := []byte{0, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5b, 0x5d, 0x7f, 0x80, 0x9f, 0xa0, 0xa2, 0xdc, 0xff, 'a'}
	for c := range 256 {
		for _, n := range interesting {
			for pos := range 8 {
				b := [8]byte{n, n, n, n, n, n, n, n}
				b[pos] = byte(c)
				got := gatherHigh(stopBytes(binary.LittleEndian.Uint64(b[:])))
				var want uint64
				for i, x := range b {
					if isStop[x] {
						want |= 1 << i
					}
				}
				if got != want {
					t.Fatalf("%q: stops %08b, want %08b", b[:], got, want)
				}
			}
		}
	}
}

// TestNextStop compares the bitmap with a byte loop on bodies whose length
// is and is not a multiple of 64.
func TestNextStop(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 63, 64, 65, 127, 128, 200} {
		body := make([]byte, n)
		for i := range body {
			body[i] = "ab\"c\x01 \xc3\xa9zz"[(i*7+n)%9]
		}
		var sc scanner
		sc.reset(body)
		for p := 0; p <= n; p++ {
			want := p
			// In a body that is not valid UTF-8 the bytes from 0x80 up
			// are stops too (str checks them).
			for want < n && !isStop[body[want]] && (utf8.Valid(body) || body[want] < utf8.RuneSelf) {
				want++
			}
			if got := sc.nextStop(p); got != want {
				t.Fatalf("len %d from %d: nextStop %d, want %d", n, p, got, want)
			}
		}
	}
}

func TestGatherHigh(t *testing.T) {
	for want := range uint64(256) {
		var m uint64
		for i := range 8 {
			if want&(1<<i) != 0 {
				m |= 0x80 << (8 * i)
			}
		}
		if got := gatherHigh(m); got != want {
			t.Fatalf("gatherHigh(%#x) = %08b, want %08b", m, got, want)
		}
	}
}
