package generators

import (
	"github.com/upsertbench/upsertbench/hubspot"
)

// propLeads[p] is `","name":"`: the end of the previous value, the name and
// the start of this value.
var propLeads = func() (l [numProps]string) {
	for p, name := range propNames {
		l[p] = `","` + name + `":"`
	}
	return l
}()

// AppendBatch appends the JSON body of batch n to dst and returns the
// extended slice. It allocates only when dst must grow, so a caller that
// reuses its buffer pays no allocation per batch.
func (g *Generator) AppendBatch(dst []byte, n uint64) []byte {
	dst, _ = g.appendBatch(dst, nil, n, false)
	return dst
}

// AppendBatchPlan is AppendBatch and PlanBatch in one pass: it appends the
// body of batch n to dst and its plan to plan, from the same draws, so a
// caller that needs both (the load engine checks every answer against the
// plan of the batch it answers) generates the batch once. It allocates
// only when dst or plan must grow.
func (g *Generator) AppendBatchPlan(dst []byte, plan []Planned, n uint64) ([]byte, []Planned) {
	return g.appendBatch(dst, plan, n, true)
}

// appendBatch renders batch n into dst and, when planned, its plan into
// plan: AppendBatch's and AppendBatchPlan's one loop.
func (g *Generator) appendBatch(dst []byte, plan []Planned, n uint64, planned bool) ([]byte, []Planned) {
	var b batch
	g.start(n, &b)
	var in input
	dst = append(dst, `{"inputs":[`...)
	for i := 0; i < g.cfg.size; i++ {
		g.next(&b, i, &in)
		if i > 0 {
			dst = append(dst, ',')
		}
		if in.bad == InvalidNone {
			dst = g.appendInputFast(dst, &b, i, &in)
		} else {
			dst = g.appendInput(dst, n, i, &in)
		}
		if planned {
			plan = append(plan, in.planned())
		}
	}
	return append(dst, ']', '}'), plan
}

// appendInput renders one input in the general way:
//
//	{"id":"<key>","idProperty":"<p>"[,"objectWriteTraceId":"<t>"],"properties":{"<p>":"<key>",…}}
//
// with the properties in the order of the property indices.
func (g *Generator) appendInput(dst []byte, n uint64, i int, in *input) []byte {
	dst = append(dst, `{"id":"`...)
	dst = g.appendKey(dst, in.key, true)
	dst = append(dst, `","idProperty":"`...)
	dst = append(dst, g.idProp.esc...)
	if g.cfg.traceIDs {
		dst = append(dst, `","objectWriteTraceId":"`...)
		dst = g.appendTraceID(dst, n, i)
	}
	// The key property is always first, so every other one starts with a
	// comma: its `","name":"` lead-in closes the value before it.
	dst = append(dst, `","properties":{"`...)
	dst = append(dst, g.idProp.esc...)
	dst = append(dst, `":"`...)
	dst = g.appendKey(dst, in.key, true)
	for p := pKey + 1; p < numProps; p++ {
		if !in.is(p) {
			continue
		}
		if p == pExtra {
			dst = append(dst, `","`...)
			dst = append(dst, in.extra...)
			dst = append(dst, '"', ':', '"')
		} else {
			dst = append(dst, propLeads[p]...)
		}
		dst = g.appendValue(dst, in, p, true)
	}
	return append(dst, '"', '}', '}')
}

// Batch returns batch n as structs: the same content as AppendBatch(nil, n)
// decodes to. It allocates a map per input; use AppendBatch on hot paths.
func (g *Generator) Batch(n uint64) hubspot.BatchUpsertRequest {
	var b batch
	g.start(n, &b)
	var in input
	req := hubspot.BatchUpsertRequest{Inputs: make([]hubspot.UpsertInput, g.cfg.size)}
	var buf []byte
	for i := range req.Inputs {
		g.next(&b, i, &in)
		u := &req.Inputs[i]
		u.ID = g.Key(in.key)
		u.IDProperty = g.cfg.idProperty
		if g.cfg.traceIDs {
			u.ObjectWriteTraceID = string(g.appendTraceID(nil, n, i))
		}
		u.Properties = make(map[string]string, 10)
		for p := 0; p < numProps; p++ {
			if in.is(p) {
				buf = g.appendValue(buf[:0], &in, p, false)
				u.Properties[g.propName(&in, p, false)] = string(buf)
			}
		}
	}
	return req
}

// InputInfo says what one input of a batch is meant to be, for checks that
// need to know which answers to expect.
type InputInfo struct {
	Position int         // index in inputs
	Key      string      // the id (unique value)
	KeyIndex uint64      // stream key number (Key == g.Key(KeyIndex))
	Update   bool        // the key was created by an earlier batch (see Generator)
	Invalid  InvalidKind // InvalidNone for a valid input
	TraceID  string      // objectWriteTraceId, "" without WithTraceIDs
}

// Describe returns the plan of batch n, input by input.
func (g *Generator) Describe(n uint64) []InputInfo {
	var b batch
	g.start(n, &b)
	var in input
	out := make([]InputInfo, g.cfg.size)
	for i := range out {
		g.next(&b, i, &in)
		out[i] = InputInfo{Position: i, Key: g.Key(in.key), KeyIndex: in.key, Update: in.update, Invalid: in.bad}
		if g.cfg.traceIDs {
			out[i].TraceID = string(g.appendTraceID(nil, n, i))
		}
	}
	return out
}

// TraceID is the objectWriteTraceId of input i of batch n (whether or not
// the generator sends trace ids).
func (g *Generator) TraceID(n uint64, i int) string { return string(g.appendTraceID(nil, n, i)) }
