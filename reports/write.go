package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/upsertbench/upsertbench/internal/results"
)

// Output formats and the files they are written to.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatMD    = "md"
	FormatHTML  = "html"
	FormatJUnit = "junit"
)

// Output file names inside the output folder.
const (
	TextFile     = "report.txt"
	MarkdownFile = "summary.md"
	HTMLFile     = "report.html"
	JUnitFile    = "junit.xml"
)

// AllFormats lists every format in the order WriteAll writes them.
var AllFormats = []string{FormatText, FormatJSON, FormatMD, FormatHTML, FormatJUnit}

// FileFor returns the file name a format is written to.
func FileFor(format string) (string, error) {
	switch format {
	case FormatText:
		return TextFile, nil
	case FormatJSON:
		return results.SummaryFile, nil
	case FormatMD:
		return MarkdownFile, nil
	case FormatHTML:
		return HTMLFile, nil
	case FormatJUnit:
		return JUnitFile, nil
	}
	return "", fmt.Errorf("unknown format %q (valid: %s)", format, strings.Join(AllFormats, ", "))
}

// ParseFormats splits a comma-separated --format value and checks it.
func ParseFormats(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(strings.ToLower(f))
		if f == "" || seen[f] {
			continue
		}
		if _, err := FileFor(f); err != nil {
			return nil, err
		}
		seen[f] = true
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no format given (valid: %s)", strings.Join(AllFormats, ", "))
	}
	return out, nil
}

// WriteJSON writes summary.json: the merged summary with threshold
// verdicts and baseline deltas, in the results package's encoding.
func (r *Report) WriteJSON(w io.Writer) error {
	data, err := results.MarshalSummary(r.Summary)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Write renders one format to w.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case FormatText:
		return r.WriteText(w)
	case FormatJSON:
		return r.WriteJSON(w)
	case FormatMD:
		return r.WriteMarkdown(w)
	case FormatHTML:
		return r.WriteHTML(w)
	case FormatJUnit:
		return r.WriteJUnit(w)
	}
	_, err := FileFor(format)
	return err
}

// WriteAll writes each format into outDir (created if needed), each file
// atomically: rendered in memory first, then a temporary file renamed over
// the destination, so a reader (CI, a browser refresh) never sees half a
// report and a failed render leaves the previous file intact. It returns
// the paths written, in format order.
func (r *Report) WriteAll(outDir string, formats []string) ([]string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	var paths []string
	for _, f := range formats {
		name, err := FileFor(f)
		if err != nil {
			return paths, err
		}
		var buf bytes.Buffer
		if err := r.Write(&buf, f); err != nil {
			return paths, fmt.Errorf("render %s: %w", name, err)
		}
		p := filepath.Join(outDir, name)
		if err := results.WriteFileAtomic(p, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
