package load

import (
	"encoding/binary"

	"github.com/upsertbench/upsertbench/hubspot"
)

// parseInstant is hubspot.ParseInstant (the one owner of what an instant
// is), with a fast path for the two forms HubSpot and the emulator answer
// date-times in: "2006-01-02T15:04:05.000Z" (every result's updatedAt and
// the dates HubSpot sets) and "2006-01-02T15:04:05Z" (written date-time
// properties, echoed as the engine sent them). The general reader costs
// about 250 instructions an instant, this one about 50; an answer has
// about 130 instants to read (BenchmarkExtract100). The fast path says
// "not mine" for anything else, and ParseInstant reads it, so the two can
// only differ where the fast path answers, which
// TestISOInstantAgreesWithParseInstant checks for every day of eight
// centuries and every byte at every position.
func parseInstant(v []byte) (int64, bool) {
	if ms, ok := isoInstant(v); ok {
		return ms, true
	}
	return hubspot.ParseInstant(v)
}

// The layout of "YYYY-MM-DDTHH:MM:SS.mmmZ" in its three eight-byte words
// (little-endian): isoDigitsN has 0xff at the digits of word N, isoSepsN
// holds the separators at theirs. Without the milliseconds,
// "YYYY-MM-DDTHH:MM:SSZ" has 20 bytes, and its third word is bytes 12 to
// 20 (isoDigitsZ, isoSepsZ).
const (
	isoDigits0 = 0x00ffff00ffffffff // YYYY-MM-
	isoSeps0   = '-'<<32 | '-'<<56
	isoDigits1 = 0xffff00ffff00ffff // DDTHH:MM
	isoSeps1   = 'T'<<16 | ':'<<40
	isoDigits2 = 0x00ffffff00ffff00 // :SS.mmmZ
	isoSeps2   = ':' | '.'<<24 | 'Z'<<56
	isoDigitsZ = 0x00ffff00ffff00ff // H:MM:SSZ
	isoSepsZ   = ':'<<8 | ':'<<32 | 'Z'<<56
)

// isoDigitPairs checks that word x has digits where digits has 0xff and
// exactly seps elsewhere, and returns, in byte i, ten times digit i plus
// digit i+1 (where both are digits). A digit byte is 0x30–0x39: its high
// nibble is 3, and adding 6 keeps it 3; a byte that passes the first test
// is at most 0x3f, so adding 6 never carries into the next byte and the
// second test sees each byte alone. Once the separators are cleared, each
// byte is at most 9, so ten times a byte plus the next is at most 99 and
// the multiply carries nothing across bytes either. d is the digits'
// values, byte by byte.
func isoDigitPairs(x, digits, seps uint64) (pairs, d uint64, ok bool) {
	m := digits&0xf0f0f0f0f0f0f0f0 | ^digits
	want := digits&0x3030303030303030 | seps
	if x&m != want || (x+digits&0x0606060606060606)&m != want {
		return 0, 0, false
	}
	d = (x - digits&0x3030303030303030) & digits
	return d*10 + d>>8, d, true
}

// isoMonthStart is the day of the year, counted from March 1st, on which
// month m (1–12) starts: (153*mp+2)/5 with mp = (m+9)%12, as in
// daysFromCivil (hubspot/timeparse.go), Howard Hinnant's algorithm.
var isoMonthStart = [13]uint64{0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275}

// isoInstant reads v when it is a valid instant in exactly the form
// "YYYY-MM-DDTHH:MM:SS.mmmZ" or "YYYY-MM-DDTHH:MM:SSZ" of a year from 0001
// on, in milliseconds since the epoch; false means "some other form, or
// not an instant".
func isoInstant(v []byte) (int64, bool) {
	var c, second, frac uint64
	switch len(v) {
	case 24:
		var dc uint64
		var ok bool
		if c, dc, ok = isoDigitPairs(binary.LittleEndian.Uint64(v[16:]), isoDigits2, isoSeps2); !ok {
			return 0, false
		}
		second = uint64(byte(c >> 8))
		frac = uint64(byte(c>>32))*10 + uint64(byte(dc>>48)) // (m₁·10+m₂)·10 + m₃
	case 20:
		var ok bool
		if c, _, ok = isoDigitPairs(binary.LittleEndian.Uint64(v[12:]), isoDigitsZ, isoSepsZ); !ok {
			return 0, false
		}
		second = uint64(byte(c >> 40))
	default:
		return 0, false
	}
	a, _, ok0 := isoDigitPairs(binary.LittleEndian.Uint64(v), isoDigits0, isoSeps0)
	b, _, ok1 := isoDigitPairs(binary.LittleEndian.Uint64(v[8:]), isoDigits1, isoSeps1)
	if !(ok0 && ok1) {
		return 0, false
	}
	year := uint64(byte(a))*100 + uint64(byte(a>>16))
	month, day := uint64(byte(a>>40)), uint64(byte(b))
	hour, minute := uint64(byte(b>>24)), uint64(byte(b>>48))
	if month-1 >= 12 || hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	var days int64
	if i := (year-isoTableFirst)*12 + month - 1; i < isoTableYears*12 {
		// The month's first day and the next month's, from the table.
		start, next := isoMonthDays[i], isoMonthDays[i+1]
		if day-1 >= uint64(next-start) {
			return 0, false
		}
		days = int64(start) + int64(day) - 1
	} else {
		if year == 0 || day-1 >= uint64(hubspot.DaysIn(int(month), int(year))) {
			return 0, false
		}
		days = isoDays(year, month, day)
	}
	return days*86_400_000 + int64(hour*3_600_000+minute*60_000+second*1000+frac), true
}

// isoDays is the day of year-month-day (a valid date of a year from 1
// on), counted from 1970-01-01: daysFromCivil (hubspot/timeparse.go),
// where the year starts in March, so y is at least 0 and every division
// is of a non-negative number.
func isoDays(year, month, day uint64) int64 {
	y := year
	if month <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	doe := yoe*365 + yoe/4 - yoe/100 + isoMonthStart[month] + day - 1
	return int64(era*146097+doe) - 719468
}

// isoMonthDays holds, for the months of the years isoTableFirst to
// isoTableFirst+isoTableYears-1 and the month after them, the day their
// first day is (isoDays): isoInstant reads a month's start and its length
// (the next entry's distance) from it instead of computing both, which
// nearly every instant in an answer takes (about 2 KiB of it, a run's
// dates, are ever read).
var isoMonthDays = func() (t [isoTableYears*12 + 1]int32) {
	for i := range t {
		t[i] = int32(isoDays(isoTableFirst+uint64(i/12), uint64(i%12+1), 1))
	}
	return t
}()

const (
	isoTableFirst = 1900
	isoTableYears = 256
)
