package results

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// runStart is the start of every synthetic run in tests.
var runStart = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// synth returns n synthetic results at rate per second: mostly 200s with
// deterministic latencies, some 500s, 429s, transport errors and late
// sends, so every figure of a summary is exercised.
func synth(n int, rate float64, seqBase uint64) []vegeta.Result {
	out := make([]vegeta.Result, n)
	gap := time.Duration(float64(time.Second) / rate)
	for i := range out {
		seq := seqBase + uint64(i)
		r := vegeta.Result{
			Attack:    "test",
			Seq:       seq,
			Code:      200,
			Timestamp: runStart.Add(time.Duration(i) * gap),
			Latency:   time.Duration(5+seq%50) * time.Millisecond,
			BytesOut:  1000,
			BytesIn:   2000,
			Method:    http.MethodPost,
			URL:       "http://127.0.0.1:1/crm/v3/objects/tasks/batch/upsert",
		}
		switch {
		case seq%97 == 3:
			r.Code, r.Error = 500, "500 Internal Server Error"
		case seq%89 == 5:
			r.Code, r.Error = 429, "429 Too Many Requests"
			r.Headers = http.Header{HeaderRateLimitPolicy: {"TEN_SECONDLY_ROLLING"}}
		case seq%83 == 7:
			r.Code = 0
			r.Error = fmt.Sprintf("Post \"http://127.0.0.1:1/x\": read tcp 127.0.0.1:%d->127.0.0.1:1: read: connection reset by peer", 40000+seq%7)
			r.BytesIn = 0
		}
		if seq%10 == 0 {
			if r.Headers == nil {
				r.Headers = http.Header{}
			}
			r.Headers.Set(HeaderLateNanos, strconv.FormatInt(int64(time.Duration(seq/10%5)*time.Millisecond), 10))
		}
		if seq%20 == 0 {
			if r.Headers == nil {
				r.Headers = http.Header{}
			}
			r.Headers.Set(HeaderSampled, "1")
			r.Body = []byte(`{"status":"COMPLETE"}`)
		}
		out[i] = r
	}
	return out
}
