package generators

import (
	"strconv"
	"unicode/utf8"
)

// The batch encoder appends to a caller's buffer instead of going through
// encoding/json: no reflection, no maps, no intermediate strings. Strings
// from the value pools are escaped once at New (text.esc), so assembling a
// batch is mostly copying; AppendString is the general path used for those
// pools and for anything not known in advance.

const hexDigits = "0123456789abcdef"

// safe[b] is true for ASCII bytes that appear unescaped inside a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

// AppendString appends s to dst as a JSON string literal, quotes included.
// It escapes quotes, backslashes and control characters, keeps other
// Unicode as UTF-8, and replaces invalid UTF-8 with U+FFFD exactly as
// encoding/json does, so decoding the output gives back what
// encoding/json would give for the same input.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s)
	return append(dst, '"')
}

// appendEscaped appends the body of a JSON string literal (no quotes).
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}

// escape returns the escaped body of s, for the value pools.
func escape(s string) string { return string(appendEscaped(nil, s)) }

// appendInt appends v in decimal.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
