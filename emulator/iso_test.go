package emulator

import (
	"testing"
	"unicode/utf8"
)

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
			for want < n && !isStopByte(body[want]) && (utf8.Valid(body) || body[want] < utf8.RuneSelf) {
				want++
			}
			if got := sc.nextStop(p); got != want {
				t.Fatalf("len %d from %d: nextStop %d, want %d", n, p, got, want)
			}
		}
	}
}

// isStopByte is the brute-force definition of the bytes the stop bitmap
// marks.
func isStopByte(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
