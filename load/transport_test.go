package load

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/results"
)

func TestPolicyOf(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"ten-secondly", `{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`, hubspot.PolicyTenSecondlyRolling},
		{"daily", `{"policyName":"DAILY"}`, hubspot.PolicyDaily},
		{"other name kept", `{"policyName":"SECONDLY"}`, "SECONDLY"},
		{"no policy", `{"status":"error"}`, results.PolicyUnknown},
		{"not JSON", `Too Many Requests`, results.PolicyUnknown},
		{"empty", ``, results.PolicyUnknown},
		{"long name cut", `{"policyName":"` + strings.Repeat("X", 100) + `"}`, strings.Repeat("X", 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, policyOf([]byte(tt.body)))
		})
	}
}

func FuzzPolicyOf(f *testing.F) {
	f.Add([]byte(`{"policyName":"DAILY"}`))
	f.Add([]byte(`{"policyName":""}`))
	f.Add([]byte(`[1,2`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p := policyOf(body)
		if p == "" || len(p) > 64 {
			t.Fatalf("policy %q from %q", p, body)
		}
	})
}

func TestTransportKeepsOnlyWhatItNeeds(t *testing.T) {
	// A server answering 200 with a big body, or 429 with HubSpot's body.
	const big = 30_000
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		assert.Empty(t, r.Header.Get(headerBatch), "the batch header must not travel")
		if r.URL.Query().Get("limit") == "1" {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}`)
			return
		}
		_, _ = io.WriteString(w, strings.Repeat("x", big))
	}))
	t.Cleanup(srv.Close)

	tg, _ := newTestTargeter(t)
	tr := newTransport(transportConfig{timeout: 5 * time.Second, keepAlive: true}, tg, nil)

	tests := []struct {
		name      string
		query     string
		code      uint16
		bytesIn   string
		policy    string
		keepsBody bool
	}{
		{"drained 200", "", 200, "30000", "", false},
		{"kept 429", "?limit=1", 429, "", hubspot.PolicyDaily, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targeter := func(tgt *vegeta.Target) error {
				if err := tg.Target(tgt); err != nil {
					return err
				}
				tgt.URL = srv.URL + "/x" + tt.query
				return nil
			}
			// An Attacker serves one attack (it stays stopped after it).
			atk := vegeta.NewAttacker(vegeta.Client(tr.client(5*time.Second)), vegeta.MaxBody(-1))
			var res *vegeta.Result
			for r := range atk.Attack(targeter, vegeta.ConstantPacer{Freq: 1, Per: 10 * time.Millisecond}, 5*time.Millisecond, "t") {
				res = r
			}
			require.NotNil(t, res)
			assert.Equal(t, tt.code, res.Code)
			assert.Equal(t, tt.bytesIn, res.Headers.Get(headerBytesIn))
			assert.Equal(t, tt.policy, res.Headers.Get(results.HeaderRateLimitPolicy))
			if tt.keepsBody {
				assert.Contains(t, string(res.Body), "policyName")
			} else {
				assert.Empty(t, res.Body)
			}
		})
	}
}

// TestTransportSendsBodiesWhole: bodies around the connection's write
// buffer and the pooled copy buffer (trackedConn.ReadFrom) reach the
// server byte for byte, over one kept-alive connection and over fresh ones.
func TestTransportSendsBodiesWhole(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(b)
		_, _ = fmt.Fprintf(w, "%d %x", len(b), sum)
	}))
	t.Cleanup(srv.Close)
	sizes := []int{0, 1, connWriteBuffer - 200, connWriteBuffer, connWriteBuffer + 1, 40_000,
		copyBuffer, copyBuffer + connWriteBuffer, copyBuffer + connWriteBuffer + 1, 3*copyBuffer + 17}
	for _, keepAlive := range []bool{true, false} {
		tr := newTransport(transportConfig{timeout: 5 * time.Second, keepAlive: keepAlive}, nil, nil)
		client := &http.Client{Transport: tr.next, Timeout: 5 * time.Second}
		for _, n := range sizes {
			t.Run(fmt.Sprintf("keepalive=%v/%d", keepAlive, n), func(t *testing.T) {
				body := make([]byte, n)
				for i := range body {
					body[i] = byte(i*7 + i>>8)
				}
				resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
				require.NoError(t, err)
				got, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				sum := sha256.Sum256(body)
				assert.Equal(t, fmt.Sprintf("%d %x", n, sum), string(got))
			})
		}
		tr.next.CloseIdleConnections()
	}
}

// TestIdleConnectionsHoldLittle: an attack keeps a connection for every
// request it ever had in flight, so what an idle connection holds is paid
// many times over (~130 connections in a 1,000/s soak). Each must hold
// far less than a batch: a 64 kB write buffer per connection (what the
// transport had) is ~80 kB per connection here, client and server side
// together; net/http's 4 kB default is ~20 kB.
func TestIdleConnectionsHoldLittle(t *testing.T) {
	const conns = 64
	var arrived sync.WaitGroup
	arrived.Add(conns)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		arrived.Done()
		select { // every request in flight at once, so each has its own connection
		case <-release:
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	tr := newTransport(transportConfig{timeout: 15 * time.Second, keepAlive: true}, nil, nil)
	t.Cleanup(tr.next.CloseIdleConnections)
	client := &http.Client{Transport: tr.next, Timeout: 15 * time.Second}
	body := bytes.Repeat([]byte("x"), 40_000) // a batch's size

	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	var done sync.WaitGroup
	errs := make(chan error, conns)
	for range conns {
		done.Add(1)
		go func() {
			defer done.Done()
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			errs <- resp.Body.Close()
		}()
	}
	arrived.Wait()
	close(release)
	done.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	tr.conns.mu.Lock()
	open := len(tr.conns.conns)
	tr.conns.mu.Unlock()
	require.Equal(t, conns, open, "one connection per request in flight, all kept")
	perConn := (int64(heap()) - int64(before)) / conns
	t.Logf("%d idle connections: %d bytes of heap each (client and server side)", conns, perConn)
	assert.Less(t, perConn, int64(40<<10), "heap per idle connection")
	runtime.KeepAlive(client)
}

// TestTLSBodiesNeedNoCopyBuffer: over TLS a batch fits the connection's
// write buffer, so net/http does not copy the rest of the body through a
// fresh 32 kB io.Copy buffer per request (a tls.Conn has no ReadFrom).
// Measured as heap bytes allocated per request, client and server side
// together, against the plain-HTTP write buffer over the same TLS server.
func TestTLSBodiesNeedNoCopyBuffer(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	body := bytes.Repeat([]byte("x"), 40_000) // a batch's size
	perRequest := func(tlsTarget bool) uint64 {
		tr := newTransport(transportConfig{timeout: 5 * time.Second, keepAlive: true, tls: tlsTarget}, nil, nil)
		defer tr.next.CloseIdleConnections()
		tr.next.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
		client := &http.Client{Transport: tr.next, Timeout: 5 * time.Second}
		send := func() {
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(body))
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			require.NoError(t, resp.Body.Close())
		}
		send() // the handshake
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const n = 50
		for range n {
			send()
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / n
	}
	small, whole := perRequest(false), perRequest(true)
	t.Logf("bytes allocated per 40 kB request over TLS: %d with the plain-HTTP write buffer, %d with the TLS one", small, whole)
	assert.GreaterOrEqual(t, small, uint64(32<<10), "the plain-HTTP buffer over TLS copies through io.Copy's 32 kB buffer (the reference)")
	assert.Less(t, whole, small-(24<<10), "the TLS write buffer saves that copy buffer")
	assert.Equal(t, DefaultBodyBuffer, writeBufferFor(true))
	assert.Equal(t, connWriteBuffer, writeBufferFor(false))
}
