package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/readbody"
)

// Emulator is HubSpot's tasks batch API in a box. It implements
// http.Handler and is safe for concurrent use.
type Emulator struct {
	cfg      config
	apps     apps
	schema   *schema
	store    *store
	limiter  *limiter
	metrics  *metrics
	counters counters
	seq      atomic.Uint64
	closed   chan struct{}
	close    sync.Once
	pool     sync.Pool // *requestState
	// urlPrefix is `,"url":"https://app.hubspot.com/contacts/<portal>/record/0-27/`.
	urlPrefix string
	// portalJSON is the portal id as error items carry it (a number).
	portalJSON json.RawMessage
	// createDefaults are what a create without a status stores.
	createDefaults []packedProp
	// oneByOne makes write apply an upsert's inputs with one store.upsert
	// each instead of one store.upsertBatch: the reference path the
	// differential test compares the batch with.
	oneByOne bool
}

var _ http.Handler = (*Emulator)(nil)

// New returns an emulator configured by opts.
func New(opts ...Option) *Emulator {
	c := config{seed: DefaultSeed, tier: DefaultTier, portalID: DefaultPortalID, latency: Latency{Kind: LatencyNone}}
	for _, o := range opts {
		o(&c)
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	c.latency.prepare()
	e := &Emulator{
		cfg:     c,
		apps:    newApps(c.apps),
		schema:  newSchema(c.unique),
		metrics: newMetrics(),
		closed:  make(chan struct{}),
	}
	e.limiter = newLimiter(hubspot.TierLimits(c.tier), c.timeZone, e.apps.count())
	e.store = newStore(len(e.schema.unique))
	e.store.setTiming(e.nowMS, c.systemDelay, c.searchLag)
	prefix := hubspot.AppendJSONString([]byte(`,"url":`), hubspot.ObjectURL(c.portalID, ""))
	e.urlPrefix = string(prefix[:len(prefix)-1])
	e.portalJSON = portalJSON(c.portalID)
	e.createDefaults = e.schema.defaultsOnCreate()
	e.pool.New = func() any { return &requestState{} }
	e.counters.reset(e.nowMS())
	return e
}

func (e *Emulator) nowMS() int64 { return e.cfg.clock().UnixMilli() }

// Reset clears the store, the rate-limit budgets and the counters. Record
// ids keep counting up.
func (e *Emulator) Reset() {
	e.store.clear()
	e.limiter.reset()
	e.counters.reset(e.nowMS())
}

// Stats returns the counters.
func (e *Emulator) Stats() Stats {
	c := &e.counters
	return Stats{
		Records: e.store.records.Load(), Requests: c.requests.Load(), Upserts: c.upserts.Load(),
		Inputs: c.inputs.Load(), Created: c.created.Load(), Updated: c.updated.Load(),
		Archived: c.archived.Load(), InputErrors: c.inputErrors.Load(), ClientErrs: c.clientErrs.Load(),
		RateLimited: c.rateLimited.Load(), Faults: c.faults.Load(),
		StartedAt: string(hubspot.AppendTimestamp(nil, c.startedAtMS.Load())),
	}
}

// Close releases requests held by latency, slow or hang faults, so a
// server can shut down promptly. The emulator keeps answering afterwards,
// without delays.
func (e *Emulator) Close() { e.close.Do(func() { close(e.closed) }) }

// Routes.
const (
	routeUpsert  = "upsert"
	routeRead    = "read"
	routeArchive = "archive"
	routeGet     = "get"
	routeSearch  = "search"
	routeOther   = "other"
)

// isWrite reports whether a route writes (and so needs the write scope).
func isWrite(name string) bool { return name == routeUpsert || name == routeArchive }

// Ops endpoints: no token needed.
const (
	PathMetrics = "/metrics"
	PathReset   = "/__emulator/reset"
	PathStats   = "/__emulator/stats"
)

// route maps a path to a route name, the method it allows, and for the
// single-object route the task id.
func route(path string) (name, allow, taskID string) {
	for _, v := range hubspot.Versions {
		prefix := v.TasksPath() + "/"
		if !strings.HasPrefix(path, prefix) {
			continue
		}
		rest := path[len(prefix):]
		switch rest {
		case "batch/upsert":
			return routeUpsert, http.MethodPost, ""
		case "batch/read":
			return routeRead, http.MethodPost, ""
		case "batch/archive":
			return routeArchive, http.MethodPost, ""
		case "search":
			return routeSearch, http.MethodPost, ""
		}
		if rest != "" && !strings.Contains(rest, "/") {
			return routeGet, http.MethodGet, rest
		}
	}
	return "", "", ""
}

// ServeHTTP answers one request. Checks run in HubSpot's order as far as it
// is observable: route, method, authentication, rate limit, scopes, then
// the request itself.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case PathMetrics, PathReset, PathStats:
		e.serveOps(w, r)
		return
	}
	st := e.pool.Get().(*requestState)
	defer e.release(st)
	st.begin(e)
	name, allow, taskID := route(r.URL.Path)
	st.route = name
	a := e.serve(w, r, st, name, allow, taskID)
	e.finish(w, r, st, a)
}

// maxPooledBytes bounds the buffers a pooled requestState keeps, so one
// 10 MiB request does not pin 10 MiB (times three) for the process's life.
const maxPooledBytes = 1 << 20

func (e *Emulator) release(st *requestState) {
	if cap(st.body) > maxPooledBytes || cap(st.sc.arena) > maxPooledBytes || cap(st.out) > maxPooledBytes || cap(st.snapBuf) > maxPooledBytes ||
		cap(st.packed) > maxPooledBytes/64 || cap(st.inputs) > maxPooledBytes/128 || cap(st.sc.stops) > maxPooledBytes/64 {
		return // let the garbage collector have it; slices inside point into the big buffers
	}
	e.pool.Put(st)
}

// answer is a response waiting to be written after the modelled latency.
type answer struct {
	status int
	body   []byte // nil for 204
	inputs int
	noWait bool // answered before the request was admitted (no latency)
	drop   bool // the connection was reset or the client went away
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request, st *requestState, name, allow, taskID string) answer {
	a := e.serveAPI(w, r, st, name, allow, taskID)
	switch a.status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusUnauthorized, http.StatusForbidden:
		if name != routeGet || a.status != http.StatusNotFound {
			a.noWait = true // refused before any work: answered at once
		}
	}
	return a
}

func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request, st *requestState, name, allow, taskID string) answer {
	if name == "" {
		st.route = routeOther
		return st.fail(http.StatusNotFound, CategoryResourceNotFound,
			"Unable to find a route for "+r.Method+" "+r.URL.Path+". The emulator serves tasks batch/upsert, batch/read, batch/archive, search and GET tasks/{taskId}.", nil)
	}
	if r.Method != allow {
		w.Header().Set("Allow", allow)
		return st.fail(http.StatusMethodNotAllowed, hubspot.CategoryMethodNotAllowed,
			"HTTP method "+r.Method+" is not supported by this URL; use "+allow, nil)
	}
	appIdx, ok := e.apps.authenticate(r)
	if !ok {
		return st.fail(http.StatusUnauthorized, hubspot.CategoryInvalidAuthentication, hubspot.MessageAuthNotFound, nil)
	}
	if e.limiter.enabled() {
		d := e.limiter.admit(appIdx, name == routeSearch, st.requestedMS)
		e.limiter.setHeaders(w.Header(), d)
		if !d.ok {
			a := e.rateLimited(w, st, d, d.policy)
			a.noWait = true
			return a
		}
	}
	if isWrite(name) && e.apps.readOnly(appIdx) {
		return st.missingScopes()
	}
	if f, ok := drawFault(e.cfg.faults, &st.rng); ok {
		if a, handled := e.inject(w, r, st, f, name, appIdx); handled {
			return a
		}
	}
	if name == routeGet {
		return e.getObject(r, st, taskID)
	}
	if a, ok := st.readBody(r); !ok {
		return a
	}
	st.startedMS = e.nowMS()
	switch name {
	case routeUpsert:
		return e.upsert(st)
	case routeRead:
		return e.batchRead(st)
	case routeSearch:
		return e.search(st)
	default:
		return e.batchArchive(st)
	}
}

// inject applies a drawn fault. handled is false for slow, which delays and
// then lets the request be answered normally, for 423 on a route that
// does not write (a lock is a write conflict), and for the consistency
// faults, which the upsert applies to its answer.
func (e *Emulator) inject(w http.ResponseWriter, r *http.Request, st *requestState, f Fault, name string, appIdx int) (answer, bool) {
	if f.Kind == Fault423 && !isWrite(name) {
		return answer{}, false
	}
	if f.Kind.consistency() {
		// Applied (and counted) by the upsert itself, when it has a result
		// that qualifies.
		if name == routeUpsert {
			st.fault = f.Kind
		}
		return answer{}, false
	}
	e.countFault(f.Kind)
	switch f.Kind {
	case Fault5xx:
		return st.fail(f.Status, hubspot.CategoryInternalError, "Internal error (injected by the emulator)", nil), true
	case Fault429:
		d := decision{policy: hubspot.PolicyTenSecondlyRolling, app: appIdx, retryAfterMS: hubspot.BurstWindow.Milliseconds()}
		if name == routeSearch {
			d.policy, d.retryAfterMS = policySecondly, hubspot.SearchWindow.Milliseconds()
		}
		return e.rateLimited(w, st, d, "INJECTED"), true
	case Fault423:
		return e.locked(w, st), true
	case FaultReset:
		resetConnection(w)
		return answer{drop: true}, true
	case FaultSlow:
		e.sleep(r.Context(), f.Delay)
		return answer{}, false
	case FaultHang:
		e.sleep(r.Context(), f.Delay)
		resetConnection(w)
		return answer{drop: true}, true
	}
	return answer{}, false
}

// countFault counts one injected fault in the stats and the metrics.
func (e *Emulator) countFault(k FaultKind) {
	e.counters.faults.Add(1)
	e.metrics.faults.WithLabelValues(string(k)).Inc()
}

// resetConnection closes the client's connection without an answer. Over
// HTTP/1 it hijacks the connection and closes it; where hijacking is not
// possible (HTTP/2) it aborts the handler the way net/http documents.
func resetConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// sleep waits d, or less when the request is cancelled or the emulator
// closed. It reports whether the full delay passed.
func (e *Emulator) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	if e.cfg.sleep != nil {
		return e.cfg.sleep(ctx.Done(), d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-e.closed:
		return false
	}
}

// finish applies the latency model and writes the answer.
func (e *Emulator) finish(w http.ResponseWriter, r *http.Request, st *requestState, a answer) {
	if a.drop {
		e.count(r, st, 0, a)
		return
	}
	if !a.noWait && (e.cfg.latency.Kind != LatencyNone || e.cfg.latency.PerInput > 0) {
		if !e.sleep(r.Context(), e.cfg.latency.sample(&st.rng, a.inputs)) && r.Context().Err() != nil {
			e.count(r, st, 0, a)
			return // the client gave up; nobody is listening
		}
	}
	h := w.Header()
	h.Set(hubspot.HeaderCorrelationID, st.correlationID())
	if a.body != nil {
		h["Content-Type"] = contentTypeJSON
		h["Content-Length"] = []string{strconv.Itoa(len(a.body))}
	}
	w.WriteHeader(a.status)
	if a.body != nil {
		_, _ = w.Write(a.body)
	}
	e.count(r, st, a.status, a)
}

var contentTypeJSON = []string{"application/json;charset=utf-8"}

func (e *Emulator) count(r *http.Request, st *requestState, status int, a answer) {
	e.counters.requests.Add(1)
	if status >= 400 && status < 500 {
		e.counters.clientErrs.Add(1)
	}
	d := time.Since(st.wallStart)
	label := strconv.Itoa(status)
	if a.drop {
		label = "dropped"
	}
	e.metrics.requests.WithLabelValues(st.route, label).Inc()
	e.metrics.duration.WithLabelValues(st.route).Observe(d.Seconds())
	if e.cfg.logRequest != nil {
		e.cfg.logRequest(RequestLog{Method: r.Method, Path: r.URL.Path, Status: status, Inputs: a.inputs, Duration: d})
	}
}

// CategoryResourceNotFound is the category of a 404 for an unknown route.
const CategoryResourceNotFound = "RESOURCE_NOT_FOUND"

// readBody checks the content type and reads at most MaxBodyBytes.
func (st *requestState) readBody(r *http.Request) (answer, bool) {
	ct := r.Header.Get("Content-Type")
	if !isJSONContentType(ct) {
		return st.fail(http.StatusUnsupportedMediaType, hubspot.CategoryUnsupportedMediaType,
			"Content type '"+ct+"' not supported; send Content-Type: application/json", nil), false
	}
	tooLarge := func() (answer, bool) {
		return st.fail(http.StatusRequestEntityTooLarge, hubspot.CategoryRequestTooLarge,
			"Request body is larger than "+strconv.Itoa(MaxBodyBytes)+" bytes", nil), false
	}
	if r.ContentLength > MaxBodyBytes {
		return tooLarge()
	}
	// One byte past the limit tells a body that is too large; the
	// LimitReader stops there, so nothing more of it is read. A read
	// error leaves a truncated body, which the parser refuses as JSON.
	buf, _, _ := readbody.Into(st.body[:0], io.LimitReader(r.Body, MaxBodyBytes+1), r.ContentLength, MaxBodyBytes+1)
	st.body = buf
	if len(buf) > MaxBodyBytes {
		return tooLarge()
	}
	return answer{}, true
}

func isJSONContentType(ct string) bool {
	if ct == "application/json" || strings.HasPrefix(ct, "application/json;") {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// serveOps answers the operations endpoints.
func (e *Emulator) serveOps(w http.ResponseWriter, r *http.Request) {
	want := http.MethodGet
	if r.URL.Path == PathReset {
		want = http.MethodPost
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		st := &requestState{}
		st.begin(e)
		a := st.fail(http.StatusMethodNotAllowed, hubspot.CategoryMethodNotAllowed, "use "+want+" "+r.URL.Path, nil)
		w.Header()["Content-Type"] = contentTypeJSON
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
		return
	}
	switch r.URL.Path {
	case PathMetrics:
		e.metrics.handler.ServeHTTP(w, r)
	case PathReset:
		e.Reset()
		w.WriteHeader(http.StatusNoContent)
	case PathStats:
		w.Header()["Content-Type"] = contentTypeJSON
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e.Stats())
		_ = bw.Flush()
	}
}
