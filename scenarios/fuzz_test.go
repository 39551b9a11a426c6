package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input either parses into a scenario that validates and
// survives a Marshal round trip, or fails with an *Error that has a line.
func FuzzParse(f *testing.F) {
	for _, n := range BuiltinNames() {
		data, err := builtinFS.ReadFile("builtin/" + n + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("stages: [{duration: 1s, rate: 1e308}]"))
	f.Add([]byte("stages: [{duration: 9223372036854775807ns, rate: 1}]"))
	f.Add([]byte("stages: [{duration: 10s, rate: 5, pacer: step, steps: 99999999999999999999}]"))
	f.Add([]byte("{stages: [{duration: 10s, rate: 5}], thresholds: [{p95: 1s}]}"))
	f.Add([]byte("stages: !!map {}\n"))
	f.Add([]byte("\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error is not an *Error: %v", err)
			}
			if se.Line < 1 || se.Column < 1 {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed scenario does not validate: %v", err)
		}
		if s.TotalRequests() < 1 || s.PeakPer10s() > s.TotalRequests()+1e-6 {
			t.Fatalf("plan arithmetic out of bounds: total %g peak %g", s.TotalRequests(), s.PeakPer10s())
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if _, err := Parse("fuzz.yaml", out); err != nil {
			t.Fatalf("marshalled scenario does not parse: %v\n%s", err, out)
		}
	})
}
