package emulator

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

const searchPathV3 = "/crm/v3/objects/tasks/search"

// search sends a search and decodes a 200.
func (h *harness) search(req hubspot.SearchRequest) hubspot.SearchResponse {
	h.t.Helper()
	r := h.post(searchPathV3, mustJSON(h.t, req))
	require.Equal(h.t, http.StatusOK, r.status, "body: %s", r.body)
	var out hubspot.SearchResponse
	r.json(h.t, &out)
	return out
}

// uniques are the unique values of results, in order.
func uniques(t *testing.T, h *harness, res []hubspot.SimplePublicObject) []string {
	t.Helper()
	ids := make([]string, len(res))
	for i, o := range res {
		ids[i] = o.ID
	}
	if len(ids) == 0 {
		return nil
	}
	byID := map[string]string{}
	for chunk := range slices.Chunk(ids, hubspot.MaxBatchInputs) {
		_, read := h.read("", []string{hubspot.DefaultIDProperty}, chunk...)
		for _, o := range read.Results {
			byID[o.ID] = o.Properties[hubspot.DefaultIDProperty]
		}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}

func where(filters ...hubspot.Filter) []hubspot.FilterGroup {
	return []hubspot.FilterGroup{{Filters: filters}}
}

func filter(prop string, op hubspot.FilterOperator, value string, values ...string) hubspot.Filter {
	return hubspot.Filter{PropertyName: prop, Operator: op, Value: value, Values: values}
}

// searchFixture writes five tasks whose values exercise every operator.
func searchFixture(t *testing.T, h *harness, clock *fakeClock) {
	t.Helper()
	h.upsert(
		task("t-1", "hs_task_status", "COMPLETED", "hs_task_priority", "HIGH", "hubspot_owner_id", "9", "hs_timestamp", "2026-01-01T00:00:00Z", "hs_task_subject", "Call Acme about renewal"),
		task("t-2", "hs_task_status", "NOT_STARTED", "hs_task_priority", "LOW", "hubspot_owner_id", "10", "hs_timestamp", "1767312000000", "hs_task_subject", "Email Bob"),
	)
	clock.Advance(time.Second)
	h.upsert(
		task("t-3", "hs_task_status", "IN_PROGRESS", "hs_timestamp", "2026-01-03", "hs_task_subject", "call acme again"),
		task("T-4", "hs_task_priority", "MEDIUM", "hubspot_owner_id", "100", "hs_timestamp", "2026-01-04T12:00:00.000+02:00", "hs_task_subject", "Lunch"),
		task("t-5", "hs_task_status", "COMPLETED", "hubspot_owner_id", "", "hs_timestamp", "2026-01-05T00:00:00.5Z", "hs_task_subject", "Follow-up: renewal"),
	)
}

func TestSearchFilters(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now))
	searchFixture(t, h, clock)
	created := clock.Now().Add(-time.Second) // t-1 and t-2
	tests := []struct {
		name   string
		groups []hubspot.FilterGroup
		want   []string
	}{
		{"no filters: everything", nil, []string{"t-1", "t-2", "t-3", "T-4", "t-5"}},
		{"EQ enum, any case", where(filter("hs_task_status", "EQ", "completed")), []string{"t-1", "t-5"}},
		{"NEQ includes tasks without the property", where(filter("hs_task_status", "NEQ", "COMPLETED")), []string{"t-2", "t-3", "T-4"}},
		{"IN", where(filter("hs_task_priority", "IN", "", "HIGH", "MEDIUM")), []string{"t-1", "T-4"}},
		{"NOT_IN", where(filter("hs_task_priority", "NOT_IN", "", "HIGH", "MEDIUM")), []string{"t-2", "t-3", "t-5"}},
		{"HAS_PROPERTY: cleared values do not count", where(filter("hubspot_owner_id", "HAS_PROPERTY", "")), []string{"t-1", "t-2", "T-4"}},
		{"NOT_HAS_PROPERTY", where(filter("hubspot_owner_id", "NOT_HAS_PROPERTY", "")), []string{"t-3", "t-5"}},
		{"GT on numbers compares numbers", where(filter("hubspot_owner_id", "GT", "9")), []string{"t-2", "T-4"}},
		{"LTE on a date, ISO value", where(filter("hs_timestamp", "LTE", "2026-01-02T00:00:00Z")), []string{"t-1", "t-2"}},
		{"GTE on a date, epoch value", where(filter("hs_timestamp", "GTE", "1767398400000")), []string{"t-3", "T-4", "t-5"}},
		{"LT on a date with an offset", where(filter("hs_timestamp", "LT", "2026-01-04T10:00:00.001Z")), []string{"t-1", "t-2", "t-3", "T-4"}},
		{"GT excludes equal", where(filter("hs_timestamp", "GT", "2026-01-05T00:00:00.500Z")), nil},
		{"BETWEEN is inclusive", where(hubspot.Filter{PropertyName: "hs_timestamp", Operator: "BETWEEN", Value: "2026-01-02", HighValue: "2026-01-04T10:00:00Z"}), []string{"t-2", "t-3", "T-4"}},
		{"EQ on the unique property is exact", where(filter(hubspot.DefaultIDProperty, "EQ", "t-4")), nil},
		{"IN on the unique property", where(filter(hubspot.DefaultIDProperty, "IN", "", "T-4", "t-2", "nope")), []string{"t-2", "T-4"}},
		{"GT on hs_object_id", where(filter(hubspot.PropObjectID, "GT", strconv.FormatUint(FirstObjectID+2, 10))), []string{"T-4", "t-5"}},
		{"EQ on hs_object_id", where(filter(hubspot.PropObjectID, "EQ", strconv.FormatUint(FirstObjectID, 10))), []string{"t-1"}},
		{"GT on hs_createdate", where(filter(hubspot.PropCreateDate, "GT", strconv.FormatInt(created.UnixMilli(), 10))), []string{"t-3", "T-4", "t-5"}},
		{"CONTAINS_TOKEN matches a word, any case", where(filter("hs_task_subject", "CONTAINS_TOKEN", "ACME")), []string{"t-1", "t-3"}},
		{"CONTAINS_TOKEN with a wildcard", where(filter("hs_task_subject", "CONTAINS_TOKEN", "renew*")), []string{"t-1", "t-5"}},
		{"NOT_CONTAINS_TOKEN", where(filter("hs_task_subject", "NOT_CONTAINS_TOKEN", "acme")), []string{"t-2", "T-4", "t-5"}},
		{"filters of a group are ANDed", where(filter("hs_task_status", "EQ", "COMPLETED"), filter("hubspot_owner_id", "HAS_PROPERTY", "")), []string{"t-1"}},
		{"groups are ORed", []hubspot.FilterGroup{
			{Filters: []hubspot.Filter{filter("hs_task_priority", "EQ", "LOW")}},
			{Filters: []hubspot.Filter{filter(hubspot.DefaultIDProperty, "EQ", "t-5")}},
		}, []string{"t-2", "t-5"}},
		{"lookup group ORed with a scanned one", []hubspot.FilterGroup{
			{Filters: []hubspot.Filter{filter(hubspot.DefaultIDProperty, "EQ", "t-1"), filter("hs_task_status", "EQ", "COMPLETED")}},
			{Filters: []hubspot.Filter{filter("hs_task_priority", "EQ", "MEDIUM")}},
		}, []string{"t-1", "T-4"}},
		{"a pinned group still applies its other filters", where(filter(hubspot.DefaultIDProperty, "IN", "", "t-1", "t-2"), filter("hs_task_status", "EQ", "COMPLETED")), []string{"t-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.search(hubspot.SearchRequest{FilterGroups: tt.groups, Limit: 100})
			assert.Equal(t, len(tt.want), out.Total)
			assert.Equal(t, tt.want, uniques(t, h, out.Results), "results in id order")
		})
	}
}

func TestSearchQueryAndProperties(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now))
	searchFixture(t, h, clock)
	out := h.search(hubspot.SearchRequest{Query: "ACME call", Properties: []string{"hs_task_subject", "nope"}})
	require.Equal(t, 2, out.Total)
	assert.Equal(t, "Call Acme about renewal", out.Results[0].Properties["hs_task_subject"])
	assert.Equal(t, "call acme again", out.Results[1].Properties["hs_task_subject"])
	for _, o := range out.Results {
		for _, p := range []string{hubspot.PropObjectID, hubspot.PropCreateDate, hubspot.PropLastModifiedDate} {
			assert.Contains(t, o.Properties, p, "system properties come by default")
		}
		assert.NotContains(t, o.Properties, "hs_task_status", "only the requested properties")
		assert.NotContains(t, o.Properties, "nope")
		assert.False(t, o.Archived)
	}
	assert.Equal(t, []string{"T-4"}, uniques(t, h, h.search(hubspot.SearchRequest{Query: "t-4"}).Results),
		"the unique value is searched too")
}

func TestSearchSortLimitAndPaging(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now))
	searchFixture(t, h, clock)
	tests := []struct {
		name  string
		body  string
		want  []string
		total int
		next  string
	}{
		{"default: id order, 10 per page", `{}`, []string{"t-1", "t-2", "t-3", "T-4", "t-5"}, 5, ""},
		{"limit and next page", `{"limit":2}`, []string{"t-1", "t-2"}, 5, "2"},
		{"after a page", `{"limit":2,"after":"2"}`, []string{"t-3", "T-4"}, 5, "4"},
		{"last page has no next", `{"limit":2,"after":"4"}`, []string{"t-5"}, 5, ""},
		{"after past the end", `{"after":"9"}`, nil, 5, ""},
		{"after as a number (the Node client's 0)", `{"limit":1,"after":0}`, []string{"t-1"}, 5, "1"},
		{"limit as a string", `{"limit":"1"}`, []string{"t-1"}, 5, "1"},
		{"limit 0 is the default", `{"limit":0}`, []string{"t-1", "t-2", "t-3", "T-4", "t-5"}, 5, ""},
		{"sort by date, string form", `{"sorts":["hs_timestamp"]}`, []string{"t-1", "t-2", "t-3", "T-4", "t-5"}, 5, ""},
		{"sort descending, string form", `{"sorts":["-hs_timestamp"]}`, []string{"t-5", "T-4", "t-3", "t-2", "t-1"}, 5, ""},
		{"sort object, descending text", `{"sorts":[{"propertyName":"hs_task_subject","direction":"DESCENDING"}]}`, []string{"T-4", "t-5", "t-2", "t-3", "t-1"}, 5, ""},
		{"missing values sort last, numbers as numbers", `{"sorts":[{"propertyName":"hubspot_owner_id","direction":"ASCENDING"}]}`, []string{"t-1", "t-2", "T-4", "t-3", "t-5"}, 5, ""},
		{"missing values sort last descending too", `{"sorts":["-hubspot_owner_id"]}`, []string{"T-4", "t-2", "t-1", "t-3", "t-5"}, 5, ""},
		{"only the first sort applies", `{"sorts":["hs_task_status","-hs_object_id"]}`, []string{"t-1", "t-5", "t-3", "t-2", "T-4"}, 5, ""},
		{"sort by the unique property", `{"sorts":["-external_task_id"]}`, []string{"t-5", "t-3", "t-2", "t-1", "T-4"}, 5, ""},
		{"filter, sort and page together", `{"filterGroups":[{"filters":[{"propertyName":"hs_task_priority","operator":"HAS_PROPERTY"}]}],"sorts":["-hs_createdate"],"limit":2}`,
			[]string{"T-4", "t-1"}, 3, "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.post(searchPathV3, tt.body)
			require.Equal(t, http.StatusOK, r.status, "%s", r.body)
			var out hubspot.SearchResponse
			r.json(t, &out)
			assert.Equal(t, tt.total, out.Total)
			assert.Equal(t, tt.want, uniques(t, h, out.Results))
			if tt.next == "" {
				assert.Nil(t, out.Paging)
				assert.NotContains(t, string(r.body), "paging")
			} else if assert.NotNil(t, out.Paging) && assert.NotNil(t, out.Paging.Next) {
				assert.Equal(t, tt.next, out.Paging.Next.After)
			}
		})
	}
}

// Paging through everything with the cursor yields each match exactly
// once, in order, whatever the page size.
func TestSearchPagingCoversEverything(t *testing.T) {
	h := newHarness(t)
	for i := range 7 {
		h.post(upsertPathV3, batchBody("p"+strconv.Itoa(i), 60, false))
	}
	for _, limit := range []int{1, 7, 100, 200} {
		var all []string
		after := ""
		for pages := 0; pages < 500; pages++ {
			out := h.search(hubspot.SearchRequest{Limit: limit, After: after, Sorts: []hubspot.Sort{{PropertyName: "hs_task_subject", Direction: hubspot.Descending}}})
			require.Equal(t, 420, out.Total)
			for _, o := range out.Results {
				all = append(all, o.ID)
			}
			if out.Paging == nil {
				break
			}
			after = out.Paging.Next.After
		}
		assert.Len(t, all, 420, "limit %d", limit)
		assert.Len(t, slices.Compact(slices.Sorted(slices.Values(all))), 420, "no duplicates with limit %d", limit)
	}
}

func TestSearchRefusals(t *testing.T) {
	h := newHarness(t)
	h.upsert(task("r-1"))
	groups := func(n int) string {
		return `{"filterGroups":[` + strings.Repeat(`{"filters":[{"propertyName":"hs_task_status","operator":"HAS_PROPERTY"}]},`, n-1) +
			`{"filters":[{"propertyName":"hs_task_status","operator":"HAS_PROPERTY"}]}]}`
	}
	filters := func(n int) string {
		return `{"filters":[` + strings.Repeat(`{"propertyName":"hs_task_status","operator":"HAS_PROPERTY"},`, n-1) +
			`{"propertyName":"hs_task_status","operator":"HAS_PROPERTY"}]}`
	}
	tests := []struct {
		name, body, contentType string
		status                  int
		message                 string
	}{
		{"malformed JSON", `{"limit":`, "", 400, "Invalid input JSON on line 1, column 10: Unexpected end-of-input"},
		{"not an object", `[]`, "", 400, "Cannot deserialize value of type `PublicObjectSearchRequest` from Array value"},
		{"empty body", ``, "", 400, "No content to map due to end-of-input"},
		{"trailing data", `{} {}`, "", 400, "Unexpected trailing data"},
		{"wrong content type", `{}`, "text/plain", 415, "Content type 'text/plain' not supported"},
		{"limit over 200", `{"limit":201}`, "", 400, "limit must be from 1 to 200; 201 was sent"},
		{"negative limit", `{"limit":-1}`, "", 400, "limit must be from 1 to 200; -1 was sent"},
		{"limit not a number", `{"limit":"ten"}`, "", 400, "Cannot deserialize value of type `int` from String value \"ten\""},
		{"limit a fraction", `{"limit":1.5}`, "", 400, "Cannot deserialize value of type `int` from Number value \"1.5\""},
		{"limit an object", `{"limit":{}}`, "", 400, "Cannot deserialize value of type `int` from Object value (field limit)"},
		{"after not a cursor", `{"after":"abc"}`, "", 400, `after "abc" is not a paging cursor`},
		{"after negative", `{"after":"-5"}`, "", 400, `after "-5" is not a paging cursor`},
		{"paging past 10,000", `{"after":"9990","limit":20}`, "", 400, "A search pages through at most 10000 results"},
		{"six filter groups", groups(6), "", 400, "Too many filter groups: 6 were sent, but a search accepts at most 5"},
		{"seven filters in a group", `{"filterGroups":[` + filters(7) + `]}`, "", 400, "Too many filters in filterGroups[0]: 7 were sent, but a filter group accepts at most 6"},
		{"nineteen filters", `{"filterGroups":[` + filters(6) + `,` + filters(6) + `,` + filters(6) + `,` + filters(1) + `]}`, "", 400, "Too many filters: 19 were sent, but a search accepts at most 18 in all"},
		{"unknown filter property", `{"filterGroups":[{"filters":[{"propertyName":"nope","operator":"EQ","value":"1"}]}]}`, "", 400, `Property "nope" does not exist`},
		{"unknown sort property", `{"sorts":["-nope"]}`, "", 400, `Property "nope" does not exist`},
		{"unknown operator", `{"filterGroups":[{"filters":[{"propertyName":"hs_task_status","operator":"LIKE","value":"x"}]}]}`, "", 400,
			"Invalid input JSON on line 1, column 74: Cannot deserialize value of type `com.hubspot.inbounddb.publicobject.core.v3.search.FilterOperatorType` from String \"LIKE\": not one of the values accepted for Enum class: [BETWEEN, CONTAINS_TOKEN, EQ, GT, GTE, HAS_PROPERTY, IN, LT, LTE, NEQ, NOT_CONTAINS_TOKEN, NOT_HAS_PROPERTY, NOT_IN]"},
		{"operator and property missing", `{"filterGroups":[{"filters":[{"value":"x"}]}]}`, "", 400,
			"Cannot build Filter, some of required attributes are not set [propertyName, operator]"},
		{"filters missing", `{"filterGroups":[{}]}`, "", 400, "Cannot build FilterGroup, some of required attributes are not set [filters]"},
		{"BETWEEN without highValue", `{"filterGroups":[{"filters":[{"propertyName":"hs_timestamp","operator":"BETWEEN","value":"1"}]}]}`, "", 400,
			"Cannot construct instance of `com.hubspot.inbounddb.publicobject.core.v3.search.Filter`, problem: operator BETWEEN requires a highValue"},
		{"EQ without value", `{"filterGroups":[{"filters":[{"propertyName":"hs_timestamp","operator":"EQ"}]}]}`, "", 400, "operator EQ requires a value"},
		{"IN without values", `{"filterGroups":[{"filters":[{"propertyName":"hs_task_status","operator":"IN","value":"x"}]}]}`, "", 400, "operator IN requires values"},
		{"IN with an array value", `{"filterGroups":[{"filters":[{"propertyName":"hs_task_status","operator":"IN","value":["x"]}]}]}`, "", 400,
			"Cannot deserialize value of type `java.lang.String` from Array value (field filterGroups[0].filters[0].value)"},
		{"a date filter that is no date", `{"filterGroups":[{"filters":[{"propertyName":"hs_lastmodifieddate","operator":"GT","value":"yesterday"}]}]}`, "", 400,
			"yesterday is not a valid date"},
		{"an id filter that is no id", `{"filterGroups":[{"filters":[{"propertyName":"hs_object_id","operator":"IN","values":["1","x"]}]}]}`, "", 400,
			"x is not a valid object id for hs_object_id"},
		{"bad sort direction", `{"sorts":[{"propertyName":"hs_timestamp","direction":"UP"}]}`, "", 400,
			"Cannot deserialize value of type `com.hubspot.inbounddb.publicobject.core.v3.search.SortDirection` from String \"UP\""},
		{"sort without property", `{"sorts":[{"direction":"ASCENDING"}]}`, "", 400, "Cannot build Sort, some of required attributes are not set [propertyName]"},
		{"sort a number", `{"sorts":[1]}`, "", 400, "Cannot deserialize value of type `String` from Number value (field sorts[0])"},
		{"query too long", `{"query":"` + strings.Repeat("a", 3001) + `"}`, "", 400, "query must be at most 3000 characters long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.contentType != "" {
				hdr["Content-Type"] = tt.contentType
			}
			r := h.do(http.MethodPost, searchPathV3, tt.body, hdr)
			require.Equal(t, tt.status, r.status, "%s", r.body)
			e := r.errorBody(t)
			assert.Contains(t, e.Message, tt.message)
			assert.NotEmpty(t, e.Category)
		})
	}
}

func TestSearchRoutes(t *testing.T) {
	h := newHarness(t)
	h.upsert(task("v-1"))
	for _, v := range hubspot.Versions {
		t.Run(string(v), func(t *testing.T) {
			r := h.post(v.SearchPath(), `{}`)
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, string(r.body), `"total":1`)
			r = h.do(http.MethodGet, v.SearchPath(), "", nil)
			assert.Equal(t, http.StatusMethodNotAllowed, r.status)
			assert.Equal(t, http.MethodPost, r.header.Get("Allow"))
		})
	}
	r := h.do(http.MethodPost, searchPathV3, `{}`, map[string]string{"Authorization": "Bearer " + testROToken})
	assert.Equal(t, http.StatusOK, r.status, "search is a read: the read-only token may search")
	r = h.do(http.MethodPost, searchPathV3, `{}`, map[string]string{"Authorization": ""})
	assert.Equal(t, http.StatusUnauthorized, r.status)
}

// HubSpot's search limit: five requests per rolling second per account,
// shared by its tokens, with the recorded search 429 (category
// RATE_LIMITS, no errorType or policyName) and no rate-limit headers;
// search is exempt from the burst limit but spends the daily budget.
func TestSearchRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithTier(hubspot.TierFree), WithClock(clock.Now), WithRetryAfter(true))
	as := func(token string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }
	for i := range 5 {
		tok := testToken
		if i%2 == 1 {
			tok = testROToken
		}
		r := h.do(http.MethodPost, searchPathV3, `{}`, as(tok))
		require.Equal(t, http.StatusOK, r.status)
		for _, name := range hubspot.RateLimitHeaders {
			assert.Empty(t, r.header.Get(name), "search answers carry no %s", name)
		}
		clock.Advance(100 * time.Millisecond)
	}
	r := h.do(http.MethodPost, searchPathV3, `{}`, as(testROToken))
	require.Equal(t, http.StatusTooManyRequests, r.status, "the sixth search within a second, whichever token")
	var e hubspot.Error
	r.json(t, &e)
	assert.Equal(t, hubspot.Error{Status: "error", Message: hubspot.MessageSecondlyLimit, CorrelationID: e.CorrelationID,
		Category: hubspot.CategoryRateLimits}, e)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Empty(t, r.header.Get(hubspot.HeaderRateLimitRemaining))

	r = h.post(readPathV3, `{"inputs":[]}`)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "99", r.header.Get(hubspot.HeaderRateLimitRemaining), "searches did not spend the burst window")
	assert.Equal(t, strconv.Itoa(250_000-6), r.header.Get(hubspot.HeaderRateLimitDailyRemaining), "5 searches and this read spent the day")

	clock.Advance(500 * time.Millisecond) // the first search leaves the window
	assert.Equal(t, http.StatusOK, h.post(searchPathV3, `{}`).status)
	assert.Equal(t, http.StatusTooManyRequests, h.post(searchPathV3, `{}`).status)

	for range 99 {
		require.Equal(t, http.StatusOK, h.post(readPathV3, `{"inputs":[]}`).status)
	}
	require.Equal(t, http.StatusTooManyRequests, h.post(readPathV3, `{"inputs":[]}`).status)
	clock.Advance(time.Second)
	assert.Equal(t, http.StatusOK, h.post(searchPathV3, `{}`).status, "a spent burst window does not stop search")
}

// searchUniques is the sorted unique values search finds for body.
func searchUniques(t *testing.T, h *harness, groups []hubspot.FilterGroup) []string {
	t.Helper()
	out := h.search(hubspot.SearchRequest{FilterGroups: groups, Limit: 200})
	got := uniques(t, h, out.Results)
	slices.Sort(got)
	return got
}

// Differential test: random filters over random tasks, against a brute
// force evaluation of the same rules over what was written.
func TestSearchAgreesWithBruteForce(t *testing.T) {
	clock := newFakeClock()
	h := newHarness(t, WithClock(clock.Now))
	rnd := rand.New(rand.NewPCG(7, 11))
	statuses := hubspot.EnumValues(hubspot.PropTaskStatus)
	type written struct{ props map[string]string }
	tasks := map[string]written{}
	for i := range 120 {
		key := fmt.Sprintf("k-%03d", i)
		props := map[string]string{hubspot.PropTimestamp: strconv.Itoa(1_767_225_600_000 + rnd.IntN(10)*86_400_000)}
		if rnd.IntN(4) > 0 {
			props[hubspot.PropTaskStatus] = statuses[rnd.IntN(len(statuses))]
		}
		if rnd.IntN(3) > 0 {
			props[hubspot.PropOwnerID] = strconv.Itoa(rnd.IntN(30))
		}
		in := hubspot.UpsertInput{ID: key, IDProperty: hubspot.DefaultIDProperty, Properties: props}
		h.upsert(in)
		if _, ok := props[hubspot.PropTaskStatus]; !ok {
			props[hubspot.PropTaskStatus] = string(hubspot.TaskStatusNotStarted) // a create's default (defaults.go)
		}
		tasks[key] = written{props: props}
	}
	valueOf := func(p string) string {
		switch p {
		case hubspot.PropTaskStatus:
			return strings.ToLower(statuses[rnd.IntN(len(statuses))])
		case hubspot.PropOwnerID:
			return strconv.Itoa(rnd.IntN(30))
		case hubspot.DefaultIDProperty:
			return fmt.Sprintf("k-%03d", rnd.IntN(130))
		}
		return strconv.Itoa(1_767_225_600_000 + rnd.IntN(10)*86_400_000)
	}
	props := []string{hubspot.PropTaskStatus, hubspot.PropOwnerID, hubspot.PropTimestamp, hubspot.DefaultIDProperty}
	ops := []hubspot.FilterOperator{"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"}
	// reference evaluates one filter on what was written for key.
	reference := func(key string, f hubspot.Filter) bool {
		v, has := tasks[key].props[f.PropertyName]
		if f.PropertyName == hubspot.DefaultIDProperty {
			v, has = key, true
		}
		switch f.Operator {
		case "HAS_PROPERTY":
			return has
		case "NOT_HAS_PROPERTY":
			return !has
		}
		if !has {
			return f.Operator == "NEQ" || f.Operator == "NOT_IN"
		}
		eq := func(a, b string) bool {
			if f.PropertyName == hubspot.DefaultIDProperty {
				return a == b
			}
			return strings.EqualFold(a, b)
		}
		cmp := func(a, b string) int {
			x, err1 := strconv.ParseInt(a, 10, 64)
			y, err2 := strconv.ParseInt(b, 10, 64)
			if err1 == nil && err2 == nil {
				return int(x - y)
			}
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		}
		switch f.Operator {
		case "EQ":
			return eq(v, f.Value)
		case "NEQ":
			return !eq(v, f.Value)
		case "IN", "NOT_IN":
			in := slices.ContainsFunc(f.Values, func(x string) bool { return eq(v, x) })
			return in == (f.Operator == "IN")
		case "LT":
			return cmp(v, f.Value) < 0
		case "LTE":
			return cmp(v, f.Value) <= 0
		case "GT":
			return cmp(v, f.Value) > 0
		}
		return cmp(v, f.Value) >= 0
	}
	for round := range 150 {
		var groups []hubspot.FilterGroup
		for range 1 + rnd.IntN(3) {
			var g hubspot.FilterGroup
			for range 1 + rnd.IntN(3) {
				f := hubspot.Filter{PropertyName: props[rnd.IntN(len(props))], Operator: ops[rnd.IntN(len(ops))]}
				switch f.Operator {
				case "IN", "NOT_IN":
					for range 1 + rnd.IntN(3) {
						f.Values = append(f.Values, valueOf(f.PropertyName))
					}
				case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
				default:
					f.Value = valueOf(f.PropertyName)
				}
				g.Filters = append(g.Filters, f)
			}
			groups = append(groups, g)
		}
		var want []string
		for key := range tasks {
			if slices.ContainsFunc(groups, func(g hubspot.FilterGroup) bool {
				for _, f := range g.Filters {
					if !reference(key, f) {
						return false
					}
				}
				return true
			}) {
				want = append(want, key)
			}
		}
		slices.Sort(want)
		got := searchUniques(t, h, groups)
		if !assert.Equal(t, want, got, "round %d: %s", round, mustJSON(t, groups)) {
			return
		}
	}
}

// The search response decodes into HubSpot's published shape
// (CollectionResponseWithTotalSimplePublicObject), with nothing else.
func TestSearchAnswerShape(t *testing.T) {
	h := newHarness(t)
	h.upsert(task("s-1"), task("s-2"))
	r := h.post(searchPathV3, `{"limit":1}`)
	require.Equal(t, http.StatusOK, r.status)
	var raw map[string]json.RawMessage
	r.json(t, &raw)
	assert.ElementsMatch(t, []string{"total", "results", "paging"}, slices.Collect(maps.Keys(raw)))
	var obj map[string]json.RawMessage
	var results []json.RawMessage
	require.NoError(t, json.Unmarshal(raw["results"], &results))
	require.Len(t, results, 1)
	require.NoError(t, json.Unmarshal(results[0], &obj))
	assert.ElementsMatch(t, []string{"id", "properties", "createdAt", "updatedAt", "archived", "url"}, slices.Collect(maps.Keys(obj)))
	assert.JSONEq(t, `{"next":{"after":"1"}}`, string(raw["paging"]))
}

// parseInstant agrees with time.Parse on every form HubSpot accepts.
func TestParseInstant(t *testing.T) {
	for _, v := range []string{
		"2026-01-01", "1970-01-01", "1969-12-31", "2000-02-29", "2400-02-29", "1600-03-01", "0001-01-01", "0000-01-01", "0000-03-01", "9999-12-31",
		"2026-11-28T12:08:14Z", "2026-11-28T12:08:14.1Z", "2026-11-28T12:08:14.123Z", "2026-11-28T12:08:14.123456789Z",
		"2026-11-28T23:59:59.999+02:00", "2026-01-01T00:00:00-05:30", "1969-12-31T23:59:59.999Z",
	} {
		layout := time.RFC3339Nano
		if len(v) == 10 {
			layout = time.DateOnly
		}
		want, err := time.Parse(layout, v)
		require.NoError(t, err)
		got, ok := hubspot.ParseInstant([]byte(v))
		assert.True(t, ok, v)
		assert.Equal(t, want.UnixMilli(), got, v)
	}
	for _, v := range []string{"1767225600000", "-1", "0"} {
		n, _ := strconv.ParseInt(v, 10, 64)
		got, ok := hubspot.ParseInstant([]byte(v))
		assert.True(t, ok)
		assert.Equal(t, n, got)
	}
	for _, v := range []string{"", "yesterday", "2026-13-01", "2026-02-30", "2026-01-01T25:00:00Z", "2026-01-01T00:00:00"} {
		_, ok := hubspot.ParseInstant([]byte(v))
		assert.False(t, ok, v)
	}
}
