package hubspot

import "time"

// AppendTimestamp appends the UTC instant unixMilli as TimeLayout
// (2006-01-02T15:04:05.000Z) without going through time.Time, which is
// several times slower: the generator writes it for every due date and the
// emulator four times per result. Years outside 0000–9999 fall back to
// time.Time's rendering.
func AppendTimestamp(dst []byte, ms int64) []byte {
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
