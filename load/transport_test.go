package load

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
