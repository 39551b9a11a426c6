package results_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/internal/results"
)

// The load engine streams results while the attack runs; a report reads
// them back (one folder per shard), accumulates, and writes summary.json.
func Example() {
	dir, err := os.MkdirTemp("", "run-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	w, err := results.CreateWriter(dir)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 100 {
		r := &vegeta.Result{Seq: uint64(i), Code: 200, Timestamp: start.Add(time.Duration(i) * 10 * time.Millisecond), Latency: 20 * time.Millisecond}
		if i%25 == 0 {
			r.Code, r.Error = 503, "503 Service Unavailable"
		}
		if err := w.Add(r); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	acc := results.NewAccumulator()
	if err := results.Each([]string{dir}, func(r *vegeta.Result) error {
		acc.Add(r)
		return nil
	}); err != nil {
		log.Fatal(err)
	}
	s := results.NewSummary()
	acc.Fill(s)
	if err := results.WriteSummary(filepath.Join(dir, results.SummaryFile), s); err != nil {
		log.Fatal(err)
	}

	back, err := results.ReadSummary(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("requests %d, success %.0f%%, 5xx %d, p50 %s\n",
		back.Metrics.Requests, back.Metrics.Success*100, back.ErrorClasses[results.Class5xx], back.Metrics.Latencies.P50)
	fmt.Printf("series: %d point(s) of %s\n", len(acc.Series(10)), acc.Series(10)[0].Width)
	// Output:
	// requests 100, success 96%, 5xx 4, p50 20ms
	// series: 1 point(s) of 1s
}

// Streamed outputs (an HTML report, a JUnit file) appear complete or not at
// all.
func ExampleCreateAtomic() {
	dir, err := os.MkdirTemp("", "report-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.html")

	f, err := results.CreateAtomic(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Abort() // no-op after Commit; removes the temporary file on error
	fmt.Fprintln(f, "<!doctype html><title>run</title>")
	if err := f.Commit(); err != nil {
		log.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fmt.Print(string(data))
	// Output:
	// <!doctype html><title>run</title>
}
