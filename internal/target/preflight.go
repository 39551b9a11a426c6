package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultPreflightTimeout bounds the preflight request: a target that does
// not answer one small request in this time will not carry a test.
const DefaultPreflightTimeout = 10 * time.Second

// UnreachableError says a target could not be reached at all, before any
// check ran: a configuration problem (exit 2), not a finding.
type UnreachableError struct {
	// URL is the target, redacted.
	URL string
	// Cause is the kind of failure in words: "connection refused",
	// "no such host", "TLS handshake failed: …", "no answer within 10s".
	Cause string
	Err   error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("target %s cannot be reached: %s; check --target (or %s) and that the service is running", e.URL, e.Cause, EnvTarget)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Preflight sends one unauthenticated GET to the target's root and
// succeeds on any HTTP answer, whatever its status: a target that answers
// badly is reachable, and its answers are for the checks to judge. It
// fails with *UnreachableError when the connection is refused, the name
// does not resolve, TLS fails, or nothing answers within
// DefaultPreflightTimeout (or ctx's deadline, if sooner). The request
// carries no token, so it spends no app's rate-limit budget. client nil
// means http.DefaultTransport.
func Preflight(ctx context.Context, client *http.Client, baseURL string) error {
	if client == nil {
		client = &http.Client{}
	}
	timeout := DefaultPreflightTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/", nil)
	if err != nil {
		return &UnreachableError{URL: Redact(baseURL), Cause: err.Error(), Err: err}
	}
	req.Header.Set("User-Agent", "upsertbench-preflight")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return ctx.Err() // interrupted by the user, not a verdict on the target
		}
		cause := Cause(err)
		if cause == causeTimeout {
			cause = fmt.Sprintf("no answer within %s", timeout.Round(time.Millisecond))
		}
		return &UnreachableError{URL: Redact(baseURL), Cause: cause, Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return nil
}

// Cause names why a request got no answer, in the words a user searches
// for: the one classification of transport failures.
func Cause(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr):
		return "no such host " + dnsErr.Name
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr):
		return "TLS certificate not accepted: " + rootCause(err).Error()
	case errors.As(err, &recErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "TLS handshake failed: the server does not speak TLS (try http://)"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), isTimeout(err):
		return causeTimeout
	}
	return rootCause(err).Error()
}

// causeTimeout is Cause's word for a request that got no answer in time.
const causeTimeout = "timeout"

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rootCause unwraps to the innermost error, which carries the useful text
// (url.Error and net.OpError repeat the URL and the address around it).
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
