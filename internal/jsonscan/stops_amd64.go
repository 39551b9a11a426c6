//go:build !purego

package jsonscan

import "golang.org/x/sys/cpu"

// useAVX2 selects the vector kernel (stops_amd64.s); tests switch it off
// to hold it to the portable code.
var useAVX2 = cpu.X86.HasAVX2

// indexBlocksAVX2 writes the stop bitmap of blocks 64-byte blocks of data
// to dst and returns a value that is not zero when a byte is 0x80 or above.
//
//go:noescape
func indexBlocksAVX2(dst *uint64, data *byte, blocks int) (high uint32)

// indexBlocks indexes the whole 64-byte blocks of data into dst, 32 bytes
// per instruction, and returns how many bytes it did (0 without AVX2:
// the portable code then does them all) and whether they were all ASCII.
func indexBlocks(dst []uint64, data []byte) (done int, ascii bool) {
	n := len(data) / 64
	if !useAVX2 || n == 0 {
		return 0, true
	}
	_ = dst[n-1]
	return n * 64, indexBlocksAVX2(&dst[0], &data[0], n) == 0
}
