package contract

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"

	liberrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// FastSchema checks response bodies against the document's response
// schemas on a compiled fast path, for the load engine, which checks every
// answer of a run: libopenapi-validator decodes a 100-result answer into
// maps and walks them (about 3.5 ms here); FastSchema walks the bytes once,
// in place, with the schemas compiled into a tree at start-up (≤ 150 µs, see
// BenchmarkFastSchema100).
//
// libopenapi-validator stays the reference. FastSchema follows the same
// steps as Validator.ValidateResponse (operation, declared status, JSON
// content type, empty body, JSON syntax, schema) with the same rules —
// jsonschema's order of type, enum and format, its integer and format
// checks message for message, encoding/json's reading of numbers, strings
// and a "null" body — and reports the same findings: the same field
// pointers, messages and document locations. A body whose checks fail and
// that repeats a member name (where encoding/json keeps only the last
// value) goes to the library, and so does every response whose schema uses
// a keyword the fast path does not implement: FastSchema never judges a
// body differently from the library. FuzzFastSchemaAgrees holds it to that
// on real answers and on corrupted ones.
//
// A FastSchema is immutable and safe for concurrent use.
type FastSchema struct {
	v *Validator
	// nodes are the compiled response schemas by response; a response
	// whose schema did not compile is in skipped with the reason.
	nodes   map[*specResponse]*fsNode
	skipped map[*specResponse]string
	walks   sync.Pool
	// scanners keep their stop bitmaps between ValidateResponse calls.
	scanners sync.Pool
}

// NewFastSchema compiles the response schemas of v's document. Schemas it
// cannot compile are left to v; Uncompiled lists them.
func NewFastSchema(v *Validator) *FastSchema {
	f := &FastSchema{v: v, nodes: map[*specResponse]*fsNode{}, skipped: map[*specResponse]string{}}
	f.walks.New = func() any { return new(fsWalk) }
	f.scanners.New = func() any { return new(jsonscan.Scanner) }
	c := &fsCompiler{tree: v.tree, nodes: map[string]*fsNode{}}
	for _, rt := range v.routes.all {
		resps := make([]*specResponse, 0, len(rt.codes)+1)
		for _, rs := range rt.codes {
			resps = append(resps, rs)
		}
		if rt.deflt != nil {
			resps = append(resps, rt.deflt)
		}
		for _, rs := range resps {
			if rs.schema == nil || rs.schemaPointer == "" {
				continue
			}
			if _, done := f.nodes[rs]; done {
				continue
			}
			n, err := c.compile(rs.schemaPointer)
			if err != nil {
				f.skipped[rs] = err.Error()
				continue
			}
			f.nodes[rs] = n
		}
	}
	return f
}

// Uncompiled lists the responses (as "METHOD template status: reason") the
// fast path leaves to libopenapi-validator.
func (f *FastSchema) Uncompiled() []string {
	var out []string
	for _, rt := range f.v.routes.all {
		for key, rs := range rt.codes {
			if why, ok := f.skipped[rs]; ok {
				out = append(out, fmt.Sprintf("%s %s %s: %s", rt.method, rt.template, key, why))
			}
		}
		if why, ok := f.skipped[rt.deflt]; ok && rt.deflt != nil {
			out = append(out, fmt.Sprintf("%s %s default: %s", rt.method, rt.template, why))
		}
	}
	slices.Sort(out)
	return out
}

// ValidateResponse checks a response like Validator.ValidateResponseTo.
// fast reports whether the compiled path decided (false: the library did).
func (f *FastSchema) ValidateResponse(method, path string, status int, header http.Header, body []byte) (fs []Finding, fast bool) {
	sc := f.scanners.Get().(*jsonscan.Scanner)
	defer f.scanners.Put(sc)
	sc.Reset(body)
	return f.ValidateScanned(sc, method, path, status, header.Get("Content-Type"))
}

// ValidateScanned is ValidateResponse for a body the caller has already
// loaded into sc (the load engine reads each answer once for the
// invariants and once for the schema). sc is only read.
func (f *FastSchema) ValidateScanned(sc *jsonscan.Scanner, method, path string, status int, contentType string) (fs []Finding, fast bool) {
	body := sc.Data
	rt := f.v.routes.lookup(method, path)
	if rt == nil {
		return f.v.validateResponse(nil, method, path, status, contentType, body), false
	}
	ctx := validationContext{check: CheckResponseSchema, method: method, path: path, status: status, route: rt, template: rt.template, body: body}
	resp := rt.response(status)
	if resp == nil {
		return []Finding{ctx.undeclaredStatus()}, true
	}
	ctx.resp = resp
	if resp.schema == nil {
		if status == http.StatusNoContent && len(bytes.TrimSpace(body)) > 0 {
			return []Finding{ctx.bodyOn204()}, true
		}
		return nil, true
	}
	node, ok := f.nodes[resp]
	if !ok {
		return f.v.validateResponse(nil, method, path, status, contentType, body), false
	}
	if !isJSONMediaType(contentType) {
		return []Finding{ctx.notJSON(contentType)}, true
	}
	p := sc.Space(0)
	if p == len(body) {
		return []Finding{ctx.emptyBody()}, true
	}
	w := f.walks.Get().(*fsWalk)
	defer f.walks.Put(w)
	w.reset(sc)
	var end int
	if sc.KindAt(p) == jsonscan.Null {
		// encoding/json decodes "null" to a nil value, which the library
		// does not validate (validate_response.go: "nothing to do here").
		end, ok = sc.Literal(p, "null")
	} else {
		// Nearly every answer is valid: the accepting walk proves that
		// without writing anything; where it cannot, the generic walk
		// judges the body from the start and writes the findings.
		if end, ok = w.accepts(node, p, 0); ok && sc.Space(end) == len(body) {
			return nil, true
		}
		w.reset(sc)
		end, ok = w.value(node, p, 0)
	}
	if !ok || sc.Space(end) != len(body) {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return []Finding{ctx.invalidJSON(err)}, true
		}
		// The walk refused what encoding/json reads: not ours to judge.
		return f.v.validateResponse(nil, method, path, status, contentType, body), false
	}
	if len(w.failures) == 0 {
		return nil, true
	}
	if hasRepeatedMember(sc) {
		return f.v.validateResponse(nil, method, path, status, contentType, body), false
	}
	return []Finding{f.finding(ctx, w.failures)}, true
}

// finding is one Finding for the schema failures of a body, exactly as
// Validator.toFindings builds it from the library's errors.
func (f *FastSchema) finding(ctx validationContext, failures []fsFailure) Finding {
	fd := ctx.base()
	schemaBase := ctx.resp.schemaPointer
	fd.Reason = fmt.Sprintf("The response body for status code '%d' is defined as an object. "+
		"However, it does not meet the schema requirements of the specification", ctx.status)
	fd.HowToFix = liberrors.HowToFixInvalidSchema
	fd.SpecPath = schemaBase
	for _, fl := range failures {
		fd.Fields = append(fd.Fields, FieldFailure{Pointer: fl.pointer, Message: fl.message, SchemaPath: fl.schemaPath})
	}
	slices.SortStableFunc(fd.Fields, func(a, b FieldFailure) int {
		if c := cmp.Compare(a.Pointer, b.Pointer); c != 0 {
			return c
		}
		return cmp.Compare(a.Message, b.Message)
	})
	fd.Message = fmt.Sprintf("%d response body does not match %s", ctx.status, specName(schemaBase))
	if sp := commonSpecPath(fd.Fields); sp != "" {
		fd.SpecPath = sp
	}
	return fd
}

// hasRepeatedMember reports whether any object of the (syntactically
// valid) text names a member twice. Only failing bodies are asked.
func hasRepeatedMember(sc *jsonscan.Scanner) bool {
	var walk func(p, depth int) (int, bool)
	walk = func(p, depth int) (end int, repeated bool) {
		switch sc.KindAt(p) {
		case jsonscan.Object:
			seen := map[string]bool{}
			it := sc.Members(p)
			for {
				k, v, ok := it.Next()
				if !ok {
					end, _ = it.End()
					return end, false
				}
				name := string(jsonscan.Unescape(nil, sc.Data[k+1:it.KeyEnd-1]))
				if seen[name] {
					return 0, true
				}
				seen[name] = true
				e, rep := walk(v, depth+1)
				if rep {
					return 0, true
				}
				it.Continue(e)
			}
		case jsonscan.Array:
			el := sc.Elements(p)
			for {
				q, ok := el.Next()
				if !ok {
					end, _ = el.End()
					return end, false
				}
				e, rep := walk(q, depth+1)
				if rep {
					return 0, true
				}
				el.Continue(e)
			}
		}
		end, _ = sc.Value(p)
		return end, false
	}
	_, rep := walk(sc.Space(0), 0)
	return rep
}
