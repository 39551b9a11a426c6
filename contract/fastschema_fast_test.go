package contract

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// fsAccepted runs only the accepting walk over an answer: whether it
// proves the body valid (nil node: the response has no compiled schema).
func fsAccepted(t testing.TB, f *FastSchema, ex fsExchange) (accepted, compiled bool) {
	t.Helper()
	rt := f.v.routes.lookup(ex.method, ex.path)
	if rt == nil {
		return false, false
	}
	resp := rt.response(ex.status)
	if resp == nil {
		return false, false
	}
	node, ok := f.nodes[resp]
	if !ok {
		return false, false
	}
	var sc jsonscan.Scanner
	sc.Reset(ex.body)
	w := new(fsWalk)
	w.reset(&sc)
	p := sc.Space(0)
	end, ok := w.accepts(node, p, 0)
	return ok && sc.Space(end) == len(ex.body), true
}

// TestFastSchemaAcceptingWalkProvesRealAnswers: every real answer with a
// schema is proven valid by the accepting walk alone (otherwise every
// answer would pay for both walks, and the benchmark would not show it).
func TestFastSchemaAcceptingWalkProvesRealAnswers(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	kinds := 0
	for _, ex := range fsRealAnswers(t) {
		if len(ex.body) == 0 {
			continue
		}
		require.Empty(t, v.ValidateResponseTo(ex.method, ex.path, ex.status, http.Header{"Content-Type": {ex.ct}}, ex.body), ex.name)
		accepted, compiled := fsAccepted(t, f, ex)
		require.True(t, compiled, ex.name)
		assert.True(t, accepted, "%s (%d): the accepting walk left it to the generic walk", ex.name, ex.status)
		kinds++
	}
	assert.GreaterOrEqual(t, kinds, 10)
}

// TestFastSchemaAcceptingWalkRefusesCorruptions: the accepting walk never
// proves valid a body the library finds fault with, on the hand-made and
// on random corruptions of every kind of answer, and it refuses most of
// the failing ones itself (rather than by luck of the generic walk).
func TestFastSchemaAcceptingWalkRefusesCorruptions(t *testing.T) {
	v, err := DefaultValidator()
	require.NoError(t, err)
	f := NewFastSchema(v)
	answers := fsRealAnswers(t)
	bodies := fsCorrupted(t, answers)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 600 {
		ex := answers[r.IntN(len(answers))]
		var doc any
		if json.Unmarshal(ex.body, &doc) != nil {
			continue
		}
		doc = fsMutate(r, doc)
		body, err := json.Marshal(doc)
		require.NoError(t, err)
		bad := ex
		bad.name, bad.body = fmt.Sprintf("%s / random corruption %d", ex.name, i), body
		bodies = append(bodies, bad)
	}
	refused, accepted := 0, 0
	for _, ex := range bodies {
		findings := v.ValidateResponseTo(ex.method, ex.path, ex.status, http.Header{"Content-Type": {ex.ct}}, ex.body)
		ok, compiled := fsAccepted(t, f, ex)
		if !compiled {
			continue
		}
		if ok {
			accepted++
			assert.Empty(t, findings, "%s: accepted by the accepting walk\n%s", ex.name, excerpt(ex.body))
		} else if len(findings) > 0 {
			refused++
		}
	}
	assert.Greater(t, refused, 300, "failing bodies refused")
	assert.Greater(t, accepted, 20, "harmless corruptions (e.g. pretty-printing, a new link) still proven valid")
}

// fsTestCompile compiles the schema at ptr of our document.
func fsTestCompile(t *testing.T, ptr string) *fsNode {
	t.Helper()
	v, err := DefaultValidator()
	require.NoError(t, err)
	c := &fsCompiler{tree: v.tree, nodes: map[string]*fsNode{}}
	n, err := c.compile(ptr)
	require.NoError(t, err)
	return n
}

func fsPropNode(t *testing.T, n *fsNode, name string) *fsNode {
	t.Helper()
	i := n.lookup([]byte(name))
	require.GreaterOrEqual(t, i, 0, name)
	return n.props[i].node
}

// TestFsFastKindOfOurDocument: the reading the accepting walk picks for
// each kind of node of the upsert answer.
func TestFsFastKindOfOurDocument(t *testing.T) {
	top := fsTestCompile(t, "/components/schemas/BatchResponseSimplePublicUpsertObjectWithErrors")
	result := fsTestCompile(t, "/components/schemas/SimplePublicUpsertObject")
	warning := fsTestCompile(t, "/components/schemas/PublicObjectWarning")
	for _, tc := range []struct {
		name string
		node *fsNode
		want fsFastKind
	}{
		{"answer", top, fkObject},
		{"status (enum)", fsPropNode(t, top, "status"), fkEnum},
		{"completedAt", fsPropNode(t, top, "completedAt"), fkDateTime},
		{"links (map of strings)", fsPropNode(t, top, "links"), fkMap},
		{"results", fsPropNode(t, top, "results"), fkArray},
		{"numErrors (int32: generic)", fsPropNode(t, top, "numErrors"), fkGeneric},
		{"result", result, fkObject},
		{"result id", fsPropNode(t, result, "id"), fkString},
		{"result new", fsPropNode(t, result, "new"), fkBool},
		{"result properties", fsPropNode(t, result, "properties"), fkMap},
		{"result property value", fsPropNode(t, result, "properties").addl, fkString},
		{"result propertiesWithHistory", fsPropNode(t, result, "propertiesWithHistory"), fkMap},
		{"warning context", fsPropNode(t, warning, "context"), fkMap},
	} {
		assert.Equal(t, tc.want, tc.node.fast, tc.name)
	}
	assert.Equal(t, uint64(len(result.required)), uint64(popcount(result.reqMask)), "every required name in the mask")
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// TestFsFastKindOfKeywords: keywords the accepting walk cannot prove by a
// reading of its own leave the node to the generic walk.
func TestFsFastKindOfKeywords(t *testing.T) {
	for _, tc := range []struct {
		name   string
		schema map[string]any
		want   fsFastKind
	}{
		{"string", map[string]any{"type": "string"}, fkString},
		{"nullable string", map[string]any{"type": "string", "nullable": true}, fkGeneric},
		{"string with int32 format (not a string format)", map[string]any{"type": "string", "format": "int32"}, fkString},
		{"untyped date-time", map[string]any{"format": "date-time"}, fkDateTime},
		{"uuid", map[string]any{"type": "string", "format": "uuid"}, fkUUID},
		{"enum with a date-time format", map[string]any{"type": "string", "format": "date-time", "enum": []any{"x"}}, fkGeneric},
		{"enum of a number type", map[string]any{"type": "integer", "enum": []any{"x"}}, fkGeneric},
		{"enum", map[string]any{"type": "string", "enum": []any{"A", "B"}}, fkEnum},
		{"boolean", map[string]any{"type": "boolean"}, fkBool},
		{"integer", map[string]any{"type": "integer"}, fkGeneric},
		{"object without keywords", map[string]any{"type": "object"}, fkGeneric},
		{"object with properties", map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{}}}, fkObject},
		{"required outside the properties", map[string]any{"type": "object", "required": []any{"z"},
			"properties": map[string]any{"a": map[string]any{}}}, fkGeneric},
		{"non-ASCII property name", map[string]any{"type": "object", "properties": map[string]any{"é": map[string]any{}}}, fkGeneric},
		{"map", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}, fkMap},
		{"closed empty object", map[string]any{"type": "object", "additionalProperties": false}, fkObject},
		{"array", map[string]any{"type": "array", "items": map[string]any{"type": "string"}}, fkArray},
		{"array without items", map[string]any{"type": "array"}, fkGeneric},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &fsCompiler{tree: map[string]any{"s": tc.schema}, nodes: map[string]*fsNode{}}
			n, err := c.compile("/s")
			require.NoError(t, err)
			assert.Equal(t, tc.want, n.fast)
		})
	}
}

// TestFsNodeLookup: the perfect hash finds every declared name and no
// other, including names that share a declared name's length and first
// and last bytes; names that share a key fall back to prop.
func TestFsNodeLookup(t *testing.T) {
	result := fsTestCompile(t, "/components/schemas/SimplePublicUpsertObject")
	require.NotNil(t, result.hashTab, "the result's names have distinct keys")
	for i, p := range result.props {
		assert.Equal(t, i, result.lookup([]byte(p.name)), p.name)
		if len(p.name) > 2 {
			near := []byte(p.name)
			near[1] ^= 0x20
			assert.Equal(t, -1, result.lookup(near), "%s", near)
		}
	}
	for _, name := range []string{"", "x", "ID", "properties2", "propertie", "objectWriteTraceIdX"} {
		assert.Equal(t, -1, result.lookup([]byte(name)), name)
	}

	c := &fsCompiler{tree: map[string]any{"s": map[string]any{"properties": map[string]any{
		"ab_x": map[string]any{}, "ac_x": map[string]any{}, "": map[string]any{}}}}, nodes: map[string]*fsNode{}}
	n, err := c.compile("/s")
	require.NoError(t, err)
	assert.Nil(t, n.hashTab, "ab_x and ac_x share a key")
	for _, tc := range []struct {
		name string
		want string
	}{{"ab_x", "ab_x"}, {"ac_x", "ac_x"}, {"", ""}, {"ad_x", "-"}, {"a", "-"}} {
		i := n.lookup([]byte(tc.name))
		if tc.want == "-" {
			assert.Equal(t, -1, i, tc.name)
			continue
		}
		require.GreaterOrEqual(t, i, 0, tc.name)
		assert.Equal(t, tc.want, n.props[i].name)
	}
}

// TestFsCanonicalDateTime holds the short cut to jsonschema's check
// (fsDateTimeString): it accepts nothing the check refuses, and of the
// canonical shape with seconds below 60 it accepts all the check accepts.
func TestFsCanonicalDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"2026-11-30T17:41:46.280Z", true},
		{"2026-11-30T17:41:46Z", true},
		{"2024-02-29T00:00:00Z", true},
		{"2000-02-29T23:59:59.999999999Z", true},
		{"1900-02-29T00:00:00Z", false},
		{"2026-02-29T00:00:00Z", false},
		{"2026-04-31T00:00:00Z", false},
		{"2026-12-31T23:59:60Z", false}, // a leap second: the check's own path
		{"2026-00-10T00:00:00Z", false},
		{"2026-13-10T00:00:00Z", false},
		{"2026-11-00T00:00:00Z", false},
		{"2026-11-30T24:00:00Z", false},
		{"2026-11-30T23:60:00Z", false},
		{"2026-11-30t17:41:46Z", false},
		{"2026-11-30T17:41:46z", false},
		{"2026-11-30T17:41:46.Z", false},
		{"2026-11-30T17:41:46,1Z", false},
		{"2026-11-30T17:41:46.1aZ", false},
		{"2026-11-30T17:41:46+00:00", false},
		{"2026/11/30T17:41:46Z", false},
		{"2026-11-30T17-41:46Z", false},
		{"2026-11-30T17:41-46Z", false},
		{"2026-1:-30T17:41:46Z", false},
		{"2026-11-30T17:4/:46Z", false},
		{"2026-11-30T17:41:46", false},
		{"2026-11-30 17:41:46Z", false},
		{"", false},
	} {
		got := fsCanonicalDateTime([]byte(tc.in))
		assert.Equal(t, tc.want, got, tc.in)
		if got {
			assert.NoError(t, fsDateTimeString(tc.in), tc.in)
		}
	}
	// Every byte value at every position of a canonical date-time.
	base := []byte("2024-02-29T23:59:59.125Z")
	for i := range base {
		for c := range 256 {
			b := append([]byte(nil), base...)
			b[i] = byte(c)
			got := fsCanonicalDateTime(b)
			ref := fsDateTimeString(string(b)) == nil
			if got {
				require.True(t, ref, "%q accepted, refused by the check", b)
			}
			if ref && fsDigitsAt(b, 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22) && b[10] == 'T' && b[len(b)-1] == 'Z' && b[17] < '6' {
				require.True(t, got, "%q refused, accepted by the check", b)
			}
		}
	}
	// Every date of a leap and of a common year.
	for _, y := range []int{2023, 2024, 2100} {
		for m := 1; m <= 12; m++ {
			for d := 0; d <= 32; d++ {
				s := fmt.Sprintf("%04d-%02d-%02dT12:00:00Z", y, m, d)
				assert.Equal(t, fsDateTimeString(s) == nil, fsCanonicalDateTime([]byte(s)), s)
			}
		}
	}
}

// TestFsUUIDBytes holds the byte check to jsonschema's uuid check.
func TestFsUUIDBytes(t *testing.T) {
	cases := []string{
		"0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaaa", "0190AAAA-aaaa-7aaa-aaaa-aaaaaaaaaaaa", "0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaaz",
		"0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaa", "0190aaaaaaaaa-7aaa-aaaa-aaaaaaaaaaaa", "0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaaa-",
		"0190aaa--aaaa-7aaa-aaaa-aaaaaaaaaaaa", "0190aaaa-aaaa-7aaa-aaaa-aaaaaaaaaaé", "", "x",
	}
	base := []byte(cases[0])
	for i := range base {
		for _, c := range []byte{'-', 'g', 'G', '0', '9', 'f', 'F', '/', ':', '@', '`', 0x80} {
			b := append([]byte(nil), base...)
			b[i] = c
			cases = append(cases, string(b))
		}
	}
	for _, s := range cases {
		assert.Equal(t, fsUUIDFormat(s) == nil, fsUUIDBytes([]byte(s)), s)
	}
}

func fsDigitsAt(b []byte, at ...int) bool {
	for _, i := range at {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

// FuzzFastSchemaAcceptingWalk: whatever the accepting walk proves valid,
// the generic walk (which FuzzFastSchemaAgrees holds to the library) finds
// valid too, ending at the same byte, and so does the library. Only the
// accepted bodies pay for the library. Seeded with the small answers of
// every kind: with full-size ones most mutations stay valid, and each
// paid for the library on 30 kB (45 execs in 60 s).
func FuzzFastSchemaAcceptingWalk(f *testing.F) {
	answers := fsSmallAnswers(f)
	for i, ex := range answers {
		f.Add(uint8(i), ex.body)
	}
	v, fs, exchange := fsFuzzRig(f, answers)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		ex := exchange(which, body)
		var sc jsonscan.Scanner
		sc.Reset(body)
		if p := sc.Space(0); p == len(body) || sc.KindAt(p) == jsonscan.Null {
			return // ValidateScanned answers these before any walk
		}
		if accepted, _ := fsAccepted(t, fs, ex); !accepted {
			return
		}
		node := fs.nodes[fs.v.routes.lookup(ex.method, ex.path).response(ex.status)]
		w := new(fsWalk)
		w.reset(&sc)
		end, ok := w.value(node, sc.Space(0), 0)
		require.True(t, ok, "%s: accepted, but the generic walk cannot read it\n%s", ex.name, excerpt(body))
		require.Equal(t, len(body), sc.Space(end), "%s: accepted, but the generic walk ends elsewhere", ex.name)
		require.Empty(t, w.failures, "%s: accepted, but the generic walk finds fault\n%s", ex.name, excerpt(body))
		require.Empty(t, v.ValidateResponseTo(ex.method, ex.path, ex.status, http.Header{"Content-Type": {ex.ct}}, body),
			"%s: accepted, but the library finds fault\n%s", ex.name, excerpt(body))
	})
}
