package contracttest_test

import (
	"testing"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/contract/contracttest"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
)

// A test in your own module: the contract suite against your service, one
// subtest per check and case. Here the service is upsertbench's emulator;
// put your own base URL and token in the config.
//
// The example is compiled, not run: a *testing.T exists only inside go
// test. TestExampleTest runs exactly these lines.
func ExampleTest() {
	var t *testing.T // your test's t

	url, token := emulatortest.Start(t) // or your service's URL and token
	rep := contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: token})
	if !rep.Passed() {
		t.Log("see the failed subtests: what was sent, what came back, what the contract says, how to fix it")
	}
}

// FromEnv: the target the environment names (UPSERTBENCH_TARGET, …), or
// an emulator started for the test.
func ExampleFromEnv() {
	var t *testing.T // your test's t

	contracttest.Test(t, contracttest.FromEnv(t))
}
