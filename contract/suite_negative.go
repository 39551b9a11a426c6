package contract

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Case names of the negative cases; bad batches are "bad/<name>".
const (
	CaseNoToken       = "auth/no-token"
	CaseWrongToken    = "auth/wrong-token"
	CaseReadOnlyToken = "auth/read-only-token"
	CaseCleanup       = "archive"
)

// unsupportedMethods are sent to the upsert path; each must get 405.
var unsupportedMethods = []string{http.MethodGet, http.MethodPut, http.MethodPatch, http.MethodDelete}

// badInputCases sends each of the generators' bad batches. A faithful
// target answers the documented 4xx with the error envelope. Where the
// status is the emulator's own choice (HubSpot's answer is unknown), any
// 4xx passes, so a real HubSpot is not failed on a guess.
func (r *suiteRun) badInputCases() {
	for _, bc := range r.gen.BadCases() {
		caseName := "bad/" + bc.Name
		if r.interrupted(CheckBadInput, caseName) {
			return
		}
		path := r.s.cfg.Version.UpsertPath()
		start := time.Now()
		ex, err := r.send(bc.Method, path, bc.ContentType, bc.Body, credMain)
		d := time.Since(start)
		if err != nil {
			r.transportFailure(caseName, []CheckName{CheckBadInput}, bc.Method, path, bc.Body, err)
			continue
		}
		r.exchangeResults(caseName, ex, false, d)
		r.collectWritten(ex)
		r.result(CheckBadInput, caseName, badInputFindings(ex, bc), d)
	}
}

// collectWritten remembers records a lenient target wrote for a request
// that should have been refused, so the cleanup archives them too.
func (r *suiteRun) collectWritten(ex Exchange) {
	if ex.StatusCode/100 != 2 {
		return
	}
	var resp hubspot.BatchUpsertResponseWithErrors
	if json.Unmarshal(ex.ResponseBody, &resp) == nil {
		for _, res := range resp.Results {
			if res.ID != "" {
				r.cleanup[res.ID] = struct{}{}
			}
		}
	}
}

func badInputFindings(ex Exchange, bc generators.BadCase) []Finding {
	reason := fmt.Sprintf("%s (%s): the contract answers %d %s", bc.Name, bc.Description, bc.Status, bc.Category)
	switch {
	case ex.StatusCode/100 == 2:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q was accepted with %d", bc.Name, ex.StatusCode), reason,
			"validate the whole request before writing anything and refuse it with "+fmt.Sprint(bc.Status))}
	case ex.StatusCode >= 500:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q crashed the target: %d", bc.Name, ex.StatusCode), reason,
			"a client mistake is a 4xx: validate the input instead of failing on it")}
	case ex.StatusCode/100 != 4:
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered %d, not a 4xx", bc.Name, ex.StatusCode), reason,
			"refuse it with "+fmt.Sprint(bc.Status))}
	}
	if bc.Evidence == generators.EvidenceChoice {
		return nil
	}
	if ex.StatusCode != bc.Status {
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered %d, want %d", bc.Name, ex.StatusCode, bc.Status), reason,
			fmt.Sprintf("answer %d %s, as HubSpot does (evidence: %s)", bc.Status, bc.Category, bc.Evidence))}
	}
	var e hubspot.Error
	if bc.Category != "" && json.Unmarshal(ex.ResponseBody, &e) == nil && e.Category != bc.Category {
		return []Finding{ex.finding(CheckBadInput, fmt.Sprintf("bad request %q answered category %q, want %q", bc.Name, e.Category, bc.Category), reason,
			"set category "+bc.Category)}
	}
	return nil
}

// methodCases sends unsupported methods to the upsert path.
func (r *suiteRun) methodCases() {
	path := r.s.cfg.Version.UpsertPath()
	for _, m := range unsupportedMethods {
		caseName := "method/" + m
		if r.interrupted(CheckMethodNotAllowed, caseName) {
			return
		}
		start := time.Now()
		ex, err := r.send(m, path, "", nil, credMain)
		d := time.Since(start)
		if err != nil {
			r.transportFailure(caseName, []CheckName{CheckMethodNotAllowed}, m, path, nil, err)
			continue
		}
		var fs []Finding
		if ex.StatusCode != http.StatusMethodNotAllowed {
			fs = append(fs, ex.finding(CheckMethodNotAllowed, fmt.Sprintf("%s %s answered %d, want 405", m, path, ex.StatusCode),
				"batch upsert is POST only; any other method is answered 405 Method Not Allowed",
				"route only POST to the upsert handler and answer other methods 405 with an Allow: POST header"))
		}
		r.result(CheckMethodNotAllowed, caseName, fs, d)
	}
}

// authCases sends a valid fresh batch without a token, with a wrong one,
// and with the read-only one. The batch uses keys no other case uses, so a
// target that wrongly accepts it only adds records the cleanup archives.
func (r *suiteRun) authCases() {
	cases := []struct {
		name   string
		cred   credential
		want   int
		reason string
		fix    string
	}{
		{CaseNoToken, credNone, http.StatusUnauthorized, "a request without a bearer token is refused with 401 INVALID_AUTHENTICATION",
			"require Authorization: Bearer <token> on every API request"},
		{CaseWrongToken, credWrong, http.StatusUnauthorized, "a request with an unknown token is refused with 401 INVALID_AUTHENTICATION",
			"check the token against the known ones before doing anything else"},
		{CaseReadOnlyToken, credReadOnly, http.StatusForbidden, "a token without the write scope is refused writes with 403 MISSING_SCOPES",
			"check the token's scopes; writes need " + hubspot.WriteScope},
	}
	path := r.s.cfg.Version.UpsertPath()
	for i, c := range cases {
		if c.cred == credReadOnly && r.s.cfg.ReadOnlyToken == "" {
			r.skip(CheckAuth, c.name, "no read-only token given (--read-only-token or UPSERTBENCH_READ_ONLY_TOKEN)")
			continue
		}
		if r.interrupted(CheckAuth, c.name) {
			return
		}
		body := r.gen.AppendBatch(nil, uint64(100+i)) // fresh keys, far from the other cases
		start := time.Now()
		ex, err := r.send(http.MethodPost, path, jsonContentType, body, c.cred)
		d := time.Since(start)
		if err != nil {
			r.transportFailure(c.name, []CheckName{CheckAuth}, http.MethodPost, path, body, err)
			continue
		}
		r.collectWritten(ex)
		var fs []Finding
		if ex.StatusCode != c.want {
			fs = append(fs, ex.finding(CheckAuth, fmt.Sprintf("%s answered %d, want %d", c.name, ex.StatusCode, c.want), c.reason, c.fix))
		}
		r.result(CheckAuth, c.name, fs, d)
		if ex.StatusCode >= 400 {
			r.result(CheckErrorBody, c.name, checkErrorBody(ex), 0)
		}
	}
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
	start := time.Now()
	for lo := 0; lo < len(ids); lo += hubspot.MaxBatchInputs {
		chunk := ids[lo:min(lo+hubspot.MaxBatchInputs, len(ids))]
		req := hubspot.BatchArchiveRequest{}
		for _, id := range chunk {
			req.Inputs = append(req.Inputs, hubspot.ObjectID{ID: id})
		}
		body, _ := json.Marshal(req)
		ex, err := r.send(http.MethodPost, path, jsonContentType, body, credMain)
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
	r.result(CheckCleanup, CaseCleanup, fs, time.Since(start))
}
