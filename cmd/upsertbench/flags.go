package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
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
		return usagef("%s (run '%s -h' for the flags)", flagMessage(fs, err), fs.Name())
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

// Go's flag package names flags with one dash ("flag -rate"); the docs
// spell them with two. flagMessage rewrites its three messages.
var (
	reUndefined = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	reNoValue   = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	reBadValue  = regexp.MustCompile(`^invalid (?:boolean )?value "(.*)" for (?:flag )?-+([^:]+): (.+)$`)
)

func flagMessage(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown flag --%s", m[1])
	}
	if m := reNoValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value: %s", m[1], usageOf(fs, m[1]))
	}
	if m := reBadValue.FindStringSubmatch(msg); m != nil {
		why := strings.TrimPrefix(m[3], "parse error")
		if why != "" {
			why = " (" + strings.TrimSpace(why) + ")"
		}
		return fmt.Sprintf("invalid value %q for --%s%s: %s", m[1], m[2], why, usageOf(fs, m[2]))
	}
	return msg
}

// usageOf is a flag's help text, which says what a good value looks like.
func usageOf(fs *flag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil {
		return f.Usage
	}
	return "see the flags"
}
