package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// maxFindingLine bounds one line of findings.jsonl when reading, so a
// corrupt file cannot make a reader swallow gigabytes into one line.
const maxFindingLine = 16 << 20

// FindingsWriter appends contract findings to findings.jsonl, one JSON
// object per line. Each finding is written with a single write to a file
// opened for appending, so a crash leaves at most a cut-off last line
// (ReadFindings skips it) and lines never interleave. Safe for concurrent
// use.
type FindingsWriter struct {
	path string

	mu     sync.Mutex
	f      *os.File
	buf    bytes.Buffer
	n      uint64
	closed bool
}

// CreateFindingsWriter opens dir/findings.jsonl for appending, creating
// dir and the file. The file exists afterwards even if no finding is ever
// written: an empty file says "checked, nothing found".
func CreateFindingsWriter(dir string) (*FindingsWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create findings folder: %w", err)
	}
	path := filepath.Join(dir, FindingsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create findings file: %w", err)
	}
	return &FindingsWriter{path: path, f: f}, nil
}

// Count is the number of findings written through w.
func (w *FindingsWriter) Count() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Add appends the findings.
func (w *FindingsWriter) Add(fs ...Finding) error {
	if len(fs) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("write %s: %w", w.path, os.ErrClosed)
	}
	w.buf.Reset()
	enc := json.NewEncoder(&w.buf)
	enc.SetEscapeHTML(false)
	for i := range fs {
		if err := enc.Encode(&fs[i]); err != nil { // Encode adds the newline
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	if _, err := w.f.Write(w.buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", w.path, err)
	}
	w.n += uint64(len(fs))
	return nil
}

// Close syncs and closes the file. Calling it twice is harmless.
func (w *FindingsWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close %s: %w", w.path, err)
	}
	return nil
}

// AppendFindings appends fs to dir/findings.jsonl (a one-shot
// FindingsWriter).
func AppendFindings(dir string, fs []Finding) error {
	w, err := CreateFindingsWriter(dir)
	if err != nil {
		return err
	}
	if err := w.Add(fs...); err != nil {
		_ = w.Close()
		return err
	}
	return w.Close()
}

// FindingsPath resolves a directory to its findings.jsonl; any other path
// is taken as the file itself.
func FindingsPath(dirOrFile string) string {
	if fi, err := os.Stat(dirOrFile); err == nil && fi.IsDir() {
		return filepath.Join(dirOrFile, FindingsFile)
	}
	return dirOrFile
}

// EachFinding streams the findings of dir/findings.jsonl (or of a file
// path) to fn in file order. A missing file means no findings. Blank lines
// are skipped; a last line without newline that does not parse is a write
// cut short and is ignored; any other bad line is an error naming the file
// and line. An error from fn stops the read and is returned unchanged.
func EachFinding(dirOrFile string, fn func(Finding) error) error {
	path := FindingsPath(dirOrFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read findings: %w", err)
	}
	defer f.Close()
	return eachFinding(path, f, fn)
}

func eachFinding(name string, r io.Reader, fn func(Finding) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		line = line[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			line = append(line, chunk...)
			if len(line) > maxFindingLine {
				return fmt.Errorf("read %s:%d: line longer than %d bytes (is it a findings file?)", name, lineNo, maxFindingLine)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		complete := err == nil
		if err != nil && err != io.EOF {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			var fd Finding
			if uerr := json.Unmarshal(trimmed, &fd); uerr != nil {
				if !complete {
					return nil // cut-off last line of an interrupted writer
				}
				return fmt.Errorf("read %s:%d: %w", name, lineNo, uerr)
			}
			if ferr := fn(fd); ferr != nil {
				return ferr
			}
		}
		if !complete {
			return nil
		}
	}
}

// ReadFindings returns every finding of dir/findings.jsonl (see
// EachFinding). Prefer EachFinding for files that may be large.
func ReadFindings(dir string) ([]Finding, error) {
	var out []Finding
	err := EachFinding(dir, func(f Finding) error {
		out = append(out, f)
		return nil
	})
	return out, err
}
