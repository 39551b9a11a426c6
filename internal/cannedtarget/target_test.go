package cannedtarget

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	target, err := New()
	require.NoError(t, err)
	srv := httptest.NewServer(target)
	t.Cleanup(srv.Close)
	return srv
}

// post sends one batch and decodes the answer with encoding/json (the
// independent reference).
func post(t *testing.T, url string, body []byte) (int, http.Header, []byte, answerDoc) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var doc answerDoc
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.Unmarshal(raw, &doc), "%s", raw)
	}
	return resp.StatusCode, resp.Header, raw, doc
}

type answerDoc struct {
	Status  string `json:"status"`
	Results []struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		CreatedAt  time.Time         `json:"createdAt"`
		UpdatedAt  time.Time         `json:"updatedAt"`
		New        *bool             `json:"new"`
		Trace      string            `json:"objectWriteTraceId"`
		URL        string            `json:"url"`
	} `json:"results"`
}

func TestCannedAnswersEachRequestsOwnInputs(t *testing.T) {
	srv := newTestServer(t)
	for seed, traces := range map[uint64]bool{7: true, 8: false} {
		gen, err := generators.New(generators.WithSeed(seed), generators.WithTraceIDs(traces),
			generators.WithKeyPrefix(fmt.Sprintf("canned-%d", seed))) // keys of its own

		require.NoError(t, err)
		url := srv.URL + gen.Path()
		ids := map[string]string{}     // unique value → id
		last := map[string]time.Time{} // unique value → updatedAt
		for n := range uint64(6) {
			batch := gen.Batch(n)
			status, header, raw, doc := post(t, url, gen.AppendBatch(nil, n))
			require.Equal(t, http.StatusOK, status, "%s", raw)
			require.Len(t, doc.Results, len(batch.Inputs))
			assert.Equal(t, "COMPLETE", doc.Status)
			assert.Equal(t, strconv.Itoa(len(raw)), header.Get("Content-Length"))
			for i, in := range batch.Inputs {
				r := doc.Results[i]
				key := in.Properties[gen.IDProperty()]
				require.Equal(t, in.ID, key)
				assert.Equal(t, key, r.Properties[gen.IDProperty()], "batch %d result %d", n, i)
				for name, v := range in.Properties {
					assert.Equal(t, v, r.Properties[name], "echoed property %s", name)
				}
				assert.Equal(t, r.ID, r.Properties["hs_object_id"])
				assert.Equal(t, "https://app.hubspot.com/contacts/4471234/record/0-27/"+r.ID, r.URL)
				if traces {
					assert.Equal(t, gen.TraceID(n, i), r.Trace)
				} else {
					assert.Empty(t, r.Trace)
				}
				require.NotNil(t, r.New)
				id, seen := ids[key]
				assert.Equal(t, !seen, *r.New, "new is true exactly the first time (%s, batch %d)", key, n)
				if seen {
					assert.Equal(t, id, r.ID, "one id per unique value")
					assert.False(t, r.UpdatedAt.Before(last[key]), "updatedAt never goes backwards")
					assert.True(t, r.CreatedAt.Before(r.UpdatedAt) || r.CreatedAt.Equal(r.UpdatedAt))
				} else {
					assert.Equal(t, r.CreatedAt, r.UpdatedAt)
				}
				ids[key], last[key] = r.ID, r.UpdatedAt
			}
		}
		// Different unique values, different ids.
		byID := map[string]string{}
		for k, id := range ids {
			assert.NotContains(t, byID, id, "id of %s and %s", k, byID[id])
			byID[id] = k
		}
	}
}

// The answers keep the contract: libopenapi-validator's schema check and
// every semantic check of contract.CheckExchange.
func TestCannedAnswersKeepTheContract(t *testing.T) {
	srv := newTestServer(t)
	v, err := contract.DefaultValidator()
	require.NoError(t, err)
	gen, err := generators.New(generators.WithSeed(3), generators.WithTraceIDs(true))
	require.NoError(t, err)
	for n := range uint64(3) {
		body := gen.AppendBatch(nil, n)
		sent := time.Now()
		status, header, raw, _ := post(t, srv.URL+gen.Path(), body)
		fs := contract.CheckExchange(v, contract.Exchange{
			Method: http.MethodPost, Path: gen.Path(),
			RequestHeader: http.Header{"Content-Type": {"application/json"}}, RequestBody: body,
			StatusCode: status, ResponseHeader: header, ResponseBody: raw,
			SentAt: sent, ReceivedAt: time.Now(),
		})
		assert.Empty(t, fs, "batch %d", n)
	}
}

func TestCannedRefusesWhatIsNotABatch(t *testing.T) {
	srv := newTestServer(t)
	for name, body := range map[string]string{
		"not json":     `{"inputs":[`,
		"no inputs":    `{"other":[]}`,
		"input no id":  `{"inputs":[{"properties":{}}]}`,
		"inputs a map": `{"inputs":{}}`,
	} {
		status, _, raw, _ := post(t, srv.URL+"/crm/v3/objects/tasks/batch/upsert", []byte(body))
		assert.Equal(t, http.StatusBadRequest, status, name)
		assert.Contains(t, string(raw), `"status":"error"`, name)
	}
	resp, err := http.Post(srv.URL+"/crm/v3/objects/tasks/batch/read", "application/json", bytes.NewReader([]byte(`{"inputs":[]}`)))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	// Over the emulator's body limit: 413, as the emulator answers.
	huge := append([]byte(`{"inputs":[],"pad":"`), bytes.Repeat([]byte("x"), emulator.MaxBodyBytes)...)
	status, _, raw, _ := post(t, srv.URL+"/crm/v3/objects/tasks/batch/upsert", append(huge, `"}`...))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	assert.Contains(t, string(raw), `"status":"error"`)
}

// What scripts/bench-load.sh relies on: a load run against the server
// checks every invariant on every answer and finds nothing.
func TestLoadRunAgainstCannedPasses(t *testing.T) {
	if testing.Short() {
		t.Skip("a load run")
	}
	srv := newTestServer(t)
	s := scenarios.Default()
	s.Name = "canned"
	s.Seed = 5
	s.Stages = []scenarios.Stage{{Duration: 2 * time.Second, Rate: 50, Pacer: scenarios.PacerConstant}}
	s.Sample = 0.1
	s.Verify.Mode = scenarios.VerifyNone
	require.NoError(t, s.Validate())
	sum, err := load.Run(context.Background(), load.Config{
		Scenario: s, BaseURL: srv.URL, Token: "bench", OutDir: t.TempDir(), Tier: "enterprise", AllowOverQuota: true,
		SchemaBudget: -1, CheckBudget: -1,
	})
	require.NoError(t, err)
	require.NotNil(t, sum.Invariants)
	inv := sum.Invariants
	assert.Equal(t, sum.Metrics.Requests, inv.Answers)
	assert.Equal(t, uint64(0), sum.Contract.Violations, "%+v", sum.Contract.Findings)
	assert.Equal(t, inv.Answers, inv.Schema.Checked)
	assert.Equal(t, uint64(0), inv.Schema.Violations)
	for _, c := range inv.Checks {
		if c.Name == results.InvariantLostWrite || c.Name == results.InvariantStaleRead {
			continue // read-back: off against a server that keeps no records
		}
		assert.Positive(t, c.Checked, c.Name)
		assert.Zero(t, c.Violations, "%s: %+v", c.Name, c.Offenders)
	}
}

// Record ids never repeat (a hash of the unique value did: 4 one-id
// violations in 775,600 keys of a bench run), and a value keeps its id.
func TestSeenSetNumbersEveryValueOnce(t *testing.T) {
	var s seenSet
	ids := map[uint64]string{}
	keys := []string{"ub-7", "ub-07", "ub-1-7", "other", "vegeta-7", "ub-", "-7"}
	for n := range 200_000 {
		keys = append(keys, fmt.Sprintf("ub-2a-%d", n))
	}
	for _, k := range keys {
		id, isNew := s.add([]byte(k))
		require.True(t, isNew, k)
		if other, dup := ids[id]; dup { // not NotContains: it scans the map
			require.Failf(t, "one id for two values", "%s and %s: %d", k, other, id)
		}
		ids[id] = k
	}
	for _, k := range keys[:10] {
		id, isNew := s.add([]byte(k))
		assert.False(t, isNew, k)
		assert.Equal(t, k, ids[id])
	}
}
