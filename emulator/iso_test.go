package emulator

import (
	"encoding/binary"
	"math/bits"
	"testing"
	"time"

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
			assert.Equal(t, tt.ok, isISO8601([]byte(tt.in)))
		})
	}
}

// FuzzISO8601 checks the hand-written validator against time.Parse: it
// must never accept what RFC 3339 (or a plain date) rejects.
func FuzzISO8601(f *testing.F) {
	for _, s := range []string{"2026-12-02", "2026-12-02T15:00:00.123Z", "2026-12-02T15:00:00+01:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isISO8601([]byte(s)) {
			return
		}
		_, err1 := time.Parse(time.RFC3339Nano, s)
		_, err2 := time.Parse(time.DateOnly, s)
		if err1 != nil && err2 != nil {
			t.Fatalf("accepted %q, which time.Parse rejects: %v", s, err1)
		}
	})
}

func TestHasStop(t *testing.T) {
	for c := range 256 {
		want := c < 0x20 || c == '"' || c == '\\'
		for pos := range 8 {
			var b [8]byte
			for i := range b {
				b[i] = 'a'
			}
			b[pos] = byte(c)
			x := uint64(0)
			for i := 7; i >= 0; i-- {
				x = x<<8 | uint64(b[i])
			}
			if hasStop(x) != want {
				t.Fatalf("byte %#x at %d: hasStop = %v", c, pos, !want)
			}
		}
	}
}

// str jumps to the lowest flagged byte of stopMask, so that one must be the
// first stop byte of the word even when several are present.
func TestStopMaskFindsFirstStopByte(t *testing.T) {
	isStop := func(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }
	interesting := []byte{0, 0x01, 0x1f, 0x20, 0x21, '"', 0x23, '\\', 0x5d, 0x7f, 0x80, 0xa0, 0xdc, 0xff, 'a'}
	for _, c1 := range interesting {
		for _, c2 := range interesting {
			for p1 := range 8 {
				for p2 := p1 + 1; p2 < 8; p2++ {
					b := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
					b[p1], b[p2] = c1, c2
					want := 8
					for i, c := range b {
						if isStop(c) {
							want = i
							break
						}
					}
					x := binary.LittleEndian.Uint64(b[:])
					got := 8
					if m := stopMask(x); m != 0 {
						got = bits.TrailingZeros64(m) >> 3
					}
					if got != want {
						t.Fatalf("%q: first stop byte at %d, stopMask says %d", b[:], want, got)
					}
				}
			}
		}
	}
}
