package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
// its answers in one named way. Every deviation must make the suite fail,
// in the check named; every allowed variation must leave it green.

// corruptCall is one exchange passing through the corrupting proxy.
type corruptCall struct {
	req     *http.Request
	reqBody []byte
	status  int
	header  http.Header
	body    []byte
}

func (c *corruptCall) isUpsert() bool {
	return c.req.Method == http.MethodPost && strings.HasSuffix(c.req.URL.Path, "/batch/upsert")
}

func (c *corruptCall) isRead() bool {
	return c.req.Method == http.MethodPost && strings.HasSuffix(c.req.URL.Path, "/batch/read")
}

func (c *corruptCall) isBatchAnswer() bool { return c.status == 200 || c.status == 207 }

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

// eachResult applies fn to every result object of a batch answer.
func (c *corruptCall) eachResult(fn func(r map[string]any)) {
	c.edit(func(m map[string]any) {
		rs, _ := m["results"].([]any)
		for _, r := range rs {
			if o, ok := r.(map[string]any); ok {
				fn(o)
			}
		}
	})
}

func (c *corruptCall) replace(status int, body string) {
	c.status = status
	c.body = []byte(body)
	c.header.Set("Content-Type", "application/json")
}

// corruptingProxy serves h, passing each exchange through corrupt.
// rewriteRequest may change the request before h sees it.
func corruptingProxy(h http.Handler, rewriteRequest func(r *http.Request), corrupt func(c *corruptCall)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if rewriteRequest != nil {
			rewriteRequest(r)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		c := &corruptCall{req: r, reqBody: body, status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
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

// corruptBatchSize keeps the 40 suite runs of these tests cheap (the
// OpenAPI validation of each answer dominates, more so under -race); four
// inputs still expose ordering, accounting and partial failure.
const corruptBatchSize = 4

// runAgainst runs the suite against the emulator behind a proxy.
func runAgainst(t *testing.T, probe bool, rewrite func(*http.Request), corrupt func(*corruptCall)) *Report {
	t.Helper()
	url := serveEmulator(t, corruptingProxy(emulatorForSuite(), rewrite, corrupt))
	s, err := NewSuite(SuiteConfig{BaseURL: url, Token: suiteTestToken, ReadOnlyToken: suiteTestReadOnlyToken, ProbeRateLimit: probe, BatchSize: corruptBatchSize})
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
	return c.status/100 == 4 && c.status != 401 && c.status != 403 && c.status != 405 && c.status != 429
}

// deviations are the ways a target can break the contract, each with the
// check that must catch it.
var deviations = []struct {
	name    string
	catchBy CheckName
	probe   bool
	rewrite func(r *http.Request)
	corrupt func(c *corruptCall)
}{
	{name: "schema: result without new", catchBy: CheckResponseSchema, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) { delete(r, "new") })
		}
	}},
	{name: "schema: id as a number", catchBy: CheckResponseSchema, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) { r["id"], _ = strconv.Atoi(r["id"].(string)) })
		}
	}},
	{name: "upsert: new flipped", catchBy: CheckNewFlags, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) { r["new"] = !r["new"].(bool) })
		}
	}},
	{name: "enum: status not in the enum", catchBy: CheckBatchStatus, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["status"] = "DONE" })
		}
	}},
	{name: "enum: synchronous answer PENDING", catchBy: CheckBatchStatus, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["status"] = "PENDING" })
		}
	}},
	{name: "timestamps: createdAt after updatedAt", catchBy: CheckTimestamps, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) {
				u, _ := time.Parse(time.RFC3339Nano, r["updatedAt"].(string))
				r["createdAt"] = u.Add(time.Hour).Format(hubspot.TimeLayout)
			})
		}
	}},
	{name: "timestamps: garbage completedAt", catchBy: CheckTimestamps, corrupt: func(c *corruptCall) {
		if c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["completedAt"] = "yesterday" })
		}
	}},
	{name: "timestamps: completedAt before startedAt", catchBy: CheckTimestamps, corrupt: func(c *corruptCall) {
		if c.isBatchAnswer() {
			c.edit(func(m map[string]any) { m["completedAt"] = "2001-01-01T00:00:00.000Z" })
		}
	}},
	{name: "accounting: a result dropped", catchBy: CheckAccounting, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 200 {
			c.edit(func(m map[string]any) {
				if rs := m["results"].([]any); len(rs) > 1 {
					m["results"] = rs[1:]
				}
			})
		}
	}},
	{name: "accounting: a result duplicated", catchBy: CheckAccounting, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 200 {
			c.edit(func(m map[string]any) {
				rs := m["results"].([]any)
				m["results"] = append(rs, rs[0])
			})
		}
	}},
	{name: "accounting: numErrors mismatch", catchBy: CheckAccounting, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.edit(func(m map[string]any) { m["numErrors"] = len(m["errors"].([]any)) + 1 })
		}
	}},
	{name: "upsert: ids change on update", catchBy: CheckStableIDs, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) {
				if r["new"] == false {
					r["id"] = r["id"].(string) + "0"
				}
			})
		}
	}},
	{name: "upsert: written property not echoed", catchBy: CheckEcho, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) { delete(r["properties"].(map[string]any), hubspot.PropTaskSubject) })
		}
	}},
	{name: "upsert: stale read after write", catchBy: CheckReadAfterWrite, corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) { r["properties"].(map[string]any)[hubspot.PropTaskSubject] = "stale" })
		}
	}},
	{name: "upsert: unsent properties dropped", catchBy: CheckUnsentKept, corrupt: func(c *corruptCall) {
		if c.isRead() && c.isBatchAnswer() {
			c.eachResult(func(r map[string]any) {
				props := r["properties"].(map[string]any)
				for k := range props {
					if k != hubspot.DefaultIDProperty && k != hubspot.PropTaskSubject && k != hubspot.PropTaskPriority {
						delete(props, k)
					}
				}
			})
		}
	}},
	{name: "status: 200 instead of 207", catchBy: CheckPartialFailure, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.status = 200
			c.edit(func(m map[string]any) { delete(m, "errors"); delete(m, "numErrors") })
		}
	}},
	{name: "partial: 207 names the wrong trace id", catchBy: CheckPartialFailure, corrupt: func(c *corruptCall) {
		if c.isUpsert() && c.status == 207 {
			c.edit(func(m map[string]any) {
				for _, e := range m["errors"].([]any) {
					e.(map[string]any)["context"].(map[string]any)["objectWriteTraceId"] = []any{"someone-else"}
				}
			})
		}
	}},
	{name: "status: 5xx on bad input", catchBy: CheckBadInput, corrupt: func(c *corruptCall) {
		if isNotAllowed(c) {
			c.status = 500
		}
	}},
	{name: "status: 2xx on bad input", catchBy: CheckBadInput, corrupt: func(c *corruptCall) {
		if isNotAllowed(c) {
			c.replace(200, `{"status":"COMPLETE","results":[],"startedAt":"2026-11-28T12:00:00.000Z","completedAt":"2026-11-28T12:00:00.001Z"}`)
		}
	}},
	{name: "status: 400 where 413/415 is documented", catchBy: CheckBadInput, corrupt: func(c *corruptCall) {
		if c.status == 415 || c.status == 413 {
			c.status = 400
		}
	}},
	{name: "error body: no correlationId", catchBy: CheckErrorBody, corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) { delete(m, "correlationId") })
		}
	}},
	{name: "error body: correlationId not a UUID", catchBy: CheckErrorBody, corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			c.edit(func(m map[string]any) { m["correlationId"] = "req-42" })
		}
	}},
	{name: "error body: no category", catchBy: CheckErrorBody, corrupt: func(c *corruptCall) {
		if c.status == 400 {
			c.edit(func(m map[string]any) { delete(m, "category") })
		}
	}},
	{name: "auth: missing token accepted", catchBy: CheckAuth, rewrite: func(r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{name: "auth: wrong token accepted", catchBy: CheckAuth, rewrite: func(r *http.Request) {
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ub-wrong-") {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{name: "auth: read-only token may write", catchBy: CheckAuth, rewrite: func(r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+suiteTestReadOnlyToken {
			r.Header.Set("Authorization", "Bearer "+suiteTestToken)
		}
	}},
	{name: "auth: 403 instead of 401", catchBy: CheckAuth, corrupt: func(c *corruptCall) {
		if c.status == 401 {
			c.status = 403
		}
	}},
	{name: "status: 200 on a wrong method", catchBy: CheckMethodNotAllowed, corrupt: func(c *corruptCall) {
		if c.status == 405 {
			c.replace(200, `{}`)
		}
	}},
	{name: "content type: text/plain", catchBy: CheckContentType, corrupt: func(c *corruptCall) {
		c.header.Set("Content-Type", "text/plain; charset=utf-8")
	}},
	{name: "rate limit: Max changes", catchBy: CheckRateLimitHeaders, corrupt: func() func(c *corruptCall) {
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
	{name: "rate limit: Remaining does not go down", catchBy: CheckRateLimitHeaders, corrupt: func(c *corruptCall) {
		if c.header.Get(hubspot.HeaderRateLimitRemaining) != "" {
			c.header.Set(hubspot.HeaderRateLimitRemaining, "150")
		}
	}},
	{name: "rate limit: headers only on success", catchBy: CheckRateLimitHeaders, corrupt: func(c *corruptCall) {
		if c.status >= 400 {
			for _, h := range hubspot.RateLimitHeaders {
				c.header.Del(h)
			}
		}
	}},
	{name: "rate limit: 429 without policyName", catchBy: CheckRateLimitProbe, probe: true, corrupt: func(c *corruptCall) {
		if c.status == 429 {
			c.edit(func(m map[string]any) { delete(m, "policyName") })
		}
	}},
	{name: "rate limit: never 429", catchBy: CheckRateLimitProbe, probe: true, corrupt: func(c *corruptCall) {
		if c.status == 429 {
			c.replace(200, `{"status":"COMPLETE","results":[],"startedAt":"2026-11-28T12:00:00.000Z","completedAt":"2026-11-28T12:00:00.001Z"}`)
		}
	}},
}

func TestSuiteCatchesEveryDeviation(t *testing.T) {
	require.GreaterOrEqual(t, len(deviations), 15)
	var mu sync.Mutex
	caught := map[string][]CheckName{}
	t.Cleanup(func() {
		names := make([]string, 0, len(caught))
		for n := range caught {
			names = append(names, n)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, n := range names {
			b.WriteString("  " + n + " → " + joinChecks(caught[n]) + "\n")
		}
		t.Logf("deviation → checks that failed:\n%s", b.String())
	})
	for _, d := range deviations {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			rep := runAgainst(t, d.probe, d.rewrite, d.corrupt)
			got := failingChecks(rep)
			mu.Lock()
			caught[d.name] = got
			mu.Unlock()
			assert.False(t, rep.Passed(), "the suite passed a target with deviation %q", d.name)
			assert.Contains(t, got, d.catchBy, "deviation %q should be caught by %s; failing checks: %v", d.name, d.catchBy, got)
		})
	}
}

func joinChecks(cs []CheckName) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// variations change answers in ways the contract allows.
var variations = []struct {
	name    string
	corrupt func(c *corruptCall)
}{
	{"unknown extra fields", func(c *corruptCall) {
		c.edit(func(m map[string]any) {
			m["x-upsertbench-extra"] = map[string]any{"note": "clients must ignore this"}
			if rs, ok := m["results"].([]any); ok {
				for _, r := range rs {
					r.(map[string]any)["x-shard"] = 7
				}
			}
		})
	}},
	{"different key order", func(c *corruptCall) {
		var v any
		dec := json.NewDecoder(bytes.NewReader(c.body))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			var b bytes.Buffer
			writeKeysReversed(&b, v)
			c.body = b.Bytes()
		}
	}},
	{"different result order", func(c *corruptCall) {
		c.edit(func(m map[string]any) {
			if rs, ok := m["results"].([]any); ok {
				slices.Reverse(rs)
			}
		})
	}},
	{"extra headers and a charset", func(c *corruptCall) {
		c.header.Set("X-Request-Id", "abc")
		c.header.Set("Cache-Control", "no-store")
		if strings.HasPrefix(c.header.Get("Content-Type"), "application/json") {
			c.header.Set("Content-Type", "application/json; charset=UTF-8")
		}
	}},
	{"no requestedAt", func(c *corruptCall) {
		if c.isBatchAnswer() {
			c.edit(func(m map[string]any) { delete(m, "requestedAt") })
		}
	}},
	{"pretty-printed JSON", func(c *corruptCall) {
		var b bytes.Buffer
		if json.Indent(&b, c.body, "", "    ") == nil {
			c.body = b.Bytes()
		}
	}},
}

func TestSuiteAcceptsAllowedVariations(t *testing.T) {
	for _, v := range variations {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			rep := runAgainst(t, true, nil, v.corrupt)
			for _, c := range rep.Checks {
				if c.Status == StatusFail {
					t.Errorf("%s / %s failed:\n%s", c.Check, c.Case, c.FailureMessage())
				}
			}
			assert.True(t, rep.Passed())
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
