package contract

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// recordFields is what result-fields looks at in one record.
type recordFields struct {
	pointer  string
	id       string
	archived bool
}

// checkResultFields: every record id is a non-empty string of digits (the
// spec types it as a string; HubSpot's record ids are numbers, the
// hs_object_id), and a record answered by a write or a read of live records
// says archived:false.
func checkResultFields(ex *parsedExchange) []Finding {
	var recs []recordFields
	switch ex.operation() {
	case opUpsert:
		resp, _, ok := ex.upsertResponse()
		if !ok {
			return nil
		}
		for i, r := range resp.Results {
			recs = append(recs, recordFields{"/results/" + strconv.Itoa(i), r.ID, r.Archived})
		}
	case opRead:
		resp, ok := ex.readResponse()
		if !ok {
			return nil
		}
		for i, r := range resp.Results {
			recs = append(recs, recordFields{"/results/" + strconv.Itoa(i), r.ID, r.Archived})
		}
	case opGet:
		obj, ok := ex.getResponse()
		if !ok {
			return nil
		}
		recs = append(recs, recordFields{"", obj.ID, obj.Archived})
	}
	// ?archived=true asks for archived records on purpose.
	wantLive := !strings.Contains(ex.Path, "archived=true")
	var fields []FieldFailure
	for _, r := range recs {
		if !isRecordID(r.id) {
			fields = append(fields, FieldFailure{Pointer: r.pointer + "/id", Message: fmt.Sprintf("record id %q is not a string of digits", r.id)})
		}
		if wantLive && r.archived {
			fields = append(fields, FieldFailure{Pointer: r.pointer + "/archived", Message: fmt.Sprintf("record %s is answered as archived:true by a call on live records", r.id)})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckResultFields, fmt.Sprintf("%d record field problem(s): %s", len(fields), fields[0].Message),
		"a record's id is HubSpot's numeric record id (hs_object_id) as a string, and a record that was just written or read as live says archived:false",
		"answer the record id as a decimal string and archived:false for records that are not in the recycling bin")
	f.SpecPath = "#/components/schemas/SimplePublicUpsertObject/properties/id"
	f.Fields = fields
	return []Finding{f}
}

// isRecordID: non-empty, ASCII digits only.
func isRecordID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// checkTraceIDs: a result answers the input that wrote it with that
// input's objectWriteTraceId. Results are matched to inputs by unique
// value here, so a result that dropped or changed its trace id is still
// found.
func checkTraceIDs(ex *parsedExchange) []Finding {
	req, ok := ex.upsertRequest()
	if !ok {
		return nil
	}
	resp, _, ok := ex.upsertResponse()
	if !ok || ex.StatusCode/100 != 2 {
		return nil
	}
	byValue := map[[2]string]int{}
	var idProps []string
	for i, in := range req.Inputs {
		byValue[[2]string{in.IDProperty, in.ID}] = i
		if in.IDProperty != "" && !slices.Contains(idProps, in.IDProperty) {
			idProps = append(idProps, in.IDProperty)
		}
	}
	var fields []FieldFailure
	for ri, r := range resp.Results {
		idx := -1
		for _, p := range idProps {
			if i, found := byValue[[2]string{p, r.Properties[p]}]; found {
				idx = i
				break
			}
		}
		if idx < 0 {
			continue // accounting reports results that name no input
		}
		want := req.Inputs[idx].ObjectWriteTraceID
		if want == "" || r.ObjectWriteTraceID == want {
			continue
		}
		ptr := "/results/" + strconv.Itoa(ri) + "/objectWriteTraceId"
		if r.ObjectWriteTraceID == "" {
			fields = append(fields, FieldFailure{Pointer: ptr, Message: fmt.Sprintf("the result for %q has no objectWriteTraceId; its input carried %q", req.Inputs[idx].ID, want)})
		} else {
			fields = append(fields, FieldFailure{Pointer: ptr, Message: fmt.Sprintf("the result for %q carries objectWriteTraceId %q; its input carried %q", req.Inputs[idx].ID, r.ObjectWriteTraceID, want)})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	f := ex.finding(CheckTraceIDs, fmt.Sprintf("%d result(s) without their input's trace id: %s", len(fields), fields[0].Message),
		"a result echoes the objectWriteTraceId of the input that wrote it, so clients can tie results to inputs without relying on order",
		"copy each input's objectWriteTraceId into its result")
	f.SpecPath = "#/components/schemas/SimplePublicUpsertObject/properties/objectWriteTraceId"
	f.Fields = fields
	return []Finding{f}
}
