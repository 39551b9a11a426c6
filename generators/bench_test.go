package generators

import (
	"encoding/json"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
)

// BenchmarkAppendBatch is the hot path of the load engine: one 100-input
// batch generated and JSON-encoded into a reused buffer. Goal: ≤ 50 µs and
// ≤ 5 allocations per batch on one core.
func BenchmarkAppendBatch(b *testing.B) {
	cases := []struct {
		name string
		opts []Option
	}{
		{"creates", nil},
		{"updates30-traceids", []Option{WithUpdateShare(0.3), WithTraceIDs(true)}},
		{"invalid1pct", []Option{WithUpdateShare(0.3), WithTraceIDs(true), WithInvalidShare(0.01), WithInvalidKinds(InvalidEnum, InvalidTimestamp, InvalidUnknownProperty)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			g, err := New(c.opts...)
			if err != nil {
				b.Fatal(err)
			}
			var buf []byte
			var n uint64
			b.ReportAllocs()
			cpu := cpuclock.Start()
			for b.Loop() {
				buf = g.AppendBatch(buf[:0], n)
				n++
			}
			cpu.Report(b, 1, "cpu-ns/op")
			b.SetBytes(int64(len(buf)))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
		})
	}
}

// BenchmarkAppendBatchParallel shows that one Generator serves every core:
// no locks, no shared mutable state.
func BenchmarkAppendBatchParallel(b *testing.B) {
	g, err := New(WithUpdateShare(0.3), WithTraceIDs(true))
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf []byte
		for pb.Next() {
			buf = g.AppendBatch(buf[:0], next.Add(1))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
}

// BenchmarkBatch is the struct path (tests, contract suite).
func BenchmarkBatch(b *testing.B) {
	g, err := New(WithUpdateShare(0.3), WithTraceIDs(true))
	if err != nil {
		b.Fatal(err)
	}
	var n uint64
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Batch(n)
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
}

// BenchmarkNaive is what the generator replaces: gofakeit called for every
// field and encoding/json for the body. The Faker is per goroutine, as it
// must be (gofakeit's Faker is not safe for concurrent use).
func BenchmarkNaive(b *testing.B) {
	f := gofakeit.New(1)
	ref := DefaultReferenceTime
	b.ReportAllocs()
	var n int
	var size int
	cpu := cpuclock.Start()
	for b.Loop() {
		req := hubspot.BatchUpsertRequest{Inputs: make([]hubspot.UpsertInput, hubspot.MaxBatchInputs)}
		for i := range req.Inputs {
			key := "ub-" + strconv.Itoa(n*hubspot.MaxBatchInputs+i)
			due := f.DateRange(ref.AddDate(0, 0, -90), ref.AddDate(0, 0, 120))
			req.Inputs[i] = hubspot.UpsertInput{
				ID: key, IDProperty: hubspot.DefaultIDProperty,
				Properties: map[string]string{
					hubspot.DefaultIDProperty:      key,
					hubspot.PropTimestamp:          due.UTC().Format(hubspot.TimeLayout),
					hubspot.PropTaskSubject:        "Call " + f.FirstName() + " at " + f.Company() + " re: " + f.ProductName(),
					hubspot.PropTaskBody:           "Spoke with " + f.Name() + " (" + f.JobTitle() + "). " + f.Sentence(),
					hubspot.PropOwnerID:            strconv.Itoa(f.Number(10_000_000, 999_999_999)),
					hubspot.PropTaskStatus:         string(hubspot.TaskStatuses[f.IntN(len(hubspot.TaskStatuses))]),
					hubspot.PropTaskPriority:       string(hubspot.TaskPriorities[f.IntN(len(hubspot.TaskPriorities))]),
					hubspot.PropTaskType:           string(hubspot.TaskTypes[f.IntN(len(hubspot.TaskTypes))]),
					hubspot.PropTaskReminders:      strconv.FormatInt(due.Add(-time.Hour).UnixMilli(), 10),
					hubspot.PropQueueMembershipIDs: strconv.Itoa(f.Number(1_000_000, 99_999_999)),
				},
			}
		}
		body, err := json.Marshal(req)
		if err != nil {
			b.Fatal(err)
		}
		size = len(body)
		n++
	}
	cpu.Report(b, 1, "cpu-ns/op")
	b.SetBytes(int64(size))
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "batches/s")
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// A distinct seed per round defeats the pool cache: this is the cold cost.
		if _, err := New(WithSeed(uint64(i)+1e9), WithOwnerIDs("1")); err != nil {
			b.Fatal(err)
		}
	}
}
