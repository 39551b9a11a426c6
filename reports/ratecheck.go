package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/scenarios"
)

// RunCheckRate fails when the run sent fewer requests than its schedule
// planned by more than the tolerance (MaxRateShortfall, at least
// RateShortfallGrace of the requested rate): the load was not applied as
// asked, so nothing measured under it can pass for a measurement at that
// rate. A scenario with saturation: true declares its rates a ceiling: the
// check then says how far the run got and does not fail it.
const RunCheckRate = "rate-achieved"

// The rate-achieved tolerance. The run may fall short of the requests its
// schedule planned by the larger of the two:
const (
	// MaxRateShortfall is the share of the planned requests: the share by
	// which the project already lets throughput vary before it calls a
	// change a regression (DefaultThroughputTolerance), so a run is not
	// held to a steadier rate than two runs are held to each other.
	MaxRateShortfall = 0.05
	// RateShortfallGrace is the requests due in this much of the
	// schedule, at its average rate. The load engine sends what its plan
	// still owes for up to one second after the planned end (late, and
	// counted as late sends: load.DefaultSendTail), so a run short by
	// more than this was behind by more than a stall of its sending
	// goroutine (the scheduler of a loaded machine, a GC pause) at its
	// end; beyond it, and beyond 5 %, a run fell behind for good.
	RateShortfallGrace = time.Second
)

// rateFacts are the figures rate-achieved judges, from the summary alone:
// the planned requests are the requested average rate over the planned
// duration (load.Run records both from the pacer: Total/Duration), the
// sent ones every request that left, answered or not (a 429 is an answer:
// the request was sent, and rate_limited counts it, so a rate-limited
// target is never a shortfall too).
type rateFacts struct {
	planned, sent, allowed uint64
}

func rateOf(s *results.Summary) (rateFacts, bool) {
	if s.RequestedRate <= 0 || s.Run.Planned <= 0 {
		return rateFacts{}, false
	}
	f := rateFacts{
		planned: uint64(math.Round(s.RequestedRate * s.Run.Planned.Seconds())),
		sent:    s.Metrics.Requests,
	}
	f.allowed = uint64(math.Floor(max(MaxRateShortfall*float64(f.planned), s.RequestedRate*RateShortfallGrace.Seconds()) + 1e-9))
	return f, f.planned > 0
}

// missing is how many planned requests were not sent.
func (f rateFacts) missing() uint64 { return f.planned - min(f.sent, f.planned) }

// hasRate says whether the summary says what rate was asked for (an
// older or hand-made summary may not).
func hasRate(s *results.Summary, _ *scenarios.Scenario) bool {
	_, ok := rateOf(s)
	return ok
}

func checkRate(s *results.Summary, sc *scenarios.Scenario) results.RunCheck {
	f, _ := rateOf(s)
	rc := results.RunCheck{Count: f.missing(), Of: f.planned}
	sent := fmt.Sprintf("sent %s of the %s requests planned (%s; %s of %s requested)", fmtCount(f.sent), fmtCount(f.planned),
		fmtPercent(scenarios.PercentValue(f.sent, f.planned)), fmtRate(s.Metrics.Rate), fmtRate(s.RequestedRate))
	switch {
	case s.Run.Interrupted:
		// run-completed already fails it: the plan was cut short on
		// purpose, which is no shortfall of the load generator.
		rc.NotChecked = true
		rc.Message = "not judged: the run was interrupted, so it did not owe the whole plan (run-completed fails it); " + sent
	case sc != nil && sc.Saturation:
		rc.NotChecked = true
		rc.Message = "not judged: the scenario declares its rates a ceiling (saturation: true); " + sent
		if f.missing() > 0 {
			rc.Message += ", " + lateBehind(s)
		}
	case f.missing() <= f.allowed:
		rc.Pass = true
		rc.Message = sent
		if f.missing() > 0 {
			rc.Message += fmt.Sprintf(", within the %s tolerated", fmtCount(f.allowed))
		}
	default:
		rc.Message = fmt.Sprintf("rate not achieved: %s: %s short, over the %s tolerated (the larger of %s of the plan and %s of its rate); %s. "+
			"The load was not applied as asked: lower --rate, raise http.max_workers if sends waited for a free worker, or set saturation: true in the scenario if its rates are a ceiling",
			sent, fmtCount(f.missing()), fmtCount(f.allowed), fmtPercent(MaxRateShortfall*100), RateShortfallGrace, lateBehind(s))
	}
	return rc
}

// lateBehind says how far behind its schedule the sending fell.
func lateBehind(s *results.Summary) string {
	l := s.LateSends
	if l.Count == 0 {
		return "no send left late: the run stopped short of the plan's end"
	}
	return fmt.Sprintf("%s of sends left late, up to %s behind schedule", fmtPercent(l.Share*100), fmtDuration(l.Max))
}
