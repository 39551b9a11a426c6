//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "stops_amd64.h"

// func resultFastAsm(t rawText, st jsonscan.StopBits, n, p int, atName bool, r *resultFacts, rec *resultRec) (int, resultStop)
//
// resultFastGo (extract_walk.go) in assembly, step for step: the same
// checks in the same order, the same loads, the same results and the same
// writes (rec's spans, setNew's effect on r.flags), so that both stop at
// the same place for the same reason on every text (the differential test
// in extract_result_test.go holds them to that). The loop keeps its state
// in registers and calls nothing:
//
//	SI  the text (t)            DI  the stop bitmap's word ws (&st[ws])
//	R14 ws*64                   R15 sw, the stops of word ws not yet taken
//	R8  n-4                     BX  p
//	R10 r                       R11 rec
//	R12 v, a value's first byte R13 c = d[v]
//	R9  the rec span a string member goes to
//	AX, CX, DX scratch
//
// popStop is written out at each use: when R15 is empty, a jump to the
// use's ...More, which loads the next words until one has a stop (the
// sentinel's word has one), then POP takes R15's lowest stop: its
// position in the register named, DX clobbered; SKIP takes it without
// its position (a stop the text says is the next one). Loads are
// unchecked, as in resultFastGo: the comment at each says why it is
// inside the text. Comparisons of positions are signed, as Go's ints.
#define POP(reg) STOP_POP(R15, R14, DX, reg)
#define SKIP STOP_SKIP(R15, DX)
#define NEXTWORD STOP_NEXTWORD(DI, R14, R15)

TEXT ·resultFastAsm(SB), NOSPLIT, $0-65
	MOVQ t_p+0(FP), SI
	MOVQ st_p+8(FP), DI
	MOVQ n+16(FP), R8
	SUBQ $4, R8
	MOVQ p+24(FP), BX
	MOVQ r+40(FP), R10
	MOVQ rec+48(FP), R11

	// The stops from p on (p ≤ n): ws = p/64, sw = st[ws] without the
	// bits below p.
	MOVQ BX, R14
	SHRQ $6, R14
	LEAQ (DI)(R14*8), DI
	SHLQ $6, R14
	MOVQ (DI), R15
	MOVQ BX, CX
	MOVQ $-1, AX
	SHLQ CX, AX // by p&63
	ANDQ AX, R15
	CMPB atName+32(FP), $0
	JEQ  after
	TESTQ R15, R15
	JEQ   startMore

startBack:
	SKIP // the name's quote at p

name:
	// Here d[p] is a name's opening quote, p+1 < n, and R15 holds the
	// stops after it.
	LEAQ 1(BX), CX // lo
	TESTQ R15, R15
	JEQ   nameMore

nameBack:
	POP(AX) // e

	CMPQ AX, R8
	JGT  giveUp // e > n-4
	CMPW (SI)(AX*1), $const_wordNameEnd // `":`, e+4 ≤ n
	JNE  giveUp
	LEAQ 2(AX), R12          // v
	MOVBLZX (SI)(R12*1), R13 // c, v = e+2 < n
	SUBQ CX, AX              // the name's length, e-lo
	CMPQ AX, $9
	JEQ  len9
	JHI  len10up
	CMPQ AX, $3
	JEQ  len3
	CMPQ AX, $2
	JNE  other
	CMPL (SI)(BX*1), $const_wordQuotedID // `"id"`, p+4 = e+1 ≤ n
	JNE  other
	LEAQ resultRec_id(R11), R9
	JMP  known

len3:
	CMPL (SI)(CX*1), $const_wordNewQuote // `new"`, lo+4 = e+1 ≤ n
	JNE  other
	JMP  new

len9:
	MOVQ $const_wordUpdatedA, AX
	CMPQ AX, (SI)(CX*1) // lo+8 < e ≤ n
	JNE  other
	CMPB 8(SI)(CX*1), $'t' // lo+9 = e ≤ n
	JNE  other
	LEAQ resultRec_updated(R11), R9
	JMP  known

len10up:
	CMPQ AX, $10
	JEQ  len10
	CMPQ AX, $18
	JNE  other
	MOVQ $const_wordObjectWr, AX
	CMPQ AX, (SI)(CX*1) // lo+18 = e ≤ n
	JNE  other
	MOVQ $const_wordIteTrace, AX
	CMPQ AX, 8(SI)(CX*1)
	JNE  other
	CMPL 14(SI)(CX*1), $const_wordTraceIdEnd
	JNE  other
	LEAQ resultRec_trace(R11), R9
	JMP  known

len10:
	MOVQ $const_wordProperti, AX
	CMPQ AX, (SI)(CX*1) // lo+10 = e ≤ n
	JNE  other
	CMPL 6(SI)(CX*1), $const_wordTies
	JNE  other
	CMPB R13, $'{'
	JNE  giveUp
	MOVQ R12, ret+56(FP)
	MOVB $const_resultProperties, ret1+64(FP)
	RET

other:
	// A member resultFastGo does not read (memberOther).
	CMPB R13, $0x22 // '"'
	JNE  otherLit
	TESTQ R15, R15
	JEQ   otherVMore

otherVBack:
	SKIP // the value's quote at v (d[e+1] is ':')
	TESTQ R15, R15
	JEQ   otherMore

otherBack:
	POP(AX) // q
	CMPQ AX, R8
	JGT  slow // q > n-4
	CMPB (SI)(AX*1), $0x22 // '"', q < n
	JNE  slow              // escapes, an error or the end

stringDone:
	// AX = q, a string value's closing quote, q ≤ n-4.
	CMPW 1(SI)(AX*1), $(const_wordStringToName>>8) // `,"`: the next name; q+3 ≤ n
	JNE  stringAfter
	TESTQ R15, R15
	JEQ   afterMore
	POP(BX) // the name's quote at q+2, the next stop, and p+1 = q+3 < n
	JMP  name

stringAfter:
	LEAQ 1(AX), BX
	JMP  after

otherLit:
	CMPB R13, $'t'
	JEQ  otherLitIn
	CMPB R13, $'f'
	JEQ  otherLitIn
	CMPB R13, $'n'
	JNE  slow // a number, an object, an array

otherLitIn:
	LEAQ -1(R8), AX
	CMPQ R12, AX
	JGT  giveUp            // v > n-5
	MOVL (SI)(R12*1), AX   // v+5 ≤ n: room for false
	CMPL AX, $const_wordFals
	JEQ  otherFals
	CMPL AX, $const_wordTrue
	JEQ  otherLit4
	CMPL AX, $const_wordNull
	JNE  giveUp

otherLit4:
	LEAQ 4(R12), BX
	JMP  after

otherFals:
	CMPB 4(SI)(R12*1), $'e'
	JNE  giveUp
	LEAQ 5(R12), BX
	JMP  after

known:
	// id, updatedAt or objectWriteTraceId: its span in rec is at R9.
	CMPB R13, $0x22 // '"'
	JNE  knownLit
	LEAQ 1(R12), CX // v+1
	TESTQ R15, R15
	JEQ   knownVMore

knownVBack:
	SKIP // the value's quote at v (d[e+1] is ':')
	TESTQ R15, R15
	JEQ   knownMore

knownBack:
	POP(AX) // q
	CMPQ AX, R8
	JGT  slow // q > n-4
	CMPB (SI)(AX*1), $0x22 // '"', q < n
	JNE  slow              // escapes, an error or the end
	CMPL span_hi(R9), $0
	JNE  slow              // a repeated member: set in document order
	MOVL CX, span_lo(R9)   // int32(v+1)
	MOVL AX, span_hi(R9)   // int32(q)
	JMP  stringDone

knownLit:
	// Not a string: the general walk's to read. After a true or a false,
	// resultFastGo has moved p past it before it gives up.
	CMPB R13, $'t'
	JEQ  knownLitIn
	CMPB R13, $'f'
	JEQ  knownLitIn
	CMPB R13, $'n'
	JNE  giveUp

knownLitIn:
	LEAQ -1(R8), AX
	CMPQ R12, AX
	JGT  giveUp          // v > n-5
	MOVL (SI)(R12*1), AX // v+5 ≤ n
	CMPL AX, $const_wordTrue
	JEQ  knownTrue
	CMPL AX, $const_wordFals
	JNE  giveUp
	CMPB 4(SI)(R12*1), $'e'
	JNE  giveUp
	LEAQ 5(R12), BX
	JMP  giveUp

knownTrue:
	LEAQ 4(R12), BX
	JMP  giveUp

new:
	CMPB R13, $0x22 // '"'
	JEQ  newString
	CMPB R13, $'t'
	JEQ  newLit
	CMPB R13, $'f'
	JEQ  newLit
	CMPB R13, $'n'
	JNE  giveUp

newLit:
	LEAQ -1(R8), AX
	CMPQ R12, AX
	JGT  giveUp          // v > n-5
	MOVL (SI)(R12*1), AX // v+5 ≤ n
	CMPL AX, $const_wordFals
	JEQ  newFals
	CMPL AX, $const_wordTrue
	JNE  giveUp // null is not a new
	ORW  $(const_factNew|const_factIsNew), resultFacts_flags(R10) // setNew(true)
	LEAQ 4(R12), BX
	JMP  after

newFals:
	CMPB 4(SI)(R12*1), $'e'
	JNE  giveUp
	ANDW $~const_factIsNew, resultFacts_flags(R10) // setNew(false)
	ORW  $const_factNew, resultFacts_flags(R10)
	LEAQ 5(R12), BX
	JMP  after

newString:
	// A string new: slow when resultFastGo's string check fails, else
	// give up, as it does.
	TESTQ R15, R15
	JEQ   newVMore

newVBack:
	SKIP // the value's quote at v (d[e+1] is ':')
	TESTQ R15, R15
	JEQ   newMore

newBack:
	POP(AX) // q
	CMPQ AX, R8
	JGT  slow              // q > n-4
	CMPB (SI)(AX*1), $0x22 // '"', q < n
	JNE  slow
	JMP  giveUp

after:
	// After a value: p ≤ n.
	LEAQ 3(R8), AX
	CMPQ BX, AX
	JGE  giveUp              // p >= n-1
	MOVBLZX (SI)(BX*1), AX   // p < n
	CMPB AL, $'}'
	JEQ  end
	CMPB AL, $','
	JNE  giveUp
	CMPB 1(SI)(BX*1), $0x22 // '"', p+1 < n
	JNE  giveUp
	TESTQ R15, R15
	JEQ   afterMore

afterBack:
	// The name's quote, the next stop after the value (a string's
	// closing quote, or before a literal its name's).
	POP(BX)
	JMP name

end:
	INCQ BX
	MOVQ BX, ret+56(FP)
	MOVB $const_resultEnd, ret1+64(FP)
	RET

giveUp:
	MOVQ BX, ret+56(FP)
	MOVB $const_resultGiveUp, ret1+64(FP)
	RET

slow:
	MOVQ BX, ret+56(FP)
	MOVB $const_resultSlow, ret1+64(FP)
	RET

	// popStop's loads of the next words, for each use: the sentinel's
	// word ends them inside the bitmap.
startMore:
	NEXTWORD
	JEQ startMore
	JMP startBack

nameMore:
	NEXTWORD
	JEQ nameMore
	JMP nameBack

otherVMore:
	NEXTWORD
	JEQ otherVMore
	JMP otherVBack

otherMore:
	NEXTWORD
	JEQ otherMore
	JMP otherBack

knownVMore:
	NEXTWORD
	JEQ knownVMore
	JMP knownVBack

knownMore:
	NEXTWORD
	JEQ knownMore
	JMP knownBack

newVMore:
	NEXTWORD
	JEQ newVMore
	JMP newVBack

newMore:
	NEXTWORD
	JEQ newMore
	JMP newBack

afterMore:
	NEXTWORD
	JEQ afterMore
	JMP afterBack
