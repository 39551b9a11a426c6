package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
)

// strictInputs decodes a body into the typed request, refusing unknown fields.
func strictInputs(body []byte) (hubspot.BatchUpsertRequest, error) {
	var req hubspot.BatchUpsertRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && dec.More() {
		err = fmt.Errorf("trailing data")
	}
	return req, err
}

// rawInputs decodes the inputs loosely, to look at wrongly typed fields.
func rawInputs(t *testing.T, body []byte) []map[string]json.RawMessage {
	t.Helper()
	var doc struct {
		Inputs []map[string]json.RawMessage `json:"inputs"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	return doc.Inputs
}

func TestBadCases(t *testing.T) {
	checks := map[string]func(t *testing.T, bc BadCase){
		BadTooManyInputs: func(t *testing.T, bc BadCase) {
			req, err := strictInputs(bc.Body)
			require.NoError(t, err)
			assert.Len(t, req.Inputs, hubspot.MaxBatchInputs+1)
			ids := map[string]bool{}
			for _, in := range req.Inputs {
				ids[in.ID] = true
			}
			assert.Len(t, ids, len(req.Inputs), "only the count is wrong")
		},
		BadDuplicateIDs: func(t *testing.T, bc BadCase) {
			req, err := strictInputs(bc.Body)
			require.NoError(t, err)
			assert.Equal(t, req.Inputs[0].ID, req.Inputs[2].ID)
			assert.NotEqual(t, req.Inputs[0].ID, req.Inputs[1].ID)
		},
		BadMissingID: func(t *testing.T, bc BadCase) {
			assert.NotContains(t, rawInputs(t, bc.Body)[1], "id")
		},
		BadMissingProperties: func(t *testing.T, bc BadCase) {
			assert.NotContains(t, rawInputs(t, bc.Body)[1], "properties")
		},
		BadNumericID: func(t *testing.T, bc BadCase) {
			assert.Equal(t, "4711", string(rawInputs(t, bc.Body)[1]["id"]))
		},
		BadInvalidStatus:        propertyIs(hubspot.PropTaskStatus, "DONE"),
		BadInvalidPriority:      propertyIs(hubspot.PropTaskPriority, "URGENT"),
		BadInvalidType:          propertyIs(hubspot.PropTaskType, "MEETING"),
		BadUnparseableTimestamp: propertyIs(hubspot.PropTimestamp, "next Tuesday"),
		BadUnknownProperty:      propertyIs("hs_task_mood", "positive"),
		BadReadOnlyProperty:     propertyIs(hubspot.PropCreateDate, "2025-12-01T09:30:00.000Z"),
		BadNonUniqueIDProperty:  idPropertyIs(hubspot.PropTaskSubject),
		BadObjectIDProperty:     idPropertyIs(hubspot.PropObjectID),
		BadMissingIDProperty: func(t *testing.T, bc BadCase) {
			req, err := strictInputs(bc.Body)
			require.NoError(t, err)
			require.NotEmpty(t, req.Inputs)
			for _, in := range req.Inputs {
				assert.Empty(t, in.IDProperty)
			}
		},
		BadOverLongString: func(t *testing.T, bc BadCase) {
			req, err := strictInputs(bc.Body)
			require.NoError(t, err)
			assert.Equal(t, hubspot.MaxPropertyValueLength+1, utf8.RuneCountInString(req.Inputs[1].Properties[hubspot.PropTaskBody]))
		},
		BadMalformedJSON: func(t *testing.T, bc BadCase) {
			assert.False(t, json.Valid(bc.Body))
			assert.True(t, bytes.HasPrefix(bc.Body, []byte(`{"inputs":[{`)), "starts like a batch")
		},
		BadTrailingData: func(t *testing.T, bc BadCase) {
			assert.False(t, json.Valid(bc.Body))
			dec := json.NewDecoder(bytes.NewReader(bc.Body))
			var first hubspot.BatchUpsertRequest
			require.NoError(t, dec.Decode(&first), "the first value is a valid batch")
			assert.True(t, dec.More())
		},
		BadWrongContentType: func(t *testing.T, bc BadCase) {
			_, err := strictInputs(bc.Body)
			require.NoError(t, err, "only the content type is wrong")
			assert.NotContains(t, bc.ContentType, "json")
		},
		BadEmptyBody: func(t *testing.T, bc BadCase) { assert.Empty(t, bc.Body) },
		BadMissingInputs: func(t *testing.T, bc BadCase) {
			var m map[string]any
			require.NoError(t, json.Unmarshal(bc.Body, &m))
			assert.NotContains(t, m, "inputs")
		},
		BadInputsNotArray: func(t *testing.T, bc BadCase) {
			var m map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(bc.Body, &m))
			assert.True(t, bytes.HasPrefix(m["inputs"], []byte("{")))
		},
		BadBodyNotObject: func(t *testing.T, bc BadCase) {
			assert.True(t, json.Valid(bc.Body))
			assert.True(t, bytes.HasPrefix(bc.Body, []byte("[")))
		},
		BadPropertiesNotObject: func(t *testing.T, bc BadCase) {
			assert.True(t, bytes.HasPrefix(rawInputs(t, bc.Body)[1]["properties"], []byte("[")))
		},
		BadPropertyNotString: func(t *testing.T, bc BadCase) {
			var props map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(rawInputs(t, bc.Body)[1]["properties"], &props))
			assert.True(t, bytes.HasPrefix(props[hubspot.PropTaskPriority], []byte("{")))
		},
	}

	cases := BadCases(7, hubspot.DefaultIDProperty)
	require.Len(t, cases, len(checks), "every bad case has a check here")
	categories := []string{hubspot.CategoryValidation, hubspot.CategoryUnsupportedMediaType}
	var table strings.Builder
	for _, bc := range cases {
		t.Run(bc.Name, func(t *testing.T) {
			check, ok := checks[bc.Name]
			require.True(t, ok, "no check for %s", bc.Name)
			assert.Equal(t, http.MethodPost, bc.Method)
			assert.NotEmpty(t, bc.Description)
			assert.Contains(t, []int{http.StatusBadRequest, http.StatusUnsupportedMediaType}, bc.Status)
			assert.Contains(t, categories, bc.Category)
			assert.Contains(t, []string{EvidenceConfirmed, EvidenceLikely, EvidenceSchema, EvidenceChoice}, bc.Evidence)
			if bc.Name != BadWrongContentType {
				assert.Equal(t, "application/json", bc.ContentType)
			}
			check(t, bc)
			again, err := Bad(bc.Name, 7, hubspot.DefaultIDProperty)
			require.NoError(t, err)
			assert.Equal(t, bc, again, "deterministic")
		})
		fmt.Fprintf(&table, "%-26s %d %-22s %-9s %-15s %s\n", bc.Name, bc.Status, bc.Category, bc.Evidence, bc.Code, bc.MessagePrefix)
	}
	golden.Equal(t, filepath.Join("testdata", "badcases.golden"), []byte(table.String()))

	_, err := Bad("nope", 7, hubspot.DefaultIDProperty)
	assert.ErrorContains(t, err, BadDuplicateIDs)
}

func propertyIs(name, value string) func(*testing.T, BadCase) {
	return func(t *testing.T, bc BadCase) {
		req, err := strictInputs(bc.Body)
		require.NoError(t, err)
		require.Len(t, req.Inputs, 3)
		assert.Equal(t, value, req.Inputs[1].Properties[name])
		assert.NotEqual(t, value, req.Inputs[0].Properties[name], "only the middle input is bad")
		assert.Equal(t, hubspot.MessageInvalidPropertyValues, bc.MessagePrefix)
		assert.NotEmpty(t, bc.Code)
	}
}

func idPropertyIs(name string) func(*testing.T, BadCase) {
	return func(t *testing.T, bc BadCase) {
		req, err := strictInputs(bc.Body)
		require.NoError(t, err)
		require.NotEmpty(t, req.Inputs)
		for _, in := range req.Inputs {
			assert.Equal(t, name, in.IDProperty)
		}
		assert.True(t, strings.HasSuffix(bc.MessagePrefix, " property "+name))
	}
}

func TestBadCasesUseTheGeneratorsSettings(t *testing.T) {
	g := mustNew(t, WithIDProperty("crm_key"), WithKeyPrefix("ub-run42"), WithOwnerIDs("77"))
	bc, err := g.Bad(BadDuplicateIDs)
	require.NoError(t, err)
	req, err := strictInputs(bc.Body)
	require.NoError(t, err)
	require.NotEmpty(t, req.Inputs)
	owners := 0
	for _, in := range req.Inputs {
		assert.Equal(t, "crm_key", in.IDProperty)
		assert.True(t, strings.HasPrefix(in.ID, "ub-run42-bad-"), in.ID)
		if o, ok := in.Properties[hubspot.PropOwnerID]; ok {
			assert.Equal(t, "77", o)
			owners++
		}
	}
	assert.Positive(t, owners, "the owner id given reaches the bad cases")
	assert.Len(t, BadCaseNames(), len(g.BadCases()))
}
