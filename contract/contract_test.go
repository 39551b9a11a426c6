package contract_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/contract/contracttest"
	"github.com/upsertbench/upsertbench/internal/target"
)

// TestContract is the suite as `go test ./contract/` runs it: one subtest
// per check and case, against the target the environment names
// (UPSERTBENCH_TARGET, UPSERTBENCH_TOKEN, UPSERTBENCH_ID_PROPERTY, …) or an
// emulator started for the test.
//
//	go test ./contract/ -run 'TestContract/echo' -v
func TestContract(t *testing.T) {
	rep := contracttest.Test(t, contracttest.FromEnv(t))
	assert.True(t, rep.Passed(), "the suite failed")
	if os.Getenv(target.EnvTarget) == "" {
		// The emulator exercises and keeps every promise.
		for _, p := range rep.Promises() {
			assert.Equal(t, contract.StatusPass, p.Status, "promise %s: %s", p.ID, p.Reason)
		}
		t.Logf("the whole suite took %s against the in-process emulator", rep.Duration)
	}
}
