package contract

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
)

// emulatedExchange sends batch 0 of a generator with size inputs to a fresh
// emulator and records the exchange.
func emulatedExchange(tb testing.TB, size int) Exchange {
	tb.Helper()
	gen, err := generators.New(generators.WithBatchSize(size), generators.WithTraceIDs(true))
	require.NoError(tb, err)
	body := gen.AppendBatch(nil, 0)
	emu := emulator.New(emulator.WithToken(suiteTestToken))
	req := httptest.NewRequest(http.MethodPost, gen.Path(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+suiteTestToken)
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	require.Equal(tb, http.StatusOK, rec.Code, rec.Body.String())
	return Exchange{Method: http.MethodPost, Path: gen.Path(), RequestHeader: http.Header{"Content-Type": {"application/json"}},
		RequestBody: body, StatusCode: rec.Code, ResponseHeader: rec.Header(), ResponseBody: rec.Body.Bytes()}
}

// TestCheckExchangeConcurrent: the load engine calls CheckExchange from
// many goroutines on shared validators; run with -race.
func TestCheckExchangeConcurrent(t *testing.T) {
	ex := emulatedExchange(t, 20)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				assert.Empty(t, CheckExchange(nil, ex))
			}
		}()
	}
	wg.Wait()
}

func TestCheckExchangeNeverHoldsCredentials(t *testing.T) {
	ex := emulatedExchange(t, 3)
	ex.RequestHeader.Set("Authorization", "Bearer "+suiteTestToken)
	ex.ResponseBody = []byte(`{"status":"DONE"}`)
	fs := CheckExchange(nil, ex)
	require.NotEmpty(t, fs)
	for _, f := range fs {
		assert.NotContains(t, f.Error()+f.Sent+f.Received, suiteTestToken)
	}
}

// BenchmarkCheckExchange100 measures every stateless check on one
// 100-input upsert and its answer: the cost of one sampled response under
// load.
func BenchmarkCheckExchange100(b *testing.B) {
	ex := emulatedExchange(b, 100)
	v, err := DefaultValidator()
	require.NoError(b, err)
	require.Empty(b, CheckExchange(v, ex))
	b.ReportAllocs()
	b.SetBytes(int64(len(ex.ResponseBody)))
	b.ResetTimer()
	for b.Loop() {
		CheckExchange(v, ex)
	}
}

// BenchmarkSemanticChecks100 is the part of CheckExchange that is ours
// (everything but the OpenAPI validation).
func BenchmarkSemanticChecks100(b *testing.B) {
	raw := emulatedExchange(b, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ex := parseExchange(raw)
		for _, c := range semanticExchangeChecks {
			if c.applies(ex) {
				c.run(ex)
			}
		}
	}
}
