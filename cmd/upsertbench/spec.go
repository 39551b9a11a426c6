package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/goccy/go-yaml"

	"github.com/upsertbench/upsertbench/contract"
)

func init() {
	register(command{
		name:    "spec",
		summary: "print upsertbench's OpenAPI document for the tasks batch endpoints",
		run:     runSpec,
	})
}

// runSpec prints the embedded OpenAPI document, as written (YAML) or
// converted to indented JSON with the same key order.
func runSpec(args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("spec")
	format := fs.String("format", "yaml", "output format: yaml or json")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := choice("format", *format, "yaml", "json"); err != nil {
		return err
	}
	doc := contract.Spec()
	if *format == "json" {
		compact, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return fmt.Errorf("converting the embedded document to JSON: %w", err)
		}
		var out bytes.Buffer
		if err := json.Indent(&out, compact, "", "  "); err != nil {
			return fmt.Errorf("indenting the embedded document: %w", err)
		}
		out.WriteByte('\n')
		doc = out.Bytes()
	}
	_, err := stdout.Write(doc)
	return err
}
