package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
)

// TestCreateDefaults: a create answers, and stores, the default and
// calculated properties real creates get (hubspot-facts.md: "Creates get
// defaults"); hs_task_is_completed follows every status written later.
func TestCreateDefaults(t *testing.T) {
	calculated := []string{hubspot.PropTaskStatus, hubspot.PropTaskIsCompleted, hubspot.PropObjectSource,
		hubspot.PropObjectSourceID, hubspot.PropObjectSourceLabel, hubspot.PropPipeline, hubspot.PropPipelineStage}
	tests := []struct {
		name   string
		status *string // nil: not written
		want   map[string]string
	}{
		{name: "no status written", want: map[string]string{hubspot.PropTaskStatus: "NOT_STARTED", hubspot.PropTaskIsCompleted: "0"}},
		{name: "status written", status: ptr("WAITING"), want: map[string]string{hubspot.PropTaskStatus: "WAITING", hubspot.PropTaskIsCompleted: "0"}},
		{name: "completed", status: ptr("COMPLETED"), want: map[string]string{hubspot.PropTaskStatus: "COMPLETED", hubspot.PropTaskIsCompleted: "1"}},
		{name: "status cleared on create", status: ptr(""), want: map[string]string{hubspot.PropTaskIsCompleted: "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			in := task("d")
			if tt.status != nil {
				in.Properties[hubspot.PropTaskStatus] = *tt.status
			}
			_, out := h.upsert(in)
			require.Len(t, out.Results, 1)
			want := map[string]string{
				hubspot.PropObjectSource: "INTEGRATION", hubspot.PropObjectSourceID: sourceAppID, hubspot.PropObjectSourceLabel: "INTEGRATION",
				hubspot.PropPipeline: taskPipeline, hubspot.PropPipelineStage: pipelineStage,
			}
			for k, v := range tt.want {
				want[k] = v
			}
			got := map[string]string{}
			for _, k := range calculated {
				if v, ok := out.Results[0].Properties[k]; ok {
					got[k] = v
				}
			}
			assert.Equal(t, want, got, "the create's answer")
			_, read := h.read(hubspot.DefaultIDProperty, calculated, "d")
			require.Len(t, read.Results, 1)
			for k, v := range want {
				assert.Equal(t, v, read.Results[0].Properties[k], "reads return %s too", k)
			}
			assert.Len(t, read.Results[0].Properties, len(want)+3, "and nothing unset (3: the system properties): %v", read.Results[0].Properties)
		})
	}
	t.Run("is_completed follows later writes", func(t *testing.T) {
		h := newHarness(t)
		h.upsert(task("f"))
		for _, step := range []struct{ status, completed string }{{"COMPLETED", "1"}, {"IN_PROGRESS", "0"}, {"COMPLETED", "1"}, {"", "0"}} {
			_, out := h.upsert(hubspot.UpsertInput{ID: "f", IDProperty: hubspot.DefaultIDProperty,
				Properties: map[string]string{hubspot.PropTaskStatus: step.status}})
			require.Len(t, out.Results, 1)
			assert.Equal(t, step.completed, out.Results[0].Properties[hubspot.PropTaskIsCompleted], "answer after %q", step.status)
			assert.NotContains(t, out.Results[0].Properties, hubspot.PropObjectSource, "updates do not repeat the constant defaults")
			_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTaskIsCompleted, hubspot.PropTaskStatus}, "f")
			assert.Equal(t, step.completed, read.Results[0].Properties[hubspot.PropTaskIsCompleted], "read after %q", step.status)
		}
	})
	t.Run("updates keep the stored defaults", func(t *testing.T) {
		h := newHarness(t)
		h.upsert(task("g"))
		_, out := h.upsert(hubspot.UpsertInput{ID: "g", IDProperty: hubspot.DefaultIDProperty,
			Properties: map[string]string{hubspot.PropTaskPriority: "LOW"}})
		assert.NotContains(t, out.Results[0].Properties, hubspot.PropTaskStatus, "an update echoes what it wrote")
		_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTaskStatus}, "g")
		assert.Equal(t, "NOT_STARTED", read.Results[0].Properties[hubspot.PropTaskStatus])
	})
	t.Run("calculated properties are read-only", func(t *testing.T) {
		h := newHarness(t)
		for _, name := range calculated[1:] {
			in := task("ro")
			in.Properties[name] = "1"
			r := h.post(upsertPathV3, mustJSON(t, hubspot.BatchUpsertRequest{Inputs: []hubspot.UpsertInput{in}}))
			require.Equal(t, http.StatusBadRequest, r.status, name)
			e := r.errorBody(t)
			require.Len(t, e.Errors, 1)
			assert.Equal(t, hubspot.CodeReadOnlyValue, e.Errors[0].Code, name)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestBodyPreview pins hs_body_preview and its HTML form against what
// HubSpot answered in fixtures (jsoup's rendering: white space collapsed,
// tags dropped, the text wrapped in a document), on both of the emulator's
// paths (plain notes are copied, the rest decoded).
func TestBodyPreview(t *testing.T) {
	html := func(s string) string { return "<html>\n <head></head>\n <body>\n " + s + "\n </body>\n</html>" }
	tests := []struct{ body, preview, html string }{
		{"Sample task body", "Sample task body", html("Sample task body")},                 // fixture
		{"test batch task  body1", "test batch task body1", html("test batch task body1")}, // fixture: two spaces become one
		{"Line one\nLine two\n\n", "Line one Line two", html("Line one Line two")},
		{"\tpadded \r\n", "padded", html("padded")},
		{"Pricing & next steps > Q3", "Pricing & next steps > Q3", html("Pricing &amp; next steps &gt; Q3")},
		{"<p>Hello <b>world</b></p><p>Again</p><br/>", "Hello world Again", html("Hello world Again")},
		{"Fish &amp; chips &lt;3 &quot;ok&quot;", `Fish & chips <3 "ok"`, html(`Fish &amp; chips &lt;3 "ok"`)},
		{`Say "hi" \ bye`, `Say "hi" \ bye`, html(`Say "hi" \ bye`)},
		{"café\n\u2013 naïve", "café \u2013 naïve", html("café \u2013 naïve")},
	}
	h := newHarness(t)
	for i, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			key := "p" + strconv.Itoa(i)
			_, out := h.upsert(task(key, hubspot.PropTaskBody, tt.body))
			require.Len(t, out.Results, 1)
			p := out.Results[0].Properties
			assert.Equal(t, tt.preview, p[hubspot.PropBodyPreview])
			assert.Equal(t, tt.html, p[hubspot.PropBodyPreviewHTML])
			assert.Equal(t, "false", p[hubspot.PropBodyPreviewIsTruncated])
			assert.Equal(t, tt.body, p[hubspot.PropTaskBody], "the body itself is kept as written")
			_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropBodyPreviewHTML, hubspot.PropBodyPreview, hubspot.PropBodyPreviewIsTruncated}, key)
			require.Len(t, read.Results, 1)
			assert.Equal(t, tt.preview, read.Results[0].Properties[hubspot.PropBodyPreview], "read")
			assert.Equal(t, tt.html, read.Results[0].Properties[hubspot.PropBodyPreviewHTML], "read")
		})
	}
	t.Run("no body, no preview", func(t *testing.T) {
		_, out := h.upsert(task("nobody"))
		assert.NotContains(t, out.Results[0].Properties, hubspot.PropBodyPreview)
		_, out = h.upsert(task("p0", hubspot.PropTaskBody, ""))
		assert.NotContains(t, out.Results[0].Properties, hubspot.PropBodyPreview, "a cleared body has no preview")
		_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropBodyPreview}, "p0")
		assert.NotContains(t, read.Results[0].Properties, hubspot.PropBodyPreview)
	})
}

// FuzzPreviewPathsAgree: the copying path of appendPreview must give what
// the decoding path (the general one) gives, for any body.
func FuzzPreviewPathsAgree(f *testing.F) {
	for _, s := range []string{"Sample", "a\nb", "a \n b", "\n\na", "a\n", "x\u00e9\"\\/", "a & b; c", "<b>x</b>", "a  b", "é\u2028\t"} {
		f.Add(s, false)
	}
	decode := func(raw []byte) (string, bool) {
		var s string
		err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s)
		return s, err == nil
	}
	f.Fuzz(func(t *testing.T, body string, escapeHTML bool) {
		if body == "" {
			return
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(body) != nil {
			return
		}
		raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		raw = raw[1 : len(raw)-1]
		var scratch previewScratch
		fast, fastSpecial := appendPreview(nil, raw, &scratch)
		slow, slowSpecial := appendPreviewDecoded(nil, raw, &scratch)
		fastText, ok1 := decode(fast)
		slowText, ok2 := decode(slow)
		if !ok1 || !ok2 {
			t.Fatalf("preview of %q is not JSON string content: %q / %q", raw, fast, slow)
		}
		if fastText != slowText || fastSpecial != slowSpecial {
			t.Fatalf("body %q: previews %q (special %v) and %q (special %v)", raw, fastText, fastSpecial, slowText, slowSpecial)
		}
		if strings.Contains(slowText, "  ") || strings.ContainsAny(slowText, "\n\r\t\f") ||
			strings.HasPrefix(slowText, " ") || strings.HasSuffix(slowText, " ") {
			t.Fatalf("body %q: preview %q keeps white space", body, slowText)
		}
	})
}

// TestDatetimesAnsweredAsInstants: datetime properties are kept as instants
// and answered in ISO 8601 as Java's Instant prints them, whichever form
// was written (hubspot-facts.md: "Answers normalise what was written").
func TestDatetimesAnsweredAsInstants(t *testing.T) {
	tests := []struct {
		written string // JSON value
		want    string
	}{
		{`"1764684000000"`, "2025-12-02T14:00:00Z"},
		{`"1764684000123"`, "2025-12-02T14:00:00.123Z"},
		{`1764684000123`, "2025-12-02T14:00:00.123Z"}, // a JSON number
		{`"2026-12-02T15:00:00.000Z"`, "2026-12-02T15:00:00Z"},
		{`"2026-12-02T15:00:00Z"`, "2026-12-02T15:00:00Z"},
		{`"2026-12-02T15:00:00.5Z"`, "2026-12-02T15:00:00.500Z"},
		{`"2026-12-02T15:00:00.123456789Z"`, "2026-12-02T15:00:00.123Z"},
		{`"2026-12-02T15:00:00.010+01:00"`, "2026-12-02T14:00:00.010Z"},
		{`"2026-12-02T00:30:00-05:30"`, "2026-12-02T06:00:00Z"},
		{`"2026-12-02"`, "2026-12-02T00:00:00Z"},
		{`"-1"`, "1969-12-31T23:59:59.999Z"},
		{`"0"`, "1970-01-01T00:00:00Z"},
		{`"2026-12-02T15:00:00.000\u005a"`, "2026-12-02T15:00:00Z"}, // escaped
	}
	h := newHarness(t)
	for i, tt := range tests {
		t.Run(tt.written, func(t *testing.T) {
			key := "t" + strconv.Itoa(i)
			body := `{"inputs":[{"id":"` + key + `","idProperty":"external_task_id","properties":{"hs_timestamp":` + tt.written +
				`,"hs_task_reminders":` + tt.written + `}}]}`
			r := h.post(upsertPathV3, body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var out hubspot.BatchUpsertResponse
			r.json(t, &out)
			require.Len(t, out.Results, 1)
			assert.Equal(t, tt.want, out.Results[0].Properties[hubspot.PropTimestamp])
			assert.Equal(t, tt.want, out.Results[0].Properties[hubspot.PropTaskReminders])
			_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTimestamp, hubspot.PropTaskReminders}, key)
			require.Len(t, read.Results, 1)
			assert.Equal(t, tt.want, read.Results[0].Properties[hubspot.PropTimestamp], "read")
			assert.Equal(t, tt.want, read.Results[0].Properties[hubspot.PropTaskReminders], "read")
		})
	}
	t.Run("timestamps of the answer", func(t *testing.T) {
		clock := newFakeClock()
		h := newHarness(t, WithClock(clock.Now))
		_, out := h.upsert(task("whole"))
		assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00Z"), out.Results[0].CreatedAt, "no fraction at zero milliseconds")
		assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00Z"), out.StartedAt)
		clock.Advance(7 * time.Millisecond)
		_, out = h.upsert(task("whole"))
		assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00.007Z"), out.Results[0].UpdatedAt)
		assert.Equal(t, "2026-11-28T12:00:00.007Z", out.Results[0].Properties[hubspot.PropLastModifiedDate])
		assert.Equal(t, "2026-11-28T12:00:00Z", out.Results[0].Properties[hubspot.PropCreateDate])
		assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00.007Z"), out.CompletedAt)
	})
}

// TestNumbersAndBooleansAsValues: property values written as JSON numbers
// or booleans are stored as their text, as HubSpot's guide sends them;
// objects and arrays stay refused (TestWholeRequestRefusals).
func TestNumbersAndBooleansAsValues(t *testing.T) {
	h := newHarness(t)
	body := `{"inputs":[{"id":"n","idProperty":"external_task_id","properties":{"hs_timestamp":1764684000000,` +
		`"hs_task_subject":1.50,"hs_task_body":true,"hubspot_owner_id":12345678,"hs_queue_membership_ids":-2.5e+3}}]}`
	r := h.post(upsertPathV3, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out hubspot.BatchUpsertResponse
	r.json(t, &out)
	require.Len(t, out.Results, 1)
	p := out.Results[0].Properties
	assert.Equal(t, "2025-12-02T14:00:00Z", p[hubspot.PropTimestamp])
	assert.Equal(t, "1.50", p[hubspot.PropTaskSubject], "the number's text, as written")
	assert.Equal(t, "true", p[hubspot.PropTaskBody])
	assert.Equal(t, "12345678", p[hubspot.PropOwnerID])
	assert.Equal(t, "-2.5e+3", p[hubspot.PropQueueMembershipIDs])

	r = h.post(upsertPathV3, `{"inputs":[{"id":"n2","idProperty":"external_task_id","properties":{"hs_timestamp":"1","hs_task_priority":3}}]}`)
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	e := r.errorBody(t)
	require.Len(t, e.Errors, 1)
	assert.Equal(t, hubspot.CodeInvalidOption, e.Errors[0].Code, "a number is no option of an enumeration")
	assert.Equal(t, "3 was not one of the allowed options: [NONE, LOW, MEDIUM, HIGH]", e.Errors[0].Message)
}

// TestMissingTimestampOnCreate: a create without hs_timestamp fails with
// HubSpot's text and context.properties (confirmed); with a trace id on
// every input it is a 207 entry of that input instead (the emulator's
// choice, like every other invalid input), naming both.
func TestMissingTimestampOnCreate(t *testing.T) {
	h := newHarness(t)
	noTimestamp := hubspot.UpsertInput{ID: "m", IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{hubspot.PropTaskSubject: "x"}}

	r := h.post(upsertPathV3, mustJSON(t, hubspot.BatchUpsertRequest{Inputs: []hubspot.UpsertInput{task("ok"), noTimestamp}}))
	require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
	e := r.errorBody(t)
	assert.Equal(t, "Error creating TASK. Some required properties were not set.", e.Message)
	assert.Equal(t, hubspot.CategoryValidation, e.Category)
	assert.Equal(t, map[string][]string{"properties": {"hs_timestamp"}}, e.Context)
	assert.Zero(t, h.emu.Stats().Records, "nothing is written")

	status, out := h.upsert(traced(task("ok"), "t-ok"), traced(noTimestamp, "t-m"))
	require.Equal(t, http.StatusMultiStatus, status)
	require.Len(t, out.Results, 1)
	require.Len(t, out.Errors, 1)
	assert.Equal(t, "Error creating TASK. Some required properties were not set.", out.Errors[0].Message)
	assert.Equal(t, hubspot.CategoryValidation, out.Errors[0].Category)
	assert.Equal(t, map[string][]string{"objectWriteTraceId": {"t-m"}, "properties": {"hs_timestamp"}}, out.Errors[0].Context)

	t.Run("invalid values come first", func(t *testing.T) {
		in := noTimestamp
		in.Properties = map[string]string{hubspot.PropTaskStatus: "SOON"}
		r := h.post(upsertPathV3, mustJSON(t, hubspot.BatchUpsertRequest{Inputs: []hubspot.UpsertInput{in}}))
		require.Equal(t, http.StatusBadRequest, r.status)
		e := r.errorBody(t)
		assert.True(t, strings.HasPrefix(e.Message, hubspot.MessageInvalidPropertyValues), e.Message)
		assert.Contains(t, e.Message, `"portalId":4471234`, "invalid-value items carry the portal id")
	})
	t.Run("updates need none", func(t *testing.T) {
		status, _ := h.upsert(hubspot.UpsertInput{ID: "ok", IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{}})
		assert.Equal(t, http.StatusOK, status)
	})
}

// TestMissingScopesBody: the 403 for a token without the write scope has
// HubSpot's shape: top-level message, inner entry with
// requiredGranularScopes, links.scopes.
func TestMissingScopesBody(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodPost, upsertPathV3, batchBody("x", 1, false), map[string]string{"Authorization": "Bearer " + testROToken})
	require.Equal(t, http.StatusForbidden, r.status)
	var body map[string]any
	r.json(t, &body)
	delete(body, "correlationId")
	assert.Equal(t, map[string]any{
		"status":   "error",
		"message":  "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
		"category": "MISSING_SCOPES",
		"errors": []any{map[string]any{
			"message": "One or more of the following scopes are required.",
			"context": map[string]any{"requiredGranularScopes": []any{"crm.objects.tasks.write"}},
		}},
		"links": map[string]any{"scopes": "https://developers.hubspot.com/scopes"},
	}, body)
}

// TestCorrelationIDsAreVersion7: every answer's correlation id is a UUID
// version 7 whose time is the request's arrival on the emulator's clock,
// so ids sort in arrival order.
func TestCorrelationIDsAreVersion7(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now))
	var last string
	for i := range 5 {
		r := h.post(upsertPathV3, batchBody("c"+strconv.Itoa(i), 1, false))
		id := r.header.Get(hubspot.HeaderCorrelationID)
		require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
		ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
		require.NoError(t, err)
		assert.Equal(t, clock.Now().UnixMilli(), ms, "the first 48 bits are the arrival time")
		assert.Greater(t, id, last)
		last = id
		clock.Advance(time.Millisecond)
	}
	r := h.do(http.MethodGet, hubspot.VersionV3.ObjectPath(url.PathEscape("nope")), "", nil)
	e := r.errorBody(t)
	assert.Equal(t, r.header.Get(hubspot.HeaderCorrelationID), e.CorrelationID, "the body's id is the header's")
}

// TestSearchSeesDefaults: search reads a record's values as answers do
// (rawValue): the stored defaults, the constant ones and the previews.
func TestSearchSeesDefaults(t *testing.T) {
	h := newHarness(t)
	h.upsert(task("s1"), task("s2", hubspot.PropTaskStatus, "COMPLETED", hubspot.PropTaskBody, "Call\nback"))
	tests := []struct {
		name   string
		groups []hubspot.FilterGroup
		want   []string
	}{
		{"default status", where(filter(hubspot.PropTaskStatus, "EQ", "NOT_STARTED")), []string{"s1"}},
		{"calculated", where(filter(hubspot.PropTaskIsCompleted, "EQ", "1")), []string{"s2"}},
		{"constant default", where(filter(hubspot.PropPipeline, "EQ", taskPipeline)), []string{"s1", "s2"}},
		{"preview", where(filter(hubspot.PropBodyPreview, "EQ", "Call back")), []string{"s2"}},
		{"no body, no preview", where(filter(hubspot.PropBodyPreview, "NOT_HAS_PROPERTY", "")), []string{"s1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, searchUniques(t, h, tt.groups))
		})
	}
}
