package contract

import (
	"sort"
	"strings"

	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// specRoute is one operation of the document, prepared at build time so that a
// validation call does no path parsing, media-type search or pointer
// building on the success path.
type specRoute struct {
	method    string // upper case, as in http.Request.Method
	template  string // the path key of the document, e.g. /crm/v3/objects/tasks/{taskId}
	segments  []string
	params    int // number of templated segments; fewer wins on ties
	pathItem  *v3.PathItem
	op        *v3.Operation
	opPointer string // JSON Pointer (URI fragment form) of the operation

	codes map[string]*specResponse // "200", "2XX"
	deflt *specResponse
}

// specResponse is one declared response of an operation.
type specResponse struct {
	key           string       // "200", "2XX" or "default"
	pointer       string       // where the response is declared
	schemaPointer string       // where its JSON body schema lives ($ref resolved)
	schema        *base.Schema // nil when the response declares no body
}

// response picks the declared response for status: exact code, then the
// class ("2XX"), then default; nil when the operation has none of them.
func (r *specRoute) response(status int) *specResponse {
	exact, class := responseStatusKeys(status)
	if rs, ok := r.codes[exact]; ok {
		return rs
	}
	if rs, ok := r.codes[class]; ok {
		return rs
	}
	return r.deflt
}

type specRouteKey struct{ method, path string }

// specRoutes finds operations by method and concrete path. Literal paths are
// one map lookup; templated ones are matched segment by segment, the specRoute
// with the fewest templated segments first (so /batch/read beats /{taskId}).
type specRoutes struct {
	exact     map[specRouteKey]*specRoute
	byTmpl    map[specRouteKey]*specRoute
	templated []*specRoute
	all       []*specRoute
}

func (t *specRoutes) lookup(method, path string) *specRoute {
	if rt, ok := t.exact[specRouteKey{method, path}]; ok {
		return rt
	}
	for _, rt := range t.templated {
		if rt.method == method && matchPathSegments(rt.segments, path) {
			return rt
		}
	}
	return nil
}

func (t *specRoutes) byTemplate(method, template string) *specRoute {
	return t.byTmpl[specRouteKey{method, template}]
}

// matchPathSegments reports whether path fits the template segments; a
// "{name}" segment matches any non-empty segment. It does not allocate.
func matchPathSegments(segs []string, path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	rest := path[1:]
	for i, s := range segs {
		var seg string
		var found bool
		seg, rest, found = strings.Cut(rest, "/")
		if found == (i == len(segs)-1) {
			return false
		}
		if isPathTemplateSegment(s) {
			if seg == "" {
				return false
			}
			continue
		}
		if seg != s {
			return false
		}
	}
	return true
}

func isPathTemplateSegment(s string) bool {
	return strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}")
}

func buildSpecRoutes(m *v3.Document, tree any) specRoutes {
	t := specRoutes{exact: map[specRouteKey]*specRoute{}, byTmpl: map[specRouteKey]*specRoute{}}
	if m.Paths == nil || m.Paths.PathItems == nil {
		return t
	}
	for pp := m.Paths.PathItems.First(); pp != nil; pp = pp.Next() {
		template, item := pp.Key(), pp.Value()
		segs := strings.Split(strings.TrimPrefix(template, "/"), "/")
		params := 0
		for _, s := range segs {
			if isPathTemplateSegment(s) {
				params++
			}
		}
		for op := item.GetOperations().First(); op != nil; op = op.Next() {
			rt := &specRoute{
				method:    strings.ToUpper(op.Key()),
				template:  template,
				segments:  segs,
				params:    params,
				pathItem:  item,
				op:        op.Value(),
				opPointer: "#/paths/" + jsonPointerEscape(template) + "/" + strings.ToLower(op.Key()),
				codes:     map[string]*specResponse{},
			}
			if rs := rt.op.Responses; rs != nil {
				if rs.Codes != nil {
					for c := rs.Codes.First(); c != nil; c = c.Next() {
						rt.codes[strings.ToUpper(c.Key())] = newSpecResponse(tree, rt.opPointer, c.Key(), c.Value())
					}
				}
				if rs.Default != nil {
					rt.deflt = newSpecResponse(tree, rt.opPointer, "default", rs.Default)
				}
			}
			t.all = append(t.all, rt)
			t.byTmpl[specRouteKey{rt.method, template}] = rt
			if params == 0 {
				t.exact[specRouteKey{rt.method, template}] = rt
			} else {
				t.templated = append(t.templated, rt)
			}
		}
	}
	sort.SliceStable(t.templated, func(i, j int) bool { return t.templated[i].params < t.templated[j].params })
	return t
}

func newSpecResponse(tree any, opPointer, key string, resp *v3.Response) *specResponse {
	rs := &specResponse{key: key, pointer: opPointer + "/responses/" + jsonPointerEscape(key)}
	if resp == nil || resp.Content == nil {
		return rs
	}
	// The JSON media type if declared, else a range that admits JSON
	// (HubSpot's own document declares errors as */*).
	var chosen string
	for mt := resp.Content.First(); mt != nil; mt = mt.Next() {
		if mt.Value() == nil || mt.Value().Schema == nil {
			continue
		}
		name, _, _ := helpers.ExtractContentType(mt.Key())
		if name == "application/json" {
			chosen = mt.Key()
			break
		}
		if chosen == "" && (isJSONMediaType(name) || name == "*/*" || name == "application/*") {
			chosen = mt.Key()
		}
	}
	if chosen == "" {
		return rs
	}
	media := resp.Content.GetOrZero(chosen)
	rs.schema = media.Schema.Schema()
	rs.schemaPointer = specLocate(tree, rs.pointer, "content", chosen, "schema")
	return rs
}
