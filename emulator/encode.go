package emulator

import "strconv"

// Answers are built by appending to a pooled []byte instead of marshalling
// structs (strings go through hubspot.AppendJSONString): together with
// keeping stored values in their escaped wire form, this is what keeps a
// 100-result answer within the CPU budget (see BenchmarkUpsert100).

const hexDigits = "0123456789abcdef"

// appendRaw appends an already escaped JSON string body between quotes.
func appendRaw[S ~string | ~[]byte](dst []byte, raw S) []byte {
	dst = append(dst, '"')
	dst = append(dst, raw...)
	return append(dst, '"')
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendUUIDv7 appends a version 7 UUID (RFC 9562): the Unix milliseconds
// ms in the first 48 bits, then the version, then random bits from two
// random words, so that ids sort by time.
func appendUUIDv7(dst []byte, ms int64, hi, lo uint64) []byte {
	var b [16]byte
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	for i := range 6 {
		b[i] = byte(uint64(ms) >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }
