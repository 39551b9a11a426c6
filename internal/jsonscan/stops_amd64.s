//go:build !purego

#include "textflag.h"

// func indexBlocksAVX2(dst *uint64, data *byte, blocks int) (high uint32)
//
// For each of blocks 64-byte blocks of data, writes the block's stop
// bitmap (bit i set when byte i is '"', '\\' or below 0x20) to dst, and
// returns a mask that is not zero when any byte is 0x80 or above.
TEXT ·indexBlocksAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ data+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X1
	VPBROADCASTQ X1, Y1 // '"'
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X2
	VPBROADCASTQ X2, Y2 // '\\'
	MOVQ $0x1f1f1f1f1f1f1f1f, AX
	MOVQ AX, X3
	VPBROADCASTQ X3, Y3 // 0x1f, the last control character
	VPXOR Y8, Y8, Y8    // OR of every byte
	TESTQ CX, CX
	JZ   done

loop:
	VMOVDQU (SI), Y4
	VMOVDQU 32(SI), Y5
	VPOR    Y4, Y8, Y8
	VPOR    Y5, Y8, Y8
	VPCMPEQB Y1, Y4, Y6
	VPCMPEQB Y2, Y4, Y7
	VPOR     Y6, Y7, Y6
	VPMAXUB  Y3, Y4, Y7 // max(c, 0x1f) == 0x1f exactly when c <= 0x1f
	VPCMPEQB Y3, Y7, Y7
	VPOR     Y6, Y7, Y6
	VPMOVMSKB Y6, AX
	VPCMPEQB Y1, Y5, Y6
	VPCMPEQB Y2, Y5, Y7
	VPOR     Y6, Y7, Y6
	VPMAXUB  Y3, Y5, Y7
	VPCMPEQB Y3, Y7, Y7
	VPOR     Y6, Y7, Y6
	VPMOVMSKB Y6, BX
	SHLQ $32, BX
	ORQ  BX, AX
	MOVQ AX, (DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ  loop

done:
	VPMOVMSKB Y8, AX
	MOVL AX, high+24(FP)
	VZEROUPPER
	RET
