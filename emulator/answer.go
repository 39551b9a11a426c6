package emulator

import (
	"strconv"

	"github.com/upsertbench/upsertbench/hubspot"
)

// encodeUpsert writes the 200/207 answer of an upsert into st.out.
func (e *Emulator) encodeUpsert(st *requestState, invalid int, completedMS int64) []byte {
	b := st.out[:0]
	b = append(b, `{"status":"COMPLETE","results":[`...)
	st.order = st.order[:0]
	for i := range st.inputs {
		if st.inputs[i].result >= 0 {
			st.order = append(st.order, i)
		}
	}
	if !e.cfg.preserveOrder {
		// Fisher–Yates with the request's seeded generator: clients must
		// correlate by id or trace id, never by position.
		for i := len(st.order) - 1; i > 0; i-- {
			j := st.rng.intn(i + 1)
			st.order[i], st.order[j] = st.order[j], st.order[i]
		}
	}
	for n, i := range st.order {
		if n > 0 {
			b = append(b, ',')
		}
		b = e.appendUpsertResult(b, st, &st.inputs[i])
	}
	b = append(b, ']')
	if invalid > 0 {
		b = append(b, `,"numErrors":`...)
		b = strconv.AppendInt(b, int64(invalid), 10)
		b = append(b, `,"errors":[`...)
		first := true
		for i := range st.inputs {
			in := &st.inputs[i]
			if in.errsHi == in.errsLo {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			errs := st.errs[in.errsLo:in.errsHi]
			b = append(b, `{"status":"error","category":"`+hubspot.CategoryValidation+`","message":`...)
			if isMissingRequired(errs) {
				b = hubspot.AppendJSONString(b, hubspot.MessageRequiredPropertiesNotSet)
				b = append(b, `,"context":{"objectWriteTraceId":[`...)
				b = appendRaw(b, in.traceID.raw)
				b = append(b, `],"properties":[`...)
			} else {
				b = hubspot.AppendJSONString(b, propertyErrorsMessage(errs, e.portalJSON))
				b = append(b, `,"context":{"objectWriteTraceId":[`...)
				b = appendRaw(b, in.traceID.raw)
				b = append(b, `],"propertyName":[`...)
			}
			for k, name := range propertyNames(errs) {
				if k > 0 {
					b = append(b, ',')
				}
				b = hubspot.AppendJSONString(b, name)
			}
			b = append(b, `]}}`...)
		}
		b = append(b, ']')
	}
	b = st.appendTimes(b, completedMS)
	b = append(b, '}')
	st.out = b
	return b
}

// appendTimes appends requestedAt, startedAt and completedAt.
func (st *requestState) appendTimes(b []byte, completedMS int64) []byte {
	b = append(b, `,"requestedAt":"`...)
	b = hubspot.AppendInstant(b, st.requestedMS)
	b = append(b, `","startedAt":"`...)
	b = hubspot.AppendInstant(b, st.startedMS)
	b = append(b, `","completedAt":"`...)
	b = hubspot.AppendInstant(b, completedMS)
	return append(b, '"')
}

func (e *Emulator) appendUpsertResult(b []byte, st *requestState, in *upsertInput) []byte {
	res := &st.results[in.result]
	// The id appears three times (id, hs_object_id, url) and each time
	// twice: format each once.
	var idBuf [20]byte
	id := appendUint(idBuf[:0], res.id)
	updated := st.ts.text(res.updated)
	created := updated
	var createdBuf [32]byte
	if res.created != res.updated {
		created = st.ts.appendTS(createdBuf[:0], res.created)
	}
	b = append(b, `{"id":"`...)
	b = append(b, id...)
	b = append(b, `","properties":{`...)
	for _, p := range st.packed[in.packedLo:in.packedHi] {
		if len(p.raw) == 0 {
			continue // cleared: answers omit it
		}
		b = append(b, e.schema.props[p.idx].keyOpen...)
		b = append(b, p.raw...)
		b = append(b, '"', ',')
	}
	if res.isNew {
		if !in.statusWritten {
			b = append(b, statusDefaultSegment...)
		}
		b = append(b, createdSegment...)
	}
	if len(in.body) > 0 {
		b = appendPreviewMembers(b, in.body, &st.preview)
	}
	b = append(b, e.schema.props[e.schema.unique[in.slot]].keyOpen...)
	b = append(b, in.id.raw...)
	b = append(b, `","`+hubspot.PropObjectID+`":"`...)
	b = append(b, id...)
	seg := st.segments(res.updated, updated)
	if res.isNew && res.created == res.updated {
		b = append(b, seg.created...)
	} else {
		b = append(b, `","`+hubspot.PropCreateDate+`":"`...)
		b = append(b, created...)
		b = append(b, seg.updatedMid...)
		b = append(b, created...)
		b = append(b, seg.updatedEnd...)
		b = strconv.AppendBool(b, res.isNew) // false: a create has created = updated
	}
	if !in.traceID.isNull() && len(in.traceID.raw) > 0 {
		b = append(b, `,"objectWriteTraceId":"`...)
		b = append(b, in.traceID.raw...)
		b = append(b, '"')
	}
	b = append(b, e.urlPrefix...)
	b = append(b, id...)
	return append(b, `"}`...)
}

func (e *Emulator) appendURL(b []byte, id uint64) []byte {
	b = append(b, e.urlPrefix...)
	b = appendUint(b, id)
	return append(b, '"')
}

// appendObject writes a stored record as a SimplePublicObject with the
// requested properties (unknown or unset ones are left out, cleared ones
// too) plus hs_object_id, hs_createdate and hs_lastmodifieddate, which
// HubSpot always returns.
func (e *Emulator) appendObject(b []byte, r *record, props []string, scratch *previewScratch) []byte {
	b = append(b, `{"id":"`...)
	b = appendUint(b, r.id)
	b = append(b, `","properties":{`...)
	b = append(b, `"`+hubspot.PropObjectID+`":"`...)
	b = appendUint(b, r.id)
	b = append(b, `","`+hubspot.PropCreateDate+`":"`...)
	b = hubspot.AppendInstant(b, r.created)
	b = append(b, `","`+hubspot.PropLastModifiedDate+`":"`...)
	b = hubspot.AppendInstant(b, r.updated)
	b = append(b, '"')
	for k, name := range props {
		if containsString(props[:k], name) {
			continue
		}
		idx, ok := e.schema.index[name]
		if !ok {
			continue
		}
		d := &e.schema.props[idx]
		switch {
		case name == hubspot.PropObjectID || name == hubspot.PropCreateDate || name == hubspot.PropLastModifiedDate:
			continue // already written
		case d.kind == kindSystem:
			b = e.appendCalculated(b, r, idx, scratch)
		case d.kind == kindUnique:
			if e.schema.unique[r.uniqueSlot] != idx {
				continue
			}
			b = append(b, ',')
			b = hubspot.AppendJSONString(b, name)
			b = append(b, ':')
			b = hubspot.AppendJSONString(b, r.unique())
		default:
			raw, ok := lookupPacked(r.props(), uint8(idx))
			if !ok {
				continue
			}
			b = append(b, ',')
			b = hubspot.AppendJSONString(b, name)
			b = append(b, ':')
			b = appendRaw(b, raw)
		}
	}
	b = append(b, `},"createdAt":"`...)
	b = hubspot.AppendInstant(b, r.created)
	b = append(b, `","updatedAt":"`...)
	b = hubspot.AppendInstant(b, r.updated)
	b = append(b, `","archived":false`...)
	b = e.appendURL(b, r.id)
	return append(b, '}')
}

// timeSegments are the constant stretches of a result around its
// timestamps for one last-modified time U, built once per answer (most
// results share the batch's write time): a created record's four
// timestamps are all U; an updated record's created time sits between
// updatedMid and updatedEnd (and before updatedMid after hs_createdate).
type timeSegments struct {
	ms         int64
	ok         bool
	created    []byte // `","hs_createdate":"U","hs_lastmodifieddate":"U"},"createdAt":"U","updatedAt":"U","archived":false,"new":true`
	updatedMid []byte // `","hs_lastmodifieddate":"U"},"createdAt":"`
	updatedEnd []byte // `","updatedAt":"U","archived":false,"new":`
}

// segments returns the timeSegments of last-modified time ms, rendered as
// text.
func (st *requestState) segments(ms int64, text []byte) *timeSegments {
	g := &st.seg
	if g.ok && g.ms == ms {
		return g
	}
	g.ms, g.ok = ms, true
	b := append(g.created[:0], `","`+hubspot.PropCreateDate+`":"`...)
	b = append(b, text...)
	b = append(b, `","`+hubspot.PropLastModifiedDate+`":"`...)
	b = append(b, text...)
	b = append(b, `"},"createdAt":"`...)
	b = append(b, text...)
	b = append(b, `","updatedAt":"`...)
	b = append(b, text...)
	g.created = append(b, `","archived":false,"new":true`...)
	b = append(g.updatedMid[:0], `","`+hubspot.PropLastModifiedDate+`":"`...)
	b = append(b, text...)
	g.updatedMid = append(b, `"},"createdAt":"`...)
	b = append(g.updatedEnd[:0], `","updatedAt":"`...)
	b = append(b, text...)
	g.updatedEnd = append(b, `","archived":false,"new":`...)
	return g
}

// tsCache renders the timestamps of one answer. Most results share the
// batch's write time (text), and the creation times of the records a
// batch updates mostly fall within a second or two of each other: the
// date and time up to the second are rendered once per second (appendTS).
type tsCache struct {
	ms  int64
	txt [32]byte
	n   int // length of txt in use; 0 when empty

	sec  int64    // the second head renders
	head [19]byte // "2006-01-02T15:04:05" of sec
	ok   bool     // head is set
}

// text returns ms rendered by hubspot.AppendInstant; the slice is valid
// until the next call.
func (c *tsCache) text(ms int64) []byte {
	if c.n > 0 && c.ms == ms {
		return c.txt[:c.n]
	}
	out := c.appendTS(c.txt[:0], ms)
	if len(out) > len(c.txt) { // a year of more than 13 digits: not cached
		c.n = 0
		return out
	}
	c.ms, c.n = ms, len(out)
	return out
}

// appendTS appends ms as hubspot.AppendInstant does, from the rendered
// second when it is the last one seen.
func (c *tsCache) appendTS(dst []byte, ms int64) []byte {
	sec := floorDiv(ms, 1000)
	if !c.ok || c.sec != sec {
		start := len(dst)
		dst = hubspot.AppendInstant(dst, ms)
		if n := len(dst) - start; n == 20 || n == 24 { // years 0000-9999
			copy(c.head[:], dst[start:])
			c.sec, c.ok = sec, true
		}
		return dst
	}
	dst = append(dst, c.head[:]...)
	if m := ms - sec*1000; m != 0 {
		return append(dst, '.', byte('0'+m/100), byte('0'+m/10%10), byte('0'+m%10), 'Z')
	}
	return append(dst, 'Z')
}
