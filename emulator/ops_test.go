package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestMetricsAndStats(t *testing.T) {
	f, err := ParseFault("5xx=0")
	require.NoError(t, err)
	h := newHarness(t, WithTier(hubspot.TierFree), WithFaults(f))
	require.Equal(t, http.StatusOK, h.post(upsertPathV3, batchBody("m", 3, false)).status)
	require.Equal(t, http.StatusOK, h.post(upsertPathV3, batchBody("m", 2, false)).status)
	require.Equal(t, http.StatusMultiStatus, h.post(upsertPathV3,
		`{"inputs":[{"id":"bad","idProperty":"external_task_id","objectWriteTraceId":"t","properties":{"hs_task_type":"FAX","hs_timestamp":"1"}}]}`).status)
	require.Equal(t, http.StatusBadRequest, h.post(upsertPathV3, `{`).status)
	require.Equal(t, http.StatusNotFound, h.post("/nope", `{}`).status)
	for range 100 {
		h.post(readPathV3, `{"inputs":[]}`)
	}

	noAuth := map[string]string{"Authorization": ""}
	r := h.do(http.MethodGet, PathMetrics, "", noAuth)
	require.Equal(t, http.StatusOK, r.status, "ops endpoints need no token")
	m := string(r.body)
	for _, want := range []string{
		`upsertbench_emulator_requests_total{route="upsert",status="200"} 2`,
		`upsertbench_emulator_requests_total{route="upsert",status="207"} 1`,
		`upsertbench_emulator_requests_total{route="upsert",status="400"} 1`,
		`upsertbench_emulator_requests_total{route="other",status="404"} 1`,
		`upsertbench_emulator_records_created_total 3`,
		`upsertbench_emulator_records_updated_total 2`,
		`upsertbench_emulator_rate_limited_total{policy="TEN_SECONDLY_ROLLING"} 4`,
		`upsertbench_emulator_request_duration_seconds_count{route="upsert"} 4`,
	} {
		assert.Contains(t, m, want)
	}

	r = h.do(http.MethodGet, PathStats, "", noAuth)
	require.Equal(t, http.StatusOK, r.status)
	var s Stats
	require.NoError(t, json.Unmarshal(r.body, &s))
	assert.Equal(t, int64(3), s.Records)
	assert.Equal(t, uint64(3), s.Created)
	assert.Equal(t, uint64(2), s.Updated)
	assert.Equal(t, uint64(3), s.Upserts)
	assert.Equal(t, uint64(6), s.Inputs)
	assert.Equal(t, uint64(1), s.InputErrors)
	assert.Equal(t, uint64(4), s.RateLimited)
	assert.Equal(t, uint64(105), s.Requests)
	assert.Equal(t, uint64(6), s.ClientErrs, "400, 404 and four 429s")
	assert.NotEmpty(t, s.StartedAt)

	r = h.do(http.MethodPost, PathReset, "", noAuth)
	assert.Equal(t, http.StatusNoContent, r.status)
	assert.Equal(t, Stats{StartedAt: h.emu.Stats().StartedAt}, h.emu.Stats())
	assert.Equal(t, http.StatusOK, h.post(readPathV3, `{"inputs":[]}`).status, "reset also refills the rate-limit budget")

	for _, c := range []struct{ method, path, allow string }{
		{http.MethodPost, PathMetrics, "GET"}, {http.MethodGet, PathReset, "POST"}, {http.MethodDelete, PathStats, "GET"},
	} {
		r := h.do(c.method, c.path, "", noAuth)
		assert.Equal(t, http.StatusMethodNotAllowed, r.status)
		assert.Equal(t, c.allow, r.header.Get("Allow"))
		r.errorBody(t)
	}
}

// TestConcurrentOverlappingUpserts runs many clients upserting overlapping
// unique values at once (run it with -race). Afterwards every value exists
// once, `new: true` was reported exactly once per value, every client saw
// the same id for a value, and each record holds one of the written values
// with the last modification time of all its updates.
func TestConcurrentOverlappingUpserts(t *testing.T) {
	const (
		clients   = 8
		batches   = 12
		keyspace  = 150
		batchSize = 50
	)
	h := newHarness(t)
	var (
		mu       sync.Mutex
		newCount = map[string]int{}
		idOf     = map[string]string{}
		problems []string
	)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var sb strings.Builder
				sb.WriteString(`{"inputs":[`)
				for i := range batchSize {
					if i > 0 {
						sb.WriteByte(',')
					}
					key := (c*7 + b*13 + i) % keyspace // overlapping windows of the keyspace
					fmt.Fprintf(&sb, `{"id":"k%d","idProperty":"external_task_id","objectWriteTraceId":"c%d-b%d-%d","properties":{"hs_timestamp":"1","hs_task_subject":"c%d"}}`, key, c, b, i, c)
				}
				sb.WriteString(`]}`)
				req, _ := http.NewRequest(http.MethodPost, h.srv.URL+upsertPathV3, strings.NewReader(sb.String()))
				req.Header.Set("Authorization", "Bearer "+testToken)
				req.Header.Set("Content-Type", "application/json")
				resp, err := h.srv.Client().Do(req)
				if err != nil {
					mu.Lock()
					problems = append(problems, err.Error())
					mu.Unlock()
					return
				}
				var out hubspot.BatchUpsertResponse
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				mu.Lock()
				if err != nil || resp.StatusCode != http.StatusOK || len(out.Results) != batchSize {
					problems = append(problems, fmt.Sprintf("status %d, %d results, %v", resp.StatusCode, len(out.Results), err))
				}
				for _, r := range out.Results {
					key := r.Properties[hubspot.DefaultIDProperty]
					if r.New {
						newCount[key]++
					}
					if prev, ok := idOf[key]; ok && prev != r.ID {
						problems = append(problems, fmt.Sprintf("%s has ids %s and %s", key, prev, r.ID))
					}
					idOf[key] = r.ID
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	require.Empty(t, problems)

	assert.Len(t, newCount, len(idOf), "every value was created by exactly one request")
	for key, n := range newCount {
		assert.Equal(t, 1, n, "new: true reported %d times for %s", n, key)
	}
	st := h.emu.Stats()
	assert.Equal(t, int64(len(idOf)), st.Records, "one record per value")
	assert.Equal(t, uint64(clients*batches*batchSize), st.Created+st.Updated, "no write was lost")

	var keys []string
	for k := range idOf {
		keys = append(keys, k)
	}
	for start := 0; start < len(keys); start += hubspot.MaxBatchInputs {
		chunk := keys[start:min(start+hubspot.MaxBatchInputs, len(keys))]
		status, got := h.read(hubspot.DefaultIDProperty, []string{hubspot.DefaultIDProperty, hubspot.PropTaskSubject}, chunk...)
		require.Equal(t, http.StatusOK, status)
		require.Len(t, got.Results, len(chunk))
		for _, r := range got.Results {
			key := r.Properties[hubspot.DefaultIDProperty]
			assert.Equal(t, idOf[key], r.ID)
			assert.Regexp(t, `^c[0-7]$`, r.Properties[hubspot.PropTaskSubject])
		}
	}
}
