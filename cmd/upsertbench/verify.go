package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

// verifyFlags are the read-back flags of load and run: --verify and
// --consistency-window. They override the scenario's verify section.
type verifyFlags struct {
	mode   string
	window time.Duration
}

func (f *verifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.mode, "verify", "", fmt.Sprintf("read back the written keys at the end of the run: none, sample (the scenario's verify.sample, default %d keys) or all (default: the scenario's verify.mode; auto is all on the emulator, sample on a --target)", scenarios.DefaultVerifySample))
	fs.DurationVar(&f.window, "consistency-window", 0, fmt.Sprintf("a read that misses a write made less than this before it is lag, not loss, and is read again (default: the scenario's verify.window; auto is 0 on the emulator, %s on a --target)", load.DefaultRemoteConsistencyWindow))
}

// apply sets the flags given on fs into sc's verify section; the caller
// validates sc afterwards.
func (f *verifyFlags) apply(fs *flag.FlagSet, sc *scenarios.Scenario) error {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["verify"] {
		if err := choice("verify", f.mode, scenarios.VerifyNone, scenarios.VerifySample, scenarios.VerifyAll); err != nil {
			return err
		}
		sc.Verify.Mode = f.mode
	}
	if set["consistency-window"] {
		if f.window < 0 || f.window > scenarios.MaxVerifyWindow {
			return usagef("--consistency-window %s is out of range: give 0 to %s, e.g. 5s", f.window, scenarios.MaxVerifyWindow)
		}
		sc.Verify.Window = f.window
	}
	return nil
}
