package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the negative cases; bad batches are "bad/<name>".
const (
	CaseNoToken       = "auth/no-token"
	CaseWrongToken    = "auth/wrong-token"
	CaseReadOnlyToken = "auth/read-only-token"
)

// unsupportedMethods are sent to the upsert path; each must get 405.
var unsupportedMethods = []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}

// badInputCases sends each of the generators' bad batches and one body
// over any size limit. A faithful target answers the documented 4xx with
// the error envelope. Where the status is the emulator's own choice
// (HubSpot's answer is unknown), any 4xx passes, so a real HubSpot is not
// failed on a guess.
func (r *suiteRun) badInputCases() {
	for _, bc := range r.gen.BadCases() {
		caseName := "bad/" + bc.Name
		if r.interrupted(CheckBadInput, caseName) {
			return
		}
		path := r.s.cfg.Version.UpsertPath()
		ex, err := r.send(bc.Method, path, bc.ContentType, bc.Body, credMain)
		if err != nil {
			r.transportFailure(caseName, []CheckName{CheckBadInput}, bc.Method, path, bc.Body, err)
			continue
		}
		r.exchangeResults(caseName, ex, false)
		r.collectWritten(ex)
		r.result(CheckBadInput, caseName, ex.StatusCode, badInputFindings(ex, bc), ex.ReceivedAt.Sub(ex.SentAt))
	}
	r.tooLargeCase()
}

// CaseBodyTooLarge sends a body larger than any endpoint's limit.
const CaseBodyTooLarge = "bad/body-too-large"

// tooLargeBytes is the size of the oversized body: above 10 MiB, the
// emulator's limit (HubSpot's is not published). It is streamed, never
// held in memory, and a target that refuses it by Content-Length need not
// read it.
const tooLargeBytes = 10<<20 + 1<<10

// tooLargeCase streams a syntactically valid batch of tooLargeBytes whose
// one input has an enormous body: refused whatever the limit, with 413
// where the target enforces one (documented choice: HubSpot's limit and
// answer are unknown, so any 4xx passes the bad-input check).
func (r *suiteRun) tooLargeCase() {
	if r.interrupted(CheckBadInput, CaseBodyTooLarge) {
		return
	}
	head := fmt.Sprintf(`{"inputs":[{"id":%q,"idProperty":%q,"properties":{%q:"`, r.prefix+"-too-large", r.s.cfg.IDProperty, hubspot.PropTaskBody)
	const tail = `"}}]}`
	path := r.s.cfg.Version.UpsertPath()
	rq := request{method: http.MethodPost, path: path, contentType: jsonContentType, cred: credMain,
		bodyReader:    io.MultiReader(strings.NewReader(head), &repeatReader{b: 'x', n: tooLargeBytes - int64(len(head)+len(tail))}, strings.NewReader(tail)),
		contentLength: tooLargeBytes}
	// What the finding shows: the start of the body, not 10 MiB of it.
	rq.body = []byte(head + "xxxx… (" + strconv.Itoa(tooLargeBytes) + " bytes in all)")
	ex, err := r.do(rq)
	if err != nil {
		r.transportFailure(CaseBodyTooLarge, []CheckName{CheckBadInput}, rq.method, path, rq.body, err)
		return
	}
	r.exchangeResults(CaseBodyTooLarge, ex, false)
	r.collectWritten(ex)
	bc := generators.BadCase{Name: "body-too-large", Description: "a batch of " + strconv.Itoa(tooLargeBytes) + " bytes, over any body size limit",
		Status: http.StatusRequestEntityTooLarge, Category: hubspot.CategoryRequestTooLarge, Evidence: generators.EvidenceChoice}
	r.result(CheckBadInput, CaseBodyTooLarge, ex.StatusCode, badInputFindings(ex, bc), ex.ReceivedAt.Sub(ex.SentAt))
}

// repeatReader yields n copies of b.
type repeatReader struct {
	b byte
	n int64
}

func (rr *repeatReader) Read(p []byte) (int, error) {
	if rr.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), rr.n)
	for i := range p[:k] {
		p[i] = rr.b
	}
	rr.n -= k
	return int(k), nil
}

// collectWritten remembers records a lenient target wrote for a request
// that should have been refused, so the cleanup archives them too.
func (r *suiteRun) collectWritten(ex Exchange) {
	if ex.StatusCode/100 != 2 {
		return
	}
	var resp hubspot.BatchUpsertResponseWithErrors
	if json.Unmarshal(ex.ResponseBody, &resp) == nil {
		for _, res := range resp.Results {
			if res.ID != "" {
				r.cleanup[res.ID] = struct{}{}
			}
		}
	}
}

func badInputFindings(ex Exchange, bc generators.BadCase) []Finding {
	reason := fmt.Sprintf("%s (%s): the contract answers %d %s", bc.Name, bc.Description, bc.Status, bc.Category)
	switch {
	case ex.StatusCode/100 == 2:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q was accepted with %d", bc.Name, ex.StatusCode), reason,
			"validate the whole request before writing anything and refuse it with "+fmt.Sprint(bc.Status))}
	case ex.StatusCode >= 500:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q crashed the target: %d", bc.Name, ex.StatusCode), reason,
			"a client mistake is a 4xx: validate the input instead of failing on it")}
	case ex.StatusCode/100 != 4:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered %d, not a 4xx", bc.Name, ex.StatusCode), reason,
			"refuse it with "+fmt.Sprint(bc.Status))}
	}
	if bc.Evidence == generators.EvidenceChoice {
		return nil
	}
	if ex.StatusCode != bc.Status {
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered %d, want %d", bc.Name, ex.StatusCode, bc.Status), reason,
			fmt.Sprintf("answer %d %s, as HubSpot does (evidence: %s)", bc.Status, bc.Category, bc.Evidence))}
	}
	var e hubspot.Error
	if bc.Category != "" && json.Unmarshal(ex.ResponseBody, &e) == nil && e.Category != bc.Category {
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered category %q, want %q", bc.Name, e.Category, bc.Category), reason,
			"set category "+bc.Category)}
	}
	return nil
}

// methodCases sends unsupported methods to the upsert path. The 405 is an
// error answer of the path's operation, so its body is held to the Error
// schema of POST's default response.
func (r *suiteRun) methodCases() {
	path := r.s.cfg.Version.UpsertPath()
	for _, m := range unsupportedMethods {
		caseName := "method/" + m
		if r.interrupted(CheckMethodNotAllowed, caseName) {
			return
		}
		ex, err := r.send(m, path, "", nil, credMain)
		if err != nil {
			r.transportFailure(caseName, []CheckName{CheckMethodNotAllowed}, m, path, nil, err)
			continue
		}
		r.errorAnswerResults(caseName, ex)
		var fs []Finding
		if ex.StatusCode != http.StatusMethodNotAllowed {
			fs = append(fs, ex.finding(CheckMethodNotAllowed, fmt.Sprintf("%s %s answered %d, want 405", m, path, ex.StatusCode),
				"batch upsert is POST only; any other method is answered 405 Method Not Allowed",
				"route only POST to the upsert handler and answer other methods 405 with an Allow: POST header"))
		}
		r.result(CheckMethodNotAllowed, caseName, ex.StatusCode, fs, ex.ReceivedAt.Sub(ex.SentAt))
	}
}

// errorAnswerResults checks an answer to a method the path does not serve:
// content type, and for an error its body against the Error schema of the
// path's POST operation and the error envelope.
func (r *suiteRun) errorAnswerResults(caseName string, ex Exchange) {
	ran, fs := []CheckName{}, []Finding{}
	if len(ex.ResponseBody) > 0 {
		ran = append(ran, CheckContentType)
		fs = append(fs, checkContentType(ex)...)
	}
	if ex.StatusCode >= 400 {
		ran = append(ran, CheckResponseSchema, CheckErrorBody)
		for _, f := range withExcerpts(ex, r.s.cfg.Validator.ValidateResponseTo(http.MethodPost, pathOnly(ex.Path), ex.StatusCode, ex.ResponseHeader, ex.ResponseBody)) {
			f.Method = ex.Method
			fs = append(fs, f)
		}
		fs = append(fs, checkErrorBody(ex)...)
	}
	r.recordRan(caseName, ex, ran, fs)
}

// authCases sends a valid fresh batch without a token, with a wrong one,
// and with the read-only one. The batch uses keys no other case uses, so a
// target that wrongly accepts it only adds records the cleanup archives.
func (r *suiteRun) authCases() {
	cases := []struct {
		name     string
		cred     credential
		want     int
		category string
		reason   string
		fix      string
	}{
		{CaseNoToken, credNone, http.StatusUnauthorized, hubspot.CategoryInvalidAuthentication,
			"a request without a bearer token is refused with 401 INVALID_AUTHENTICATION",
			"require Authorization: Bearer <token> on every API request"},
		{CaseWrongToken, credWrong, http.StatusUnauthorized, hubspot.CategoryInvalidAuthentication,
			"a request with an unknown token is refused with 401 INVALID_AUTHENTICATION",
			"check the token against the known ones before doing anything else"},
		{CaseReadOnlyToken, credReadOnly, http.StatusForbidden, hubspot.CategoryMissingScopes,
			"a token without the write scope is refused writes with 403 MISSING_SCOPES",
			"check the token's scopes; writes need " + hubspot.WriteScope},
	}
	path := r.s.cfg.Version.UpsertPath()
	for i, c := range cases {
		if c.cred == credReadOnly && r.s.cfg.ReadOnlyToken == "" {
			const why = "no read-only token given (--read-only-token or UPSERTBENCH_READ_ONLY_TOKEN)"
			r.skip(CheckAuth, c.name, why)
			r.skip(CheckAuth, CaseScopesBody, why)
			continue
		}
		if r.interrupted(CheckAuth, c.name) {
			return
		}
		body := r.gen.AppendBatch(nil, uint64(batchAuthFirst+i)) // fresh keys, far from the other cases
		ex, err := r.send(http.MethodPost, path, jsonContentType, body, c.cred)
		if err != nil {
			r.transportFailure(c.name, []CheckName{CheckAuth}, http.MethodPost, path, body, err)
			continue
		}
		r.exchangeResults(c.name, ex, false)
		r.collectWritten(ex)
		var fs []Finding
		var e hubspot.Error
		switch {
		case ex.StatusCode != c.want:
			fs = append(fs, ex.finding(CheckAuth, fmt.Sprintf("%s answered %d, want %d", c.name, ex.StatusCode, c.want), c.reason, c.fix))
		case json.Unmarshal(ex.ResponseBody, &e) == nil && e.Category != c.category:
			fs = append(fs, ex.finding(CheckAuth, fmt.Sprintf("%s answered %d with category %q, want %s", c.name, ex.StatusCode, e.Category, c.category), c.reason,
				"set category "+c.category))
		}
		r.result(CheckAuth, c.name, ex.StatusCode, fs, ex.ReceivedAt.Sub(ex.SentAt))
		if c.cred == credReadOnly {
			if ex.StatusCode == http.StatusForbidden {
				r.result(CheckAuth, CaseScopesBody, ex.StatusCode, scopesBodyFindings(ex), 0)
			} else {
				r.skip(CheckAuth, CaseScopesBody, fmt.Sprintf("the read-only token's write got %d, not the 403 whose body this checks", ex.StatusCode))
			}
		}
	}
}

// CaseScopesBody is the body of the read-only token's 403.
const CaseScopesBody = "auth/scopes-body"

// scopesBodyFindings checks a 403 against HubSpot's missing-scopes body:
// category MISSING_SCOPES and an entry of errors whose
// context.requiredGranularScopes names the scopes the call needs
// (hubspot-facts.md, "Exact texts").
func scopesBodyFindings(ex Exchange) []Finding {
	var e hubspot.Error
	if json.Unmarshal(ex.ResponseBody, &e) != nil {
		return nil // error-body reports a body that is not an error object
	}
	var fields []FieldFailure
	if e.Category != hubspot.CategoryMissingScopes {
		fields = append(fields, FieldFailure{Pointer: "/category", Message: fmt.Sprintf("category is %q, want %s", e.Category, hubspot.CategoryMissingScopes)})
	}
	named := false
	for _, d := range e.Errors {
		if len(d.Context["requiredGranularScopes"]) > 0 {
			named = true
		}
	}
	if !named {
		fields = append(fields, FieldFailure{Pointer: "/errors", Message: "no entry of errors names the missing scopes in context.requiredGranularScopes"})
	}
	return fieldsFinding(ex, CheckAuth, fields, "the 403 is not HubSpot's missing-scopes body",
		`HubSpot answers a missing scope with category MISSING_SCOPES and errors: [{"message": "One or more of the following scopes are required.", "context": {"requiredGranularScopes": [...]}}], so a client can tell which scope to add`,
		"name the scopes the call needs in errors[].context.requiredGranularScopes")
}
