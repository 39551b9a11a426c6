package results

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Defaults of the results Writer.
const (
	// DefaultFlushInterval bounds what a crash (SIGKILL, power loss) can
	// lose: at most this much of the most recent results.
	DefaultFlushInterval = time.Second
	// DefaultWriteBuffer is the write buffer of results.bin. At ~150 bytes
	// per encoded result it holds a few hundred results.
	DefaultWriteBuffer = 64 << 10
)

// syntheticHeaderPrefix is the prefix of the headers the load engine adds
// (HeaderLateNanos, HeaderRateLimitPolicy, HeaderSampled).
const syntheticHeaderPrefix = "X-Upsertbench-"

// Writer streams results to results.bin in Vegeta's binary (gob) encoding,
// so `vegeta report`, `vegeta plot` and Each read it. It is safe for
// concurrent use.
//
// By default a result is written without its response body and with only
// the synthetic X-Upsertbench-* headers: reports need neither, and a
// 100-result upsert answer is ~30 kB, which would make results.bin grow by
// tens of MB per second at 1,000 requests/s. WithBodies and WithAllHeaders
// keep them.
//
// Crash safety: the buffer is flushed every flush interval by a background
// goroutine (and on Flush and Close), so an interrupted process leaves a file
// whose complete records all decode; a record cut in half at the end is
// skipped by Each.
type Writer struct {
	path       string
	keepBodies bool
	allHeaders bool

	mu      sync.Mutex
	f       *os.File
	bw      *bufio.Writer
	enc     vegeta.Encoder
	scratch vegeta.Result
	headers http.Header
	n       uint64
	dirty   bool
	err     error // sticky: after a write error every Add fails
	closed  bool
	closing bool

	stop chan struct{}
	done chan struct{}
}

// WriterOption configures a Writer.
type WriterOption func(*writerConfig)

type writerConfig struct {
	flushInterval time.Duration
	keepBodies    bool
	allHeaders    bool
}

// WithFlushInterval sets how often buffered results reach the file
// (DefaultFlushInterval); 0 or less flushes only on Flush and Close.
func WithFlushInterval(d time.Duration) WriterOption {
	return func(c *writerConfig) { c.flushInterval = d }
}

// WithBodies keeps response bodies in results.bin.
func WithBodies(keep bool) WriterOption { return func(c *writerConfig) { c.keepBodies = keep } }

// WithAllHeaders keeps every response header, not only the synthetic ones.
func WithAllHeaders(keep bool) WriterOption { return func(c *writerConfig) { c.allHeaders = keep } }

// CreateWriter creates dir (if needed) and dir/results.bin (truncating an
// older one) and returns a Writer streaming into it.
func CreateWriter(dir string, opts ...WriterOption) (*Writer, error) {
	cfg := writerConfig{
		flushInterval: DefaultFlushInterval,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create results folder: %w", err)
	}
	path := filepath.Join(dir, ResultsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create results file: %w", err)
	}
	w := &Writer{
		path:       path,
		keepBodies: cfg.keepBodies,
		allHeaders: cfg.allHeaders,
		f:          f,
		bw:         bufio.NewWriterSize(f, DefaultWriteBuffer),
		headers:    make(http.Header, 4),
		done:       make(chan struct{}),
	}
	w.enc = vegeta.NewEncoder(w.bw)
	if cfg.flushInterval > 0 {
		w.stop = make(chan struct{})
		go w.flushLoop(cfg.flushInterval)
	} else {
		close(w.done)
	}
	return w, nil
}

// Path is the path of the results file.
func (w *Writer) Path() string { return w.path }

// Count is the number of results added so far.
func (w *Writer) Count() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Add encodes r. It does not retain or modify r. After a write error every
// later Add returns that error.
func (w *Writer) Add(r *vegeta.Result) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("add result to %s: %w", w.path, os.ErrClosed)
	}
	if w.err != nil {
		return w.err
	}
	// Encode a copy owned by the Writer, so trimming the body and headers
	// never touches the caller's result (it may be shared with a sampler).
	w.scratch = *r
	if !w.keepBodies {
		w.scratch.Body = nil
	}
	if !w.allHeaders && len(r.Headers) > 0 {
		clear(w.headers)
		for k, v := range r.Headers {
			if strings.HasPrefix(k, syntheticHeaderPrefix) {
				w.headers[k] = v
			}
		}
		if len(w.headers) > 0 {
			w.scratch.Headers = w.headers
		} else {
			w.scratch.Headers = nil
		}
	}
	err := w.enc.Encode(&w.scratch)
	w.scratch = vegeta.Result{}
	if err != nil {
		w.err = fmt.Errorf("write %s: %w", w.path, err)
		return w.err
	}
	w.n++
	w.dirty = true
	return nil
}

// Flush writes buffered results to the file (without fsync).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

func (w *Writer) flushLocked() error {
	if w.closed || !w.dirty {
		return w.err
	}
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("write %s: %w", w.path, err)
		return w.err
	}
	w.dirty = false
	return nil
}

func (w *Writer) flushLoop(every time.Duration) {
	defer close(w.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			// An error stays sticky in w.err and surfaces on the next Add
			// or on Close.
			_ = w.Flush()
		}
	}
}

// Close flushes, syncs and closes the file. Calling it twice is harmless.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return nil
	}
	w.closing = true
	if w.stop != nil {
		close(w.stop)
	}
	w.mu.Unlock()
	<-w.done // the flusher takes w.mu; wait for it outside the lock

	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.flushLocked()
	w.closed = true
	if syncErr := w.f.Sync(); syncErr != nil && err == nil {
		err = fmt.Errorf("sync %s: %w", w.path, syncErr)
	}
	if closeErr := w.f.Close(); closeErr != nil && err == nil {
		err = fmt.Errorf("close %s: %w", w.path, closeErr)
	}
	return err
}
