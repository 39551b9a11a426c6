package results

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// hitOnce sends one POST with Vegeta's attacker, exactly as the load
// engine does, and returns its result.
func hitOnce(t *testing.T, url string, timeout time.Duration) *vegeta.Result {
	t.Helper()
	atk := vegeta.NewAttacker(
		vegeta.Timeout(timeout),
		vegeta.Workers(1), vegeta.MaxWorkers(1),
		vegeta.KeepAlive(false),
	)
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: url, Body: []byte(`{"inputs":[]}`)})
	var once oncePacer
	var got *vegeta.Result
	for r := range atk.Attack(tr, once, 0, "classify") {
		if got == nil {
			got = r
		}
	}
	require.NotNil(t, got, "no result")
	return got
}

// oncePacer paces exactly one hit.
type oncePacer struct{}

func (oncePacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) { return 0, hits >= 1 }
func (oncePacer) Rate(time.Duration) float64                              { return 1 }

func server(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func hijackAndClose(reset bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tcp, ok := conn.(*net.TCPConn); ok && reset {
			_ = tcp.SetLinger(0) // close with RST instead of FIN
		}
		_ = conn.Close()
	}
}

func TestClassifyRealErrors(t *testing.T) {
	closedPort := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := l.Addr().String()
		require.NoError(t, l.Close())
		return "http://" + addr + "/"
	}
	tests := []struct {
		name    string
		url     func(t *testing.T) string
		timeout time.Duration
		want    string
	}{
		{"ok", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) {})
		}, 0, ""},
		{"5xx", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
		}, 0, Class5xx},
		{"4xx", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadRequest) })
		}, 0, Class4xx},
		{"429 is counted by policy, not as an error class", func(t *testing.T) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) })
		}, 0, ""},
		{"server closes the connection", func(t *testing.T) string { return server(t, hijackAndClose(false)) }, 0, ClassReset},
		{"server resets the connection", func(t *testing.T) string { return server(t, hijackAndClose(true)) }, 0, ClassReset},
		{"nothing listens", closedPort, 0, ClassRefused},
		{"client timeout", func(t *testing.T) string {
			release := make(chan struct{})
			url := server(t, func(w http.ResponseWriter, r *http.Request) {
				select { // bounded: the client gives up long before
				case <-r.Context().Done():
				case <-release:
				case <-time.After(30 * time.Second):
				}
			})
			t.Cleanup(func() { close(release) })
			return url
		}, 50 * time.Millisecond, ClassTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 10 * time.Second
			}
			r := hitOnce(t, tc.url(t), timeout)
			assert.Equal(t, tc.want, ClassifyError(r), "code %d, error %q", r.Code, r.Error)
		})
	}
}

func TestClassifyErrorTexts(t *testing.T) {
	tests := []struct {
		name string
		code uint16
		err  string
		want string
	}{
		{"success", 200, "", ""},
		{"redirect counts as success like vegeta", 302, "", ""},
		{"informational", 101, "101 Switching Protocols", ClassOther},
		{"odd code", 600, "600", ClassOther},
		{"header timeout", 0, `Post "http://h/x": net/http: timeout awaiting response headers`, ClassTimeout},
		{"i/o timeout", 0, `Post "http://h/x": dial tcp 10.0.0.1:80: i/o timeout`, ClassTimeout},
		{"body timeout", 0, `context deadline exceeded (Client.Timeout or context cancellation while reading body)`, ClassTimeout},
		{"broken pipe", 0, `Post "http://h/x": write tcp 127.0.0.1:1->127.0.0.1:2: write: broken pipe`, ClassReset},
		{"unexpected EOF", 0, `unexpected EOF`, ClassReset},
		{"bare EOF", 0, `EOF`, ClassReset},
		{"EOF inside a word is not a reset", 0, `EOFish trouble`, ClassOther},
		{"windows refused", 0, `connectex: No connection could be made because the target machine actively refused it.`, ClassRefused},
		{"no error text", 0, "", ClassOther},
		{"dns", 0, `Post "http://nohost/x": dial tcp: lookup nohost: no such host`, ClassOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, ClassifyError(&vegeta.Result{Code: tc.code, Error: tc.err}))
		})
	}
}
