package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
)

// fsExchange is one answer to hold both paths to.
type fsExchange struct {
	name   string
	method string
	path   string
	status int
	ct     string
	body   []byte
}

var fsJSON = "application/json;charset=utf-8"

// fsRealAnswers collects answers of every kind from the emulator: upsert
// 200 and 207, whole-request 400s, 401, 429, batch read 200 and 207, get by
// id 200 and 404, archive 204. The upsert batches have the generator's
// default size.
func fsRealAnswers(tb testing.TB) []fsExchange { return fsAnswers(tb, 0, 0.03) }

// fsSmallAnswers are the same kinds of answer with three inputs per upsert
// batch, a fifth of them invalid (so 207s come up): the fuzz targets' seeds.
// The library's cost grows with the body, and a fuzzer mutates a 2 kB body
// far more usefully than a 30 kB one (seeded with 100-result answers,
// FuzzFastSchemaAgrees reached 68 execs in 60 s on a quiet machine).
func fsSmallAnswers(tb testing.TB) []fsExchange { return fsAnswers(tb, 3, 0.2) }

// fsAnswers is fsRealAnswers with batch inputs per upsert batch (0: the
// generator's default) and the given share of invalid inputs.
func fsAnswers(tb testing.TB, batch int, invalid float64) []fsExchange {
	tb.Helper()
	emu := emulator.New(emulator.WithToken("t"), emulator.WithTier(hubspot.TierFree))
	tb.Cleanup(emu.Close)
	var out []fsExchange
	do := func(name, method, path, token string, body []byte) fsExchange {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		ex := fsExchange{name: name, method: method, path: req.URL.Path, status: rec.Code, ct: rec.Header().Get("Content-Type"), body: rec.Body.Bytes()}
		out = append(out, ex)
		return ex
	}
	sized := func(opts ...generators.Option) []generators.Option {
		if batch > 0 {
			opts = append(opts, generators.WithBatchSize(batch))
		}
		return opts
	}
	gen, err := generators.New(sized(generators.WithSeed(11), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5),
		generators.WithUpdateLag(1), generators.WithInvalidShare(invalid))...)
	require.NoError(tb, err)
	for n := range uint64(6) {
		do(fmt.Sprintf("upsert batch %d", n), http.MethodPost, gen.Path(), "t", gen.AppendBatch(nil, n))
	}
	plain, err := generators.New(sized(generators.WithSeed(12), generators.WithInvalidShare(0.2), generators.WithVersion(hubspot.Version202603))...)
	require.NoError(tb, err)
	do("upsert 400 without trace ids", http.MethodPost, plain.Path(), "t", plain.AppendBatch(nil, 0))
	for _, bc := range gen.BadCases()[:6] {
		do("bad case "+bc.Name, http.MethodPost, gen.Path(), "t", bc.Body)
	}
	do("no token", http.MethodPost, gen.Path(), "", gen.AppendBatch(nil, 0))
	reads := fmt.Sprintf(`{"idProperty":"external_task_id","inputs":[{"id":%q},{"id":%q}],"properties":["hs_task_subject","hs_timestamp"],"propertiesWithHistory":[]}`,
		gen.Key(0), gen.Key(1))
	do("read 200", http.MethodPost, hubspot.VersionV3.ReadPath(), "t", []byte(reads))
	do("read 207", http.MethodPost, hubspot.VersionV3.ReadPath(), "t", []byte(strings.Replace(reads, gen.Key(1), "nope", 1)))
	var first struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	require.NoError(tb, json.Unmarshal(out[0].body, &first))
	do("get 200", http.MethodGet, hubspot.VersionV3.ObjectPath(first.Results[0].ID)+"?properties=hs_task_subject", "t", nil)
	do("get 404", http.MethodGet, hubspot.VersionV3.ObjectPath("999999999"), "t", nil)
	do("archive 204", http.MethodPost, hubspot.VersionV3.ArchivePath(), "t", []byte(`{"inputs":[{"id":"`+first.Results[1].ID+`"}]}`))
	for i := 0; i < 120 && out[len(out)-1].status != http.StatusTooManyRequests; i++ {
		if i > 0 {
			out = out[:len(out)-1] // keep only the 429: the 200s before it are like the batches above
		}
		do("upsert until 429", http.MethodPost, gen.Path(), "t", gen.AppendBatch(nil, 50+uint64(i)))
	}
	require.Equal(tb, http.StatusTooManyRequests, out[len(out)-1].status, "the free tier's burst limit answers 429")
	return out
}

// fsAssertAgree holds the fast path to the library on one exchange.
func fsAssertAgree(t testing.TB, v *Validator, f *FastSchema, ex fsExchange) (fast bool) {
	h := http.Header{"Content-Type": {ex.ct}}
	want := v.ValidateResponseTo(ex.method, ex.path, ex.status, h, ex.body)
	got, fast := f.ValidateResponse(ex.method, ex.path, ex.status, h, ex.body)
	if !assert.Equal(t, want, got, "%s: %d %s\n%s", ex.name, ex.status, ex.path, excerpt(ex.body)) {
		return fast
	}
	return fast
}

func excerpt(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

func TestFastSchemaCompilesOurDocument(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	assert.Empty(t, f.Uncompiled(), "every response schema of our document takes the fast path")
	assert.NotEmpty(t, f.nodes)
}

// TestFastSchemaAgreesOnRealAnswers: the same findings (none, mostly) as
// the library for every kind of answer the emulator gives.
func TestFastSchemaAgreesOnRealAnswers(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	answers := fsRealAnswers(t)
	for _, ex := range answers {
		fast := fsAssertAgree(t, v, f, ex)
		assert.True(t, fast, "%s took the library path", ex.name)
	}
}

// fsCorruptions are hand-made deviations with the finding each must give.
var fsCorruptions = []struct {
	name, status string
	mutate       func(m map[string]any)
	text         func(b []byte) []byte
}{
	{name: "missing status", mutate: func(m map[string]any) { delete(m, "status") }},
	{name: "status not in enum", mutate: func(m map[string]any) { m["status"] = "DONE" }},
	{name: "status a number", mutate: func(m map[string]any) { m["status"] = 3 }},
	{name: "status null", mutate: func(m map[string]any) { m["status"] = nil }},
	{name: "results an object", mutate: func(m map[string]any) { m["results"] = map[string]any{} }},
	{name: "completedAt not a date-time", mutate: func(m map[string]any) { m["completedAt"] = "2026-11-30 08:33:58" }},
	{name: "completedAt impossible day", mutate: func(m map[string]any) { m["completedAt"] = "2026-02-30T08:33:58Z" }},
	{name: "completedAt with an offset", mutate: func(m map[string]any) { m["completedAt"] = "2026-11-30T08:33:58.1+05:30" }},
	{name: "startedAt lower-case t", mutate: func(m map[string]any) { m["startedAt"] = "2026-11-30t08:33:58z" }},
	{name: "leap second", mutate: func(m map[string]any) { m["startedAt"] = "2026-12-31T23:59:60Z" }},
	{name: "bad leap second", mutate: func(m map[string]any) { m["startedAt"] = "2026-12-31T12:59:60Z" }},
	{name: "numErrors a fraction", mutate: func(m map[string]any) { m["numErrors"] = 1.5 }},
	{name: "numErrors beyond int32", mutate: func(m map[string]any) { m["numErrors"] = 3e9 }},
	{name: "numErrors whole float", mutate: func(m map[string]any) { m["numErrors"] = 2.0 }},
	{name: "links not strings", mutate: func(m map[string]any) { m["links"] = map[string]any{"a": 1, "b": "x"} }},
	{name: "unknown member", mutate: func(m map[string]any) { m["extra"] = []any{1, "x"} }},
	{name: "result new a string", mutate: func(m map[string]any) { result0(m)["new"] = "yes" }},
	{name: "result id missing and archived missing", mutate: func(m map[string]any) { delete(result0(m), "id"); delete(result0(m), "archived") }},
	{name: "result property a number", mutate: func(m map[string]any) { props0(m)["hs_task_subject"] = 7 }},
	{name: "result property null", mutate: func(m map[string]any) { props0(m)["hs_task_body"] = nil }},
	{name: "result updatedAt empty", mutate: func(m map[string]any) { result0(m)["updatedAt"] = "" }},
	{name: "result warnings wrong", mutate: func(m map[string]any) { result0(m)["warnings"] = []any{map[string]any{"message": 1}} }},
	{name: "result history wrong", mutate: func(m map[string]any) {
		result0(m)["propertiesWithHistory"] = map[string]any{"p": []any{map[string]any{"value": "v", "timestamp": "x", "updatedByUserId": 1.5}}}
	}},
	{name: "result not an object", mutate: func(m map[string]any) { m["results"] = []any{"r"} }},
	{name: "correlationId not a uuid", mutate: func(m map[string]any) { m["correlationId"] = "0190-zz" }},
	{name: "correlationId bad hex", mutate: func(m map[string]any) { m["correlationId"] = "0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaaz" }},
	{name: "category missing", mutate: func(m map[string]any) { delete(m, "category"); delete(m, "message") }},
	{name: "errorType not RATE_LIMIT", mutate: func(m map[string]any) { m["errorType"] = "LIMIT" }},
	{name: "errors entry wrong", mutate: func(m map[string]any) {
		m["errors"] = []any{map[string]any{"context": map[string]any{"a": "not a list"}}}
	}},
	{name: "body is an array", mutate: nil, text: func([]byte) []byte { return []byte(`[1,2]`) }},
	{name: "body is null", text: func([]byte) []byte { return []byte(" null ") }},
	{name: "body is a string", text: func([]byte) []byte { return []byte(`"COMPLETE"`) }},
	{name: "truncated", text: func(b []byte) []byte { return b[:len(b)*2/3] }},
	{name: "trailing data", text: func(b []byte) []byte { return append(slices.Clone(b), " x"...) }},
	{name: "number out of range", text: func(b []byte) []byte { return bytes.Replace(b, []byte(`{`), []byte(`{"huge":1e400,`), 1) }},
	{name: "enum spelled with an escape", text: func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"COMPLETE"`), []byte(`"COMPL\u0045TE"`), 1)
	}},
	{name: "repeated member, bad value first", text: func(b []byte) []byte {
		return bytes.Replace(b, []byte(`{`), []byte(`{"status":7,`), 1)
	}},
	{name: "repeated member, bad value last", text: func(b []byte) []byte {
		return append(bytes.TrimSuffix(bytes.TrimSpace(b), []byte("}")), `,"status":7}`...)
	}},
	{name: "empty body", text: func([]byte) []byte { return []byte("  \n") }},
	{name: "pretty-printed", text: func(b []byte) []byte {
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") != nil {
			return b
		}
		return out.Bytes()
	}},
	{name: "invalid utf-8 in an enum", text: func(b []byte) []byte { return bytes.Replace(b, []byte(`"COMPLETE"`), []byte("\"COMPLETE\xff\""), 1) }},
	{name: "control character", text: func(b []byte) []byte { return bytes.Replace(b, []byte(`"COMPLETE"`), []byte("\"COMP\x01\""), 1) }},
}

func result0(m map[string]any) map[string]any {
	if rs, ok := m["results"].([]any); ok && len(rs) > 0 {
		if r, ok := rs[0].(map[string]any); ok {
			return r
		}
	}
	r := map[string]any{}
	m["results"] = []any{r}
	return r
}

func props0(m map[string]any) map[string]any {
	r := result0(m)
	if p, ok := r["properties"].(map[string]any); ok {
		return p
	}
	p := map[string]any{}
	r["properties"] = p
	return p
}

// TestFastSchemaAgreesOnCorruptedAnswers applies every corruption to every
// kind of answer and compares the findings with the library's.
func TestFastSchemaAgreesOnCorruptedAnswers(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	answers := fsRealAnswers(t)
	failing := 0
	for _, bad := range fsCorrupted(t, answers) {
		fsAssertAgree(t, v, f, bad)
		if len(v.ValidateResponseTo(bad.method, bad.path, bad.status, http.Header{"Content-Type": {bad.ct}}, bad.body)) > 0 {
			failing++
		}
	}
	for _, ex := range answers {
		if len(ex.body) == 0 {
			continue
		}
		// Wrong content types and undeclared statuses take the same
		// early exits as the library.
		for _, ct := range []string{"text/html", "", "application/problem+json"} {
			bad := ex
			bad.name, bad.ct = ex.name+" as "+ct, ct
			fsAssertAgree(t, v, f, bad)
		}
	}
	assert.Greater(t, failing, 100, "the corruptions must mostly be caught, or the comparison proves little")
}

// fsCorrupted applies every hand-made corruption (fsCorruptions) to every
// answer with a body: the one list both differential tests read.
func fsCorrupted(t testing.TB, answers []fsExchange) []fsExchange {
	t.Helper()
	var out []fsExchange
	for _, ex := range answers {
		if len(ex.body) == 0 {
			continue
		}
		for _, c := range fsCorruptions {
			body := ex.body
			if c.mutate != nil {
				var m map[string]any
				if json.Unmarshal(body, &m) != nil {
					continue
				}
				c.mutate(m)
				var err error
				body, err = json.Marshal(m)
				require.NoError(t, err)
			}
			if c.text != nil {
				body = c.text(body)
			}
			bad := ex
			bad.name, bad.body = ex.name+" / "+c.name, body
			out = append(out, bad)
		}
	}
	return out
}

// fsMutate corrupts a decoded answer at random: one change at a random
// place, of a random kind.
func fsMutate(r *rand.Rand, v any) any {
	replacements := []func() any{
		func() any { return nil }, func() any { return true }, func() any { return 1.5 }, func() any { return 7.0 },
		func() any { return 3e9 }, func() any { return "x" }, func() any { return "2026-11-30T08:33:58Z" },
		func() any { return "0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaaa" }, func() any { return "COMPLETE" },
		func() any { return map[string]any{} }, func() any { return []any{} }, func() any { return []any{"a", 2.0} },
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 || r.IntN(8) == 0 {
			x[fmt.Sprintf("k%d", r.IntN(3))] = replacements[r.IntN(len(replacements))]()
			return x
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		k := keys[r.IntN(len(keys))]
		switch r.IntN(4) {
		case 0:
			delete(x, k)
		case 1:
			x[k] = replacements[r.IntN(len(replacements))]()
		default:
			x[k] = fsMutate(r, x[k])
		}
		return x
	case []any:
		if len(x) == 0 {
			return append(x, replacements[r.IntN(len(replacements))]())
		}
		i := r.IntN(len(x))
		if r.IntN(3) == 0 {
			x[i] = replacements[r.IntN(len(replacements))]()
		} else {
			x[i] = fsMutate(r, x[i])
		}
		return x
	}
	return replacements[r.IntN(len(replacements))]()
}

// TestFastSchemaAgreesOnRandomCorruptions: thousands of random single
// corruptions of real answers, compared finding for finding.
func TestFastSchemaAgreesOnRandomCorruptions(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	answers := fsRealAnswers(t)
	r := rand.New(rand.NewPCG(5, 6))
	rounds := 1500
	if testing.Short() {
		rounds = 300
	}
	for i := range rounds {
		ex := answers[r.IntN(len(answers))]
		var doc any
		if json.Unmarshal(ex.body, &doc) != nil {
			continue
		}
		for range 1 + r.IntN(3) {
			doc = fsMutate(r, doc)
		}
		body, err := json.Marshal(doc)
		require.NoError(t, err)
		bad := ex
		bad.name, bad.body = fmt.Sprintf("%s / random corruption %d", ex.name, i), body
		fsAssertAgree(t, v, f, bad)
	}
}

// FuzzFastSchemaAgrees is the differential fuzz test: any body, on any of
// the answers' operations and statuses, gets the library's findings. The
// seeds are small answers of every kind and their hand-made corruptions;
// FuzzFastSchemaAcceptingWalk fuzzes the accepting walk without the
// library's cost on every exec.
func FuzzFastSchemaAgrees(f *testing.F) {
	answers := fsSmallAnswers(f)
	for i, ex := range answers {
		f.Add(uint8(i), ex.body)
	}
	for _, ex := range fsCorrupted(f, answers) {
		i := slices.IndexFunc(answers, func(a fsExchange) bool { // the exchange it corrupts
			return a.method == ex.method && a.path == ex.path && a.status == ex.status
		})
		f.Add(uint8(i), ex.body)
	}
	v, fs, exchange := fsFuzzRig(f, answers)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		fsAssertAgree(t, v, fs, exchange(which, body))
	})
}

// fsFuzzRig is what both FastSchema fuzz targets share: the validator, its
// fast path, and the exchange a fuzzed (which, body) stands for (which
// picks the operation and status among answers, body replaces its body).
func fsFuzzRig(f *testing.F, answers []fsExchange) (*Validator, *FastSchema, func(which uint8, body []byte) fsExchange) {
	v, err := DefaultValidator()
	require.NoError(f, err)
	return v, NewFastSchema(v), func(which uint8, body []byte) fsExchange {
		ex := answers[int(which)%len(answers)]
		ex.body = body
		return ex
	}
}

// BenchmarkFastSchema100 compares, in the same run, the fast path and
// libopenapi-validator on one realistic 100-result upsert answer (goal:
// ≤ 150 µs per answer for the fast path). On a busy machine compare
// cpu-µs/answer (the process's CPU time, GC included): wall time mostly
// measures the neighbours.
func BenchmarkFastSchema100(b *testing.B) {
	v, err := DefaultValidator()
	require.NoError(b, err)
	f := NewFastSchema(v)
	gen, err := generators.New(generators.WithSeed(1), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(b, err)
	emu := emulator.New(emulator.WithToken("t"))
	b.Cleanup(emu.Close)
	var body []byte
	for n := range uint64(4) {
		req := httptest.NewRequest(http.MethodPost, gen.Path(), bytes.NewReader(gen.AppendBatch(nil, n)))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		body = rec.Body.Bytes()
	}
	h := http.Header{"Content-Type": {fsJSON}}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu := cpuclock.Start()
		for b.Loop() {
			if fs, fast := f.ValidateResponse(http.MethodPost, gen.Path(), 200, h, body); len(fs) > 0 || !fast {
				b.Fatal(fs)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/answer")
		cpu.Report(b, 1e3, "cpu-µs/answer")
	})
	b.Run("libopenapi-validator", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		cpu := cpuclock.Start()
		for b.Loop() {
			if fs := v.ValidateResponseTo(http.MethodPost, gen.Path(), 200, h, body); len(fs) > 0 {
				b.Fatal(fs)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/answer")
		cpu.Report(b, 1e3, "cpu-µs/answer")
	})
}
