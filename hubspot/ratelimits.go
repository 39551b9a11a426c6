package hubspot

import (
	"fmt"
	"time"
)

// Rate-limit headers HubSpot sends on every answer. The daily pair is absent
// for OAuth apps.
const (
	HeaderRateLimitMax               = "X-HubSpot-RateLimit-Max"
	HeaderRateLimitRemaining         = "X-HubSpot-RateLimit-Remaining"
	HeaderRateLimitIntervalMillis    = "X-HubSpot-RateLimit-Interval-Milliseconds"
	HeaderRateLimitDaily             = "X-HubSpot-RateLimit-Daily"
	HeaderRateLimitDailyRemaining    = "X-HubSpot-RateLimit-Daily-Remaining"
	HeaderRateLimitSecondly          = "X-HubSpot-RateLimit-Secondly"
	HeaderRateLimitSecondlyRemaining = "X-HubSpot-RateLimit-Secondly-Remaining"
	// HeaderCorrelationID carries the request's correlation id.
	HeaderCorrelationID = "X-HubSpot-Correlation-Id"
)

// RateLimitHeaders lists the rate-limit headers in a stable order.
var RateLimitHeaders = []string{
	HeaderRateLimitMax, HeaderRateLimitRemaining, HeaderRateLimitIntervalMillis,
	HeaderRateLimitDaily, HeaderRateLimitDailyRemaining,
	HeaderRateLimitSecondly, HeaderRateLimitSecondlyRemaining,
}

// 429 vocabulary.
const (
	ErrorTypeRateLimit       = "RATE_LIMIT"
	PolicyTenSecondlyRolling = "TEN_SECONDLY_ROLLING"
	PolicyDaily              = "DAILY"

	MessageTenSecondlyLimit = "You have reached your ten_secondly_rolling limit."
	MessageDailyLimit       = "You have reached your daily limit."
	// MessageSecondlyLimit is the 429 message of the search endpoints'
	// per-second limit. Recorded search 429s carry it with category
	// RATE_LIMITS and neither errorType nor policyName.
	MessageSecondlyLimit = "You have reached your secondly limit."
)

// BurstWindow is the rolling window of the burst limit.
const BurstWindow = 10 * time.Second

// Tier is a HubSpot subscription tier, which sets the rate limits.
type Tier string

const (
	TierNone         Tier = "none" // no limits: the emulator's default
	TierFree         Tier = "free"
	TierProfessional Tier = "professional"
	TierEnterprise   Tier = "enterprise"
	TierCapacity     Tier = "capacity" // with one API capacity pack
)

// Tiers lists the valid tiers.
var Tiers = []Tier{TierNone, TierFree, TierProfessional, TierEnterprise, TierCapacity}

// Limits are the request budgets of a tier. Zero means unlimited.
type Limits struct {
	Burst int // requests per rolling BurstWindow, per app (token)
	Daily int // requests per day per account (reset at midnight in the account's zone)
	// SearchPerSecond is the search endpoints' own limit, per account, per
	// rolling SearchWindow. Search is exempt from the burst limit (the
	// published spec marks it x-hubspot-rate-limit-exemptions: ten-secondly)
	// but counts against the daily budget.
	SearchPerSecond int
}

// SearchWindow is the rolling window of the search limit.
const SearchWindow = time.Second

// DefaultSearchPerSecond is the search limit of every tier: five requests
// per second per account in HubSpot's search guide (an older changelog
// said four per token).
const DefaultSearchPerSecond = 5

// TierLimits returns the documented budgets of each tier. A batch call counts
// as one request.
func TierLimits(t Tier) Limits {
	switch t {
	case TierFree:
		return Limits{Burst: 100, Daily: 250_000, SearchPerSecond: DefaultSearchPerSecond}
	case TierProfessional:
		return Limits{Burst: 190, Daily: 650_000, SearchPerSecond: DefaultSearchPerSecond}
	case TierEnterprise:
		return Limits{Burst: 190, Daily: 1_000_000, SearchPerSecond: DefaultSearchPerSecond}
	case TierCapacity:
		return Limits{Burst: 250, Daily: 2_000_000, SearchPerSecond: DefaultSearchPerSecond}
	}
	return Limits{}
}

// ParseTier accepts one of Tiers.
func ParseTier(s string) (Tier, error) {
	for _, t := range Tiers {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown tier %q (valid: none, free, professional, enterprise, capacity)", s)
}
