package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
)

// Server timeouts of an emulator. There is no WriteTimeout: modelled
// latency and injected hangs are bounded by the emulator itself, and a
// write timeout would cut them short in ways a real server would not.
const (
	emulatorReadHeaderTimeout = 10 * time.Second
	emulatorReadTimeout       = 2 * time.Minute
	emulatorIdleTimeout       = 2 * time.Minute
	emulatorShutdownTimeout   = 5 * time.Second
)

// envAllowRemote opts in to non-loopback targets, like --allow-remote.
const envAllowRemote = "UPSERTBENCH_ALLOW_REMOTE"

// newEmulatorServer wraps an emulator in an http.Server with timeouts that
// keep a slow or stuck client from holding a connection for ever.
func newEmulatorServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: emulatorReadHeaderTimeout,
		ReadTimeout:       emulatorReadTimeout,
		IdleTimeout:       emulatorIdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// generateToken returns a random token for a local emulator.
func generateToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "ub-local-" + hex.EncodeToString(b[:]), nil
}

// startEmulator serves an in-process emulator on 127.0.0.1:0; token "" →
// a generated one. stop shuts it down, waiting up to 5 s for requests in
// flight.
func startEmulator(token string, opts ...emulator.Option) (baseURL, usedToken string, stop func(), err error) {
	if token == "" {
		if token, err = generateToken(); err != nil {
			return "", "", nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, err
	}
	emu := emulator.New(append([]emulator.Option{emulator.WithToken(token)}, opts...)...)
	srv := newEmulatorServer(emu)
	go func() { _ = srv.Serve(ln) }()
	stop = func() {
		emu.Close() // release requests held by latency or faults
		ctx, cancel := context.WithTimeout(context.Background(), emulatorShutdownTimeout)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
	}
	return "http://" + ln.Addr().String(), token, stop, nil
}

// checkTarget refuses a non-loopback target unless allowRemote (or
// UPSERTBENCH_ALLOW_REMOTE=1), and malformed URLs, as usage errors.
func checkTarget(target string, allowRemote bool) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return usagef("invalid target %q: want a base URL like http://127.0.0.1:8080 or https://api.hubapi.com", target)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return usagef("invalid target %q: the scheme must be http or https", target)
	}
	if u.User != nil {
		return usagef("invalid target %q: put credentials in --token or UPSERTBENCH_TOKEN, not in the URL", redactUser(u))
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return usagef("invalid target %q: give the base URL only, without a path, query or fragment", target)
	}
	host := u.Hostname()
	if host == "" {
		return usagef("invalid target %q: no host", target)
	}
	if isLoopback(host) {
		return nil
	}
	if allowRemote || os.Getenv(envAllowRemote) == "1" {
		return nil
	}
	return usagef("target %s is not on this machine: pass --allow-remote (or set %s=1) to send traffic to it", u.Host, envAllowRemote)
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

// isLoopback accepts localhost, 127.0.0.0/8 and ::1 without resolving names.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// accountFlags are the ids of a real account's owners and queues. The
// generator's owner and queue ids are made up, and a real HubSpot account
// refuses ids it does not have, so a remote target gets only the ids the
// user names (or none), while loopback targets keep the realistic made-up
// ones. contract, load and run share them.
type accountFlags struct {
	owners, queues repeated
}

const (
	envOwnerIDs = "UPSERTBENCH_OWNER_IDS"
	envQueueIDs = "UPSERTBENCH_QUEUE_IDS"
)

func (a *accountFlags) register(fs *flag.FlagSet) {
	fs.Var(&a.owners, "owner-id", "a real hubspot_owner_id of the account to use in tasks (repeatable; default $"+envOwnerIDs+", comma-separated); a remote target without any gets no owners")
	fs.Var(&a.queues, "queue-id", "a real task queue id of the account for hs_queue_membership_ids (repeatable; default $"+envQueueIDs+"); a remote target without any gets no queues")
}

// generatorOptions returns the generator options for target ("" = the
// in-process emulator).
func (a *accountFlags) generatorOptions(target string) []generators.Option {
	owners, queues := a.owners, a.queues
	if len(owners) == 0 {
		owners = splitList(os.Getenv(envOwnerIDs))
	}
	if len(queues) == 0 {
		queues = splitList(os.Getenv(envQueueIDs))
	}
	remote := target != "" && !isLoopback(hostOf(target))
	var opts []generators.Option
	if remote || len(owners) > 0 {
		opts = append(opts, generators.WithOwnerIDs(owners...))
	}
	if remote || len(queues) > 0 {
		opts = append(opts, generators.WithQueueIDs(queues...))
	}
	return opts
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
