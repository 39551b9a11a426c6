package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/reports"
)

func init() {
	register(command{
		name:    "report",
		summary: "merge results of one run (or its shards), evaluate thresholds and render text, JSON, Markdown, HTML and JUnit",
		run:     runReport,
	})
}

// Defaults of the report command.
const defaultReportFormats = "text,json,md,html,junit"

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report")
	var ins repeated
	fs.Var(&ins, "in", "run folder holding results.bin and summary.json (repeat for the shards of one run), or a folder of shard folders (shard-<I>/)")
	expect := fs.Int("expect-shards", 0, "the run has this many shards: a missing one fails the report, shards of another run size are refused")
	maxSkew := fs.Duration("max-skew", results.DefaultMaxSkew, "shards whose starts are further apart than this fail the report (0: not judged); the skew is printed either way")
	baseline := fs.String("baseline", "", "an earlier summary.json to compare with; a regression fails the report")
	history := fs.String("history", "", "JSON Lines history file: this run is appended and the last 30 runs are charted")
	out := fs.String("out", "", "folder for the outputs (default: the --in folder, <in>/report for a folder of shard folders; required with several)")
	formats := fs.String("format", defaultReportFormats, "comma-separated outputs: text, json, md, html, junit (text also prints to stdout)")
	tolerance := fs.Float64("latency-tolerance", reports.DefaultLatencyTolerance, "share by which p95 or p99 may worsen against the baseline before it is a regression")
	quiet := fs.Bool("quiet", false, "do not print the text report to stdout")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if len(ins) == 0 {
		return usagef("no run folder: pass --in DIR (a folder written by 'upsertbench load'; repeat --in for shards)")
	}
	if *tolerance <= 0 || *tolerance >= 10 {
		return usagef("--latency-tolerance %g is out of range: give a share such as 0.10 for 10%%", *tolerance)
	}
	fmts, err := reports.ParseFormats(*formats)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if *expect < 0 || *expect > results.MaxShards {
		return usagef("--expect-shards %d is out of range: give the run's number of shards, 1 to %d", *expect, results.MaxShards)
	}
	if len(ins) == 1 && reports.IsShardsFolder(ins[0]) {
		// The merged summary.json in the folder of shards would make it
		// look like a run folder of its own the next time.
		if *out == "" {
			*out = filepath.Join(ins[0], "report")
		}
		if filepath.Clean(*out) == filepath.Clean(ins[0]) {
			return usagef("--out %s is the folder of shard folders: give the merged report a folder of its own, e.g. %s", *out, filepath.Join(ins[0], "report"))
		}
	}
	if len(ins) > 1 {
		// The merged summary.json must not overwrite a shard's own.
		if *out == "" {
			return usagef("pass --out DIR: the merged report of %d shards needs a folder of its own", len(ins))
		}
		for _, in := range ins {
			if filepath.Clean(in) == filepath.Clean(*out) {
				return usagef("--out %s is one of the shards: give the merged report a folder of its own", *out)
			}
		}
	}
	if *out == "" {
		*out = ins[0]
	}
	opts := []reports.Option{reports.WithLatencyTolerance(*tolerance), reports.WithMaxSkew(*maxSkew)}
	if *expect > 0 {
		opts = append(opts, reports.WithExpectShards(*expect))
	}
	if *baseline != "" {
		opts = append(opts, reports.WithBaseline(*baseline))
	}
	if *history != "" {
		opts = append(opts, reports.WithHistory(*history))
	}
	return reportAndPrint(ins, *out, fmts, *quiet, stdout, opts...)
}

// reportAndPrint publishes the report of dirs (reports.Publish: the
// formats into out, the history appended when opts name one) and prints
// it. Shared by report and load.
func reportAndPrint(dirs []string, out string, formats []string, quiet bool, stdout io.Writer, opts ...reports.Option) error {
	r, paths, err := reports.Publish(dirs, out, formats, opts...)
	if err != nil {
		return reportError(err)
	}
	return printReport(r, paths, quiet, stdout)
}

// reportError is the command's error for an error of the report step: an
// input it cannot read names the file.
func reportError(err error) error {
	var ie *reports.InputError
	if errors.As(err, &ie) {
		return usagef("cannot read %s: %v", ie.Path, ie.Err)
	}
	return err
}

// printReport prints the text report and the paths of the files written,
// unless quiet, and turns the verdict into the command's result. Shared by
// report, load and run.
func printReport(r *reports.Report, paths []string, quiet bool, stdout io.Writer) error {
	if !quiet {
		if err := r.WriteText(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		for _, p := range paths {
			if strings.HasSuffix(p, reports.HTMLFile) {
				fmt.Fprintf(stdout, "HTML report: %s\n", p)
			}
		}
		fmt.Fprintf(stdout, "Outputs: %s\n", strings.Join(paths, ", "))
	}
	if !r.Passed() {
		return failedError{msg: fmt.Sprintf("verdict %s (%d reasons above; first: %s)", r.Summary.Verdict, len(r.Failures), r.Failures[0])}
	}
	return nil
}
