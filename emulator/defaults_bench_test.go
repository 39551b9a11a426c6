package emulator

import (
	"bytes"
	"testing"
)

// BenchmarkPreview renders the hs_body_preview members of the bodies of
// one realistic 100-input batch (as an answer does), per batch.
func BenchmarkPreview(b *testing.B) {
	var bodies [][]byte
	for _, body := range benchBodies(b, 1) {
		for rest := body; ; {
			i := bytes.Index(rest, []byte(`"hs_task_body":"`))
			if i < 0 {
				break
			}
			rest = rest[i+len(`"hs_task_body":"`):]
			var sc scanner
			sc.reset(append([]byte{'"'}, rest...))
			r, _ := sc.str()
			bodies = append(bodies, r.raw)
		}
	}
	var scratch previewScratch
	out := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		out = out[:0]
		for _, body := range bodies {
			out = appendPreviewMembers(out, body, &scratch)
		}
	}
	b.ReportMetric(float64(len(bodies)), "bodies/op")
}
