package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestBatchRead(t *testing.T) {
	h := newHarness(t)
	_, out := h.upsert(task("r1", hubspot.PropTaskStatus, "WAITING"), task("r2"))
	ids := byUnique(out.Results)

	tests := []struct {
		name       string
		idProperty string
		props      []string
		inputs     []string
		status     int
		found      []string // unique values expected back
		missing    []string
	}{
		{name: "by unique value", idProperty: hubspot.DefaultIDProperty, props: []string{hubspot.PropTaskStatus}, inputs: []string{"r1", "r2"}, status: 200, found: []string{"r1", "r2"}},
		{name: "by record id", props: []string{hubspot.DefaultIDProperty}, inputs: []string{ids["r1"].ID}, status: 200, found: []string{"r1"}},
		{name: "by hs_object_id", idProperty: hubspot.PropObjectID, props: []string{hubspot.DefaultIDProperty}, inputs: []string{ids["r2"].ID}, status: 200, found: []string{"r2"}},
		{name: "unknown ids", idProperty: hubspot.DefaultIDProperty, props: []string{hubspot.DefaultIDProperty}, inputs: []string{"r1", "nope", "gone"}, status: 207, found: []string{"r1"}, missing: []string{"nope", "gone"}},
		{name: "non-numeric record id", inputs: []string{"abc"}, status: 207, missing: []string{"abc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := h.read(tt.idProperty, tt.props, tt.inputs...)
			require.Equal(t, tt.status, status)
			assert.Equal(t, hubspot.BatchStatusComplete, got.Status)
			assert.NotEmpty(t, got.StartedAt)
			assert.NotEmpty(t, got.CompletedAt)
			var values []string
			for _, r := range got.Results {
				u := r.Properties[hubspot.DefaultIDProperty]
				if u == "" {
					for k, v := range ids {
						if v.ID == r.ID {
							u = k
						}
					}
				}
				values = append(values, u)
				assert.Equal(t, ids[u].ID, r.ID)
				assert.Equal(t, ids[u].ID, r.Properties[hubspot.PropObjectID], "system properties are always returned")
				assert.Equal(t, string(ids[u].CreatedAt), r.Properties[hubspot.PropCreateDate])
				assert.Equal(t, ids[u].CreatedAt, r.CreatedAt)
				assert.False(t, r.Archived)
				assert.Contains(t, r.URL, "/record/0-27/"+r.ID)
			}
			assert.ElementsMatch(t, tt.found, values)
			if tt.missing == nil {
				assert.Nil(t, got.NumErrors)
				return
			}
			require.NotNil(t, got.NumErrors)
			assert.Equal(t, 1, *got.NumErrors)
			require.Len(t, got.Errors, 1)
			assert.Equal(t, hubspot.CategoryObjectNotFound, got.Errors[0].Category)
			assert.Equal(t, MessageObjectsNotFound, got.Errors[0].Message)
			assert.Equal(t, tt.missing, got.Errors[0].Context["ids"])
		})
	}

	t.Run("requested properties only", func(t *testing.T) {
		_, got := h.read(hubspot.DefaultIDProperty, []string{hubspot.PropTaskStatus, "no_such_property", hubspot.PropTaskBody}, "r1")
		require.Len(t, got.Results, 1)
		assert.Equal(t, map[string]string{
			hubspot.PropTaskStatus:       "WAITING",
			hubspot.PropObjectID:         ids["r1"].ID,
			hubspot.PropCreateDate:       string(ids["r1"].CreatedAt),
			hubspot.PropLastModifiedDate: string(ids["r1"].UpdatedAt),
		}, got.Results[0].Properties, "unknown and unset properties are left out")
	})
	t.Run("read-only token may read", func(t *testing.T) {
		r := h.do(http.MethodPost, readPathV3, `{"inputs":[{"id":"r1"}],"idProperty":"external_task_id","properties":[],"propertiesWithHistory":["hs_task_status"],"archived":false}`,
			map[string]string{"Authorization": "Bearer " + testROToken})
		assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
	})
}

func TestArchiveAndGet(t *testing.T) {
	h := newHarness(t)
	_, out := h.upsert(task("g1", hubspot.PropTaskPriority, "LOW"), task("g2"))
	ids := byUnique(out.Results)
	id1 := ids["g1"].ID

	for _, path := range []string{hubspot.VersionV3.ObjectPath(id1), hubspot.Version202603.ObjectPath(id1)} {
		r := h.do(http.MethodGet, path+"?properties=hs_task_priority,hs_task_subject&properties=external_task_id", "", nil)
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var obj hubspot.SimplePublicObject
		r.json(t, &obj)
		assert.Equal(t, id1, obj.ID)
		assert.Equal(t, "LOW", obj.Properties[hubspot.PropTaskPriority])
		assert.Equal(t, "Call g1", obj.Properties[hubspot.PropTaskSubject])
		assert.Equal(t, "g1", obj.Properties[hubspot.DefaultIDProperty])
	}
	r := h.do(http.MethodGet, hubspot.VersionV3.ObjectPath("g2")+"?idProperty=external_task_id", "", nil)
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var obj hubspot.SimplePublicObject
	r.json(t, &obj)
	assert.Equal(t, ids["g2"].ID, obj.ID)

	r = h.do(http.MethodGet, hubspot.VersionV3.ObjectPath("g2")+"?idProperty=hs_task_subject", "", nil)
	assert.Equal(t, http.StatusBadRequest, r.status)

	r = h.do(http.MethodPost, hubspot.VersionV3.ArchivePath(), `{"inputs":[{"id":"`+id1+`"},{"id":"999"},{"id":"x"}]}`, nil)
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	assert.Empty(t, r.body)
	assert.Equal(t, uint64(1), h.emu.Stats().Archived)

	for path, id := range map[string]string{
		hubspot.VersionV3.ObjectPath(id1):                                   id1,
		hubspot.VersionV3.ObjectPath("g1") + "?idProperty=external_task_id": "g1",
		hubspot.VersionV3.ObjectPath("12"):                                  "12",
	} {
		r = h.do(http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusNotFound, r.status, path)
		e := r.errorBody(t)
		assert.Equal(t, hubspot.CategoryObjectNotFound, e.Category)
		assert.Equal(t, "Object not found.  objectId are usually numeric.", e.Message)
		assert.Equal(t, map[string][]string{"id": {id}}, e.Context, "the 404 names the id it was asked for")
	}
	status, got := h.read(hubspot.DefaultIDProperty, nil, "g1", "g2")
	assert.Equal(t, http.StatusMultiStatus, status, "an archived record is not read back")
	assert.Len(t, got.Results, 1)

	// Upserting an archived value creates a new record with a new id.
	_, again := h.upsert(task("g1"))
	assert.True(t, again.Results[0].New)
	assert.NotEqual(t, id1, again.Results[0].ID)

	// Archiving twice is fine, like HubSpot.
	r = h.do(http.MethodPost, hubspot.Version202603.ArchivePath(), `{"inputs":[{"id":"`+id1+`"}]}`, nil)
	assert.Equal(t, http.StatusNoContent, r.status)
}

func TestResetKeepsIDsCounting(t *testing.T) {
	h := newHarness(t)
	_, first := h.upsert(task("x"))
	r := h.do(http.MethodPost, PathReset, "", map[string]string{"Authorization": ""})
	require.Equal(t, http.StatusNoContent, r.status)
	assert.Zero(t, h.emu.Stats().Records)
	_, second := h.upsert(task("x"))
	assert.True(t, second.Results[0].New, "the store was cleared")
	assert.NotEqual(t, first.Results[0].ID, second.Results[0].ID, "ids are never reused")
}
