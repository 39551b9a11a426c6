package fidelity

import "regexp"

// volatileRule replaces one kind of value that differs between any two
// runs of the same request (a time, a fresh uuid) by a fixed token before
// texts are compared. Ids are not here: the normaliser already made them
// placeholders, consistently across exchanges.
type volatileRule struct {
	pattern     *regexp.Regexp
	replacement string
}

// volatileRules are applied in order: uuids before hex runs (a uuid is hex
// with dashes), full timestamps before bare dates and times.
var volatileRules = []volatileRule{
	// Correlation and request ids: UUIDs of any version (HubSpot's are v7).
	{regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`), "{{uuid}}"},
	// ISO 8601 instants and local date-times, with or without fraction and zone.
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?`), "{{timestamp}}"},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`), "{{date}}"},
	{regexp.MustCompile(`\b\d{2}:\d{2}:\d{2}(?:\.\d+)?\b`), "{{time}}"},
	// Epoch milliseconds and seconds of this century (13 and 10 digits).
	{regexp.MustCompile(`\b1\d{12}\b`), "{{epoch-ms}}"},
	{regexp.MustCompile(`\b1\d{9}\b`), "{{epoch-s}}"},
	// Trace and request ids in hex.
	{regexp.MustCompile(`(?i)\b[0-9a-f]{16,}\b`), "{{hex}}"},
}

// stable returns s with its volatile values replaced.
func stable(s string) string {
	for _, r := range volatileRules {
		s = r.pattern.ReplaceAllString(s, r.replacement)
	}
	return s
}
