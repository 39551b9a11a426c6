// Package runjob is upsertbench's main job, the run command without its
// flags: the contract suite, then a load scenario, then every report, into
// one folder.
//
// Run owns the orchestration: everything that can refuse the run does so
// before any request (the scenario's emulator settings, the plan against a
// real account's tier, the target's reachability); the suite runs against
// the target, or against an in-process emulator of its own without the
// scenario's faults (it checks the contract; an injected 5xx is a finding
// only under load); the load phase runs against the target, or against the
// emulator the scenario describes; and the report is built from the files
// just written. An interruption in either phase keeps what was written and
// says INTERRUPTED.
//
// StartSuiteEmulator is the one definition of the emulator the suite runs
// against in-process, shared with the contract command.
package runjob
