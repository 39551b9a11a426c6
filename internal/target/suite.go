package target

import (
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// SuiteEmulatorOptions are the options of the emulator a contract suite runs
// against when no target is given (the `contract` and `run` commands, and
// contracttest.FromEnv): token if given (else Listen generates one), a
// read-only token (generated when readOnly is empty, and returned) so the
// 403 promises run, the unique property, and tier (contract.EmulatorTier:
// limits whose headers and 429 the suite can exercise). One owner, so the
// CLI's suite and a user's go test meet the same emulator.
func SuiteEmulatorOptions(token, readOnly, idProperty string, tier hubspot.Tier) (opts []emulator.Option, readOnlyToken string, err error) {
	if readOnly == "" {
		if readOnly, err = emulator.NewToken(); err != nil {
			return nil, "", err
		}
	}
	opts = []emulator.Option{
		emulator.WithReadOnlyToken(readOnly), emulator.WithTier(tier),
		emulator.WithUniqueProperties(idProperty),
	}
	if token != "" {
		opts = append(opts, emulator.WithToken(token))
	}
	return opts, readOnly, nil
}
