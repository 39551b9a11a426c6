// The stop bitmap's walk, shared by extract_props_amd64.s and
// extract_result_amd64.s (one owner for how a stop is taken; each file
// names its own registers). A walk keeps one word of the bitmap in a
// register (word), the position of that word's bit 0 in another (base),
// and a pointer to the word (ptr); tmp is clobbered. jsonscan.StopBits.Word
// and popStop in extract_walk.go are the Go side of the same rule.

// STOP_POP(word, base, tmp, reg): reg = the position of word's lowest
// stop, which is taken off word. word must not be 0.
#define STOP_POP(word, base, tmp, reg) BSFQ word, reg; ADDQ base, reg; LEAQ -1(word), tmp; ANDQ tmp, word

// STOP_SKIP(word, tmp): takes word's lowest stop off without its position
// (a stop the text says is the next one). word must not be 0.
#define STOP_SKIP(word, tmp) LEAQ -1(word), tmp; ANDQ tmp, word

// STOP_NEXTWORD(ptr, base, word): moves to the bitmap's next word and
// sets the flags for word == 0 (JEQ: no stop in it either).
#define STOP_NEXTWORD(ptr, base, word) ADDQ $8, ptr; ADDQ $64, base; MOVQ (ptr), word; TESTQ word, word
