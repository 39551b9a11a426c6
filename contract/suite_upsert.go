package contract

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the upsert-semantics and read cases.
const (
	CaseCreate             = "upsert-create"
	CaseRepeat             = "upsert-repeat"
	CaseChange             = "upsert-change"
	CaseReadBack           = "read-back"
	CaseGetByID            = "get/by-id"
	CaseGetByUniqueValue   = "get/by-unique-value"
	CaseGetUnknownID       = "get/unknown-id"
	CasePartialFailure     = "partial-failure"
	CasePartialFailureRead = "partial-failure-read"
)

const jsonContentType = "application/json"

// upsertStep is one upsert the semantics cases build on.
type upsertStep struct {
	req hubspot.BatchUpsertRequest
	ex  Exchange
	// idOf maps unique value → record id; newOf → the result's new flag;
	// updatedOf → the result's updatedAt.
	idOf      map[string]string
	newOf     map[string]bool
	updatedOf map[string]hubspot.Timestamp
	// errTraces holds the trace ids the 207 errors named.
	errTraces map[string]bool
}

// writtenRecords is what the upsert cases wrote, for the cases that read
// it back.
type writtenRecords struct {
	keys    []string                     // unique values, in create order
	id      map[string]string            // unique value → record id the create answered
	want    map[string]map[string]string // unique value → last written values ("" = cleared)
	updated map[string]hubspot.Timestamp // unique value → updatedAt of the last write that changed it
	props   []string                     // the properties reads ask for
}

// upsert sends body (req encoded, when nil) and correlates the answer by
// trace id or unique value. It returns nil when no usable 200/207 came
// back; the reason is then already recorded under failChecks.
func (r *suiteRun) upsert(caseName string, req hubspot.BatchUpsertRequest, body []byte, want int, failChecks []CheckName) *upsertStep {
	if body == nil {
		body, _ = json.Marshal(req)
	}
	path := r.s.cfg.Version.UpsertPath()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	if err != nil {
		r.transportFailure(caseName, append([]CheckName{CheckResponseSchema}, failChecks...), http.MethodPost, path, body, err)
		return nil
	}
	r.exchangeResults(caseName, ex, true)
	st := &upsertStep{req: req, ex: ex, idOf: map[string]string{}, newOf: map[string]bool{},
		updatedOf: map[string]hubspot.Timestamp{}, errTraces: map[string]bool{}}
	resp, _, ok := ex.upsertResponse()
	if ok && ex.isBatchAnswer() {
		c := correlate(req, resp)
		for ri, idx := range c.resultInput {
			res := resp.Results[ri]
			if res.ID != "" {
				r.cleanup[res.ID] = struct{}{}
			}
			if idx >= 0 {
				key := req.Inputs[idx].ID
				st.idOf[key], st.newOf[key], st.updatedOf[key] = res.ID, res.New, res.UpdatedAt
			}
		}
		for _, e := range resp.Errors {
			for _, tr := range e.Context["objectWriteTraceId"] {
				st.errTraces[tr] = true
			}
		}
	}
	if ex.StatusCode != want || !ok {
		for _, c := range failChecks {
			f := ex.finding(c, fmt.Sprintf("%s answered %d, want %d with a batch body", caseName, ex.StatusCode, want),
				statusReason(want), "fix the answer to this request first; the checks of this case depend on it")
			r.result(c, caseName, ex.StatusCode, []Finding{f}, 0)
		}
		return nil
	}
	return st
}

func statusReason(want int) string {
	if want == http.StatusMultiStatus {
		return "a batch with some invalid inputs, each with an objectWriteTraceId, is answered 207: valid inputs written, invalid ones as errors"
	}
	return "a batch of valid inputs is answered 200 with one result per input"
}

// upsertCases: create fresh values, repeat them, change some properties
// (clearing one), read everything back.
func (r *suiteRun) upsertCases() {
	createReq := r.gen.Batch(0)
	create := r.upsert(CaseCreate, createReq, r.gen.AppendBatch(nil, 0), http.StatusOK, []CheckName{CheckNewFlags})
	later := []CheckName{CheckNewFlags, CheckStableIDs, CheckUpdatedAt}
	if create == nil {
		for _, c := range []string{CaseRepeat, CaseChange} {
			r.skipAll(later, c, "the create case did not get a usable answer")
		}
		r.skipAll([]CheckName{CheckReadAfterWrite, CheckUnsentKept, CheckStableIDs, CheckUpdatedAt, CheckRequestedProperties}, CaseReadBack,
			"the create case did not get a usable answer")
		return
	}
	r.result(CheckNewFlags, CaseCreate, create.ex.StatusCode, r.newFlags(create, true), 0)
	w := r.written
	w.id, w.want, w.updated = map[string]string{}, map[string]map[string]string{}, map[string]hubspot.Timestamp{}
	for _, in := range createReq.Inputs {
		w.keys = append(w.keys, in.ID)
		w.id[in.ID] = create.idOf[in.ID]
		w.want[in.ID] = make(map[string]string, len(in.Properties))
		maps.Copy(w.want[in.ID], in.Properties)
		w.updated[in.ID] = create.updatedOf[in.ID]
	}

	repeat := r.upsert(CaseRepeat, createReq, r.gen.AppendBatch(nil, 0), http.StatusOK, []CheckName{CheckNewFlags, CheckStableIDs})
	if repeat != nil {
		r.result(CheckNewFlags, CaseRepeat, repeat.ex.StatusCode, r.newFlags(repeat, false), 0)
		r.result(CheckStableIDs, CaseRepeat, repeat.ex.StatusCode, r.stableIDs(create, repeat), 0)
	}

	changeReq := changedBatch(createReq, r.prefix)
	change := r.upsert(CaseChange, changeReq, nil, http.StatusOK, later)
	if change != nil {
		r.result(CheckNewFlags, CaseChange, change.ex.StatusCode, r.newFlags(change, false), 0)
		r.result(CheckStableIDs, CaseChange, change.ex.StatusCode, r.stableIDs(create, change), 0)
		r.result(CheckUpdatedAt, CaseChange, change.ex.StatusCode, updatedMoved(create, change), 0)
		for _, in := range changeReq.Inputs {
			for k, v := range in.Properties {
				w.want[in.ID][k] = v
			}
			if u, ok := change.updatedOf[in.ID]; ok {
				w.updated[in.ID] = u
			}
		}
	}
	props := []string{r.s.cfg.IDProperty, hubspot.PropTaskSubject, hubspot.PropTaskPriority, hubspot.PropTaskBody}
	for _, in := range createReq.Inputs {
		for k := range in.Properties {
			if !slices.Contains(props, k) {
				props = append(props, k)
			}
		}
	}
	slices.Sort(props)
	w.props = props
	if r.interrupted(CheckReadAfterWrite, CaseReadBack) {
		return
	}
	r.readBack(create, changeReq)
}

// changedBatch sends, for every input, a new subject and a different
// priority, and clears the body of every other input: the other properties
// of the create must survive (unsent-kept), the cleared one must read back
// absent.
func changedBatch(create hubspot.BatchUpsertRequest, prefix string) hubspot.BatchUpsertRequest {
	priorities := hubspot.EnumValues(hubspot.PropTaskPriority)
	out := hubspot.BatchUpsertRequest{Inputs: make([]hubspot.UpsertInput, len(create.Inputs))}
	for i, in := range create.Inputs {
		p := priorities[(slices.Index(priorities, in.Properties[hubspot.PropTaskPriority])+1+len(priorities))%len(priorities)]
		props := map[string]string{
			hubspot.PropTaskSubject:  fmt.Sprintf("Changed by contract run %s (%d)", prefix, i),
			hubspot.PropTaskPriority: p,
		}
		if i%2 == 0 {
			props[hubspot.PropTaskBody] = ""
		}
		out.Inputs[i] = hubspot.UpsertInput{
			ID: in.ID, IDProperty: in.IDProperty, ObjectWriteTraceID: in.ObjectWriteTraceID + "-chg", Properties: props,
		}
	}
	return out
}

func (r *suiteRun) newFlags(st *upsertStep, want bool) []Finding {
	var fields []FieldFailure
	for _, in := range st.req.Inputs {
		got, ok := st.newOf[in.ID]
		if ok && got != want {
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("result for %q has new:%t", in.ID, got)})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	msg, reason := "fresh unique values came back as updates", "the first upsert of a unique value creates the record: new is true"
	fix := "set new:true exactly when the upsert created the record"
	if !want {
		msg, reason = "known unique values came back as creates", "an upsert of a unique value that exists updates that record: new is false"
		fix = "look the record up by the idProperty's value and update it; answer new:false"
	}
	f := st.ex.finding(CheckNewFlags, fmt.Sprintf("%s: %d of %d (%s)", msg, len(fields), len(st.req.Inputs), fields[0].Message), reason, fix)
	f.SpecPath = "#/components/schemas/SimplePublicUpsertObject/properties/new"
	f.Fields = fields
	return []Finding{f}
}

func (r *suiteRun) stableIDs(create, later *upsertStep) []Finding {
	var fields []FieldFailure
	for key, id := range create.idOf {
		if got, ok := later.idOf[key]; ok && got != id {
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q was created as id %s but updated as id %s", key, id, got)})
		}
	}
	slices.SortFunc(fields, func(a, b FieldFailure) int { return cmpString(a.Message, b.Message) })
	return fieldsFinding(later.ex, CheckStableIDs, fields, "record(s) changed id on update",
		"an upsert of an existing unique value updates that record and answers with its id",
		"update the record found by the unique value in place; never create a second one")
}

// updatedMoved: every record the change wrote answers an updatedAt later
// than the create answered, since the change altered its values.
func updatedMoved(create, change *upsertStep) []Finding {
	var fields []FieldFailure
	for _, in := range change.req.Inputs {
		before, after := create.updatedOf[in.ID], change.updatedOf[in.ID]
		tb, errB := before.Time()
		ta, errA := after.Time()
		if errB != nil || errA != nil {
			continue // the timestamps check reports unparseable times
		}
		if !ta.After(tb) {
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q changed but its updatedAt %s is not after the create's %s", in.ID, after, before)})
		}
	}
	slices.SortFunc(fields, func(a, b FieldFailure) int { return cmpString(a.Message, b.Message) })
	return fieldsFinding(change.ex, CheckUpdatedAt, fields, "updatedAt did not move forward on an update",
		"updatedAt is when the record last changed: an update that changes a value moves it forward",
		"set updatedAt (and hs_lastmodifieddate) to the time of every write that changes the record")
}

// notEarlier: a read's updatedAt is no earlier than the last write's.
func notEarlier(key string, got, last hubspot.Timestamp, pointer string) []FieldFailure {
	tg, errG := got.Time()
	tl, errL := last.Time()
	if errG != nil || errL != nil || !tg.Before(tl) {
		return nil
	}
	return []FieldFailure{{Pointer: pointer, Message: fmt.Sprintf("%q reads back with updatedAt %s, before its last write's %s", key, got, last)}}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// allowedUnrequested are the properties HubSpot returns on every read,
// whatever was asked for: the record's id and its two dates. Calculated
// properties (hs_pipeline, hs_body_preview, …) come only when asked for.
var allowedUnrequested = []string{hubspot.PropObjectID, hubspot.PropCreateDate, hubspot.PropLastModifiedDate}

// unrequested lists properties of a read that were not asked for.
func unrequested(pointer string, requested []string, got map[string]string) []FieldFailure {
	var out []FieldFailure
	for _, k := range sortedKeys(got) {
		if !slices.Contains(requested, k) && !slices.Contains(allowedUnrequested, k) {
			out = append(out, FieldFailure{Pointer: pointer + k, Message: fmt.Sprintf("%s was not requested but came back", k)})
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// readBack reads every created record by its unique value and compares:
// changed properties must have the new values (read-after-write), the
// others the values of the create (unsent-kept); the ids are the create's,
// updatedAt is no earlier than the change's, and nothing unrequested comes.
func (r *suiteRun) readBack(create *upsertStep, change hubspot.BatchUpsertRequest) {
	w := r.written
	changed := map[string]map[string]string{}
	for _, in := range change.Inputs {
		changed[in.ID] = in.Properties
	}
	read := hubspot.BatchReadRequest{IDProperty: r.s.cfg.IDProperty, Properties: w.props, PropertiesWithHistory: []string{}}
	for _, key := range w.keys {
		read.Inputs = append(read.Inputs, hubspot.ObjectID{ID: key})
	}
	checks := []CheckName{CheckReadAfterWrite, CheckUnsentKept, CheckStableIDs, CheckUpdatedAt, CheckRequestedProperties}
	objects, ex, ok := r.batchRead(CaseReadBack, read, checks)
	if !ok {
		return
	}
	var rawFields, keptFields, idFields, updFields, extraFields []FieldFailure
	for _, in := range create.req.Inputs {
		obj, found := objects[in.ID]
		if !found {
			rawFields = append(rawFields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q was written but the read did not return it", in.ID)})
			continue
		}
		prefix := "/results/" + in.ID + "/properties/"
		if id := w.id[in.ID]; id != "" && obj.ID != id {
			idFields = append(idFields, FieldFailure{Pointer: "/results/" + in.ID + "/id", Message: fmt.Sprintf("%q reads back as id %s, created as %s", in.ID, obj.ID, id)})
		}
		rawFields = append(rawFields, echoDiff(prefix, changed[in.ID], obj.Properties)...)
		kept := map[string]string{}
		for k, v := range in.Properties {
			if _, sentAgain := changed[in.ID][k]; !sentAgain && v != "" {
				kept[k] = v
			}
		}
		keptFields = append(keptFields, echoDiff(prefix, kept, obj.Properties)...)
		updFields = append(updFields, notEarlier(in.ID, obj.UpdatedAt, w.updated[in.ID], "/results/"+in.ID+"/updatedAt")...)
		extraFields = append(extraFields, unrequested(prefix, read.Properties, obj.Properties)...)
	}
	code := ex.StatusCode
	r.result(CheckReadAfterWrite, CaseReadBack, code, fieldsFinding(ex, CheckReadAfterWrite, rawFields,
		"a batch read does not return what the last upsert wrote",
		`a batch read right after an upsert returns the written values; a value cleared with "" comes back absent or null (HubSpot's batch read is consistent with its writes)`,
		"serve reads from the same store the upsert wrote, after the write completed"), 0)
	r.result(CheckUnsentKept, CaseReadBack, code, fieldsFinding(ex, CheckUnsentKept, keptFields,
		"properties the update did not send lost their values",
		"an upsert is a partial update: properties not sent keep their values",
		"merge the sent properties into the stored record instead of replacing it"), 0)
	r.result(CheckStableIDs, CaseReadBack, code, fieldsFinding(ex, CheckStableIDs, idFields,
		"a read by unique value answers another record id than the create",
		"a unique value names one record, with one id, on every endpoint",
		"look records up by the unique value and answer the id they were created with"), 0)
	r.result(CheckUpdatedAt, CaseReadBack, code, fieldsFinding(ex, CheckUpdatedAt, updFields,
		"a read shows an updatedAt older than the last write",
		"reads are consistent with writes: a record's updatedAt is at least the last write's",
		"answer reads from the state after the last write"), 0)
	r.result(CheckRequestedProperties, CaseReadBack, code, fieldsFinding(ex, CheckRequestedProperties, extraFields,
		"a batch read returned properties that were not requested",
		"a batch read returns the properties named in properties (plus hs_object_id, hs_createdate and hs_lastmodifieddate), no others",
		"return only the requested properties"), 0)
}

// fieldsFinding wraps field failures into one finding, or none.
func fieldsFinding(ex Exchange, check CheckName, fields []FieldFailure, what, reason, fix string) []Finding {
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(check, fmt.Sprintf("%s: %d problem(s), first: %s", what, len(fields), fields[0].Message), reason, fix)
	f.Fields = fields
	return []Finding{f}
}

// batchRead sends a batch read and returns the objects by unique value. A
// 207 (some not found) is a usable answer.
func (r *suiteRun) batchRead(caseName string, read hubspot.BatchReadRequest, failChecks []CheckName) (map[string]hubspot.SimplePublicObject, Exchange, bool) {
	body, _ := json.Marshal(read)
	path := r.s.cfg.Version.ReadPath()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	if err != nil {
		r.transportFailure(caseName, failChecks, http.MethodPost, path, body, err)
		return nil, ex, false
	}
	r.exchangeResults(caseName, ex, true)
	resp, ok := ex.readResponse()
	if !ok || !ex.isBatchAnswer() {
		for _, c := range failChecks {
			r.result(c, caseName, ex.StatusCode, []Finding{ex.finding(c, fmt.Sprintf("batch read answered %d, want 200 or 207 with the records", ex.StatusCode),
				"POST .../batch/read with idProperty returns the records by their unique values",
				"serve batch read by idProperty; the suite needs it to see what was stored")}, 0)
		}
		return nil, ex, false
	}
	out := map[string]hubspot.SimplePublicObject{}
	for _, o := range resp.Results {
		if key, ok := o.Properties[read.IDProperty]; ok {
			out[key] = o
		}
	}
	return out, ex, true
}

// getCases read two written records with GET, one by record id and one by
// unique value, and GET an id nobody has.
func (r *suiteRun) getCases() {
	w := r.written
	getChecks := []CheckName{CheckGetByID, CheckReadAfterWrite, CheckRequestedProperties, CheckUpdatedAt}
	for i, c := range []string{CaseGetByID, CaseGetByUniqueValue} {
		if len(w.keys) <= i || w.id[w.keys[i]] == "" {
			r.skipAll(getChecks, c, "the upsert cases wrote no record to read")
			continue
		}
		if r.interrupted(CheckGetByID, c) {
			return
		}
		key := w.keys[i]
		q := url.Values{"properties": {strings.Join(w.props, ",")}}
		target := w.id[key]
		if c == CaseGetByUniqueValue {
			target = key
			q.Set("idProperty", r.s.cfg.IDProperty)
		}
		path := r.s.cfg.Version.ObjectPath(url.PathEscape(target)) + "?" + q.Encode()
		ex, err := r.send(http.MethodGet, path, "", nil, credMain)
		if err != nil {
			r.transportFailure(c, getChecks, http.MethodGet, path, nil, err)
			continue
		}
		r.exchangeResults(c, ex, false)
		obj, ok := ex.getResponse()
		if ex.StatusCode != http.StatusOK || !ok {
			f := ex.finding(CheckGetByID, fmt.Sprintf("GET of a record written moments ago answered %d", ex.StatusCode),
				"GET tasks/{taskId} answers 200 with the record (by id, or by unique value with idProperty)",
				"serve GET by record id and by idProperty")
			r.result(CheckGetByID, c, ex.StatusCode, []Finding{f}, 0)
			r.skipAll(getChecks[1:], c, "GET did not answer the record")
			continue
		}
		var idFields []FieldFailure
		if obj.ID != w.id[key] {
			idFields = append(idFields, FieldFailure{Pointer: "/id", Message: fmt.Sprintf("asked for %s (%q), got record %q", target, key, obj.ID)})
		}
		code := ex.StatusCode
		r.result(CheckGetByID, c, code, fieldsFinding(ex, CheckGetByID, idFields, "GET answered another record than the one asked for",
			"GET tasks/{taskId} answers the record with that id, or with that unique value when idProperty names the property",
			"look the record up by the path's id (or by the idProperty's value) and answer that record"), 0)
		r.result(CheckReadAfterWrite, c, code, fieldsFinding(ex, CheckReadAfterWrite, echoDiff("/properties/", w.want[key], obj.Properties),
			"GET does not return what the last upserts wrote",
			`GET right after an upsert returns the written values; a value cleared with "" comes back absent or null`,
			"serve GET from the same store the upsert wrote"), 0)
		r.result(CheckRequestedProperties, c, code, fieldsFinding(ex, CheckRequestedProperties, unrequested("/properties/", w.props, obj.Properties),
			"GET returned properties that were not requested",
			"GET returns the properties named in ?properties= (plus hs_object_id, hs_createdate and hs_lastmodifieddate), no others",
			"return only the requested properties"), 0)
		r.result(CheckUpdatedAt, c, code, fieldsFinding(ex, CheckUpdatedAt, notEarlier(key, obj.UpdatedAt, w.updated[key], "/updatedAt"),
			"GET shows an updatedAt older than the last write",
			"reads are consistent with writes: a record's updatedAt is at least the last write's",
			"answer GET from the state after the last write"), 0)
	}
	if r.interrupted(CheckGetByID, CaseGetUnknownID) {
		return
	}
	path := r.s.cfg.Version.ObjectPath(unknownRecordID)
	ex, err := r.send(http.MethodGet, path, "", nil, credMain)
	if err != nil {
		r.transportFailure(CaseGetUnknownID, []CheckName{CheckGetByID}, http.MethodGet, path, nil, err)
		return
	}
	r.exchangeResults(CaseGetUnknownID, ex, false)
	var fs []Finding
	var e hubspot.Error
	switch {
	case ex.StatusCode != http.StatusNotFound:
		fs = append(fs, ex.finding(CheckGetByID, fmt.Sprintf("GET of record id %s, which nobody has, answered %d, want 404", unknownRecordID, ex.StatusCode),
			"GET of an id nobody has answers 404 OBJECT_NOT_FOUND", "answer 404 with HubSpot's error body when no record has the id"))
	case json.Unmarshal(ex.ResponseBody, &e) == nil && e.Category != hubspot.CategoryObjectNotFound:
		fs = append(fs, ex.finding(CheckGetByID, fmt.Sprintf("GET of an unknown id answered category %q, want %s", e.Category, hubspot.CategoryObjectNotFound),
			"GET of an id nobody has answers 404 OBJECT_NOT_FOUND", "set category "+hubspot.CategoryObjectNotFound))
	}
	r.result(CheckGetByID, CaseGetUnknownID, ex.StatusCode, fs, 0)
}

// unknownRecordID is a record id nobody has: HubSpot's ids have 11 digits
// or fewer today, this one 18 (still an int64).
const unknownRecordID = "918273645546372819"
