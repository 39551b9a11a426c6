package emulator

import (
	"net/http"
	"testing"

	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
)

// BenchmarkSearch measures one search over a store of 100,000 realistic
// tasks: a scan with a filter and a sort (the cost grows with the store),
// and a lookup by unique value (it does not). Search adds nothing to
// upserts; this is what a search itself costs.
func BenchmarkSearch(b *testing.B) {
	const records = 100_000
	g, err := generators.New(generators.WithSeed(7), generators.WithBatchSize(100))
	if err != nil {
		b.Fatal(err)
	}
	emu := New(WithToken(testToken))
	w := &discardWriter{h: http.Header{}}
	var body []byte
	for n := uint64(0); n < records/100; n++ {
		body = g.AppendBatch(body[:0], n)
		emu.ServeHTTP(w, newBenchRequest(hubspot.VersionV3.UpsertPath(), body))
	}
	for _, bc := range []struct{ name, body string }{
		{"scan", `{"filterGroups":[{"filters":[{"propertyName":"hs_task_status","operator":"EQ","value":"COMPLETED"},` +
			`{"propertyName":"hs_timestamp","operator":"GTE","value":"2020-01-01"}]}],"sorts":["-hs_timestamp"],"limit":100,` +
			`"properties":["hs_task_subject","hs_task_status"]}`},
		{"lookup", `{"filterGroups":[{"filters":[{"propertyName":"external_task_id","operator":"IN","values":["` +
			string(firstKey(b, g)) + `","missing"]}]}]}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			req := []byte(bc.body)
			cpu0 := cpuclock.Now()
			for b.Loop() {
				clear(w.h)
				emu.ServeHTTP(w, newBenchRequest(hubspot.VersionV3.SearchPath(), req))
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
			// CPU time rather than wall time: on the shared machine a scan
			// waits for a core more than it runs.
			b.ReportMetric(float64(cpuclock.Now()-cpu0)/float64(b.N)/1e3, "cpu-us/op")
		})
	}
}

// firstKey is the unique value of the first input of batch 0.
func firstKey(b *testing.B, g *generators.Generator) []byte {
	body := g.AppendBatch(nil, 0)
	const marker = `"id":"`
	i := indexOf(body, marker)
	if i < 0 {
		b.Fatal("no id in the batch")
	}
	rest := body[i+len(marker):]
	return rest[:indexOf(rest, `"`)]
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}
