package load

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/readbody"
	"github.com/upsertbench/upsertbench/internal/results"
)

// headerBytesIn carries the response size from the transport to the attack
// loop when the body was drained instead of handed to Vegeta (Vegeta sets
// BytesIn from the body it read). The loop moves it into Result.BytesIn
// and deletes it.
const headerBytesIn = "X-Upsertbench-Bytes-In"

// DefaultMaxKeptBody bounds a body kept for a contract check or a 429; a
// bigger answer is cut there (and its check will say the JSON is broken).
const DefaultMaxKeptBody = 8 << 20

// transportConfig is the client side of an attack (scenario http section).
type transportConfig struct {
	timeout   time.Duration
	keepAlive bool
	http2     bool
	tls       bool // the target is https
}

// transport sits between Vegeta's attacker and net/http. Vegeta can only
// keep every body or none (MaxBody applies to all responses); this round
// tripper decides per request:
//
//   - every answer body is read into a pooled buffer and handed, with the
//     batch number, to the answer pipeline (answers.go), which feeds the
//     run-wide invariants and the schema pass; Vegeta gets only its size
//     (headerBytesIn), so results.bin keeps no bodies;
//   - sampled requests: the body is also handed to the sampler together
//     with the request body;
//   - 429 answers: the body also goes to Vegeta (results.bin keeps it) and
//     its policyName to results.HeaderRateLimitPolicy.
//
// Reading the body costs what `vegeta attack -max-body=0` pays to drain it;
// handing it over is one map insert (see answers.go for why the rest of the
// hand-off happens outside Vegeta's measured latency).
//
// It also returns each batch's pooled request buffer to the Targeter once
// the exchange is over, and tracks connections so an interrupted run can
// abort requests still in flight.
type transport struct {
	next     *http.Transport
	targeter *Targeter
	sampler  *sampler    // nil: no contract checks
	pipe     *answerPipe // nil: answers are drained, not checked
	conns    connSet
}

var _ http.RoundTripper = (*transport)(nil)

func newTransport(cfg transportConfig, tg *Targeter, s *sampler) *transport {
	t := &transport{targeter: tg, sampler: s}
	t.conns.conns = make(map[*trackedConn]struct{})
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	if !cfg.keepAlive {
		dialer.KeepAlive = -1
	}
	// The same defaults as vegeta.NewAttacker: keep plenty of idle
	// connections so an open-model attack does not churn them.
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         t.conns.dialer(dialer),
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 10000,
		DisableKeepAlives:   !cfg.keepAlive,
		ForceAttemptHTTP2:   cfg.http2,
		IdleConnTimeout:     90 * time.Second,
		WriteBufferSize:     writeBufferFor(cfg.tls),
	}
	if !cfg.http2 {
		// A non-nil empty map disables HTTP/2 over TLS, like vegeta.HTTP2(false).
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	t.next = tr
	return t
}

// client is the http.Client handed to vegeta.Client.
func (t *transport) client(timeout time.Duration) *http.Client {
	return &http.Client{Transport: t, Timeout: timeout}
}

// headerVegetaSeq is the header Vegeta numbers its requests with (the
// Result's Seq); the answer pipeline keys answers by it.
const headerVegetaSeq = "X-Vegeta-Seq"

// RoundTrip implements http.RoundTripper. The request comes from Vegeta's
// hit for this exchange only, so taking the batch header off it is safe.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var bb *batchBuf
	n, hasBatch := batchNumber(req.Header)
	if hasBatch {
		req.Header.Del(headerBatch)
		if t.targeter != nil {
			bb = t.targeter.take(n)
		}
	}
	sampled := hasBatch && t.sampler != nil && t.sampler.picks(n)
	// Only the attack's batches go to the pipeline: they have a batch and
	// a Vegeta sequence number. Their plan goes with them.
	var h handOver
	if seq, ok := vegetaSeq(req.Header); ok && hasBatch && t.pipe != nil && t.targeter != nil {
		h = handOver{pipe: t.pipe, seq: seq, plan: t.targeter.takePlan(bb, n)}
	}

	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.recycle(bb)
		h.put(answer{n: n})
		return nil, err
	}
	ct := resp.Header.Get("Content-Type")

	if sampled {
		body, err := readKept(resp.Body)
		if err != nil {
			t.recycle(bb)
			h.put(answer{n: n})
			return nil, err
		}
		resp.Header.Set(results.HeaderSampled, "1")
		if resp.StatusCode == http.StatusTooManyRequests {
			resp.Header.Set(results.HeaderRateLimitPolicy, policyOf(body))
		}
		// The sampler has the body; Vegeta gets only its size (results.bin
		// keeps no bodies), which saves copying a ~70 kB answer again.
		resp.Header[headerBytesIn] = []string{strconv.Itoa(len(body))}
		resp.Body = http.NoBody
		var reqBody []byte
		if bb != nil {
			reqBody = bb.b
		}
		// The sampler owns the request buffer from here and recycles it
		// after the check.
		taken := t.sampler.offer(sample{
			method:         req.Method,
			path:           req.URL.RequestURI(),
			requestHeader:  withoutCredentials(req.Header),
			requestBody:    reqBody,
			statusCode:     resp.StatusCode,
			responseHeader: resp.Header.Clone(),
			responseBody:   body,
			release:        func() { t.recycle(bb) },
		})
		if h.pipe != nil {
			// The sampler reads body concurrently: the pipeline gets a copy.
			kb := h.pipe.body()
			kb.b = append(kb.b, body...)
			h.put(answer{n: n, body: kb, contentType: ct, sampled: taken})
		}
		return resp, nil
	}
	kb := &keptBody{}
	if h.pipe != nil {
		kb = h.pipe.body()
	}
	resp.Body = &keptReader{
		rc: resp.Body, header: resp.Header, kb: kb, h: h, n: n, contentType: ct, size: resp.ContentLength,
		limited: resp.StatusCode == http.StatusTooManyRequests,
		done:    func() { t.recycle(bb) },
	}
	return resp, nil
}

func (t *transport) recycle(bb *batchBuf) {
	if t.targeter != nil {
		t.targeter.recycle(bb)
	}
}

// vegetaSeq reads the sequence number Vegeta put on a request.
func vegetaSeq(h http.Header) (uint64, bool) { return headerUint(h, headerVegetaSeq) }

// handOver is where one exchange goes when it is over (zero: nowhere),
// with its batch's plan.
type handOver struct {
	pipe *answerPipe
	seq  uint64
	plan *batchPlan
}

func (h handOver) put(a answer) {
	if h.pipe != nil {
		a.plan = h.plan
		h.pipe.put(h.seq, a)
	}
}

// readKept reads a body that is kept, up to DefaultMaxKeptBody, and closes it.
func readKept(rc io.ReadCloser) ([]byte, error) {
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, DefaultMaxKeptBody))
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, rc)
	return body, err
}

// keptReader reads the real body into a pooled buffer on Vegeta's first
// Read and then reports EOF, so Vegeta keeps nothing; the size goes into a
// header of the same response (Vegeta copies the header map into the
// Result after reading the body, in the same goroutine). A 429's body is
// served to Vegeta after all (results.bin keeps it) and its policy named in
// a header. Close hands the body over.
type keptReader struct {
	rc          io.ReadCloser
	header      http.Header
	kb          *keptBody
	h           handOver
	n           uint64
	contentType string
	size        int64  // the announced size (Content-Length; -1: unknown)
	limited     bool   // a 429: Vegeta gets the body
	done        func() // the request is over: recycle its buffer
	once        sync.Once
	read        bool
	off         int
	err         error
}

func (b *keptReader) Read(p []byte) (int, error) {
	if !b.read {
		b.read = true
		var total int64
		b.kb.b, total, b.err = readbody.Into(b.kb.b, b.rc, b.size, DefaultMaxKeptBody)
		if b.err != nil {
			return 0, b.err
		}
		if b.limited {
			b.header.Set(results.HeaderRateLimitPolicy, policyOf(b.kb.b))
		} else if total > 0 {
			b.header[headerBytesIn] = []string{strconv.FormatInt(total, 10)}
		}
	}
	if b.err != nil {
		return 0, b.err
	}
	if !b.limited || b.off >= len(b.kb.b) {
		return 0, io.EOF
	}
	n := copy(p, b.kb.b[b.off:])
	b.off += n
	return n, nil
}

func (b *keptReader) Close() error {
	err := b.rc.Close()
	// Vegeta closes the body after reading it, so the request is over and
	// its buffer may go back to the pool. (A write the transport still has
	// in flight at this point can only go to a connection being closed.)
	b.once.Do(func() {
		b.done()
		a := answer{n: b.n, contentType: b.contentType}
		if b.read && b.err == nil {
			a.body = b.kb
		} else if b.h.pipe != nil {
			b.h.pipe.release(b.kb)
		}
		b.h.put(a)
	})
	return err
}

// policyOf reads policyName from a 429 body (results.PolicyUnknown when the
// body names none).
func policyOf(body []byte) string {
	var v struct {
		PolicyName string `json:"policyName"`
	}
	if json.Unmarshal(body, &v) != nil || v.PolicyName == "" {
		return results.PolicyUnknown
	}
	switch v.PolicyName {
	case hubspot.PolicyTenSecondlyRolling, hubspot.PolicyDaily:
		return v.PolicyName
	}
	// Any other name is kept (it is what the target said) but bounded.
	if len(v.PolicyName) > 64 {
		return v.PolicyName[:64]
	}
	return v.PolicyName
}

// withoutCredentials copies a request header without Authorization, so a
// sample can never carry the token into a finding or a file.
func withoutCredentials(h http.Header) http.Header {
	c := make(http.Header, len(h))
	for k, v := range h {
		if k == "Authorization" || k == "Cookie" || k == "Proxy-Authorization" {
			continue
		}
		c[k] = v
	}
	return c
}

// connSet tracks open client connections, so that abort can cut requests
// still in flight when an interrupted run has waited long enough.
type connSet struct {
	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	aborted bool
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

// connWriteBuffer is each plain-HTTP connection's write buffer (net/http's
// default): the request line, the headers and the body's first bytes.
const connWriteBuffer = 4 << 10

// writeBufferFor is the write buffer of each connection to a target. Every
// connection keeps its write buffer while it is open, and an attack keeps
// as many connections as it ever had requests in flight (~130 in a soak at
// 1,000/s: a GC pause piles the sends up), so over plain HTTP it is small
// (connWriteBuffer) and the rest of a batch (~30-100 kB) leaves in one write
// from a pooled buffer (trackedConn.ReadFrom); a whole batch's 64 kB each
// was 9 MB of the load command's heap. Over TLS the body is written through
// the tls.Conn, which has no ReadFrom, so a small buffer would make io.Copy
// allocate 32 kB per request: there a whole batch fits the buffer, as
// before. HTTPS targets are remote services with rate limits, reached over
// few connections.
func writeBufferFor(tls bool) int {
	if tls {
		return DefaultBodyBuffer
	}
	return connWriteBuffer
}

// copyBuffer is the size of the pooled buffers the rest of a request body
// goes through (trackedConn.ReadFrom): a batch of up to copyBuffer +
// connWriteBuffer bytes (a 100-input batch is ~30-50 kB) leaves in two
// writes, the buffered start and the rest.
const copyBuffer = 2 * DefaultBodyBuffer

// ReadFrom copies the rest of a request body, past what the connection's
// write buffer took, through a pooled buffer shared by all connections
// (net/http hands it a LimitedReader, so io.Copy would allocate 32 kB per
// call). Only the requests being written hold one.
func (c *trackedConn) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	return io.CopyBuffer(struct{ io.Writer }{c.Conn}, r, *bp)
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBuffer); return &b }}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.conns, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

// errAborted is what dials fail with after abort.
var errAborted = errors.New("load: attack aborted")

func (s *connSet) dialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		s.mu.Lock()
		aborted := s.aborted
		s.mu.Unlock()
		if aborted {
			return nil, errAborted
		}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, set: s}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.aborted {
			c.Close()
			return nil, errAborted
		}
		s.conns[tc] = struct{}{}
		return tc, nil
	}
}

// abort closes every connection and refuses new ones; it returns how many
// connections were open.
func (s *connSet) abort() int {
	s.mu.Lock()
	s.aborted = true
	open := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c)
	}
	s.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
	return len(open)
}

// String names the transport in errors and tests.
func (t *transport) String() string {
	return fmt.Sprintf("load transport (sampling: %t)", t.sampler != nil)
}
