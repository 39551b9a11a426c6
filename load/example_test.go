package load_test

import (
	"fmt"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

// A plan is checked against the account's tier before anything is sent.
func ExamplePlan_Check() {
	s, _ := scenarios.Builtin("rate-limit")
	plan := load.PlanFor(s, load.Shard{})
	fmt.Println(plan)
	fmt.Println(plan.Check(hubspot.TierEnterprise) != nil)
	fmt.Println(plan.Check(hubspot.TierNone))
	// Output:
	// rate-limit: 750 requests over 25s, peak 300 per 10 s, and 10 verification reads
	// true
	// <nil>
}

// The stages of a scenario become one Vegeta pacer, which sends each hit
// when the scenario's curve says it is due.
func ExampleNewStagePacer() {
	s := scenarios.Default()
	s.Name = "ramp"
	s.Stages = []scenarios.Stage{
		{Duration: 10 * time.Second, Rate: 20, Pacer: scenarios.PacerLinear},
		{Duration: 10 * time.Second, Rate: 20, Pacer: scenarios.PacerConstant},
	}
	curve, err := s.Curve()
	if err != nil {
		fmt.Println(err)
		return
	}
	p := load.NewStagePacer(curve)
	fmt.Println(p.Total(), p.Duration(), p.Rate(5*time.Second), p.ScheduledAt(0), p.ScheduledAt(p.Total()-1))
	// Output: 300 20s 10 1s 20s
}
