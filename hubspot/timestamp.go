package hubspot

import (
	"strconv"
	"time"
)

// This file owns how instants are written as text. There are two styles,
// sharing one calendar arithmetic:
//
//   - AppendTimestamp writes what clients send: TimeLayout, always with
//     three fractional digits (JavaScript's Date.toISOString). The
//     generator writes due dates with it.
//   - AppendInstant writes what HubSpot answers: Java's Instant.toString,
//     milliseconds only when they are not zero (2025-02-18T09:12:17Z,
//     2025-02-18T09:12:17.901Z), as seen on the real API
//     (hubspot-facts.md, "Seen on the real API"). The emulator writes
//     every instant of its answers with it.
//
// Both avoid time.Time, which is several times slower: the generator writes
// a due date per input and the emulator several instants per result.

// AppendTimestamp appends the UTC instant ms (Unix milliseconds) as
// TimeLayout (2006-01-02T15:04:05.000Z). Years outside 0000–9999 fall back
// to time.Time's rendering.
func AppendTimestamp(dst []byte, ms int64) []byte {
	days := floorDiv(ms, 86_400_000)
	y, m, d := civilFromDays(days)
	if y < 0 || y > 9999 {
		return time.UnixMilli(ms).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z07:00")
	}
	var b [24]byte
	put4(b[0:], y)
	putDateTime(&b, m, d, ms-days*86_400_000)
	ms3 := ms - floorDiv(ms, 1000)*1000
	b[19] = '.'
	b[20] = byte('0' + ms3/100)
	put2(b[21:], ms3%100)
	b[23] = 'Z'
	return append(dst, b[:]...)
}

// AppendInstant appends the UTC instant ms (Unix milliseconds) as Java's
// Instant.toString prints it, which is how HubSpot answers: no fraction
// when the milliseconds are zero, three digits otherwise; years past 9999
// get a "+" sign and years before 0000 a "-", as in Java.
func AppendInstant(dst []byte, ms int64) []byte {
	days := floorDiv(ms, 86_400_000)
	y, m, d := civilFromDays(days)
	ms3 := ms - floorDiv(ms, 1000)*1000
	var b [24]byte
	head := b[:19]
	if y >= 0 && y <= 9999 {
		put4(b[0:], y)
	} else {
		dst = appendJavaYear(dst, y)
		head = b[4:19]
	}
	putDateTime(&b, m, d, ms-days*86_400_000)
	dst = append(dst, head...)
	if ms3 != 0 {
		dst = append(dst, '.', byte('0'+ms3/100), byte('0'+ms3/10%10), byte('0'+ms3%10))
	}
	return append(dst, 'Z')
}

// appendJavaYear writes a year outside 0000–9999 as java.time does: "+"
// and the digits after 9999, "-" and at least four digits before 0000.
func appendJavaYear(dst []byte, y int64) []byte {
	if y > 9999 {
		return strconv.AppendInt(append(dst, '+'), y, 10)
	}
	s := strconv.FormatInt(-y, 10)
	dst = append(dst, '-')
	for n := len(s); n < 4; n++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// putDateTime writes "-MM-DDTHH:MM:SS" of month m, day d and the time of
// day rem (milliseconds since midnight, 0 <= rem < 86,400,000) at b[4:19].
func putDateTime(b *[24]byte, m, d, rem int64) {
	b[4] = '-'
	put2(b[5:], m)
	b[7] = '-'
	put2(b[8:], d)
	b[10] = 'T'
	sec := uint64(rem) / 1000
	put2(b[11:], int64(sec/3600))
	b[13] = ':'
	put2(b[14:], int64(sec/60%60))
	b[16] = ':'
	put2(b[17:], int64(sec%60))
}

// digitPairs holds "00" to "99": one load per two digits instead of a
// division each.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

func put2(b []byte, v int64) { b[0], b[1] = digitPairs[2*v], digitPairs[2*v+1] }

func put4(b []byte, v int64) { put2(b, v/100); put2(b[2:], v%100) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// civilFromDays converts days since 1970-01-01 to a proleptic Gregorian
// date (Howard Hinnant's algorithm). Dates from year 0 on take unsigned
// arithmetic, whose divisions by constants are cheaper.
func civilFromDays(z int64) (y, m, d int64) {
	if z >= -719468 {
		u := uint64(z + 719468)
		era := u / 146097
		doe := u - era*146097
		yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
		doy := doe - (365*yoe + yoe/4 - yoe/100)
		mp := (5*doy + 2) / 153
		d = int64(doy - (153*mp+2)/5 + 1)
		y = int64(yoe + era*400)
		if mp < 10 {
			m = int64(mp + 3)
		} else {
			m = int64(mp - 9)
			y++
		}
		return y, m, d
	}
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
