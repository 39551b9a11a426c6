package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the upsert-semantics cases.
const (
	CaseCreate         = "upsert-create"
	CaseRepeat         = "upsert-repeat"
	CaseChange         = "upsert-change"
	CaseReadBack       = "read-back"
	CasePartialFailure = "partial-failure"
)

const jsonContentType = "application/json"

// upsertStep is one upsert the semantics cases build on.
type upsertStep struct {
	req  hubspot.BatchUpsertRequest
	ex   Exchange
	resp hubspot.BatchUpsertResponseWithErrors
	// idOf maps unique value → record id; newOf → the result's new flag.
	idOf  map[string]string
	newOf map[string]bool
	// errTraces holds the trace ids the 207 errors named.
	errTraces map[string]bool
}

// upsert sends body (req encoded, when nil) and correlates the answer by
// trace id or unique value. It returns nil when no usable 200/207 came
// back; the reason is then already recorded under failChecks.
func (r *suiteRun) upsert(caseName string, req hubspot.BatchUpsertRequest, body []byte, want int, failChecks []CheckName) *upsertStep {
	if body == nil {
		body, _ = json.Marshal(req)
	}
	path := r.s.cfg.Version.UpsertPath()
	start := time.Now()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	d := time.Since(start)
	if err != nil {
		r.transportFailure(caseName, append([]CheckName{CheckResponseSchema}, failChecks...), http.MethodPost, path, body, err)
		return nil
	}
	r.exchangeResults(caseName, ex, true, d)
	st := &upsertStep{req: req, ex: ex, idOf: map[string]string{}, newOf: map[string]bool{}, errTraces: map[string]bool{}}
	resp, _, ok := ex.upsertResponse()
	if ok && ex.isBatchAnswer() {
		st.resp = resp
		c := correlate(req, resp)
		for ri, idx := range c.resultInput {
			res := resp.Results[ri]
			if res.ID != "" {
				r.cleanup[res.ID] = struct{}{}
			}
			if idx >= 0 {
				st.idOf[req.Inputs[idx].ID] = res.ID
				st.newOf[req.Inputs[idx].ID] = res.New
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
			r.result(c, caseName, []Finding{f}, d)
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

// upsertCases: create fresh values, repeat them, change some properties,
// read everything back.
func (r *suiteRun) upsertCases() {
	createReq := r.gen.Batch(0)
	create := r.upsert(CaseCreate, createReq, r.gen.AppendBatch(nil, 0), http.StatusOK, []CheckName{CheckNewFlags})
	if create == nil {
		for _, c := range []string{CaseRepeat, CaseChange, CaseReadBack} {
			r.skip(CheckNewFlags, c, "the create case did not get a usable answer")
		}
		return
	}
	r.result(CheckNewFlags, CaseCreate, r.newFlags(create, true), 0)

	repeat := r.upsert(CaseRepeat, createReq, r.gen.AppendBatch(nil, 0), http.StatusOK, []CheckName{CheckNewFlags, CheckStableIDs})
	if repeat != nil {
		r.result(CheckNewFlags, CaseRepeat, r.newFlags(repeat, false), 0)
		r.result(CheckStableIDs, CaseRepeat, r.stableIDs(create, repeat), 0)
	}

	changeReq := changedBatch(createReq, r.prefix)
	change := r.upsert(CaseChange, changeReq, nil, http.StatusOK, []CheckName{CheckNewFlags, CheckStableIDs})
	if change != nil {
		r.result(CheckNewFlags, CaseChange, r.newFlags(change, false), 0)
		r.result(CheckStableIDs, CaseChange, r.stableIDs(create, change), 0)
	}
	if r.interrupted(CheckReadAfterWrite, CaseReadBack) {
		return
	}
	r.readBack(create, changeReq)
}

// changedBatch sends, for every input, only a new subject and a different
// priority: the other properties of the create must survive (unsent-kept).
func changedBatch(create hubspot.BatchUpsertRequest, prefix string) hubspot.BatchUpsertRequest {
	priorities := hubspot.EnumValues(hubspot.PropTaskPriority)
	out := hubspot.BatchUpsertRequest{Inputs: make([]hubspot.UpsertInput, len(create.Inputs))}
	for i, in := range create.Inputs {
		p := priorities[(slices.Index(priorities, in.Properties[hubspot.PropTaskPriority])+1+len(priorities))%len(priorities)]
		out.Inputs[i] = hubspot.UpsertInput{
			ID: in.ID, IDProperty: in.IDProperty, ObjectWriteTraceID: in.ObjectWriteTraceID + "-chg",
			Properties: map[string]string{
				hubspot.PropTaskSubject:  fmt.Sprintf("Changed by contract run %s (%d)", prefix, i),
				hubspot.PropTaskPriority: p,
			},
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
	if len(fields) == 0 {
		return nil
	}
	slices.SortFunc(fields, func(a, b FieldFailure) int { return cmpString(a.Message, b.Message) })
	f := later.ex.finding(CheckStableIDs, fmt.Sprintf("%d record(s) changed id on update: %s", len(fields), fields[0].Message),
		"an upsert of an existing unique value updates that record and answers with its id",
		"update the record found by the unique value in place; never create a second one")
	f.Fields = fields
	return []Finding{f}
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

// readBack reads every created record by its unique value and compares:
// changed properties must have the new values (read-after-write), the
// others the values of the create (unsent-kept).
func (r *suiteRun) readBack(create *upsertStep, change hubspot.BatchUpsertRequest) {
	changed := map[string]map[string]string{}
	for _, in := range change.Inputs {
		changed[in.ID] = in.Properties
	}
	var props []string
	read := hubspot.BatchReadRequest{IDProperty: r.s.cfg.IDProperty, PropertiesWithHistory: []string{}}
	for _, in := range create.req.Inputs {
		read.Inputs = append(read.Inputs, hubspot.ObjectID{ID: in.ID})
		for k := range in.Properties {
			if !slices.Contains(props, k) {
				props = append(props, k)
			}
		}
	}
	for _, p := range []string{r.s.cfg.IDProperty, hubspot.PropTaskSubject, hubspot.PropTaskPriority} {
		if !slices.Contains(props, p) {
			props = append(props, p)
		}
	}
	slices.Sort(props)
	read.Properties = props
	objects, ex, ok := r.batchRead(CaseReadBack, read, []CheckName{CheckReadAfterWrite, CheckUnsentKept})
	if !ok {
		return
	}
	var rawFields, keptFields []FieldFailure
	for _, in := range create.req.Inputs {
		obj, found := objects[in.ID]
		if !found {
			rawFields = append(rawFields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q was written but the read did not return it", in.ID)})
			continue
		}
		if id := create.idOf[in.ID]; id != "" && obj.ID != id {
			rawFields = append(rawFields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q reads back as id %s, created as %s", in.ID, obj.ID, id)})
		}
		prefix := "/results/" + in.ID + "/properties/"
		rawFields = append(rawFields, echoDiff(prefix, changed[in.ID], obj.Properties)...)
		kept := map[string]string{}
		for k, v := range in.Properties {
			if _, sentAgain := changed[in.ID][k]; !sentAgain && v != "" {
				kept[k] = v
			}
		}
		keptFields = append(keptFields, echoDiff(prefix, kept, obj.Properties)...)
	}
	r.result(CheckReadAfterWrite, CaseReadBack, fieldsFinding(ex, CheckReadAfterWrite, rawFields,
		"a batch read returns what the last upsert wrote",
		"a batch read right after an upsert returns the written values (HubSpot's batch read is consistent with its writes)",
		"serve reads from the same store the upsert wrote, after the write completed"), 0)
	r.result(CheckUnsentKept, CaseReadBack, fieldsFinding(ex, CheckUnsentKept, keptFields,
		"properties the update did not send lost their values",
		"an upsert is a partial update: properties not sent keep their values",
		"merge the sent properties into the stored record instead of replacing it"), 0)
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

// batchRead sends a batch read and returns the objects by unique value.
func (r *suiteRun) batchRead(caseName string, read hubspot.BatchReadRequest, failChecks []CheckName) (map[string]hubspot.SimplePublicObject, Exchange, bool) {
	body, _ := json.Marshal(read)
	path := r.s.cfg.Version.ReadPath()
	start := time.Now()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	d := time.Since(start)
	if err != nil {
		r.transportFailure(caseName, failChecks, http.MethodPost, path, body, err)
		return nil, ex, false
	}
	r.exchangeResults(caseName, ex, true, d)
	resp, ok := ex.readResponse()
	if !ok || !ex.isBatchAnswer() {
		for _, c := range failChecks {
			r.result(c, caseName, []Finding{ex.finding(c, fmt.Sprintf("batch read answered %d, want 200 with the records", ex.StatusCode),
				"POST .../batch/read with idProperty returns the records by their unique values",
				"serve batch read by idProperty; the suite needs it to see what was stored")}, d)
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

// partialFailureCase sends fresh inputs of which some are invalid, all with
// trace ids: a 207 must name exactly the invalid ones, and the valid ones
// must be written.
func (r *suiteRun) partialFailureCase() {
	if r.interrupted(CheckPartialFailure, CasePartialFailure) {
		return
	}
	gen, err := r.s.generator(r.prefix,
		generators.WithInvalidShare(0.3),
		generators.WithInvalidKinds(generators.InvalidEnum, generators.InvalidTimestamp, generators.InvalidUnknownProperty))
	if err != nil {
		r.result(CheckPartialFailure, CasePartialFailure, []Finding{{Check: CheckPartialFailure, Message: "generator: " + err.Error()}}, 0)
		return
	}
	// Batch 0 is the create case's keys; later batches are fresh. Take the
	// first with both valid and invalid inputs (deterministic in the seed).
	var n uint64
	var plan []generators.InputInfo
	for n = 1; n < 64; n++ {
		plan = gen.Describe(n)
		bad := 0
		for _, in := range plan {
			if in.Invalid != "" {
				bad++
			}
		}
		if bad > 0 && bad < len(plan) {
			break
		}
	}
	req := gen.Batch(n)
	st := r.upsert(CasePartialFailure, req, gen.AppendBatch(nil, n), http.StatusMultiStatus, []CheckName{CheckPartialFailure})
	if st == nil {
		return
	}
	var fields []FieldFailure
	var valid []string
	for _, in := range plan {
		named := st.errTraces[in.TraceID]
		_, written := st.idOf[in.Key]
		switch {
		case in.Invalid != "" && !named:
			fields = append(fields, FieldFailure{Pointer: "/errors", Message: fmt.Sprintf("invalid input %q (%s, trace id %s) is not named by any error", in.Key, in.Invalid, in.TraceID)})
		case in.Invalid != "" && written:
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("invalid input %q (%s) was written", in.Key, in.Invalid)})
		case in.Invalid == "" && named:
			fields = append(fields, FieldFailure{Pointer: "/errors", Message: fmt.Sprintf("valid input %q (trace id %s) is reported as an error", in.Key, in.TraceID)})
		case in.Invalid == "" && !written:
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("valid input %q has no result", in.Key)})
		}
		if in.Invalid == "" {
			valid = append(valid, in.Key)
		}
	}
	// The valid inputs must really be stored, not only answered.
	read := hubspot.BatchReadRequest{IDProperty: r.s.cfg.IDProperty, Properties: []string{r.s.cfg.IDProperty}, PropertiesWithHistory: []string{}}
	for _, k := range valid {
		read.Inputs = append(read.Inputs, hubspot.ObjectID{ID: k})
	}
	objects, _, ok := r.batchRead(CasePartialFailure+"-read", read, []CheckName{CheckPartialFailure})
	if ok {
		for _, k := range valid {
			if _, found := objects[k]; !found {
				fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("valid input %q was answered but a read does not find it", k)})
			}
		}
	}
	r.result(CheckPartialFailure, CasePartialFailure, fieldsFinding(st.ex, CheckPartialFailure, fields,
		"partial failure not handled as documented",
		"with an objectWriteTraceId on every input, invalid inputs come back as 207 errors naming their trace ids (context.objectWriteTraceId) and the valid ones are written",
		"validate inputs one by one; write the valid ones; report each invalid one as an error with context.objectWriteTraceId"), 0)
}
