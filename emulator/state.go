package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// requestState is the pooled scratch space of one request: the body, the
// scanner's arena, the parsed inputs and the answer being built. Reusing it
// is what keeps a 100-input upsert to a handful of allocations.
type requestState struct {
	e           *Emulator
	route       string
	rng         rng
	corrID      []byte
	requestedMS int64
	startedMS   int64
	wallStart   time.Time
	ts          tsCache
	seg         timeSegments
	// fault is the consistency fault drawn for this upsert, "" for none;
	// faultResult the result flip-new flips.
	fault       FaultKind
	faultResult int

	body []byte
	sc   scanner
	out  []byte
	// snapBuf holds the properties of the record being answered (snapshot).
	snapBuf []byte

	// preview is the scratch memory of hs_body_preview rendering.
	preview previewScratch

	inputs  []upsertInput
	packed  []packedProp
	errs    []propError
	results []writeResult
	writes  []batchWrite // scratch of write
	order   []int
	// dupTable has room for MaxBatchInputs entries at a low load factor.
	dupTable [256]int16
	seenGen  [maxProps]uint32
	seenPos  [maxProps]int32
	gen      uint32
}

func (st *requestState) begin(e *Emulator) {
	st.e = e
	st.route = ""
	n := e.seq.Add(1)
	st.rng = newRNG(e.cfg.seed, n)
	st.corrID = st.corrID[:0]
	st.wallStart = time.Now()
	st.requestedMS = e.nowMS()
	st.startedMS = st.requestedMS
	st.out = st.out[:0]
	st.ts = tsCache{}
	st.seg.ok = false
	st.fault = ""
}

// correlationID is the request's UUID (version 7, time-ordered by the
// request's arrival on the emulator's clock, as HubSpot's recent ones
// are), made on first use.
func (st *requestState) correlationID() string {
	if len(st.corrID) == 0 {
		st.corrID = appendUUIDv7(st.corrID, st.requestedMS, st.rng.next(), st.rng.next())
	}
	return string(st.corrID)
}

// fail builds a whole-request error answer in HubSpot's envelope.
func (st *requestState) fail(status int, category, message string, context map[string][]string) answer {
	return st.failWith(hubspot.Error{Category: category, Message: message, Context: context}, status)
}

func (st *requestState) failWith(e hubspot.Error, status int) answer {
	e.Status = hubspot.ErrorStatus
	e.CorrelationID = st.correlationID()
	body, err := json.Marshal(e)
	if err != nil { // cannot happen: only strings and maps of strings
		body = []byte(`{"status":"error","message":"internal error","correlationId":"` + e.CorrelationID + `","category":"INTERNAL_ERROR"}`)
		status = 500
	}
	return answer{status: status, body: body}
}

// badRequest is a 400 VALIDATION_ERROR.
func (st *requestState) badRequest(message string, context map[string][]string) answer {
	return st.fail(400, hubspot.CategoryValidation, message, context)
}

// syntaxFailure turns a scanner error into HubSpot's (Jackson's) message.
func (st *requestState) syntaxFailure() answer {
	err := st.sc.err
	line, col := lineCol(st.body, err.offset)
	return st.badRequest(fmt.Sprintf("Invalid input JSON on line %d, column %d: %s", line, col, err.msg), nil)
}

// emptyBody is Jackson's answer to no content.
func (st *requestState) emptyBody() answer {
	return st.badRequest("Invalid input JSON on line 1, column 1: No content to map due to end-of-input", nil)
}

// missingField is the message for a required field that is absent or null.
func (st *requestState) missingField(field string, index int) answer {
	return st.badRequest("Some required fields were not set: ["+field+"] (inputs["+strconv.Itoa(index)+"])",
		map[string][]string{"missingFields": {field}})
}

// tooManyInputs refuses a batch over hubspot.MaxBatchInputs, in HubSpot's
// words (confirmed for batch read, likely for upsert); the real context is
// unknown, so none is sent.
func (st *requestState) tooManyInputs() answer {
	return st.badRequest(hubspot.MessageTooManyInputs, nil)
}

// MessageTooManyInputsWithHistory refuses a batch read of more than
// MaxInputsWithHistory inputs that asks for propertiesWithHistory. The
// limit is confirmed, the wording is the emulator's, after
// hubspot.MessageTooManyInputs.
const MessageTooManyInputsWithHistory = "The maximum number of inputs supported in a batch read with propertiesWithHistory is 50. Please reduce the number of items and try again"

// MaxInputsWithHistory is the most inputs a batch read with
// propertiesWithHistory accepts (hubspot-facts.md).
const MaxInputsWithHistory = 50

// missingScopes is the 403 for a token without the write scope, in the
// shape HubSpot answers (hubspot-facts.md): the top-level message, one
// inner entry naming the scopes under requiredGranularScopes, and a link
// to the scopes documentation.
func (st *requestState) missingScopes() answer {
	return st.failWith(hubspot.Error{
		Category: hubspot.CategoryMissingScopes,
		Message:  hubspot.MessageMissingScopes,
		Errors: []hubspot.ErrorDetail{{Message: hubspot.MessageRequiredScopes,
			Context: map[string][]string{"requiredGranularScopes": {hubspot.WriteScope}}}},
		Links: map[string]string{"scopes": hubspot.ScopesURL},
	}, http.StatusForbidden)
}

// nonUnique refuses an idProperty that is not a unique property.
func (st *requestState) nonUnique(name string) answer {
	return st.badRequest("Unable to perform update/upsert by non-unique "+hubspot.ObjectTypeID+" property "+name,
		map[string][]string{"idProperty": {name}})
}

// propertyErrorsMessage renders HubSpot's "Property values were not valid:"
// message, whose tail is a JSON array describing each invalid value; real
// items carry the account's portalId (hubspot-facts.md).
func propertyErrorsMessage(errs []propError, portalID json.RawMessage) string {
	type item struct {
		IsValid   bool            `json:"isValid"`
		Message   string          `json:"message"`
		Error     string          `json:"error"`
		Name      string          `json:"name"`
		Localized string          `json:"localizedErrorMessage"`
		PortalID  json.RawMessage `json:"portalId"`
	}
	items := make([]item, len(errs))
	for i, e := range errs {
		items[i] = item{Message: e.message, Error: e.code, Name: e.name, Localized: e.localized(), PortalID: portalID}
	}
	b, _ := json.Marshal(items)
	return hubspot.MessageInvalidPropertyValues + string(b)
}

// isMissingRequired tells the errors of a create that lacks a required
// property (and has no invalid values): HubSpot answers it with its own
// message, not as an invalid value.
func isMissingRequired(errs []propError) bool {
	return len(errs) == 1 && errs[0].code == hubspot.CodeRequiredProperty
}

func propertyNames(errs []propError) []string {
	names := make([]string, 0, len(errs))
	for _, e := range errs {
		if !containsString(names, e.name) {
			names = append(names, e.name)
		}
	}
	return names
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// joinIDs renders ids like Java's List.toString: [a, b].
func joinIDs(ids []string) string { return "[" + strings.Join(ids, ", ") + "]" }
