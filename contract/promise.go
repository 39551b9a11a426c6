package contract

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Endpoint names one of the endpoints the contract covers, on both API
// versions (v3 and 2026-03).
type Endpoint string

// The endpoints of the contract.
const (
	EndpointUpsert  Endpoint = "batch upsert"
	EndpointRead    Endpoint = "batch read"
	EndpointArchive Endpoint = "batch archive"
	EndpointGet     Endpoint = "GET by id"
)

// SourceKind says what kind of evidence backs a promise.
type SourceKind string

// The kinds of evidence, strongest first.
const (
	// SourceSpec: HubSpot's published OpenAPI documents
	// (../shared/reference/hubspot-tasks-v3.json and -2026-03.json).
	SourceSpec SourceKind = "spec"
	// SourceObserved: behaviour recorded in ../shared/docs/hubspot-facts.md
	// from HubSpot's docs, changelog, SDKs and captured answers.
	SourceObserved SourceKind = "observed"
	// SourceChoice: HubSpot is silent; upsertbench's documented choice,
	// held loosely where HubSpot might differ.
	SourceChoice SourceKind = "choice"
)

// Source is the evidence for a promise.
type Source struct {
	Kind SourceKind `json:"kind"`
	// Ref locates the evidence: for spec, a document and a JSON Pointer into
	// it ("hubspot-tasks-v3.json#/components/schemas/…"); for observed, a
	// verbatim excerpt of hubspot-facts.md; for choice, the reason.
	Ref string `json:"ref"`
}

func (s Source) String() string { return string(s.Kind) + ": " + s.Ref }

// Promise is one thing HubSpot's tasks endpoints promise, and how the suite
// holds a target to it: the check that enforces it and the suite cases that
// exercise it. Promises() is the inventory; a test fails when a promise has
// no check, or a check no corruption case in the self-test.
type Promise struct {
	// ID is stable and unique, e.g. "upsert.new-on-create".
	ID string `json:"id"`
	// Text says what is promised, in one sentence.
	Text      string     `json:"text"`
	Endpoints []Endpoint `json:"endpoints"`
	Source    Source     `json:"source"`
	// Check enforces the promise.
	Check CheckName `json:"check"`
	// Cases are the suite cases (path.Match patterns) in which Check
	// exercises the promise.
	Cases []string `json:"cases"`
	// Statuses, when set, narrow the promise to answers with these HTTP
	// statuses: a 413 promise is not exercised by a case the target
	// answered 400.
	Statuses []int `json:"statuses,omitempty"`
}

// Promises returns the inventory of promises, in the order reports show
// them. The slice is a copy.
func Promises() []Promise {
	out := make([]Promise, len(promises))
	copy(out, promises)
	return out
}

// PromiseByID returns the promise with the id, if there is one.
func PromiseByID(id string) (Promise, bool) {
	for _, p := range promises {
		if p.ID == id {
			return p, true
		}
	}
	return Promise{}, false
}

// covers reports whether a result exercises the promise.
func (p Promise) covers(c CheckResult) bool {
	if c.Check != p.Check {
		return false
	}
	if len(p.Statuses) > 0 && !slices.Contains(p.Statuses, c.StatusCode) {
		return false
	}
	for _, pat := range p.Cases {
		if ok, _ := path.Match(pat, c.Case); ok {
			return true
		}
	}
	return false
}

func spec(doc, pointer string) Source { return Source{SourceSpec, doc + "#" + pointer} }
func fact(excerpt string) Source      { return Source{SourceObserved, excerpt} }
func choice(why string) Source        { return Source{SourceChoice, why} }

// specV3 is HubSpot's published v3 document; the 2026-03 one declares the
// same schemas and responses under its own paths.
const specV3 = "hubspot-tasks-v3.json"

// Pointers into HubSpot's v3 document.
const (
	ptrUpsertOp  = "/paths/~1crm~1v3~1objects~1tasks~1batch~1upsert/post"
	ptrReadOp    = "/paths/~1crm~1v3~1objects~1tasks~1batch~1read/post"
	ptrArchiveOp = "/paths/~1crm~1v3~1objects~1tasks~1batch~1archive/post"
	ptrGetOp     = "/paths/~1crm~1v3~1objects~1tasks~1{taskId}/get"
	ptrSchemas   = "/components/schemas/"
)

// Case patterns shared by several promises.
var (
	casesUpserts     = []string{CaseCreate, CaseRepeat, CaseChange, CasePartialFailure, CaseArchiveCreate}
	casesReads       = []string{CaseReadBack, CasePartialFailureRead, CaseAllOrNothingRead, CaseArchiveRead}
	casesGets        = []string{CaseGetByID, CaseGetByUniqueValue}
	casesAll         = []string{"*", "*/*"}
	casesErrorBodies = []string{"bad/*", "auth/*", "method/*", CaseGetUnknownID, CaseArchiveGet, CaseAllOrNothing, CaseRateLimitProbe}
	allEndpoints     = []Endpoint{EndpointUpsert, EndpointRead, EndpointArchive, EndpointGet}
)

// promises is the inventory. Each entry names its evidence; where HubSpot
// itself varies (defaults on create, datetime forms, cleared values, extra
// error fields, result order) the check compares by meaning, and the
// tolerance cases of the self-test prove it.
var promises = []Promise{
	// Requests.
	{ID: "request.schema", Text: "every request the suite sends is valid against the request schema, so a target is never judged on a request HubSpot would refuse",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead, EndpointArchive}, Source: spec(specV3, ptrSchemas+"BatchInputSimplePublicObjectBatchInputUpsert"),
		Check: CheckRequestSchema, Cases: append(slices.Clone(casesUpserts), casesReads...)},

	// Answers: the schema of every status.
	{ID: "schema.upsert-200", Text: "a 200 answer to batch upsert is a BatchResponseSimplePublicUpsertObject",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/200"),
		Check: CheckResponseSchema, Cases: casesUpserts, Statuses: []int{200}},
	{ID: "schema.upsert-207", Text: "a 207 answer to batch upsert is a BatchResponseSimplePublicUpsertObjectWithErrors",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/207"),
		Check: CheckResponseSchema, Cases: []string{CasePartialFailure}, Statuses: []int{207}},
	{ID: "schema.read-200", Text: "a 200 answer to batch read is a BatchResponseSimplePublicObject",
		Endpoints: []Endpoint{EndpointRead}, Source: spec(specV3, ptrReadOp+"/responses/200"),
		Check: CheckResponseSchema, Cases: casesReads, Statuses: []int{200}},
	{ID: "schema.read-207", Text: "a 207 answer to batch read (some records not found) is a BatchResponseSimplePublicObjectWithErrors",
		Endpoints: []Endpoint{EndpointRead}, Source: spec(specV3, ptrReadOp+"/responses/207"),
		Check: CheckResponseSchema, Cases: casesReads, Statuses: []int{207}},
	{ID: "schema.get-200", Text: "a 200 answer to GET tasks/{taskId} is a SimplePublicObjectWithAssociations",
		Endpoints: []Endpoint{EndpointGet}, Source: spec(specV3, ptrGetOp+"/responses/200"),
		Check: CheckResponseSchema, Cases: casesGets, Statuses: []int{200}},
	{ID: "schema.archive-204", Text: "batch archive answers 204 without a body",
		Endpoints: []Endpoint{EndpointArchive}, Source: spec(specV3, ptrArchiveOp+"/responses/204"),
		Check: CheckResponseSchema, Cases: []string{CaseArchiveBatch}},
	{ID: "schema.error-400", Text: "a 400 answer is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{"bad/*", CaseAllOrNothing}, Statuses: []int{400}},
	{ID: "schema.error-401", Text: "a 401 answer is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{CaseNoToken, CaseWrongToken}, Statuses: []int{401}},
	{ID: "schema.error-403", Text: "a 403 answer is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{CaseReadOnlyToken}, Statuses: []int{403}},
	{ID: "schema.error-404", Text: "a 404 answer is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointGet}, Source: spec(specV3, ptrGetOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{CaseGetUnknownID, CaseArchiveGet}, Statuses: []int{404}},
	{ID: "schema.error-405", Text: "a 405 answer is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{"method/*"}, Statuses: []int{405}},
	{ID: "schema.error-413", Text: "a 413 answer (body too large) is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{CaseBodyTooLarge}, Statuses: []int{413}},
	{ID: "schema.error-415", Text: "a 415 answer (not JSON) is HubSpot's Error body",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckResponseSchema, Cases: []string{"bad/*"}, Statuses: []int{415}},
	{ID: "schema.error-429", Text: "a 429 answer carries errorType and policyName (our RateLimitError schema)",
		Endpoints: []Endpoint{EndpointRead}, Source: fact(`"message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT"`),
		Check: CheckResponseSchema, Cases: []string{CaseRateLimitProbe}, Statuses: []int{429}},
	{ID: "answer.content-type", Text: "every answer with a body is labelled application/json",
		Endpoints: allEndpoints, Source: spec(specV3, ptrUpsertOp+"/responses/200/content/application~1json"),
		Check: CheckContentType, Cases: casesAll},

	// Batch status.
	{ID: "status.enum", Text: "a batch answer's status is one of CANCELED, COMPLETE, PENDING, PROCESSING",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: spec(specV3, ptrSchemas+"BatchResponseSimplePublicUpsertObject/properties/status/enum"),
		Check: CheckBatchStatus, Cases: append(slices.Clone(casesUpserts), casesReads...)},
	{ID: "status.complete-upsert", Text: "a synchronous batch upsert answers status COMPLETE",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("Synchronous calls answer `COMPLETE`"),
		Check: CheckBatchStatus, Cases: casesUpserts},
	{ID: "status.complete-read", Text: "a batch read answers status COMPLETE",
		Endpoints: []Endpoint{EndpointRead}, Source: fact("Synchronous calls answer `COMPLETE`"),
		Check: CheckBatchStatus, Cases: casesReads},

	// Timestamps and batch timing.
	{ID: "time.format", Text: "every timestamp is an RFC 3339 date-time (with or without a fraction)",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead, EndpointGet}, Source: spec(specV3, ptrSchemas+"BatchResponseSimplePublicUpsertObject/properties/completedAt/format"),
		Check: CheckTimestamps, Cases: append(append(slices.Clone(casesUpserts), casesReads...), casesGets...)},
	{ID: "time.batch-order", Text: "requestedAt ≤ startedAt ≤ completedAt",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: spec(specV3, ptrSchemas+"BatchResponseSimplePublicUpsertObject/properties/startedAt"),
		Check: CheckTimestamps, Cases: append(slices.Clone(casesUpserts), casesReads...)},
	{ID: "time.clock", Text: "a batch's requestedAt, startedAt and completedAt fall within the call on the local clock, give or take the allowed skew (default 5 min)",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: choice("a synchronous batch is received, started and completed while the client waits; 5 minutes of skew absorbs unsynchronised clocks"),
		Check: CheckTimestamps, Cases: append(slices.Clone(casesUpserts), casesReads...)},
	{ID: "time.created-before-updated", Text: "a record's createdAt ≤ updatedAt",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead, EndpointGet}, Source: spec(specV3, ptrSchemas+"SimplePublicUpsertObject/properties/updatedAt"),
		Check: CheckTimestamps, Cases: append(append(slices.Clone(casesUpserts), casesReads...), casesGets...)},

	// Each result.
	{ID: "result.id-digits", Text: "a record's id is a non-empty string of digits (HubSpot's numeric record id)",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead, EndpointGet}, Source: fact("objectId are usually numeric"),
		Check: CheckResultFields, Cases: append(append(slices.Clone(casesUpserts), casesReads...), casesGets...)},
	{ID: "result.archived-false", Text: "a record just written, or read as live, says archived:false",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead, EndpointGet}, Source: spec(specV3, ptrSchemas+"SimplePublicUpsertObject/properties/archived"),
		Check: CheckResultFields, Cases: append(append(slices.Clone(casesUpserts), casesReads...), casesGets...)},
	{ID: "result.required-fields", Text: "each upsert result carries id, properties, createdAt, updatedAt, archived and new",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrSchemas+"SimplePublicUpsertObject/required"),
		Check: CheckResponseSchema, Cases: casesUpserts},
	{ID: "result.trace-id", Text: "a result carries the objectWriteTraceId of the input that wrote it",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrSchemas+"SimplePublicUpsertObject/properties/objectWriteTraceId"),
		Check: CheckTraceIDs, Cases: casesUpserts},
	{ID: "result.echo", Text: "a result echoes the properties its input wrote, compared after HubSpot's normalisation (datetimes by instant, cleared values absent)",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("Real results echo the written properties plus system ones"),
		Check: CheckEcho, Cases: casesUpserts},
	{ID: "result.new-on-create", Text: "new is true on the write that created the record",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("`new` (true when created, false when updated)"),
		Check: CheckNewFlags, Cases: []string{CaseCreate}},
	{ID: "result.new-false-after", Text: "new is false on every later write of the record",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("`new` (true when created, false when updated)"),
		Check: CheckNewFlags, Cases: []string{CaseRepeat, CaseChange}},

	// Accounting.
	{ID: "accounting.once", Text: "every input is answered exactly once, as a result or a 207 error, matched by unique value or trace id, never by position",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("correlate by unique value or `objectWriteTraceId`, never by position"),
		Check: CheckAccounting, Cases: casesUpserts},
	{ID: "accounting.num-errors", Text: "a 207's numErrors equals the number of its error entries",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrSchemas+"BatchResponseSimplePublicUpsertObjectWithErrors/properties/numErrors"),
		Check: CheckAccounting, Cases: []string{CasePartialFailure}},
	{ID: "accounting.no-foreign", Text: "no result answers an input that was not sent",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("correlate by unique value or `objectWriteTraceId`, never by position"),
		Check: CheckAccounting, Cases: casesUpserts},

	// Ids and updatedAt across calls and endpoints.
	{ID: "ids.stable-upsert", Text: "an upsert of a known unique value answers with the id its create answered",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/description"),
		Check: CheckStableIDs, Cases: []string{CaseRepeat, CaseChange}},
	{ID: "ids.stable-read", Text: "a batch read by unique value answers with the id the create answered",
		Endpoints: []Endpoint{EndpointRead}, Source: spec(specV3, ptrSchemas+"BatchReadInputSimplePublicObjectId/properties/idProperty"),
		Check: CheckStableIDs, Cases: []string{CaseReadBack}},
	{ID: "updated.moves-forward", Text: "an update that changes a value answers an updatedAt later than the create's",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrSchemas+"SimplePublicUpsertObject/properties/updatedAt"),
		Check: CheckUpdatedAt, Cases: []string{CaseChange}},
	{ID: "updated.reads-show-it", Text: "a read after an update shows an updatedAt no earlier than the update's",
		Endpoints: []Endpoint{EndpointRead, EndpointGet}, Source: fact("no evidence of lag for GET or batch read"),
		Check: CheckUpdatedAt, Cases: []string{CaseReadBack, CaseGetByID, CaseGetByUniqueValue}},

	// Read and GET.
	{ID: "read.written", Text: "a batch read returns what the last upsert wrote",
		Endpoints: []Endpoint{EndpointRead}, Source: fact("no evidence of lag for GET or batch read"),
		Check: CheckReadAfterWrite, Cases: []string{CaseReadBack}},
	{ID: "read.cleared", Text: `a property cleared with "" reads back absent (or null), never with its old value`,
		Endpoints: []Endpoint{EndpointRead, EndpointGet}, Source: fact("reads omit it (or give `null` when it is requested explicitly), never `\"\"`"),
		Check: CheckReadAfterWrite, Cases: []string{CaseReadBack, CaseGetByID, CaseGetByUniqueValue}},
	{ID: "read.get-written", Text: "GET returns what the last upsert wrote",
		Endpoints: []Endpoint{EndpointGet}, Source: fact("no evidence of lag for GET or batch read"),
		Check: CheckReadAfterWrite, Cases: casesGets},
	{ID: "read.unsent-kept", Text: "properties an upsert did not send keep their values",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: fact("Properties not sent are left unchanged (partial update)"),
		Check: CheckUnsentKept, Cases: []string{CaseReadBack}},
	{ID: "read.only-requested", Text: "a batch read returns the requested properties and none other than hs_object_id, hs_createdate and hs_lastmodifieddate",
		Endpoints: []Endpoint{EndpointRead}, Source: spec(specV3, ptrSchemas+"BatchReadInputSimplePublicObjectId/properties/properties"),
		Check: CheckRequestedProperties, Cases: []string{CaseReadBack}},
	{ID: "get.only-requested", Text: "GET returns the requested properties and none other than hs_object_id, hs_createdate and hs_lastmodifieddate",
		Endpoints: []Endpoint{EndpointGet}, Source: spec(specV3, ptrGetOp+"/parameters/4/description"),
		Check: CheckRequestedProperties, Cases: casesGets},
	{ID: "get.the-record", Text: "GET tasks/{taskId} answers the record asked for, by record id or by unique value with idProperty",
		Endpoints: []Endpoint{EndpointGet}, Source: spec(specV3, ptrGetOp+"/parameters/3"),
		Check: CheckGetByID, Cases: casesGets},
	{ID: "get.unknown-404", Text: "GET of an id nobody has answers 404 OBJECT_NOT_FOUND",
		Endpoints: []Endpoint{EndpointGet}, Source: fact("GET of an unknown id: 404"),
		Check: CheckGetByID, Cases: []string{CaseGetUnknownID}},

	// Partial failure and all-or-nothing.
	{ID: "partial.207", Text: "a batch with invalid inputs, each input with an objectWriteTraceId, is answered 207 whose errors name exactly the invalid inputs' trace ids",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("invalid inputs come back as 207 `errors` entries (`context.objectWriteTraceId` names the input)"),
		Check: CheckPartialFailure, Cases: []string{CasePartialFailure}},
	{ID: "partial.valid-written", Text: "the valid inputs of a 207 are written, and reading them back proves it",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: fact("and the valid ones are written"),
		Check: CheckPartialFailure, Cases: []string{CasePartialFailureRead}},
	{ID: "atomic.400", Text: "without trace ids, one invalid input fails the whole batch with 400 VALIDATION_ERROR",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("without trace ids one invalid input fails the whole request with 400 and nothing is written"),
		Check: CheckAllOrNothing, Cases: []string{CaseAllOrNothing}},
	{ID: "atomic.nothing-written", Text: "nothing of a batch refused with 400 is written, and reading back proves it",
		Endpoints: []Endpoint{EndpointUpsert, EndpointRead}, Source: fact("without trace ids one invalid input fails the whole request with 400 and nothing is written"),
		Check: CheckAllOrNothing, Cases: []string{CaseAllOrNothingRead}},

	// Archive.
	{ID: "archive.204", Text: "batch archive answers 204",
		Endpoints: []Endpoint{EndpointArchive}, Source: spec(specV3, ptrArchiveOp+"/responses/204"),
		Check: CheckArchive, Cases: []string{CaseArchiveBatch}},
	{ID: "archive.read-gone", Text: "after an archive, a batch read of the records answers 207 with OBJECT_NOT_FOUND and no result for them",
		Endpoints: []Endpoint{EndpointArchive, EndpointRead}, Source: spec(specV3, ptrReadOp+"/responses/207"),
		Check: CheckArchive, Cases: []string{CaseArchiveRead}},
	{ID: "archive.get-404", Text: "after an archive, GET of a record answers 404",
		Endpoints: []Endpoint{EndpointArchive, EndpointGet}, Source: fact("GET of an unknown id: 404"),
		Check: CheckArchive, Cases: []string{CaseArchiveGet}},
	{ID: "archive.cleanup", Text: "every record the suite created can be archived again (204)",
		Endpoints: []Endpoint{EndpointArchive}, Source: spec(specV3, ptrArchiveOp+"/responses/204"),
		Check: CheckCleanup, Cases: []string{CaseCleanup}},

	// Bad requests and errors.
	{ID: "bad.4xx", Text: "a bad request is refused with a 4xx, never accepted and never a 5xx",
		Endpoints: []Endpoint{EndpointUpsert}, Source: spec(specV3, ptrUpsertOp+"/responses/default"),
		Check: CheckBadInput, Cases: []string{"bad/*"}},
	{ID: "bad.documented-status", Text: "a bad request whose answer HubSpot documents gets that status and category (400 VALIDATION_ERROR, 415 for a body that is not JSON)",
		Endpoints: []Endpoint{EndpointUpsert}, Source: fact("400 `VALIDATION_ERROR`"),
		Check: CheckBadInput, Cases: []string{"bad/*"}},
	{ID: "error.envelope", Text: `an error answer is HubSpot's envelope: "status":"error" and a message`,
		Endpoints: allEndpoints, Source: fact("Envelope: `{\"status\":\"error\",\"message\":…,\"correlationId\":<uuid>,\"category\":…"),
		Check: CheckErrorBody, Cases: casesErrorBodies},
	{ID: "error.correlation-id", Text: "an error answer carries a correlationId that is a UUID",
		Endpoints: allEndpoints, Source: fact("Correlation ids** are UUIDs"),
		Check: CheckErrorBody, Cases: casesErrorBodies},
	{ID: "error.category", Text: "an error answer's category is one of HubSpot's (429s carry errorType instead)",
		Endpoints: allEndpoints, Source: spec(specV3, ptrSchemas+"Error/required"),
		Check: CheckErrorBody, Cases: casesErrorBodies},
	{ID: "method.405", Text: "another method than POST on a batch path answers 405",
		Endpoints: []Endpoint{EndpointUpsert}, Source: choice("HubSpot documents POST only; HTTP (RFC 9110 §15.5.6) answers other methods 405"),
		Check: CheckMethodNotAllowed, Cases: []string{"method/*"}},

	// Auth.
	{ID: "auth.no-token", Text: "a request without a token is refused with 401 INVALID_AUTHENTICATION",
		Endpoints: allEndpoints, Source: fact("401 `INVALID_AUTHENTICATION`"),
		Check: CheckAuth, Cases: []string{CaseNoToken}},
	{ID: "auth.wrong-token", Text: "a request with an unknown token is refused with 401 INVALID_AUTHENTICATION",
		Endpoints: allEndpoints, Source: fact("401 `INVALID_AUTHENTICATION`"),
		Check: CheckAuth, Cases: []string{CaseWrongToken}},
	{ID: "auth.read-only-403", Text: "a write with a token without the write scope is refused with 403 MISSING_SCOPES",
		Endpoints: []Endpoint{EndpointUpsert, EndpointArchive}, Source: fact("403 `MISSING_SCOPES`"),
		Check: CheckAuth, Cases: []string{CaseReadOnlyToken}},
	{ID: "auth.scopes-body", Text: "the 403 names the missing scopes in HubSpot's body: an entry with context.requiredGranularScopes",
		Endpoints: []Endpoint{EndpointUpsert, EndpointArchive}, Source: fact(`"context": {"requiredGranularScopes": ["crm.objects.tasks.write"]}`),
		Check: CheckAuth, Cases: []string{CaseScopesBody}},

	// Rate limits.
	{ID: "ratelimit.on-every-answer", Text: "a target that sends X-HubSpot-RateLimit-* headers sends them on every authenticated answer",
		Endpoints: allEndpoints, Source: fact("Headers: `X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`"),
		Check: CheckRateLimitHeaders, Cases: []string{CaseRateLimitHeaders}},
	{ID: "ratelimit.max-constant", Text: "X-HubSpot-RateLimit-Max is the same on every answer to one token",
		Endpoints: allEndpoints, Source: fact("Burst per 10 s rolling window"),
		Check: CheckRateLimitHeaders, Cases: []string{CaseRateLimitHeaders}},
	{ID: "ratelimit.remaining-bounded", Text: "X-HubSpot-RateLimit-Remaining is an integer no greater than Max",
		Endpoints: allEndpoints, Source: fact("Burst per 10 s rolling window"),
		Check: CheckRateLimitHeaders, Cases: []string{CaseRateLimitHeaders}},
	{ID: "ratelimit.remaining-falls", Text: "X-HubSpot-RateLimit-Remaining goes down with every request within one window",
		Endpoints: allEndpoints, Source: fact("Burst per 10 s rolling window"),
		Check: CheckRateLimitHeaders, Cases: []string{CaseRateLimitHeaders}},
	{ID: "ratelimit.interval", Text: "X-HubSpot-RateLimit-Interval-Milliseconds is 10000, the burst window",
		Endpoints: allEndpoints, Source: fact("Burst per 10 s rolling window"),
		Check: CheckRateLimitHeaders, Cases: []string{CaseRateLimitHeaders}},
	{ID: "ratelimit.429", Text: "a burst past the limit is answered 429",
		Endpoints: []Endpoint{EndpointRead}, Source: fact("Burst per 10 s rolling window"),
		Check: CheckRateLimitProbe, Cases: []string{CaseRateLimitProbe}},
	{ID: "ratelimit.429-body", Text: "a 429 body names errorType RATE_LIMIT and the policyName (TEN_SECONDLY_ROLLING or DAILY)",
		Endpoints: []Endpoint{EndpointRead}, Source: fact(`"errorType":"RATE_LIMIT","correlationId":…,"policyName":"TEN_SECONDLY_ROLLING"`),
		Check: CheckRateLimitProbe, Cases: []string{CaseRateLimitProbe}, Statuses: []int{429}},
}

// PromiseResult is how a run kept one promise: pass when every case that
// exercised it passed, fail when one failed, skip (with the reason) when
// no case could exercise it against this target. A skipped promise is
// never counted as kept.
type PromiseResult struct {
	Promise
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Promises says, for each promise of the inventory, whether the run kept
// it, broke it, or could not exercise it.
func (r *Report) Promises() []PromiseResult {
	out := make([]PromiseResult, 0, len(promises))
	for _, p := range promises {
		pr := PromiseResult{Promise: p}
		var matched, passed, failed int
		var skipReason string
		for _, c := range r.Checks {
			if !p.covers(c) {
				continue
			}
			matched++
			switch c.Status {
			case StatusPass:
				passed++
			case StatusFail:
				failed++
			case StatusSkip:
				if skipReason == "" {
					skipReason = c.Reason
				}
			}
		}
		switch {
		case failed > 0:
			pr.Status = StatusFail
		case passed > 0:
			pr.Status = StatusPass
		case matched > 0:
			pr.Status, pr.Reason = StatusSkip, skipReason
		default:
			pr.Status, pr.Reason = StatusSkip, r.notExercised(p)
		}
		out = append(out, pr)
	}
	return out
}

// notExercised explains a promise no result covered: the target answered
// its cases with other statuses, or the run never reached them.
func (r *Report) notExercised(p Promise) string {
	// A case skipped for another check was skipped for this one too.
	for _, c := range r.Checks {
		q := Promise{Check: c.Check, Cases: p.Cases}
		if c.Status == StatusSkip && q.covers(c) {
			return c.Reason
		}
	}
	var seen []string
	if len(p.Statuses) > 0 {
		for _, c := range r.Checks {
			q := p
			q.Statuses = nil
			if q.covers(c) && c.StatusCode != 0 && !slices.Contains(seen, fmt.Sprint(c.StatusCode)) {
				seen = append(seen, fmt.Sprint(c.StatusCode))
			}
		}
	}
	want := make([]string, len(p.Statuses))
	for i, s := range p.Statuses {
		want[i] = fmt.Sprint(s)
	}
	if len(seen) > 0 {
		return fmt.Sprintf("the target answered %s with %s, never %s", strings.Join(p.Cases, ", "), strings.Join(seen, ", "), strings.Join(want, " or "))
	}
	return fmt.Sprintf("no %s result for %s: the run did not get there (interrupted, or a case it builds on failed)", p.Check, strings.Join(p.Cases, ", "))
}

// countPromises tallies promise outcomes: kept (pass), broken (fail) and
// not exercised (skip).
func countPromises(ps []PromiseResult) (kept, broken, skipped int) {
	for _, p := range ps {
		switch p.Status {
		case StatusPass:
			kept++
		case StatusFail:
			broken++
		default:
			skipped++
		}
	}
	return kept, broken, skipped
}
