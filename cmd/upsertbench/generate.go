package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

func init() {
	register(command{
		name:    "generate",
		summary: "print one batch upsert body (or a named bad one), ready for curl --data @-",
		run:     runGenerate,
	})
}

// runGenerate prints batch --n of the stream the flags describe. The body
// goes to stdout alone, so it pipes straight into curl; anything else goes
// to stderr.
func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate")
	size := fs.Int("size", generators.DefaultBatchSize, "inputs per batch, 1 to 100")
	seed := fs.Uint64("seed", generators.DefaultSeed, "seed of all values; the same flags print the same bytes")
	updates := fs.Float64("updates", generators.DefaultUpdateShare, "share of inputs, 0 to 1, that update keys earlier batches created (batch 0 has none)")
	traceIDs := fs.Bool("trace-ids", false, "give every input an objectWriteTraceId")
	invalid := fs.String("invalid", "", "print the named bad batch instead (its expected status goes to stderr): "+strings.Join(generators.BadCaseNames(), ", "))
	invalidShare := fs.Float64("invalid-share", 0, "share of inputs, 0 to 1, that carry one bad value")
	idProperty := fs.String("id-property", generators.DefaultIDProperty, "unique property the inputs are upserted by")
	versionFlag := fs.String("version", string(generators.DefaultVersion), "API version: v3 or 2026-03")
	n := fs.Uint64("n", 0, "batch number in the stream, from 0")
	keyPrefix := fs.String("key-prefix", generators.DefaultKeyPrefix, "prefix of the unique values, e.g. ub-<run id>")
	format := fs.String("format", "pretty", "output: pretty or compact")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}

	if err := choice("format", *format, "pretty", "compact"); err != nil {
		return err
	}
	if err := choice("version", *versionFlag, generateVersions()...); err != nil {
		return err
	}
	if *size < 1 || *size > hubspot.MaxBatchInputs {
		return usagef("invalid value %d for --size (valid: 1 to %d)", *size, hubspot.MaxBatchInputs)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"updates", *updates}, {"invalid-share", *invalidShare}} {
		if !(f.v >= 0 && f.v <= 1) {
			return usagef("invalid value %v for --%s (valid: 0 to 1)", f.v, f.name)
		}
	}
	if strings.TrimSpace(*idProperty) == "" {
		return usagef("empty --id-property (use e.g. %s, a property with unique values)", generators.DefaultIDProperty)
	}
	if *keyPrefix == "" {
		return usagef("empty --key-prefix (use e.g. %s-<run id>)", generators.DefaultKeyPrefix)
	}
	if *invalid != "" {
		if err := choice("invalid", *invalid, generators.BadCaseNames()...); err != nil {
			return err
		}
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "size", "updates", "trace-ids", "invalid-share", "n":
				clash = append(clash, "--"+f.Name)
			}
		})
		if len(clash) > 0 {
			return usagef("--invalid prints a fixed bad batch; drop %s", strings.Join(clash, ", "))
		}
	}

	g, err := generators.New(
		generators.WithSeed(*seed),
		generators.WithBatchSize(*size),
		generators.WithUpdateShare(*updates),
		generators.WithTraceIDs(*traceIDs),
		generators.WithInvalidShare(*invalidShare),
		generators.WithIDProperty(*idProperty),
		generators.WithVersion(hubspot.Version(*versionFlag)),
		generators.WithKeyPrefix(*keyPrefix),
	)
	if err != nil {
		return usagef("%v", err)
	}

	if *invalid != "" {
		bc, err := g.Bad(*invalid)
		if err != nil {
			return usagef("%v", err)
		}
		fmt.Fprintf(stderr, "%s: expect %d %s — %s (POST %s, Content-Type: %s)\n",
			bc.Name, bc.Status, bc.Category, bc.Description, g.Path(), bc.ContentType)
		return writeGenerated(stdout, bc.Body, *format)
	}
	if *updates > 0 && *n == 0 {
		fmt.Fprintln(stderr, "note: batch 0 has no earlier keys to update, so it is all creates; use --n 1 or later to see updates")
	}
	return writeGenerated(stdout, g.AppendBatch(nil, *n), *format)
}

// writeGenerated prints body, indented when asked and when it is valid JSON (a
// bad case may deliberately not be), always ending in one newline.
func writeGenerated(w io.Writer, body []byte, format string) error {
	out := body
	if format == "pretty" && json.Valid(body) {
		var buf bytes.Buffer
		if err := json.Indent(&buf, body, "", "  "); err == nil {
			out = buf.Bytes()
		}
	}
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out[:len(out):len(out)], '\n')
	}
	_, err := w.Write(out)
	return err
}

func generateVersions() []string {
	out := make([]string, len(hubspot.Versions))
	for i, v := range hubspot.Versions {
		out[i] = string(v)
	}
	return out
}
