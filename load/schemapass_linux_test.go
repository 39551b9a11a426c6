package load

import (
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// TestMeteredSchemaCheckStaysOnItsThread: the schema pass charges a
// metered check the CPU time of the thread it ran on, read before and
// after, so both readings must come from the same OS thread although the
// answer workers are not locked to theirs. The clock here yields before
// each reading, with more busy goroutines than Ps: a goroutine that is not
// locked comes back on another thread often.
func TestMeteredSchemaCheckStaysOnItsThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	gen, err := generators.New(generators.WithSeed(3), generators.WithTraceIDs(true), generators.WithBatchSize(10))
	require.NoError(t, err)
	bodies, codes := emulatorAnswers(t, gen, 4)
	v, err := contract.DefaultValidator()
	require.NoError(t, err)
	fast := contract.NewFastSchema(v)
	u, err := url.Parse("http://x" + gen.Path())
	require.NoError(t, err)

	const checkers, checks = 8, 50
	var wg sync.WaitGroup
	readings := make([][]int, checkers) // thread ids, two per check
	for g := range checkers {
		p := testPolicy(&fakeClock{t: time.Second})
		p.late(time.Second) // behind: every check is metered
		s := newSchemaPass(fast, &findingLog{}, p, 0.5, nil)
		s.lane.burst, s.lane.tokens = time.Hour, time.Hour
		s.cpu = func() time.Duration {
			runtime.Gosched()
			readings[g] = append(readings[g], unix.Gettid())
			return 0
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc jsonscan.Scanner
			for i := range checks {
				b := i % len(bodies)
				sc.Reset(bodies[b])
				s.check(&sc, u.Path, codes[b], "application/json")
			}
			assert.Equal(t, uint64(checks), s.checked.Load(), "checker %d", g)
			assert.Zero(t, s.violations.Load(), "checker %d", g)
		}()
	}
	wg.Wait()
	for g, r := range readings {
		require.Len(t, r, 2*checks, "checker %d: every check metered", g)
		for i := 0; i < len(r); i += 2 {
			assert.Equal(t, r[i], r[i+1], "checker %d, check %d: read the CPU clock of two threads", g, i/2)
		}
	}
}
