package contracttest

import (
	"cmp"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator/emulatortest"
	"github.com/upsertbench/upsertbench/internal/target"
)

// Test runs the contract suite against cfg's target and reports it as
// subtests of t: one per check, and under it one per case
// (t.Run("echo", …) then t.Run("upsert-change", …)), so -run selects
// them. A failed case fails its subtest with the findings; a case the
// target could not exercise (no read-only token, archive refused, …) is
// skipped with the reason. The whole suite runs first — against the
// emulator in well under a second — and the subtests then report it.
//
// A configuration error (bad URL, no token) fails t at once. Test returns
// the report, e.g. for rep.WriteJUnit or rep.Promises().
func Test(t *testing.T, cfg contract.SuiteConfig) *contract.Report {
	t.Helper()
	s, err := contract.NewSuite(cfg)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	rep := s.Run(t.Context())
	kept, broken, skipped := 0, 0, 0
	for _, p := range rep.Promises() {
		switch p.Status {
		case contract.StatusPass:
			kept++
		case contract.StatusFail:
			broken++
		default:
			skipped++
		}
	}
	t.Logf("contract suite against %s (API %s): %d results in %s; promises %d kept, %d broken, %d not exercised; cleaned up %d records",
		rep.Target, rep.Version, len(rep.Checks), rep.Duration.Round(time.Millisecond), kept, broken, skipped, rep.CleanedUp)

	byCheck := map[contract.CheckName][]contract.CheckResult{}
	var order []contract.CheckName
	for _, c := range rep.Checks {
		if _, seen := byCheck[c.Check]; !seen {
			order = append(order, c.Check)
		}
		byCheck[c.Check] = append(byCheck[c.Check], c)
	}
	all := contract.AllChecks()
	slices.SortStableFunc(order, func(a, b contract.CheckName) int {
		return cmp.Compare(rank(all, a), rank(all, b))
	})
	for _, check := range order {
		t.Run(string(check), func(t *testing.T) {
			for _, c := range byCheck[check] {
				t.Run(c.Case, func(t *testing.T) {
					switch c.Status {
					case contract.StatusSkip:
						t.Skip(c.Reason)
					case contract.StatusFail:
						t.Error("\n" + strings.TrimRight(c.FailureMessage(), "\n"))
					}
				})
			}
		})
	}
	if pass, fail, _ := rep.Counts(); pass == 0 && fail == 0 {
		t.Error("contracttest: no check ran, so nothing was proven; see the skips for why")
	}
	return rep
}

// rank orders checks as reports show them; unknown ones last.
func rank(all []contract.CheckName, c contract.CheckName) int {
	if i := slices.Index(all, c); i >= 0 {
		return i
	}
	return len(all)
}

// The environment FromEnv reads besides the target, its tokens and the
// remote permission; internal/target owns these names and their rules.
const (
	// EnvIDProperty names the unique property the suite upserts by.
	EnvIDProperty = target.EnvIDProperty
	// EnvOwnerIDs and EnvQueueIDs list a real account's owner and queue ids
	// (comma-separated); a remote target gets these or none, as a real
	// account refuses ids it does not have.
	EnvOwnerIDs = target.EnvOwnerIDs
	EnvQueueIDs = target.EnvQueueIDs
)

// FromEnv returns the configuration for the target the environment names:
// UPSERTBENCH_TARGET with UPSERTBENCH_TOKEN (and UPSERTBENCH_READ_ONLY_TOKEN,
// UPSERTBENCH_ID_PROPERTY, UPSERTBENCH_OWNER_IDS, UPSERTBENCH_QUEUE_IDS;
// a target off this machine also needs UPSERTBENCH_ALLOW_REMOTE=1), checked
// to be reachable. Without UPSERTBENCH_TARGET it starts an emulator for
// the test, with a read-only token and HubSpot's professional-tier limits
// so that every promise can be exercised, and opts in to the rate-limit
// probe, which is free there. Problems fail t at once, in one line.
func FromEnv(t testing.TB) contract.SuiteConfig {
	t.Helper()
	tg, err := target.Resolve(target.Flags{}, os.Getenv)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	idProp := target.IDProperty("", os.Getenv)
	if tg.Emulated() {
		opts, readOnly, err := target.SuiteEmulatorOptions(tg.Token, tg.ReadOnlyToken, idProp, contract.EmulatorTier)
		if err != nil {
			t.Fatalf("contracttest: %v", err)
		}
		url, token := emulatortest.Start(t, opts...)
		return contract.SuiteConfig{BaseURL: url, Token: token, ReadOnlyToken: readOnly, IDProperty: idProp, ProbeRateLimit: true}
	}
	if err := target.Preflight(t.Context(), nil, tg.URL); err != nil {
		t.Fatalf("contracttest: %v", err)
	}
	return contract.SuiteConfig{
		BaseURL: tg.URL, Token: tg.Token, ReadOnlyToken: tg.ReadOnlyToken, IDProperty: idProp,
		GeneratorOptions: target.GeneratorOptions(tg, nil, nil, os.Getenv),
	}
}
