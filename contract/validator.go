package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	"github.com/pb33f/libopenapi-validator/helpers"
	"github.com/pb33f/libopenapi-validator/paths"
	"github.com/pb33f/libopenapi-validator/responses"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Check names of the schema checks the Validator performs.
const (
	// CheckRequestSchema: a request (parameters, content type, body) does not
	// match the operation's declared request.
	CheckRequestSchema CheckName = "request-schema"
	// CheckResponseSchema: a response (status code, content type, body) does
	// not match what the operation declares for that status.
	CheckResponseSchema CheckName = "response-schema"
)

// DefaultSpecSource names the embedded document in Validator.Source.
const DefaultSpecSource = "embedded:contract/openapi.yaml"

// ValidatorOption configures NewValidator.
type ValidatorOption func(*validatorSettings)

type validatorSettings struct {
	spec     []byte
	source   string
	specFile string
}

// WithSpec validates against the given OpenAPI 3 document (YAML or JSON)
// instead of upsertbench's embedded one.
func WithSpec(doc []byte) ValidatorOption {
	return func(s *validatorSettings) {
		s.spec, s.source, s.specFile = doc, "inline document", ""
	}
}

// WithSpecFile validates against the OpenAPI 3 document in the named file,
// e.g. HubSpot's official tasks document. The file is read by NewValidator.
func WithSpecFile(path string) ValidatorOption {
	return func(s *validatorSettings) {
		s.spec, s.source, s.specFile = nil, path, path
	}
}

// Validator checks HTTP requests and responses against one OpenAPI 3
// document with libopenapi-validator and reports every mismatch as a
// Finding.
//
// Concurrency: a Validator is immutable after NewValidator returns and safe
// for concurrent use by any number of goroutines, also when they pass the
// same *http.Request. That takes care on our side: libopenapi-validator's
// compiled schemas and caches are safe to share, but its request validation
// rewrites the *http.Request it is given (it swaps in a replayable body and
// attaches the matched route by assigning *request), so ValidateRequest
// hands it a private shallow copy, and responses are validated from the
// bytes the caller passes, never from a shared body. Building one is expensive
// (about 115 ms and 39 MB for our document: parsing, model building and
// compiling every schema up front), validating is not; build it once and
// share it (DefaultValidator does that for the embedded document).
//
// What is checked: path and method (an exchange on an operation the document
// lacks is a finding), request parameters, content type and body; response
// status (a code the operation declares neither explicitly nor through
// "default" is a finding), content type (a body the document declares as
// JSON must come as JSON) and body. Formats (date-time, uuid, int32) are
// asserted, which libopenapi-validator does not do by default.
//
// What is not: security. The library's security check is switched off on
// purpose; authentication and scopes are the contract suite's own checks,
// which know the tokens and which answers a bad token must get.
type Validator struct {
	source string
	opts   *config.ValidationOptions
	// schemaOpts is handed to the library on every schema validation; built
	// once so a call does not allocate a fresh option closure.
	schemaOpts []config.Option
	model      *v3.Document
	lib        validator.Validator
	version    float32
	routes     specRoutes
	tree       any // the document as plain data, for spec locations
}

// NewValidator parses an OpenAPI 3 document (the embedded one unless
// WithSpec or WithSpecFile say otherwise), builds its model and compiles
// every schema. Errors are setup problems: unreadable file, not OpenAPI 3,
// broken references.
func NewValidator(opts ...ValidatorOption) (*Validator, error) {
	s := validatorSettings{spec: specYAML, source: DefaultSpecSource}
	for _, o := range opts {
		o(&s)
	}
	if s.specFile != "" {
		data, err := os.ReadFile(s.specFile)
		if err != nil {
			return nil, fmt.Errorf("contract: reading OpenAPI document: %w", err)
		}
		s.spec = data
	}
	if len(bytes.TrimSpace(s.spec)) == 0 {
		return nil, fmt.Errorf("contract: OpenAPI document %s is empty", s.source)
	}
	doc, err := libopenapi.NewDocument(s.spec)
	if err != nil {
		return nil, fmt.Errorf("contract: parsing OpenAPI document %s: %w", s.source, err)
	}
	if v := doc.GetSpecInfo(); v == nil || v.SpecFormat != "oas3" && v.SpecFormat != "oas3_1" {
		return nil, fmt.Errorf("contract: %s is not an OpenAPI 3 document (Swagger 2 is not supported)", s.source)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("contract: building model of %s: %w", s.source, err)
	}
	if model == nil || model.Model.Paths == nil {
		return nil, fmt.Errorf("contract: %s declares no paths", s.source)
	}
	tree, err := parseSpecTree(s.spec)
	if err != nil {
		return nil, fmt.Errorf("contract: reading %s as data: %w", s.source, err)
	}

	// One options value shared by the library's validators and our direct
	// schema calls, so they share one warmed schema cache.
	base := config.NewValidationOptions(
		config.WithFormatAssertions(),
		config.WithoutSecurityValidation(),
	)
	v := &Validator{
		source:     s.source,
		opts:       base,
		schemaOpts: []config.Option{config.WithExistingOpts(base)},
		model:      &model.Model,
		version:    helpers.VersionToFloat(model.Model.Version),
		tree:       tree,
	}
	v.lib = validator.NewValidatorFromV3Model(&model.Model, config.WithExistingOpts(base))
	v.routes = buildSpecRoutes(&model.Model, tree)
	if len(v.routes.all) == 0 {
		return nil, fmt.Errorf("contract: %s declares no operations", s.source)
	}
	return v, nil
}

var (
	defaultValidatorOnce sync.Once
	defaultValidator     *Validator
	defaultValidatorErr  error
)

// DefaultValidator returns the Validator for the embedded document, built
// on first use and shared by the whole process.
func DefaultValidator() (*Validator, error) {
	defaultValidatorOnce.Do(func() {
		defaultValidator, defaultValidatorErr = NewValidator()
	})
	return defaultValidator, defaultValidatorErr
}

// Source says which document the Validator checks against: DefaultSpecSource,
// a file path, or "inline document".
func (v *Validator) Source() string { return v.source }

// ValidateRequest checks a request and its body (which the caller keeps;
// req.Body is neither read nor changed) against the operation its method and
// path select. No findings means the request keeps the contract.
func (v *Validator) ValidateRequest(req *http.Request, body []byte) []Finding {
	if req == nil || req.URL == nil {
		return []Finding{{Check: CheckRequestSchema, Message: "no request to validate",
			Reason: "a request with a method and URL is needed to find the operation", HowToFix: "pass the *http.Request that was sent"}}
	}
	rt, pathItem, template := v.match(req)
	if pathItem == nil {
		return []Finding{v.unknownOperation(CheckRequestSchema, req.Method, req.URL.Path, 0)}
	}
	// A shallow copy with a fresh body: the library consumes the body it
	// validates, and the caller's request must stay untouched.
	r := *req
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = nil
	_, errs := v.lib.ValidateHttpRequestSyncWithPathItem(&r, pathItem, template)
	if len(errs) == 0 {
		return nil
	}
	ctx := validationContext{check: CheckRequestSchema, method: req.Method, path: req.URL.Path, route: rt, template: template, body: body}
	return v.toFindings(ctx, errs)
}

// ValidateResponse checks a response (status, headers, body) to req against
// what the operation declares for that status, falling back to "default".
// req supplies the method and path only; its body is not read.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) []Finding {
	if req == nil || req.URL == nil {
		return []Finding{{Check: CheckResponseSchema, Message: "no request to validate the response against", StatusCode: status,
			Reason: "the request's method and path select the operation whose responses apply", HowToFix: "pass the *http.Request the response answers"}}
	}
	return v.validateResponse(req, req.Method, req.URL.Path, status, header.Get("Content-Type"), body)
}

// ValidateResponseTo is ValidateResponse for callers that hold the method
// and path of the request rather than an *http.Request (sampled load
// results, stored exchanges). path is the URL path without query.
func (v *Validator) ValidateResponseTo(method, path string, status int, header http.Header, body []byte) []Finding {
	return v.validateResponse(nil, method, path, status, header.Get("Content-Type"), body)
}

// ValidateHTTPResponse reads resp.Body, validates the response like
// ValidateResponse and puts an equivalent, unread body back so the caller
// can still decode it. The error reports a failed read only.
func (v *Validator) ValidateHTTPResponse(req *http.Request, resp *http.Response) ([]Finding, error) {
	if resp == nil {
		return nil, errors.New("contract: no response to validate")
	}
	var body []byte
	if resp.Body != nil && resp.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("contract: reading response body: %w", err)
		}
	}
	return v.ValidateResponse(req, resp.StatusCode, resp.Header, body), nil
}

func (v *Validator) validateResponse(req *http.Request, method, path string, status int, contentType string, body []byte) []Finding {
	rt := v.routes.lookup(method, path)
	var pathItem *v3.PathItem
	var template string
	if rt != nil {
		pathItem, template = rt.pathItem, rt.template
	} else {
		if req == nil {
			req = &http.Request{Method: method, URL: &url.URL{Path: path}}
		}
		_, pathItem, template = v.match(req)
		if pathItem == nil {
			return []Finding{v.unknownOperation(CheckResponseSchema, method, path, status)}
		}
		rt = v.routes.byTemplate(method, template)
		if rt == nil {
			return []Finding{v.unknownOperation(CheckResponseSchema, method, path, status)}
		}
	}
	ctx := validationContext{check: CheckResponseSchema, method: method, path: path, status: status, route: rt, template: template, body: body}

	resp := rt.response(status)
	if resp == nil {
		return []Finding{ctx.undeclaredStatus()}
	}
	ctx.resp = resp
	if resp.schema == nil {
		if status == http.StatusNoContent && len(bytes.TrimSpace(body)) > 0 {
			return []Finding{ctx.bodyOn204()}
		}
		return nil
	}
	if !isJSONMediaType(contentType) {
		return []Finding{ctx.notJSON(contentType)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return []Finding{ctx.emptyBody()}
	}
	var decoded any
	if err := json.Unmarshal(body, &decoded); err != nil {
		return []Finding{ctx.invalidJSON(err)}
	}
	if req == nil {
		req = &http.Request{Method: method, URL: &url.URL{Path: path}}
	}
	_, errs := responses.ValidateResponseSchema(&responses.ValidateResponseSchemaInput{
		Request:      req,
		Response:     &http.Response{StatusCode: status},
		Schema:       resp.schema,
		Version:      v.version,
		Options:      v.schemaOpts,
		DecodedValue: decoded,
		RawBody:      body,
		ValueDecoded: true,
	})
	if len(errs) == 0 {
		return nil
	}
	return v.toFindings(ctx, errs)
}

// match finds the operation for req: our route table first (exact paths
// cost one map lookup), then the library's router, which also understands
// server base paths.
func (v *Validator) match(req *http.Request) (*specRoute, *v3.PathItem, string) {
	if rt := v.routes.lookup(req.Method, req.URL.Path); rt != nil {
		return rt, rt.pathItem, rt.template
	}
	pathItem, errs, template := paths.FindPath(req, v.model, v.opts)
	if pathItem == nil || len(errs) > 0 {
		return nil, nil, ""
	}
	return v.routes.byTemplate(req.Method, template), pathItem, template
}

func (v *Validator) unknownOperation(check CheckName, method, path string, status int) Finding {
	return Finding{
		Check:      check,
		Message:    fmt.Sprintf("%s %s is not an operation of the OpenAPI document", method, path),
		Reason:     "the document (" + v.source + ") declares no operation for this method and path, so nothing about the exchange can be checked",
		HowToFix:   "send the request to one of the documented paths, or validate against a document that declares it",
		Method:     method,
		Path:       path,
		StatusCode: status,
		SpecPath:   "#/paths",
	}
}

// isJSONMediaType accepts application/json and application/*+json with
// any parameters (charset).
func isJSONMediaType(ct string) bool {
	if ct == "" {
		return false
	}
	mt, _, _ := helpers.ExtractContentType(ct)
	if mt == "application/json" {
		return true
	}
	if len(mt) > len("application/") && mt[:len("application/")] == "application/" {
		return len(mt) >= 5 && mt[len(mt)-5:] == "+json"
	}
	return false
}

// responseStatusKeys are the response keys of an operation that may match a status,
// most specific first.
func responseStatusKeys(status int) (exact, class string) {
	return strconv.Itoa(status), strconv.Itoa(status/100) + "XX"
}
