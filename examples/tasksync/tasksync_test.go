package tasksync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/examples/tasksync"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/reports"
	"github.com/upsertbench/upsertbench/scenarios"
)

func tasks(n int, subject string) []tasksync.Task {
	out := make([]tasksync.Task, n)
	for i := range out {
		out[i] = tasksync.Task{ExternalID: fmt.Sprintf("crm-%d", i), Subject: subject, Due: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)}
	}
	return out
}

// The user's code against the emulator, started in one line.
func TestPushCreatesThenUpdates(t *testing.T) {
	url, token := emulatortest.Start(t)
	c := &tasksync.Client{BaseURL: url, Token: token}

	res, err := c.Push(context.Background(), tasks(3, "Call Acme"))
	require.NoError(t, err)
	assert.Equal(t, 3, res.Created)
	assert.Zero(t, res.Updated)

	res, err = c.Push(context.Background(), tasks(3, "Call Acme again"))
	require.NoError(t, err)
	assert.Zero(t, res.Created)
	assert.Equal(t, 3, res.Updated)
}

// A batch with one bad task: the emulator answers 207 like HubSpot, the
// code reports the one failure and keeps the rest.
func TestPushReportsTheTaskHubSpotRefused(t *testing.T) {
	url, token := emulatortest.Start(t)
	ts := tasks(4, "Follow up")
	ts[2].Subject = string(make([]byte, 70000)) // longer than a HubSpot string property may be
	res, err := (&tasksync.Client{BaseURL: url, Token: token}).Push(context.Background(), ts)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Created)
	require.Len(t, res.Failed, 1)
	assert.Contains(t, res.Failed, "crm-2")
}

// Rate limits, rehearsed offline: an emulator that answers a third of the
// requests with HubSpot's ten-secondly 429.
func TestPushWaitsOutRateLimits(t *testing.T) {
	fault, err := emulator.ParseFault("429=0.3")
	require.NoError(t, err)
	url, token := emulatortest.Start(t, emulator.WithFaults(fault), emulator.WithSeed(7))
	c := &tasksync.Client{BaseURL: url, Token: token, MaxRetries: 20, Backoff: time.Millisecond}
	retries := 0
	for i := range 20 {
		res, err := c.Push(context.Background(), tasks(5, fmt.Sprintf("round %d", i)))
		require.NoError(t, err)
		assert.Equal(t, 5, res.Created+res.Updated)
		retries += res.Retries
	}
	assert.Positive(t, retries, "some pushes met a 429 and were retried")
}

// A load test from the user's own test, judged by upsertbench's reports.
func TestLoadOfTheEmulator(t *testing.T) {
	sc, err := scenarios.Parse("short.yaml", []byte(`
name: short
stages:
  - duration: 2s
    rate: 10
batch:
  size: 20
sample: 1
thresholds:
  - "p99 < 2s"
  - "error_rate < 1%"
emulator:
  latency: "fixed:5ms"
`))
	require.NoError(t, err)
	dir := t.TempDir()
	sum, err := load.Run(context.Background(), load.Config{Scenario: sc, OutDir: dir})
	require.NoError(t, err)
	assert.Equal(t, uint64(20), sum.Metrics.Requests)

	r, err := reports.Build([]string{dir})
	require.NoError(t, err)
	assert.True(t, r.Passed(), "failures: %v", r.Failures)
}
