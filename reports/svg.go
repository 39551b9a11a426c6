package reports

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are hand-written SVG rather than gonum/plot's vgsvg: vgsvg draws
// every glyph and tick as absolutely placed elements with inline styles at
// a fixed point size, which makes pages heavy, hard to theme and
// non-deterministic to diff; ours are a few path elements per series with
// CSS classes, scale with the page (viewBox), keep text as real text for
// search and screen readers, and stay byte-stable for golden tests.

// Chart geometry in viewBox units; the SVG scales to the page width.
const (
	chartW      = 760
	chartH      = 250
	chartLeft   = 62
	chartRight  = 16
	chartTop    = 30
	chartBottom = 34
)

// lineSeries is one line (or stacked area) of a chart.
type lineSeries struct {
	Name  string
	Class string // CSS class, which sets the colour
	Y     []float64
	Dash  bool
}

// lineChart is a chart of series over a shared x axis.
type lineChart struct {
	ID     string
	Title  string
	X      []float64
	Series []lineSeries
	// Stacked draws series as areas stacked on each other.
	Stacked bool
	// YFormat labels y ticks; XFormat labels x ticks.
	YFormat func(float64) string
	XFormat func(float64) string
	// XLabel names the x axis.
	XLabel string
	// XCategorical places one tick per point (history runs).
	XCategorical bool
	// YMinZero forces the y axis to start at zero (rates, counts).
	YMinZero bool
}

// niceStep returns a round step (1, 2, 2.5 or 5 × 10^k) that splits span
// into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// ticks returns round tick values covering [lo, hi] and the axis range
// they span.
func ticks(lo, hi float64, n int) (vals []float64, axisLo, axisHi float64) {
	if hi <= lo {
		if hi == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)*0.1, hi+math.Abs(hi)*0.1
		}
	}
	step := niceStep(hi-lo, n)
	axisLo = math.Floor(lo/step) * step
	axisHi = math.Ceil(hi/step) * step
	for v := axisLo; v <= axisHi+step/2; v += step {
		vals = append(vals, math.Round(v/step)*step)
	}
	return vals, axisLo, axisHi
}

// num prints an SVG coordinate with one decimal: enough for a 760-unit
// wide chart, and it keeps the page small.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	if s == "-0" {
		return "0"
	}
	return s
}

// empty reports whether the chart has nothing to draw: no points, or
// gaps only (latency of intervals in which no request was answered).
func (c lineChart) empty() bool {
	for _, s := range c.Series {
		for _, v := range s.Y {
			if !math.IsNaN(v) {
				return false
			}
		}
	}
	return true
}

// render draws the chart as an inline SVG element.
func (c lineChart) render() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(c.ID), chartW, chartH, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(c.Title))
	if c.empty() {
		fmt.Fprintf(&b, `<rect class="frame" x="%d" y="%d" width="%d" height="%d"/><text class="empty" x="%d" y="%d" text-anchor="middle">no data</text></svg>`,
			chartLeft, chartTop, chartW-chartLeft-chartRight, chartH-chartTop-chartBottom, (chartW+chartLeft-chartRight)/2, chartH/2)
		return template.HTML(b.String())
	}
	// Stacked series are drawn as cumulative sums.
	ys := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		ys[i] = make([]float64, len(c.X))
		for j := range c.X {
			v := math.NaN()
			if j < len(s.Y) {
				v = s.Y[j]
			}
			if c.Stacked && math.IsNaN(v) {
				v = 0
			}
			if c.Stacked && i > 0 {
				v += ys[i-1][j]
			}
			ys[i][j] = v
		}
	}
	yLo, yHi := math.Inf(1), math.Inf(-1)
	for _, y := range ys {
		lo, hi := minMax(y)
		yLo, yHi = math.Min(yLo, lo), math.Max(yHi, hi)
	}
	if math.IsInf(yLo, 0) || math.IsInf(yHi, 0) {
		yLo, yHi = 0, 1 // every value missing
	}
	if c.YMinZero || c.Stacked || yLo > 0 && yLo < yHi/3 {
		yLo = math.Min(0, yLo)
	}
	yTicks, yA, yB := ticks(yLo, yHi, 5)
	xLo, xHi := minMax(c.X)
	if c.XCategorical {
		xLo, xHi = -0.5, float64(len(c.X))-0.5
	} else if xHi == xLo {
		xHi = xLo + 1
	}
	pw := float64(chartW - chartLeft - chartRight)
	ph := float64(chartH - chartTop - chartBottom)
	px := func(x float64) float64 { return chartLeft + (x-xLo)/(xHi-xLo)*pw }
	py := func(y float64) float64 { return chartTop + ph - (y-yA)/(yB-yA)*ph }

	// Grid and y ticks.
	b.WriteString(`<g class="grid">`)
	for _, t := range yTicks {
		y := py(t)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s"/>`, chartLeft, chartW-chartRight, num(y), num(y))
	}
	b.WriteString(`</g><g class="axis">`)
	for _, t := range yTicks {
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, chartLeft-6, num(py(t)), template.HTMLEscapeString(c.YFormat(t)))
	}
	// X ticks.
	if c.XCategorical {
		every := max(1, (len(c.X)+9)/10)
		for i := range c.X {
			if i%every != 0 && i != len(c.X)-1 {
				continue
			}
			fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`, num(px(float64(i))), chartH-chartBottom+16, template.HTMLEscapeString(c.XFormat(float64(i))))
		}
	} else {
		xt, _, _ := ticks(xLo, xHi, 8)
		for _, t := range xt {
			if t < xLo-1e-9 || t > xHi+1e-9 {
				continue
			}
			fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`, num(px(t)), chartH-chartBottom+16, template.HTMLEscapeString(c.XFormat(t)))
		}
	}
	if c.XLabel != "" {
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-chartRight, chartH-4, template.HTMLEscapeString(c.XLabel))
	}
	fmt.Fprintf(&b, `<line class="base" x1="%d" x2="%d" y1="%s" y2="%s"/></g>`, chartLeft, chartW-chartRight, num(chartTop+ph), num(chartTop+ph))

	xOf := func(j int) float64 {
		if c.XCategorical {
			return px(float64(j))
		}
		return px(c.X[j])
	}
	// Series; stacked areas are drawn top first so lower ones stay visible.
	order := make([]int, len(c.Series))
	for i := range order {
		order[i] = i
		if c.Stacked {
			order[i] = len(c.Series) - 1 - i
		}
	}
	for _, i := range order {
		s := c.Series[i]
		var d strings.Builder
		pen := false // a gap (NaN: no requests in the interval) lifts the pen
		for j := range c.X {
			if math.IsNaN(ys[i][j]) {
				pen = false
				continue
			}
			if !pen {
				d.WriteByte('M')
				pen = true
			} else {
				d.WriteByte('L')
			}
			d.WriteString(num(xOf(j)))
			d.WriteByte(' ')
			d.WriteString(num(py(ys[i][j])))
		}
		if c.Stacked {
			fmt.Fprintf(&d, "L%s %sL%s %sZ", num(xOf(len(c.X)-1)), num(py(yA)), num(xOf(0)), num(py(yA)))
			fmt.Fprintf(&b, `<path class="area %s" d="%s"><title>%s</title></path>`, s.Class, d.String(), template.HTMLEscapeString(s.Name))
			continue
		}
		dash := ""
		if s.Dash {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path class="line %s" d="%s"%s><title>%s</title></path>`, s.Class, d.String(), dash, template.HTMLEscapeString(s.Name))
		if c.XCategorical || len(c.X) == 1 {
			for j := range c.X {
				if math.IsNaN(ys[i][j]) {
					continue
				}
				fmt.Fprintf(&b, `<circle class="dot %s" cx="%s" cy="%s" r="3"><title>%s: %s</title></circle>`, s.Class, num(xOf(j)), num(py(ys[i][j])),
					template.HTMLEscapeString(c.XFormat(float64(j))), template.HTMLEscapeString(c.YFormat(s.Y[j])))
			}
		}
	}
	c.legend(&b)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// legend draws the series names above the plot, right-aligned.
func (c lineChart) legend(b *strings.Builder) {
	x := float64(chartW - chartRight)
	for i := len(c.Series) - 1; i >= 0; i-- {
		s := c.Series[i]
		w := float64(len([]rune(s.Name)))*6.6 + 22
		x -= w
		fmt.Fprintf(b, `<g class="legend"><rect class="swatch %s" x="%s" y="10" width="12" height="12" rx="2"/><text x="%s" y="20">%s</text></g>`,
			s.Class, num(x), num(x+16), template.HTMLEscapeString(s.Name))
	}
}

// barChart is a histogram: one bar per bin, labelled by its bounds.
type barChart struct {
	ID     string
	Title  string
	Labels []string
	Values []float64
	Class  string
	// YFormat labels y ticks.
	YFormat func(float64) string
	XLabel  string
	// Tips are per-bar tooltips.
	Tips []string
}

func (c barChart) render() template.HTML {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		template.HTMLEscapeString(c.ID), chartW, chartH, template.HTMLEscapeString(c.Title))
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(c.Title))
	if len(c.Values) == 0 {
		fmt.Fprintf(&b, `<rect class="frame" x="%d" y="%d" width="%d" height="%d"/><text class="empty" x="%d" y="%d" text-anchor="middle">no data</text></svg>`,
			chartLeft, chartTop, chartW-chartLeft-chartRight, chartH-chartTop-chartBottom, (chartW+chartLeft-chartRight)/2, chartH/2)
		return template.HTML(b.String())
	}
	_, hi := minMax(c.Values)
	yTicks, yA, yB := ticks(0, hi, 5)
	pw := float64(chartW - chartLeft - chartRight)
	ph := float64(chartH - chartTop - chartBottom)
	py := func(y float64) float64 { return chartTop + ph - (y-yA)/(yB-yA)*ph }
	bw := pw / float64(len(c.Values))
	b.WriteString(`<g class="grid">`)
	for _, t := range yTicks {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s"/>`, chartLeft, chartW-chartRight, num(py(t)), num(py(t)))
	}
	b.WriteString(`</g><g class="axis">`)
	for _, t := range yTicks {
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, chartLeft-6, num(py(t)), template.HTMLEscapeString(c.YFormat(t)))
	}
	every := max(1, (len(c.Values)+7)/8)
	for i, l := range c.Labels {
		if i%every != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`, num(chartLeft+bw*(float64(i)+0.5)), chartH-chartBottom+16, template.HTMLEscapeString(l))
	}
	if c.XLabel != "" {
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, chartW-chartRight, chartH-4, template.HTMLEscapeString(c.XLabel))
	}
	fmt.Fprintf(&b, `<line class="base" x1="%d" x2="%d" y1="%s" y2="%s"/></g><g class="bars %s">`, chartLeft, chartW-chartRight, num(chartTop+ph), num(chartTop+ph), c.Class)
	for i, v := range c.Values {
		h := py(0) - py(v)
		if v > 0 && h < 1 {
			h = 1 // a bin with any count stays visible
		}
		tip := ""
		if i < len(c.Tips) {
			tip = c.Tips[i]
		}
		fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
			num(chartLeft+bw*float64(i)+bw*0.08), num(py(0)-h), num(bw*0.84), num(h), template.HTMLEscapeString(tip))
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}
