package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a FlagSet that reports problems as usage errors instead
// of printing the whole usage and exiting: the CLI prints one line that says
// what was wrong.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("upsertbench "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args and turns flag errors into usage errors. -h prints
// the flag defaults to stdout and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fmt.Fprintf(stdout, "Usage of %s:\n", fs.Name())
		fs.PrintDefaults()
		return errHelp
	}
	if err != nil {
		return usagef("%s (run '%s -h' for the flags)", err, fs.Name())
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (run '%s -h' for the flags)", fs.Arg(0), fs.Name())
	}
	return nil
}

// errHelp means -h was asked for and answered: exit 0.
var errHelp = errors.New("help shown")

// choice validates s against valid and names them all when it is not one.
func choice(flagName, s string, valid ...string) error {
	for _, v := range valid {
		if s == v {
			return nil
		}
	}
	return usagef("invalid value %q for --%s (valid: %s)", s, flagName, strings.Join(valid, ", "))
}
