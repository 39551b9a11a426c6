package generators

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseTraceIDLongNumbers holds ParseTraceID, which reads the batch
// number and the position while it finds their ends, to strconv on the
// numbers its digit loops treat apart: batch numbers of 18 to 21 digits
// around 2^64 (a 20th digit is read again, overflow-checked), leading
// zeros, and positions of up to 25 digits (read only up to the batch
// size).
func TestParseTraceIDLongNumbers(t *testing.T) {
	g := mustNew(t, WithTraceIDs(true), WithBatchSize(50))
	canon := func(s string) (uint64, bool) {
		v, err := strconv.ParseUint(s, 10, 64)
		return v, err == nil && strconv.FormatUint(v, 10) == s
	}
	var batches []string
	for _, s := range []string{"18446744073709551615", "18446744073709551616", "99999999999999999999", "10000000000000000000", "9999999999999999999", "184467440737095516150", "0", "00", "01", "7"} {
		batches = append(batches, s, s[:len(s)-1])
		for i := range s {
			b := []byte(s)
			b[i] = '9'
			batches = append(batches, string(b))
		}
	}
	positions := []string{"0", "00", "01", "49", "50", "049", "4", "9", strings.Repeat("9", 25), "1" + strings.Repeat("0", 20), "", "4x"}
	for _, b := range batches {
		for _, p := range positions {
			id := "b" + b + "-" + p
			n, nOK := canon(b)
			i, iOK := canon(p)
			wantOK := nOK && iOK && i < 50
			gn, gi, ok := g.ParseTraceID([]byte(id))
			require.Equal(t, wantOK, ok, id)
			if ok {
				require.Equal(t, n, gn, id)
				require.Equal(t, int(i), gi, id)
			}
		}
	}
}
