package fidelity

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

// maxBodyBytes bounds what the recorder keeps of one body; the rest of a
// longer answer still reaches the client.
const maxBodyBytes = 32 << 20

// RecordOption configures a Recorder.
type RecordOption func(*recorderConfig)

type recorderConfig struct {
	token, readOnly string
	transport       http.RoundTripper
	now             func() time.Time
	maxBody         int
}

// WithToken names the main token: it is recorded as {{token}} and the
// replay sends its own token in its place.
func WithToken(token string) RecordOption { return func(c *recorderConfig) { c.token = token } }

// WithReadOnlyToken names the token without write scopes: recorded as
// {{read-only-token}}, replayed with the emulator's read-only token.
func WithReadOnlyToken(token string) RecordOption {
	return func(c *recorderConfig) { c.readOnly = token }
}

// WithTransport sets the transport that really sends the requests
// (default http.DefaultTransport).
func WithTransport(rt http.RoundTripper) RecordOption {
	return func(c *recorderConfig) { c.transport = rt }
}

// withMaxBody lowers the recorded body limit (tests).
func withMaxBody(n int) RecordOption { return func(c *recorderConfig) { c.maxBody = n } }

// Meta is what the recorder writes into the manifest about the run.
type Meta struct {
	Tool       string
	Target     string
	APIVersion string
	IDProperty string
}

// Recorder is an http.RoundTripper that sends each request on and writes
// the exchange, scrubbed and normalised, as one numbered file of a
// recording. Put it in the contract suite's HTTPClient. Exchanges are
// numbered and normalised one at a time, in the order their answers
// arrive; the suite sends one request at a time, so that is the order they
// were sent and ids are numbered the same way every time. RoundTrip is
// safe for concurrent use.
type Recorder struct {
	dir string
	cfg recorderConfig

	mu       sync.Mutex
	norm     *normaliser
	manifest Manifest
	seq      int
	err      error // first recording failure; Close returns it
	closed   bool
}

var _ http.RoundTripper = (*Recorder)(nil)

// NewRecorder starts a recording in dir, which must be new or empty: one
// folder holds one run. It writes the manifest at once, so even a run
// killed after its first request leaves a readable recording.
func NewRecorder(dir string, meta Meta, opts ...RecordOption) (*Recorder, error) {
	cfg := recorderConfig{transport: http.DefaultTransport, now: time.Now, maxBody: maxBodyBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.token != "" && cfg.token == cfg.readOnly {
		return nil, errors.New("the read-only token is the same as the token")
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	r := &Recorder{
		dir:  dir,
		cfg:  cfg,
		norm: newNormaliser(meta.IDProperty),
		manifest: Manifest{
			FormatVersion: FormatVersion, Tool: meta.Tool, Target: redactTarget(meta.Target),
			APIVersion: meta.APIVersion, IDProperty: meta.IDProperty, StartedAt: cfg.now().UTC(),
		},
	}
	r.norm.addSecret(cfg.token, placeholderToken)
	r.norm.addSecret(cfg.readOnly, placeholderReadOnlyToken)
	if err := r.writeManifest(); err != nil {
		return nil, err
	}
	return r, nil
}

// prepareDir creates dir, or accepts it when it exists and is empty.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o755)
	case err != nil:
		return err
	case len(entries) > 0:
		return errors.New("the folder is not empty; give a new or empty folder (one recording per folder)")
	}
	return nil
}

// redactTarget keeps scheme and host of a base URL: no credentials, path or
// query reach the manifest.
func redactTarget(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// Dir is the recording's folder.
func (r *Recorder) Dir() string { return r.dir }

// Count is the number of exchanges recorded so far.
func (r *Recorder) Count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seq
}

// RoundTrip sends req and records the exchange. A failure to record never
// fails the request: the client gets the target's answer, and Close
// returns the recording error.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(reqBody))
	if reqBody == nil {
		out.Body = nil
	}
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }

	at := r.cfg.now()
	resp, err := r.cfg.transport.RoundTrip(out)
	took := r.cfg.now().Sub(at)
	rec := rawExchange{
		at: at, took: took, method: req.Method, path: req.URL.RequestURI(),
		reqHeader: req.Header, reqBody: reqBody,
	}
	if err != nil {
		rec.err = err.Error()
		r.record(rec)
		return nil, err
	}
	limit := r.cfg.maxBody
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	rec.status, rec.respHeader = resp.StatusCode, resp.Header
	if readErr != nil {
		// The answer broke off: record what came, and hand the client the
		// same failure when it reads past it.
		rec.err = "reading the answer: " + readErr.Error()
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), errReader{readErr}), resp.Body}
	} else if len(body) > limit {
		rec.truncated = true
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		body = body[:limit]
	} else {
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	rec.respBody = body
	rec.answered = true
	r.record(rec)
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// rawExchange is an exchange as it happened, before scrubbing.
type rawExchange struct {
	at         time.Time
	took       time.Duration
	method     string
	path       string
	reqHeader  http.Header
	reqBody    []byte
	answered   bool
	status     int
	respHeader http.Header
	respBody   []byte
	truncated  bool
	err        string
}

// record scrubs, normalises and writes one exchange.
func (r *Recorder) record(raw rawExchange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.seq++
	ex := r.norm.exchange(raw, r.seq, r.cfg.token, r.cfg.readOnly)
	if err := r.write(ex); err != nil && r.err == nil {
		r.err = err
	}
}

// exchange turns a raw exchange into its recorded form: secrets first
// (registered from the request's credential headers and query before
// anything is rendered), then ids learned from the answer. The replay
// runs the emulator's answers through the same steps.
func (n *normaliser) exchange(raw rawExchange, seq int, token, readOnly string) Exchange {
	header := n.requestHeader(raw.reqHeader, token, readOnly)
	n.requestPath(raw.path)
	ex := Exchange{
		FormatVersion: FormatVersion, Seq: seq, At: raw.at.UTC(),
		DurationMS: float64(raw.took.Microseconds()) / 1000,
		Request: Request{
			Method: raw.method,
			Path:   n.scrubString(raw.path),
			Header: scrubHeader(n, header),
			Body:   newBody(n.scrub(raw.reqBody), false),
		},
		Error: n.scrubString(raw.err),
	}
	if raw.answered {
		h := scrubHeader(n, raw.respHeader)
		n.scrubCookies(h)
		ex.Response = &Response{Status: raw.status, Header: h, Body: newBody(n.scrub(raw.respBody), raw.truncated)}
		n.learn(ex.Response.Body)
		n.header(ex.Response.Header)
		ex.Response.Body = n.body(ex.Response.Body)
	}
	ex.Request.Path = n.path(ex.Request.Path)
	n.header(ex.Request.Header)
	ex.Request.Body = n.body(ex.Request.Body)
	return ex
}

// scrubHeader copies h with secrets replaced in every value.
func scrubHeader(n *normaliser, h http.Header) http.Header {
	if len(h) == 0 {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		k = http.CanonicalHeaderKey(k)
		for _, v := range vs {
			out[k] = append(out[k], n.scrubString(v))
		}
	}
	return out
}

// write renders the exchange and writes it, refusing to write any byte of
// a secret: should a secret survive scrubbing (say, a token that is also a
// word of the recording's own text), the file is not written.
func (r *Recorder) write(ex Exchange) error {
	data, err := encodeFile(ex)
	if err != nil {
		return fmt.Errorf("exchange %d: %w", ex.Seq, err)
	}
	if p := r.norm.leak(data); p != "" {
		return fmt.Errorf("exchange %d was not written: the secret recorded as %s would appear in it (is the token a common word? use a longer, random token)", ex.Seq, p)
	}
	if err := writeFile(r.dir, ExchangeFileName(ex.Seq), data); err != nil {
		return err
	}
	return nil
}

// writeManifest writes the manifest with the current count.
func (r *Recorder) writeManifest() error {
	r.manifest.Exchanges = r.seq
	data, err := encodeFile(r.manifest)
	if err != nil {
		return err
	}
	if p := r.norm.leak(data); p != "" {
		return fmt.Errorf("the manifest was not written: the secret recorded as %s would appear in it", p)
	}
	return writeFile(r.dir, ManifestFile, data)
}

// Close ends the recording: later exchanges are not recorded, and the
// manifest gets the count, the end time and complete (false for a run
// that was interrupted). It returns the first error of the recording:
// an exchange that could not be written, or the manifest.
func (r *Recorder) Close(complete bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return r.err
	}
	r.closed = true
	r.manifest.Complete = complete && r.err == nil
	r.manifest.FinishedAt = r.cfg.now().UTC()
	if err := r.writeManifest(); err != nil && r.err == nil {
		r.err = err
	}
	if r.err != nil {
		return fmt.Errorf("recording in %s: %w", r.dir, r.err)
	}
	return nil
}
