package emulator

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordTable checks inserts, lookups and backward-shift removal
// against a map, with hashes chosen so that probe chains collide and wrap.
func TestRecordTable(t *testing.T) {
	tests := []struct {
		name   string
		hashOf func(i int) uint64
	}{
		{name: "distinct homes", hashOf: func(i int) uint64 { return uint64(i) << 8 }},
		{name: "one home", hashOf: func(int) uint64 { return 7 << 8 }},
		{name: "wrapping chains", hashOf: func(i int) uint64 { return uint64(15-i%3) << 8 }},
		{name: "mixed", hashOf: func(i int) uint64 { return uint64(i*i*2654435761) & ^uint64(0xff) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tab recordTable
			want := map[string]*record{}
			for i := range 100 {
				k := "v" + strconv.Itoa(i)
				r := &record{data: []byte(k), ulen: uint32(len(k))}
				got, pos := tab.find(tc.hashOf(i), []byte(k))
				require.Nil(t, got)
				tab.insert(pos, tc.hashOf(i), r)
				want[k] = r
				if i%3 == 1 { // remove an earlier one
					k := "v" + strconv.Itoa(i/2)
					if old, ok := want[k]; ok {
						got, pos := tab.find(tc.hashOf(i/2), []byte(k))
						require.Same(t, old, got)
						tab.remove(pos)
						delete(want, k)
					}
				}
				for j := 0; j <= i; j++ {
					k := "v" + strconv.Itoa(j)
					got, pos := tab.find(tc.hashOf(j), []byte(k))
					if w, ok := want[k]; ok {
						require.Same(t, w, got, "after step %d, %s", i, k)
						require.Equal(t, pos, tab.position(tc.hashOf(j), w), "position of %s", k)
					} else {
						require.Nil(t, got, "after step %d, %s", i, k)
						require.Equal(t, -1, tab.position(tc.hashOf(j), &record{}), "a record not in the table")
					}
				}
			}
			assert.Equal(t, len(want), tab.n)
		})
	}
}
