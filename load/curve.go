package load

import (
	"math"
	"time"
)

// curve is the arrival-rate plan of one stage in closed form. hits is the
// integral of rate from the stage start, and at is its inverse: the stage
// offset at which the h-th hit is due. Pacers and late-send measurement both
// derive from the same curve, so "late" is measured against exactly the
// schedule the pacer keeps.
type curve interface {
	rate(t time.Duration) float64 // requests per second at offset t
	hits(t time.Duration) float64 // expected hits in [0, t]
	at(h float64) time.Duration   // smallest t with hits(t) >= h; the stage duration when h is beyond it
	duration() time.Duration
}

// seconds converts a duration to float seconds; durations in curves are
// short enough (≤ 24 h) that float64 keeps nanosecond precision.
func seconds(d time.Duration) float64 { return float64(d) / float64(time.Second) }

func fromSeconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(math.Round(s * float64(time.Second)))
}

// clampT bounds t to the stage.
func clampT(t, d time.Duration) time.Duration {
	switch {
	case t < 0:
		return 0
	case t > d:
		return d
	}
	return t
}

// constantCurve: r requests per second for d.
type constantCurve struct {
	r float64
	d time.Duration
}

func (c constantCurve) rate(time.Duration) float64 { return c.r }
func (c constantCurve) duration() time.Duration    { return c.d }
func (c constantCurve) hits(t time.Duration) float64 {
	return c.r * seconds(clampT(t, c.d))
}
func (c constantCurve) at(h float64) time.Duration {
	if c.r <= 0 {
		return c.d
	}
	return min(fromSeconds(h/c.r), c.d)
}

// linearCurve ramps from r0 to r1 over d:
//
//	rate(t) = r0 + (r1-r0)·t/d,  hits(t) = r0·t + (r1-r0)·t²/(2d)
type linearCurve struct {
	r0, r1 float64
	d      time.Duration
}

func (c linearCurve) duration() time.Duration { return c.d }

func (c linearCurve) slope() float64 { // requests/s²
	if c.d <= 0 {
		return 0
	}
	return (c.r1 - c.r0) / seconds(c.d)
}

func (c linearCurve) rate(t time.Duration) float64 {
	return c.r0 + c.slope()*seconds(clampT(t, c.d))
}

func (c linearCurve) hits(t time.Duration) float64 {
	x := seconds(clampT(t, c.d))
	return c.r0*x + c.slope()*x*x/2
}

// at solves slope/2·t² + r0·t − h = 0 in the form t = 2h / (r0 + √(r0² + 2·slope·h)),
// which stays exact when r0 = 0 (a ramp from nothing) and when slope ≈ 0.
func (c linearCurve) at(h float64) time.Duration {
	if h <= 0 {
		return 0
	}
	if h > c.hits(c.d) {
		return c.d
	}
	disc := c.r0*c.r0 + 2*c.slope()*h
	if disc < 0 {
		return c.d
	}
	den := c.r0 + math.Sqrt(disc)
	if den <= 0 {
		return c.d
	}
	return min(fromSeconds(2*h/den), c.d)
}

// sineCurve oscillates around mean with amplitude amp and period p:
//
//	rate(t) = mean + amp·sin(2πt/p),  hits(t) = mean·t + amp·p/(2π)·(1 − cos(2πt/p))
//
// which is Vegeta's SinePacer with StartAt = MeanUp.
type sineCurve struct {
	mean, amp float64
	p, d      time.Duration
}

func (c sineCurve) duration() time.Duration { return c.d }

func (c sineCurve) rate(t time.Duration) float64 {
	return c.mean + c.amp*math.Sin(2*math.Pi*seconds(clampT(t, c.d))/seconds(c.p))
}

func (c sineCurve) hits(t time.Duration) float64 {
	x := seconds(clampT(t, c.d))
	p := seconds(c.p)
	return c.mean*x + c.amp*p/(2*math.Pi)*(1-math.Cos(2*math.Pi*x/p))
}

func (c sineCurve) at(h float64) time.Duration { return bisect(c, h) }

// stepCurve climbs from r0 to r1 in n equal steps of d/n each; step j
// (0-based) runs at r0 + (r1−r0)·(j+1)/n, so the last step is at r1 and the
// first is already one step above the previous stage.
type stepCurve struct {
	r0, r1 float64
	n      int
	d      time.Duration
}

func (c stepCurve) duration() time.Duration { return c.d }

func (c stepCurve) width() float64 { return seconds(c.d) / float64(c.n) }

func (c stepCurve) stepRate(j int) float64 {
	return c.r0 + (c.r1-c.r0)*float64(j+1)/float64(c.n)
}

func (c stepCurve) rate(t time.Duration) float64 {
	j := int(seconds(clampT(t, c.d)) / c.width())
	return c.stepRate(min(j, c.n-1))
}

func (c stepCurve) hits(t time.Duration) float64 {
	x := seconds(clampT(t, c.d))
	w := c.width()
	var h float64
	for j := 0; j < c.n && x > 0; j++ {
		span := min(x, w)
		h += c.stepRate(j) * span
		x -= span
	}
	return h
}

func (c stepCurve) at(h float64) time.Duration {
	if h <= 0 {
		return 0
	}
	w := c.width()
	var t float64
	for j := 0; j < c.n; j++ {
		r := c.stepRate(j)
		if r > 0 && r*w >= h {
			return min(fromSeconds(t+h/r), c.d)
		}
		h -= r * w
		t += w
	}
	return c.d
}

// bisect inverts a non-decreasing hits function to 1 ns.
func bisect(c curve, h float64) time.Duration {
	if h <= 0 {
		return 0
	}
	lo, hi := time.Duration(0), c.duration()
	if c.hits(hi) < h {
		return hi
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if c.hits(mid) >= h {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
