package contract

import (
	_ "embed"
)

//go:embed openapi.yaml
var specYAML []byte

// Spec returns upsertbench's own OpenAPI 3.0 document for the tasks batch
// endpoints, as embedded in the binary. The slice is a copy: callers may
// modify it without changing what DefaultValidator validates against.
func Spec() []byte {
	return append([]byte(nil), specYAML...)
}
