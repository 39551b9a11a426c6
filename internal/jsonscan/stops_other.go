//go:build !amd64 || purego

package jsonscan

// useAVX2 is false where there is no vector kernel.
var useAVX2 = false

// indexBlocks leaves every block to the portable code.
func indexBlocks(dst []uint64, data []byte) (done int, ascii bool) { return 0, true }
