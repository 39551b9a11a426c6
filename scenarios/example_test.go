package scenarios_test

import (
	"fmt"
	"strings"

	"github.com/upsertbench/upsertbench/scenarios"
)

func Example() {
	s, err := scenarios.Parse("nightly.yaml", []byte(`
name: nightly
stages:
  - duration: 30s
    rate: 40
    pacer: linear
  - duration: 1m
    rate: 40
thresholds:
  - p95 < 300ms
  - error_rate < 1%
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %s, %.0f requests, peak %.0f per 10 s, batch of %d\n",
		s.Name, s.Duration(), s.TotalRequests(), s.PeakPer10s(), s.Batch.Size)
	for _, t := range s.Thresholds {
		fmt.Printf("line %d: %s %s %g%s\n", t.Line, t.Metric, t.Op, t.Value, t.Unit)
	}
	// Output:
	// nightly: 1m30s, 3000 requests, peak 400 per 10 s, batch of 100
	// line 10: p95 < 300ms
	// line 11: error_rate < 1%
}

func ExampleParse_error() {
	_, err := scenarios.Parse("nightly.yaml", []byte(`
stages:
  - duration: 30s
    rate: 40
    pacer: sine
    amplitude: 50
`))
	fmt.Println(err)
	// Output: nightly.yaml:6:16: stages[0].amplitude: amplitude 50 is above rate 40, the rate would go negative (use an amplitude of at most 40, or raise the rate)
}

func ExampleBuiltinNames() {
	fmt.Println(strings.Join(scenarios.BuiltinNames(), " "))
	// Output: faults ramp rate-limit smoke soak spike steady step
}
