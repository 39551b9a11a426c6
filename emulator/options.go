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
	// FirstAppID is the app id of the first token in 429 group names; the
	// next tokens count up from it.
	FirstAppID = 3_100_001
)

// Option configures an Emulator.
type Option func(*config)

type config struct {
	apps          []app
	timeZone      *time.Location
	systemDelay   time.Duration
	searchLag     time.Duration
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

// WithToken adds a private app: API requests must carry one of the
// configured tokens as "Authorization: Bearer <token>". Every token is one
// app of the emulator's one account, with its own burst window; they share
// the account's daily budget. Without any token, any non-empty bearer token
// is accepted and all of them count as one app (the read-only tokens, when
// set, still only read). "" is ignored.
func WithToken(token string) Option {
	return func(c *config) { c.apps = append(c.apps, app{token: token}) }
}

// WithReadOnlyToken adds an app of the account that may read but not
// write: writes with its token answer 403 MISSING_SCOPES. "" is ignored.
func WithReadOnlyToken(token string) Option {
	return func(c *config) { c.apps = append(c.apps, app{token: token, readOnly: true}) }
}

// WithTimeZone sets the account's time zone: the daily budget resets at
// midnight there, as HubSpot's does. Default (and nil) UTC.
func WithTimeZone(loc *time.Location) Option { return func(c *config) { c.timeZone = loc } }

// WithUniqueProperties registers more properties with unique values that
// inputs may name as idProperty, besides hubspot.DefaultIDProperty.
func WithUniqueProperties(names ...string) Option {
	return func(c *config) { c.unique = append(c.unique, names...) }
}

// WithSystemWriteDelay makes the emulator write a created record again d
// after its creation, as HubSpot does when it computes calculated
// properties: updatedAt and hs_lastmodifieddate move to createdAt + d, so
// sync code keyed on updatedAt meets that write offline. 0 (the default)
// turns it off; d is capped at MaxTimingDelay.
func WithSystemWriteDelay(d time.Duration) Option {
	return func(c *config) { c.systemDelay = min(max(d, 0), MaxTimingDelay) }
}

// WithSearchLag makes writes show in search only d after they happen, as
// HubSpot's search index lags its store by seconds: a created record is not
// found until d after its creation, and an updated one is found with its
// earlier values. Reads by id or unique value never lag. 0 (the default)
// turns it off; SuggestedSearchLag is realistic; d is capped at
// MaxTimingDelay.
func WithSearchLag(d time.Duration) Option {
	return func(c *config) { c.searchLag = min(max(d, 0), MaxTimingDelay) }
}

// WithTier sets the account's rate limits (hubspot.TierLimits): the burst
// limit per token, the daily budget and the search limit per account.
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

// WithRetryAfter adds a Retry-After header (whole seconds) to 429 answers
// and to injected 423s (2 s). Whether HubSpot sends one is unknown, so it
// is off by default.
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
