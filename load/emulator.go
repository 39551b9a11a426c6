package load

import (
	"cmp"
	"fmt"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/scenarios"
)

// Fixes shown with a scenario's bad emulator settings.
const (
	latencyFix = `e.g. "none", "fixed:20ms" or "lognormal:p50=180ms,p99=900ms"`
	faultFix   = `e.g. "5xx=0.01", "429=0.01", "423=0.01", "reset=0.005", "slow=0.01", "hang=0.001", "lost-write=0.001"`
)

// EmulatorOptions turns the emulator a scenario describes (its emulator
// section: tier, latency, faults, result order, Retry-After, and its batch
// unique property) into emulator options. It is the one mapping from a
// scenario to the emulator, used whenever a run starts one. A latency or
// fault the emulator's syntax refuses is a *scenarios.Error at its place in
// the scenario file.
func EmulatorOptions(sc *scenarios.Scenario) ([]emulator.Option, error) {
	em := sc.Emulator
	lat, err := emulator.ParseLatency(cmp.Or(em.Latency, scenarios.DefaultLatency))
	if err != nil {
		return nil, sc.FieldError("emulator.latency", latencyFix, err)
	}
	opts := []emulator.Option{
		emulator.WithLatency(lat), emulator.WithSeed(sc.Seed),
		emulator.WithPreserveOrder(em.PreserveOrder), emulator.WithRetryAfter(em.RetryAfter),
		emulator.WithUniqueProperties(sc.Batch.IDProperty),
	}
	if em.Tier != "" {
		opts = append(opts, emulator.WithTier(em.Tier))
	}
	for i, spec := range em.Faults {
		f, err := emulator.ParseFault(spec)
		if err != nil {
			return nil, sc.FieldError(fmt.Sprintf("emulator.faults[%d]", i), faultFix, err)
		}
		opts = append(opts, emulator.WithFaults(f))
	}
	return opts, nil
}

// startEmulator serves the scenario's emulator on loopback for a run whose
// Config names no target; extra options (Config.EmulatorOptions) come last
// and so win.
func startEmulator(cfg Config) (*emulator.Server, error) {
	opts, err := EmulatorOptions(cfg.Scenario)
	if err != nil {
		return nil, err
	}
	if cfg.Token != "" {
		opts = append(opts, emulator.WithToken(cfg.Token))
	}
	opts = append(opts, cfg.EmulatorOptions...)
	s, err := emulator.Listen(emulator.DefaultAddr, opts...)
	if err != nil {
		return nil, fmt.Errorf("load: start the emulator: %w", err)
	}
	return s, nil
}
