package results

import (
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// benchResults is a ring of realistic results (codes, errors, late sends,
// sampled marks) whose timestamps the benchmarks advance.
func benchResults() []vegeta.Result {
	rs := synth(1024, 1000, 0)
	for i := range rs {
		rs[i].Body = nil
		if rs[i].Code == 0 {
			// one stable transport error text, as a real run mostly has
			rs[i].Error = `Post "http://127.0.0.1:1/x": EOF`
		}
	}
	return rs
}

// BenchmarkAccumulatorAdd is the cost of one result in steady state (a run
// at 1,000 requests/s). Allocations left are Vegeta's own: its t-digest
// and strconv.Itoa of status codes ≥ 100 in Metrics.Add.
func BenchmarkAccumulatorAdd(b *testing.B) {
	rs := benchResults()
	a := NewAccumulator()
	for i := range rs { // warm up: maps and series sized
		a.Add(&rs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &rs[i%len(rs)]
		r.Timestamp = runStart.Add(time.Duration(len(rs)+i) * time.Millisecond)
		a.Add(r)
	}
}

// BenchmarkAccumulatorSeriesOnly isolates our own per-result work (series,
// histograms, classification, headers) from Vegeta's Metrics.
func BenchmarkAccumulatorSeriesOnly(b *testing.B) {
	rs := benchResults()
	a := NewAccumulator()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &rs[i%len(rs)]
		r.Timestamp = runStart.Add(time.Duration(i) * time.Millisecond)
		a.latency.add(r.Latency)
		_ = ClassifyError(r)
		_ = r.Headers.Get(HeaderLateNanos)
		a.series.add(r, false)
	}
}

// BenchmarkAccumulatorHour accumulates one hour of results at 1,000/s
// (3.6 million) per iteration and reports the live heap it takes
// afterwards. Run with -benchtime=1x.
func BenchmarkAccumulatorHour(b *testing.B) {
	rs := benchResults()
	const perSecond, seconds = 1000, 3600
	for n := 0; n < b.N; n++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		a := NewAccumulator()
		for i := 0; i < perSecond*seconds; i++ {
			r := &rs[i%len(rs)]
			r.Timestamp = runStart.Add(time.Duration(i) * time.Second / perSecond)
			a.Add(r)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-bytes")
		b.ReportMetric(float64(len(a.series.buckets)*SeriesBucketBytes), "series-bytes")
		b.ReportMetric(float64(a.Requests()), "results")
		runtime.KeepAlive(a)
	}
}

// BenchmarkWriterAdd is the cost of streaming one result to results.bin
// (synthetic headers kept, body and real headers dropped).
func BenchmarkWriterAdd(b *testing.B) {
	rs := benchResults()
	for i := range rs {
		rs[i].Headers = http.Header{
			"Content-Type":            {"application/json"},
			"X-Hubspot-Ratelimit-Max": {"190"},
			HeaderLateNanos:           {"0"},
		}
		rs[i].Body = make([]byte, 30000)
	}
	w, err := CreateWriter(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := w.Add(&rs[i%len(rs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if fi, err := os.Stat(w.Path()); err == nil && b.N > 0 {
		b.ReportMetric(float64(fi.Size())/float64(b.N), "file-bytes/result")
	}
}

// BenchmarkScan is the cost of reading one result back.
func BenchmarkScan(b *testing.B) {
	dir := b.TempDir()
	rs := benchResults()
	w, err := CreateWriter(dir)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if err := w.Add(&rs[i%len(rs)]); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if err := Each([]string{dir}, func(*vegeta.Result) error { return nil }); err != nil {
		b.Fatal(err)
	}
}
