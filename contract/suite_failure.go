package contract

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the all-or-nothing case.
const (
	CaseAllOrNothing     = "all-or-nothing"
	CaseAllOrNothingRead = "all-or-nothing-read"
)

// Batch numbers of the generator's key space the cases use, far enough
// apart that no two cases write the same unique value: batch 0 is the
// upsert cases', 1..63 the partial failure's, 100.. the auth cases', 200..
// all-or-nothing's, 300 the archive case's.
const (
	batchPartialFirst  = 1
	batchAuthFirst     = 100
	batchAtomicFirst   = 200
	batchArchive       = 300
	batchSearchWindow  = 63
	invalidShareOfCase = 0.3
)

// mixedBatch finds the first batch from first on with both valid and
// invalid inputs (deterministic in the seed).
func mixedBatch(gen *generators.Generator, first uint64) (uint64, []generators.InputInfo) {
	n := first
	var plan []generators.InputInfo
	for ; n < first+batchSearchWindow; n++ {
		plan = gen.Describe(n)
		bad := 0
		for _, in := range plan {
			if in.Invalid != generators.InvalidNone {
				bad++
			}
		}
		if bad > 0 && bad < len(plan) {
			break
		}
	}
	return n, plan
}

// invalidGenerator builds a generator whose batches carry some inputs with
// one invalid value, with or without trace ids.
func (r *suiteRun) invalidGenerator(traceIDs bool) (*generators.Generator, error) {
	return r.s.generator(r.prefix,
		generators.WithInvalidShare(invalidShareOfCase), generators.WithTraceIDs(traceIDs),
		generators.WithInvalidKinds(generators.InvalidEnum, generators.InvalidTimestamp, generators.InvalidUnknownProperty))
}

// readKeys reads keys back by unique value.
func (r *suiteRun) readKeys(caseName string, keys []string, failChecks []CheckName) (map[string]hubspot.SimplePublicObject, Exchange, bool) {
	read := hubspot.BatchReadRequest{IDProperty: r.s.cfg.IDProperty, Properties: []string{r.s.cfg.IDProperty}, PropertiesWithHistory: []string{}}
	for _, k := range keys {
		read.Inputs = append(read.Inputs, hubspot.ObjectID{ID: k})
	}
	return r.batchRead(caseName, read, failChecks)
}

// partialFailureCase sends fresh inputs of which some are invalid, all with
// trace ids: a 207 must name exactly the invalid ones, and the valid ones
// must be written (read back).
func (r *suiteRun) partialFailureCase() {
	if r.interrupted(CheckPartialFailure, CasePartialFailure) {
		return
	}
	gen, err := r.invalidGenerator(true)
	if err != nil {
		r.result(CheckPartialFailure, CasePartialFailure, 0, []Finding{{Check: CheckPartialFailure, Message: "generator: " + err.Error()}}, 0)
		return
	}
	n, plan := mixedBatch(gen, batchPartialFirst)
	st := r.upsert(CasePartialFailure, gen.Batch(n), gen.AppendBatch(nil, n), http.StatusMultiStatus, []CheckName{CheckPartialFailure})
	if st == nil {
		r.skip(CheckPartialFailure, CasePartialFailureRead, "the partial failure got no 207 to read back")
		return
	}
	var fields []FieldFailure
	var valid []string
	for _, in := range plan {
		named := st.errTraces[in.TraceID]
		_, written := st.idOf[in.Key]
		switch {
		case in.Invalid != generators.InvalidNone && !named:
			fields = append(fields, FieldFailure{Pointer: "/errors", Message: fmt.Sprintf("invalid input %q (%s, trace id %s) is not named by any error", in.Key, in.Invalid, in.TraceID)})
		case in.Invalid != generators.InvalidNone && written:
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("invalid input %q (%s) was written", in.Key, in.Invalid)})
		case in.Invalid == generators.InvalidNone && named:
			fields = append(fields, FieldFailure{Pointer: "/errors", Message: fmt.Sprintf("valid input %q (trace id %s) is reported as an error", in.Key, in.TraceID)})
		case in.Invalid == generators.InvalidNone && !written:
			fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("valid input %q has no result", in.Key)})
		}
		if in.Invalid == generators.InvalidNone {
			valid = append(valid, in.Key)
		}
	}
	r.result(CheckPartialFailure, CasePartialFailure, st.ex.StatusCode, fieldsFinding(st.ex, CheckPartialFailure, fields,
		"partial failure not answered as documented",
		"with an objectWriteTraceId on every input, invalid inputs come back as 207 errors naming their trace ids (context.objectWriteTraceId) and the valid ones are written",
		"validate inputs one by one; write the valid ones; report each invalid one as an error with context.objectWriteTraceId"), 0)

	// The valid inputs must really be stored, not only answered.
	objects, ex, ok := r.readKeys(CasePartialFailureRead, valid, []CheckName{CheckPartialFailure})
	if !ok {
		return
	}
	var missing []FieldFailure
	for _, k := range valid {
		if _, found := objects[k]; !found {
			missing = append(missing, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("valid input %q was answered as written but a read does not find it", k)})
		}
	}
	r.result(CheckPartialFailure, CasePartialFailureRead, ex.StatusCode, fieldsFinding(ex, CheckPartialFailure, missing,
		"valid inputs of a 207 were not written",
		"the valid inputs of a 207 are written: a batch read right after finds each of them",
		"write the valid inputs of a partly failed batch before answering 207"), 0)
}

// allOrNothingCase sends fresh inputs of which some are invalid, without
// trace ids: the whole batch is refused with 400, and a read proves nothing
// was written.
func (r *suiteRun) allOrNothingCase() {
	if r.interrupted(CheckAllOrNothing, CaseAllOrNothing) {
		return
	}
	gen, err := r.invalidGenerator(false)
	if err != nil {
		r.result(CheckAllOrNothing, CaseAllOrNothing, 0, []Finding{{Check: CheckAllOrNothing, Message: "generator: " + err.Error()}}, 0)
		return
	}
	n, plan := mixedBatch(gen, batchAtomicFirst)
	body := gen.AppendBatch(nil, n)
	path := r.s.cfg.Version.UpsertPath()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	if err != nil {
		r.transportFailure(CaseAllOrNothing, []CheckName{CheckAllOrNothing}, http.MethodPost, path, body, err)
		return
	}
	r.exchangeResults(CaseAllOrNothing, ex, true)
	r.collectWritten(ex)
	const reason = "without objectWriteTraceIds, one invalid input fails the whole batch with 400 VALIDATION_ERROR and nothing of it is written"
	var fs []Finding
	var e hubspot.Error
	switch {
	case ex.StatusCode != http.StatusBadRequest:
		fs = append(fs, ex.finding(CheckAllOrNothing, fmt.Sprintf("a batch with invalid inputs and no trace ids answered %d, want 400", ex.StatusCode), reason,
			"validate the whole batch first; without trace ids refuse it with 400 when any input is invalid"))
	case json.Unmarshal(ex.ResponseBody, &e) == nil && e.Category != hubspot.CategoryValidation:
		fs = append(fs, ex.finding(CheckAllOrNothing, fmt.Sprintf("the 400 has category %q, want %s", e.Category, hubspot.CategoryValidation), reason,
			"answer invalid property values with category "+hubspot.CategoryValidation))
	}
	r.result(CheckAllOrNothing, CaseAllOrNothing, ex.StatusCode, fs, 0)

	keys := make([]string, len(plan))
	for i, in := range plan {
		keys[i] = in.Key
	}
	objects, rex, ok := r.readKeys(CaseAllOrNothingRead, keys, []CheckName{CheckAllOrNothing})
	if !ok {
		return
	}
	var written []FieldFailure
	for _, k := range keys {
		if obj, found := objects[k]; found {
			r.cleanup[obj.ID] = struct{}{}
			written = append(written, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q of the refused batch was written (record %s)", k, obj.ID)})
		}
	}
	r.result(CheckAllOrNothing, CaseAllOrNothingRead, rex.StatusCode, fieldsFinding(rex, CheckAllOrNothing, written,
		"inputs of a refused batch were written",
		reason+": a batch read right after finds none of its unique values",
		"validate every input before writing any; write nothing when the batch is refused"), 0)
}
