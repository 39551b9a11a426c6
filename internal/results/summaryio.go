package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Verdicts of a summary. The reports package decides them; an
// interrupted run is never a pass, whatever its figures.
const (
	VerdictPass        = "pass"
	VerdictFail        = "fail"
	VerdictInterrupted = "interrupted"
)

// NewSummary returns an empty summary of the current schema, maps ready.
func NewSummary() *Summary {
	return &Summary{
		SchemaVersion: SchemaVersion,
		RateLimited:   map[string]uint64{},
		ErrorClasses:  map[string]uint64{},
		Unanswered:    map[string]uint64{},
		Contract:      ContractSummary{ByCheck: map[string]uint64{}},
	}
}

// MarshalSummary encodes s as summary.json does: indented JSON with a
// trailing newline. A zero SchemaVersion is written as SchemaVersion.
func MarshalSummary(s *Summary) ([]byte, error) {
	c := *s
	if c.SchemaVersion == 0 {
		c.SchemaVersion = SchemaVersion
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Error texts and findings quote bodies; keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("encode summary: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteSummary writes s to path atomically.
func WriteSummary(path string, s *Summary) error {
	data, err := MarshalSummary(s)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}

// ReadSummary reads a summary.json (or the summary.json of a directory).
// Errors name the file; a file without a schemaVersion or from a newer
// schema is refused.
func ReadSummary(path string) (*Summary, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = path + string(os.PathSeparator) + SummaryFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	s, err := ParseSummary(data)
	if err != nil {
		return nil, fmt.Errorf("read summary %s: %w", path, err)
	}
	return s, nil
}

// ErrSchema is wrapped by errors about a summary's schemaVersion.
var ErrSchema = errors.New("unsupported summary schema")

// ParseSummary decodes summary.json content and checks its schema version.
func ParseSummary(data []byte) (*Summary, error) {
	var probe struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a summary.json: %w", err)
	}
	switch {
	case probe.SchemaVersion == nil:
		return nil, fmt.Errorf("%w: no schemaVersion (not an upsertbench summary.json)", ErrSchema)
	case *probe.SchemaVersion < 1:
		return nil, fmt.Errorf("%w: schemaVersion %d is invalid", ErrSchema, *probe.SchemaVersion)
	case *probe.SchemaVersion > SchemaVersion:
		return nil, fmt.Errorf("%w: schemaVersion %d was written by a newer upsertbench (this one reads up to %d); upgrade upsertbench",
			ErrSchema, *probe.SchemaVersion, SchemaVersion)
	}
	s := new(Summary)
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("decode summary: %w", err)
	}
	if *probe.SchemaVersion < 2 {
		upgradeV1(s)
	}
	return s, nil
}

// upgradeV1 fills what a version 1 summary lacks, where that is exact:
// when every request was answered (no status code 0), the answered
// latencies are Vegeta's. Otherwise they are unknown and stay empty, so
// that they read as "no data" rather than as figures that count
// unanswered requests.
func upgradeV1(s *Summary) {
	if s.Metrics.Requests > 0 && s.Metrics.StatusCodes["0"] == 0 {
		s.Answered = AnsweredLatency{Requests: s.Metrics.Requests, Latencies: s.Metrics.Latencies}
		s.Unanswered = make(map[string]uint64, len(transportClasses))
		for _, c := range transportClasses {
			s.Unanswered[c] = 0
		}
	}
}
