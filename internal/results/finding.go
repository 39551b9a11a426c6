package results

import (
	"fmt"
	"strings"
)

// Finding is one contract violation as a run's files store it
// (findings.jsonl and summary.json): plain data, so that every reader of a
// run needs neither the contract package nor its OpenAPI validator. The
// JSON names are those of Finding, which the load engine converts
// into this type when it writes a finding.
type Finding struct {
	// Check names the check that produced the finding (a string).
	Check    string `json:"check"`
	Message  string `json:"message"`
	Reason   string `json:"reason,omitempty"`
	HowToFix string `json:"howToFix,omitempty"`
	// Method and Path locate the exchange (path without query or host);
	// StatusCode is the response status when a response was involved.
	Method     string `json:"method,omitempty"`
	Path       string `json:"path,omitempty"`
	StatusCode int    `json:"statusCode,omitempty"`
	// SpecPath locates the rule in the OpenAPI document.
	SpecPath string `json:"specPath,omitempty"`
	// Fields lists field-level failures inside the body.
	Fields []FieldFailure `json:"fields,omitempty"`
	// Sent and Received are trimmed excerpts of the bodies, never credentials.
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received,omitempty"`
}

// FieldFailure is one failing location inside a JSON body.
type FieldFailure struct {
	// Pointer is an RFC 6901 JSON Pointer into the body.
	Pointer    string `json:"pointer"`
	Message    string `json:"message"`
	SchemaPath string `json:"schemaPath,omitempty"`
}

// Error renders the finding as one line, exactly as Finding does.
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
