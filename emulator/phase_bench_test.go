package emulator

import (
	"testing"

	"github.com/upsertbench/upsertbench/internal/cpuclock"
)

// BenchmarkPhases splits a 100-input upsert into its phases (parse,
// validate, write, encode) to show where the time goes.
func BenchmarkPhases(b *testing.B) {
	bodies := benchBodies(b, 256)
	emu := New(WithToken(testToken))
	st := &requestState{}
	prep := func(i int) {
		st.begin(emu)
		st.body = append(st.body[:0], bodies[i%len(bodies)]...)
	}
	run := func(name string, fn func(b *testing.B)) {
		b.Run(name, func(b *testing.B) {
			c0 := cpuclock.Now()
			fn(b)
			b.ReportMetric(float64((cpuclock.Now()-c0).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
	run("parse", func(b *testing.B) {
		for i := range b.N {
			prep(i)
			st.parseBody()
			if _, ok := st.parseUpsert(); !ok {
				b.Fatal("parse")
			}
		}
	})
	run("parse+check+validate", func(b *testing.B) {
		for i := range b.N {
			prep(i)
			st.parseBody()
			st.parseUpsert()
			emu.checkInputs(st)
			st.checkDuplicates(emu.store.seed)
			emu.validateInputs(st)
		}
	})
	run("all", func(b *testing.B) {
		for i := range b.N {
			if i%len(bodies) == 0 {
				b.StopTimer()
				emu.Reset()
				b.StartTimer()
			}
			prep(i)
			if a := emu.upsert(st); a.status != 200 {
				b.Fatal(a.status)
			}
		}
	})
}
