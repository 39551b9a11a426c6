package contract

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// validatorExcerptLimit bounds the body excerpts a finding carries: enough to see the
// shape, small enough for logs and findings files written under load.
const validatorExcerptLimit = 512

// validationContext is what a validation knows about the exchange when it
// turns library errors into findings.
type validationContext struct {
	check    CheckName
	method   string
	path     string
	status   int
	template string
	route    *specRoute
	resp     *specResponse
	body     []byte
}

func (c validationContext) base() Finding {
	f := Finding{Check: c.check, Method: c.method, Path: c.path, StatusCode: c.status}
	ex := validatorExcerpt(c.body)
	if c.check == CheckRequestSchema {
		f.Sent = ex
	} else {
		f.Received = ex
	}
	return f
}

func (c validationContext) undeclaredStatus() Finding {
	f := c.base()
	declared := c.declaredCodes()
	f.Message = fmt.Sprintf("status %d is not a response of %s %s", c.status, c.method, c.template)
	f.Reason = fmt.Sprintf("the operation declares %s and no default response, so clients have no contract for %d", declared, c.status)
	f.HowToFix = "answer with a declared status code, or declare this one (with its body schema) in the document"
	f.SpecPath = c.route.opPointer + "/responses"
	return f
}

func (c validationContext) declaredCodes() string {
	codes := make([]string, 0, len(c.route.codes))
	for k := range c.route.codes {
		codes = append(codes, k)
	}
	slices.Sort(codes)
	if len(codes) == 0 {
		return "no status codes"
	}
	return strings.Join(codes, ", ")
}

func (c validationContext) notJSON(contentType string) Finding {
	f := c.base()
	if contentType == "" {
		contentType = "(none)"
	}
	f.Message = fmt.Sprintf("%d response has Content-Type %s, not JSON", c.status, contentType)
	f.Reason = "the document declares a JSON body for this response; clients decode it as JSON"
	f.HowToFix = "send the body as JSON with Content-Type: application/json"
	f.SpecPath = c.resp.pointer + "/content"
	return f
}

func (c validationContext) emptyBody() Finding {
	f := c.base()
	f.Message = fmt.Sprintf("%d response has an empty body", c.status)
	f.Reason = "the document declares a JSON body for this response"
	f.HowToFix = "send the documented body"
	f.SpecPath = c.resp.schemaPointer
	f.Fields = []FieldFailure{{Pointer: "", Message: "body is empty", SchemaPath: c.resp.schemaPointer}}
	return f
}

func (c validationContext) invalidJSON(err error) Finding {
	f := c.base()
	f.Message = fmt.Sprintf("%d response body is not valid JSON: %v", c.status, err)
	f.Reason = "the document declares a JSON body for this response"
	f.HowToFix = "send one well-formed JSON value"
	f.SpecPath = c.resp.schemaPointer
	f.Fields = []FieldFailure{{Pointer: "", Message: "not valid JSON: " + err.Error(), SchemaPath: c.resp.schemaPointer}}
	return f
}

func (c validationContext) bodyOn204() Finding {
	f := c.base()
	f.Message = "204 response carries a body"
	f.Reason = "204 No Content answers have no body (RFC 9110); the document declares none"
	f.HowToFix = "send no body with 204"
	f.SpecPath = c.resp.pointer
	return f
}

// toFindings converts libopenapi-validator errors into findings: one per
// ValidationError, with one FieldFailure per schema failure inside it.
func (v *Validator) toFindings(c validationContext, errs []*liberrors.ValidationError) []Finding {
	out := make([]Finding, 0, len(errs))
	for _, ve := range errs {
		if ve == nil {
			continue
		}
		f := c.base()
		f.Message = ve.Message
		f.Reason = ve.Reason
		f.HowToFix = ve.HowToFix
		if f.HowToFix == "" {
			f.HowToFix = validatorHowToFix(c.check)
		}
		schemaBase := v.specPathOf(c, ve)
		f.SpecPath = schemaBase
		// Parameter failures are about the URL, not the body: their keyword
		// locations are not relative to a body schema and a JSON Pointer
		// into the body would mislead. The message names the parameter.
		if ve.ParameterName == "" && ve.ValidationType != helpers.ParameterValidation {
			for _, sf := range ve.SchemaValidationErrors {
				f.Fields = append(f.Fields, v.fieldFailures(schemaBase, sf)...)
			}
		}
		// The schema library reports failures in map order; sort so equal
		// inputs give equal findings (diffs, golden files, dedup).
		slices.SortStableFunc(f.Fields, func(a, b FieldFailure) int {
			return cmp.Or(cmp.Compare(a.Pointer, b.Pointer), cmp.Compare(a.Message, b.Message))
		})
		if len(f.Fields) > 0 && c.check == CheckResponseSchema {
			f.Message = fmt.Sprintf("%d response body does not match %s", c.status, specName(schemaBase))
		}
		// A single failing rule deserves the precise location.
		if sp := commonSpecPath(f.Fields); sp != "" {
			f.SpecPath = sp
		}
		out = append(out, f)
	}
	return out
}

func validatorHowToFix(check CheckName) string {
	if check == CheckRequestSchema {
		return "change the request so it matches the operation's documented request"
	}
	return "change the response so it matches the documented response for its status"
}

// specPathOf says where in the document the rule that failed lives.
func (v *Validator) specPathOf(c validationContext, ve *liberrors.ValidationError) string {
	if c.route == nil {
		return ""
	}
	switch {
	case c.check == CheckResponseSchema && c.resp != nil:
		if c.resp.schemaPointer != "" {
			return c.resp.schemaPointer
		}
		return c.resp.pointer
	case ve.ParameterName != "":
		return v.parameterPointer(c.route, ve.ParameterName)
	case ve.ValidationSubType == helpers.RequestBodyContentType:
		return specLocate(v.tree, c.route.opPointer, "requestBody", "content")
	case ve.ValidationType == helpers.RequestBodyValidation:
		return specLocate(v.tree, c.route.opPointer, "requestBody", "content", "application/json", "schema")
	}
	return c.route.opPointer
}

// parameterPointer finds the declaration of a parameter by name, at
// operation or path level.
func (v *Validator) parameterPointer(rt *specRoute, name string) string {
	opToks := specSplitPointer(rt.opPointer)
	levels := [][]string{opToks, opToks[:len(opToks)-1]}
	for _, lvl := range levels {
		node, ok := specNodeAt(v.tree, append(append([]string(nil), lvl...), "parameters"))
		list, isList := node.([]any)
		if !ok || !isList {
			continue
		}
		for i, p := range list {
			ptr := specJoinPointer(append(append([]string(nil), lvl...), "parameters", fmt.Sprint(i)))
			resolved, toks := specFollowRefs(v.tree, p, specSplitPointer(ptr))
			if m, isMap := resolved.(map[string]any); isMap && m["name"] == name {
				return specJoinPointer(toks)
			}
		}
	}
	return rt.opPointer + "/parameters"
}

// fieldFailures turns one schema failure into field failures. A missing
// required property is reported at the property's own pointer (the schema
// library reports it at the parent object), one failure per property.
func (v *Validator) fieldFailures(schemaBase string, sf *liberrors.SchemaValidationFailure) []FieldFailure {
	if sf == nil {
		return nil
	}
	ptr := jsonPointerFromSegments(sf.InstancePath)
	schemaPath := ""
	if schemaBase != "" {
		schemaPath = specLocate(v.tree, schemaBase, specSplitPointer(sf.KeywordLocation)...)
	}
	if strings.HasSuffix(sf.KeywordLocation, "/required") {
		if names := schemaMissingProperties(sf.Reason); len(names) > 0 {
			out := make([]FieldFailure, 0, len(names))
			for _, n := range names {
				out = append(out, FieldFailure{
					Pointer:    ptr + "/" + jsonPointerEscape(n),
					Message:    fmt.Sprintf("required property %q is missing", n),
					SchemaPath: schemaPath,
				})
			}
			return out
		}
	}
	return []FieldFailure{{Pointer: ptr, Message: sf.Reason, SchemaPath: schemaPath}}
}

// schemaMissingProperties extracts the names from the schema library's
// "missing property 'x'" / "missing properties 'x', 'y'" messages.
func schemaMissingProperties(reason string) []string {
	rest, ok := strings.CutPrefix(reason, "missing propert")
	if !ok {
		return nil
	}
	var names []string
	for {
		_, after, found := strings.Cut(rest, "'")
		if !found {
			break
		}
		name, tail, closed := strings.Cut(after, "'")
		if !closed {
			break
		}
		names = append(names, name)
		rest = tail
	}
	return names
}

func jsonPointerFromSegments(segs []string) string {
	if len(segs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(jsonPointerEscape(s))
	}
	return b.String()
}

// specName is the last token of a document location: the schema's name for
// "#/components/schemas/Error".
func specName(pointer string) string {
	toks := specSplitPointer(pointer)
	if len(toks) == 0 {
		return "the documented schema"
	}
	return toks[len(toks)-1]
}

func commonSpecPath(fields []FieldFailure) string {
	if len(fields) == 0 {
		return ""
	}
	sp := fields[0].SchemaPath
	for _, f := range fields[1:] {
		if f.SchemaPath != sp {
			return ""
		}
	}
	return sp
}

// validatorExcerpt trims a body for humans: valid UTF-8, at most validatorExcerptLimit bytes.
func validatorExcerpt(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	if len(body) <= validatorExcerptLimit {
		return strings.ToValidUTF8(string(body), "\uFFFD")
	}
	cut := validatorExcerptLimit
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(body[:cut]), "\uFFFD") + "…"
}
