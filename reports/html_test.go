package reports

import (
	"bytes"
	"context"
	"fmt"
	"github.com/upsertbench/upsertbench/internal/golden"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/results"
)

// maxHTMLBytes is the budget of report.html for a one-hour run.
const maxHTMLBytes = 5 << 20

func TestHTMLSelfContained(t *testing.T) {
	root := t.TempDir()
	r, err := Build(writeSynth(t, filepath.Join(root, "run"), synthSpec{violations: 2}), WithNow(synthNow))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, r.WriteHTML(&buf))
	page := buf.String()
	for _, bad := range []string{"http://", "https://", "<link", "src=", "@import", "url("} {
		for _, line := range strings.Split(page, "\n") {
			// The run's target and the SVG namespace are text, not fetches.
			if strings.Contains(line, bad) && !strings.Contains(line, "127.0.0.1") && !strings.Contains(line, "www.w3.org/2000/svg") {
				t.Errorf("report.html may fetch something (%q): %.200s", bad, line)
			}
		}
	}
	for _, id := range []string{"chart-latency", "chart-throughput", "chart-status", "chart-distribution", "run-checks", "thresholds", "findings", "checks", "meta"} {
		assert.Contains(t, page, `id="`+id+`"`)
	}
}

// TestHTMLRateShortfall: a run that sent 42.7 % of its plan shows the
// failed rate-achieved run check and a red achieved-rate tile; declared a
// saturation run, the check is a skip and the tile is not red.
func TestHTMLRateShortfall(t *testing.T) {
	for _, tc := range []struct {
		name       string
		saturation bool
		status     string
		says       string
	}{{"promise", false, "fail", "rate not achieved: sent 85 of the 200 requests planned"}, {"ceiling", true, "skip", "not judged: the scenario declares its rates a ceiling"}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Build(writeSynth(t, filepath.Join(t.TempDir(), "run"), synthSpec{sent: 0.427, saturation: tc.saturation}), WithNow(synthNow))
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, r.WriteHTML(&buf))
			page := buf.String()
			assert.Regexp(t, `<tr><td><span class="st `+tc.status+`">[A-Z]+</span></td><td><code>rate-achieved</code></td><td>`+tc.says, page)
			assert.Equal(t, !tc.saturation, strings.Contains(page, `<div class="tile bad"><div class="l">Achieved rate</div>`), "the achieved-rate tile is red only when the check failed")
		})
	}
}

// TestHTMLSizeOneHour builds the report of a synthetic one-hour run and
// checks the page stays under 5 MB: series are downsampled to
// DefaultMaxPoints whatever the duration.
func TestHTMLSizeOneHour(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a one-hour results file (36,000 results)")
	}
	root := t.TempDir()
	hist := filepath.Join(root, "history.jsonl")
	writeHistory(t, hist, 40)
	r, err := Build(writeSynth(t, filepath.Join(root, "run"), synthSpec{duration: time.Hour, rate: 10, violations: 200}), WithHistory(hist))
	require.NoError(t, err)
	require.LessOrEqual(t, len(r.Series), DefaultMaxPoints)
	require.Len(t, r.History, DefaultHistoryRuns)
	var buf bytes.Buffer
	require.NoError(t, r.WriteHTML(&buf))
	t.Logf("report.html for a one-hour run at 10/s (36,000 results, %d points, %d history runs, %d findings shown of %d): %d bytes",
		len(r.Series), len(r.History), len(r.Findings), r.FindingsTotal, buf.Len())
	assert.Less(t, buf.Len(), maxHTMLBytes)
}

// chromiumPath is where .ci/run installs Chromium.
const chromiumPath = "/usr/bin/chromium"

// TestHTMLInChromium renders report.html in headless Chromium: no console
// errors or exceptions, every chart drew (an SVG with content and a
// non-empty bounding box), the hover readout works, and a screenshot goes
// to testdata/report.png for review. Without Chromium it skips locally and
// fails in CI (CI=true), where .ci/run installs it.
func TestHTMLInChromium(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must run this test (.ci/run installs chromium with apt-get)", chromiumPath)
		}
		t.Skipf("%s not found: install it (apt-get install -y chromium) to render report.html", chromiumPath)
	}
	root := t.TempDir()
	base, err := Build(writeSynth(t, filepath.Join(root, "base"), synthSpec{seed: 2}))
	require.NoError(t, err)
	hist := filepath.Join(root, "history.jsonl")
	writeHistory(t, hist, 12)
	r, err := Build(writeSynth(t, filepath.Join(root, "run"), synthSpec{duration: 2 * time.Minute, rate: 15, shards: 2, latency: 1.15, violations: 3,
		inv: &invSpec{crossDup: true, violations: map[string]int{results.InvariantUpdatedAt: 2}, notChecked: map[string]string{results.InvariantTraceID: "the scenario sends no trace ids"}}}),
		WithBaselineSummary(base.Summary, "out/last-good/summary.json"), WithHistory(hist), WithNow(synthNow))
	require.NoError(t, err)
	page := filepath.Join(root, HTMLFile)
	var buf bytes.Buffer
	require.NoError(t, r.WriteHTML(&buf))
	require.NoError(t, os.WriteFile(page, buf.Bytes(), 0o644))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()

	// Listeners run on chromedp's reader goroutine.
	var mu sync.Mutex
	var problems []string
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			switch e.Type {
			case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				report("console.%s: %s", e.Type, strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			report("exception at line %d: %s", e.ExceptionDetails.LineNumber+1, msg)
		case *cdplog.EventEntryAdded:
			// Browser messages: CSP violations, failed loads, deprecations.
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				report("browser %s (%s): %s", e.Entry.Level, e.Entry.Source, e.Entry.Text)
			}
		}
	}))
	defer cancel()
	// The first Do starts the browser; it must not run under a timeout.
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})))
	tctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	type chartBox struct {
		ID    string  `json:"id"`
		W     float64 `json:"w"`
		H     float64 `json:"h"`
		Marks int     `json:"marks"`
	}
	require.NoError(t, chromedp.Do(tctx, chromedp.Navigate("file://"+page), chromedp.WaitReady(chromedp.CSS("#charts"))))
	charts, err := chromedp.Run(tctx, chromedp.Evaluate[[]chartBox](`Array.from(document.querySelectorAll("svg.chart")).map(s => {
		const b = s.getBBox();
		return {id: s.id, w: b.width, h: b.height,
			marks: s.querySelectorAll("path.line, path.area, .bars rect, circle.dot").length};
	})`))
	require.NoError(t, err)
	// The invariants' offenders are laid out: one table per violated
	// invariant, each row with its key and both answers.
	offenders, err := chromedp.Run(tctx, chromedp.Evaluate[[]float64](`Array.from(document.querySelectorAll("#invariant-offenders table.offenders")).map(t => t.rows.length * (t.getBoundingClientRect().height > 0 ? 1 : 0))`))
	require.NoError(t, err)
	// Hover over the middle of the latency chart: the readout appears.
	at, err := chromedp.Run(tctx, chromedp.Evaluate[[]float64](`(() => {
		const el = document.getElementById("chart-latency");
		el.scrollIntoView();
		const r = el.getBoundingClientRect();
		return [r.x + r.width / 2, r.y + r.height / 2];
	})()`))
	require.NoError(t, err)
	require.Len(t, at, 2)
	require.NoError(t, chromedp.Do(tctx, chromedp.MouseEvent(chromedp.MouseMoved, at[0], at[1])))
	tipShown, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`(() => {
		const tip = document.getElementById("tip");
		return tip.style.display === "block" && tip.textContent.includes("p95");
	})()`))
	require.NoError(t, err)
	// The screenshot shows the page as it opens, without the readout.
	require.NoError(t, chromedp.Do(tctx, chromedp.MouseEvent(chromedp.MouseMoved, 2, 2),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)))
	shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, problems, "console errors or exceptions in report.html")
	want := []string{"chart-latency", "chart-throughput", "chart-status", "chart-distribution", "chart-history-latency", "chart-history-throughput"}
	require.Len(t, charts, len(want))
	for i, c := range charts {
		assert.Equal(t, want[i], c.ID)
		assert.Positive(t, c.W, "chart %s has an empty bounding box", c.ID)
		assert.Positive(t, c.H, "chart %s has an empty bounding box", c.ID)
		assert.Positive(t, c.Marks, "chart %s drew no line, area or bar", c.ID)
	}
	assert.True(t, tipShown, "hovering the latency chart shows no readout")
	// one-id-per-unique-value (1 across shards) and updated-at-never-backwards
	// (2 per shard): a header row and the offenders, drawn.
	assert.Equal(t, []float64{2, 5}, offenders, "rows of the visible offender tables")
	require.NotEmpty(t, shot)
	// The committed screenshot is for review; rewriting it on every run would
	// leave every checkout dirty, so it is refreshed with -update only.
	dest := filepath.Join(t.TempDir(), "report.png")
	if golden.Update() {
		dest = filepath.Join("testdata", "report.png")
	}
	require.NoError(t, os.WriteFile(dest, shot, 0o644))
	t.Logf("screenshot: %s", dest)
}

// BenchmarkReportOneHour measures building and rendering the report of a
// one-hour run (36,000 results), and the size of the page.
func BenchmarkReportOneHour(b *testing.B) {
	root := b.TempDir()
	dirs := writeSynth(b, filepath.Join(root, "run"), synthSpec{duration: time.Hour, rate: 10})
	b.ReportAllocs()
	var size int
	for b.Loop() {
		r, err := Build(dirs)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := r.WriteHTML(&buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "html-bytes")
}
