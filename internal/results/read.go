package results

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// FileStats says what was read from one results file.
type FileStats struct {
	Path    string `json:"path"`
	Results uint64 `json:"results"`
	// Truncated is true when the file ended inside a record: the writer
	// was killed before it could flush and close. Every complete record
	// before the cut was delivered.
	Truncated bool `json:"truncated"`
}

// ScanStats says what Scan read.
type ScanStats struct {
	Files   []FileStats `json:"files"`
	Results uint64      `json:"results"`
}

// Truncated lists the files that ended inside a record.
func (s ScanStats) Truncated() []string {
	var out []string
	for _, f := range s.Files {
		if f.Truncated {
			out = append(out, f.Path)
		}
	}
	return out
}

// ResultsPath resolves one --in argument: a directory means its
// results.bin, anything else is taken as the results file itself.
func ResultsPath(dirOrFile string) (string, error) {
	fi, err := os.Stat(dirOrFile)
	if err != nil {
		return "", fmt.Errorf("read results: %w", err)
	}
	if fi.IsDir() {
		return filepath.Join(dirOrFile, ResultsFile), nil
	}
	return dirOrFile, nil
}

// Each streams every result of the results files of dirs to fn: the
// directories in the order given (a path to a file is read as a results
// file), and within a file in the order it was written, which is the order
// responses completed (roughly send order, not sorted by Timestamp). Shards
// of one run therefore merge by simply reading them one after the other;
// Accumulator does not depend on the order.
//
// The *vegeta.Result passed to fn is reused for the next result: copy what
// you keep. An error from fn stops the scan and is returned unchanged. A
// record cut off at the end of a file (an interrupted writer) ends that file
// without error; use Scan to learn about it.
func Each(dirs []string, fn func(*vegeta.Result) error) error {
	_, err := Scan(dirs, fn)
	return err
}

// Scan is Each that also reports how many results each file held and
// whether it was truncated. On error the stats cover what was read so far.
func Scan(dirs []string, fn func(*vegeta.Result) error) (ScanStats, error) {
	var stats ScanStats
	for _, d := range dirs {
		path, err := ResultsPath(d)
		if err != nil {
			return stats, err
		}
		fs, err := scanFile(path, fn)
		stats.Files = append(stats.Files, fs)
		stats.Results += fs.Results
		if err != nil {
			return stats, err
		}
	}
	return stats, nil
}

// ScanFile reads one results file.
func ScanFile(path string, fn func(*vegeta.Result) error) (FileStats, error) {
	return scanFile(path, fn)
}

// ScanReader reads results from r (Vegeta's gob encoding, or its JSON
// encoding when the stream starts with `{"`). name is used in errors.
func ScanReader(name string, r io.Reader, fn func(*vegeta.Result) error) (FileStats, error) {
	fs := FileStats{Path: name}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(2)
	var dec vegeta.Decoder
	if len(head) == 2 && head[0] == '{' && head[1] == '"' {
		dec = vegeta.NewJSONDecoder(br)
	} else {
		dec = vegeta.NewDecoder(br)
	}
	var res vegeta.Result
	for {
		// gob leaves fields that are zero in the stream untouched, so the
		// reused result must start from zero every time.
		res = vegeta.Result{}
		err := decodeSafely(dec, &res)
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			return fs, nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			fs.Truncated = true
			return fs, nil
		default:
			return fs, fmt.Errorf("read %s: result %d: %w (is it a Vegeta results file?)", name, fs.Results+1, err)
		}
		if err := checkTimes(&res); err != nil {
			return fs, fmt.Errorf("read %s: result %d: %w (is it a Vegeta results file?)", name, fs.Results+1, err)
		}
		fs.Results++
		if err := fn(&res); err != nil {
			return fs, err
		}
	}
}

func scanFile(path string, fn func(*vegeta.Result) error) (FileStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileStats{Path: path}, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	return ScanReader(path, f, fn)
}

// checkTimes refuses a record whose send or end time no summary could
// hold: summary.json (like `vegeta report -type=json`) writes them in
// RFC 3339, which has four-digit years and zone offsets under a day. Only
// a corrupt file has such a record, and accepting it would leave a run
// without a summary.
func checkTimes(r *vegeta.Result) error {
	for _, t := range [...]struct {
		what string
		at   time.Time
	}{{"timestamp", r.Timestamp}, {"end (timestamp + latency)", r.End()}} {
		_, off := t.at.Zone()
		if y := t.at.Year(); y < 0 || y > 9999 || off <= -24*3600 || off >= 24*3600 {
			return fmt.Errorf("corrupt record: %s %s is out of range", t.what, t.at.Format(time.RFC3339))
		}
	}
	return nil
}

// decodeSafely turns a panic inside a decoder (gob and easyjson are not
// hardened against every hostile input) into an error, so a corrupt file
// never crashes a report.
func decodeSafely(dec vegeta.Decoder, r *vegeta.Result) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt record: %v", p)
		}
	}()
	return dec.Decode(r)
}
