package load

import (
	"encoding/json"
	"hash/maphash"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/cpuclock"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// emulatorAnswers sends n batches of gen to a fresh emulator, one after
// another, and returns the answers' bodies and status codes.
func emulatorAnswers(tb testing.TB, gen *generators.Generator, n int, opts ...emulator.Option) (bodies [][]byte, codes []int) {
	tb.Helper()
	emu := emulator.New(append([]emulator.Option{emulator.WithToken("t")}, opts...)...)
	tb.Cleanup(emu.Close)
	for b := range n {
		req := httptest.NewRequest(http.MethodPost, gen.Path(), strings.NewReader(string(gen.AppendBatch(nil, uint64(b)))))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		bodies = append(bodies, rec.Body.Bytes())
		codes = append(codes, rec.Code)
	}
	return bodies, codes
}

// referenceFacts extracts the same facts with encoding/json: the
// independent reference the extractor is held to.
func referenceFacts(tb testing.TB, x *extractor, body []byte) ([]resultFacts, []failedInput, int, bool) {
	tb.Helper()
	// Maps, not structs, at every level: encoding/json fills a struct field
	// from a member whose name differs only in case ("Errors" fills
	// Errors), while JSON names, HubSpot's and the extractor's, are case
	// sensitive (FuzzExtract found {"Errors":[{"ConteXt":…}]}).
	var top map[string]json.RawMessage
	var results, errs []map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || unmarshalMember(top, "results", &results) != nil ||
		unmarshalMember(top, "errors", &errs) != nil {
		return nil, nil, 0, false
	}
	contexts := make([]map[string]json.RawMessage, len(errs))
	for i, e := range errs {
		if unmarshalMember(e, "context", &contexts[i]) != nil {
			return nil, nil, 0, false
		}
	}
	str := func(raw json.RawMessage) (string, bool) {
		var s string
		return s, len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil
	}
	var out []resultFacts
	for _, m := range results {
		var r resultFacts
		if s, ok := str(m["id"]); ok {
			r.flags |= factID
			if id, err := strconv.ParseUint(s, 10, 64); err == nil && len(s) <= 19 && (s == "0" || s[0] != '0') {
				r.id = id
			} else {
				r.id, r.flags = maphash.String(x.fpSeed, s), r.flags|factIDHashed
			}
		}
		switch string(m["new"]) {
		case "true":
			r.flags |= factNew | factIsNew
		case "false":
			r.flags |= factNew
		}
		if s, ok := str(m["updatedAt"]); ok {
			if ms, ok := hubspot.ParseInstant([]byte(s)); ok {
				r.updated, r.flags = ms, r.flags|factUpdated
			}
		}
		if s, ok := str(m["objectWriteTraceId"]); ok {
			r.flags |= factTrace
			if n, i, ok := x.gen.ParseTraceID([]byte(s)); ok {
				r.traceN, r.traceI, r.flags = n, int32(i), r.flags|factTraceOurs
			}
		}
		var props map[string]json.RawMessage
		if raw, ok := m["properties"]; ok && json.Unmarshal(raw, &props) == nil {
			for name, raw := range props {
				v, ok := str(raw)
				if !ok {
					continue
				}
				if name == string(x.idProp) {
					r.flags |= factKey
					if k, ok := x.gen.ParseKey([]byte(v)); ok {
						r.key, r.flags = k, r.flags|factKeyOurs
					}
					continue
				}
				if bit := hubspot.WritablePropertyIndex([]byte(name)); bit >= 0 {
					r.fp[bit] = valueFingerprint(x.fpKey, bit, []byte(v))
					r.echoed |= 1 << bit
				}
			}
		}
		out = append(out, r)
	}
	var failed []failedInput
	unnamed := 0
	for _, ctx := range contexts {
		var ids []string
		named := 0
		if raw, ok := ctx["objectWriteTraceId"]; ok && json.Unmarshal(raw, &ids) == nil {
			for _, id := range ids {
				if n, i, ok := x.gen.ParseTraceID([]byte(id)); ok {
					failed = append(failed, failedInput{n: n, i: int32(i)})
					named++
				}
			}
		}
		if named == 0 {
			unnamed++
		}
	}
	return out, failed, unnamed, true
}

// unmarshalMember decodes m's member name into v, if m has it.
func unmarshalMember(m map[string]json.RawMessage, name string, v any) error {
	if raw, ok := m[name]; ok {
		return json.Unmarshal(raw, v)
	}
	return nil
}

// comparable drops what the reference does not compute (spans into the body).
func comparableFacts(rs []resultFacts) []resultFacts {
	if len(rs) == 0 {
		return nil
	}
	out := make([]resultFacts, len(rs))
	for i, r := range rs {
		r.keySpan, r.idSpan, r.trSpan = span{}, span{}, span{}
		r.flags &^= factMalformed
		out[i] = r
	}
	return out
}

func TestExtractMatchesEncodingJSON(t *testing.T) {
	tests := []struct {
		name  string
		opts  []generators.Option
		eopts []emulator.Option
	}{
		{"creates", []generators.Option{generators.WithSeed(3)}, nil},
		{"updates and trace ids", []generators.Option{generators.WithSeed(4), generators.WithUpdateShare(0.6), generators.WithUpdateLag(1), generators.WithTraceIDs(true)}, nil},
		{"207 with invalid inputs", []generators.Option{generators.WithSeed(5), generators.WithUpdateShare(0.3), generators.WithTraceIDs(true), generators.WithInvalidShare(0.05)}, nil},
		{"shard 2 of 3", []generators.Option{generators.WithSeed(6), generators.WithShard(2, 3), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1)}, nil},
		{"no trace ids, in order", []generators.Option{generators.WithSeed(7), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1)}, []emulator.Option{emulator.WithPreserveOrder(true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gen, err := generators.New(tt.opts...)
			require.NoError(t, err)
			x := newExtractor(gen)
			bodies, codes := emulatorAnswers(t, gen, 8, tt.eopts...)
			var sc jsonscan.Scanner
			var facts answerFacts
			sawFailed := false
			for b, body := range bodies {
				require.Contains(t, []int{200, 207}, codes[b], string(body))
				sc.Reset(body)
				require.True(t, x.compact(&sc, &facts), "the compact walk reads the emulator's answers")
				require.NoError(t, x.extract(body, &sc, &facts))
				want, failed, unnamed, ok := referenceFacts(t, x, body)
				require.True(t, ok)
				assert.Equal(t, want, comparableFacts(facts.results), "batch %d", b)
				assert.Equal(t, failed, facts.failed)
				assert.Equal(t, unnamed, facts.unnamedErrors)
				sawFailed = sawFailed || len(facts.failed) > 0
				for _, r := range facts.results {
					require.True(t, r.has(factKeyOurs|factID|factNew|factUpdated), "every emulator result carries its key, id, new and updatedAt")
					assert.Equal(t, gen.Key(r.key), r.keySpan.of(body))
				}
			}
			if codes[0] == 207 || tt.name == "207 with invalid inputs" {
				assert.True(t, sawFailed, "the 207 answers name their failed inputs")
			}
		})
	}
}

// TestExtractShapes covers answers a faithful emulator never sends:
// whitespace, escapes, other member orders, wrong types, foreign keys.
func TestExtractShapes(t *testing.T) {
	gen, err := generators.New(generators.WithKeyPrefix("ub-9"), generators.WithTraceIDs(true))
	require.NoError(t, err)
	x := newExtractor(gen)
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, f *answerFacts)
	}{
		{"spaced, reordered, escaped", ` { "status" : "COMPLETE" , "results" : [ { "new" : false , "properties" : { "hs_task_subject" : "Call \"Acme\"" , "external_task_id" : "ub\u002d9-4" } , "objectWriteTraceId" : "b2-7" , "updatedAt" : "2026-11-30T08:33:58Z" , "id" : "48000000001" } ] } `,
			func(t *testing.T, f *answerFacts) {
				require.Len(t, f.results, 1)
				r := f.results[0]
				assert.Equal(t, uint64(4), r.key)
				assert.Equal(t, uint64(48000000001), r.id)
				assert.True(t, r.has(factNew))
				assert.False(t, r.has(factIsNew))
				assert.Equal(t, int64(1796027638000), r.updated)
				assert.Equal(t, uint64(2), r.traceN)
				assert.Equal(t, int32(7), r.traceI)
				assert.Equal(t, valueFingerprint(x.fpKey, 1, []byte(`Call "Acme"`)), r.fp[1])
				assert.Equal(t, generators.PropMask(1<<1), r.echoed)
			}},
		{"foreign key, odd id, foreign trace", `{"results":[{"id":"abc-1","new":true,"updatedAt":"x","objectWriteTraceId":"t-1","properties":{"external_task_id":"other-4"}}]}`,
			func(t *testing.T, f *answerFacts) {
				r := f.results[0]
				assert.True(t, r.has(factKey|factID|factIDHashed|factIsNew|factTrace|factMalformed))
				assert.False(t, r.has(factKeyOurs))
				assert.False(t, r.has(factTraceOurs))
				assert.False(t, r.has(factUpdated))
			}},
		{"wrong types", `{"results":[{"id":5,"new":"yes","updatedAt":null,"properties":{"external_task_id":7,"hs_task_body":null}},3]}`,
			func(t *testing.T, f *answerFacts) {
				require.Len(t, f.results, 2)
				for _, r := range f.results {
					assert.True(t, r.has(factMalformed))
					assert.False(t, r.has(factID|factNew|factKey))
					assert.Zero(t, r.echoed)
				}
			}},
		{"instants compare as instants", `{"results":[{"properties":{"hs_timestamp":"1760357700000"}},{"properties":{"hs_timestamp":"2025-10-13T12:15:00Z"}}]}`,
			func(t *testing.T, f *answerFacts) {
				assert.Equal(t, f.results[0].fp[0], f.results[1].fp[0])
			}},
		{"errors name inputs", `{"results":[],"errors":[{"context":{"objectWriteTraceId":["b3-1"]}},{"context":{"propertyName":["x"]}},{"message":"m"},{"context":{"objectWriteTraceId":["zzz"]}}]}`,
			func(t *testing.T, f *answerFacts) {
				assert.Equal(t, []failedInput{{n: 3, i: 1}}, f.failed)
				assert.Equal(t, 3, f.unnamedErrors)
			}},
		{"repeated results member: the last counts", `{"results":[{"id":"1"}],"results":[{"id":"2"},{"id":"3"}]}`,
			func(t *testing.T, f *answerFacts) {
				require.Len(t, f.results, 2)
				assert.Equal(t, uint64(2), f.results[0].id)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sc jsonscan.Scanner
			var f answerFacts
			require.NoError(t, x.extract([]byte(tt.body), &sc, &f))
			tt.check(t, &f)
		})
	}
	for _, bad := range []string{``, `[]`, `{"results":[{"id":"1"}`, `{"results":[]} x`, `{"results":[{"id":"1\x01"}]}`, `null`} {
		var sc jsonscan.Scanner
		var f answerFacts
		assert.ErrorIs(t, x.extract([]byte(bad), &sc, &f), errUnreadableAnswer, "%q", bad)
	}
}

// TestExtractTrickyProperties holds both walks to encoding/json on answers
// built to fool a fast path: names of a read property's length, or sharing
// its first and last eight bytes; values holding quotes, backslashes,
// `"name":"value"` text, escapes and raw UTF-8; repeated members; other
// member orders and whitespace. compact says whether the compact walk must
// read the answer itself (the form an encoder writes).
func TestExtractTrickyProperties(t *testing.T) {
	gen, err := generators.New(generators.WithKeyPrefix("ub-9"), generators.WithTraceIDs(true))
	require.NoError(t, err)
	x := newExtractor(gen)
	result := func(props string) string {
		return `{"results":[{"id":"7","properties":{` + props + `},"updatedAt":"2026-11-30T08:33:58Z","new":true,"objectWriteTraceId":"b1-0"}]}`
	}
	tests := []struct {
		name    string
		body    string
		compact bool
	}{
		{"same length, other name", result(`"hs_task_bodx":"a","hs_object_id":"1","external_task_ix":"ub-9-1"`), true},
		{"same first and last eight bytes, other middle", result(`"hs_queue_membership_ids":"3","hs_queue_mXmbership_ids":"1;2"`), true},
		{"value holding a member", result(`"hs_task_body":"say \"external_task_id\":\"ub-9-2\" now","external_task_id":"ub-9-1"`), true},
		{"value ending in a backslash", result(`"hs_task_subject":"a\\","hs_task_body":"b\\\"","external_task_id":"ub-9-3"`), true},
		{"escapes and raw UTF-8", result(`"hs_task_subject":"caf\u00e9 \ud83d\ude00 \n\t\/","hs_task_body":"café 😀","hs_task_type":"TODO"`), true},
		{"instant escaped", result(`"hs_timestamp":"2025-10-13T12:15:00\u002e000Z","hs_task_reminders":"1760357700000"`), true},
		{"repeated property: the last counts", result(`"hs_task_status":"NOT_STARTED","hs_task_status":"COMPLETED","external_task_id":"ub-9-4","external_task_id":"ub-9-5"`), true},
		{"repeated properties member", `{"results":[{"properties":{"hs_task_body":"x"},"properties":{"hs_task_type":"CALL"}}]}`, true},
		{"null clears a written value", result(`"hs_task_body":"x","hs_task_body":null,"external_task_id":null`), true},
		{"short and long unknown names", result(`"a":"1","":"2","hs_body_preview_is_truncated":"false","hs_lastmodifieddate":"2026-11-30T08:33:58Z"`), true},
		{"escaped name", result(`"hs_task_b\u006fdy":"x","external_task_id":"ub-9-6"`), false},
		{"whitespace", `{"results":[{"properties":{ "hs_task_body" : "x" , "external_task_id":"ub-9-7"}}]}`, false},
		{"value of another type", result(`"hs_task_body":5,"hs_task_type":"CALL"`), false},
		{"members reordered", `{"errors":[],"results":[{"objectWriteTraceId":"b2-1","new":false,"properties":{"external_task_id":"ub-9-8"},"id":"9"}],"status":"COMPLETE"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			require.True(t, json.Valid(body), "the case is JSON")
			var sc jsonscan.Scanner
			var general, compact answerFacts
			sc.Reset(body)
			require.NoError(t, x.general(&sc, &general))
			require.Equal(t, tt.compact, x.compact(&sc, &compact), "the compact walk reads this form")
			if tt.compact {
				assert.Equal(t, general.results, compact.results)
			}
			want, _, _, ok := referenceFacts(t, x, body)
			require.True(t, ok)
			assert.Equal(t, want, comparableFacts(general.results))
		})
	}
}

// FuzzExtract mutates real answers: the extractor never panics, refuses
// exactly what is not a JSON object, and on everything it reads agrees
// with encoding/json.
func FuzzExtract(f *testing.F) {
	gen, err := generators.New(generators.WithSeed(8), generators.WithBatchSize(3), generators.WithTraceIDs(true),
		generators.WithUpdateShare(0.5), generators.WithUpdateLag(1), generators.WithInvalidShare(0.2))
	require.NoError(f, err)
	bodies, _ := emulatorAnswers(f, gen, 6)
	for _, b := range bodies {
		f.Add(b)
	}
	x := newExtractor(gen)
	f.Fuzz(func(t *testing.T, body []byte) {
		var sc jsonscan.Scanner
		var facts, compact answerFacts
		sc.Reset(body)
		err := x.general(&sc, &facts)
		if x.compact(&sc, &compact) {
			// The compact walk, when it reads an answer, reads what the
			// general one reads, spans included; it only does not look
			// for raw control characters in strings.
			if err != nil && hasControlByte(body) {
				return
			}
			require.NoError(t, err)
			assert.Equal(t, facts.results, compact.results)
			assert.Equal(t, facts.failed, compact.failed)
			assert.Equal(t, facts.unnamedErrors, compact.unnamedErrors)
		}
		isObject := json.Valid(body) && strings.HasPrefix(strings.TrimLeft(string(body), " \t\r\n"), "{")
		require.Equal(t, isObject, err == nil, "extract error %v", err)
		if err != nil {
			return
		}
		if !utf8.Valid(body) {
			return // fingerprints hash bytes as sent; encoding/json replaces invalid UTF-8
		}
		want, failed, unnamed, ok := referenceFacts(t, x, body)
		if !ok {
			return // a shape the reference's structs refuse (results not an array of objects…)
		}
		if len(want) != len(facts.results) {
			return // a result that is not an object: the reference drops it
		}
		assert.Equal(t, want, comparableFacts(facts.results))
		assert.Equal(t, len(failed), len(facts.failed))
		_ = unnamed
	})
}

func hasControlByte(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
		if c == '\t' || c == '\n' || c == '\r' {
			return true // whitespace is fine between tokens, not inside strings
		}
	}
	return false
}

// BenchmarkExtract100 is the per-answer cost of the invariants' read of a
// realistic 100-result answer (goal ≤ 30 µs), stop bitmap included.
func BenchmarkExtract100(b *testing.B) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithTraceIDs(true), generators.WithUpdateShare(0.5), generators.WithUpdateLag(1))
	require.NoError(b, err)
	bodies, _ := emulatorAnswers(b, gen, 4)
	body := bodies[3]
	x := newExtractor(gen)
	var sc jsonscan.Scanner
	var facts answerFacts
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cpuclock.Start()
	for b.Loop() {
		if err := x.extract(body, &sc, &facts); err != nil || len(facts.results) != 100 {
			b.Fatal(err, len(facts.results))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e3, "µs/answer")
	cpu.Report(b, 1e3, "cpu-µs/answer")
}
