// Package load drives a scenario against a batch-upsert endpoint and writes
// the run's results files; package reports judges them.
//
// In your own tests, a load run of your service (or of the emulator, when
// BaseURL is empty) is three calls:
//
//	sc, err := scenarios.Parse("short.yaml", yamlBytes) // or scenarios.Builtin("steady")
//	sum, err := load.Run(ctx, load.Config{Scenario: sc, BaseURL: url, Token: token, OutDir: t.TempDir()})
//	r, err := reports.Build([]string{dir}) // r.Passed(), r.Failures
//
// Run refuses a target that is not on loopback unless Config.AllowRemote,
// and a plan beyond the account's tier unless Config.AllowOverQuota.
//
// Load drives a scenario against a batch-upsert endpoint with Vegeta as a
// library: the scenario's rate curve (scenarios.Curve) becomes one
// vegeta.Pacer (StagePacer, which sends each request when the curve says it
// is due and measures late sends against the same schedule), a
// Targeter builds each batch on the fly from package generators, and a
// vegeta.Attacker sends them through a transport that keeps response bodies
// only where they are needed (sampled contract checks and 429 answers).
//
// Every *vegeta.Result streams to results.bin while the attack runs, with
// synthetic headers (results.HeaderLateNanos, results.HeaderRateLimitPolicy,
// results.HeaderSampled) so that reports can recompute everything from the
// results files alone; summary.json is written at the end, also when the
// context is cancelled (an interrupted run).
//
// Pacing is open-model: requests leave at the scheduled arrival times whether
// or not earlier ones have answered. When a send leaves late anyway (all
// workers busy, a descheduled process), the delay is measured against the
// schedule and recorded — coordinated omission made visible instead of
// hidden.
//
// Plans against real accounts are guarded: PlanFor computes total requests
// and the peak per-10-second rate, and Plan.Check refuses plans beyond a
// tier's burst limit or daily budget.
package load
