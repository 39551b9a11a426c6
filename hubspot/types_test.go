package hubspot

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripFixtures(t *testing.T) {
	tests := []struct {
		file  string
		value func() any
		check func(t *testing.T, v any)
	}{
		{"upsert_200.json", func() any { return &BatchUpsertResponse{} }, func(t *testing.T, v any) {
			r := v.(*BatchUpsertResponse)
			assert.Equal(t, BatchStatusComplete, r.Status)
			require.Len(t, r.Results, 2)
			assert.True(t, r.Results[0].New)
			assert.False(t, r.Results[1].New)
			assert.Equal(t, "trace-1", r.Results[0].ObjectWriteTraceID)
			assert.Equal(t, "HIGH", r.Results[0].Properties[PropTaskPriority])
		}},
		{"upsert_207.json", func() any { return &BatchUpsertResponseWithErrors{} }, func(t *testing.T, v any) {
			r := v.(*BatchUpsertResponseWithErrors)
			require.NotNil(t, r.NumErrors)
			assert.Equal(t, 1, *r.NumErrors)
			require.Len(t, r.Errors, 1)
			assert.Equal(t, []string{"trace-4"}, r.Errors[0].Context["objectWriteTraceId"])
			assert.Nil(t, r.Errors[0].Errors, "real 207 entries carry no errors array")
		}},
		{"error_400.json", func() any { return &Error{} }, func(t *testing.T, v any) {
			e := v.(*Error)
			assert.Equal(t, CategoryValidation, e.Category)
			assert.Equal(t, []string{"ext-0001"}, e.Context["ids"])
		}},
		{"error_400_properties.json", func() any { return &Error{} }, func(t *testing.T, v any) {
			e := v.(*Error)
			require.Len(t, e.Errors, 1)
			assert.Equal(t, CodePropertyDoesntExist, e.Errors[0].Code)
		}},
		{"error_401.json", func() any { return &Error{} }, func(t *testing.T, v any) {
			e := v.(*Error)
			assert.Equal(t, CategoryInvalidAuthentication, e.Category)
			assert.Equal(t, MessageAuthNotFound, e.Message)
		}},
		{"error_429.json", func() any { return &Error{} }, func(t *testing.T, v any) {
			e := v.(*Error)
			assert.Equal(t, ErrorTypeRateLimit, e.ErrorType)
			assert.Equal(t, PolicyTenSecondlyRolling, e.PolicyName)
			assert.Equal(t, MessageTenSecondlyLimit, e.Message)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			v := tt.value()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(v), "every field of the fixture must map to a typed field")
			tt.check(t, v)
			out, err := json.Marshal(v)
			require.NoError(t, err)
			assert.JSONEq(t, string(raw), string(out), "decode then encode must give back the same document")
		})
	}
}

func TestRequiredFieldsAlwaysEncoded(t *testing.T) {
	out, err := json.Marshal(UpsertResult{})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m))
	for _, k := range []string{"id", "properties", "createdAt", "updatedAt", "archived", "new"} {
		assert.Contains(t, m, k)
	}
	for _, k := range []string{"archivedAt", "objectWriteTraceId", "url", "warnings", "propertiesWithHistory"} {
		assert.NotContains(t, m, k)
	}
	out, err = json.Marshal(BatchUpsertRequest{Inputs: []UpsertInput{{ID: "x"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"inputs":[{"id":"x","properties":null}]}`, string(out))
}

func TestTimestamp(t *testing.T) {
	at := time.Date(2026, 11, 28, 12, 8, 14, 123456789, time.FixedZone("CET", 3600))
	ts := FormatTimestamp(at)
	assert.Equal(t, Timestamp("2026-11-28T11:08:14.123Z"), ts)
	back, err := ts.Time()
	require.NoError(t, err)
	assert.True(t, back.Equal(at.Truncate(time.Millisecond)))
	_, err = Timestamp("yesterday").Time()
	assert.Error(t, err)
}

func TestEnums(t *testing.T) {
	tests := []struct {
		name  string
		valid []string
		ok    func(string) bool
	}{
		{"batch status", []string{"CANCELED", "COMPLETE", "PENDING", "PROCESSING"}, func(s string) bool { return BatchStatus(s).Valid() }},
		{PropTaskStatus, EnumValues(PropTaskStatus), func(s string) bool { return TaskStatus(s).Valid() }},
		{PropTaskPriority, EnumValues(PropTaskPriority), func(s string) bool { return TaskPriority(s).Valid() }},
		{PropTaskType, EnumValues(PropTaskType), func(s string) bool { return TaskType(s).Valid() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NotEmpty(t, tt.valid)
			for _, v := range tt.valid {
				assert.True(t, tt.ok(v), v)
			}
			for _, v := range []string{"", "CANCELLED", "complete", "URGENT"} {
				assert.False(t, tt.ok(v), v)
			}
		})
	}
	assert.Equal(t, []string{"NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"}, EnumValues(PropTaskStatus))
	assert.Equal(t, []string{"NONE", "LOW", "MEDIUM", "HIGH"}, EnumValues(PropTaskPriority))
	assert.Nil(t, EnumValues(PropTaskSubject))
}

func TestPaths(t *testing.T) {
	tests := []struct {
		v                                  Version
		upsert, read, archive, search, obj string
	}{
		{VersionV3, "/crm/v3/objects/tasks/batch/upsert", "/crm/v3/objects/tasks/batch/read", "/crm/v3/objects/tasks/batch/archive", "/crm/v3/objects/tasks/search", "/crm/v3/objects/tasks/42"},
		{Version202603, "/crm/objects/2026-03/tasks/batch/upsert", "/crm/objects/2026-03/tasks/batch/read", "/crm/objects/2026-03/tasks/batch/archive", "/crm/objects/2026-03/tasks/search", "/crm/objects/2026-03/tasks/42"},
	}
	for _, tt := range tests {
		t.Run(string(tt.v), func(t *testing.T) {
			assert.Equal(t, tt.upsert, tt.v.UpsertPath())
			assert.Equal(t, tt.read, tt.v.ReadPath())
			assert.Equal(t, tt.archive, tt.v.ArchivePath())
			assert.Equal(t, tt.search, tt.v.SearchPath())
			assert.Equal(t, tt.obj, tt.v.ObjectPath("42"))
			got, ok := VersionOfPath(tt.upsert)
			assert.True(t, ok)
			assert.Equal(t, tt.v, got)
			parsed, err := ParseVersion(string(tt.v))
			require.NoError(t, err)
			assert.Equal(t, tt.v, parsed)
		})
	}
	_, ok := VersionOfPath("/crm/v3/objects/contacts/batch/upsert")
	assert.False(t, ok)
	_, err := ParseVersion("v4")
	assert.ErrorContains(t, err, "valid: v3, 2026-03")
}

func TestTiers(t *testing.T) {
	tests := []struct {
		tier                 Tier
		burst, daily, search int
	}{
		{TierNone, 0, 0, 0},
		{TierFree, 100, 250_000, 5},
		{TierProfessional, 190, 650_000, 5},
		{TierEnterprise, 190, 1_000_000, 5},
		{TierCapacity, 250, 2_000_000, 5},
	}
	for _, tt := range tests {
		t.Run(string(tt.tier), func(t *testing.T) {
			parsed, err := ParseTier(string(tt.tier))
			require.NoError(t, err)
			l := TierLimits(parsed)
			assert.Equal(t, tt.burst, l.Burst)
			assert.Equal(t, tt.daily, l.Daily)
			assert.Equal(t, tt.search, l.SearchPerSecond)
		})
	}
	_, err := ParseTier("gold")
	assert.Error(t, err)
}
