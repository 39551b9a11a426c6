package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upsertbench/upsertbench/hubspot"
)

// FuzzBodiesAgreeWithEncodingJSON is the differential test of the
// emulator's JSON reading against an independent reference, encoding/json.
// For any body:
//
//  1. the scanner's generic reader (skipValue, end) accepts exactly the
//     bodies json.Valid accepts, except those nested deeper than maxDepth,
//     which it refuses (the documented depth limit);
//  2. every string of an accepted body, keys included, decodes to the bytes
//     encoding/json decodes it to (invalid UTF-8 and lone surrogates become
//     U+FFFD, escapes…);
//  3. the typed readers of the upsert and batch-read bodies refuse every
//     body json.Valid refuses, and refuse a body it accepts only for a
//     type mismatch ("Cannot deserialize…"), never for its syntax;
//  4. over HTTP, the upsert endpoint answers 400 to every body json.Valid
//     refuses and writes nothing; when it accepts a body, its answer is
//     valid UTF-8 JSON whose unique values, trace ids and free-text
//     properties are what encoding/json decodes from the request (so
//     duplicate keys resolve as encoding/json resolves them: the last one
//     wins).
//
// The seed corpus, run by plain go test, is under
// testdata/fuzz/FuzzBodiesAgreeWithEncodingJSON: NUL bytes (leading,
// trailing, inside strings and between tokens), invalid UTF-8, lone
// surrogates, deep nesting around the limit, huge numbers, duplicate keys,
// a byte order mark and whitespace variants. The older fuzz tests compare
// the scanner with itself; this one is the proof that it agrees with
// encoding/json.
func FuzzBodiesAgreeWithEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"inputs":[{"id":"a","idProperty":"external_task_id","properties":{"hs_timestamp":"1","hs_task_subject":"x"}}]}`))
	emu := New(WithToken(testToken), WithPreserveOrder(true), WithClock(newFakeClock().Now))
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 1<<16 {
			t.Skip()
		}
		valid := json.Valid(body)
		tooDeep := valid && nestingDepth(body) > maxDepth
		accept := valid && !tooDeep

		// 1. Accept/refuse of the generic reader.
		var sc scanner
		sc.reset(body)
		got := sc.skipValue(0) && sc.end()
		if got != accept {
			t.Fatalf("json.Valid %v (nesting %d, limit %d), scanner accepts %v: %q (scanner error: %v)",
				valid, nestingDepth(body), maxDepth, got, body, sc.err)
		}

		// 2. Decoded strings, keys included, in document order.
		if accept {
			sc.reset(body)
			var ours [][]byte
			if !collectStrings(&sc, &ours, 0) {
				t.Fatalf("the string walk refused a body the scanner accepts: %q: %v", body, sc.err)
			}
			theirs, err := decoderStrings(body)
			if err != nil {
				t.Fatalf("encoding/json cannot tokenize a body json.Valid accepts: %q: %v", body, err)
			}
			if len(ours) != len(theirs) {
				t.Fatalf("%d strings decoded, encoding/json decodes %d: %q", len(ours), len(theirs), body)
			}
			for i := range ours {
				if string(ours[i]) != theirs[i] {
					t.Fatalf("string %d decodes to %q, encoding/json decodes %q; body %q", i, ours[i], theirs[i], body)
				}
			}
		}

		// 3. The typed readers.
		for _, typed := range []struct {
			name  string
			parse func(st *requestState) bool
		}{
			{"upsert", func(st *requestState) bool { _, ok := st.parseUpsert(); return ok }},
			{"batch read", func(st *requestState) bool { _, ok := st.parseIDList(true); return ok }},
		} {
			st := &requestState{}
			st.begin(emu)
			st.body = body
			if _, ok := st.parseBody(); !ok {
				if accept {
					t.Fatalf("%s: a body json.Valid accepts is refused before parsing: %q", typed.name, body)
				}
				continue
			}
			ok := typed.parse(st)
			switch {
			case !valid && ok:
				t.Fatalf("%s: parsed a body json.Valid refuses: %q", typed.name, body)
			case tooDeep && ok:
				t.Fatalf("%s: parsed a body nested deeper than %d: %q", typed.name, maxDepth, body)
			case accept && !ok && !strings.HasPrefix(st.sc.err.msg, "Cannot deserialize value of type"):
				t.Fatalf("%s: refused a body json.Valid accepts for its syntax: %q: %s", typed.name, body, st.sc.err.msg)
			}
		}

		// 4. Over HTTP.
		emu.Reset()
		req := httptest.NewRequest(http.MethodPost, upsertPathV3, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		out := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, out)
		}
		if !utf8.Valid(out) || !json.Valid(out) {
			t.Fatalf("status %d: the answer is not valid UTF-8 JSON: %q", rec.Code, out)
		}
		if !accept {
			if rec.Code != http.StatusBadRequest || emu.Stats().Records != 0 {
				t.Fatalf("a body json.Valid refuses (or nested too deep) got %d and wrote %d records: %q: %s",
					rec.Code, emu.Stats().Records, body, out)
			}
			return
		}
		if rec.Code != http.StatusOK && rec.Code != http.StatusMultiStatus {
			return
		}
		compareWithEncodingJSON(t, body, out)
	})
}

// compareWithEncodingJSON checks an accepted upsert's answer against the
// request as encoding/json decodes it: every result's unique value, trace
// id and free-text properties.
func compareWithEncodingJSON(t *testing.T, body, out []byte) {
	t.Helper()
	var req struct {
		Inputs []struct {
			ID                 string                     `json:"id"`
			ObjectWriteTraceID string                     `json:"objectWriteTraceId"`
			Properties         map[string]json.RawMessage `json:"properties"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("encoding/json refuses a body the emulator accepted: %v: %q", err, body)
	}
	var resp hubspot.BatchUpsertResponseWithErrors
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("answer does not decode: %v: %s", err, out)
	}
	inputs := map[string]int{}
	for i, in := range req.Inputs {
		inputs[in.ID] = i
	}
	for _, r := range resp.Results {
		unique := r.Properties[hubspot.DefaultIDProperty]
		i, ok := inputs[unique]
		if !ok {
			t.Fatalf("result with unique value %q matches no input id as encoding/json decodes them (%q): %s", unique, body, out)
		}
		in := req.Inputs[i]
		if r.ObjectWriteTraceID != in.ObjectWriteTraceID {
			t.Fatalf("trace id %q, encoding/json decodes %q: %q", r.ObjectWriteTraceID, in.ObjectWriteTraceID, body)
		}
		for _, name := range []string{hubspot.PropTaskSubject, hubspot.PropTaskBody, hubspot.PropOwnerID, hubspot.PropQueueMembershipIDs} {
			raw, sent := in.Properties[name]
			var want string
			if !sent || json.Unmarshal(raw, &want) != nil || want == "" {
				continue // not a non-empty string: nothing to compare
			}
			if got := r.Properties[name]; got != want {
				t.Fatalf("%s is %q, encoding/json decodes %q: %q", name, got, want, body)
			}
		}
	}
}

// collectStrings walks one JSON value with the scanner's primitives and
// appends every string, keys included, decoded by unescape.
func collectStrings(sc *scanner, out *[][]byte, depth int) bool {
	switch sc.peek() {
	case '"':
		r, ok := sc.str()
		if ok {
			*out = append(*out, bytes.Clone(sc.unescape(r)))
		}
		return ok
	case '{':
		sc.pos++
		for first := true; ; first = false {
			key, more := sc.nextKey(first)
			if !more {
				break
			}
			*out = append(*out, bytes.Clone(sc.unescape(key)))
			if !collectStrings(sc, out, depth+1) {
				return false
			}
		}
		return sc.err == nil
	case '[':
		sc.pos++
		for first := true; sc.arrayNext(first); first = false {
			if !collectStrings(sc, out, depth+1) {
				return false
			}
		}
		return sc.err == nil
	}
	return sc.skipValue(depth)
}

// decoderStrings lists every string of a JSON value, keys included, as
// encoding/json decodes them.
func decoderStrings(body []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out []string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if s, ok := tok.(string); ok {
			out = append(out, s)
		}
	}
}

// nestingDepth is the deepest nesting of objects and arrays in a valid JSON
// body.
func nestingDepth(body []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
