package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Names of the bad batches. They are stable: scenarios, reports and CI
// configurations refer to them.
const (
	BadTooManyInputs        = "too-many-inputs"
	BadDuplicateIDs         = "duplicate-ids"
	BadMissingID            = "missing-id"
	BadMissingProperties    = "missing-properties"
	BadNumericID            = "numeric-id"
	BadInvalidStatus        = "invalid-enum-status"
	BadInvalidPriority      = "invalid-enum-priority"
	BadInvalidType          = "invalid-enum-type"
	BadUnparseableTimestamp = "unparseable-timestamp"
	BadUnknownProperty      = "unknown-property"
	BadReadOnlyProperty     = "read-only-property"
	BadNonUniqueIDProperty  = "non-unique-id-property"
	BadObjectIDProperty     = "object-id-property"
	BadMissingIDProperty    = "missing-id-property"
	BadOverLongString       = "over-long-string"
	BadMalformedJSON        = "malformed-json"
	BadTrailingData         = "trailing-data"
	BadWrongContentType     = "wrong-content-type"
	BadEmptyBody            = "empty-body"
	BadMissingInputs        = "missing-inputs"
	BadInputsNotArray       = "inputs-not-array"
	BadBodyNotObject        = "body-not-object"
	BadPropertiesNotObject  = "properties-not-object"
	BadPropertyNotString    = "property-value-not-string"
)

// How sure we are that HubSpot itself answers as a BadCase says
// (hubspot-facts.md).
const (
	EvidenceConfirmed = "confirmed" // stated by HubSpot or seen in a real answer
	EvidenceLikely    = "likely"    // reported by several third parties
	EvidenceSchema    = "schema"    // follows from the published OpenAPI schema
	EvidenceChoice    = "choice"    // unknown; the emulator's documented choice
)

// BadCase is one request a faithful endpoint must refuse as a whole.
type BadCase struct {
	Name        string
	Description string
	Method      string
	ContentType string
	Body        []byte
	// Status and Category are what a faithful endpoint answers.
	Status   int
	Category string
	// MessagePrefix is the beginning of the expected error message, when
	// HubSpot's wording is known ("" otherwise).
	MessagePrefix string
	// Code is the expected error detail code for bad property values ("" when
	// none is expected).
	Code     string
	Evidence string
}

// BadCaseNames lists the names of every bad case, in catalogue order.
func BadCaseNames() []string {
	out := make([]string, len(badCatalogue))
	for i, c := range badCatalogue {
		out[i] = c.name
	}
	return out
}

// BadCases builds every named bad batch from a generator with the given seed
// and id property (other options default).
func BadCases(seed uint64, idProperty string) []BadCase {
	g, err := New(WithSeed(seed), WithIDProperty(idProperty))
	if err != nil { // only an empty id property fails; fall back to the default
		g, _ = New(WithSeed(seed))
	}
	return g.BadCases()
}

// Bad returns the bad case called name.
func Bad(name string, seed uint64, idProperty string) (BadCase, error) {
	g, err := New(WithSeed(seed), WithIDProperty(idProperty))
	if err != nil {
		return BadCase{}, err
	}
	return g.Bad(name)
}

// BadCases builds every named bad batch with this generator's seed, id
// property and key prefix. Their keys live under "<prefix>-bad", apart from
// the stream's keys, in case a lenient target writes some of them.
func (g *Generator) BadCases() []BadCase {
	out := make([]BadCase, len(badCatalogue))
	for i, c := range badCatalogue {
		out[i] = g.buildBad(c)
	}
	return out
}

// Bad returns the bad case called name, or an error naming the valid ones.
func (g *Generator) Bad(name string) (BadCase, error) {
	for _, c := range badCatalogue {
		if c.name == name {
			return g.buildBad(c), nil
		}
	}
	return BadCase{}, fmt.Errorf("unknown bad case %q (valid: %s)", name, strings.Join(BadCaseNames(), ", "))
}

type badSpec struct {
	name, description string
	status            int
	category          string
	message, code     string
	evidence          string
	contentType       string // "" = application/json
	body              func(b *badBuilder) []byte
}

// badBuilder hands out base inputs: valid, realistic, three per batch.
type badBuilder struct {
	g      *Generator
	idProp string
}

func (b *badBuilder) inputs(size int) []map[string]any {
	base := b.g.derive(func(c *config) {
		c.keyPrefix += "-bad"
		c.size = min(size, hubspot.MaxBatchInputs)
		c.traceIDs, c.invalidPPM, c.updatePPM, c.keyspace = false, 0, 0, 0
		c.shard, c.shards = 0, 1
	})
	var out []map[string]any
	for n := uint64(0); len(out) < size; n++ {
		for _, in := range base.Batch(n).Inputs {
			if len(out) == size {
				break
			}
			props := map[string]any{}
			for k, v := range in.Properties {
				props[k] = v
			}
			out = append(out, map[string]any{"id": in.ID, "idProperty": in.IDProperty, "properties": props})
		}
	}
	return out
}

// marshal encodes without HTML escaping, so bodies read as they are meant
// ("Pricing & next steps", not "Pricing \u0026 next steps").
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("generators: bad case does not marshal: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

func batchOf(inputs []map[string]any) []byte { return marshal(map[string]any{"inputs": inputs}) }

// withProp returns a 3-input batch whose middle input has property name set
// to value.
func (b *badBuilder) withProp(name string, value any) []byte {
	in := b.inputs(3)
	in[1]["properties"].(map[string]any)[name] = value
	return batchOf(in)
}

func (g *Generator) buildBad(c badSpec) BadCase {
	b := &badBuilder{g: g, idProp: g.cfg.idProperty}
	ct := c.contentType
	if ct == "" {
		ct = "application/json"
	}
	return BadCase{
		Name: c.name, Description: c.description, Method: http.MethodPost, ContentType: ct,
		Body: c.body(b), Status: c.status, Category: c.category, MessagePrefix: c.message, Code: c.code, Evidence: c.evidence,
	}
}

const (
	v400 = http.StatusBadRequest
	vCat = hubspot.CategoryValidation
)

var badCatalogue = []badSpec{
	{name: BadTooManyInputs, status: v400, category: vCat, evidence: EvidenceLikely,
		description: "101 valid inputs, one more than the 100 a batch accepts",
		body:        func(b *badBuilder) []byte { return batchOf(b.inputs(hubspot.MaxBatchInputs + 1)) }},
	{name: BadDuplicateIDs, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message:     "Duplicate IDs found in batch input: [",
		description: "two inputs with the same id; HubSpot fails the whole batch: Duplicate IDs found in batch input: [<ids>]. IDs must be unique, context {\"ids\": [...]}",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			in[2]["id"] = in[0]["id"]
			in[2]["properties"].(map[string]any)[b.idProp] = in[0]["id"]
			return batchOf(in)
		}},
	{name: BadMissingID, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "an input without the required id",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			delete(in[1], "id")
			return batchOf(in)
		}},
	{name: BadMissingProperties, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "an input without the required properties object",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			delete(in[1], "properties")
			return batchOf(in)
		}},
	{name: BadNumericID, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "an id sent as a JSON number instead of a string",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			in[1]["id"] = 4711
			return batchOf(in)
		}},
	{name: BadInvalidStatus, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeInvalidOption,
		description: "hs_task_status DONE, not one of the allowed options",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropTaskStatus, "DONE") }},
	{name: BadInvalidPriority, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeInvalidOption,
		description: "hs_task_priority URGENT, not one of the allowed options",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropTaskPriority, "URGENT") }},
	{name: BadInvalidType, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeInvalidOption,
		description: "hs_task_type MEETING, not one of the allowed options",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropTaskType, "MEETING") }},
	{name: BadUnparseableTimestamp, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeInvalidDate,
		description: "hs_timestamp \"next Tuesday\": neither epoch milliseconds nor ISO 8601 (HubSpot may report INVALID_LONG instead of INVALID_DATE)",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropTimestamp, "next Tuesday") }},
	{name: BadUnknownProperty, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodePropertyDoesntExist,
		description: "a property tasks do not have (hs_task_mood): Property \"hs_task_mood\" does not exist",
		body:        func(b *badBuilder) []byte { return b.withProp("hs_task_mood", "positive") }},
	{name: BadReadOnlyProperty, status: v400, category: vCat, evidence: EvidenceLikely,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeReadOnlyValue,
		description: "a write to the read-only system property hs_createdate",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropCreateDate, "2025-12-01T09:30:00.000Z") }},
	{name: BadNonUniqueIDProperty, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message:     "Unable to perform update/upsert by non-unique 0-27 property " + hubspot.PropTaskSubject,
		description: "idProperty hs_task_subject, a property without unique values; the whole request fails",
		body:        func(b *badBuilder) []byte { return b.withIDProperty(hubspot.PropTaskSubject) }},
	{name: BadObjectIDProperty, status: v400, category: vCat, evidence: EvidenceConfirmed,
		message:     "Unable to perform update/upsert by non-unique 0-27 property " + hubspot.PropObjectID,
		description: "idProperty hs_object_id, which upsert refuses like a non-unique property",
		body:        func(b *badBuilder) []byte { return b.withIDProperty(hubspot.PropObjectID) }},
	{name: BadMissingIDProperty, status: v400, category: vCat, evidence: EvidenceChoice,
		description: "inputs without idProperty: upsert has nothing to match the ids against",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			for _, i := range in {
				delete(i, "idProperty")
			}
			return batchOf(in)
		}},
	{name: BadOverLongString, status: v400, category: vCat, evidence: EvidenceLikely,
		message: hubspot.MessageInvalidPropertyValues, code: hubspot.CodeMaxLengthExceeded,
		description: "hs_task_body of 65,537 characters, one more than a string property holds",
		body:        func(b *badBuilder) []byte { return b.withProp(hubspot.PropTaskBody, overLong()) }},
	{name: BadMalformedJSON, status: v400, category: vCat, evidence: EvidenceLikely,
		description: "a body cut off in the middle of the second input",
		body: func(b *badBuilder) []byte {
			full := batchOf(b.inputs(3))
			return full[:len(full)*2/3]
		}},
	{name: BadTrailingData, status: v400, category: vCat, evidence: EvidenceChoice,
		description: "a valid batch followed by a second JSON value (HubSpot's parser may ignore it; a strict endpoint refuses)",
		body: func(b *badBuilder) []byte {
			return append(batchOf(b.inputs(3)), ` {"inputs":[]}`...)
		}},
	{name: BadWrongContentType, status: http.StatusUnsupportedMediaType, category: hubspot.CategoryUnsupportedMediaType,
		evidence: EvidenceLikely, contentType: "text/plain; charset=utf-8",
		description: "a valid batch sent as text/plain instead of application/json",
		body:        func(b *badBuilder) []byte { return batchOf(b.inputs(3)) }},
	{name: BadEmptyBody, status: v400, category: vCat, evidence: EvidenceLikely,
		description: "no body at all",
		body:        func(*badBuilder) []byte { return []byte{} }},
	{name: BadMissingInputs, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "an object without the required inputs",
		body:        func(*badBuilder) []byte { return []byte(`{}`) }},
	{name: BadInputsNotArray, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "inputs as a single object instead of an array",
		body: func(b *badBuilder) []byte {
			return marshal(map[string]any{"inputs": b.inputs(1)[0]})
		}},
	{name: BadBodyNotObject, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "the inputs array sent bare, without the enclosing object",
		body:        func(b *badBuilder) []byte { return marshal(b.inputs(3)) }},
	{name: BadPropertiesNotObject, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "properties as an array of strings instead of an object",
		body: func(b *badBuilder) []byte {
			in := b.inputs(3)
			in[1]["properties"] = []string{hubspot.PropTaskSubject, "Call back"}
			return batchOf(in)
		}},
	{name: BadPropertyNotString, status: v400, category: vCat, evidence: EvidenceSchema,
		description: "a property value that is an object instead of a string",
		body: func(b *badBuilder) []byte {
			return b.withProp(hubspot.PropTaskPriority, map[string]any{"value": "HIGH"})
		}},
}

func (b *badBuilder) withIDProperty(name string) []byte {
	in := b.inputs(3)
	for _, i := range in {
		i["idProperty"] = name
	}
	return batchOf(in)
}
