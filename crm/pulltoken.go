package crm

import (
	"context"
	"time"
)

// PlatformToken is an ad platform's OAuth pair for one pull source: the short-lived access token the API
// calls carry and the refresh token that buys the next pair. Both platforms rotate them (巨量引擎's access
// token lasts about a day, 腾讯广告's 86,400 s), so Baton keeps the newest pair in the database, encrypted.
type PlatformToken struct {
	Access         string
	Refresh        string
	AccessExpires  time.Time // zero: unknown (a token from the environment); used until the platform refuses it
	RefreshExpires time.Time // zero: unknown
	// Seed is the refresh token from the environment this pair descends from. When the environment names
	// another one (the account was authorised again), the stored pair is stale and the environment wins.
	Seed      string
	UpdatedAt time.Time
}

// TokenFailure is a pull source whose last token refresh failed; /readyz lists them.
type TokenFailure struct {
	Source string
	At     time.Time
	Error  string // what the platform answered (codes and messages, never a token)
}

// TokenStore keeps the pull sources' platform tokens; storage.DB implements it.
type TokenStore interface {
	// PlatformToken returns the source's stored pair; ENOTFOUND when there is none.
	PlatformToken(ctx context.Context, source string) (PlatformToken, error)
	// RefreshPlatformToken calls refresh with the stored pair (found false when there is none) while it
	// holds the source's token lock, so one replica refreshes at a time and the others see its result,
	// and stores the pair refresh returns. A failed refresh is recorded for TokenFailures; a successful one
	// clears the record.
	RefreshPlatformToken(ctx context.Context, source string, refresh func(cur PlatformToken, found bool) (PlatformToken, error)) (PlatformToken, error)
	// TokenFailures lists the sources whose last refresh failed.
	TokenFailures(ctx context.Context) ([]TokenFailure, error)
}
