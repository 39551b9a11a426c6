// Package target decides, once per command and before any request is
// sent, which endpoint a run talks to, with which tokens, whether an
// endpoint off this machine is allowed, and which HubSpot tier's limits
// apply: from the command's flags first, then the environment. Every
// command (contract, load, run, and the go test API) asks Resolve, so the
// rule cannot differ between them; Preflight then proves the endpoint can
// be reached at all, so an unreachable target is one line of configuration
// error instead of a page of failed checks.
package target

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// The environment Resolve reads when a flag is not given.
const (
	EnvTarget        = "UPSERTBENCH_TARGET"
	EnvToken         = "UPSERTBENCH_TOKEN"
	EnvReadOnlyToken = "UPSERTBENCH_READ_ONLY_TOKEN"
	EnvAllowRemote   = "UPSERTBENCH_ALLOW_REMOTE"
	EnvTier          = "UPSERTBENCH_TIER"
)

// Flags are what a command's flags said; the zero value of a field means
// the flag was not given.
type Flags struct {
	// URL is --target: a base URL such as https://api.hubapi.com.
	URL string
	// Token is --token; ReadOnlyToken is --read-only-token.
	Token, ReadOnlyToken string
	// Tier is --tier.
	Tier string
	// AllowRemote is --allow-remote.
	AllowRemote bool
}

// Target is the decision.
type Target struct {
	// URL is the base URL without a trailing slash; "" means the
	// in-process emulator.
	URL string
	// Token is the bearer token: required for a URL; for the emulator, the
	// token it should expect ("" lets it generate one).
	Token string
	// ReadOnlyToken is a token without write scopes, or "".
	ReadOnlyToken string
	// Tier is the tier the user named ("" when neither --tier nor
	// UPSERTBENCH_TIER was given: each command has its own default).
	Tier hubspot.Tier
	// Remote says URL is not on this machine (and was allowed).
	Remote bool
	// AllowRemote is the permission as given, for libraries that check a
	// target again (load.Config.AllowRemote).
	AllowRemote bool
}

// Emulated reports whether the in-process emulator is the target.
func (t Target) Emulated() bool { return t.URL == "" }

// Error is a target the user must fix. Flag and Env name where the bad
// value came from, as the docs spell them.
type Error struct {
	Flag, Env string
	Msg       string
}

func (e *Error) Error() string { return e.Msg }

// Resolve decides the target from flags, then from the environment
// (getenv is os.Getenv in the CLI). It sends nothing. Errors are *Error.
func Resolve(f Flags, getenv func(string) string) (Target, error) {
	var t Target
	t.URL = strings.TrimRight(firstOf(f.URL, getenv(EnvTarget)), "/")
	t.Token = firstOf(f.Token, getenv(EnvToken))
	t.ReadOnlyToken = firstOf(f.ReadOnlyToken, getenv(EnvReadOnlyToken))
	t.AllowRemote = f.AllowRemote || truthy(getenv(EnvAllowRemote))

	if tier := firstOf(f.Tier, getenv(EnvTier)); tier != "" {
		parsed, err := hubspot.ParseTier(tier)
		if err != nil {
			return Target{}, &Error{Flag: "--tier", Env: EnvTier, Msg: fmt.Sprintf("--tier %q: %v (or unset %s)", tier, err, EnvTier)}
		}
		t.Tier = parsed
	}
	if t.ReadOnlyToken != "" && t.ReadOnlyToken == t.Token {
		return Target{}, &Error{Flag: "--read-only-token", Env: EnvReadOnlyToken,
			Msg: "--read-only-token must differ from the token: give a token without write scopes, or none"}
	}
	if t.URL == "" {
		return t, nil
	}
	host, err := CheckURL(t.URL)
	if err != nil {
		return Target{}, err
	}
	t.Remote = !IsLoopback(host)
	if t.Remote && !t.AllowRemote {
		return Target{}, remoteRefusal(host)
	}
	if t.Token == "" {
		return Target{}, &Error{Flag: "--token", Env: EnvToken,
			Msg: fmt.Sprintf("--target %s needs a token: pass --token or set %s (for HubSpot: a private app token with the tasks scopes)", Redact(t.URL), EnvToken)}
	}
	return t, nil
}

// Check refuses a malformed base URL, and one off this machine unless
// allowRemote: the guard libraries apply to a target they are handed.
func Check(baseURL string, allowRemote bool) error {
	host, err := CheckURL(baseURL)
	if err != nil {
		return err
	}
	if !allowRemote && !IsLoopback(host) {
		return remoteRefusal(host)
	}
	return nil
}

func remoteRefusal(host string) error {
	return &Error{Flag: "--allow-remote", Env: EnvAllowRemote,
		Msg: fmt.Sprintf("target %s is not on this machine: pass --allow-remote or set %s=1 to send traffic to it", host, EnvAllowRemote)}
}

// CheckURL accepts a base URL (http or https, a host, no credentials, no
// path, query or fragment) and returns its host name.
func CheckURL(baseURL string) (host string, err error) {
	bad := func(why string) error {
		return &Error{Flag: "--target", Env: EnvTarget, Msg: fmt.Sprintf("invalid --target %q: %s", Redact(baseURL), why)}
	}
	u, perr := url.Parse(baseURL)
	if perr != nil || u.Opaque != "" || u.Host == "" {
		return "", bad("want a base URL like http://127.0.0.1:8080 or https://api.hubapi.com")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", bad("the scheme must be http or https")
	}
	if u.User != nil {
		return "", bad("put credentials in --token or " + EnvToken + ", not in the URL")
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", bad("give the base URL only, without a path, query or fragment")
	}
	if u.Hostname() == "" {
		return "", bad("no host")
	}
	return u.Hostname(), nil
}

// IsLoopback accepts localhost, 127.0.0.0/8 and ::1 without resolving
// names: a name that merely resolves to loopback today is not trusted.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact drops credentials, query and fragment from a URL before it is
// shown or recorded; an unparsable one becomes "(invalid URL)".
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// IsError reports whether err is (or wraps) a target *Error.
func IsError(err error) bool {
	var te *Error
	return errors.As(err, &te)
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// truthy reads a boolean environment value the way people write them.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
