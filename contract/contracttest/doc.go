// Package contracttest runs upsertbench's contract suite from a Go test,
// as testing/fstest checks a file system against fs.FS's contract: one
// call, one subtest per check and case, every failure reported through t
// with what was sent, what came back, what the contract says and how to
// fix it.
//
// Point it at anything that serves HubSpot's tasks batch API — your own
// proxy or stand-in, the emulator, a HubSpot test account:
//
//	func TestMyHubSpotStandIn(t *testing.T) {
//		url := startMyService(t) // yours: serves /crm/v3/objects/tasks/...
//		contracttest.Test(t, contract.SuiteConfig{BaseURL: url, Token: "its-token"})
//	}
//
// Run one check, or one case of it, the usual way:
//
//	go test -run 'TestMyHubSpotStandIn/echo' -v
//
// FromEnv builds the configuration go test runs against by default: the
// target UPSERTBENCH_TARGET names (with UPSERTBENCH_TOKEN, and
// UPSERTBENCH_ALLOW_REMOTE=1 for one off this machine), else an emulator
// started for the test. upsertbench's own `go test ./contract/` is
// contracttest.Test(t, contracttest.FromEnv(t)).
//
// It is a package of its own, like net/http/httptest and testing/fstest,
// so that programs importing package contract (the CLI, the load engine)
// do not link in package testing.
package contracttest
