package hubspot

// ParseInstant reads a datetime value as HubSpot accepts it (epoch
// milliseconds or ISO 8601) into Unix milliseconds. It is the one reader of
// instants: the emulator reads property values and search filters with it,
// the load engine the updatedAt of answers and the datetime properties it
// compares (hs_timestamp sent as milliseconds and answered as ISO 8601
// name the same instant when both read to the same number).
func ParseInstant(v []byte) (ms int64, ok bool) {
	if ms, ok = parseEpochMillis(v); ok {
		return ms, true
	}
	return parseISO8601(v)
}

// parseEpochMillis reads up to 18 digits, optionally negative.
func parseEpochMillis(v []byte) (int64, bool) {
	neg := len(v) > 0 && v[0] == '-'
	if neg {
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseISO8601 reads the ISO 8601 shapes HubSpot documents for date-time
// properties: a full RFC 3339 date-time (any fraction, Z or an offset) or a
// plain date (midnight UTC). Digits past the milliseconds are dropped, as
// HubSpot keeps milliseconds. Hand-written because it runs for most inputs
// and time.Parse costs several times more.
func parseISO8601(v []byte) (int64, bool) {
	if len(v) < 10 || v[4] != '-' || v[7] != '-' {
		return 0, false
	}
	century, ok1 := twoDigits(v, 0)
	yy, ok2 := twoDigits(v, 2)
	month, ok3 := twoDigits(v, 5)
	day, ok4 := twoDigits(v, 8)
	if !(ok1 && ok2 && ok3 && ok4) {
		return 0, false
	}
	year := century*100 + yy
	if month < 1 || month > 12 || day < 1 || day > DaysIn(month, year) {
		return 0, false
	}
	ms := daysFromCivil(int64(year), int64(month), int64(day)) * 86_400_000
	if len(v) == 10 {
		return ms, true
	}
	if len(v) < 20 || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return 0, false
	}
	hour, ok1 := twoDigits(v, 11)
	minute, ok2 := twoDigits(v, 14)
	second, ok3 := twoDigits(v, 17)
	if !(ok1 && ok2 && ok3) || hour > 23 || minute > 59 || second > 59 {
		return 0, false
	}
	ms += int64(hour*3_600_000 + minute*60_000 + second*1000)
	rest := v[19:]
	if rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 10 {
			return 0, false
		}
		frac := 0
		for i := 1; i <= 3; i++ {
			frac *= 10
			if i < n {
				frac += int(rest[i] - '0')
			}
		}
		ms += int64(frac)
		rest = rest[n:]
	}
	switch {
	case len(rest) == 1 && rest[0] == 'Z':
		return ms, true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && digitsAt(rest, 1, 2) && rest[3] == ':' && digitsAt(rest, 4, 2):
		oh, om := num(rest[1:3]), num(rest[4:6])
		if oh > 23 || om > 59 {
			return 0, false
		}
		offset := int64(oh*3_600_000 + om*60_000)
		if rest[0] == '+' {
			offset = -offset // 15:00+01:00 is 14:00Z
		}
		return ms + offset, true
	}
	return 0, false
}

// daysFromCivil is the number of days from 1970-01-01 to the given
// proleptic Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= -1 here: parseISO8601 reads four digits
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// twoDigits reads the two decimal digits at v[at:at+2] (which the caller
// knows are there): the fixed fields of a date-time, without a loop; every
// instant the load engine compares goes through here.
func twoDigits(v []byte, at int) (int, bool) {
	a, b := v[at]-'0', v[at+1]-'0' // a byte below '0' wraps above 9
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

func digitsAt(v []byte, at, n int) bool {
	if at+n > len(v) {
		return false
	}
	for _, c := range v[at : at+n] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func num(v []byte) int {
	n := 0
	for _, c := range v {
		n = n*10 + int(c-'0')
	}
	return n
}

// DaysIn is the number of days of month (1–12) of year in the proleptic
// Gregorian calendar, for date checks that must refuse a day the month
// does not have (as time.Parse does).
func DaysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
