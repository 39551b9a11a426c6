package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // --timezone works where the system has no zoneinfo

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

func init() {
	register(command{
		name:    "emulate",
		summary: "serve the HubSpot tasks batch API emulator locally",
		run: func(args []string, stdout, stderr io.Writer) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runEmulate(ctx, args, stdout, stderr, nil)
		},
	})
}

// Defaults of the emulate command.
const (
	defaultEmulateAddr  = "127.0.0.1:8080"
	emulateStatsPeriod  = time.Minute
	emulateLogTimestamp = "2006-01-02T15:04:05Z07:00"
)

// repeated is a flag that may be given several times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// runEmulate serves the emulator until ctx is done, then shuts down within
// 5 s. ready, when not nil, gets the base URL once the server listens.
func runEmulate(ctx context.Context, args []string, stdout, stderr io.Writer, ready func(baseURL string)) error {
	fs := newFlagSet("emulate")
	addr := fs.String("addr", defaultEmulateAddr, "address to listen on (host:port; port 0 picks a free one)")
	var tokens, readOnly, unique, faults repeated
	fs.Var(&tokens, "token", "a private app's token, sent as 'Authorization: Bearer <token>' (repeatable: each token is one app of the emulator's one account, with its own 10-second burst window, sharing the account's daily budget; default $"+target.EnvToken+", else a generated one, printed once)")
	fs.Var(&readOnly, "read-only-token", "a token of an app that may read but gets 403 MISSING_SCOPES on writes (repeatable)")
	timeZone := fs.String("timezone", "UTC", "the account's time zone (IANA name, e.g. America/New_York): the daily budget resets at midnight there")
	systemDelay := fs.Duration("system-write-delay", emulator.DefaultSystemWriteDelay, "write each created task again this long after its creation, bumping updatedAt and hs_lastmodifieddate, as HubSpot's calculated-property write does (e.g. 500ms; 0 = off)")
	searchLag := fs.Duration("search-lag", emulator.DefaultSearchLag, "writes show in search only this long after they happen, as HubSpot's search index lags (realistic: "+emulator.SuggestedSearchLag.String()+"; 0 = at once)")
	fs.Var(&unique, "unique-property", "another property with unique values that inputs may use as idProperty (repeatable; "+hubspot.DefaultIDProperty+" is always one)")
	tier := fs.String("tier", string(emulator.DefaultTier), "rate limits: none, free, professional, enterprise, capacity")
	latency := fs.String("latency", "none", "latency model: none, fixed:20ms, lognormal:p50=180ms,p99=900ms[,per-input=1ms]")
	fs.Var(&faults, "fault", "inject a fault, e.g. 5xx=0.01, 429=0.01, 423=0.01 (writes only), reset=0.005, slow=0.01,delay=2s, hang=0.001,max=30s, or a consistency fault of upserts: flip-new=0.001, drift-id=0.001, stale-read=0.001, lost-write=0.001 (repeatable)")
	seed := fs.Uint64("seed", emulator.DefaultSeed, "seed of result order, correlation ids, latency and faults")
	preserve := fs.Bool("preserve-order", false, "return results in input order (HubSpot does not promise any order)")
	retryAfter := fs.Bool("retry-after", false, "send Retry-After on 429 and 423 answers")
	scenario := fs.String("scenario", "", "configure the emulator as this scenario's emulator section says (a built-in name or a YAML file: tier, latency, faults, order, Retry-After, unique property); other flags given win, --fault adds faults")
	verbose := fs.Bool("verbose", false, "log every request (method, path, status, inputs, duration) instead of counters once a minute")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	faultCount := len(faults)
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	t, err := hubspot.ParseTier(*tier)
	if err != nil {
		return usagef("--tier: %v", err)
	}
	lat, err := emulator.ParseLatency(*latency)
	if err != nil {
		return usagef("--latency: %v", err)
	}
	loc, err := time.LoadLocation(*timeZone)
	if err != nil || *timeZone == "" || *timeZone == "Local" {
		return usagef("--timezone %q: give an IANA time zone name, e.g. UTC or America/New_York", *timeZone)
	}
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{{"--system-write-delay", *systemDelay}, {"--search-lag", *searchLag}} {
		if d.value < 0 || d.value > emulator.MaxTimingDelay {
			return usagef("%s %s: give a duration from 0 (off) to %s, e.g. 500ms or 10s", d.flag, d.value, emulator.MaxTimingDelay)
		}
	}
	// With --scenario the scenario's emulator section comes first and the
	// flags given on the command line are applied over it (later options
	// win); without, every flag applies with its default.
	var opts []emulator.Option
	if *scenario != "" {
		sc, err := scenarios.Resolve(*scenario)
		if err != nil {
			return usagef("--scenario: %v", err)
		}
		if opts, err = load.EmulatorOptions(sc); err != nil {
			return usagef("--scenario: %v", err)
		}
		if !set["tier"] {
			t = cmp.Or(sc.Emulator.Tier, hubspot.TierNone)
		}
		if !set["latency"] {
			lat, _ = emulator.ParseLatency(cmp.Or(sc.Emulator.Latency, scenarios.DefaultLatency)) // checked by EmulatorOptions
		}
		faultCount += len(sc.Emulator.Faults) // --fault adds to them
	}
	for _, fo := range []struct {
		flag string
		opt  emulator.Option
	}{
		{"tier", emulator.WithTier(t)}, {"latency", emulator.WithLatency(lat)}, {"seed", emulator.WithSeed(*seed)},
		{"preserve-order", emulator.WithPreserveOrder(*preserve)}, {"retry-after", emulator.WithRetryAfter(*retryAfter)},
	} {
		if *scenario == "" || set[fo.flag] {
			opts = append(opts, fo.opt)
		}
	}
	opts = append(opts, emulator.WithTimeZone(loc), emulator.WithUniqueProperties(unique...),
		emulator.WithSystemWriteDelay(*systemDelay), emulator.WithSearchLag(*searchLag))
	for _, spec := range faults {
		f, err := emulator.ParseFault(spec)
		if err != nil {
			return usagef("--fault: %v", err)
		}
		opts = append(opts, emulator.WithFaults(f))
	}
	for _, u := range unique {
		if u == "" || strings.ContainsAny(u, " \t\"") {
			return usagef("--unique-property %q: give a property name like crm_key", u)
		}
	}
	if env := os.Getenv(target.EnvToken); len(tokens) == 0 && env != "" {
		tokens = repeated{env}
	}
	seen := map[string]bool{}
	for _, tok := range append(append(repeated{}, tokens...), readOnly...) {
		switch {
		case tok == "" || strings.ContainsAny(tok, " \t\r\n"):
			return usagef("--token/--read-only-token: a token must be non-empty and without spaces")
		case seen[tok]:
			return usagef("--token/--read-only-token: a token is given twice; each token is one app, give each once")
		}
		seen[tok] = true
	}
	for _, tok := range tokens {
		opts = append(opts, emulator.WithToken(tok))
	}
	for _, tok := range readOnly {
		opts = append(opts, emulator.WithReadOnlyToken(tok))
	}
	if err := checkAddr(*addr); err != nil {
		return err
	}

	logw := &lockedWriter{w: stderr}
	if *verbose {
		opts = append(opts, emulator.WithRequestLog(func(l emulator.RequestLog) {
			fmt.Fprintf(logw, "%s %s %s %d inputs=%d %s\n", time.Now().UTC().Format(emulateLogTimestamp),
				l.Method, l.Path, l.Status, l.Inputs, l.Duration.Round(time.Microsecond))
		}))
	}
	srv, err := emulator.Listen(*addr, opts...)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return usagef("--addr %s is in use (is another emulator running?): pick another port with --addr, or port 0 for a free one", *addr)
		}
		return usagef("--addr %s: cannot listen there (%v): give an address of this machine, e.g. 127.0.0.1:8080", *addr, errors.Unwrap(err))
	}
	fmt.Fprintln(stdout, srv.URL)
	apps := len(tokens) + len(readOnly)
	if len(tokens) == 0 {
		// The one place a token is printed: it is the user's own local
		// emulator, and they need it to talk to it.
		fmt.Fprintf(stdout, "%s=%s\n", target.EnvToken, srv.Token)
		apps++
	}
	fmt.Fprintf(logw, "upsertbench emulate: serving on %s (tier %s, %d app(s), time zone %s, latency %s, %d fault(s)); Ctrl-C stops\n",
		srv.URL, t, apps, loc, lat, faultCount)
	if ready != nil {
		ready(srv.URL)
	}
	ticker := time.NewTicker(emulateStatsPeriod)
	defer ticker.Stop()
	for {
		select {
		case err := <-srv.Done():
			srv.Emulator.Close()
			return fmt.Errorf("server stopped: %w", err)
		case <-ticker.C:
			if !*verbose {
				logStats(logw, srv.Stats())
			}
		case <-ctx.Done():
			if err := srv.Close(); err != nil {
				return err
			}
			logStats(logw, srv.Stats())
			fmt.Fprintln(logw, "upsertbench emulate: stopped")
			return nil
		}
	}
}

// checkAddr refuses an --addr that is not host:port before trying it, so
// a typo is not mistaken for a port in use.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = net.LookupPort("tcp", port)
	}
	if err != nil {
		return usagef("invalid --addr %q: want host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one)", addr)
	}
	return nil
}

func logStats(w io.Writer, s emulator.Stats) {
	fmt.Fprintf(w, "%s requests=%d upserts=%d inputs=%d created=%d updated=%d records=%d input_errors=%d client_errors=%d rate_limited=%d faults=%d\n",
		time.Now().UTC().Format(emulateLogTimestamp), s.Requests, s.Upserts, s.Inputs, s.Created, s.Updated,
		s.Records, s.InputErrors, s.ClientErrs, s.RateLimited, s.Faults)
}

// lockedWriter serialises log lines written from many request goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
