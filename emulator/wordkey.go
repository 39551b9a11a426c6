package emulator

import "encoding/binary"

// wordKey summarises a short byte string in two machine words: its first
// eight bytes and its last eight (they overlap below 16 bytes; below 8 the
// bytes are packed into w0 and w1 is zero). Two strings of up to 16 bytes
// are equal exactly when their keys are, so comparing property names and
// enum options, which all fit, costs two word compares instead of a call
// to memequal; longer strings compare their keys first and then in full.
type wordKey struct {
	w0, w1 uint64
	n      int
}

func keyOf(b []byte) wordKey {
	k := wordKey{n: len(b)}
	if len(b) >= 8 {
		k.w0 = binary.LittleEndian.Uint64(b)
		k.w1 = binary.LittleEndian.Uint64(b[len(b)-8:])
		return k
	}
	for i, c := range b {
		k.w0 |= uint64(c) << (8 * i)
	}
	return k
}

// hash spreads the key over a table index.
func (k wordKey) hash() uint32 {
	h := (k.w0 ^ uint64(k.n)) * 0x9e3779b97f4a7c15
	h ^= k.w1 * 0xc2b2ae3d27d4eb4f
	return uint32(h>>32) ^ uint32(h)
}

// equal reports whether b (whose key is k) equals s (whose key is ks).
func (k wordKey) equal(ks wordKey, b []byte, s string) bool {
	return k == ks && (k.n <= 16 || string(b) == s)
}
