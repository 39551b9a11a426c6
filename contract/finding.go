package contract

import (
	"fmt"
	"strings"

	"github.com/upsertbench/upsertbench/internal/results"
)

// CheckName names one contract check. Every check the suite runs has a
// constant of this type, so findings, test names and reports agree.
type CheckName string

// Finding is one way a request or response broke the contract. Findings are
// data, modelled on libopenapi-validator's ValidationError: they say what
// was checked, what was wrong, why it matters, how to fix it, where in the
// exchange and where in the specification. Go errors are kept for setup and
// I/O problems; a contract violation is never an error value.
type Finding struct {
	// Check is the check that produced the finding.
	Check CheckName `json:"check"`
	// Message says what was wrong, in one sentence.
	Message string `json:"message"`
	// Reason says what the contract promises instead.
	Reason string `json:"reason,omitempty"`
	// HowToFix tells the owner of the target (or of the request) what to change.
	HowToFix string `json:"howToFix,omitempty"`
	// Method and Path locate the exchange (path without query or host).
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	// StatusCode is the response status, when a response was involved.
	StatusCode int `json:"statusCode,omitempty"`
	// SpecPath locates the rule in the OpenAPI document, e.g.
	// "#/components/schemas/SimplePublicUpsertObject/properties/new".
	SpecPath string `json:"specPath,omitempty"`
	// Fields lists field-level failures inside the body.
	Fields []FieldFailure `json:"fields,omitempty"`
	// Sent and Received are trimmed excerpts of the request and response
	// bodies, for humans reading a failure. Never credentials.
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received,omitempty"`
}

// FieldFailure is one failing location inside a JSON body.
type FieldFailure struct {
	// Pointer is an RFC 6901 JSON Pointer into the body, e.g. "/results/3/createdAt".
	Pointer string `json:"pointer"`
	// Message says what is wrong at that location.
	Message string `json:"message"`
	// SchemaPath locates the violated keyword in the schema, when known.
	SchemaPath string `json:"schemaPath,omitempty"`
}

// Error renders the finding as one line for logs and test output.
func (f Finding) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", f.Check, f.Message)
	if f.Method != "" || f.Path != "" {
		fmt.Fprintf(&b, " [%s %s", f.Method, f.Path)
		if f.StatusCode != 0 {
			fmt.Fprintf(&b, " → %d", f.StatusCode)
		}
		b.WriteString("]")
	}
	for _, ff := range f.Fields {
		fmt.Fprintf(&b, "; %s: %s", ff.Pointer, ff.Message)
	}
	return b.String()
}

// String is Error, so a Finding prints the same everywhere.
func (f Finding) String() string { return f.Error() }

// Record converts f into the plain data a run's files store
// (findings.jsonl, summary.json), so that readers of a run need neither
// this package nor its OpenAPI validator. It is the one place where a
// contract finding becomes part of a run.
func (f Finding) Record() results.Finding {
	r := results.Finding{
		Check: string(f.Check), Message: f.Message, Reason: f.Reason, HowToFix: f.HowToFix,
		Method: f.Method, Path: f.Path, StatusCode: f.StatusCode, SpecPath: f.SpecPath,
		Sent: f.Sent, Received: f.Received,
	}
	if len(f.Fields) > 0 {
		r.Fields = make([]results.FieldFailure, len(f.Fields))
		for i, ff := range f.Fields {
			r.Fields[i] = results.FieldFailure{Pointer: ff.Pointer, Message: ff.Message, SchemaPath: ff.SchemaPath}
		}
	}
	return r
}

// Records converts findings with Record.
func Records(fs []Finding) []results.Finding {
	out := make([]results.Finding, len(fs))
	for i, f := range fs {
		out[i] = f.Record()
	}
	return out
}
