package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind names an injected failure.
type FaultKind string

const (
	// Fault5xx answers with a server error (500 unless status= says otherwise).
	Fault5xx FaultKind = "5xx"
	// Fault429 answers with a ten-secondly 429 regardless of the budget (on
	// search, the search limit's 429).
	Fault429 FaultKind = "429"
	// Fault423 answers writes (upsert, archive) with 423 Locked, which
	// HubSpot sends to high-volume upserts of the same records; reads drawn
	// for it are answered normally.
	Fault423 FaultKind = "423"
	// FaultReset closes the connection without an answer.
	FaultReset FaultKind = "reset"
	// FaultSlow adds a delay (delay=, default DefaultSlowDelay), then answers normally.
	FaultSlow FaultKind = "slow"
	// FaultHang never answers: it holds the request until the client gives up
	// or max= (default DefaultHangMax) passes, then closes the connection.
	FaultHang FaultKind = "hang"

	// Consistency faults (fault_consistency.go): the answer stays
	// well-formed and schema-valid; what breaks is its agreement with the
	// store. Each applies to upsert requests (stale-read: to the reads that
	// follow one); a request of another route drawn for one is answered
	// normally and nothing is counted.

	// FaultFlipNew flips the new flag of one result of an upsert answer.
	FaultFlipNew FaultKind = "flip-new"
	// FaultDriftID answers one result of an upsert with the id of another
	// record (the record's id + 1) in id, hs_object_id and url; the store
	// keeps the right id.
	FaultDriftID FaultKind = "drift-id"
	// FaultStaleRead keeps the version of one record an upsert updates as
	// it was before the update; the next batch read or GET of that record
	// answers the kept version, once.
	FaultStaleRead FaultKind = "stale-read"
	// FaultLostWrite acknowledges one update of an upsert as applied (its
	// values echoed, a new updatedAt) while the store keeps the record as
	// it was.
	FaultLostWrite FaultKind = "lost-write"
)

// faultKinds lists every kind, in the order error messages name them.
var faultKinds = []FaultKind{Fault5xx, Fault429, Fault423, FaultReset, FaultSlow, FaultHang,
	FaultFlipNew, FaultDriftID, FaultStaleRead, FaultLostWrite}

// consistency reports whether k is a consistency fault.
func (k FaultKind) consistency() bool {
	switch k {
	case FaultFlipNew, FaultDriftID, FaultStaleRead, FaultLostWrite:
		return true
	}
	return false
}

// Fault defaults.
const (
	DefaultSlowDelay = 2 * time.Second
	DefaultHangMax   = 30 * time.Second
	// MaxFaultDelay bounds delay= and max=.
	MaxFaultDelay = 10 * time.Minute
)

// Fault is one kind of injected failure with the probability that an API
// request gets it. Draws use the emulator's seed, so a run is repeatable
// given the same request order.
//
// For the consistency faults, Probability is the share of upsert requests
// drawn for the fault, and a drawn upsert carries exactly one faulty
// result when it has one that qualifies: any result for flip-new and
// drift-id, the update of a record that exists for stale-read and
// lost-write (chosen uniformly with the seed). So flip-new=0.001 is one
// faulty result in about 1,000 upsert answers. A drawn upsert without a
// qualifying result (all creates, or all inputs refused) is answered
// normally and not counted.
type Fault struct {
	Kind        FaultKind
	Probability float64
	Status      int           // Fault5xx: the status code
	Delay       time.Duration // FaultSlow: extra delay; FaultHang: the maximum hold
}

// ParseFault reads "KIND=P[,param=value]": 5xx=0.01[,status=503],
// 429=0.01, 423=0.01, reset=0.005, slow=0.01[,delay=2s], hang=0.001[,max=30s],
// and the consistency faults flip-new=0.001, drift-id=0.001,
// stale-read=0.001, lost-write=0.001.
// It is the one parser of the fault syntax: the emulate command's --fault
// and scenario files' emulator.faults both use it.
func ParseFault(spec string) (Fault, error) {
	parts := strings.Split(strings.TrimSpace(spec), ",")
	kind, prob, ok := strings.Cut(parts[0], "=")
	if !ok {
		return Fault{}, fmt.Errorf("fault %q: want KIND=PROBABILITY, e.g. 5xx=0.01", spec)
	}
	f := Fault{Kind: FaultKind(strings.TrimSpace(kind))}
	switch f.Kind {
	case Fault5xx:
		f.Status = http.StatusInternalServerError
	case Fault429, Fault423, FaultReset, FaultFlipNew, FaultDriftID, FaultStaleRead, FaultLostWrite:
	case FaultSlow:
		f.Delay = DefaultSlowDelay
	case FaultHang:
		f.Delay = DefaultHangMax
	default:
		return Fault{}, fmt.Errorf("fault %q: unknown kind %q (valid: %s)", spec, kind, validKinds())
	}
	p, err := strconv.ParseFloat(strings.TrimSpace(prob), 64)
	if err != nil || p < 0 || p > 1 {
		return Fault{}, fmt.Errorf("fault %q: probability must be a number from 0 to 1", spec)
	}
	f.Probability = p
	for _, param := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
		switch {
		case k == "status" && f.Kind == Fault5xx:
			code, err := strconv.Atoi(v)
			if err != nil || code < 500 || code > 599 {
				return Fault{}, fmt.Errorf("fault %q: status must be 500-599", spec)
			}
			f.Status = code
		case k == "delay" && f.Kind == FaultSlow, k == "max" && f.Kind == FaultHang:
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > MaxFaultDelay {
				return Fault{}, fmt.Errorf("fault %q: %s must be a duration from 1ns to %s", spec, k, MaxFaultDelay)
			}
			f.Delay = d
		default:
			return Fault{}, fmt.Errorf("fault %q: parameter %q does not apply to %s (valid: 5xx status=, slow delay=, hang max=)", spec, param, f.Kind)
		}
	}
	return f, nil
}

// validKinds is the list of fault kinds for error messages.
func validKinds() string {
	names := make([]string, len(faultKinds))
	for i, k := range faultKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// String renders the fault in ParseFault's syntax.
func (f Fault) String() string {
	s := string(f.Kind) + "=" + strconv.FormatFloat(f.Probability, 'g', -1, 64)
	switch f.Kind {
	case Fault5xx:
		if f.Status != 0 && f.Status != http.StatusInternalServerError {
			s += ",status=" + strconv.Itoa(f.Status)
		}
	case FaultSlow:
		s += ",delay=" + f.Delay.String()
	case FaultHang:
		s += ",max=" + f.Delay.String()
	}
	return s
}

// drawFault picks at most one fault for a request: the faults' probabilities
// are laid end to end on [0, 1) and one uniform draw lands in one of them or
// past them all.
func drawFault(faults []Fault, r *rng) (Fault, bool) {
	if len(faults) == 0 {
		return Fault{}, false
	}
	u := r.float()
	acc := 0.0
	for _, f := range faults {
		acc += f.Probability
		if u < acc {
			return f, true
		}
	}
	return Fault{}, false
}

// Locked answers (423). HubSpot's guide says to wait at least 2 seconds
// before retrying a 423; the body of a real one has not been seen, so the
// emulator uses HubSpot's error envelope with this category and message
// (a documented choice).
const (
	CategoryLocked = "LOCKED"
	MessageLocked  = "The records in this request are locked by another write in progress. Wait at least 2 seconds before retrying."
	// LockedRetryAfter is the wait a 423 asks for.
	LockedRetryAfter = 2 * time.Second
)

// locked is the 423 of an injected lock. WithRetryAfter adds Retry-After: 2.
func (e *Emulator) locked(w http.ResponseWriter, st *requestState) answer {
	if e.cfg.retryAfter {
		w.Header().Set("Retry-After", strconv.Itoa(int(LockedRetryAfter/time.Second)))
	}
	return st.fail(http.StatusLocked, CategoryLocked, MessageLocked,
		map[string][]string{"retryAfterMillis": {strconv.FormatInt(LockedRetryAfter.Milliseconds(), 10)}})
}
