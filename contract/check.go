package contract

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// The semantic checks. Each is a name in findings, test names and reports;
// CheckRequestSchema and CheckResponseSchema (the OpenAPI document) sit next
// to them in validator.go. Promises() says which promise each one enforces.
const (
	// CheckContentType: every JSON answer is labelled application/json.
	CheckContentType CheckName = "content-type"
	// CheckBatchStatus: batch status is one of the enum and COMPLETE for a
	// synchronous call.
	CheckBatchStatus CheckName = "batch-status"
	// CheckTimestamps: timestamps parse as RFC 3339 and are ordered
	// (requestedAt ≤ startedAt ≤ completedAt, createdAt ≤ updatedAt), and a
	// batch's times fall within the call on the local clock, give or take
	// the allowed clock skew.
	CheckTimestamps CheckName = "timestamps"
	// CheckAccounting: every input answered exactly once, as a result or a
	// 207 error, numErrors == len(errors), no duplicates; correlated by unique
	// value or objectWriteTraceId, never by position.
	CheckAccounting CheckName = "accounting"
	// CheckResultFields: every record's id is a non-empty string of digits
	// and a live record says archived:false.
	CheckResultFields CheckName = "result-fields"
	// CheckTraceIDs: a result carries the objectWriteTraceId of the input
	// that wrote it.
	CheckTraceIDs CheckName = "trace-ids"
	// CheckEcho: the properties a result echoes carry the values just sent,
	// compared by meaning (a datetime is the same instant in either form).
	CheckEcho CheckName = "echo"
	// CheckNewFlags: fresh unique values come back new:true, known ones new:false.
	CheckNewFlags CheckName = "new-flags"
	// CheckStableIDs: a unique value keeps its record id across calls and
	// endpoints (upsert, batch read, GET).
	CheckStableIDs CheckName = "stable-ids"
	// CheckUpdatedAt: an update that changes a value moves updatedAt
	// forward, and reads show it.
	CheckUpdatedAt CheckName = "updated-at"
	// CheckReadAfterWrite: batch read and GET return what was last written;
	// cleared values come back absent (or null).
	CheckReadAfterWrite CheckName = "read-after-write"
	// CheckUnsentKept: properties an update did not send keep their values.
	CheckUnsentKept CheckName = "unsent-kept"
	// CheckRequestedProperties: batch read and GET return the properties
	// asked for and none other than HubSpot's system ones.
	CheckRequestedProperties CheckName = "requested-properties"
	// CheckGetByID: GET tasks/{id} answers the record asked for, by id or by
	// unique value, and 404 OBJECT_NOT_FOUND for an id nobody has.
	CheckGetByID CheckName = "get-by-id"
	// CheckPartialFailure: valid and invalid inputs with trace ids → 207
	// whose errors name the invalid trace ids; the valid ones are written.
	CheckPartialFailure CheckName = "partial-failure"
	// CheckAllOrNothing: without trace ids one invalid input fails the whole
	// batch with 400, and nothing of it is written.
	CheckAllOrNothing CheckName = "all-or-nothing"
	// CheckArchive: batch archive answers 204 and the records are gone:
	// batch read answers 207 OBJECT_NOT_FOUND and GET answers 404.
	CheckArchive CheckName = "archive"
	// CheckBadInput: a bad request gets its documented 4xx, never 2xx or 5xx.
	CheckBadInput CheckName = "bad-input"
	// CheckErrorBody: an error answer carries the error envelope (status,
	// message, correlationId as a UUID, a category of HubSpot's).
	CheckErrorBody CheckName = "error-body"
	// CheckMethodNotAllowed: an unsupported method gets 405.
	CheckMethodNotAllowed CheckName = "method-not-allowed"
	// CheckAuth: no or a wrong token → 401; a read-only token → 403 on
	// writes, in HubSpot's missing-scopes body.
	CheckAuth CheckName = "auth"
	// CheckRateLimitHeaders: when sent, X-HubSpot-RateLimit-* headers are on
	// every answer, Max is constant, Remaining ≤ Max and goes down within a
	// window, and the interval is HubSpot's 10 seconds.
	CheckRateLimitHeaders CheckName = "rate-limit-headers"
	// CheckRateLimitProbe (opt-in): a burst past the limit gets a 429 whose
	// body names errorType RATE_LIMIT and a policyName.
	CheckRateLimitProbe CheckName = "rate-limit-probe"
	// CheckCleanup: the records the suite created could be archived.
	CheckCleanup CheckName = "cleanup"
)

// SemanticChecks lists the checks of this file in the order reports show them.
var SemanticChecks = []CheckName{
	CheckContentType, CheckBatchStatus, CheckTimestamps, CheckAccounting, CheckResultFields,
	CheckTraceIDs, CheckEcho, CheckNewFlags, CheckStableIDs, CheckUpdatedAt, CheckReadAfterWrite,
	CheckUnsentKept, CheckRequestedProperties, CheckGetByID, CheckPartialFailure, CheckAllOrNothing,
	CheckArchive, CheckBadInput, CheckErrorBody, CheckMethodNotAllowed, CheckAuth,
	CheckRateLimitHeaders, CheckRateLimitProbe, CheckCleanup,
}

// AllChecks lists every check the suite runs, the schema checks first, in
// the order reports show them.
func AllChecks() []CheckName {
	return append([]CheckName{CheckRequestSchema, CheckResponseSchema}, SemanticChecks...)
}

// trimBodyLimit bounds Sent and Received: enough to recognise the body, short
// enough that a failing 100-input batch does not flood a terminal.
const trimBodyLimit = 300

// Excerpt is the excerpt of a body a Finding carries in Sent or Received
// (trimBody), for findings made outside this package's exchange checks:
// the load engine's schema pass of every answer.
func Excerpt(body []byte) string { return trimBody(body) }

// trimBody trims a body for Finding.Sent/Received: compacted when it is
// JSON, cut at trimBodyLimit bytes on a rune boundary.
func trimBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if json.Valid(body) && json.Compact(&buf, body) == nil {
		body = buf.Bytes()
	}
	if len(body) <= trimBodyLimit {
		return strings.ToValidUTF8(string(body), "\uFFFD")
	}
	cut := trimBodyLimit
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(body[:cut]), "\uFFFD") + "…"
}

// finding builds a Finding located at the exchange, with trimmed bodies.
func (ex Exchange) finding(check CheckName, message, reason, howToFix string) Finding {
	return Finding{
		Check:      check,
		Message:    message,
		Reason:     reason,
		HowToFix:   howToFix,
		Method:     ex.Method,
		Path:       pathOnly(ex.Path),
		StatusCode: ex.StatusCode,
		Sent:       trimBody(ex.RequestBody),
		Received:   trimBody(ex.ResponseBody),
	}
}

// pathOnly drops a query string: findings locate the operation, not the call.
func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}
