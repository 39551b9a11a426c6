package emulator

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestUpsertCreatesThenUpdates(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now), WithPortalID("99"))

	status, first := h.upsert(traced(task("a", hubspot.PropTaskPriority, "HIGH"), "trace-a"), task("b"))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, hubspot.BatchStatusComplete, first.Status)
	require.Len(t, first.Results, 2)
	created := byUnique(first.Results)
	a := created["a"]
	assert.True(t, a.New)
	assert.True(t, created["b"].New)
	assert.Regexp(t, `^[0-9]+$`, a.ID)
	assert.NotEqual(t, a.ID, created["b"].ID)
	assert.Equal(t, "trace-a", a.ObjectWriteTraceID)
	assert.Empty(t, created["b"].ObjectWriteTraceID)
	assert.False(t, a.Archived)
	assert.Equal(t, "https://app.hubspot.com/contacts/99/record/0-27/"+a.ID, a.URL)
	// Instants print as Java's Instant does: no fraction at zero milliseconds.
	assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00Z"), a.CreatedAt)
	assert.Equal(t, a.CreatedAt, a.UpdatedAt)
	assert.Equal(t, withCreateDefaults(map[string]string{
		hubspot.DefaultIDProperty:    "a",
		hubspot.PropTimestamp:        "2026-12-02T15:00:00Z", // written as 2026-12-02T15:00:00.000Z
		hubspot.PropTaskSubject:      "Call a",
		hubspot.PropTaskPriority:     "HIGH",
		hubspot.PropObjectID:         a.ID,
		hubspot.PropCreateDate:       "2026-11-28T12:00:00Z",
		hubspot.PropLastModifiedDate: "2026-11-28T12:00:00Z",
	}), a.Properties, "a create answers the written properties, the system ones and the defaults")
	assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:00Z"), first.StartedAt)
	assert.Equal(t, first.StartedAt, first.RequestedAt)
	assert.Equal(t, first.StartedAt, first.CompletedAt)

	clock.Advance(1500 * time.Millisecond)
	// Partial update: only the status is sent; "" clears the subject.
	upd := hubspot.UpsertInput{ID: "a", IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{
		hubspot.PropTaskStatus: "COMPLETED", hubspot.PropTaskSubject: "",
	}}
	status, second := h.upsert(upd)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, second.Results, 1)
	r := second.Results[0]
	assert.False(t, r.New)
	assert.Equal(t, a.ID, r.ID, "ids are stable across updates")
	assert.Equal(t, a.CreatedAt, r.CreatedAt, "createdAt is fixed at creation")
	assert.Equal(t, hubspot.Timestamp("2026-11-28T12:00:01.500Z"), r.UpdatedAt)
	assert.Equal(t, map[string]string{
		hubspot.DefaultIDProperty:    "a",
		hubspot.PropTaskStatus:       "COMPLETED",
		hubspot.PropTaskIsCompleted:  "1", // calculated from the status written
		hubspot.PropObjectID:         a.ID,
		hubspot.PropCreateDate:       "2026-11-28T12:00:00Z",
		hubspot.PropLastModifiedDate: "2026-11-28T12:00:01.500Z",
	}, r.Properties, "an update answers what it wrote (the cleared subject omitted), what that changed, and the system properties")

	all := []string{hubspot.PropTaskStatus, hubspot.PropTaskPriority, hubspot.PropTaskSubject, hubspot.PropTimestamp,
		hubspot.PropTaskIsCompleted, hubspot.PropObjectSource, hubspot.PropPipeline}
	_, read := h.read(hubspot.DefaultIDProperty, all, "a")
	require.Len(t, read.Results, 1)
	assert.Equal(t, map[string]string{
		hubspot.PropTaskPriority:     "HIGH", // properties not sent are kept
		hubspot.PropTaskStatus:       "COMPLETED",
		hubspot.PropTaskIsCompleted:  "1",
		hubspot.PropTimestamp:        "2026-12-02T15:00:00Z",
		hubspot.PropObjectSource:     "INTEGRATION",
		hubspot.PropPipeline:         taskPipeline,
		hubspot.PropObjectID:         a.ID,
		hubspot.PropCreateDate:       "2026-11-28T12:00:00Z",
		hubspot.PropLastModifiedDate: "2026-11-28T12:00:01.500Z",
	}, read.Results[0].Properties, `reads return the stored defaults; the subject cleared by "" is omitted, never ""`)
	assert.NotContains(t, string(h.post(readPathV3, `{"idProperty":"external_task_id","inputs":[{"id":"a"}],"properties":["hs_task_subject"]}`).body),
		hubspot.PropTaskSubject+`"`, "a cleared property is not in the answer at all")
}

// withCreateDefaults adds to props what a create without a status
// answers besides what was written (defaults.go).
func withCreateDefaults(props map[string]string) map[string]string {
	out := map[string]string{
		hubspot.PropTaskStatus:        "NOT_STARTED",
		hubspot.PropTaskIsCompleted:   "0",
		hubspot.PropObjectSource:      "INTEGRATION",
		hubspot.PropObjectSourceID:    sourceAppID,
		hubspot.PropObjectSourceLabel: "INTEGRATION",
		hubspot.PropPipeline:          taskPipeline,
		hubspot.PropPipelineStage:     pipelineStage,
	}
	for k, v := range props {
		out[k] = v
	}
	return out
}

func TestUpdatedAtStrictlyIncreasesWithinOneMillisecond(t *testing.T) {
	clock := newFakeClock() // never advances
	h := newHarness(t, WithClock(clock.Now))
	var last time.Time
	for i := range 5 {
		_, out := h.upsert(task("same"))
		require.Len(t, out.Results, 1)
		got, err := out.Results[0].UpdatedAt.Time()
		require.NoError(t, err)
		if i > 0 {
			assert.True(t, got.After(last), "update %d: %s is not after %s", i, got, last)
		}
		last = got
	}
}

func TestResultsShuffledUnlessPreserveOrder(t *testing.T) {
	var inputs []hubspot.UpsertInput
	for i := range 30 {
		inputs = append(inputs, task("k"+strconv.Itoa(i)))
	}
	order := func(opts ...Option) []string {
		h := newHarness(t, opts...)
		_, out := h.upsert(inputs...)
		var ids []string
		for _, r := range out.Results {
			ids = append(ids, r.Properties[hubspot.DefaultIDProperty])
		}
		return ids
	}
	var want []string
	for _, in := range inputs {
		want = append(want, in.ID)
	}
	assert.Equal(t, want, order(WithPreserveOrder(true)))
	shuffled := order(WithSeed(7))
	assert.NotEqual(t, want, shuffled)
	assert.ElementsMatch(t, want, shuffled)
	assert.Equal(t, shuffled, order(WithSeed(7)), "the same seed gives the same order")
}

func TestBothVersionsShareTheStore(t *testing.T) {
	h := newHarness(t)
	_, first := h.upsert(task("v"))
	r := h.post(hubspot.Version202603.UpsertPath(), batchBody("x", 1, false))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	body := `{"inputs":[{"id":"v","idProperty":"external_task_id","properties":{"hs_task_status":"WAITING"}}]}`
	r = h.post(hubspot.Version202603.UpsertPath(), body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out hubspot.BatchUpsertResponse
	r.json(t, &out)
	require.Len(t, out.Results, 1)
	assert.Equal(t, first.Results[0].ID, out.Results[0].ID)
	assert.False(t, out.Results[0].New)
}

func TestExtraUniqueProperty(t *testing.T) {
	h := newHarness(t, WithUniqueProperties("crm_key"))
	in := task("k1")
	in.IDProperty = "crm_key"
	_, out := h.upsert(in)
	require.Len(t, out.Results, 1)
	assert.Equal(t, "k1", out.Results[0].Properties["crm_key"])
	assert.NotContains(t, out.Results[0].Properties, hubspot.DefaultIDProperty)
	// The same value under the default unique property is another record.
	_, other := h.upsert(task("k1"))
	assert.True(t, other.Results[0].New)
	assert.NotEqual(t, out.Results[0].ID, other.Results[0].ID)
}

func TestPartialFailureWithTraceIDs(t *testing.T) {
	h := newHarness(t)
	status, out := h.upsert(
		traced(task("ok"), "t-ok"),
		traced(task("bad", hubspot.PropTaskStatus, "SOON"), "t-bad"),
		traced(task("worse", "hs_task_colour", "red", hubspot.PropTaskPriority, "URGENT"), "t-worse"),
	)
	require.Equal(t, http.StatusMultiStatus, status)
	require.Len(t, out.Results, 1)
	assert.Equal(t, "t-ok", out.Results[0].ObjectWriteTraceID)
	require.NotNil(t, out.NumErrors)
	assert.Equal(t, 2, *out.NumErrors)
	require.Len(t, out.Errors, 2)
	byTrace := map[string]hubspot.StandardError{}
	for _, e := range out.Errors {
		require.Len(t, e.Context["objectWriteTraceId"], 1)
		byTrace[e.Context["objectWriteTraceId"][0]] = e
		assert.Equal(t, "error", e.Status)
		assert.Equal(t, hubspot.CategoryValidation, e.Category)
		assert.Nil(t, e.Errors, "real 207 entries carry no errors array")
	}
	bad := byTrace["t-bad"]
	assert.Equal(t, []string{hubspot.PropTaskStatus}, bad.Context["propertyName"])
	assert.Equal(t, `Property values were not valid: [{"isValid":false,"message":"SOON was not one of the allowed options: [NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED]","error":"INVALID_OPTION","name":"hs_task_status","localizedErrorMessage":"Property value is not valid","portalId":4471234}]`, bad.Message)
	worse := byTrace["t-worse"]
	assert.ElementsMatch(t, []string{"hs_task_colour", hubspot.PropTaskPriority}, worse.Context["propertyName"])
	assert.Contains(t, worse.Message, `Property \"hs_task_colour\" does not exist`)

	_, read := h.read(hubspot.DefaultIDProperty, nil, "ok", "bad")
	assert.Len(t, read.Results, 1, "valid inputs are written, invalid ones are not")

	// All inputs invalid: 207 with results: [].
	r := h.post(upsertPathV3, `{"inputs":[{"id":"z","idProperty":"external_task_id","objectWriteTraceId":"tz","properties":{"hs_task_type":"FAX","hs_timestamp":"1"}}]}`)
	require.Equal(t, http.StatusMultiStatus, r.status)
	assert.Contains(t, string(r.body), `"results":[]`)
}

func TestInvalidValuesWithoutTraceIDsFailTheBatch(t *testing.T) {
	tests := []struct {
		name     string
		props    map[string]string
		code     string
		property string
		message  string
	}{
		{"status enum", map[string]string{"hs_task_status": "SOON"}, hubspot.CodeInvalidOption, "hs_task_status", "SOON was not one of the allowed options: [NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED]"},
		{"priority enum", map[string]string{"hs_task_priority": "high"}, hubspot.CodeInvalidOption, "hs_task_priority", "high was not one of the allowed options: [NONE, LOW, MEDIUM, HIGH]"},
		{"type enum", map[string]string{"hs_task_type": "FAX"}, hubspot.CodeInvalidOption, "hs_task_type", "FAX was not one of the allowed options: [TODO, CALL, EMAIL, LINKED_IN_MESSAGE, LINKED_IN_CONNECT]"},
		{"unknown property", map[string]string{"hs_task_colour": "red"}, hubspot.CodePropertyDoesntExist, "hs_task_colour", `Property "hs_task_colour" does not exist`},
		{"read-only property", map[string]string{"hs_object_id": "1"}, hubspot.CodeReadOnlyValue, "hs_object_id", `Property "hs_object_id" is a read only property; its value cannot be set`},
		{"bad timestamp", map[string]string{"hs_timestamp": "tomorrow"}, hubspot.CodeInvalidDate, "hs_timestamp", "tomorrow is not a valid date: use epoch milliseconds or an ISO 8601 date-time in UTC"},
		{"bad reminder", map[string]string{"hs_task_reminders": "soon"}, hubspot.CodeInvalidLong, "hs_task_reminders", "soon was not a valid long."},
		{"too long", map[string]string{"hs_task_body": strings.Repeat("é", hubspot.MaxPropertyValueLength+1)}, hubspot.CodeMaxLengthExceeded, "hs_task_body", `Property "hs_task_body" value is 65537 characters long; the maximum is 65536`},
		{"idProperty value differs", map[string]string{"external_task_id": "other"}, hubspot.CodeReadOnlyValue, "external_task_id", `Property "external_task_id" is this input's idProperty; its value must equal the input's id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			in := task("new-" + tt.name)
			for k, v := range tt.props {
				in.Properties[k] = v
			}
			body := `{"inputs":[` + mustJSON(t, task("fine")) + `,` + mustJSON(t, in) + `]}`
			r := h.post(upsertPathV3, body)
			require.Equal(t, http.StatusBadRequest, r.status, "%s", r.body)
			e := r.errorBody(t)
			assert.Equal(t, hubspot.CategoryValidation, e.Category)
			assert.True(t, strings.HasPrefix(e.Message, hubspot.MessageInvalidPropertyValues), e.Message)
			assert.Equal(t, []string{tt.property}, e.Context["propertyName"])
			require.Len(t, e.Errors, 1)
			assert.Equal(t, tt.code, e.Errors[0].Code)
			assert.Equal(t, tt.message, e.Errors[0].Message)
			_, read := h.read(hubspot.DefaultIDProperty, nil, "fine")
			assert.Empty(t, read.Results, "nothing is written when the batch fails")
		})
	}
}

func TestValidValuesAccepted(t *testing.T) {
	h := newHarness(t)
	good := []map[string]string{
		{"hs_timestamp": "1764684000000"},
		{"hs_timestamp": "2026-12-02"},
		{"hs_timestamp": "2026-12-02T15:00:00Z"},
		{"hs_timestamp": "2026-12-02T15:00:00.123+01:00", "hs_task_reminders": "1764680000000"},
		{"hs_task_reminders": "2026-12-02T14:00:00Z"},
		{"hs_task_status": "DEFERRED", "hs_task_priority": "NONE", "hs_task_type": "LINKED_IN_CONNECT"},
		{"hs_task_body": strings.Repeat("é", hubspot.MaxPropertyValueLength)},
		{"hubspot_owner_id": "123", "hs_queue_membership_ids": "1;2"},
		{"external_task_id": "good-8"},
	}
	for i, props := range good {
		in := task("good-" + strconv.Itoa(i))
		for k, v := range props {
			in.Properties[k] = v
		}
		status, out := h.upsert(in)
		assert.Equal(t, http.StatusOK, status, "%v", props)
		assert.Len(t, out.Results, 1)
	}
	// An update needs no hs_timestamp.
	status, _ := h.upsert(hubspot.UpsertInput{ID: "good-0", IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{}})
	assert.Equal(t, http.StatusOK, status)
}

func TestEscapedStringsRoundTrip(t *testing.T) {
	h := newHarness(t, WithPreserveOrder(true))
	body := `{"inputs":[{"id":"caf\u00e9 \"q\"","idProperty":"external_\u0074ask_id","objectWriteTraceId":"t\\1",` +
		`"properties":{"hs_timestamp":"1","hs_task_subject":"line\nbreak \ud83d\ude00 \/"}}]}`
	r := h.post(upsertPathV3, body)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var out hubspot.BatchUpsertResponse
	r.json(t, &out)
	require.Len(t, out.Results, 1)
	assert.Equal(t, `café "q"`, out.Results[0].Properties[hubspot.DefaultIDProperty])
	assert.Equal(t, "line\nbreak 😀 /", out.Results[0].Properties[hubspot.PropTaskSubject])
	assert.Equal(t, `t\1`, out.Results[0].ObjectWriteTraceID)
	// The unescaped value is the key: the plain spelling updates the same record.
	_, again := h.upsert(hubspot.UpsertInput{ID: `café "q"`, IDProperty: hubspot.DefaultIDProperty, Properties: map[string]string{}})
	assert.False(t, again.Results[0].New)
	_, read := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTaskSubject, hubspot.DefaultIDProperty}, `café "q"`)
	require.Len(t, read.Results, 1)
	assert.Equal(t, "line\nbreak 😀 /", read.Results[0].Properties[hubspot.PropTaskSubject])
	assert.Equal(t, `café "q"`, read.Results[0].Properties[hubspot.DefaultIDProperty])
}

func TestUniquePropertyNameNeedingEscapes(t *testing.T) {
	h := newHarness(t, WithUniqueProperties(`odd "key"\`))
	in := task("k")
	in.IDProperty = `odd "key"\`
	_, out := h.upsert(in)
	require.Len(t, out.Results, 1)
	assert.Equal(t, "k", out.Results[0].Properties[`odd "key"\`])
}

// TestMemberOrderDoesNotChangeTheAnswer sends the same inputs with their
// members in every order (and with id or idProperty repeated after the
// properties): properties read before the input's id is known are
// validated in a second pass, which must give the same answer byte for
// byte as validating them while parsing.
func TestMemberOrderDoesNotChangeTheAnswer(t *testing.T) {
	type member struct{ key, value string }
	inputs := [][]member{
		{{"id", `"a"`}, {"idProperty", `"external_task_id"`}, {"objectWriteTraceId", `"t-a"`},
			{"properties", `{"hs_timestamp":"1","hs_task_priority":"HIGH","external_task_id":"a","hs_task_subject":"x\ny"}`}},
		{{"id", `"b"`}, {"idProperty", `"external_task_id"`}, {"objectWriteTraceId", `"t-b"`},
			{"properties", `{"hs_timestamp":"yesterday","hs_task_status":"DONE","external_task_id":"not-b"}`}},
		{{"id", `"c"`}, {"idProperty", `"external_task_id"`}, {"objectWriteTraceId", `"t-c"`},
			{"properties", `{"hs_task_subject":"no timestamp","nope":"1","hs_object_id":"5"}`}},
		{{"id", `"d"`}, {"idProperty", `"external_task_id"`}, {"objectWriteTraceId", `"t-d"`},
			{"properties", `{"hs_timestamp":"2","hs_task_type":"CALL","hs_task_type":"EMAIL"}`}},
	}
	// The second batch updates a (no timestamp needed) and creates e
	// without one; without trace ids its first invalid input fails it.
	second := [][]member{
		{{"id", `"a"`}, {"idProperty", `"external_task_id"`}, {"properties", `{"hs_task_status":"COMPLETED"}`}},
		{{"id", `"e"`}, {"idProperty", `"external_task_id"`}, {"properties", `{"hs_task_subject":"new"}`}},
	}
	third := [][]member{
		{{"id", `"a"`}, {"idProperty", `"external_task_id"`}, {"properties", `{"hs_task_subject":"again"}`}},
	}
	encode := func(batch [][]member, perm []int, extra string) string {
		var b strings.Builder
		b.WriteString(`{"inputs":[`)
		for i, in := range batch {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			n := 0
			for _, p := range perm {
				if p >= len(in) {
					continue
				}
				if n++; n > 1 {
					b.WriteByte(',')
				}
				b.WriteString(`"` + in[p].key + `":` + in[p].value)
			}
			if i == 0 {
				b.WriteString(extra) // the first input only
			}
			b.WriteByte('}')
		}
		b.WriteString(`]}`)
		return b.String()
	}
	answers := func(perm []int, extra string) []string {
		clock := newFakeClock()
		emu := New(WithToken(testToken), WithClock(clock.Now))
		var out []string
		for _, batch := range [][][]member{inputs, second, third} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, upsertPathV3, strings.NewReader(encode(batch, perm, extra)))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			emu.ServeHTTP(rec, req)
			out = append(out, strconv.Itoa(rec.Code)+" "+rec.Body.String())
		}
		return out
	}
	want := answers([]int{0, 1, 2, 3}, "")
	require.True(t, strings.HasPrefix(want[0], "207 "), want[0])
	require.True(t, strings.HasPrefix(want[1], "400 "), want[1])
	require.True(t, strings.HasPrefix(want[2], "200 "), want[2])
	perms := [][]int{}
	var permute func(p []int, k int)
	permute = func(p []int, k int) {
		if k == len(p) {
			perms = append(perms, append([]int(nil), p...))
			return
		}
		for i := k; i < len(p); i++ {
			p[k], p[i] = p[i], p[k]
			permute(p, k+1)
			p[k], p[i] = p[i], p[k]
		}
	}
	permute([]int{0, 1, 2, 3}, 0)
	for _, perm := range perms {
		assert.Equal(t, want, answers(perm, ""), "member order %v", perm)
	}
	// A member repeated after the properties replaces the earlier one, and
	// the properties are judged by the final value.
	for _, tc := range []struct{ name, extra string }{
		{"id repeated", `,"id":"zz"`},
		{"idProperty repeated", `,"idProperty":"hs_task_subject"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := answers([]int{0, 1, 2, 3}, tc.extra)
			assert.NotEqual(t, want, got)
			switch tc.name {
			case "id repeated":
				// external_task_id "a" no longer equals the final id "zz"
				assert.Contains(t, got[0], `its value must equal the input's id`)
				assert.Contains(t, got[0], `"objectWriteTraceId":["t-a"],"propertyName":["external_task_id"]`)
			default:
				assert.Contains(t, got[0], `non-unique`)
			}
		})
	}
}
