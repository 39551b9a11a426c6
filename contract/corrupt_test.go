package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// The proof of the suite: a target that wraps the real emulator and changes
// its answers (or what it does) in one named way. Every deviation breaks
// one promise of the inventory and must make the suite fail in the
// promise's check; every tolerated variation (what HubSpot itself answers)
// must leave it green.

// corruptCall is one exchange passing through the corrupting proxy.
type corruptCall struct {
	req     *http.Request
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
	inner   http.Handler
}

func (c *corruptCall) post(suffix string) bool {
	return c.req.Method == http.MethodPost && strings.HasSuffix(c.req.URL.Path, suffix)
}

func (c *corruptCall) isUpsert() bool  { return c.post("/batch/upsert") }
func (c *corruptCall) isRead() bool    { return c.post("/batch/read") }
func (c *corruptCall) isArchive() bool { return c.post("/batch/archive") }

// isGet: GET tasks/{taskId}.
func (c *corruptCall) isGet() bool {
	return c.req.Method == http.MethodGet && !strings.Contains(c.req.URL.Path, "/batch/")
}

func (c *corruptCall) isBatchAnswer() bool { return c.status == 200 || c.status == 207 }

// isRecordAnswer: an answer carrying records (batch upsert or read, GET).
func (c *corruptCall) isRecordAnswer() bool {
	return ((c.isUpsert() || c.isRead()) && c.isBatchAnswer()) || (c.isGet() && c.status == 200)
}

// withTraceIDs reports whether the upsert request's inputs carry trace ids.
func (c *corruptCall) withTraceIDs() bool {
	return bytes.Contains(c.reqBody, []byte(`"objectWriteTraceId"`))
}

// edit decodes the body as JSON, lets fn change it and encodes it again.
// Bodies that are not JSON objects pass unchanged.
func (c *corruptCall) edit(fn func(m map[string]any)) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.UseNumber()
	if dec.Decode(&m) != nil || m == nil {
		return
	}
	fn(m)
	c.body, _ = json.Marshal(m)
}

// eachRecord applies fn to every record of the answer: the results of a
// batch answer, or the object GET answered.
func (c *corruptCall) eachRecord(fn func(r map[string]any)) {
	c.edit(func(m map[string]any) {
		if c.isGet() {
			fn(m)
			return
		}
		rs, _ := m["results"].([]any)
		for _, r := range rs {
			if o, ok := r.(map[string]any); ok {
				fn(o)
			}
		}
	})
}

func props(r map[string]any) map[string]any {
	p, _ := r["properties"].(map[string]any)
	if p == nil {
		p = map[string]any{}
		r["properties"] = p
	}
	return p
}

func (c *corruptCall) replace(status int, body string) {
	c.status = status
	c.body = []byte(body)
	c.header.Set("Content-Type", "application/json")
}

// call sends a request straight to the emulator behind the proxy, with the
// token of the request being corrupted, and returns the answer.
func (c *corruptCall) call(method, path string, body []byte) (int, []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", c.req.Header.Get("Authorization"))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	c.inner.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// maxProxiedBody: bigger request bodies (the oversized one) pass to the
// emulator unread, as a real proxy would stream them.
const maxProxiedBody = 1 << 20

// corruptingProxy serves h, passing each exchange through corrupt.
// rewriteRequest may change the request before h sees it.
func corruptingProxy(h http.Handler, rewriteRequest func(r *http.Request), corrupt func(c *corruptCall)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.ContentLength <= maxProxiedBody {
			body, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if rewriteRequest != nil {
			rewriteRequest(r)
			if r.ContentLength <= maxProxiedBody {
				body, _ = io.ReadAll(r.Body)
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		c := &corruptCall{req: r, reqBody: body, status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes(), inner: h}
		if corrupt != nil {
			corrupt(c)
		}
		for k, vs := range c.header {
			w.Header()[k] = vs
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(c.status)
		_, _ = w.Write(c.body)
	})
}

// setRequestBody replaces the body of a request the proxy passes on.
func setRequestBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// corruptBatchSize keeps the suite runs of these tests cheap (the OpenAPI
// validation of each answer dominates, more so under -race); four inputs
// still expose ordering, accounting and partial failure.
const corruptBatchSize = 4

// proxyRun is one suite run against the emulator behind a proxy.
type proxyRun struct {
	version hubspot.Version
	probe   bool
	rewrite func(*http.Request)
	corrupt func(*corruptCall)
	spec    func() []byte // another contract document, when set
}

// runAgainst runs the suite against the emulator behind a proxy.
func runAgainst(t *testing.T, pr proxyRun) *Report {
	t.Helper()
	url := serveEmulator(t, corruptingProxy(emulatorForSuite(), pr.rewrite, pr.corrupt))
	cfg := SuiteConfig{BaseURL: url, Token: suiteTestToken, ReadOnlyToken: suiteTestReadOnlyToken,
		ProbeRateLimit: pr.probe, BatchSize: corruptBatchSize, Version: pr.version}
	if pr.spec != nil {
		v, err := NewValidator(WithSpec(pr.spec()))
		require.NoError(t, err)
		cfg.Validator = v
	}
	s, err := NewSuite(cfg)
	require.NoError(t, err)
	return s.Run(context.Background())
}

func failingChecks(rep *Report) []CheckName {
	var out []CheckName
	for _, c := range rep.Checks {
		if c.Status == StatusFail && !slices.Contains(out, c.Check) {
			out = append(out, c.Check)
		}
	}
	return out
}

func isNotAllowed(c *corruptCall) bool {
	return c.status/100 == 4 && c.status != 401 && c.status != 403 && c.status != 404 && c.status != 405 && c.status != 429
}

// onStatus corrupts every answer with the status: message becomes a
// number, which HubSpot's Error schema refuses.
func messageNotString(status int) func(c *corruptCall) {
	return func(c *corruptCall) {
		if c.status == status {
			c.edit(func(m map[string]any) { m["message"] = 42 })
		}
	}
}

// counter counts answers a corruption changed, shared by parallel runs.
type counter struct {
	mu sync.Mutex
	n  int
}

func (k *counter) add() {
	k.mu.Lock()
	k.n++
	k.mu.Unlock()
}

// deviation breaks one promise; its check must catch it.
type deviation struct {
	promise string
	name    string
	probe   bool
	rewrite func(r *http.Request)
	corrupt func(c *corruptCall)
	spec    func() []byte
}

// deviations are the ways a target can break the contract, one or more per
// promise of the inventory.
var deviations = []deviation{
	{promise: "request.schema", name: "the contract requires a field the suite never sends", spec: func() []byte {
		return bytes.Replace(Spec(), []byte("description: One record to create or update, named by a unique property value.\n      required: [id, properties]"),
			[]byte("description: One record to create or update, named by a unique property value.\n      required: [id, properties, sourceSystem]"), 1)
	}},

	{promise: "schema.upsert-200", name: "archived as a string", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 200 {
			c.eachRecord(func(r map[string]any) { r["archived"] = "false" })
		}
	}},
	{promise: "schema.upsert-207", name: "numErrors as a string", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.edit(func(m map[string]any) { m["numErrors"] = "1" })
		}
	}},
	{promise: "schema.read-200", name: "createdAt as a number in read results", corrupt: func(c *corruptCall) {
		if c.isRead() && c.status == 200 {
			c.eachRecord(func(r map[string]any) { r["createdAt"] = 1764331200000 })
		}
	}},
	{promise: "schema.read-207", name: "read error context as a string", corrupt: func(c *corruptCall) {
		if c.isRead() && c.status == 207 {
			c.edit(func(m map[string]any) {
				for _, e := range m["errors"].([]any) {
					e.(map[string]any)["context"] = "not found"
				}
			})
		}
	}},
	{promise: "schema.get-200", name: "GET id as a number", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 200 {
			c.edit(func(m map[string]any) { m["id"], _ = strconv.Atoi(m["id"].(string)) })
		}
	}},
	{promise: "schema.archive-204", name: "archive answers 200 with a body", corrupt: func(c *corruptCall) {
		if c.isArchive() && c.status == 204 {
			c.replace(200, `{"archived":true}`)
		}
	}},
	{promise: "schema.error-400", name: "400 message not a string", corrupt: messageNotString(400)},
	{promise: "schema.error-401", name: "401 message not a string", corrupt: messageNotString(401)},
	{promise: "schema.error-403", name: "403 message not a string", corrupt: messageNotString(403)},
	{promise: "schema.error-404", name: "404 message not a string", corrupt: messageNotString(404)},
	{promise: "schema.error-405", name: "405 message not a string", corrupt: messageNotString(405)},
	{promise: "schema.error-413", name: "413 message not a string", corrupt: messageNotString(413)},
	{promise: "schema.error-415", name: "415 message not a string", corrupt: messageNotString(415)},
	{promise: "schema.error-429", name: "429 message not a string", probe: true, corrupt: messageNotString(429)},
	{promise: "answer.content-type", name: "text/plain", corrupt: func(c *corruptCall) {
		c.header.Set("Content-Type", "text/plain; charset=utf-8")
	}},

	{promise: "status.enum", name: "status not in the enum", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["status"] = "DONE" })
		}
	}},
	{promise: "status.complete-upsert", name: "synchronous upsert answers PENDING", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["status"] = "PENDING" })
		}
	}},
	{promise: "status.complete-read", name: "read answers PROCESSING", corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["status"] = "PROCESSING" })
		}
	}},

	{promise: "time.format", name: "garbage completedAt", corrupt: func(c *corruptCall) {
		if c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["completedAt"] = "yesterday" })
		}
	}},
	{promise: "time.batch-order", name: "requestedAt after startedAt", corrupt: func(c *corruptCall) {
		if (c.isUpsert() || c.isRead()) && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["requestedAt"] = shiftInstant(m["startedAt"], time.Second) })
		}
	}},
	{promise: "time.clock", name: "batch times an hour ahead, in order", corrupt: func(c *corruptCall) {
		if (c.isUpsert() || c.isRead()) && c.isBatchAnswer() {
			c.edit(func(m map[string]any) {
				for _, k := range []string{"requestedAt", "startedAt", "completedAt"} {
					m[k] = shiftInstant(m[k], time.Hour)
				}
			})
		}
	}},
	{promise: "time.created-before-updated", name: "createdAt after updatedAt", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { r["createdAt"] = shiftInstant(r["updatedAt"], time.Hour) })
		}
	}},

	{promise: "result.id-digits", name: "ids that are not numbers", corrupt: func(c *corruptCall) {
		if c.isRecordAnswer() {
			c.eachRecord(func(r map[string]any) { r["id"] = "task-" + r["id"].(string) })
		}
	}},
	{promise: "result.archived-false", name: "live records archived:true", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { r["archived"] = true })
		}
	}},
	{promise: "result.required-fields", name: "result without new", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { delete(r, "new") })
		}
	}},
	{promise: "result.trace-id", name: "results without objectWriteTraceId", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { delete(r, "objectWriteTraceId") })
		}
	}},
	{promise: "result.echo", name: "written property not echoed", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { delete(props(r), hubspot.PropTaskSubject) })
		}
	}},
	{promise: "result.echo", name: "due date echoed a minute off", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) {
				p := props(r)
				if v, ok := p[hubspot.PropTimestamp].(string); ok {
					if t, ok := parseInstant(v); ok {
						p[hubspot.PropTimestamp] = string(hubspot.FormatTimestamp(t.Add(time.Minute)))
					}
				}
			})
		}
	}},
	{promise: "result.new-on-create", name: "creates answered new:false", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { r["new"] = false })
		}
	}},
	{promise: "result.new-false-after", name: "updates answered new:true", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { r["new"] = true })
		}
	}},

	{promise: "accounting.once", name: "a result dropped", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 200 {
			c.edit(func(m map[string]any) {
				if rs := m["results"].([]any); len(rs) > 1 {
					m["results"] = rs[1:]
				}
			})
		}
	}},
	{promise: "accounting.once", name: "a result duplicated", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 200 {
			c.edit(func(m map[string]any) {
				rs := m["results"].([]any)
				m["results"] = append(rs, rs[0])
			})
		}
	}},
	{promise: "accounting.num-errors", name: "numErrors one too many", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.edit(func(m map[string]any) { m["numErrors"] = len(m["errors"].([]any)) + 1 })
		}
	}},
	{promise: "accounting.no-foreign", name: "a result for a trace id nobody sent", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) {
				if rs := m["results"].([]any); len(rs) > 0 {
					rs[0].(map[string]any)["objectWriteTraceId"] = "nobody-sent-this"
				}
			})
		}
	}},

	{promise: "ids.stable-upsert", name: "ids change on update", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) {
				if r["new"] == false {
					r["id"] = r["id"].(string) + "0"
				}
			})
		}
	}},
	{promise: "ids.stable-read", name: "reads answer other ids", corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { r["id"] = r["id"].(string) + "0" })
		}
	}},
	{promise: "updated.moves-forward", name: "updates keep the create's updatedAt", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) {
				if r["new"] == false {
					r["updatedAt"] = r["createdAt"]
				}
			})
		}
	}},
	{promise: "updated.reads-show-it", name: "reads show the create's updatedAt", corrupt: func(c *corruptCall) {
		if (c.isRead() || c.isGet()) && c.isRecordAnswer() {
			c.eachRecord(func(r map[string]any) { r["updatedAt"] = r["createdAt"] })
		}
	}},

	{promise: "read.written", name: "stale batch read", corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { props(r)[hubspot.PropTaskSubject] = "stale" })
		}
	}},
	{promise: "read.cleared", name: "clearing a value does not reach the store", rewrite: func(r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/batch/upsert") {
			return
		}
		var req hubspot.BatchUpsertRequest
		if json.NewDecoder(r.Body).Decode(&req) != nil {
			return
		}
		for _, in := range req.Inputs {
			for k, v := range in.Properties {
				if v == "" {
					delete(in.Properties, k)
				}
			}
		}
		b, _ := json.Marshal(req)
		setRequestBody(r, b)
	}},
	{promise: "read.get-written", name: "stale GET", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 200 {
			c.eachRecord(func(r map[string]any) { props(r)[hubspot.PropTaskSubject] = "stale" })
		}
	}},
	{promise: "read.unsent-kept", name: "unsent properties dropped", corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) {
				p := props(r)
				for k := range p {
					if k != hubspot.DefaultIDProperty && k != hubspot.PropTaskSubject && k != hubspot.PropTaskPriority {
						delete(p, k)
					}
				}
			})
		}
	}},
	{promise: "read.only-requested", name: "batch read adds a property", corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachRecord(func(r map[string]any) { props(r)["hs_pipeline"] = "0" })
		}
	}},
	{promise: "get.only-requested", name: "GET adds a property", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 200 {
			c.eachRecord(func(r map[string]any) { props(r)["hs_pipeline"] = "0" })
		}
	}},
	{promise: "get.the-record", name: "GET answers another record", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 200 {
			c.eachRecord(func(r map[string]any) { r["id"] = r["id"].(string) + "1" })
		}
	}},
	{promise: "get.unknown-404", name: "GET of a missing record answers 400", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 404 {
			c.status = 400
		}
	}},

	{promise: "partial.207", name: "200 instead of 207", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.status = 200
			c.edit(func(m map[string]any) { delete(m, "errors"); delete(m, "numErrors") })
		}
	}},
	{promise: "partial.207", name: "207 names the wrong trace id", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.edit(func(m map[string]any) {
				for _, e := range m["errors"].([]any) {
					e.(map[string]any)["context"].(map[string]any)["objectWriteTraceId"] = []any{"someone-else"}
				}
			})
		}
	}},
	{promise: "partial.valid-written", name: "valid inputs of a 207 answered but not kept", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			var resp hubspot.BatchUpsertResponseWithErrors
			if json.Unmarshal(c.body, &resp) != nil {
				return
			}
			var archive hubspot.BatchArchiveRequest
			for _, r := range resp.Results {
				archive.Inputs = append(archive.Inputs, hubspot.ObjectID{ID: r.ID})
			}
			b, _ := json.Marshal(archive)
			c.call(http.MethodPost, strings.Replace(c.req.URL.Path, "/batch/upsert", "/batch/archive", 1), b)
		}
	}},
	{promise: "atomic.400", name: "422 for invalid values without trace ids", corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 400 && !c.withTraceIDs() && bytes.Contains(c.body, []byte(hubspot.MessageInvalidPropertyValues)) {
			c.status = http.StatusUnprocessableEntity
		}
	}},
	{promise: "atomic.nothing-written", name: "a refused batch writes its valid inputs", corrupt: func(c *corruptCall) {
		if !c.isUpsert() || c.status != 400 || c.withTraceIDs() {
			return
		}
		var req hubspot.BatchUpsertRequest
		if json.Unmarshal(c.reqBody, &req) != nil || len(req.Inputs) < 2 || len(req.Inputs) > 10 {
			return
		}
		for _, in := range req.Inputs { // one by one: the valid ones are written
			b, _ := json.Marshal(hubspot.BatchUpsertRequest{Inputs: []hubspot.UpsertInput{in}})
			c.call(http.MethodPost, c.req.URL.Path, b)
		}
	}},

	{promise: "archive.204", name: "archive answers 202", corrupt: func(c *corruptCall) {
		if c.isArchive() && c.status == 204 {
			c.status = http.StatusAccepted
		}
	}},
	{promise: "archive.read-gone", name: "archive answers 204 but archives nothing", rewrite: func(r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/batch/archive") {
			setRequestBody(r, []byte(`{"inputs":[]}`))
		}
	}},
	{promise: "archive.read-gone", name: "read of archived records answers 200 without errors", corrupt: func(c *corruptCall) {
		if c.isRead() && c.status == 207 {
			c.status = 200
			c.edit(func(m map[string]any) { delete(m, "errors"); delete(m, "numErrors") })
		}
	}},
	{promise: "archive.get-404", name: "GET of an archived record answers 410", corrupt: func(c *corruptCall) {
		if c.isGet() && c.status == 404 {
			c.status = http.StatusGone
		}
	}},
	{promise: "archive.cleanup", name: "archive fails with 500", corrupt: func(c *corruptCall) {
		if c.isArchive() {
			c.replace(500, `{"status":"error","message":"boom","correlationId":"4b7b6c2e-9f1d-4f0e-8a43-2d8c1e5b6a70","category":"INTERNAL_ERROR"}`)
		}
	}},

	{promise: "bad.4xx", name: "5xx on bad input", corrupt: func(c *corruptCall) {
		if isNotAllowed(c) {
			c.status = 500
		}
	}},
	{promise: "bad.4xx", name: "2xx on bad input", corrupt: func(c *corruptCall) {
		if isNotAllowed(c) {
			c.replace(200, `{"status":"COMPLETE","results":[],"startedAt":"2026-11-28T12:00:00.000Z","completedAt":"2026-11-28T12:00:00.001Z"}`)
		}
	}},
	{promise: "bad.documented-status", name: "400 where 415 is documented", corrupt: func(c *corruptCall) {
		if c.status == 415 {
			c.status = 400
		}
	}},
	{promise: "bad.documented-status", name: "another category for invalid values", corrupt: func(c *corruptCall) {
		if c.status == 400 {
			c.edit(func(m map[string]any) {
				if m["category"] == hubspot.CategoryValidation {
					m["category"] = hubspot.CategoryConflict
				}
			})
		}
	}},
	{promise: "error.envelope", name: "status failed", corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) { m["status"] = "failed" })
		}
	}},
	{promise: "error.correlation-id", name: "no correlationId", corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) { delete(m, "correlationId") })
		}
	}},
	{promise: "error.correlation-id", name: "correlationId not a UUID", corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) { m["correlationId"] = "req-42" })
		}
	}},
	{promise: "error.category", name: "a category of its own", corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) {
				if _, ok := m["category"]; ok {
					m["category"] = "SOMETHING_WENT_WRONG"
				}
			})
		}
	}},
	{promise: "method.405", name: "200 on a wrong method", corrupt: func(c *corruptCall) {
		if c.status == 405 {
			c.replace(200, `{}`)
		}
	}},

	{promise: "auth.no-token", name: "missing token accepted", rewrite: func(r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{promise: "auth.no-token", name: "403 instead of 401", corrupt: func(c *corruptCall) {
		if c.status == 401 {
			c.status = 403
		}
	}},
	{promise: "auth.wrong-token", name: "wrong token accepted", rewrite: func(r *http.Request) {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ub-wrong-") {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{promise: "auth.read-only-403", name: "read-only token may write", rewrite: func(r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+suiteTestReadOnlyToken {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{promise: "auth.scopes-body", name: "403 without the scopes it needs", corrupt: func(c *corruptCall) {
		if c.status == 403 {
			c.edit(func(m map[string]any) { delete(m, "errors"); delete(m, "context") })
		}
	}},

	{promise: "ratelimit.on-every-answer", name: "headers only on success", corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			for _, h := range hubspot.RateLimitHeaders {
				c.header.Del(h)
			}
		}
	}},
	{promise: "ratelimit.max-constant", name: "Max changes", corrupt: func() func(c *corruptCall) {
		var mu sync.Mutex
		n := 0
		return func(c *corruptCall) {
			if c.header.Get(hubspot.HeaderRateLimitMax) != "" {
				mu.Lock()
				n++
				c.header.Set(hubspot.HeaderRateLimitMax, strconv.Itoa(190+n%3))
				mu.Unlock()
			}
		}
	}()},
	{promise: "ratelimit.remaining-bounded", name: "Remaining above Max", corrupt: func(c *corruptCall) {
		if m, err := strconv.Atoi(c.header.Get(hubspot.HeaderRateLimitMax)); err == nil {
			rem, _ := strconv.Atoi(c.header.Get(hubspot.HeaderRateLimitRemaining))
			c.header.Set(hubspot.HeaderRateLimitRemaining, strconv.Itoa(rem+m))
		}
	}},
	{promise: "ratelimit.remaining-falls", name: "Remaining does not go down", corrupt: func(c *corruptCall) {
		if c.header.Get(hubspot.HeaderRateLimitRemaining) != "" {
			c.header.Set(hubspot.HeaderRateLimitRemaining, "150")
		}
	}},
	{promise: "ratelimit.interval", name: "a one-second interval", corrupt: func(c *corruptCall) {
		if c.header.Get(hubspot.HeaderRateLimitIntervalMillis) != "" {
			c.header.Set(hubspot.HeaderRateLimitIntervalMillis, "1000")
		}
	}},
	{promise: "ratelimit.429", name: "never 429", probe: true, corrupt: func(c *corruptCall) {
		if c.status == 429 {
			c.replace(200, `{"status":"COMPLETE","results":[],"startedAt":"2026-11-28T12:00:00.000Z","completedAt":"2026-11-28T12:00:00.001Z"}`)
		}
	}},
	{promise: "ratelimit.429-body", name: "429 without policyName", probe: true, corrupt: func(c *corruptCall) {
		if c.status == 429 {
			c.edit(func(m map[string]any) { delete(m, "policyName") })
		}
	}},
}

// shiftInstant moves an RFC 3339 instant held in a decoded body by d.
func shiftInstant(v any, d time.Duration) any {
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return v
	}
	return string(hubspot.FormatTimestamp(t.Add(d)))
}

// deviationRun is one deviation against one API version.
type deviationRun struct {
	deviation
	version hubspot.Version
}

// deviationRuns spreads the deviations over both API versions (alternate
// ones), and adds a run on the other version for any check whose
// deviations all fell on one, so that every check is proven on both.
func deviationRuns() []deviationRun {
	versions := []hubspot.Version{hubspot.VersionV3, hubspot.Version202603}
	var runs []deviationRun
	onVersion := map[CheckName]map[hubspot.Version]bool{}
	for i, d := range deviations {
		v := versions[i%2]
		runs = append(runs, deviationRun{d, v})
		p, _ := PromiseByID(d.promise)
		if onVersion[p.Check] == nil {
			onVersion[p.Check] = map[hubspot.Version]bool{}
		}
		onVersion[p.Check][v] = true
	}
	for _, d := range deviations {
		p, _ := PromiseByID(d.promise)
		for _, v := range versions {
			if !onVersion[p.Check][v] {
				runs = append(runs, deviationRun{d, v})
				onVersion[p.Check][v] = true
			}
		}
	}
	return runs
}

func TestSuiteCatchesEveryDeviation(t *testing.T) {
	runs := deviationRuns()
	var mu sync.Mutex
	caught := map[string][]CheckName{}
	proven := map[CheckName]map[hubspot.Version]bool{}
	t.Run("deviations", func(t *testing.T) {
		for _, d := range runs {
			p, ok := PromiseByID(d.promise)
			require.True(t, ok, "deviation %q names promise %q, which is not in the inventory", d.name, d.promise)
			t.Run(d.promise+"/"+d.name+"/"+string(d.version), func(t *testing.T) {
				t.Parallel()
				rep := runAgainst(t, proxyRun{version: d.version, probe: d.probe, rewrite: d.rewrite, corrupt: d.corrupt, spec: d.spec})
				got := failingChecks(rep)
				assert.False(t, rep.Passed(), "the suite passed a target with deviation %q", d.name)
				if assert.Contains(t, got, p.Check, "deviation %q breaks %s and should be caught by %s; failing checks: %v", d.name, d.promise, p.Check, got) {
					mu.Lock()
					if proven[p.Check] == nil {
						proven[p.Check] = map[hubspot.Version]bool{}
					}
					proven[p.Check][d.version] = true
					mu.Unlock()
				}
				var broken []string
				for _, pr := range rep.Promises() {
					if pr.Status == StatusFail {
						broken = append(broken, pr.ID)
					}
				}
				assert.Contains(t, broken, d.promise, "the report does not show promise %s as broken", d.promise)
				mu.Lock()
				caught[d.promise+"/"+d.name+"/"+string(d.version)] = got
				mu.Unlock()
			})
		}
	})
	if len(caught) < len(runs) {
		t.Logf("%d of %d deviation runs selected (-run): not checking that every check is proven on both versions", len(caught), len(runs))
		return
	}
	for _, c := range AllChecks() {
		for _, v := range []hubspot.Version{hubspot.VersionV3, hubspot.Version202603} {
			assert.True(t, proven[c][v], "no deviation proves check %s on API %s", c, v)
		}
	}
	names := make([]string, 0, len(caught))
	for n := range caught {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString("  " + n + " → " + joinChecks(caught[n]) + "\n")
	}
	t.Logf("%d promises, %d checks, %d deviations in %d runs, all caught:\n%s", len(promises), len(AllChecks()), len(deviations), len(runs), b.String())
}

func joinChecks(cs []CheckName) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// tolerance is a way HubSpot itself answers that may differ from the
// emulator's bytes: the suite must pass it. fact is the excerpt of
// hubspot-facts.md that says HubSpot answers so ("" for variations any
// JSON client must accept: key order, whitespace, unknown fields). corrupt
// counts the answers that show the variation once it has run, whether it
// rewrote them or the emulator already answers that way, so a variation
// that never shows proves nothing and fails the test.
type tolerance struct {
	name    string
	fact    string
	probe   bool
	corrupt func(c *corruptCall, applied *counter)
}

// tolerances are HubSpot's own variations, each applied by a transforming
// proxy to the emulator's answers.
var tolerances = []tolerance{
	{name: "default properties on create", fact: "A created task's answer carries default and calculated properties that were not written",
		corrupt: func(c *corruptCall, k *counter) { hubspotDefaults(c, k) }},
	{name: "datetimes written as epoch ms answered in ISO 8601", fact: "Datetime properties such as `hs_timestamp` come back as ISO 8601 instants even when written as epoch milliseconds",
		corrupt: func(c *corruptCall, k *counter) { isoDatetimes(c, k) }},
	{name: "instants without a fraction at zero milliseconds", fact: "no fraction when they are zero",
		corrupt: func(c *corruptCall, k *counter) { c.body = javaInstants(c.body, k) }},
	{name: "cleared properties omitted on read", fact: "reads omit it (or give `null` when it is requested explicitly)",
		corrupt: func(c *corruptCall, k *counter) { clearedOnRead(c, k, false) }},
	{name: "cleared properties null on read", fact: "reads omit it (or give `null` when it is requested explicitly)",
		corrupt: func(c *corruptCall, k *counter) { clearedOnRead(c, k, true) }},
	{name: "extra fields in error entries", fact: "carry `portalId` (confirmed)",
		corrupt: func(c *corruptCall, k *counter) { extraErrorFields(c, k) }},
	{name: "results in any order", fact: "Results are **not** returned in input order",
		corrupt: func(c *corruptCall, k *counter) { reverseResults(c, k) }},
	{name: "a system write right after each create", fact: "HubSpot writes calculated properties itself right after the create",
		corrupt: func(c *corruptCall, k *counter) { systemWrite(c, k) }},
	{name: "correlation ids as UUID v7", fact: "version 7 in recent answers",
		corrupt: func(c *corruptCall, k *counter) { uuidV7(c, k) }},
	{name: "429 bodies with groupName and requestId", fact: "Real 429 bodies may also carry `groupName`, and daily ones `requestId`", probe: true,
		corrupt: func(c *corruptCall, k *counter) {
			if c.status == 429 {
				c.edit(func(m map[string]any) { m["groupName"] = "api-calls-tasks"; m["requestId"] = "3f0a"; k.add() })
			}
		}},
	{name: "HubSpot-like: all of the above at once", probe: true, fact: "Answers normalise what was written",
		corrupt: func(c *corruptCall, k *counter) {
			hubspotDefaults(c, k)
			isoDatetimes(c, k)
			clearedOnRead(c, k, true)
			extraErrorFields(c, k)
			reverseResults(c, k)
			systemWrite(c, k)
			uuidV7(c, k)
			c.body = javaInstants(c.body, k)
		}},
	// What any JSON client must accept.
	{name: "unknown extra fields", corrupt: func(c *corruptCall, k *counter) {
		c.edit(func(m map[string]any) {
			m["x-upsertbench-extra"] = map[string]any{"note": "clients must ignore this"}
			if rs, ok := m["results"].([]any); ok {
				for _, r := range rs {
					r.(map[string]any)["x-shard"] = 7
				}
			}
			k.add()
		})
	}},
	{name: "different key order", corrupt: func(c *corruptCall, k *counter) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(c.body))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			var b bytes.Buffer
			writeKeysReversed(&b, v)
			c.body = b.Bytes()
			k.add()
		}
	}},
	{name: "extra headers and a charset", corrupt: func(c *corruptCall, k *counter) {
		c.header.Set("X-Request-Id", "abc")
		c.header.Set("Cache-Control", "no-store")
		if strings.HasPrefix(c.header.Get("Content-Type"), "application/json") {
			c.header.Set("Content-Type", "application/json; charset=UTF-8")
			k.add()
		}
	}},
	{name: "no requestedAt", corrupt: func(c *corruptCall, k *counter) {
		if c.isBatchAnswer() {
			c.edit(func(m map[string]any) { delete(m, "requestedAt"); k.add() })
		}
	}},
	{name: "pretty-printed JSON", corrupt: func(c *corruptCall, k *counter) {
		var b bytes.Buffer
		if json.Indent(&b, c.body, "", "    ") == nil {
			c.body = b.Bytes()
			k.add()
		}
	}},
}

// hubspotDefaults adds the defaults HubSpot writes on create to created
// results, and to reads that ask for a defaulted property the record lacks.
func hubspotDefaults(c *corruptCall, k *counter) {
	defaults := map[string]string{
		hubspot.PropTaskStatus: string(hubspot.TaskStatusNotStarted), "hs_task_is_completed": "false", "hs_body_preview": "",
		"hs_object_source": "INTEGRATION", "hs_object_source_id": "1234567", "hs_object_source_label": "INTEGRATION",
		"hs_pipeline": "0", "hs_pipeline_stage": "1",
	}
	switch {
	case c.isUpsert() && c.isBatchAnswer():
		c.eachRecord(func(r map[string]any) {
			if r["new"] != true {
				return
			}
			p := props(r)
			for name, v := range defaults {
				if _, ok := p[name]; !ok {
					p[name] = v
				}
			}
			k.add()
		})
	case (c.isRead() || c.isGet()) && c.isRecordAnswer():
		requested := requestedProperties(c)
		c.eachRecord(func(r map[string]any) {
			p := props(r)
			if _, ok := p[hubspot.PropTaskStatus]; !ok && slices.Contains(requested, hubspot.PropTaskStatus) {
				p[hubspot.PropTaskStatus] = string(hubspot.TaskStatusNotStarted)
			}
		})
	}
}

// requestedProperties are the properties a read or GET asked for.
func requestedProperties(c *corruptCall) []string {
	if c.isGet() {
		var out []string
		for _, v := range c.req.URL.Query()["properties"] {
			out = append(out, strings.Split(v, ",")...)
		}
		return out
	}
	var req hubspot.BatchReadRequest
	_ = json.Unmarshal(c.reqBody, &req)
	return req.Properties
}

// javaInstant prints t as Java's Instant does: milliseconds when they are
// not zero, no fraction when they are.
func javaInstant(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format(hubspot.TimeLayout)
}

// isoDatetimes answers datetime properties written as epoch ms in ISO 8601.
func isoDatetimes(c *corruptCall, k *counter) {
	if !c.isRecordAnswer() {
		return
	}
	c.eachRecord(func(r map[string]any) {
		p := props(r)
		for _, name := range []string{hubspot.PropTimestamp, hubspot.PropTaskReminders} {
			v, ok := p[name].(string)
			if !ok {
				continue
			}
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				p[name] = javaInstant(time.UnixMilli(ms))
			}
			k.add()
		}
	})
}

// javaInstants drops the fraction of every instant in the body whose
// milliseconds are zero, and counts the instants without a fraction.
func javaInstants(body []byte, k *counter) []byte {
	out := zeroFraction.ReplaceAll(body, []byte(`${1}Z"`))
	for range noFraction.FindAll(out, -1) {
		k.add()
	}
	return out
}

var (
	zeroFraction = regexp.MustCompile(`("\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.000Z"`)
	noFraction   = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)
)

// clearedOnRead answers a property without a value as HubSpot reads do:
// omitted, or null when it was asked for; it counts the requested
// properties that came back so.
func clearedOnRead(c *corruptCall, k *counter, asNull bool) {
	if !(c.isRead() || c.isGet()) || !c.isRecordAnswer() {
		return
	}
	requested := requestedProperties(c)
	c.eachRecord(func(r map[string]any) {
		p := props(r)
		for name, v := range p {
			if v == "" {
				delete(p, name)
			}
		}
		for _, name := range requested {
			if _, ok := p[name]; ok && p[name] != nil {
				continue
			}
			if asNull {
				p[name] = nil
			}
			k.add()
		}
	})
}

// extraErrorFields adds portalId and subCategory to error entries: 207
// errors and the details of an error envelope.
func extraErrorFields(c *corruptCall, k *counter) {
	if c.status < 200 || c.status == 204 {
		return
	}
	c.edit(func(m map[string]any) {
		entries, _ := m["errors"].([]any)
		for _, e := range entries {
			o, ok := e.(map[string]any)
			if !ok {
				continue
			}
			o["portalId"] = 4471234
			if c.isBatchAnswer() {
				o["subCategory"] = map[string]any{"name": "BatchUpsertError"}
			} else {
				o["subCategory"] = "CrmObjectErrors.INVALID_VALUE"
			}
			k.add()
		}
		if c.status >= 400 {
			m["subCategory"] = "standard"
		}
	})
}

// reverseResults reverses the results of every batch answer.
func reverseResults(c *corruptCall, k *counter) {
	if !c.isBatchAnswer() {
		return
	}
	c.edit(func(m map[string]any) {
		if rs, ok := m["results"].([]any); ok && len(rs) > 1 {
			slices.Reverse(rs)
			k.add()
		}
	})
}

// systemWrite shows reads the calculated-property write HubSpot makes half
// a second after a create: updatedAt at least createdAt + 500 ms.
func systemWrite(c *corruptCall, k *counter) {
	if !(c.isRead() || c.isGet()) || !c.isRecordAnswer() {
		return
	}
	c.eachRecord(func(r map[string]any) {
		created, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(r["createdAt"]))
		updated, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(r["updatedAt"]))
		if err1 != nil || err2 != nil {
			return
		}
		if sys := created.Add(500 * time.Millisecond); sys.After(updated) {
			r["updatedAt"] = string(hubspot.FormatTimestamp(sys))
			props(r)[hubspot.PropLastModifiedDate] = string(hubspot.FormatTimestamp(sys))
			k.add()
		}
	})
}

// uuidV7 rewrites correlation ids into version 7 UUIDs.
func uuidV7(c *corruptCall, k *counter) {
	if c.status < 400 {
		return
	}
	c.edit(func(m map[string]any) {
		if id, ok := m["correlationId"].(string); ok && len(id) == 36 {
			m["correlationId"] = "019" + id[3:14] + "7" + id[15:]
			k.add()
		}
	})
}

func TestSuiteToleratesHubSpotVariations(t *testing.T) {
	for i, tv := range tolerances {
		version := []hubspot.Version{hubspot.VersionV3, hubspot.Version202603}[i%2]
		t.Run(tv.name+"/"+string(version), func(t *testing.T) {
			t.Parallel()
			var applied counter
			rep := runAgainst(t, proxyRun{version: version, probe: tv.probe, corrupt: func(c *corruptCall) { tv.corrupt(c, &applied) }})
			for _, c := range rep.Checks {
				if c.Status == StatusFail {
					t.Errorf("%s / %s failed:\n%s", c.Check, c.Case, c.FailureMessage())
				}
			}
			assert.Positive(t, applied.n, "the variation never applied: the test proves nothing")
		})
	}
}

// writeKeysReversed encodes v with every object's keys in reverse order.
func writeKeysReversed(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			b.Write(kb)
			b.WriteByte(':')
			writeKeysReversed(b, x[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKeysReversed(b, e)
		}
		b.WriteByte(']')
	default:
		eb, _ := json.Marshal(x)
		b.Write(eb)
	}
}
