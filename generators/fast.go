package generators

import (
	"math/bits"

	"github.com/upsertbench/upsertbench/hubspot"
)

// The fast path of AppendBatch. Small appends of strings whose length is
// not known at compile time each cost a runtime.memmove call, and at ~20 of
// them per input those calls, not the bytes, were most of a batch's cost. So
// everything that can be is precomputed whole at New: the input's lead-in
// up to the key digits, each enum value with its property name, each owner
// and queue list with theirs, subjects and bodies with theirs (in the pool
// arena). Numbers and dates are written in place, without a buffer to copy.
// Inputs that carry a bad value take the general path (appendInput), which
// renders the same bytes for valid inputs; tests hold both to Batch.

type fastJSON struct {
	head     string // {"id":"<prefix>-
	mid      string // ","idProperty":"<p>","properties":{"<p>":"<prefix>-   (no trace ids)
	midTrace string // ","idProperty":"<p>","objectWriteTraceId":"
	tail     string // ","properties":{"<p>":"<prefix>-                     (after a trace id)
	status   [5]string
	priority [4]string
	typ      [5]string
	owners   []string
	queues   [][]string // [a][a] is "a" alone, [a][b] is "a;b"
}

func (g *Generator) buildFast() {
	f := &g.fast
	p, idp := g.prefix.esc, g.idProp.esc
	f.head = `{"id":"` + p + "-"
	f.mid = `","idProperty":"` + idp + `","properties":{"` + idp + `":"` + p + "-"
	f.midTrace = `","idProperty":"` + idp + `","objectWriteTraceId":"`
	f.tail = `","properties":{"` + idp + `":"` + p + "-"
	for i, v := range hubspot.TaskStatuses {
		f.status[i] = propLeads[pStatus] + string(v)
	}
	for i, v := range hubspot.TaskPriorities {
		f.priority[i] = propLeads[pPriority] + string(v)
	}
	for i, v := range hubspot.TaskTypes {
		f.typ[i] = propLeads[pType] + string(v)
	}
	f.owners = make([]string, len(g.p.owners))
	for i, o := range g.p.owners {
		f.owners[i] = propLeads[pOwner] + o.esc
	}
	f.queues = make([][]string, len(g.p.queues))
	for a, qa := range g.p.queues {
		f.queues[a] = make([]string, len(g.p.queues))
		for b, qb := range g.p.queues {
			f.queues[a][b] = propLeads[pQueue] + qa.esc
			if a != b {
				f.queues[a][b] += ";" + qb.esc
			}
		}
	}
}

// appendInputFast renders input i of batch b; see appendInput for the
// layout. The key's digits are written once and copied for the key
// property, and the trace id's batch prefix comes made with b.
func (g *Generator) appendInputFast(dst []byte, b *batch, i int, in *input) []byte {
	f := &g.fast
	key := in.key*uint64(g.cfg.shards) + uint64(g.cfg.shard)
	dst = append(dst, f.head...)
	ks := len(dst)
	dst = putUint(dst, key)
	ke := len(dst)
	if g.cfg.traceIDs {
		dst = append(dst, f.midTrace...)
		dst = append(dst, b.tracePrefix[:b.traceLen]...)
		dst = putUint(dst, uint64(i))
		dst = append(dst, f.tail...)
	} else {
		dst = append(dst, f.mid...)
	}
	dst = append(dst, dst[ks:ke]...) // the key property's value: the same digits
	if in.is(pTimestamp) {
		dst = append(dst, propLeads[pTimestamp]...)
		if in.dueISO {
			dst = hubspot.AppendTimestamp(dst, in.due)
		} else {
			dst = putUint(dst, uint64(in.due))
		}
	}
	if in.is(pSubject) {
		dst = g.p.appendSubject(dst, in.typ, in.text)
	}
	if in.is(pBody) {
		dst = g.p.appendBody(dst, in.typ, in.text, in.update)
	}
	if in.is(pOwner) {
		dst = append(dst, f.owners[in.owner]...)
	}
	if in.is(pStatus) {
		dst = append(dst, f.status[in.status]...)
	}
	if in.is(pPriority) {
		dst = append(dst, f.priority[in.priority]...)
	}
	if in.is(pType) {
		dst = append(dst, f.typ[in.typ]...)
	}
	if in.is(pReminders) {
		dst = append(dst, propLeads[pReminders]...)
		dst = putUint(dst, uint64(in.reminder))
	}
	if in.is(pQueue) {
		b := in.queue[0]
		if in.nqueue > 1 {
			b = in.queue[1]
		}
		dst = append(dst, f.queues[in.queue[0]][b]...)
	}
	return append(dst, '"', '}', '}')
}

// extend grows dst by n bytes and returns it with the new tail to fill.
func extend(dst []byte, n int) ([]byte, []byte) {
	l := len(dst)
	if cap(dst)-l < n {
		dst = append(dst[:cap(dst)], make([]byte, n-(cap(dst)-l))...)[:l]
	}
	dst = dst[:l+n]
	return dst, dst[l:]
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

var pow10 = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// putUint appends v in decimal, written in place.
func putUint(dst []byte, v uint64) []byte {
	n := (bits.Len64(v) * 1233) >> 12 // ⌊log10⌋ estimate, at most one short
	if n < len(pow10) && v >= pow10[n] {
		n++
	}
	if n == 0 {
		n = 1
	}
	dst, b := extend(dst, n)
	i := n
	for v >= 100 {
		q := v / 100
		d := (v - q*100) * 2
		i -= 2
		b[i], b[i+1] = digitPairs[d], digitPairs[d+1]
		v = q
	}
	if v >= 10 {
		d := v * 2
		b[i-2], b[i-1] = digitPairs[d], digitPairs[d+1]
	} else {
		b[i-1] = byte('0' + v)
	}
	return dst
}
