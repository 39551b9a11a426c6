package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

const (
	testToken    = "test-token"
	testROToken  = "test-read-only"
	upsertPathV3 = "/crm/v3/objects/tasks/batch/upsert"
	readPathV3   = "/crm/v3/objects/tasks/batch/read"
)

// harness is one emulator behind a real HTTP server.
type harness struct {
	t   *testing.T
	emu *Emulator
	srv *httptest.Server
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	opts = append([]Option{WithToken(testToken), WithReadOnlyToken(testROToken)}, opts...)
	emu := New(opts...)
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		emu.Close()
		srv.Close()
	})
	return &harness{t: t, emu: emu, srv: srv}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// errorBody decodes and sanity-checks HubSpot's error envelope.
func (r reply) errorBody(t *testing.T) hubspot.Error {
	t.Helper()
	var e hubspot.Error
	r.json(t, &e)
	assert.Equal(t, hubspot.ErrorStatus, e.Status)
	assert.NotEmpty(t, e.Message)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, e.CorrelationID)
	return e
}

func (h *harness) do(method, path, body string, header map[string]string) reply {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	require.NoError(h.t, err)
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.srv.Client().Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *harness) post(path, body string) reply { return h.do(http.MethodPost, path, body, nil) }

// upsert sends inputs and decodes a 200/207 answer.
func (h *harness) upsert(inputs ...hubspot.UpsertInput) (int, hubspot.BatchUpsertResponseWithErrors) {
	h.t.Helper()
	body, err := json.Marshal(hubspot.BatchUpsertRequest{Inputs: inputs})
	require.NoError(h.t, err)
	r := h.post(upsertPathV3, string(body))
	require.Contains(h.t, []int{200, 207}, r.status, "body: %s", r.body)
	var out hubspot.BatchUpsertResponseWithErrors
	r.json(h.t, &out)
	return r.status, out
}

func (h *harness) read(idProperty string, props []string, ids ...string) (int, hubspot.BatchReadResponseWithErrors) {
	h.t.Helper()
	req := hubspot.BatchReadRequest{IDProperty: idProperty, Properties: props, PropertiesWithHistory: []string{}}
	for _, id := range ids {
		req.Inputs = append(req.Inputs, hubspot.ObjectID{ID: id})
	}
	body, err := json.Marshal(req)
	require.NoError(h.t, err)
	r := h.post(readPathV3, string(body))
	require.Contains(h.t, []int{200, 207}, r.status, "body: %s", r.body)
	var out hubspot.BatchReadResponseWithErrors
	r.json(h.t, &out)
	return r.status, out
}

// task builds a valid input for unique value id.
func task(id string, props ...string) hubspot.UpsertInput {
	in := hubspot.UpsertInput{ID: id, IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{
		hubspot.PropTimestamp:   "2026-12-02T15:00:00.000Z",
		hubspot.PropTaskSubject: "Call " + id,
	}}
	for i := 0; i+1 < len(props); i += 2 {
		in.Properties[props[i]] = props[i+1]
	}
	return in
}

func traced(in hubspot.UpsertInput, trace string) hubspot.UpsertInput {
	in.ObjectWriteTraceID = trace
	return in
}

// byUnique indexes upsert results by their unique value.
func byUnique(results []hubspot.UpsertResult) map[string]hubspot.UpsertResult {
	m := map[string]hubspot.UpsertResult{}
	for _, r := range results {
		m[r.Properties[hubspot.DefaultIDProperty]] = r
	}
	return m
}

// fakeClock is a manual clock for deterministic time-based tests.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// batchBody renders n inputs with unique values prefix-0..n-1.
func batchBody(prefix string, n int, trace bool) string {
	var b bytes.Buffer
	b.WriteString(`{"inputs":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%s-%d","idProperty":"external_task_id",`, prefix, i)
		if trace {
			fmt.Fprintf(&b, `"objectWriteTraceId":"t-%d",`, i)
		}
		fmt.Fprintf(&b, `"properties":{"hs_timestamp":"1764684000000","hs_task_subject":"Task %d","hs_task_status":"NOT_STARTED","hs_task_priority":"HIGH"}}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func newTestServer(t *testing.T, emu *Emulator) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(emu)
	t.Cleanup(func() {
		emu.Close()
		srv.Close()
	})
	return srv
}
