package fidelity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Kind is the kind of a structural difference between a recorded answer
// and the emulator's answer to the same request. The README documents each.
type Kind string

const (
	// KindTransport: one side answered, the other did not (no HTTP answer).
	KindTransport Kind = "transport"
	// KindStatus: the HTTP status differs.
	KindStatus Kind = "status"
	// KindHeaderMissing: a header the recorded answer had is not sent by
	// the emulator. KindHeaderExtra: the other way round. Names only, and
	// transport/CDN headers are ignored unless WithAllHeaders.
	KindHeaderMissing Kind = "header-missing"
	KindHeaderExtra   Kind = "header-extra"
	// KindContentType: both have a Content-Type, with different media types.
	KindContentType Kind = "content-type"
	// KindBody: one body is JSON and the other is not (or is empty).
	KindBody Kind = "body"
	// KindKeyMissing: a JSON key of the recorded answer is absent from the
	// emulator's; KindKeyExtra: the other way round.
	KindKeyMissing Kind = "key-missing"
	KindKeyExtra   Kind = "key-extra"
	// KindType: the JSON value at a path has another type (string, number,
	// boolean, null, object, array).
	KindType Kind = "type"
	// KindArrayEmpty: an array is always empty on one side and has
	// elements on the other.
	KindArrayEmpty Kind = "array-empty"
	// KindErrorText: an error's message, category, subCategory, code,
	// errorType, policyName or in differs after volatile values are
	// normalised.
	KindErrorText Kind = "error-text"
	// KindErrorContext: an error's context has other keys, or a context
	// value of another type.
	KindErrorContext Kind = "error-context"
	// KindErrorCount: an errors array has another number of entries.
	KindErrorCount Kind = "error-count"
)

// Kinds lists every kind in the order reports count them.
var Kinds = []Kind{KindTransport, KindStatus, KindHeaderMissing, KindHeaderExtra, KindContentType, KindBody,
	KindKeyMissing, KindKeyExtra, KindType, KindArrayEmpty, KindErrorText, KindErrorContext, KindErrorCount}

// Difference is one structural difference in one exchange.
type Difference struct {
	Kind Kind `json:"kind"`
	// Where is a JSON path (/results[]/properties/hs_task_status; [] is
	// any element of an array, [k] the error matched by trace id or rank),
	// or a header name.
	Where    string `json:"where,omitempty"`
	Recorded string `json:"recorded,omitempty"`
	Emulator string `json:"emulator,omitempty"`
}

// Headers that say how the bytes travelled, not what the API answered:
// dates, lengths, compression, CDN, security policy, caching, cookies.
// They differ between any two servers and are ignored unless
// WithAllHeaders.
var (
	transportHeaders = map[string]bool{
		"Date": true, "Content-Length": true, "Connection": true, "Keep-Alive": true, "Transfer-Encoding": true,
		"Content-Encoding": true, "Server": true, "Vary": true, "Via": true, "Alt-Svc": true, "Age": true,
		"Set-Cookie": true, "Strict-Transport-Security": true, "Report-To": true, "Nel": true, "Expect-Ct": true,
		"X-Content-Type-Options": true, "X-Frame-Options": true, "X-Xss-Protection": true, "Referrer-Policy": true,
		"Permissions-Policy": true, "Content-Security-Policy": true, "Cache-Control": true, "Expires": true,
		"Pragma": true, "Etag": true, "Last-Modified": true, "Accept-Ranges": true,
	}
	transportHeaderPrefixes = []string{"Access-Control-", "Cf-", "X-Envoy-", "X-Evy-", "X-Trace", "X-Amz-", "X-Cache"}
)

// IgnoredHeader reports whether a response header is ignored by default.
func IgnoredHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	if transportHeaders[name] {
		return true
	}
	for _, p := range transportHeaderPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// compare diffs a recorded exchange with the replayed one. Both are
// already normalised (secrets and ids are placeholders).
func compare(rec, rep Exchange, allHeaders bool) []Difference {
	if rec.Response == nil || rep.Response == nil {
		if rec.Response == nil && rep.Response == nil {
			return nil
		}
		return []Difference{{Kind: KindTransport, Recorded: answerText(rec), Emulator: answerText(rep)}}
	}
	var out []Difference
	r, e := rec.Response, rep.Response
	if r.Status != e.Status {
		out = append(out, Difference{Kind: KindStatus, Recorded: strconv.Itoa(r.Status), Emulator: strconv.Itoa(e.Status)})
	}
	out = append(out, compareHeaders(r.Header, e.Header, allHeaders)...)
	if rk, ek := r.Body.kind(), e.Body.kind(); rk != ek {
		return append(out, Difference{Kind: KindBody, Recorded: rk, Emulator: ek})
	}
	if !r.Body.isJSON() {
		return out
	}
	rv, rok := decodeAny(r.Body.JSON)
	ev, eok := decodeAny(e.Body.JSON)
	if !rok || !eok {
		return out
	}
	out = compareShapes("", shapeOf(rv), shapeOf(ev), out)
	return compareErrors(rv, ev, r.Status >= 400, e.Status >= 400, out)
}

func answerText(ex Exchange) string {
	if ex.Response == nil {
		return "no answer: " + ex.Error
	}
	return strconv.Itoa(ex.Response.Status)
}

func decodeAny(raw []byte) (any, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return v, dec.Decode(&v) == nil
}

func compareHeaders(r, e http.Header, all bool) []Difference {
	names := func(h http.Header) map[string]bool {
		m := map[string]bool{}
		for k := range h {
			k = http.CanonicalHeaderKey(k)
			if all || !IgnoredHeader(k) {
				m[k] = true
			}
		}
		return m
	}
	rn, en := names(r), names(e)
	var out []Difference
	for _, k := range sortedKeys(rn) {
		if !en[k] {
			out = append(out, Difference{Kind: KindHeaderMissing, Where: k})
		}
	}
	for _, k := range sortedKeys(en) {
		if !rn[k] {
			out = append(out, Difference{Kind: KindHeaderExtra, Where: k})
		}
	}
	if rt, et := mediaType(r.Get("Content-Type")), mediaType(e.Get("Content-Type")); rt != "" && et != "" && rt != et {
		out = append(out, Difference{Kind: KindContentType, Where: "Content-Type", Recorded: rt, Emulator: et})
	}
	return out
}

func mediaType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

// JSON value kinds, in display order.
const (
	kNull uint8 = 1 << iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

var kindNames = []struct {
	bit  uint8
	name string
}{{kNull, "null"}, {kBool, "boolean"}, {kNumber, "number"}, {kString, "string"}, {kObject, "object"}, {kArray, "array"}}

// shape is the structure of JSON values at one path: the kinds seen, the
// union of object keys, and the union of array elements' shapes, so arrays
// are compared by the shape of their elements, whatever their count and
// order.
type shape struct {
	kinds    uint8
	fields   map[string]*shape
	elem     *shape
	nonEmpty bool // an array with elements was seen
	// opaque: an error's context, compared per error by compareErrors.
	opaque bool
}

func shapeOf(v any) *shape {
	s := &shape{}
	s.add(v)
	return s
}

func (s *shape) add(v any) {
	switch t := v.(type) {
	case nil:
		s.kinds |= kNull
	case bool:
		s.kinds |= kBool
	case json.Number:
		s.kinds |= kNumber
	case string:
		s.kinds |= kString
	case []any:
		s.kinds |= kArray
		if len(t) > 0 {
			s.nonEmpty = true
			if s.elem == nil {
				s.elem = &shape{}
			}
			for _, e := range t {
				s.elem.add(e)
			}
		}
	case map[string]any:
		s.kinds |= kObject
		if s.fields == nil {
			s.fields = map[string]*shape{}
		}
		if s.opaque {
			return
		}
		for k, fv := range t {
			f := s.fields[k]
			if f == nil {
				f = &shape{opaque: k == "context"}
				s.fields[k] = f
			}
			f.add(fv)
		}
	}
}

func (s *shape) kindText() string {
	var parts []string
	for _, k := range kindNames {
		if s.kinds&k.bit != 0 {
			parts = append(parts, k.name)
		}
	}
	return strings.Join(parts, "|")
}

// compareShapes appends the differences between two shapes at path.
func compareShapes(path string, r, e *shape, out []Difference) []Difference {
	if r.kinds != e.kinds {
		out = append(out, Difference{Kind: KindType, Where: displayPath(path), Recorded: r.kindText(), Emulator: e.kindText()})
	}
	if r.kinds&e.kinds&kObject != 0 && !r.opaque {
		for _, k := range sortedKeys(r.fields) {
			if _, ok := e.fields[k]; !ok {
				out = append(out, Difference{Kind: KindKeyMissing, Where: childPath(path, k), Recorded: r.fields[k].kindText()})
			}
		}
		for _, k := range sortedKeys(e.fields) {
			if _, ok := r.fields[k]; !ok {
				out = append(out, Difference{Kind: KindKeyExtra, Where: childPath(path, k), Emulator: e.fields[k].kindText()})
			}
		}
		for _, k := range sortedKeys(r.fields) {
			if ef, ok := e.fields[k]; ok {
				out = compareShapes(childPath(path, k), r.fields[k], ef, out)
			}
		}
	}
	if r.kinds&e.kinds&kArray != 0 {
		switch {
		case r.nonEmpty && e.nonEmpty:
			out = compareShapes(path+"[]", r.elem, e.elem, out)
		case r.nonEmpty != e.nonEmpty:
			out = append(out, Difference{Kind: KindArrayEmpty, Where: displayPath(path), Recorded: emptiness(r.nonEmpty), Emulator: emptiness(e.nonEmpty)})
		}
	}
	return out
}

func emptiness(nonEmpty bool) string {
	if nonEmpty {
		return "with elements"
	}
	return "empty"
}

// childPath appends a key with JSON Pointer escaping (~0, ~1).
func childPath(path, key string) string {
	return path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}

func displayPath(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// errorTextFields are the texts of an error object that clients show or
// branch on.
var errorTextFields = []string{"message", "category", "subCategory", "code", "errorType", "policyName", "in"}

// collectErrors finds the error objects of an answer: the body itself when
// the status is an error, and the elements of every "errors" array.
func collectErrors(v any, isError bool) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	if obj, ok := v.(map[string]any); ok && isError {
		if _, has := obj["message"]; has {
			out["/"] = []map[string]any{obj}
		}
	}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch t := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(t) {
				p := childPath(path, k)
				if arr, ok := t[k].([]any); ok && k == "errors" {
					for _, el := range arr {
						if o, ok := el.(map[string]any); ok {
							out[p] = append(out[p], o)
						}
					}
				}
				if k != "context" {
					walk(t[k], p)
				}
			}
		case []any:
			for _, e := range t {
				walk(e, path+"[]")
			}
		}
	}
	walk(v, "")
	return out
}

// compareErrors compares the texts and context keys of matching errors.
func compareErrors(rv, ev any, rIsErr, eIsErr bool, out []Difference) []Difference {
	re, ee := collectErrors(rv, rIsErr), collectErrors(ev, eIsErr)
	for _, path := range sortedKeys(re) {
		el, ok := ee[path]
		if !ok {
			continue // the key or status difference already says so
		}
		rl := re[path]
		if path != "/" && len(rl) != len(el) {
			out = append(out, Difference{Kind: KindErrorCount, Where: path + "[]", Recorded: strconv.Itoa(len(rl)), Emulator: strconv.Itoa(len(el))})
		}
		for _, p := range matchErrors(path, rl, el) {
			out = compareError(p.where, p.r, p.e, out)
		}
	}
	return out
}

type errorPair struct {
	where string
	r, e  map[string]any
}

// matchErrors pairs errors by context.objectWriteTraceId when every error
// on both sides has one, otherwise by rank after sorting by text, since
// neither HubSpot nor the emulator promises an order.
func matchErrors(path string, r, e []map[string]any) []errorPair {
	if path == "/" {
		return []errorPair{{where: "/", r: r[0], e: e[0]}}
	}
	rt, rok := traceIndex(r)
	et, eok := traceIndex(e)
	var pairs []errorPair
	if rok && eok {
		for _, tr := range sortedKeys(rt) {
			if eo, ok := et[tr]; ok {
				pairs = append(pairs, errorPair{where: path + "[" + tr + "]", r: rt[tr], e: eo})
			}
		}
		return pairs
	}
	rs, es := sortErrors(r), sortErrors(e)
	for i := 0; i < min(len(rs), len(es)); i++ {
		pairs = append(pairs, errorPair{where: path + "[" + strconv.Itoa(i) + "]", r: rs[i], e: es[i]})
	}
	return pairs
}

func traceIndex(errs []map[string]any) (map[string]map[string]any, bool) {
	m := map[string]map[string]any{}
	for _, e := range errs {
		ctx, _ := e["context"].(map[string]any)
		vals, _ := ctx["objectWriteTraceId"].([]any)
		if len(vals) != 1 {
			return nil, false
		}
		tr, ok := vals[0].(string)
		if !ok {
			return nil, false
		}
		m[tr] = e
	}
	return m, len(m) == len(errs)
}

func sortErrors(errs []map[string]any) []map[string]any {
	out := append([]map[string]any(nil), errs...)
	key := func(e map[string]any) string {
		var b strings.Builder
		for _, f := range errorTextFields {
			s, _ := e[f].(string)
			b.WriteString(stable(s))
			b.WriteByte(0)
		}
		return b.String()
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func compareError(where string, r, e map[string]any, out []Difference) []Difference {
	for _, f := range errorTextFields {
		rs, rok := r[f].(string)
		es, eok := e[f].(string)
		if !rok || !eok {
			continue // absent or not text: the shape comparison reports it
		}
		if a, b := stable(rs), stable(es); a != b {
			out = append(out, Difference{Kind: KindErrorText, Where: childPath(strings.TrimSuffix(where, "/"), f), Recorded: a, Emulator: b})
		}
	}
	rc, rok := r["context"].(map[string]any)
	ec, eok := e["context"].(map[string]any)
	if !rok || !eok {
		return out
	}
	ctxPath := childPath(strings.TrimSuffix(where, "/"), "context")
	rk, ek := sortedKeys(rc), sortedKeys(ec)
	if strings.Join(rk, "\x00") != strings.Join(ek, "\x00") {
		out = append(out, Difference{Kind: KindErrorContext, Where: ctxPath, Recorded: keyList(rk), Emulator: keyList(ek)})
	}
	for _, k := range rk {
		if ev, ok := ec[k]; ok {
			if a, b := shapeOf(rc[k]), shapeOf(ev); a.kindText() != b.kindText() || elemKinds(a) != elemKinds(b) {
				out = append(out, Difference{Kind: KindErrorContext, Where: childPath(ctxPath, k), Recorded: valueKind(a), Emulator: valueKind(b)})
			}
		}
	}
	return out
}

// elemKinds names the kinds of an array's elements ("" for none).
func elemKinds(s *shape) string {
	if s.elem == nil {
		return ""
	}
	return s.elem.kindText()
}

func valueKind(s *shape) string {
	if k := elemKinds(s); k != "" {
		return s.kindText() + " of " + k
	}
	return s.kindText()
}

func keyList(keys []string) string {
	if len(keys) == 0 {
		return "no keys"
	}
	return "keys " + strings.Join(keys, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// describe renders a difference as one line for people.
func (d Difference) describe() string {
	switch d.Kind {
	case KindTransport:
		return fmt.Sprintf("recorded %s; emulator %s", d.Recorded, d.Emulator)
	case KindStatus:
		return fmt.Sprintf("recorded %s, emulator %s", d.Recorded, d.Emulator)
	case KindHeaderMissing:
		return d.Where + ": recorded, not sent by the emulator"
	case KindHeaderExtra:
		return d.Where + ": sent by the emulator, not recorded"
	case KindKeyMissing:
		return fmt.Sprintf("%s (%s): recorded, absent from the emulator's answer", d.Where, d.Recorded)
	case KindKeyExtra:
		return fmt.Sprintf("%s (%s): in the emulator's answer, not recorded", d.Where, d.Emulator)
	case KindBody, KindContentType, KindErrorContext, KindErrorCount, KindType, KindArrayEmpty:
		w := d.Where
		if w != "" {
			w += ": "
		}
		return fmt.Sprintf("%srecorded %s, emulator %s", w, d.Recorded, d.Emulator)
	case KindErrorText:
		return fmt.Sprintf("%s: recorded %s, emulator %s", d.Where, quoteShort(d.Recorded), quoteShort(d.Emulator))
	}
	return fmt.Sprintf("%s %s %s %s", d.Kind, d.Where, d.Recorded, d.Emulator)
}

// maxTextRunes bounds each text in the people's report; the JSON report
// keeps them whole.
const maxTextRunes = 240

func quoteShort(s string) string {
	if r := []rune(s); len(r) > maxTextRunes {
		s = string(r[:maxTextRunes]) + "…"
	}
	return strconv.Quote(s)
}
