package load

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
	"github.com/upsertbench/upsertbench/scenarios"
)

// TestEmulatorSettingsBadFiles: a scenario's emulator latency and faults are
// the emulator's syntax, checked when the run maps them to options; a bad
// one is reported at its place in the file, as the scenario package reports
// its own errors. (These cases moved here from scenarios/testdata/bad when
// scenarios stopped importing the emulator; the messages are the same but
// for the file path.)
func TestEmulatorSettingsBadFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "emulator-bad", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 3)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			sc, err := scenarios.Load(file)
			require.NoError(t, err, "the scenario format itself is fine")
			_, err = EmulatorOptions(sc)
			require.Error(t, err)
			var se *scenarios.Error
			require.True(t, errors.As(err, &se), "a positioned scenario error: %v", err)
			assert.Positive(t, se.Line)
			assert.NotEmpty(t, se.Fix)

			// Run refuses it before anything is sent.
			_, runErr := Run(context.Background(), Config{Scenario: sc, OutDir: t.TempDir()})
			assert.Equal(t, err.Error(), runErr.Error())
			golden.Equal(t, strings.TrimSuffix(file, ".yaml")+".golden", []byte(err.Error()+"\n"))
		})
	}
}

// Every built-in scenario's emulator settings map to options.
func TestEmulatorOptionsBuiltins(t *testing.T) {
	for _, name := range scenarios.BuiltinNames() {
		sc, err := scenarios.Builtin(name)
		require.NoError(t, err)
		_, err = EmulatorOptions(sc)
		assert.NoError(t, err, name)
	}
}

// TestRunStartsTheScenarioEmulator: with no BaseURL, Run serves the
// emulator the scenario describes (here a free tier whose burst limit the
// plan exceeds, and a fault on every request), and its options
// override the scenario's.
func TestRunStartsTheScenarioEmulator(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *scenarios.Scenario)
		extra []emulator.Option
		check func(t *testing.T, codes map[string]int)
	}{
		{"tier from the scenario", func(s *scenarios.Scenario) { s.Emulator.Tier = hubspot.TierFree },
			nil, func(t *testing.T, codes map[string]int) {
				assert.Equal(t, 100, codes["200"], "a free account's burst budget, then 429s")
				assert.Equal(t, 20, codes["429"])
			}},
		{"fault from the scenario", func(s *scenarios.Scenario) { s.Emulator.Faults = []string{"5xx=1,status=503"} },
			nil, func(t *testing.T, codes map[string]int) { assert.Equal(t, 120, codes["503"]) }},
		{"423 from the scenario", func(s *scenarios.Scenario) { s.Emulator.Faults = []string{"423=1"} },
			nil, func(t *testing.T, codes map[string]int) { assert.Equal(t, 120, codes["423"]) }},
		{"options override the scenario", func(s *scenarios.Scenario) { s.Emulator.Tier = hubspot.TierFree },
			[]emulator.Option{emulator.WithTier(hubspot.TierNone)},
			func(t *testing.T, codes map[string]int) { assert.Equal(t, 120, codes["200"]) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testScenario(t, 2*time.Second, 60)
			s.Sample = 0
			tt.setup(s)
			require.NoError(t, s.Validate())
			sum, err := Run(context.Background(), Config{Scenario: s, OutDir: t.TempDir(), Token: testToken, EmulatorOptions: tt.extra})
			require.NoError(t, err)
			assert.True(t, sum.Run.Emulated)
			assert.True(t, strings.HasPrefix(sum.Run.Target, "http://127.0.0.1:"), sum.Run.Target)
			codes := map[string]int{}
			for c, n := range sum.Metrics.StatusCodes {
				codes[c] = n
			}
			tt.check(t, codes)
			_, err = http.Get(sum.Run.Target + "/")
			assert.Error(t, err, "the run's emulator stopped with the run")
		})
	}
}
