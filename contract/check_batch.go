package contract

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// exchangeCheck is a stateless check of one exchange. applies says whether
// the check has anything to look at, so a report can tell "passed" from
// "never ran".
type exchangeCheck struct {
	name    CheckName
	applies func(ex *parsedExchange) bool
	run     func(ex *parsedExchange) []Finding
}

// semanticExchangeChecks are the per-exchange checks beside the schema.
var semanticExchangeChecks = []exchangeCheck{
	{CheckContentType, func(ex *parsedExchange) bool { return len(ex.ResponseBody) > 0 }, func(ex *parsedExchange) []Finding { return checkContentType(ex.Exchange) }},
	{CheckBatchStatus, isBatchOperation, checkBatchStatus},
	{CheckTimestamps, hasRecords, checkTimestamps},
	{CheckAccounting, isUpsertAnswer, checkAccounting},
	{CheckResultFields, hasRecords, checkResultFields},
	{CheckTraceIDs, isUpsertAnswer, checkTraceIDs},
	{CheckEcho, isUpsertAnswer, checkEcho},
	{CheckErrorBody, func(ex *parsedExchange) bool { return ex.StatusCode >= 400 && ex.operation() != opOther }, func(ex *parsedExchange) []Finding { return checkErrorBody(ex.Exchange) }},
}

func isBatchOperation(ex *parsedExchange) bool {
	op := ex.operation()
	return (op == opUpsert || op == opRead) && ex.isBatchAnswer()
}

func isUpsertAnswer(ex *parsedExchange) bool {
	return ex.operation() == opUpsert && ex.isBatchAnswer()
}

// hasRecords: a batch answer of upsert or read, or a record from GET.
func hasRecords(ex *parsedExchange) bool {
	return isBatchOperation(ex) || (ex.operation() == opGet && ex.StatusCode == http.StatusOK)
}

func checkContentType(ex Exchange) []Finding {
	ct := ex.ResponseHeader.Get("Content-Type")
	if mediaTypeJSON(ct) {
		return nil
	}
	got := ct
	if got == "" {
		got = "no Content-Type header"
	}
	return []Finding{ex.finding(CheckContentType,
		fmt.Sprintf("answer with a body is labelled %q, not JSON", got),
		"every documented answer (200, 207 and errors) is application/json",
		"send Content-Type: application/json on every answer that has a body")}
}

func checkBatchStatus(ex *parsedExchange) []Finding {
	var status hubspot.BatchStatus
	if ex.operation() == opUpsert {
		resp, _, ok := ex.upsertResponse()
		if !ok {
			return nil
		}
		status = resp.Status
	} else {
		resp, ok := ex.readResponse()
		if !ok {
			return nil
		}
		status = resp.Status
	}
	const spec = "#/components/schemas/BatchResponseSimplePublicUpsertObject/properties/status"
	switch {
	case !status.Valid():
		f := ex.finding(CheckBatchStatus,
			fmt.Sprintf("batch status %q is not one of the enum", status),
			"status is one of CANCELED, COMPLETE, PENDING, PROCESSING",
			"answer status COMPLETE for a batch processed synchronously")
		f.SpecPath = spec
		f.Fields = []FieldFailure{{Pointer: "/status", Message: fmt.Sprintf("%q not in enum", status)}}
		return []Finding{f}
	case status != hubspot.BatchStatusComplete:
		f := ex.finding(CheckBatchStatus,
			fmt.Sprintf("synchronous batch answered status %q", status),
			"a batch call answers after the work is done, so its status is COMPLETE",
			"answer only once every input is processed, with status COMPLETE")
		f.SpecPath = spec
		f.Fields = []FieldFailure{{Pointer: "/status", Message: "want COMPLETE"}}
		return []Finding{f}
	}
	return nil
}

// stamp is one named timestamp of a body, for ordering checks.
type stamp struct {
	pointer string
	value   hubspot.Timestamp
}

// recordStamps are the timestamps of one record: createdAt and updatedAt
// (ordered), archivedAt (format only: it has no documented relation).
func recordStamps(ptr string, created, updated, archived hubspot.Timestamp) []stamp {
	return []stamp{{ptr + "/createdAt", created}, {ptr + "/updatedAt", updated}, {ptr + "/archivedAt", archived}}
}

// answerStamps collects the batch times (nil for GET) and every record's
// times of an answer; ok is false when the body does not decode.
func answerStamps(ex *parsedExchange) (batch []stamp, records [][]stamp, ok bool) {
	switch ex.operation() {
	case opUpsert:
		resp, _, ok := ex.upsertResponse()
		if !ok {
			return nil, nil, false
		}
		batch = []stamp{{"/requestedAt", resp.RequestedAt}, {"/startedAt", resp.StartedAt}, {"/completedAt", resp.CompletedAt}}
		for i, r := range resp.Results {
			records = append(records, recordStamps("/results/"+strconv.Itoa(i), r.CreatedAt, r.UpdatedAt, r.ArchivedAt))
		}
	case opRead:
		resp, ok := ex.readResponse()
		if !ok {
			return nil, nil, false
		}
		batch = []stamp{{"/requestedAt", resp.RequestedAt}, {"/startedAt", resp.StartedAt}, {"/completedAt", resp.CompletedAt}}
		for i, r := range resp.Results {
			records = append(records, recordStamps("/results/"+strconv.Itoa(i), r.CreatedAt, r.UpdatedAt, r.ArchivedAt))
		}
	case opGet:
		obj, ok := ex.getResponse()
		if !ok {
			return nil, nil, false
		}
		records = append(records, recordStamps("", obj.CreatedAt, obj.UpdatedAt, obj.ArchivedAt))
	default:
		return nil, nil, false
	}
	return batch, records, true
}

func checkTimestamps(ex *parsedExchange) []Finding {
	batch, records, ok := answerStamps(ex)
	if !ok {
		return nil
	}
	var fields []FieldFailure
	fields = append(fields, orderedStamps(batch, len(batch))...)
	fields = append(fields, clockWindow(batch, ex.SentAt, ex.ReceivedAt, ex.skew)...)
	for _, rs := range records {
		fields = append(fields, orderedStamps(rs, 2)...)
	}
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckTimestamps,
		fmt.Sprintf("%d timestamp problem(s): %s", len(fields), fields[0].Message),
		"timestamps are RFC 3339 date-times with requestedAt ≤ startedAt ≤ completedAt and createdAt ≤ updatedAt; a synchronous batch is received, started and completed during the call",
		"write timestamps in UTC (2006-01-02T15:04:05.000Z), taken from one clock, kept in sync with NTP, in the order the work happens")
	f.Fields = fields
	return []Finding{f}
}

// orderedStamps parses every present stamp and checks that the first n
// present ones are non-decreasing in the order given.
func orderedStamps(ss []stamp, n int) []FieldFailure {
	var out []FieldFailure
	var prev *stamp
	var prevT time.Time
	for i := range ss {
		s := &ss[i]
		if s.value == "" {
			continue
		}
		t, err := s.value.Time()
		if err != nil {
			out = append(out, FieldFailure{Pointer: s.pointer, Message: fmt.Sprintf("%q is not an RFC 3339 date-time", s.value), SchemaPath: "format: date-time"})
			continue
		}
		if i >= n {
			continue
		}
		if prev != nil && t.Before(prevT) {
			out = append(out, FieldFailure{Pointer: s.pointer, Message: fmt.Sprintf("%s %s is before %s %s", lastSegment(s.pointer), s.value, lastSegment(prev.pointer), prev.value)})
		}
		prev, prevT = s, t
	}
	return out
}

func lastSegment(ptr string) string {
	return ptr[strings.LastIndexByte(ptr, '/')+1:]
}

// clockWindow holds each batch time to the call: no earlier than the
// request left and no later than the answer arrived, on our clock, give or
// take skew (the two clocks differ, and the network takes time). With no
// call times it checks nothing.
func clockWindow(batch []stamp, sent, received time.Time, skew time.Duration) []FieldFailure {
	if sent.IsZero() || received.IsZero() {
		return nil
	}
	lo, hi := sent.Add(-skew), received.Add(skew)
	var out []FieldFailure
	for _, s := range batch {
		if s.value == "" {
			continue
		}
		t, err := s.value.Time()
		if err != nil {
			continue // orderedStamps reports it
		}
		var off time.Duration
		switch {
		case t.Before(lo):
			off = sent.Sub(t)
		case t.After(hi):
			off = t.Sub(received)
		default:
			continue
		}
		out = append(out, FieldFailure{Pointer: s.pointer, Message: fmt.Sprintf("%s %s is %s outside the call (sent %s, answered %s by the local clock; allowed skew %s)",
			lastSegment(s.pointer), s.value, off.Round(time.Millisecond), hubspot.FormatTimestamp(sent), hubspot.FormatTimestamp(received), skew)})
	}
	return out
}

// correlation maps each result and 207 error of an upsert answer to the
// input it answers, by objectWriteTraceId or by unique value — never by
// position, because the contract does not promise input order.
type correlation struct {
	inputs      []hubspot.UpsertInput
	resultInput []int // per result: input index, -1 when it cannot be matched
	errorInputs [][]int
	problems    []FieldFailure
}

func correlate(req hubspot.BatchUpsertRequest, resp hubspot.BatchUpsertResponseWithErrors) correlation {
	c := correlation{inputs: req.Inputs}
	byTrace := map[string]int{}
	byValue := map[[2]string]int{}
	var idProps []string
	for i, in := range req.Inputs {
		if in.ObjectWriteTraceID != "" {
			byTrace[in.ObjectWriteTraceID] = i
		}
		byValue[[2]string{in.IDProperty, in.ID}] = i
		if !slices.Contains(idProps, in.IDProperty) {
			idProps = append(idProps, in.IDProperty)
		}
	}
	for ri, r := range resp.Results {
		ptr := "/results/" + strconv.Itoa(ri)
		idx := -1
		if r.ObjectWriteTraceID != "" {
			i, ok := byTrace[r.ObjectWriteTraceID]
			if !ok {
				c.problems = append(c.problems, FieldFailure{Pointer: ptr + "/objectWriteTraceId", Message: fmt.Sprintf("trace id %q was not sent by any input", r.ObjectWriteTraceID)})
			} else {
				idx = i
			}
		}
		for _, p := range idProps {
			v, ok := r.Properties[p]
			if !ok || p == "" {
				continue
			}
			i, found := byValue[[2]string{p, v}]
			switch {
			case idx >= 0 && found && i != idx:
				c.problems = append(c.problems, FieldFailure{Pointer: ptr + "/properties/" + p, Message: fmt.Sprintf("unique value %q belongs to another input than trace id %q", v, r.ObjectWriteTraceID)})
			case idx < 0 && found:
				idx = i
			case !found && r.ObjectWriteTraceID == "":
				c.problems = append(c.problems, FieldFailure{Pointer: ptr + "/properties/" + p, Message: fmt.Sprintf("unique value %q was not sent by any input", v)})
			}
		}
		c.resultInput = append(c.resultInput, idx)
	}
	for ei, e := range resp.Errors {
		var idxs []int
		for _, tr := range e.Context["objectWriteTraceId"] {
			if i, ok := byTrace[tr]; ok {
				idxs = append(idxs, i)
			} else {
				c.problems = append(c.problems, FieldFailure{Pointer: "/errors/" + strconv.Itoa(ei) + "/context/objectWriteTraceId", Message: fmt.Sprintf("trace id %q was not sent by any input", tr)})
			}
		}
		c.errorInputs = append(c.errorInputs, idxs)
	}
	return c
}

func checkAccounting(ex *parsedExchange) []Finding {
	req, ok := ex.upsertRequest()
	if !ok {
		return nil
	}
	resp, present, ok := ex.upsertResponse()
	if !ok {
		return nil
	}
	c := ex.correlation()
	fields := slices.Clone(c.problems)
	if ex.StatusCode == http.StatusOK && len(resp.Errors) > 0 {
		fields = append(fields, FieldFailure{Pointer: "/errors", Message: fmt.Sprintf("a 200 answer carries %d errors; failed inputs belong in a 207", len(resp.Errors))})
	}
	if ex.StatusCode == http.StatusMultiStatus && len(resp.Errors) == 0 {
		fields = append(fields, FieldFailure{Pointer: "/errors", Message: "a 207 answer carries no errors"})
	}
	if _, has := present["numErrors"]; has || ex.StatusCode == http.StatusMultiStatus {
		switch {
		case resp.NumErrors == nil:
			fields = append(fields, FieldFailure{Pointer: "/numErrors", Message: "a 207 answer has no numErrors"})
		case *resp.NumErrors != len(resp.Errors):
			fields = append(fields, FieldFailure{Pointer: "/numErrors", Message: fmt.Sprintf("numErrors is %d but errors has %d entries", *resp.NumErrors, len(resp.Errors))})
		}
	}
	seenIDs := map[string]int{}
	for ri, r := range resp.Results {
		if prev, dup := seenIDs[r.ID]; dup && r.ID != "" {
			fields = append(fields, FieldFailure{Pointer: "/results/" + strconv.Itoa(ri) + "/id", Message: fmt.Sprintf("record id %q also answers /results/%d", r.ID, prev)})
		}
		seenIDs[r.ID] = ri
	}
	answers := make([]int, len(req.Inputs))
	uncorrelated := 0
	for ri, idx := range c.resultInput {
		if idx < 0 {
			uncorrelated++
			if !hasPointerPrefix(c.problems, "/results/"+strconv.Itoa(ri)+"/") {
				fields = append(fields, FieldFailure{Pointer: "/results/" + strconv.Itoa(ri), Message: "result names no input: it has neither a sent objectWriteTraceId nor a sent unique value"})
			}
			continue
		}
		answers[idx]++
	}
	for _, idxs := range c.errorInputs {
		if len(idxs) == 0 {
			uncorrelated++
			continue
		}
		for _, idx := range idxs {
			answers[idx]++
		}
	}
	if uncorrelated == 0 {
		for i, n := range answers {
			switch {
			case n == 0:
				fields = append(fields, FieldFailure{Pointer: "/inputs/" + strconv.Itoa(i), Message: fmt.Sprintf("input %q got neither a result nor an error", req.Inputs[i].ID)})
			case n > 1:
				fields = append(fields, FieldFailure{Pointer: "/inputs/" + strconv.Itoa(i), Message: fmt.Sprintf("input %q was answered %d times", req.Inputs[i].ID, n)})
			}
		}
	} else if got := len(resp.Results) + len(resp.Errors); got != len(req.Inputs) {
		// Errors of inputs without trace ids cannot be matched; counting
		// is all that is left.
		fields = append(fields, FieldFailure{Pointer: "", Message: fmt.Sprintf("%d inputs but %d results and %d errors", len(req.Inputs), len(resp.Results), len(resp.Errors))})
	}
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckAccounting,
		fmt.Sprintf("%d accounting problem(s): %s", len(fields), fields[0].Message),
		"every input is answered exactly once, as a result or (207) as an error naming its objectWriteTraceId; numErrors equals the number of errors",
		"answer each input once; match results to inputs by unique value or objectWriteTraceId, not by position")
	f.Fields = fields
	return []Finding{f}
}

func hasPointerPrefix(fs []FieldFailure, prefix string) bool {
	for _, f := range fs {
		if strings.HasPrefix(f.Pointer, prefix) {
			return true
		}
	}
	return false
}

// checkEcho: each result echoes the properties its input wrote.
func checkEcho(ex *parsedExchange) []Finding {
	req, ok := ex.upsertRequest()
	if !ok {
		return nil
	}
	resp, _, ok := ex.upsertResponse()
	if !ok {
		return nil
	}
	c := ex.correlation()
	var fields []FieldFailure
	for ri, idx := range c.resultInput {
		if idx < 0 {
			continue
		}
		fields = append(fields, echoDiff("/results/"+strconv.Itoa(ri)+"/properties/", req.Inputs[idx].Properties, resp.Results[ri].Properties)...)
	}
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckEcho,
		fmt.Sprintf("%d echoed propert(ies) differ from what was sent: %s", len(fields), fields[0].Message),
		"a result echoes the properties its input wrote, with the values written, compared by meaning: a datetime written as epoch milliseconds may come back as the same instant in ISO 8601 (hubspot-facts.md)",
		"return each written property in the result's properties with its stored value")
	f.Fields = fields
	return []Finding{f}
}
