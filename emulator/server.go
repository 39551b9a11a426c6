package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server timeouts of an emulator served by Listen. There is no
// WriteTimeout: modelled latency and injected hangs are bounded by the
// emulator itself, and a write timeout would cut them short in ways a real
// server would not.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	// DefaultShutdownTimeout bounds Close: requests still in flight after
	// it have their connections cut.
	DefaultShutdownTimeout = 5 * time.Second
	// DefaultAddr is where Listen serves when given no address: a free
	// port on the loopback interface.
	DefaultAddr = "127.0.0.1:0"
	// maxHeaderBytes bounds a request's headers.
	maxHeaderBytes = 64 << 10
)

// Server is an Emulator served over HTTP, as tests, `upsertbench emulate`
// and the in-process targets of contract and load runs use it. Build it
// with Listen; Close stops it.
type Server struct {
	*Emulator
	// URL is the base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Token is a bearer token API requests may carry: the first one given
	// with WithToken, or a generated one.
	Token string

	srv  *http.Server
	done chan error
}

// Listen serves a new emulator on addr (host:port; "" means DefaultAddr)
// until Close. Without WithToken a random token is generated, so an
// emulator is never open to whoever finds its port; Server.Token says
// which. Errors are those of net.Listen, wrapped with the address.
func Listen(addr string, opts ...Option) (*Server, error) {
	if addr == "" {
		addr = DefaultAddr
	}
	e := New(opts...)
	if e.apps.token() == "" {
		tok, err := NewToken()
		if err != nil {
			return nil, err
		}
		e.addToken(tok)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{
		Emulator: e,
		URL:      "http://" + ln.Addr().String(),
		Token:    e.apps.token(),
		srv: &http.Server{
			Handler:           e,
			ReadHeaderTimeout: DefaultReadHeaderTimeout,
			ReadTimeout:       DefaultReadTimeout,
			IdleTimeout:       DefaultIdleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
		},
		done: make(chan error, 1),
	}
	go func() {
		err := s.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.done <- err
	}()
	return s, nil
}

// Done delivers, once, why the server stopped serving: nil after Close, or
// the error that stopped it.
func (s *Server) Done() <-chan error { return s.done }

// Close releases requests held by latency or faults, then shuts the
// server down, waiting up to DefaultShutdownTimeout for requests in flight
// before cutting their connections.
func (s *Server) Close() error {
	s.Emulator.Close()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultShutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// NewToken returns a random token for a local emulator, recognisable by its
// "ub-local-" prefix.
func NewToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "ub-local-" + hex.EncodeToString(b[:]), nil
}
