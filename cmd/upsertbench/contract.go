package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
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

// Environment of the contract command (and of go test ./contract/...).
const (
	envReadOnlyToken = "UPSERTBENCH_READ_ONLY_TOKEN"
	envIDProperty    = "UPSERTBENCH_ID_PROPERTY"
)

// contractEmulatorTier gives the in-process emulator real limits, so the
// rate-limit header checks (and --probe-rate-limit) have something to check.
const contractEmulatorTier = hubspot.TierProfessional

func runContract(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("contract")
	target := fs.String("target", "", "base URL of the target, e.g. https://api.hubapi.com (default: an in-process emulator)")
	token := fs.String("token", "", "bearer token of the target, e.g. a HubSpot private app token (default $"+envToken+")")
	readOnly := fs.String("read-only-token", "", "a token without write scopes; writes with it must get 403 (default $"+envReadOnlyToken+"; skipped when none)")
	idProperty := fs.String("id-property", "", "unique property to upsert by, created with hasUniqueValue: true (default $"+envIDProperty+", else "+hubspot.DefaultIDProperty+")")
	specFile := fs.String("spec", "", "validate against this OpenAPI 3 document instead of the embedded one, e.g. HubSpot's own")
	apiVersion := fs.String("version", string(hubspot.VersionV3), "API version: v3 or 2026-03")
	probe := fs.Bool("probe-rate-limit", false, "exhaust the burst limit to provoke a 429 and check its body (uses up to Max+20 calls)")
	junitFile := fs.String("junit", "", "also write the results as JUnit XML to this file")
	jsonFile := fs.String("json", "", "also write the results as JSON to this file")
	allowRemote := fs.Bool("allow-remote", false, "allow a target that is not on this machine (or set "+envAllowRemote+"=1)")
	seed := fs.Uint64("seed", 0, "seed of the generated batches (default 1)")
	keyPrefix := fs.String("key-prefix", "", "prefix of every unique value the suite writes (default ub-<random>)")
	var account accountFlags
	account.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	version, err := hubspot.ParseVersion(*apiVersion)
	if err != nil {
		return usagef("--version: %v", err)
	}
	tok := firstNonEmpty(*token, os.Getenv(envToken))
	ro := firstNonEmpty(*readOnly, os.Getenv(envReadOnlyToken))
	idProp := firstNonEmpty(*idProperty, os.Getenv(envIDProperty), hubspot.DefaultIDProperty)
	if strings.ContainsAny(idProp, " \t\"/") {
		return usagef("--id-property %q: give a property name like %s", idProp, hubspot.DefaultIDProperty)
	}
	if ro != "" && ro == tok {
		return usagef("--read-only-token must differ from the token")
	}

	v, err := contractValidator(*specFile)
	if err != nil {
		return err
	}

	baseURL := *target
	if baseURL == "" {
		if ro == "" {
			if ro, err = generateToken(); err != nil {
				return err
			}
		}
		var stop func()
		baseURL, tok, stop, err = startEmulator(tok, emulator.WithReadOnlyToken(ro), emulator.WithTier(contractEmulatorTier),
			emulator.WithUniqueProperties(idProp))
		if err != nil {
			return fmt.Errorf("starting the in-process emulator: %w", err)
		}
		defer stop()
	} else {
		if err := checkTarget(baseURL, *allowRemote); err != nil {
			return err
		}
		if tok == "" {
			return usagef("no token for %s: pass --token or set %s (for HubSpot: a private app token with the tasks scopes)", baseURL, envToken)
		}
	}

	genOpts := account.generatorOptions(*target)
	s, err := contract.NewSuite(contract.SuiteConfig{
		BaseURL: baseURL, Token: tok, ReadOnlyToken: ro, IDProperty: idProp, Version: version,
		Validator: v, ProbeRateLimit: *probe, KeyPrefix: *keyPrefix, Seed: *seed, GeneratorOptions: genOpts,
	})
	if err != nil {
		return usagef("%v", err)
	}
	rep := s.Run(ctx)
	if err := rep.WriteText(stdout); err != nil {
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

// hostOf is the host name of a target that checkTarget accepted.
func hostOf(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
