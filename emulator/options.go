package emulator

import (
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Defaults of the options.
const (
	// DefaultPortalID is the HubSpot account id used in result URLs.
	DefaultPortalID = "4471234"
	// DefaultSeed seeds result shuffling, correlation ids, latency and faults.
	DefaultSeed uint64 = 1
	// DefaultTier has no rate limits.
	DefaultTier = hubspot.TierNone
	// MaxBodyBytes is the largest request body accepted; larger → 413.
	MaxBodyBytes = 10 << 20
	// FirstObjectID is the id of the first record created; ids count up from
	// here and are never reused, not even after Reset.
	FirstObjectID uint64 = 48_000_000_001
)

// Option configures an Emulator.
type Option func(*config)

type config struct {
	token         string
	readOnlyToken string
	unique        []string
	tier          hubspot.Tier
	latency       Latency
	faults        []Fault
	seed          uint64
	preserveOrder bool
	retryAfter    bool
	portalID      string
	clock         func() time.Time
	sleep         func(ctxDone <-chan struct{}, d time.Duration) bool
	logRequest    func(RequestLog)
}

// WithToken sets the private-app token every API request must carry as
// "Authorization: Bearer <token>". Without it any non-empty bearer token is
// accepted (the read-only token, when set, still only reads).
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithReadOnlyToken sets a second token that may read but not write: writes
// with it answer 403 MISSING_SCOPES.
func WithReadOnlyToken(token string) Option { return func(c *config) { c.readOnlyToken = token } }

// WithUniqueProperties registers more properties with unique values that
// inputs may name as idProperty, besides hubspot.DefaultIDProperty.
func WithUniqueProperties(names ...string) Option {
	return func(c *config) { c.unique = append(c.unique, names...) }
}

// WithTier sets the rate limits of every token (hubspot.TierLimits).
func WithTier(t hubspot.Tier) Option { return func(c *config) { c.tier = t } }

// WithLatency sets the latency model added to every API answer.
func WithLatency(l Latency) Option { return func(c *config) { c.latency = l } }

// WithFaults injects faults into API answers, drawn with the seed.
func WithFaults(f ...Fault) Option { return func(c *config) { c.faults = append(c.faults, f...) } }

// WithSeed seeds everything random: result order, correlation ids, latency
// samples and fault draws.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithPreserveOrder returns results in input order. HubSpot does not
// promise any order, so by default results are shuffled.
func WithPreserveOrder(b bool) Option { return func(c *config) { c.preserveOrder = b } }

// WithRetryAfter adds a Retry-After header (whole seconds) to 429 answers.
// Whether HubSpot sends one is unknown, so it is off by default.
func WithRetryAfter(b bool) Option { return func(c *config) { c.retryAfter = b } }

// WithPortalID sets the account id used in result URLs.
func WithPortalID(id string) Option { return func(c *config) { c.portalID = id } }

// WithClock replaces the wall clock, for deterministic rate-limit and
// timestamp tests.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithRequestLog calls fn after every answered request (for a verbose log).
// fn must be safe for concurrent use.
func WithRequestLog(fn func(RequestLog)) Option { return func(c *config) { c.logRequest = fn } }

// RequestLog describes one answered request. It never holds credentials.
type RequestLog struct {
	Method, Path string
	Status       int
	Inputs       int
	Duration     time.Duration
}
