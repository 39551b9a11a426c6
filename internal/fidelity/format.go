package fidelity

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/upsertbench/upsertbench/internal/results"
)

// FormatVersion is the version of the on-disk recording format. A reader
// refuses any other version: a recording is cheap to make again, a silent
// misreading is not.
const FormatVersion = 1

// ManifestFile is the name of the recording's manifest inside its folder.
const ManifestFile = "manifest.json"

// exchangeFile matches the names of exchange files: 0001.json, 0002.json…
var exchangeFile = regexp.MustCompile(`^([0-9]{4,})\.json$`)

// ExchangeFileName is the file name of exchange seq (1-based).
func ExchangeFileName(seq int) string { return fmt.Sprintf("%04d.json", seq) }

// Manifest describes a recording. It is written when recording starts
// (Complete false) and again when it ends, so a recording cut short by a
// crash or Ctrl-C still says what it is.
type Manifest struct {
	FormatVersion int `json:"formatVersion"`
	// Tool is the upsertbench that recorded, e.g. "upsertbench v1.2.0".
	Tool string `json:"tool,omitempty"`
	// Target is the scheme and host the suite talked to, without
	// credentials or path.
	Target string `json:"target"`
	// APIVersion is the suite's API version (v3 or 2026-03).
	APIVersion string `json:"apiVersion,omitempty"`
	// IDProperty is the unique property the suite upserted by; the replay
	// registers it with the emulator.
	IDProperty string    `json:"idProperty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// Exchanges is the number of exchange files when the manifest was
	// last written.
	Exchanges int `json:"exchanges"`
	// Complete is true once the recorded run ended normally; false means
	// it was interrupted (or is still running).
	Complete bool `json:"complete"`
}

// Exchange is one recorded request and its answer: one file of the
// recording. Secrets are already scrubbed and ids normalised.
type Exchange struct {
	FormatVersion int `json:"formatVersion"`
	// Seq numbers the exchanges from 1 in the order they were sent.
	Seq int `json:"seq"`
	// At is when the request was sent; the replay runs the emulator's clock
	// at these instants, so rolling rate-limit windows see the same gaps.
	At         time.Time `json:"at"`
	DurationMS float64   `json:"durationMs"`
	Request    Request   `json:"request"`
	// Response is nil when no answer came (Error says why).
	Response *Response `json:"response,omitempty"`
	// Error is the transport failure, when there was no answer.
	Error string `json:"error,omitempty"`
}

// Request is the recorded request: method, path with query, headers and
// body. Transport headers the client adds itself (User-Agent,
// Accept-Encoding, Content-Length) are not in it.
type Request struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header,omitempty"`
	Body   *Body       `json:"body,omitempty"`
}

// Response is the recorded answer.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"header,omitempty"`
	Body   *Body       `json:"body,omitempty"`
}

// Body holds a body in the most readable form that keeps it: JSON inline
// (re-indented; insignificant whitespace is all that changes), other UTF-8
// text as a string, anything else as base64. Exactly one field is set; a
// missing Body is an empty one.
type Body struct {
	JSON   json.RawMessage `json:"json,omitempty"`
	Text   *string         `json:"text,omitempty"`
	Base64 string          `json:"base64,omitempty"`
	// Truncated says the answer was longer than the recorder keeps
	// (maxBodyBytes); the rest was passed on but not recorded.
	Truncated bool `json:"truncated,omitempty"`
}

// newBody wraps b, or returns nil for an empty body.
func newBody(b []byte, truncated bool) *Body {
	if len(b) == 0 && !truncated {
		return nil
	}
	switch {
	case !utf8.Valid(b):
		return &Body{Base64: base64.StdEncoding.EncodeToString(b), Truncated: truncated}
	case !truncated && json.Valid(b):
		return &Body{JSON: append(json.RawMessage(nil), b...)}
	}
	s := string(b)
	return &Body{Text: &s, Truncated: truncated}
}

// Bytes returns the body to send again: JSON compacted, text and base64 as
// they were.
func (b *Body) Bytes() ([]byte, error) {
	switch {
	case b == nil:
		return nil, nil
	case b.JSON != nil:
		var buf bytes.Buffer
		if err := json.Compact(&buf, b.JSON); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case b.Text != nil:
		return []byte(*b.Text), nil
	case b.Base64 != "":
		return base64.StdEncoding.DecodeString(b.Base64)
	}
	return nil, nil
}

// isJSON reports whether the body is held as JSON.
func (b *Body) isJSON() bool { return b != nil && b.JSON != nil }

// kind names the form of a body for the diff: empty, JSON or other.
func (b *Body) kind() string {
	switch {
	case b == nil:
		return "empty"
	case b.JSON != nil:
		return "JSON"
	case b.Text != nil && *b.Text == "":
		return "empty"
	}
	return "non-JSON"
}

// encodeFile renders v as the file's bytes: indented JSON, HTML characters
// left alone (so bodies read as they were sent), one trailing newline.
func encodeFile(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Recording is a recording read back from its folder.
type Recording struct {
	Dir       string
	Manifest  Manifest
	Exchanges []Exchange
}

// Load reads the recording in dir and checks its format: a manifest of
// FormatVersion and exchange files numbered 1..N without gaps. Its errors
// say what is wrong and what to do, for one line of a CLI.
func Load(dir string) (*Recording, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, errors.New("no such folder; give the folder written by upsertbench contract --record DIR")
	case err != nil:
		return nil, err
	case !st.IsDir():
		return nil, errors.New("not a folder; give the folder written by upsertbench contract --record DIR")
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no %s in it, so it is not a recording; give the folder written by upsertbench contract --record DIR", ManifestFile)
	}
	if err != nil {
		return nil, err
	}
	rec := &Recording{Dir: dir}
	if err := strictDecode(raw, &rec.Manifest); err != nil {
		return nil, fmt.Errorf("%s: %v; record again with upsertbench contract --record", ManifestFile, err)
	}
	if v := rec.Manifest.FormatVersion; v != FormatVersion {
		return nil, fmt.Errorf("%s: format version %d, this upsertbench reads version %d; record again with this upsertbench", ManifestFile, v, FormatVersion)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var seqs []int
	for _, e := range entries {
		m := exchangeFile.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: not an exchange number; remove the file or record again", e.Name())
		}
		seqs = append(seqs, n)
	}
	sort.Ints(seqs)
	if len(seqs) == 0 {
		return nil, errors.New("the recording holds no exchanges; record a contract run with upsertbench contract --record DIR")
	}
	for i, n := range seqs {
		if n != i+1 {
			return nil, fmt.Errorf("exchange %s is missing (found %s); the recording is damaged, record again", ExchangeFileName(i+1), ExchangeFileName(n))
		}
		name := ExchangeFileName(n)
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		var ex Exchange
		if err := strictDecode(raw, &ex); err != nil {
			return nil, fmt.Errorf("%s: %v; the recording is damaged, record again", name, err)
		}
		if err := ex.check(n); err != nil {
			return nil, fmt.Errorf("%s: %v; the recording is damaged, record again", name, err)
		}
		rec.Exchanges = append(rec.Exchanges, ex)
	}
	return rec, nil
}

// check validates one exchange read from file n.
func (ex *Exchange) check(n int) error {
	switch {
	case ex.FormatVersion != FormatVersion:
		return fmt.Errorf("format version %d, want %d", ex.FormatVersion, FormatVersion)
	case ex.Seq != n:
		return fmt.Errorf("seq is %d, the file name says %d", ex.Seq, n)
	case ex.Request.Method == "" || len(ex.Request.Path) == 0 || ex.Request.Path[0] != '/':
		return errors.New("the request has no method or no path starting with /")
	case ex.Response == nil && ex.Error == "":
		return errors.New("neither a response nor an error")
	case ex.Response != nil && (ex.Response.Status < 100 || ex.Response.Status > 999):
		return fmt.Errorf("status %d is not an HTTP status", ex.Response.Status)
	}
	for _, b := range []*Body{ex.Request.Body, ex.responseBody()} {
		if _, err := b.Bytes(); err != nil {
			return fmt.Errorf("body: %v", err)
		}
	}
	return nil
}

func (ex *Exchange) responseBody() *Body {
	if ex.Response == nil {
		return nil
	}
	return ex.Response.Body
}

// strictDecode refuses unknown fields and trailing data: a file that does
// not have this format's shape is damaged or from another version.
func strictDecode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// writeFile writes one file of the recording atomically.
func writeFile(dir, name string, data []byte) error {
	return results.WriteFileAtomic(filepath.Join(dir, name), data)
}
