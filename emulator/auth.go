package emulator

import (
	"net/http"
	"strings"
)

// One emulator is one HubSpot account (portal): one store, one time zone
// for the daily reset, one tier. Each configured token is one private app
// of that account, with its own ten-second burst window; the daily budget
// and the search limit belong to the account and are shared by its apps
// (hubspot-facts.md, "Limits are shared"). Two accounts are two emulators.

// app is one private app (token) of the account.
type app struct {
	token    string
	readOnly bool
}

// apps indexes the configured tokens. With no read-write token configured
// the account is open: any other non-empty bearer token is accepted, and all
// of them count as one app (the last burst window), while the read-only
// tokens still only read.
type apps struct {
	list    []app
	byToken map[string]int
	open    bool
}

func newApps(list []app) apps {
	a := apps{byToken: make(map[string]int, len(list)), open: true}
	for _, p := range list {
		if _, dup := a.byToken[p.token]; dup || p.token == "" {
			continue // the first registration of a token wins
		}
		a.byToken[p.token] = len(a.list)
		a.list = append(a.list, p)
		if !p.readOnly {
			a.open = false
		}
	}
	return a
}

// count is the number of burst windows the limiter keeps: one per app,
// plus one for the tokens an open account accepts.
func (a *apps) count() int {
	if a.open {
		return len(a.list) + 1
	}
	return len(a.list)
}

// readOnly reports whether app i may only read.
func (a *apps) readOnly(i int) bool { return i < len(a.list) && a.list[i].readOnly }

// authenticate accepts "Authorization: Bearer <token>" with a configured
// token, or any non-empty one on an open account, and returns the app's
// index.
func (a *apps) authenticate(r *http.Request) (int, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return 0, false
	}
	tok := strings.TrimSpace(h[7:])
	if tok == "" {
		return 0, false
	}
	if i, ok := a.byToken[tok]; ok {
		return i, true
	}
	return len(a.list), a.open
}

// token returns the first read-write token, "" on an open account.
func (a *apps) token() string {
	for _, p := range a.list {
		if !p.readOnly {
			return p.token
		}
	}
	return ""
}

// addToken adds a read-write app before the emulator serves anything (Listen
// generating a token): the account stops being open, and the limiter gets
// the new set of windows.
func (e *Emulator) addToken(token string) {
	e.cfg.apps = append(e.cfg.apps, app{token: token})
	e.apps = newApps(e.cfg.apps)
	e.limiter = newLimiter(e.limiter.limits, e.limiter.loc, e.apps.count())
}

// appID is the id HubSpot would give app i in 429 group names: a
// documented choice, stable per token position.
func appID(i int) int { return FirstAppID + i }
