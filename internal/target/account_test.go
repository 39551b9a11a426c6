package target

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestIDProperty(t *testing.T) {
	env := func(v string) func(string) string { return func(string) string { return v } }
	assert.Equal(t, "flag_key", IDProperty("flag_key", env("env_key")))
	assert.Equal(t, "env_key", IDProperty("", env("env_key")))
	assert.Equal(t, hubspot.DefaultIDProperty, IDProperty("", env("")))
}

// TestGeneratorOptions: a remote target gets only the owner ids named
// (flags, else the environment) or none; loopback keeps made-up ones.
func TestGeneratorOptions(t *testing.T) {
	batch := func(t *testing.T, opts []generators.Option) string {
		g, err := generators.New(append(opts, generators.WithSeed(1), generators.WithBatchSize(20))...)
		require.NoError(t, err)
		return string(g.AppendBatch(nil, 0))
	}
	envIDs := func(k string) string { return map[string]string{EnvOwnerIDs: "77, 78", EnvQueueIDs: ""}[k] }
	noEnv := func(string) string { return "" }
	remote, local := Target{URL: "https://api.hubapi.com", Remote: true}, Target{URL: "http://127.0.0.1:1"}

	assert.NotContains(t, batch(t, GeneratorOptions(remote, nil, nil, noEnv)), `"hubspot_owner_id"`)
	assert.Contains(t, batch(t, GeneratorOptions(local, nil, nil, noEnv)), `"hubspot_owner_id"`)
	got := batch(t, GeneratorOptions(remote, nil, nil, envIDs))
	assert.Contains(t, got, `"hubspot_owner_id":"77"`)
	assert.NotContains(t, got, `"hs_queue_membership_ids"`)
	got = batch(t, GeneratorOptions(remote, []string{"5"}, nil, envIDs))
	assert.Contains(t, got, `"hubspot_owner_id":"5"`, "flags win over the environment")
	assert.NotContains(t, got, `"hubspot_owner_id":"77"`)
}
