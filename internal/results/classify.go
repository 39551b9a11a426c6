package results

import (
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ClassifyError says why a request failed: one of ClassTimeout,
// ClassReset, ClassRefused, Class5xx, Class4xx, ClassOther, or "" when it
// did not fail (status 2xx/3xx) or was rate limited (429, counted by policy
// in Summary.RateLimited instead).
//
// Answers are classified by status code. Transport failures (status 0) by
// the error text Go's net/http and Vegeta produce, which is all a results
// file keeps:
//   - timeout: "Client.Timeout exceeded", "context deadline exceeded",
//     "i/o timeout", "timeout awaiting response headers"
//   - refused: "connection refused" (nothing listens; dial failed)
//   - reset: "connection reset by peer", "broken pipe", a bare or
//     unexpected "EOF" (the server closed the connection mid-exchange),
//     "server closed idle connection"
//
// Anything else, including "context canceled" from an interrupted run, is
// ClassOther.
func ClassifyError(r *vegeta.Result) string {
	switch c := r.Code; {
	case c >= 200 && c < 400:
		return ""
	case c == 429:
		return ""
	case c >= 500 && c < 600:
		return Class5xx
	case c >= 400 && c < 500:
		return Class4xx
	case c != 0:
		return ClassOther
	}
	return classifyTransport(r.Error)
}

// Answered reports whether r got an HTTP answer, whatever its status:
// Vegeta records code 0 when it got none (refused, reset, timed out).
// Latency figures count answered requests only.
func Answered(r *vegeta.Result) bool { return r.Code != 0 }

// transportClasses are the classes of a request that got no answer.
var transportClasses = [...]string{ClassTimeout, ClassReset, ClassRefused, ClassOther}

func classifyTransport(msg string) string {
	switch {
	case msg == "":
		return ClassOther
	case strings.Contains(msg, "connection refused"),
		strings.Contains(msg, "actively refused"):
		return ClassRefused
	case strings.Contains(msg, "Client.Timeout"),
		strings.Contains(msg, "deadline exceeded"),
		strings.Contains(msg, "i/o timeout"),
		strings.Contains(msg, "timeout awaiting"),
		strings.Contains(msg, "handshake timeout"):
		return ClassTimeout
	case strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"),
		strings.Contains(msg, "forcibly closed"),
		strings.Contains(msg, "server closed idle connection"),
		strings.Contains(msg, "unexpected EOF"),
		msg == "EOF",
		strings.HasSuffix(msg, ": EOF"):
		return ClassReset
	}
	return ClassOther
}
