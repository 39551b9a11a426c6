package generators

import (
	"math/bits"

	"github.com/upsertbench/upsertbench/hubspot"
)

// What a checker of answers needs to know about a batch, without building
// it: which key each input names, whether it creates or updates, whether it
// is meant to fail, which properties it writes. PlanBatch replays the same
// draws as AppendBatch (one code path, Generator.next), so the two cannot
// disagree; it allocates nothing once dst has grown.

// PropMask has one bit per entry of hubspot.WritableTaskProperties, in
// that order: the properties an input writes besides its unique property.
type PropMask uint16

// Has reports whether property i of hubspot.WritableTaskProperties is in
// the mask.
func (m PropMask) Has(i int) bool { return m&(1<<i) != 0 }

// writtenProps maps the bits of PropMask to the generator's property
// indices (pKey and pExtra have no bit); TestPropMaskOrder holds it to
// hubspot.WritableTaskProperties.
var writtenProps = [...]int{pTimestamp, pSubject, pBody, pOwner, pStatus, pPriority, pType, pReminders, pQueue}

// Planned is the plan of one input of a batch. Its position in the batch is
// its index in PlanBatch's result; its trace id is TraceID(n, position).
type Planned struct {
	// Key is the stream key number: the input's unique value is Key(Key).
	Key uint64
	// Update says the key was created by an earlier batch of the stream
	// (see Generator for what that guarantees).
	Update bool
	// Invalid is the bad value the input carries (InvalidNone for a valid
	// input); a faithful target refuses such an input.
	Invalid InvalidKind
	// Writes are the properties the input sets besides the unique one.
	Writes PropMask
}

// PlanBatch appends the plan of batch n, input by input, to dst and returns
// the extended slice: what AppendBatch(nil, n) sends, without the values
// (AppendBatchPlan makes both at once).
func (g *Generator) PlanBatch(dst []Planned, n uint64) []Planned {
	var b batch
	g.start(n, &b)
	var in input
	for i := 0; i < g.cfg.size; i++ {
		g.next(&b, i, &in)
		dst = append(dst, in.planned())
	}
	return dst
}

// planned is the plan of an input. The properties of writtenProps are the
// property indices pTimestamp…pQueue in order (TestPropMaskOrder), so the
// mask is a shift of the input's property bits.
func (in *input) planned() Planned {
	return Planned{Key: in.key, Update: in.update, Invalid: in.bad, Writes: PropMask(in.has>>pTimestamp) & (1<<len(writtenProps) - 1)}
}

var _ [len(writtenProps)]struct{} = [hubspot.NumWritableTaskProperties]struct{}{}

// ParseKey is the inverse of Key for this stream: the stream key number of
// a unique value (unescaped), and false when the value is not one of this
// stream's keys (another prefix, another shard's number, not a canonical
// decimal).
func (g *Generator) ParseKey(value []byte) (uint64, bool) {
	raw := g.prefix.raw
	if len(value) < len(raw)+2 || string(value[:len(raw)]) != raw || value[len(raw)] != '-' {
		return 0, false
	}
	rest := value[len(raw):]
	num, ok := parseCanonicalUint(rest[1:])
	if !ok {
		return 0, false
	}
	if g.cfg.shards == 1 {
		// One shard: the number is the key itself. A 64-bit division
		// costs 35–90 cycles on older x86 cores, and the load engine
		// parses the key of every result it reads.
		return num, true
	}
	shards := uint64(g.cfg.shards)
	if num%shards != uint64(g.cfg.shard) {
		return 0, false
	}
	return num / shards, true
}

// ParseTraceID is the inverse of TraceID for this stream: the batch number
// and input position an objectWriteTraceId names, and false when it is not
// one this stream sends (another shard's, or not a trace id of ours).
func (g *Generator) ParseTraceID(id []byte) (n uint64, i int, ok bool) {
	// The load engine reads the trace id of every result: the separators
	// are found by the digit loops, without a call to bytes.IndexByte
	// (most of the cost for ids as short as "b3-77").
	j := 0
	if g.cfg.shards > 1 {
		if len(id) == 0 || id[0] != 's' {
			return 0, 0, false
		}
		j = 1
		for j < len(id) && id[j]-'0' <= 9 {
			j++
		}
		s, ok := parseCanonicalUint(id[1:j])
		if !ok || s != uint64(g.cfg.shard+1) {
			return 0, 0, false
		}
	}
	if j >= len(id) || id[j] != 'b' {
		return 0, 0, false
	}
	// The batch number is read while its end is found; a 20th digit may
	// overflow, so such a number is read again by parseCanonicalUint.
	dash := j + 1
	for dash < len(id) && id[dash]-'0' <= 9 {
		n = n*10 + uint64(id[dash]-'0')
		dash++
	}
	if digits := dash - j - 1; digits == 0 || dash >= len(id) || id[dash] != '-' || id[j+1] == '0' && digits > 1 {
		return 0, 0, false
	} else if digits >= 20 {
		if n, ok = parseCanonicalUint(id[j+1 : dash]); !ok {
			return 0, 0, false
		}
	}
	// The position is below the batch size, which bounds its digits: it
	// is read digit by digit and refused as soon as it reaches the size.
	pos := id[dash+1:]
	if len(pos) == 0 || pos[0] == '0' && len(pos) > 1 {
		return 0, 0, false
	}
	size := uint64(g.cfg.size)
	for _, c := range pos {
		d := uint64(c - '0')
		if i = i*10 + int(d); d > 9 || uint64(i) >= size {
			return 0, 0, false
		}
	}
	return n, i, true
}

// parseCanonicalUint parses what strconv.AppendUint writes: decimal digits,
// no sign, no leading zero (except "0" itself), no overflow. Up to 19
// digits cannot overflow (10^19-1 < 2^64): it reads those inline and
// leaves the rest, 20 digits or not a number, to parseCanonicalUintLong.
func parseCanonicalUint(b []byte) (v uint64, ok bool) {
	if uint(len(b)-1) >= 19 || b[0] == '0' && len(b) > 1 {
		return parseCanonicalUintLong(b)
	}
	for _, c := range b {
		if c-'0' > 9 { // wraps for bytes below '0'
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// parseCanonicalUintLong is parseCanonicalUint of a text that is empty,
// has a leading zero or more than 19 bytes: a number only when it has 20
// digits and fits in 64 bits.
func parseCanonicalUintLong(b []byte) (uint64, bool) {
	if len(b) != 20 || b[0] == '0' {
		return 0, false
	}
	var v uint64
	for _, c := range b[:19] {
		d := uint64(c - '0')
		if d > 9 {
			return 0, false
		}
		v = v*10 + d
	}
	d := uint64(b[19] - '0')
	hi, lo := bits.Mul64(v, 10)
	sum, carry := bits.Add64(lo, d, 0)
	if d > 9 || hi != 0 || carry != 0 {
		return 0, false
	}
	return sum, true
}

// Shard is this stream's shard, 0-based, and the number of shards.
func (g *Generator) Shard() (index, count int) { return g.cfg.shard, g.cfg.shards }

// KeyNumber is the number in the unique value of stream key k, which is
// unique across the shards of a run: Key(k) is "<prefix>-<KeyNumber(k)>".
func (g *Generator) KeyNumber(k uint64) uint64 {
	return k*uint64(g.cfg.shards) + uint64(g.cfg.shard)
}

// KeyPrefix is the prefix of every unique value of the stream.
func (g *Generator) KeyPrefix() string { return g.prefix.raw }

// TraceIDs reports whether inputs carry an objectWriteTraceId.
func (g *Generator) TraceIDs() bool { return g.cfg.traceIDs }
