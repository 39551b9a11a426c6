package contract

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
)

// Defaults of SuiteConfig.
const (
	// DefaultSuiteBatchSize is the number of inputs of the suite's batches:
	// enough to expose ordering and accounting bugs, small enough to keep a
	// run against a real account cheap.
	DefaultSuiteBatchSize = 10
	// DefaultSuiteTimeout bounds each request the suite sends.
	DefaultSuiteTimeout = 30 * time.Second
	// DefaultProbeRequests bounds the rate-limit probe when the target does
	// not say its limit; with a known Max the probe sends Max+probeMargin.
	DefaultProbeRequests = 1000
	probeMargin          = 20
	// DefaultClockSkew is how far a target's clock may be from ours: a
	// batch's requestedAt, startedAt and completedAt must fall within the
	// call, widened by this much on both sides.
	DefaultClockSkew = 5 * time.Minute
	// EmulatorTier is the tier an emulator the suite runs against should
	// have: its limits make the emulator send rate-limit headers (and a 429
	// to the probe), so every promise can be exercised.
	EmulatorTier = hubspot.TierProfessional
	// maxResponseBytes bounds what the suite reads of one answer.
	maxResponseBytes = 32 << 20
)

// SuiteConfig says where the suite sends its requests and how.
type SuiteConfig struct {
	// BaseURL is the target, e.g. http://127.0.0.1:8080 or https://api.hubapi.com.
	BaseURL string
	// Token is the bearer token (a private app token for HubSpot). Required.
	Token string
	// ReadOnlyToken, when set, is a token without write scopes: writes with
	// it must be refused with 403. Empty skips that check.
	ReadOnlyToken string
	// IDProperty is the unique property the suite upserts by
	// (default hubspot.DefaultIDProperty).
	IDProperty string
	// Version selects the API paths (default v3).
	Version hubspot.Version
	// Validator checks schemas (default DefaultValidator()).
	Validator *Validator
	// HTTPClient sends the requests (default: a client with DefaultSuiteTimeout).
	HTTPClient *http.Client
	// ProbeRateLimit opts in to the probe that exhausts the burst limit to
	// provoke a 429. It costs up to Max+20 calls of the account's budget.
	ProbeRateLimit bool
	// KeyPrefix starts every unique value the suite writes, so its records
	// are recognisable and apart from anyone else's (default "ub-<random>").
	KeyPrefix string
	// ClockSkew is how far the target's clock may be from the local one
	// when batch times are held to the call (default DefaultClockSkew).
	ClockSkew time.Duration
	// Seed seeds the generated batches (default generators.DefaultSeed).
	Seed uint64
	// BatchSize is the number of inputs per batch (default DefaultSuiteBatchSize).
	BatchSize int
	// GeneratorOptions are added to every generator the suite builds, e.g.
	// generators.WithOwnerIDs(ids...) with a real account's owners (with no
	// ids, inputs carry no owner: a real account refuses owners it lacks).
	GeneratorOptions []generators.Option
}

// Suite runs every contract check against one target. Build it with
// NewSuite; one Suite may Run more than once, each run with its own
// records (a run derives its keys from KeyPrefix and the run number).
type Suite struct {
	cfg    SuiteConfig
	base   *url.URL
	target string // BaseURL without user info, for reports
	runs   int
}

// NewSuite checks the configuration and fills in defaults. Errors are
// configuration problems (bad URL, no token, bad id property).
func NewSuite(cfg SuiteConfig) (*Suite, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("contract: base URL %q is not an http(s) URL with a host", redactURL(cfg.BaseURL))
	}
	if cfg.Token == "" {
		return nil, errors.New("contract: no token: the suite needs the bearer token of the target (a private app token for HubSpot)")
	}
	if cfg.ReadOnlyToken != "" && cfg.ReadOnlyToken == cfg.Token {
		return nil, errors.New("contract: the read-only token is the same as the token; give a token without write scopes or none")
	}
	if cfg.IDProperty == "" {
		cfg.IDProperty = hubspot.DefaultIDProperty
	}
	if cfg.Version == "" {
		cfg.Version = hubspot.VersionV3
	}
	if _, err := hubspot.ParseVersion(string(cfg.Version)); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	if cfg.Validator == nil {
		if cfg.Validator, err = DefaultValidator(); err != nil {
			return nil, err
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultSuiteTimeout}
	}
	if cfg.KeyPrefix == "" {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		cfg.KeyPrefix = "ub-" + hex.EncodeToString(b[:])
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = DefaultClockSkew
	}
	if cfg.ClockSkew < 0 {
		return nil, fmt.Errorf("contract: clock skew %s is negative; give how far the target's clock may be off, e.g. %s", cfg.ClockSkew, DefaultClockSkew)
	}
	if cfg.Seed == 0 {
		cfg.Seed = generators.DefaultSeed
	}
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultSuiteBatchSize
	}
	if cfg.BatchSize < 2 || cfg.BatchSize > hubspot.MaxBatchInputs {
		return nil, fmt.Errorf("contract: batch size %d out of range (2..%d)", cfg.BatchSize, hubspot.MaxBatchInputs)
	}
	target := *u
	target.User = nil
	suite := &Suite{cfg: cfg, base: u, target: target.String()}
	// Build the run's generator once here, so a bad id property, prefix or
	// generator option is a configuration error, not a failed run.
	if _, err := suite.generator(cfg.KeyPrefix); err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	return suite, nil
}

// generator builds a generator of the suite's batches under prefix.
func (s *Suite) generator(prefix string, extra ...generators.Option) (*generators.Generator, error) {
	opts := []generators.Option{
		generators.WithSeed(s.cfg.Seed), generators.WithBatchSize(s.cfg.BatchSize),
		generators.WithIDProperty(s.cfg.IDProperty), generators.WithVersion(s.cfg.Version),
		generators.WithKeyPrefix(prefix), generators.WithTraceIDs(true),
	}
	opts = append(opts, s.cfg.GeneratorOptions...)
	return generators.New(append(opts, extra...)...)
}

// redactURL drops user info from a URL for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparseable URL)"
		}
		return raw
	}
	u.User = nil
	return u.String()
}

// Run sends every case to the target and returns the report; it does not
// fail on contract violations (they are findings in the report). Records
// the run created are archived at the end, also when ctx is cancelled.
// A Suite runs one Run at a time.
func (s *Suite) Run(ctx context.Context) *Report {
	s.runs++
	prefix := s.cfg.KeyPrefix
	if s.runs > 1 {
		prefix = fmt.Sprintf("%s-r%d", prefix, s.runs)
	}
	r := &suiteRun{
		s:       s,
		ctx:     ctx,
		prefix:  prefix,
		report:  &Report{Target: s.target, Version: s.cfg.Version, KeyPrefix: prefix, Seed: s.cfg.Seed, StartedAt: time.Now().UTC()},
		cleanup: map[string]struct{}{},
		written: &writtenRecords{},
	}
	start := time.Now()
	r.run()
	r.report.Duration = time.Since(start)
	return r.report
}

// suiteRun is the state of one Run.
type suiteRun struct {
	s      *Suite
	ctx    context.Context
	prefix string
	gen    *generators.Generator
	report *Report
	// sent is every answer to a request with the main token, in order, for
	// the rate-limit header check.
	sent []Exchange
	// cleanup holds the record ids to archive at the end.
	cleanup map[string]struct{}
	// written is what the upsert cases wrote, for the read and GET cases.
	written *writtenRecords
}

// Which token a request carries.
type credential int

const (
	credMain credential = iota
	credReadOnly
	credNone
	credWrong
)

// request is one call the suite makes. Body is sent as is; a nil Body
// with BodyReader streams that instead (the oversized body).
type request struct {
	method, path, contentType string
	body                      []byte
	bodyReader                io.Reader
	contentLength             int64
	cred                      credential
}

// send performs one request and returns the exchange. err is a transport
// failure (no answer); the exchange then has StatusCode 0.
func (r *suiteRun) send(method, path, contentType string, body []byte, cred credential) (Exchange, error) {
	return r.do(request{method: method, path: path, contentType: contentType, body: body, cred: cred})
}

func (r *suiteRun) do(rq request) (Exchange, error) {
	ex := Exchange{Method: rq.method, Path: rq.path, RequestBody: rq.body, RequestHeader: http.Header{}}
	ctx, cancel := context.WithTimeout(r.ctx, DefaultSuiteTimeout)
	defer cancel()
	var body io.Reader = bytes.NewReader(rq.body)
	if rq.bodyReader != nil {
		body = rq.bodyReader
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, r.s.base.String()+rq.path, body)
	if err != nil {
		return ex, err
	}
	if rq.bodyReader != nil {
		req.ContentLength = rq.contentLength
	}
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	req.Header.Set("Accept", "application/json")
	ex.RequestHeader = req.Header.Clone() // before the token: exchanges never hold credentials
	switch rq.cred {
	case credMain:
		req.Header.Set("Authorization", "Bearer "+r.s.cfg.Token)
	case credReadOnly:
		req.Header.Set("Authorization", "Bearer "+r.s.cfg.ReadOnlyToken)
	case credWrong:
		req.Header.Set("Authorization", "Bearer "+wrongToken())
	}
	ex.SentAt = time.Now()
	resp, err := r.s.cfg.HTTPClient.Do(req)
	if err != nil {
		return ex, r.scrub(err)
	}
	defer resp.Body.Close()
	ex.StatusCode = resp.StatusCode
	ex.ResponseHeader = resp.Header
	ex.ResponseBody, err = io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	ex.ReceivedAt = time.Now()
	if err != nil {
		return ex, r.scrub(err)
	}
	if rq.cred == credMain {
		r.sent = append(r.sent, ex)
	}
	return ex, nil
}

// wrongToken is a token of the same shape that the target cannot know.
func wrongToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "ub-wrong-" + hex.EncodeToString(b[:])
}

// scrub removes the tokens from an error text, should a transport ever
// echo a header.
func (r *suiteRun) scrub(err error) error {
	msg := err.Error()
	for _, t := range []string{r.s.cfg.Token, r.s.cfg.ReadOnlyToken} {
		if t != "" {
			msg = strings.ReplaceAll(msg, t, "[token]")
		}
	}
	return errors.New(msg)
}

// Recording results.

// result records check on caseName against an answer with HTTP status
// code (0 when none): a pass without findings, a fail with them.
func (r *suiteRun) result(check CheckName, caseName string, code int, fs []Finding, d time.Duration) {
	st := StatusPass
	if len(fs) > 0 {
		st = StatusFail
	}
	r.report.Checks = append(r.report.Checks, CheckResult{Check: check, Case: caseName, Status: st, StatusCode: code, Findings: fs, Duration: d})
}

func (r *suiteRun) skip(check CheckName, caseName, reason string) {
	r.report.Checks = append(r.report.Checks, CheckResult{Check: check, Case: caseName, Status: StatusSkip, Reason: reason})
}

// skipAll records the same skip for several checks.
func (r *suiteRun) skipAll(checks []CheckName, caseName, reason string) {
	for _, c := range checks {
		r.skip(c, caseName, reason)
	}
}

// transportFailure records a failed request as a failure of each check the
// case would have run: a target that does not answer keeps no contract.
// A request that failed because the run was cancelled says nothing about
// the target: its checks are skipped as interrupted, never failed.
func (r *suiteRun) transportFailure(caseName string, checks []CheckName, method, path string, body []byte, err error) {
	if r.ctx.Err() != nil {
		r.skipAll(checks, caseName, "interrupted: "+r.ctx.Err().Error())
		return
	}
	for _, c := range checks {
		r.result(c, caseName, 0, []Finding{{
			Check: c, Message: "no answer: " + err.Error(), Method: method, Path: path, Sent: trimBody(body),
			Reason:   "the target answers every request with an HTTP response",
			HowToFix: "check that the target is up and reachable at the base URL, and that it answers within " + DefaultSuiteTimeout.String(),
		}}, 0)
	}
}

// exchangeResults runs the stateless checks on ex and records one result
// per check that applied, all under caseName.
func (r *suiteRun) exchangeResults(caseName string, ex Exchange, withRequest bool) {
	ran, fs := checkExchange(r.s.cfg.Validator, ex, exchangeOptions{withRequest: withRequest, skew: r.s.cfg.ClockSkew})
	r.recordRan(caseName, ex, ran, fs)
}

// recordRan records one result per check that ran, with its findings.
func (r *suiteRun) recordRan(caseName string, ex Exchange, ran []CheckName, fs []Finding) {
	d := ex.ReceivedAt.Sub(ex.SentAt)
	for _, c := range ran {
		var mine []Finding
		for _, f := range fs {
			if f.Check == c {
				mine = append(mine, f)
			}
		}
		r.result(c, caseName, ex.StatusCode, mine, d)
	}
}

// interrupted reports whether the run was cancelled, recording the skip.
func (r *suiteRun) interrupted(check CheckName, caseName string) bool {
	if r.ctx.Err() == nil {
		return false
	}
	r.skip(check, caseName, "interrupted: "+r.ctx.Err().Error())
	return true
}

// run is the order of the cases. Cleanup comes before the rate-limit probe,
// which exhausts the burst budget the cleanup would need.
func (r *suiteRun) run() {
	gen, err := r.s.generator(r.prefix)
	if err != nil { // NewSuite built the same generator with the base prefix
		r.result(CheckRequestSchema, "setup", 0, []Finding{{Check: CheckRequestSchema, Message: "generator: " + err.Error()}}, 0)
		return
	}
	r.gen = gen
	r.upsertCases()
	r.getCases()
	r.partialFailureCase()
	r.allOrNothingCase()
	r.badInputCases()
	r.methodCases()
	r.authCases()
	r.archiveCase()
	r.rateLimitHeaderCase()
	r.cleanupCase()
	r.rateLimitProbeCase()
}
