package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the archive case and of the cleanup.
const (
	CaseArchiveCreate = "archive/create"
	CaseArchiveBatch  = "archive/batch"
	CaseArchiveRead   = "archive/read"
	CaseArchiveGet    = "archive/get"
	CaseCleanup       = "cleanup"
)

// archiveRefused are answers that say the target does not let this token
// archive, rather than that it archives wrongly: the archive promises are
// then skipped with the reason, and the cleanup fails on its own.
var archiveRefused = []int{http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented}

// archiveCase writes fresh records, archives them by id and checks the
// side effects, not only the status: a batch read by unique value answers
// 207 OBJECT_NOT_FOUND with no result for them, and GET answers 404.
func (r *suiteRun) archiveCase() {
	later := []string{CaseArchiveBatch, CaseArchiveRead, CaseArchiveGet}
	if r.interrupted(CheckArchive, CaseArchiveBatch) {
		return
	}
	req := r.gen.Batch(batchArchive)
	st := r.upsert(CaseArchiveCreate, req, r.gen.AppendBatch(nil, batchArchive), http.StatusOK, nil)
	if st == nil || len(st.idOf) == 0 {
		for _, c := range later {
			r.skip(CheckArchive, c, "the records to archive could not be created")
		}
		return
	}
	keys := make([]string, 0, len(st.idOf))
	for k := range st.idOf {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	archive := hubspot.BatchArchiveRequest{}
	for _, k := range keys {
		archive.Inputs = append(archive.Inputs, hubspot.ObjectID{ID: st.idOf[k]})
	}
	body, _ := json.Marshal(archive)
	path := r.s.cfg.Version.ArchivePath()
	ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
	if err != nil {
		r.transportFailure(CaseArchiveBatch, []CheckName{CheckArchive}, http.MethodPost, path, body, err)
		return
	}
	r.exchangeResults(CaseArchiveBatch, ex, true)
	if slices.Contains(archiveRefused, ex.StatusCode) {
		why := fmt.Sprintf("archive refused: batch archive answered %d (%s); the records could not be archived to check what follows", ex.StatusCode, errorCategory(ex))
		for _, c := range later {
			r.skip(CheckArchive, c, why)
		}
		return
	}
	var fs []Finding
	if ex.StatusCode != http.StatusNoContent {
		fs = append(fs, ex.finding(CheckArchive, fmt.Sprintf("batch archive of %d records answered %d, want 204", len(keys), ex.StatusCode),
			"POST .../batch/archive answers 204 No Content once the records are archived",
			"archive the records and answer 204 without a body"))
	} else {
		for _, k := range keys {
			delete(r.cleanup, st.idOf[k])
		}
		r.report.CleanedUp += len(keys)
	}
	r.result(CheckArchive, CaseArchiveBatch, ex.StatusCode, fs, ex.ReceivedAt.Sub(ex.SentAt))

	// The records are gone for batch read: 207, OBJECT_NOT_FOUND, no result.
	objects, rex, ok := r.readKeys(CaseArchiveRead, keys, []CheckName{CheckArchive})
	if ok {
		var fields []FieldFailure
		for _, k := range keys {
			if obj, found := objects[k]; found {
				fields = append(fields, FieldFailure{Pointer: "/results", Message: fmt.Sprintf("%q (record %s) was archived but a batch read still returns it", k, obj.ID)})
			}
		}
		if rex.StatusCode != http.StatusMultiStatus {
			fields = append(fields, FieldFailure{Pointer: "", Message: fmt.Sprintf("a batch read of archived records answered %d, want 207", rex.StatusCode)})
		} else if !hasNotFoundError(rex) {
			fields = append(fields, FieldFailure{Pointer: "/errors", Message: "no error entry with category " + hubspot.CategoryObjectNotFound})
		}
		r.result(CheckArchive, CaseArchiveRead, rex.StatusCode, fieldsFinding(rex, CheckArchive, fields,
			"archived records are still there for batch read",
			"an archived record is gone: a batch read of it answers 207 with an OBJECT_NOT_FOUND error and no result",
			"remove archived records from what batch read serves; answer the missing ones as OBJECT_NOT_FOUND errors"), 0)
	}

	// And for GET: 404.
	gpath := r.s.cfg.Version.ObjectPath(st.idOf[keys[0]])
	gex, err := r.send(http.MethodGet, gpath, "", nil, credMain)
	if err != nil {
		r.transportFailure(CaseArchiveGet, []CheckName{CheckArchive}, http.MethodGet, gpath, nil, err)
		return
	}
	r.exchangeResults(CaseArchiveGet, gex, false)
	var gfs []Finding
	if gex.StatusCode != http.StatusNotFound {
		gfs = append(gfs, gex.finding(CheckArchive, fmt.Sprintf("GET of archived record %s answered %d, want 404", st.idOf[keys[0]], gex.StatusCode),
			"an archived record is gone: GET tasks/{taskId} answers 404 (unless ?archived=true asks for archived ones)",
			"answer GET of an archived record 404 OBJECT_NOT_FOUND"))
	}
	r.result(CheckArchive, CaseArchiveGet, gex.StatusCode, gfs, 0)
}

// hasNotFoundError reports whether a batch answer carries an
// OBJECT_NOT_FOUND error entry.
func hasNotFoundError(ex Exchange) bool {
	resp, ok := ex.readResponse()
	if !ok {
		return false
	}
	for _, e := range resp.Errors {
		if e.Category == hubspot.CategoryObjectNotFound {
			return true
		}
	}
	return false
}

// errorCategory names the category of an error answer, for messages.
func errorCategory(ex Exchange) string {
	var e hubspot.Error
	if json.Unmarshal(ex.ResponseBody, &e) != nil || e.Category == "" {
		return "no category"
	}
	return e.Category
}

// cleanupCase archives every record the run created, in batches of 100.
// It runs on a context of its own so an interrupted run still cleans up.
func (r *suiteRun) cleanupCase() {
	if len(r.cleanup) == 0 {
		r.skip(CheckCleanup, CaseCleanup, "the run created no records")
		return
	}
	ids := make([]string, 0, len(r.cleanup))
	for id := range r.cleanup {
		ids = append(ids, id)
	}
	sortStrings(ids)
	saved := r.ctx
	ctx, cancel := contextForCleanup(saved)
	defer cancel()
	r.ctx = ctx
	defer func() { r.ctx = saved }()

	path := r.s.cfg.Version.ArchivePath()
	var fs []Finding
	last := 0
	start := time.Now()
	for lo := 0; lo < len(ids); lo += hubspot.MaxBatchInputs {
		chunk := ids[lo:min(lo+hubspot.MaxBatchInputs, len(ids))]
		req := hubspot.BatchArchiveRequest{}
		for _, id := range chunk {
			req.Inputs = append(req.Inputs, hubspot.ObjectID{ID: id})
		}
		body, _ := json.Marshal(req)
		ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
		last = ex.StatusCode
		if err != nil {
			fs = append(fs, Finding{Check: CheckCleanup, Message: "archive failed: " + err.Error(), Method: http.MethodPost, Path: path, Sent: trimBody(body),
				HowToFix: "archive the records whose unique value starts with " + r.prefix + " by hand"})
			continue
		}
		if ex.StatusCode/100 != 2 {
			fs = append(fs, ex.finding(CheckCleanup, fmt.Sprintf("archive of %d records answered %d", len(chunk), ex.StatusCode),
				"POST .../batch/archive answers 204 once the records are archived",
				"archive the records whose unique value starts with "+r.prefix+" by hand"))
			continue
		}
		r.report.CleanedUp += len(chunk)
	}
	r.result(CheckCleanup, CaseCleanup, last, fs, time.Since(start))
}
