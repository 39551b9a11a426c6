package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/fidelity"
	"github.com/upsertbench/upsertbench/internal/results"
)

func init() {
	register(command{
		name:    "fidelity",
		summary: "replay a recording (contract --record) against the emulator and diff the answers' shapes and texts",
		run: func(args []string, stdout, stderr io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runFidelity(ctx, args, stdout)
		},
	})
}

const recordingFix = "give the folder written by 'upsertbench contract --record DIR'"

func runFidelity(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("fidelity")
	dir := fs.String("recording", "", "folder written by 'upsertbench contract --record DIR' (required)")
	jsonFile := fs.String("json", "", "also write the differences as JSON to this file")
	allHeaders := fs.Bool("all-headers", false, "compare every response header, also the transport and CDN ones (Date, Server, CF-*, …) ignored by default")
	tierName := fs.String("tier", "", "emulator tier for the replay (default: the one the recorded X-HubSpot-RateLimit-* headers name)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *dir == "" {
		return usagef("--recording is required: %s", recordingFix)
	}
	opts := []fidelity.ReplayOption{fidelity.WithAllHeaders(*allHeaders)}
	if *tierName != "" {
		t, err := hubspot.ParseTier(*tierName)
		if err != nil {
			return usagef("--tier: %v", err)
		}
		opts = append(opts, fidelity.WithTier(t))
	}
	rec, err := fidelity.Load(*dir)
	if err != nil {
		return usagef("--recording %s: %v", *dir, err)
	}
	rep, err := fidelity.Replay(ctx, rec, opts...)
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *jsonFile != "" {
		var buf bytes.Buffer
		if err := rep.WriteJSON(&buf); err != nil {
			return err
		}
		if err := results.WriteFileAtomic(*jsonFile, buf.Bytes()); err != nil {
			return fmt.Errorf("writing %s: %w", *jsonFile, err)
		}
	}
	if rep.Interrupted {
		return failedError{msg: fmt.Sprintf("interrupted after %d of %d exchanges", len(rep.Exchanges), rep.Total)}
	}
	if rep.Differs() {
		_, differ, _ := rep.Counts()
		return failedError{msg: fmt.Sprintf("%d of %d exchanges differ from the emulator", differ, len(rep.Exchanges))}
	}
	return nil
}

// contractRecorder starts the recording of a contract run in dir for
// --record and returns the suite's HTTP client; finish closes the
// recording and says where it is. dir "" records nothing (client nil: the
// suite's default).
func contractRecorder(dir, target, token, readOnly, idProperty string, v hubspot.Version) (client *http.Client, finish func(complete bool, w io.Writer) error, err error) {
	if dir == "" {
		return nil, func(bool, io.Writer) error { return nil }, nil
	}
	rec, err := fidelity.NewRecorder(dir, fidelity.Meta{
		Tool: "upsertbench " + version, Target: target, APIVersion: string(v), IDProperty: idProperty,
	}, fidelity.WithToken(token), fidelity.WithReadOnlyToken(readOnly))
	if err != nil {
		return nil, nil, usagef("--record %s: %v", dir, err)
	}
	finish = func(complete bool, w io.Writer) error {
		if err := rec.Close(complete); err != nil {
			return err
		}
		_, err := fmt.Fprintf(w, "Recorded %d exchanges in %s (tokens scrubbed, ids normalised); compare with: upsertbench fidelity --recording %s\n", rec.Count(), dir, dir)
		return err
	}
	return &http.Client{Transport: rec, Timeout: contract.DefaultSuiteTimeout}, finish, nil
}
