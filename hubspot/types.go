package hubspot

import (
	"encoding/json"
	"time"
)

// TimeLayout is how clients commonly write date-times in requests (and how
// AppendTimestamp writes them): RFC 3339 in UTC with exactly three
// fractional digits, e.g. 2026-11-28T12:08:14.123Z. HubSpot's answers drop
// the fraction when the milliseconds are zero (AppendInstant).
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Timestamp is a date-time string exactly as it travels on the wire. It is
// kept as text so that a contract check can report a malformed value instead
// of failing the whole decode.
type Timestamp string

// FormatTimestamp renders t the way HubSpot answers (AppendInstant: UTC,
// millisecond precision, no fraction when the milliseconds are zero).
func FormatTimestamp(t time.Time) Timestamp {
	return Timestamp(AppendInstant(nil, t.UnixMilli()))
}

// Time parses the timestamp as RFC 3339 (fractional seconds optional).
func (ts Timestamp) Time() (time.Time, error) {
	return time.Parse(time.RFC3339Nano, string(ts))
}

// BatchUpsertRequest is the body of POST .../batch/upsert
// (BatchInputSimplePublicObjectBatchInputUpsert).
type BatchUpsertRequest struct {
	Inputs []UpsertInput `json:"inputs"`
}

// UpsertInput is one input of a batch upsert (SimplePublicObjectBatchInputUpsert).
// ID holds the value of the unique property named by IDProperty.
type UpsertInput struct {
	ID                 string            `json:"id"`
	IDProperty         string            `json:"idProperty,omitempty"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
	Properties         map[string]string `json:"properties"`
}

// BatchUpsertResponse is the 200 answer of a batch upsert
// (BatchResponseSimplePublicUpsertObject).
type BatchUpsertResponse struct {
	Status      BatchStatus       `json:"status"`
	Results     []UpsertResult    `json:"results"`
	RequestedAt Timestamp         `json:"requestedAt,omitempty"`
	StartedAt   Timestamp         `json:"startedAt"`
	CompletedAt Timestamp         `json:"completedAt"`
	Links       map[string]string `json:"links,omitempty"`
}

// BatchUpsertResponseWithErrors is the 207 answer of a batch upsert
// (BatchResponseSimplePublicUpsertObjectWithErrors): the 200 shape plus the
// errors of the inputs that failed. Results may be empty when all failed.
type BatchUpsertResponseWithErrors struct {
	BatchUpsertResponse
	Errors    []StandardError `json:"errors,omitempty"`
	NumErrors *int            `json:"numErrors,omitempty"`
}

// UpsertResult is one created or updated object (SimplePublicUpsertObject).
// New is true when the upsert created the object, false when it updated it.
type UpsertResult struct {
	ID                    string                          `json:"id"`
	Properties            map[string]string               `json:"properties"`
	CreatedAt             Timestamp                       `json:"createdAt"`
	UpdatedAt             Timestamp                       `json:"updatedAt"`
	Archived              bool                            `json:"archived"`
	ArchivedAt            Timestamp                       `json:"archivedAt,omitempty"`
	New                   bool                            `json:"new"`
	ObjectWriteTraceID    string                          `json:"objectWriteTraceId,omitempty"`
	PropertiesWithHistory map[string][]ValueWithTimestamp `json:"propertiesWithHistory,omitempty"`
	URL                   string                          `json:"url,omitempty"`
	Warnings              []ObjectWarning                 `json:"warnings,omitempty"`
}

// SimplePublicObject is an object as batch read and GET by id return it.
type SimplePublicObject struct {
	ID                    string                          `json:"id"`
	Properties            map[string]string               `json:"properties"`
	CreatedAt             Timestamp                       `json:"createdAt"`
	UpdatedAt             Timestamp                       `json:"updatedAt"`
	Archived              bool                            `json:"archived"`
	ArchivedAt            Timestamp                       `json:"archivedAt,omitempty"`
	ObjectWriteTraceID    string                          `json:"objectWriteTraceId,omitempty"`
	PropertiesWithHistory map[string][]ValueWithTimestamp `json:"propertiesWithHistory,omitempty"`
	URL                   string                          `json:"url,omitempty"`
	Warnings              []ObjectWarning                 `json:"warnings,omitempty"`
}

// ValueWithTimestamp is one entry of a property's history.
type ValueWithTimestamp struct {
	Value           string    `json:"value"`
	Timestamp       Timestamp `json:"timestamp"`
	SourceType      string    `json:"sourceType"`
	SourceID        string    `json:"sourceId,omitempty"`
	SourceLabel     string    `json:"sourceLabel,omitempty"`
	UpdatedByUserID *int      `json:"updatedByUserId,omitempty"`
}

// ObjectWarning is a non-fatal remark on a result (PublicObjectWarning).
type ObjectWarning struct {
	Category string            `json:"category"`
	Context  map[string]string `json:"context"`
	Message  string            `json:"message"`
}

// ObjectID names one object by id, or by unique value when the enclosing
// request carries an idProperty (SimplePublicObjectId).
type ObjectID struct {
	ID string `json:"id"`
}

// BatchReadRequest is the body of POST .../batch/read
// (BatchReadInputSimplePublicObjectId). Without IDProperty the inputs are
// record ids. Properties and PropertiesWithHistory are required by the
// schema (send empty arrays for "none").
type BatchReadRequest struct {
	IDProperty            string     `json:"idProperty,omitempty"`
	Inputs                []ObjectID `json:"inputs"`
	Properties            []string   `json:"properties"`
	PropertiesWithHistory []string   `json:"propertiesWithHistory"`
}

// BatchReadResponse is the 200 answer of a batch read (BatchResponseSimplePublicObject).
type BatchReadResponse struct {
	Status      BatchStatus          `json:"status"`
	Results     []SimplePublicObject `json:"results"`
	RequestedAt Timestamp            `json:"requestedAt,omitempty"`
	StartedAt   Timestamp            `json:"startedAt"`
	CompletedAt Timestamp            `json:"completedAt"`
	Links       map[string]string    `json:"links,omitempty"`
}

// BatchReadResponseWithErrors is the 207 answer of a batch read, e.g. when
// some ids were not found (BatchResponseSimplePublicObjectWithErrors).
type BatchReadResponseWithErrors struct {
	BatchReadResponse
	Errors    []StandardError `json:"errors,omitempty"`
	NumErrors *int            `json:"numErrors,omitempty"`
}

// BatchArchiveRequest is the body of POST .../batch/archive
// (BatchInputSimplePublicObjectId). A successful archive answers 204.
type BatchArchiveRequest struct {
	Inputs []ObjectID `json:"inputs"`
}

// Error is HubSpot's error envelope for whole-request failures (4xx/5xx).
// The schema requires message, correlationId and category; real answers
// also carry "status":"error". Rate-limit answers (429) carry errorType and
// policyName instead of a category, and may carry groupName (the limit's
// bucket) and, on daily ones, requestId (hubspot-facts.md, "Seen on the
// real API").
type Error struct {
	Status        string              `json:"status,omitempty"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category,omitempty"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Errors        []ErrorDetail       `json:"errors,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
	GroupName     string              `json:"groupName,omitempty"`
	RequestID     string              `json:"requestId,omitempty"`
}

// StandardError is one failed input inside a 207 answer. The schema marks
// errors and links required, but real 207 entries omit both
// (hubspot-facts.md), hence omitempty on them.
type StandardError struct {
	Status      string              `json:"status"`
	ID          string              `json:"id,omitempty"`
	Category    string              `json:"category"`
	SubCategory json.RawMessage     `json:"subCategory,omitempty"`
	Message     string              `json:"message"`
	Errors      []ErrorDetail       `json:"errors,omitempty"`
	Context     map[string][]string `json:"context"`
	Links       map[string]string   `json:"links,omitempty"`
}

// ErrorDetail is one field-level problem inside an Error or StandardError.
type ErrorDetail struct {
	Message     string              `json:"message"`
	Code        string              `json:"code,omitempty"`
	In          string              `json:"in,omitempty"`
	SubCategory string              `json:"subCategory,omitempty"`
	Context     map[string][]string `json:"context,omitempty"`
}
