package fidelity

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// DefaultReplayTimeout bounds each replayed request. The emulator answers
// in microseconds without latency; this only catches a stuck server.
const DefaultReplayTimeout = 30 * time.Second

// ReplayOption configures Replay.
type ReplayOption func(*replayConfig)

type replayConfig struct {
	allHeaders bool
	tier       hubspot.Tier
	emuOpts    []emulator.Option
}

// WithAllHeaders compares every response header, also the transport and
// CDN headers ignored by default (IgnoredHeader).
func WithAllHeaders(all bool) ReplayOption { return func(c *replayConfig) { c.allHeaders = all } }

// WithTier sets the emulator's tier instead of inferring it from the
// recorded rate-limit headers.
func WithTier(t hubspot.Tier) ReplayOption { return func(c *replayConfig) { c.tier = t } }

// WithEmulatorOptions adds options to the replay's emulator (applied after
// the replay's own, so they win), e.g. a search lag or a time zone the
// account has.
func WithEmulatorOptions(opts ...emulator.Option) ReplayOption {
	return func(c *replayConfig) { c.emuOpts = append(c.emuOpts, opts...) }
}

// Replay sends the recorded requests, in order, to a fresh in-process
// emulator on loopback with the recording's unique property, a token and a
// read-only token standing in for the recorded ones, and the tier the
// recorded rate-limit headers name. The emulator's clock runs at the
// recorded instants, so rolling rate-limit windows see the recorded gaps.
// Each answer is normalised like the recording and compared structurally.
// A cancelled ctx stops the replay; the report then says Interrupted.
// Errors are setup failures (no loopback listener).
func Replay(ctx context.Context, rec *Recording, opts ...ReplayOption) (*Report, error) {
	var cfg replayConfig
	for _, o := range opts {
		o(&cfg)
	}
	rep := &Report{Recording: rec.Dir, Manifest: rec.Manifest, Total: len(rec.Exchanges)}
	if cfg.tier != "" {
		rep.Tier, rep.TierSource = cfg.tier, "chosen with --tier"
	} else {
		rep.Tier, rep.TierSource = InferTier(rec)
	}
	readOnly, err := emulator.NewToken()
	if err != nil {
		return nil, err
	}
	var clock atomic.Int64
	clock.Store(firstInstant(rec).UnixNano())
	emuOpts := []emulator.Option{
		emulator.WithReadOnlyToken(readOnly), emulator.WithTier(rep.Tier),
		emulator.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }),
	}
	if p := rec.Manifest.IDProperty; p != "" {
		emuOpts = append(emuOpts, emulator.WithUniqueProperties(p))
	}
	srv, err := emulator.Listen(emulator.DefaultAddr, append(emuOpts, cfg.emuOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("starting the replay's emulator: %w", err)
	}
	defer srv.Close()
	token, baseURL := srv.Token, srv.URL
	transport := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: DefaultReplayTimeout}

	norm := newNormaliser(rec.Manifest.IDProperty)
	norm.addSecret(token, placeholderToken)
	norm.addSecret(readOnly, placeholderReadOnlyToken)
	tokens := map[string]string{placeholderToken: token, placeholderReadOnlyToken: readOnly}
	for _, ex := range rec.Exchanges {
		if ctx.Err() != nil {
			rep.Interrupted = true
			break
		}
		clock.Store(ex.At.UnixNano())
		raw := send(ctx, client, baseURL, ex, norm, tokens)
		if ctx.Err() != nil && !raw.answered {
			rep.Interrupted = true
			break
		}
		got := norm.exchange(raw, ex.Seq, token, readOnly)
		rep.Exchanges = append(rep.Exchanges, Result{
			Seq: ex.Seq, Method: ex.Request.Method, Path: ex.Request.Path,
			Recorded: status(ex), Emulator: status(got),
			Differences: compare(ex, got, cfg.allHeaders),
		})
	}
	return rep, nil
}

func status(ex Exchange) int {
	if ex.Response == nil {
		return 0
	}
	return ex.Response.Status
}

func firstInstant(rec *Recording) time.Time {
	if len(rec.Exchanges) > 0 && !rec.Exchanges[0].At.IsZero() {
		return rec.Exchanges[0].At
	}
	if !rec.Manifest.StartedAt.IsZero() {
		return rec.Manifest.StartedAt
	}
	return time.Now()
}

// send replays one recorded request with placeholders resolved.
func send(ctx context.Context, client *http.Client, baseURL string, ex Exchange, norm *normaliser, tokens map[string]string) rawExchange {
	path := norm.resolve(ex.Request.Path, tokens)
	body, _ := ex.Request.Body.Bytes() // Load checked it decodes
	body = []byte(norm.resolve(string(body), tokens))
	raw := rawExchange{at: ex.At, method: ex.Request.Method, path: path, reqBody: body, reqHeader: http.Header{}}
	req, err := http.NewRequestWithContext(ctx, ex.Request.Method, baseURL+path, bytes.NewReader(body))
	if err != nil {
		raw.err = err.Error()
		return raw
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, vs := range ex.Request.Header {
		if k == "Content-Length" || k == "Host" {
			continue
		}
		for _, v := range vs {
			req.Header.Add(k, norm.resolve(v, tokens))
		}
	}
	raw.reqHeader = req.Header
	start := time.Now()
	resp, err := client.Do(req)
	raw.took = time.Since(start)
	if err != nil {
		raw.err = err.Error()
		return raw
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		raw.err = "reading the answer: " + err.Error()
	}
	if len(b) > maxBodyBytes {
		b, raw.truncated = b[:maxBodyBytes], true
	}
	raw.answered, raw.status, raw.respHeader, raw.respBody = true, resp.StatusCode, resp.Header, b
	return raw
}

// InferTier picks the emulator tier whose limits the recorded
// X-HubSpot-RateLimit-Max (and -Daily, when sent) headers announce, so the
// replay's 429s and rate-limit headers are comparable. It also says how it
// decided, for the report.
func InferTier(rec *Recording) (hubspot.Tier, string) {
	for _, ex := range rec.Exchanges {
		if ex.Response == nil {
			continue
		}
		h := ex.Response.Header
		burst, err := strconv.Atoi(h.Get(hubspot.HeaderRateLimitMax))
		if err != nil || burst <= 0 {
			continue
		}
		daily, _ := strconv.Atoi(h.Get(hubspot.HeaderRateLimitDaily))
		var byBurst hubspot.Tier
		for _, t := range hubspot.Tiers {
			l := hubspot.TierLimits(t)
			if l.Burst != burst {
				continue
			}
			if daily == l.Daily {
				return t, fmt.Sprintf("from the recorded %s %d and %s %d", hubspot.HeaderRateLimitMax, burst, hubspot.HeaderRateLimitDaily, daily)
			}
			if byBurst == "" {
				byBurst = t
			}
		}
		if byBurst != "" {
			return byBurst, fmt.Sprintf("from the recorded %s %d (%s %d matches no tier)", hubspot.HeaderRateLimitMax, burst, hubspot.HeaderRateLimitDaily, daily)
		}
		return hubspot.TierNone, fmt.Sprintf("the recorded %s %d matches no tier; replayed without limits", hubspot.HeaderRateLimitMax, burst)
	}
	return hubspot.TierNone, "the recording has no " + hubspot.HeaderRateLimitMax + " header; replayed without limits"
}
