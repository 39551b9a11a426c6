//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"
#include "stops_amd64.h"

// func propsFastAsm(x *extractor, t rawText, st jsonscan.StopBits, n, p int, pend *pendingProps, np uint) (q int, npOut uint, stop propsStop)
//
// propsFastGo (extract_walk.go) in assembly, step for step: the same
// checks in the same order, the same stops taken off the bitmap's word,
// so the same results and the same pend entries for every input (the
// differential tests in extract_props_test.go hold it to that). Its
// values live in registers throughout:
//
//	DI   t: the text's first byte
//	SI   &st[ws], the bitmap's word the stops are taken from
//	R11  ws*64, the position of that word's bit 0
//	R15  sw: the stops of word ws not yet taken
//	R13  n-4: the last position a 4-byte load may start at
//	BX   p: the current name's opening quote (then the position after a value)
//	R8   pend
//	R9   np
//	R10  x.propLens
//	R12  &x.propTable[0] (x.propMul is read relative to it)
//	R14  kind+2 of the current property: 0 for propOther, else the
//	     pendMeta byte (plus pendEscaped when the value has escapes)
//	AX   e, the name's closing quote, while the value is read
//	CX, DX  scratch (DX holds q, a string value's stops)
//
// popStop is written out at each use: when R15 is empty, a jump to the
// use's ...More, which loads the next words until one has a stop (the
// sentinel's word has one), then POP takes R15's lowest stop, its position
// in the register named (CX clobbered), or SKIP takes it without its
// position (a stop the text says is the next one). The escape loop
// borrows R10 and R12 for the escape tables and reloads them from x when
// the value ends. Every load is inside the text because of the check
// written next to it (extract_raw.go's model). The caller (propsFast)
// runs propsFastGo instead when x.propMul is 0 (no name table).
#define POP(reg) STOP_POP(R15, R11, CX, reg)
#define SKIP STOP_SKIP(R15, CX)
#define NEXTWORD STOP_NEXTWORD(SI, R11, R15)

TEXT ·propsFastAsm(SB), NOSPLIT, $0-73
	MOVQ x+0(FP), R12
	MOVQ extractor_propLens(R12), R10
	LEAQ extractor_propTable(R12), R12
	MOVQ t_p+8(FP), DI
	MOVQ n+24(FP), R13
	SUBQ $4, R13
	MOVQ p+32(FP), BX
	MOVQ pend+40(FP), R8
	MOVQ np+48(FP), R9

	// The stops from p+1 on (p+1 < n): ws = (p+1)/64, sw = st[ws]
	// without the bits below p+1.
	LEAQ 1(BX), CX
	MOVQ CX, R11
	SHRQ $6, R11
	MOVQ st_p+16(FP), SI
	LEAQ (SI)(R11*8), SI
	SHLQ $6, R11
	MOVQ (SI), R15
	MOVQ $-1, DX
	SHLQ CX, DX // by (p+1)&63
	ANDQ DX, R15

name:
	// Here d[BX] is a name's opening quote, BX+1 < n, and R15 holds the
	// stops after it. AX = e, the next stop.
	TESTQ R15, R15
	JEQ   nameMore

nameBack:
	POP(AX)

	// if e > n-4: give up.
	CMPQ AX, R13
	JGT  giveUp

	// CX = nl = e - lo, lo = BX+1; R14 = propOther+2 unless propLens
	// has bit nl&63.
	LEAQ 1(BX), CX
	SUBQ AX, CX
	NEGQ CX
	XORL R14, R14
	BTQ  CX, R10
	JCS  lookup

value:
	// t.u32(e), e+4 <= n: `":"` (its three low bytes, shifted up).
	MOVL (DI)(AX*1), CX
	SHLL $8, CX
	CMPL CX, $(const_wordNameToString<<8)
	JNE  notString

	// A string value: SKIP its quote at v = e+2 (d[e+1] is ':'), then
	// DX = q, the next stop.
	TESTQ R15, R15
	JEQ   quoteMore

quoteBack:
	SKIP
	TESTQ R15, R15
	JEQ   valueMore

valueBack:
	POP(DX)

	// if q > n-4: give up.
	CMPQ DX, R13
	JGT  giveUp

	// t.u32(q), q+4 <= n: `","` ends the value, and the next name starts
	// at q+2 (q+3 < n): the usual case, the same steps as below (record,
	// then afterString) with one test.
	MOVL (DI)(DX*1), CX
	SHLL $8, CX
	CMPL CX, $(const_wordStringToName<<8)
	JNE  valueQuote
	TESTQ R14, R14
	JZ    nextName
	CMPQ  R9, $const_maxPending
	JCC   giveUp
	LEAL  3(AX), CX
	MOVL  CX, pendingProps_span(R8)(R9*8)
	MOVL  DX, (pendingProps_span+4)(R8)(R9*8)
	MOVB  R14, pendingProps_meta(R8)(R9*1)
	INCQ  R9

nextName:
	// The next name's quote, the next stop: BX.
	TESTQ R15, R15
	JEQ   nextMore

nextBack:
	POP(BX)
	JMP name

valueQuote:
	// t.at(q): a quote ends the value, anything else is an escape (or a
	// control character).
	CMPB (DI)(DX*1), $'"'
	JNE  escaped

	// A read property (kind != propOther) is recorded if there is room.
	TESTQ R14, R14
	JZ    afterString
	CMPQ  R9, $const_maxPending
	JCC   giveUp

record:
	// pend.span[np] = pendSpan(v+1, q) = uint32(e+3) | q<<32 (two
	// 32-bit stores, little-endian);
	// pend.meta[np] = the low byte of R14 (pendMeta).
	LEAL 3(AX), CX
	MOVL CX, pendingProps_span(R8)(R9*8)
	MOVL DX, (pendingProps_span+4)(R8)(R9*8)
	MOVB R14, pendingProps_meta(R8)(R9*1)
	INCQ R9

afterString:
	// t.u32(q), q+4 <= n: `","` goes on with the next name at q+2
	// (q+3 < n); anything else is read by next from q+1.
	MOVL (DI)(DX*1), CX
	ANDL $0xffffff, CX
	CMPL CX, $const_wordStringToName
	JEQ  nextName
	LEAQ 1(DX), BX
	JMP  next

notString:
	// `":` (t.u32(e)'s low bytes) and t.at(v) == 'n' (v = e+2 < n) is a
	// null; anything else gives up.
	CMPW (DI)(AX*1), $const_wordNameEnd
	JNE  giveUp
	CMPB 2(DI)(AX*1), $'n'
	JNE  giveUp

	// DX = v; if v > n-4 or t.u32(v) (v+4 <= n) is not "null": give up.
	LEAQ 2(AX), DX
	CMPQ DX, R13
	JGT  giveUp
	CMPL (DI)(DX*1), $const_wordNull
	JNE  giveUp
	TESTQ R14, R14
	JZ    afterNull
	CMPQ  R9, $const_maxPending
	JCC   giveUp
	MOVQ  $const_pendNull, CX
	MOVQ  CX, pendingProps_span(R8)(R9*8)
	MOVB  R14, pendingProps_meta(R8)(R9*1)
	INCQ  R9

afterNull:
	LEAQ 4(DX), BX

next:
	// propsNext from BX = p <= n: if p >= n-1 (p-3 >= n-4): give up.
	LEAQ -3(BX), CX
	CMPQ CX, R13
	JGE  giveUp

	// t.at(p), p < n: '}' ends the object; `,"` with p+1 < n-1
	// (p-1 <= n-4) goes on at the quote p+1, the next stop (after a
	// string's closing quote, or a null's name); the rest gives up.
	MOVBLZX (DI)(BX*1), CX
	CMPB    CX, $'}'
	JEQ     end
	CMPB    CX, $','
	JNE     giveUp
	CMPB    1(DI)(BX*1), $'"' // p+1 < n
	JNE     giveUp
	LEAQ    -1(BX), CX
	CMPQ    CX, R13
	JGT     giveUp
	JMP     nextName

lookup:
	// The name's length nl (CX) is one a read name has: shorter than
	// eight bytes, propSlow reads it.
	CMPQ CX, $8
	JLT  slow

	// DX = &propTable[propSlotOf(first, last, propMul)], first =
	// t.u64(lo), last = t.u64(e-8): lo+8 <= e <= n.
	MOVQ   1(DI)(BX*1), DX
	ROLQ   $29, DX
	XORQ   -8(DI)(AX*1), DX
	IMULQ  (extractor_propMul-extractor_propTable)(R12), DX
	SHRQ   $58, DX
	IMUL3Q $propSlot__size, DX, DX
	ADDQ   R12, DX

	// The slot's name is this one when its first and last words and its
	// length are the name's; else the property is propOther.
	MOVQ 1(DI)(BX*1), R14
	CMPQ R14, propSlot_first(DX)
	JNE  other
	MOVQ -8(DI)(AX*1), R14
	CMPQ R14, propSlot_last(DX)
	JNE  other
	CMPQ CX, propSlot_n(DX)
	JNE  other

	// Past 16 bytes the middle word must be the slot's too (t.u64(lo+8):
	// lo+16 < e <= n); past 24 bytes propSlow compares the whole name.
	CMPQ CX, $16
	JLE  known
	CMPQ CX, $24
	JGT  slow
	MOVQ 9(DI)(BX*1), R14
	CMPQ R14, propSlot_mid(DX)
	JNE  slow

known:
	MOVQ propSlot_kind(DX), R14
	ADDQ $2, R14
	JMP  value

other:
	XORL R14, R14
	JMP  value

escaped:
	// DX = q: not a quote. A backslash and a valid escape go on to the
	// next stop; anything else (a control character, a malformed
	// escape) is propSlow's. R10 = &simpleEscape, R12 = &hexDigit.
	LEAQ ·simpleEscape(SB), R10
	LEAQ ·hexDigit(SB), R12

escape:
	// t.at(q), q < n; c = t.at(q+1) in CX, q+1 < n.
	CMPB    (DI)(DX*1), $'\\'
	JNE     slow
	MOVBLZX 1(DI)(DX*1), CX
	CMPB    CX, $'"'
	JEQ     escStop
	CMPB    CX, $'\\'
	JEQ     escStop
	CMPB    (R10)(CX*1), $0
	JNE     escNext // a letter: no stop in it

	// \u needs q <= n-6 (q+2 <= n-4) and four hex digits t.at(q+2) to
	// t.at(q+5), q+5 < n: no stops in them.
	CMPB CX, $'u'
	JNE  slow
	LEAQ 2(DX), CX
	CMPQ CX, R13
	JGT  slow
	MOVBLZX 2(DI)(DX*1), CX
	CMPB    (R12)(CX*1), $0
	JEQ     slow
	MOVBLZX 3(DI)(DX*1), CX
	CMPB    (R12)(CX*1), $0
	JEQ     slow
	MOVBLZX 4(DI)(DX*1), CX
	CMPB    (R12)(CX*1), $0
	JEQ     slow
	MOVBLZX 5(DI)(DX*1), CX
	CMPB    (R12)(CX*1), $0
	JEQ     slow
	JMP     escNext

escStop:
	// An escaped quote or backslash: its stop at q+1 is the next one.
	TESTQ R15, R15
	JEQ   escStopMore

escStopBack:
	SKIP

escNext:
	// DX = q, the next stop; if q > n-4: give up.
	TESTQ R15, R15
	JEQ   escMore

escBack:
	POP(DX)
	CMPQ DX, R13
	JGT  giveUp
	CMPB (DI)(DX*1), $'"' // q+4 <= n
	JNE  escape

	// The value ends at q, with escapes: restore R10 and R12 and record
	// it (if read) with pendEscaped.
	MOVQ  x+0(FP), R12
	MOVQ  extractor_propLens(R12), R10
	LEAQ  extractor_propTable(R12), R12
	TESTQ R14, R14
	JZ    afterString
	CMPQ  R9, $const_maxPending
	JCC   giveUp
	ORQ   $const_pendEscaped, R14
	JMP   record

end:
	MOVQ BX, q+56(FP)
	MOVQ R9, npOut+64(FP)
	MOVB $const_propsEnd, stop+72(FP)
	RET

slow:
	MOVQ BX, q+56(FP)
	MOVQ R9, npOut+64(FP)
	MOVB $const_propsSlow, stop+72(FP)
	RET

giveUp:
	MOVQ BX, q+56(FP)
	MOVQ R9, npOut+64(FP)
	MOVB $const_propsGiveUp, stop+72(FP)
	RET

	// popStop's loads of the next words, for each use: the sentinel's
	// word ends them inside the bitmap.
nameMore:
	NEXTWORD
	JEQ nameMore
	JMP nameBack

quoteMore:
	NEXTWORD
	JEQ quoteMore
	JMP quoteBack

valueMore:
	NEXTWORD
	JEQ valueMore
	JMP valueBack

nextMore:
	NEXTWORD
	JEQ nextMore
	JMP nextBack

escStopMore:
	NEXTWORD
	JEQ escStopMore
	JMP escStopBack

escMore:
	NEXTWORD
	JEQ escMore
	JMP escBack
