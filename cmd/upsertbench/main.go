// Command upsertbench is the one binary over upsertbench: contract checks,
// load runs, reports and the emulator for HubSpot's tasks batch upsert API.
//
// Each subcommand lives in its own file and registers itself with
// register(); each returns an error and main alone decides the exit code:
// 0 pass, 1 a check or threshold failed, 2 bad usage or configuration.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes shared by every subcommand.
const (
	exitPass  = 0
	exitFail  = 1
	exitUsage = 2
	// exitLateStart: a shard given --start-at was ready later than
	// --max-start-lag after it and sent nothing. A Kubernetes Job fails at
	// once on it (see the k8s command's pod failure policy).
	exitLateStart = 3
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and writes to stdout/stderr; it never exits.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("upsertbench: subcommand registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError is bad usage or configuration: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// failedError means the run worked but a check, threshold or regression
// failed: exit 1. The details were already printed.
type failedError struct{ msg string }

func (e failedError) Error() string { return e.msg }

// lateStartError is a shard that was ready too long after its planned
// start and sent nothing: exit 3, so an engine running shards can tell it
// from a failed check.
type lateStartError struct{ msg string }

func (e lateStartError) Error() string { return e.msg }

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain is main without the exit, so tests can drive the whole CLI.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return exitPass
	case "-version", "--version", "version":
		fmt.Fprintf(stdout, "upsertbench %s\n", version)
		return exitPass
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "upsertbench: unknown command %q (valid: %s); run 'upsertbench help'\n", args[0], strings.Join(commandNames(), ", "))
		return exitUsage
	}
	err := c.run(args[1:], stdout, stderr)
	return exitCode(stderr, c.name, err)
}

func exitCode(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitPass
	}
	var ue usageError
	var fe failedError
	var le lateStartError
	switch {
	case errors.As(err, &le):
		fmt.Fprintf(stderr, "upsertbench %s: %s\n", name, oneLine(le.msg))
		return exitLateStart
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "upsertbench %s: %s\n", name, oneLine(ue.msg))
		return exitUsage
	case errors.As(err, &fe):
		if fe.msg != "" {
			fmt.Fprintf(stderr, "upsertbench %s: %s\n", name, oneLine(fe.msg))
		}
		return exitFail
	default:
		fmt.Fprintf(stderr, "upsertbench %s: %s\n", name, oneLine(err.Error()))
		return exitUsage
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "upsertbench %s — contract and load tests for HubSpot's CRM tasks batch upsert API\n\nUsage: upsertbench <command> [flags]\n\nCommands:\n", version)
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nRun 'upsertbench <command> -h' for a command's flags.\nExit codes: 0 pass, 1 a check or threshold failed, 2 bad usage or configuration,\n3 a shard started later than --max-start-lag after --start-at and sent nothing.\n")
}
