package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// uuidPattern is the canonical 8-4-4-4-12 hex form HubSpot uses for
// correlationId; the version nibble is not constrained because HubSpot's
// ids are not all version 4.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// errorCategories are the categories an error answer may carry: HubSpot's
// documented and observed ones (hubspot-facts.md, "Errors"; HubSpot's
// error-handling guide names VALIDATION_ERROR and RATE_LIMITS), and for
// the statuses whose category HubSpot has not been seen to send (405, 413,
// 415, 5xx) the ones the emulator chose, a documented choice.
var errorCategories = []string{
	hubspot.CategoryValidation, hubspot.CategoryInvalidAuthentication, hubspot.CategoryMissingScopes,
	hubspot.CategoryConflict, hubspot.CategoryObjectNotFound, hubspot.CategoryRateLimits,
	hubspot.CategoryUnsupportedMediaType, hubspot.CategoryRequestTooLarge, hubspot.CategoryMethodNotAllowed,
	hubspot.CategoryInternalError,
}

// isUUID reports whether s is a UUID in canonical text form.
func isUUID(s string) bool { return uuidPattern.MatchString(s) }

// checkErrorBody checks the error envelope of a 4xx/5xx answer: status
// "error", a message, a UUID correlationId and a category — or, on a 429,
// errorType and policyName, which HubSpot sends instead of a category.
func checkErrorBody(ex Exchange) []Finding {
	fields := errorBodyProblems(ex.StatusCode, ex.ResponseBody)
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckErrorBody,
		fmt.Sprintf("error answer %d has a malformed error body: %s", ex.StatusCode, fields[0].Message),
		`an error answer is HubSpot's envelope {"status":"error","message":…,"correlationId":<UUID>,"category":…} with one of HubSpot's categories`,
		"answer every error with that envelope and a fresh UUID correlationId, so clients can report it to support")
	f.SpecPath = "#/components/schemas/Error"
	f.Fields = fields
	return []Finding{f}
}

// errorBodyProblems lists what is wrong with an error envelope.
func errorBodyProblems(status int, body []byte) []FieldFailure {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return []FieldFailure{{Pointer: "", Message: "body is not a JSON object"}}
	}
	str := func(key string) (string, bool) {
		v, ok := raw[key]
		if !ok {
			return "", false
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	}
	var out []FieldFailure
	if s, ok := str("status"); !ok || s != hubspot.ErrorStatus {
		out = append(out, FieldFailure{Pointer: "/status", Message: fmt.Sprintf("status must be the string %q", hubspot.ErrorStatus)})
	}
	if s, ok := str("message"); !ok || s == "" {
		out = append(out, FieldFailure{Pointer: "/message", Message: "message is missing or empty"})
	}
	switch s, ok := str("correlationId"); {
	case !ok:
		out = append(out, FieldFailure{Pointer: "/correlationId", Message: "correlationId is missing"})
	case !isUUID(s):
		out = append(out, FieldFailure{Pointer: "/correlationId", Message: fmt.Sprintf("correlationId %q is not a UUID", s)})
	}
	if status == http.StatusTooManyRequests {
		if _, hasCategory := str("category"); !hasCategory {
			if s, ok := str("errorType"); !ok || s == "" {
				out = append(out, FieldFailure{Pointer: "/errorType", Message: "a 429 without category must carry errorType"})
			}
		}
		return out
	}
	switch s, ok := str("category"); {
	case !ok || s == "":
		out = append(out, FieldFailure{Pointer: "/category", Message: "category is missing or empty"})
	case !slices.Contains(errorCategories, s):
		out = append(out, FieldFailure{Pointer: "/category", Message: fmt.Sprintf("category %q is not one of HubSpot's (%s)", s, strings.Join(errorCategories, ", "))})
	}
	return out
}
