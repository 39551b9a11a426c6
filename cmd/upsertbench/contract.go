package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/runjob"
	"github.com/upsertbench/upsertbench/internal/target"
)

func init() {
	register(command{
		name:    "contract",
		summary: "run the contract suite against a target (default: the built-in emulator)",
		run: func(args []string, stdout, stderr io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runContract(ctx, args, stdout, stderr)
		},
	})
}

func runContract(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("contract")
	var tf targetFlags
	tf.register(fs, true, false)
	idProperty := fs.String("id-property", "", "unique property to upsert by, created with hasUniqueValue: true (default $"+target.EnvIDProperty+", else "+hubspot.DefaultIDProperty+")")
	specFile := fs.String("spec", "", "validate against this OpenAPI 3 document instead of the embedded one, e.g. HubSpot's own")
	apiVersion := fs.String("version", string(hubspot.VersionV3), "API version: v3 or 2026-03")
	probe := fs.Bool("probe-rate-limit", false, "exhaust the burst limit to provoke a 429 and check its body (uses up to Max+20 calls)")
	junitFile := fs.String("junit", "", "also write the results as JUnit XML to this file")
	jsonFile := fs.String("json", "", "also write the results as JSON to this file")
	seed := fs.Uint64("seed", 0, "seed of the generated batches (default 1)")
	keyPrefix := fs.String("key-prefix", "", "prefix of every unique value the suite writes (default ub-<random>)")
	record := fs.String("record", "", "save every exchange to this new folder, tokens scrubbed and ids normalised, for 'upsertbench fidelity --recording'")
	var verbose bool
	fs.BoolVar(&verbose, "v", false, "list every check and case, and every promise, instead of one line per check")
	fs.BoolVar(&verbose, "verbose", false, "the same as -v")
	var account accountFlags
	account.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	version, err := hubspot.ParseVersion(*apiVersion)
	if err != nil {
		return usagef("--version: %v", err)
	}
	idProp := target.IDProperty(*idProperty, os.Getenv)
	if strings.ContainsAny(idProp, " \t\"/") {
		return usagef("--id-property %q: give a property name like %s", idProp, hubspot.DefaultIDProperty)
	}
	t, err := tf.resolve()
	if err != nil {
		return err
	}
	v, err := contractValidator(*specFile)
	if err != nil {
		return err
	}

	baseURL, tok, ro := t.URL, t.Token, t.ReadOnlyToken
	if t.Emulated() {
		srv, roTok, err := runjob.StartSuiteEmulator(tok, ro, idProp)
		if err != nil {
			return fmt.Errorf("starting the in-process emulator: %w", err)
		}
		defer srv.Close()
		baseURL, tok, ro = srv.URL, srv.Token, roTok
	} else if err := preflight(ctx, t); err != nil {
		return err
	}

	client, finishRecording, err := contractRecorder(*record, baseURL, tok, ro, idProp, version)
	if err != nil {
		return err
	}
	genOpts := account.generatorOptions(t)
	s, err := contract.NewSuite(contract.SuiteConfig{
		BaseURL: baseURL, Token: tok, ReadOnlyToken: ro, IDProperty: idProp, Version: version,
		Validator: v, ProbeRateLimit: *probe, KeyPrefix: *keyPrefix, Seed: *seed, GeneratorOptions: genOpts,
		HTTPClient: client,
	})
	if err != nil {
		_ = finishRecording(false, io.Discard)
		return usagef("%v", err)
	}
	rep := s.Run(ctx)
	writeText := rep.WriteText
	if verbose {
		writeText = rep.WriteTextVerbose
	}
	if err := writeText(stdout); err != nil {
		return err
	}
	if err := finishRecording(ctx.Err() == nil, stdout); err != nil {
		return err
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{*jsonFile, rep.WriteJSON}, {*junitFile, rep.WriteJUnit}} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		if err := out.write(&buf); err != nil {
			return err
		}
		if err := results.WriteFileAtomic(out.path, buf.Bytes()); err != nil {
			return fmt.Errorf("writing %s: %w", out.path, err)
		}
	}
	if ctx.Err() != nil {
		return failedError{msg: "interrupted; records created so far were archived"}
	}
	if !rep.Passed() {
		_, fail, _ := rep.Counts()
		return failedError{msg: fmt.Sprintf("%d contract check(s) failed", fail)}
	}
	return nil
}

// contractValidator builds the validator for --spec, or the default one.
func contractValidator(specFile string) (*contract.Validator, error) {
	if specFile == "" {
		v, err := contract.DefaultValidator()
		if err != nil {
			return nil, fmt.Errorf("the embedded OpenAPI document: %w", err)
		}
		return v, nil
	}
	v, err := contract.NewValidator(contract.WithSpecFile(specFile))
	if err != nil {
		return nil, usagef("--spec %s: %v", specFile, err)
	}
	return v, nil
}
