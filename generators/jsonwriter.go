package generators

import (
	"strconv"
	"time"
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

// appendISO appends the UTC instant ms (Unix milliseconds) as
// 2006-01-02T15:04:05.000Z without going through time.Time. Years outside
// 0000–9999 fall back to time.Time's rendering.
func appendISO(dst []byte, ms int64) []byte {
	days := floorDiv(ms, 86_400_000)
	rem := ms - days*86_400_000
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	var b [24]byte
	put4(b[0:], y)
	b[4] = '-'
	put2(b[5:], m)
	b[7] = '-'
	put2(b[8:], d)
	b[10] = 'T'
	put2(b[11:], rem/3_600_000)
	b[13] = ':'
	put2(b[14:], rem/60_000%60)
	b[16] = ':'
	put2(b[17:], rem/1000%60)
	b[19] = '.'
	ms3 := rem % 1000
	b[20] = byte('0' + ms3/100)
	put2(b[21:], ms3%100)
	b[23] = 'Z'
	return append(dst, b[:]...)
}

func put2(b []byte, v int64) { b[0], b[1] = byte('0'+v/10), byte('0'+v%10) }

func put4(b []byte, v int64) { put2(b, v/100); put2(b[2:], v%100) }

// appendInt appends v in decimal.
func appendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
