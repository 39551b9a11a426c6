// Package jsonscan reads JSON text in place, fast: it finds where strings,
// values and members start and end without decoding anything, so a caller
// that needs a handful of fields from a 70 kB answer pays for those fields
// and a quick pass over the rest, not for maps and strings of everything.
//
// The speed comes from one branch-free pass (Reset) that marks every byte
// that can end the plain run of a string — a quote, a backslash or a
// control character — in a bitmap, eight bytes at a time. Finding the end
// of a string is then a shift and a count of trailing zeros. Everything else
// follows RFC 8259 strictly, the way encoding/json reads it: a Scanner
// accepts exactly the texts json.Valid accepts (FuzzValidAgreesWithStdlib),
// and Unescape decodes a string exactly as json.Unmarshal does.
//
// Users: the load engine's answer extractor (every upsert answer of a run)
// and the contract package's compiled schema checker.
package jsonscan
