package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"time"

	"github.com/upsertbench/upsertbench/internal/results"
)

// maxBars bounds the bars of the latency distribution: the results
// histogram has 16 bins per power of two, far more than a chart can show
// once latencies span a few orders of magnitude.
const maxBars = 72

// chartView is one chart on the page: the inline SVG and, for time
// series, the data the hover readout shows.
type chartView struct {
	ID    string
	Title string
	Note  string
	SVG   template.HTML
	// Data is JSON for the hover readout (x positions in viewBox units,
	// labels and series values), "" for charts without one.
	Data template.JS
}

// hoverData is what the page's script reads to show values under the cursor.
type hoverData struct {
	PX     []float64     `json:"px"`
	Labels []string      `json:"labels"`
	Series []hoverSeries `json:"series"`
}

type hoverSeries struct {
	Name  string   `json:"name"`
	Class string   `json:"class"`
	Text  []string `json:"text"`
}

func hoverJSON(c lineChart) template.JS {
	if len(c.X) == 0 || c.empty() {
		return ""
	}
	xLo, xHi := minMax(c.X)
	if c.XCategorical {
		xLo, xHi = -0.5, float64(len(c.X))-0.5
	} else if xHi == xLo {
		xHi = xLo + 1
	}
	pw := float64(chartW - chartLeft - chartRight)
	h := hoverData{PX: make([]float64, len(c.X)), Labels: make([]string, len(c.X))}
	for j, x := range c.X {
		if c.XCategorical {
			x = float64(j)
		}
		h.PX[j] = math.Round((chartLeft+(x-xLo)/(xHi-xLo)*pw)*10) / 10
		h.Labels[j] = c.XFormat(c.X[j])
		if c.XCategorical {
			h.Labels[j] = c.XFormat(float64(j))
		}
	}
	for _, s := range c.Series {
		hs := hoverSeries{Name: s.Name, Class: s.Class, Text: make([]string, len(c.X))}
		for j := range c.X {
			if j < len(s.Y) {
				hs.Text[j] = c.YFormat(s.Y[j])
			}
		}
		h.Series = append(h.Series, hs)
	}
	b, err := json.Marshal(h)
	if err != nil {
		return ""
	}
	// html/template would escape the JSON inside <script type=json>; the
	// marshalled bytes are already safe there (json.Marshal escapes <, >, &).
	return template.JS(b)
}

// fmtOffset labels a time axis in seconds from the start of the run.
func fmtOffset(secs float64) string {
	d := time.Duration(secs * float64(time.Second)).Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	}
}

func fmtAxisMillis(v float64) string  { return fmtMillis(v) }
func fmtAxisRate(v float64) string    { return sig3(v) + "/s" }
func fmtAxisPercent(v float64) string { return sig3(v) + "%" }

// timeCharts builds the charts over the run's time series.
func (r *Report) timeCharts() []chartView {
	pts := r.Series
	x := make([]float64, len(pts))
	p50, p95, p99 := make([]float64, len(pts)), make([]float64, len(pts)), make([]float64, len(pts))
	sent, ok := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		// Points sit in the middle of their interval.
		x[i] = (p.Offset + p.Width/2).Seconds()
		if p.Answered == 0 { // no answer, no answer time: a gap, not a zero
			p50[i], p95[i], p99[i] = math.NaN(), math.NaN(), math.NaN()
		} else {
			p50[i], p95[i], p99[i] = millis(p.P50), millis(p.P95), millis(p.P99)
		}
		sent[i], ok[i] = p.Rate, p.Throughput
	}
	lat := lineChart{ID: "chart-latency", Title: "Latency over time", X: x, XFormat: fmtOffset, YFormat: fmtAxisMillis,
		XLabel: "time since start", Series: []lineSeries{
			{Name: "p50", Class: "s-p50", Y: p50},
			{Name: "p95", Class: "s-p95", Y: p95},
			{Name: "p99", Class: "s-p99", Y: p99},
		}}
	thr := lineChart{ID: "chart-throughput", Title: "Throughput over time", X: x, XFormat: fmtOffset, YFormat: fmtAxisRate,
		XLabel: "time since start", YMinZero: true, Series: []lineSeries{
			{Name: "sent", Class: "s-sent", Y: sent},
			{Name: "successful", Class: "s-ok", Y: ok},
		}}
	if req := r.requestedSeries(pts); req != nil {
		thr.Series = append([]lineSeries{{Name: "requested", Class: "s-req", Y: req, Dash: true}}, thr.Series...)
	}
	codes := r.codeCharts(pts, x)
	width := ""
	if len(pts) > 0 {
		width = fmt.Sprintf("one point per %s", pts[0].Width.Round(time.Millisecond))
	}
	return []chartView{
		{ID: lat.ID, Title: lat.Title, Note: width + "; answered requests; quantiles per interval within ~12%", SVG: lat.render(), Data: hoverJSON(lat)},
		{ID: thr.ID, Title: thr.Title, Note: "requests per second", SVG: thr.render(), Data: hoverJSON(thr)},
		{ID: codes.ID, Title: codes.Title, Note: "answers per second by status, stacked", SVG: codes.render(), Data: hoverJSON(codes)},
		r.distributionChart(),
	}
}

// requestedSeries is the rate the scenario asked for at each point, for
// the shards present (each shard asks for its share).
func (r *Report) requestedSeries(pts []results.Point) []float64 {
	if r.rateAt == nil || len(pts) == 0 {
		return nil
	}
	share := 1.0
	if sh := r.Summary.Run.Shards; len(sh) > 0 && sh[0].Count > 0 {
		share = float64(len(sh)) / float64(sh[0].Count)
	}
	out := make([]float64, len(pts))
	for i, p := range pts {
		out[i] = r.rateAt(p.Offset+p.Width/2) * share
	}
	return out
}

// statusGroups are the stacked bands of the status chart, bottom first.
var statusGroups = []struct {
	name, class string
	match       func(code string) bool
}{
	{"2xx", "s-2xx", func(c string) bool { return len(c) == 3 && c[0] == '2' }},
	{"429", "s-429", func(c string) bool { return c == "429" }},
	{"other 4xx", "s-4xx", func(c string) bool { return len(c) == 3 && c[0] == '4' && c != "429" }},
	{"5xx", "s-5xx", func(c string) bool { return len(c) == 3 && c[0] == '5' }},
	{"no answer", "s-none", func(c string) bool { return c == "0" }},
	{"other", "s-other", func(string) bool { return true }},
}

func (r *Report) codeCharts(pts []results.Point, x []float64) lineChart {
	ys := make([][]float64, len(statusGroups))
	for g := range ys {
		ys[g] = make([]float64, len(pts))
	}
	present := make([]bool, len(statusGroups))
	for i, p := range pts {
		secs := p.Width.Seconds()
		if secs <= 0 {
			secs = 1
		}
		for code, n := range p.StatusCodes {
			for g, sg := range statusGroups {
				if sg.match(code) {
					ys[g][i] += float64(n) / secs
					present[g] = present[g] || n > 0
					break
				}
			}
		}
	}
	c := lineChart{ID: "chart-status", Title: "Status codes over time", X: x, XFormat: fmtOffset, YFormat: fmtAxisRate,
		XLabel: "time since start", Stacked: true}
	for g, sg := range statusGroups {
		// 2xx always shows, so a run with no successes says so visibly.
		if present[g] || g == 0 {
			c.Series = append(c.Series, lineSeries{Name: sg.name, Class: sg.class, Y: ys[g]})
		}
	}
	return c
}

// distributionChart is the latency histogram, bins merged to at most
// maxBars so wide ranges stay readable.
func (r *Report) distributionChart() chartView {
	bins := r.Distribution
	f := (len(bins) + maxBars - 1) / maxBars
	var labels, tips []string
	var vals []float64
	for i := 0; i < len(bins); i += max(f, 1) {
		b := bins[i]
		for j := i + 1; j < min(i+f, len(bins)); j++ {
			b.Count += bins[j].Count
			b.Share += bins[j].Share
			b.High = bins[j].High
			b.Cumulative = bins[j].Cumulative
		}
		labels = append(labels, fmtDuration(b.Low))
		vals = append(vals, b.Share*100)
		tips = append(tips, fmt.Sprintf("%s–%s: %s answered requests (%.2f%%, cumulative %.2f%%)", fmtDuration(b.Low), fmtDuration(b.High), fmtCount(b.Count), b.Share*100, b.Cumulative*100))
	}
	c := barChart{ID: "chart-distribution", Title: "Latency distribution", Labels: labels, Values: vals, Tips: tips,
		Class: "s-bar", YFormat: fmtAxisPercent, XLabel: "latency (log scale)"}
	return chartView{ID: c.ID, Title: c.Title, Note: "share of answered requests per latency bin", SVG: c.render()}
}

// historyCharts are the trend of the last runs, when a history was given.
func (r *Report) historyCharts() []chartView {
	h := r.History
	if len(h) == 0 {
		return nil
	}
	x := make([]float64, len(h))
	for i := range h {
		x[i] = float64(i)
	}
	label := func(i float64) string {
		j := int(i)
		if j < 0 || j >= len(h) {
			return ""
		}
		return h[j].StartedAt.UTC().Format("01-02 15:04")
	}
	col := func(f func(HistoryEntry) float64) []float64 {
		out := make([]float64, len(h))
		for i, e := range h {
			out[i] = f(e)
		}
		return out
	}
	lat := lineChart{ID: "chart-history-latency", Title: fmt.Sprintf("Latency trend (last %d runs)", len(h)), X: x, XCategorical: true,
		XFormat: label, YFormat: fmtAxisMillis, XLabel: "run start (UTC)", Series: []lineSeries{
			{Name: "p50", Class: "s-p50", Y: col(func(e HistoryEntry) float64 { return orNaN(e.P50) })},
			{Name: "p95", Class: "s-p95", Y: col(func(e HistoryEntry) float64 { return orNaN(e.P95) })},
			{Name: "p99", Class: "s-p99", Y: col(func(e HistoryEntry) float64 { return orNaN(e.P99) })},
		}}
	thr := lineChart{ID: "chart-history-throughput", Title: fmt.Sprintf("Throughput trend (last %d runs)", len(h)), X: x, XCategorical: true,
		XFormat: label, YFormat: fmtAxisRate, XLabel: "run start (UTC)", YMinZero: true, Series: []lineSeries{
			{Name: "throughput", Class: "s-ok", Y: col(func(e HistoryEntry) float64 { return e.Throughput })},
		}}
	return []chartView{
		{ID: lat.ID, Title: lat.Title, Note: "one point per run", SVG: lat.render(), Data: hoverJSON(lat)},
		{ID: thr.ID, Title: thr.Title, Note: "successful requests per second, one point per run", SVG: thr.render(), Data: hoverJSON(thr)},
	}
}
