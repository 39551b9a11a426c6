package contract

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// The semantic checks. Each is a name in findings, test names and reports;
// CheckRequestSchema and CheckResponseSchema (the OpenAPI document) sit next
// to them in validator.go.
const (
	// CheckContentType: every JSON answer is labelled application/json.
	CheckContentType CheckName = "content-type"
	// CheckBatchStatus: batch status is one of the enum and COMPLETE for a
	// synchronous call.
	CheckBatchStatus CheckName = "batch-status"
	// CheckTimestamps: timestamps parse as RFC 3339 and are ordered
	// (requestedAt ≤ startedAt ≤ completedAt, createdAt ≤ updatedAt).
	CheckTimestamps CheckName = "timestamps"
	// CheckAccounting: every input answered exactly once, as a result or a
	// 207 error, numErrors == len(errors), no duplicates; correlated by unique
	// value or objectWriteTraceId, never by position.
	CheckAccounting CheckName = "accounting"
	// CheckEcho: the properties a result echoes carry the values just sent.
	CheckEcho CheckName = "echo"
	// CheckNewFlags: fresh unique values come back new:true, known ones new:false.
	CheckNewFlags CheckName = "new-flags"
	// CheckStableIDs: an update answers with the id the create returned.
	CheckStableIDs CheckName = "stable-ids"
	// CheckReadAfterWrite: a batch read returns what was last written.
	CheckReadAfterWrite CheckName = "read-after-write"
	// CheckUnsentKept: properties an update did not send keep their values.
	CheckUnsentKept CheckName = "unsent-kept"
	// CheckPartialFailure: valid and invalid inputs with trace ids → 207
	// whose errors name the invalid trace ids; the valid ones are written.
	CheckPartialFailure CheckName = "partial-failure"
	// CheckBadInput: a bad request gets its documented 4xx, never 2xx or 5xx.
	CheckBadInput CheckName = "bad-input"
	// CheckErrorBody: an error answer carries the error envelope (status,
	// message, correlationId as a UUID, category).
	CheckErrorBody CheckName = "error-body"
	// CheckMethodNotAllowed: an unsupported method gets 405.
	CheckMethodNotAllowed CheckName = "method-not-allowed"
	// CheckAuth: no or a wrong token → 401; a read-only token → 403 on writes.
	CheckAuth CheckName = "auth"
	// CheckRateLimitHeaders: when sent, X-HubSpot-RateLimit-* headers are on
	// every answer, Max is constant and Remaining decreases within a window.
	CheckRateLimitHeaders CheckName = "rate-limit-headers"
	// CheckRateLimitProbe (opt-in): a burst past the limit gets a 429 whose
	// body names errorType RATE_LIMIT and a policyName.
	CheckRateLimitProbe CheckName = "rate-limit-probe"
	// CheckCleanup: the records the suite created could be archived.
	CheckCleanup CheckName = "cleanup"
)

// SemanticChecks lists the checks of this file in the order reports show them.
var SemanticChecks = []CheckName{
	CheckContentType, CheckBatchStatus, CheckTimestamps, CheckAccounting, CheckEcho,
	CheckNewFlags, CheckStableIDs, CheckReadAfterWrite, CheckUnsentKept, CheckPartialFailure,
	CheckBadInput, CheckErrorBody, CheckMethodNotAllowed, CheckAuth,
	CheckRateLimitHeaders, CheckRateLimitProbe, CheckCleanup,
}

// trimBodyLimit bounds Sent and Received: enough to recognise the body, short
// enough that a failing 100-input batch does not flood a terminal.
const trimBodyLimit = 300

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

// trimBodyValue marshals v and trims it like trimBody.
func trimBodyValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return trimBody(b)
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
