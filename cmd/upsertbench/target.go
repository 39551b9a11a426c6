package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"strings"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/target"
)

// targetFlags registers the flags that choose a target on fs: --target,
// --token, --allow-remote, and when asked --read-only-token and --tier.
// Their values go to target.Resolve, which reads the environment for
// those not given.
type targetFlags struct{ target.Flags }

func (f *targetFlags) register(fs *flag.FlagSet, readOnly, tier bool) {
	fs.StringVar(&f.URL, "target", "", "base URL of the endpoint to test, e.g. https://api.hubapi.com (default $"+target.EnvTarget+"; empty: the emulator in-process)")
	fs.StringVar(&f.Token, "token", "", "bearer token of --target, e.g. a HubSpot private app token (default $"+target.EnvToken+"); never written anywhere")
	fs.BoolVar(&f.AllowRemote, "allow-remote", false, "allow a --target that is not on this machine (or set "+target.EnvAllowRemote+"=1)")
	if readOnly {
		fs.StringVar(&f.ReadOnlyToken, "read-only-token", "", "a token without write scopes: writes with it must get 403 (default $"+target.EnvReadOnlyToken+"; the check is skipped without one)")
	}
	if tier {
		fs.StringVar(&f.Tier, "tier", "", "HubSpot tier whose limits apply: the emulator's limits, or the budget a --target's plan is checked against (default $"+target.EnvTier+", else the scenario's for the emulator and free for a target); one of "+tierNames())
	}
}

// resolve decides the target (flags, then environment) before anything
// is sent; a refusal is a usage error.
func (f *targetFlags) resolve() (target.Target, error) {
	t, err := target.Resolve(f.Flags, os.Getenv)
	if err != nil {
		return target.Target{}, usagef("%v", err)
	}
	return t, nil
}

// preflight proves that a given target can be reached at all before any
// check runs: an unreachable one is one line and exit 2, not a page of
// failed checks. The in-process emulator needs none.
func preflight(ctx context.Context, t target.Target) error {
	if t.Emulated() {
		return nil
	}
	err := target.Preflight(ctx, nil, t.URL)
	if perr := preflightError(err); perr != nil {
		return perr
	}
	return err
}

// preflightError is the command's error for an error of target.Preflight:
// an unreachable target is bad configuration, an interruption before any
// request a failure. It is nil for any other error.
func preflightError(err error) error {
	var ue *target.UnreachableError
	switch {
	case errors.As(err, &ue):
		return usagef("%v", ue)
	case errors.Is(err, context.Canceled):
		return failedError{msg: "interrupted before any request was sent"}
	}
	return nil
}

func tierNames() string {
	names := make([]string, len(hubspot.Tiers))
	for i, t := range hubspot.Tiers {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// accountFlags are the ids of a real account's owners and queues. The
// generator's owner and queue ids are made up, and a real HubSpot account
// refuses ids it does not have, so a remote target gets only the ids the
// user names (or none), while loopback targets keep the realistic made-up
// ones. contract, load and run share them.
type accountFlags struct {
	owners, queues repeated
}

func (a *accountFlags) register(fs *flag.FlagSet) {
	fs.Var(&a.owners, "owner-id", "a real hubspot_owner_id of the account to use in tasks (repeatable; default $"+target.EnvOwnerIDs+", comma-separated); a remote target without any gets no owners")
	fs.Var(&a.queues, "queue-id", "a real task queue id of the account for hs_queue_membership_ids (repeatable; default $"+target.EnvQueueIDs+"); a remote target without any gets no queues")
}

// generatorOptions returns the generator options for t (target.GeneratorOptions
// owns the rule).
func (a *accountFlags) generatorOptions(t target.Target) []generators.Option {
	return target.GeneratorOptions(t, a.owners, a.queues, os.Getenv)
}
