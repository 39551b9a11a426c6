package results

import (
	"bytes"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func FuzzScanReader(f *testing.F) {
	var buf bytes.Buffer
	enc := vegeta.NewEncoder(&buf)
	rs := synth(3, 10, 0)
	for i := range rs {
		_ = enc.Encode(&rs[i])
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:buf.Len()/2])
	var js bytes.Buffer
	jenc := vegeta.NewJSONEncoder(&js)
	_ = jenc.Encode(&rs[0])
	f.Add(js.Bytes())
	f.Add([]byte{})
	f.Add([]byte(`{"`))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		a := NewAccumulator()
		fs, err := ScanReader("fuzz", bytes.NewReader(data), func(r *vegeta.Result) error {
			a.Add(r)
			return nil
		})
		if err == nil && fs.Results != a.Requests() {
			t.Fatalf("stats say %d results, accumulated %d", fs.Results, a.Requests())
		}
		s := NewSummary()
		a.Fill(s)
		_ = a.Series(10)
		_ = a.Distribution()
		// Whatever the results file held, its summary must encode: a
		// summary.json that cannot be written loses the run.
		encoded, err := MarshalSummary(s)
		if err != nil {
			t.Fatalf("summary of %d results does not encode: %v", a.Requests(), err)
		}
		back, err := ParseSummary(encoded)
		if err != nil {
			t.Fatalf("summary does not read back: %v", err)
		}
		if back.Metrics.Requests != a.Requests() || back.Answered.Requests > back.Metrics.Requests {
			t.Fatalf("read back %d requests (%d answered), accumulated %d", back.Metrics.Requests, back.Answered.Requests, a.Requests())
		}
	})
}

func FuzzFindings(f *testing.F) {
	f.Add([]byte(`{"check":"a","message":"one"}` + "\n"))
	f.Add([]byte(`{"check":"a","fields":[{"pointer":"/x","message":"y"}]}` + "\n" + `{"che`))
	f.Add([]byte("\n\n"))
	f.Add([]byte("[1,2]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int
		_ = eachFinding("fuzz", bytes.NewReader(data), func(Finding) error {
			n++
			return nil
		})
		if n > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d findings from %d lines", n, bytes.Count(data, []byte("\n"))+1)
		}
	})
}

func FuzzParseSummary(f *testing.F) {
	good, _ := MarshalSummary(goldenSummary())
	f.Add(good)
	f.Add([]byte(`{"schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":1,"metrics":{"latencies":{"50th":-1}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSummary(data)
		if err == nil && (s.SchemaVersion < 1 || s.SchemaVersion > SchemaVersion) {
			t.Fatalf("accepted schemaVersion %d", s.SchemaVersion)
		}
	})
}
