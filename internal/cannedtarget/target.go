package cannedtarget

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
	"github.com/upsertbench/upsertbench/internal/readbody"
)

// part is one piece of a result: a literal, then a value of the input.
type part struct {
	lit  string
	kind fieldKind
}

type fieldKind uint8

const (
	fieldNone       fieldKind = iota // the literal ends the result
	fieldID                          // the record id, digits only
	fieldProperties                  // the properties object
	fieldCreated                     // createdAt, quoted
	fieldUpdated                     // updatedAt, quoted
	fieldNew                         // true or false
	fieldTrace                       // objectWriteTraceId, quoted; omitted with its name when the input sent none
)

// cannedTemplate is the emulator's answer cut into what every answer
// repeats and what each result fills in.
type cannedTemplate struct {
	head, tail  string // the envelope before and after the results
	result      []part
	traceMember string // `,"objectWriteTraceId":` as the emulator writes it
	contentType []string
}

// Target answers batch upserts with results for each request's own
// inputs (see the package documentation). It is an http.Handler, safe for
// concurrent use; its memory of the unique values it answered lives as
// long as it does.
type Target struct {
	t     *cannedTemplate
	seen  seenSet
	start time.Time // wall clock at start; updatedAt adds the monotonic time since
	bufs  sync.Pool
}

// New asks an in-process emulator for the answer layout (a few
// milliseconds) and returns a Target that answers from it.
func New() (*Target, error) {
	t, err := makeTemplate()
	if err != nil {
		return nil, fmt.Errorf("cannedtarget: %w", err)
	}
	return newTarget(t), nil
}

// makeTemplate asks an emulator for its answer to a one-input batch (with
// a trace id) and cuts it into a template.
func makeTemplate() (*cannedTemplate, error) {
	gen, err := generators.New(generators.WithSeed(1), generators.WithBatchSize(1), generators.WithTraceIDs(true))
	if err != nil {
		return nil, err
	}
	emu := emulator.New(emulator.WithToken("canned"))
	defer emu.Close()
	req := httptest.NewRequest(http.MethodPost, gen.Path(), bytes.NewReader(gen.AppendBatch(nil, 0)))
	req.Header.Set("Authorization", "Bearer canned")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("emulator answered %d: %s", rec.Code, rec.Body.String())
	}
	t, err := cutTemplate(rec.Body.Bytes())
	if err != nil {
		return nil, fmt.Errorf("emulator answer: %w", err)
	}
	t.contentType = rec.Header().Values("Content-Type")
	return t, nil
}

// cutTemplate splits an answer with exactly one result.
func cutTemplate(body []byte) (*cannedTemplate, error) {
	var env struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if len(env.Results) != 1 {
		return nil, fmt.Errorf("want one result, got %d", len(env.Results))
	}
	res := env.Results[0]
	at := bytes.Index(body, res)
	if at < 0 {
		return nil, errors.New("result not found in the answer")
	}
	t := &cannedTemplate{head: string(body[:at]), tail: string(body[at+len(res):])}

	// Walk the result's members in order; copy each name, and either its
	// value (constant ones) or a field.
	dec := json.NewDecoder(bytes.NewReader(res))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("result is not an object")
	}
	var id string
	var lit strings.Builder
	lit.WriteString("{")
	first := true
	seen := map[fieldKind]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		kind := fieldNone
		switch name {
		case "id":
			kind = fieldID
			if err := json.Unmarshal(raw, &id); err != nil {
				return nil, fmt.Errorf("id: %w", err)
			}
		case "properties":
			kind = fieldProperties
		case "createdAt":
			kind = fieldCreated
		case "updatedAt":
			kind = fieldUpdated
		case "new":
			kind = fieldNew
		case "objectWriteTraceId":
			kind = fieldTrace
		}
		sep := ","
		if first {
			sep = ""
		}
		first = false
		nameJSON, _ := json.Marshal(name)
		switch kind {
		case fieldNone:
			if name == "url" && id != "" {
				// The record URL ends with the id.
				var u string
				if err := json.Unmarshal(raw, &u); err != nil || !strings.HasSuffix(u, "/"+id) {
					return nil, fmt.Errorf("url %s does not end with the id %s", raw, id)
				}
				prefix, _ := json.Marshal(strings.TrimSuffix(u, id))
				lit.WriteString(sep + string(nameJSON) + ":" + strings.TrimSuffix(string(prefix), `"`))
				t.result = append(t.result, part{lit: lit.String(), kind: fieldID})
				lit.Reset()
				lit.WriteString(`"`)
				continue
			}
			lit.WriteString(sep + string(nameJSON) + ":" + string(raw))
		case fieldID:
			lit.WriteString(sep + string(nameJSON) + `:"`)
			t.result = append(t.result, part{lit: lit.String(), kind: kind})
			lit.Reset()
			lit.WriteString(`"`)
		case fieldTrace:
			t.traceMember = sep + string(nameJSON) + ":"
			t.result = append(t.result, part{lit: lit.String(), kind: kind})
			lit.Reset()
		default:
			lit.WriteString(sep + string(nameJSON) + ":")
			t.result = append(t.result, part{lit: lit.String(), kind: kind})
			lit.Reset()
		}
		seen[kind] = true
	}
	lit.WriteString("}")
	t.result = append(t.result, part{lit: lit.String(), kind: fieldNone})
	for _, k := range []fieldKind{fieldID, fieldProperties, fieldCreated, fieldUpdated, fieldNew, fieldTrace} {
		if !seen[k] {
			return nil, fmt.Errorf("the result has no member of kind %d", k)
		}
	}
	return t, nil
}

func newTarget(t *cannedTemplate) *Target {
	c := &Target{t: t, start: time.Now()}
	c.bufs.New = func() any { b := make([]byte, 0, 128<<10); return &b }
	return c
}

// errNotABatch is the answer to a body that is not {"inputs":[…]}.
var errNotABatch = errors.New(`the body is not a batch upsert {"inputs":[...]}`)

// input is what a result needs of one input, as spans of the request.
type input struct {
	id, trace, props [2]int // [start, end); trace[1] == 0: none
}

// answer appends the answer to the batch upsert req to dst.
func (c *Target) answer(dst, req []byte, sc *jsonscan.Scanner, ins []input) ([]byte, []input, error) {
	ins, err := parseInputs(req, sc, ins[:0])
	if err != nil {
		return dst, ins, err
	}
	nowMS := c.start.UnixMilli() + time.Since(c.start).Milliseconds()
	var stamp [32]byte
	now := hubspot.AppendTimestamp(stamp[:0], nowMS)
	var startStamp [32]byte
	started := hubspot.AppendTimestamp(startStamp[:0], c.start.UnixMilli())

	dst = append(dst, c.t.head...)
	for i := range ins {
		in := &ins[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		key := req[in.id[0]:in.id[1]]
		num, isNew := c.seen.add(key)
		var idBuf [20]byte
		id := strconv.AppendUint(idBuf[:0], num, 10)
		created := started
		if isNew {
			created = now
		}
		for _, p := range c.t.result {
			dst = append(dst, p.lit...)
			switch p.kind {
			case fieldID:
				dst = append(dst, id...)
			case fieldProperties:
				props := req[in.props[0]:in.props[1]] // {…}
				inner := bytes.TrimSpace(props[1 : len(props)-1])
				dst = append(dst, '{')
				if len(inner) > 0 {
					dst = append(append(dst, inner...), ',')
				}
				dst = append(dst, `"hs_object_id":"`...)
				dst = append(dst, id...)
				dst = append(dst, `","hs_createdate":"`...)
				dst = append(dst, created...)
				dst = append(dst, `","hs_lastmodifieddate":"`...)
				dst = append(dst, now...)
				dst = append(dst, `"}`...)
			case fieldCreated:
				dst = append(append(append(dst, '"'), created...), '"')
			case fieldUpdated:
				dst = append(append(append(dst, '"'), now...), '"')
			case fieldNew:
				dst = strconv.AppendBool(dst, isNew)
			case fieldTrace:
				if in.trace[1] != 0 {
					dst = append(dst, c.t.traceMember...)
					dst = append(dst, req[in.trace[0]:in.trace[1]]...)
				}
			}
		}
	}
	return append(dst, c.t.tail...), ins, nil
}

// parseInputs finds each input's id, trace id and properties in a batch
// upsert body. Strings are kept as sent (quotes included for the trace
// id, escapes untouched): they are echoed, never interpreted, except the
// id, which is numbered (seenSet) and compared.
func parseInputs(req []byte, sc *jsonscan.Scanner, ins []input) ([]input, error) {
	sc.Reset(req)
	p := sc.Space(0)
	if p >= len(req) || req[p] != '{' {
		return ins, errNotABatch
	}
	found := false
	for it := sc.Members(p); ; {
		k, v, ok := it.Next()
		if !ok {
			if _, ok := it.End(); !ok || !found {
				return ins, errNotABatch
			}
			return ins, nil
		}
		if string(req[k:it.KeyEnd]) != `"inputs"` || req[v] != '[' {
			end, ok := sc.Value(v)
			if !ok {
				return ins, errNotABatch
			}
			it.Continue(end)
			continue
		}
		found = true
		for el := sc.Elements(v); ; {
			e, ok := el.Next()
			if !ok {
				if end, ok := el.End(); ok {
					it.Continue(end)
					break
				}
				return ins, errNotABatch
			}
			if req[e] != '{' {
				return ins, errNotABatch
			}
			var in input
			var end int
			for m := sc.Members(e); ; {
				mk, mv, ok := m.Next()
				if !ok {
					if end, ok = m.End(); !ok {
						return ins, errNotABatch
					}
					break
				}
				vend, ok := sc.Value(mv)
				if !ok {
					return ins, errNotABatch
				}
				switch string(req[mk:m.KeyEnd]) {
				case `"id"`:
					if req[mv] == '"' {
						in.id = [2]int{mv + 1, vend - 1}
					}
				case `"objectWriteTraceId"`:
					if req[mv] == '"' {
						in.trace = [2]int{mv, vend}
					}
				case `"properties"`:
					if req[mv] == '{' {
						in.props = [2]int{mv, vend}
					}
				}
				m.Continue(vend)
			}
			if in.id[1] == 0 || in.props[1] == 0 {
				return ins, fmt.Errorf("input %d has no string id or no properties object", len(ins))
			}
			ins = append(ins, in)
			el.Continue(end)
		}
	}
}

// seenSet remembers which unique values the server has answered and
// numbers them. Values of the generators' shape, "<prefix>-<n>", cost one
// bit in a paged bitset per prefix, and their number is the prefix's
// (1, 2, …)·10^11 + n; any other value goes to a map with a number from
// 9·10^17 up. Numbers never repeat: the record ids.
type seenSet struct {
	mu       sync.Mutex
	prefixes atomic.Pointer[map[string]*bitset] // copy on write: read without the lock
	other    map[string]uint64
}

// add records key and returns its number and whether it was new.
func (s *seenSet) add(key []byte) (uint64, bool) {
	if dash := bytes.LastIndexByte(key, '-'); dash > 0 && dash < len(key)-1 && (key[dash+1] != '0' || dash == len(key)-2) {
		if n, err := strconv.ParseUint(string(key[dash+1:]), 10, 64); err == nil && n < bitsetCap {
			b := s.bits(key[:dash])
			return b.base + n, b.add(n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.other == nil {
		s.other = make(map[string]uint64)
	}
	if id, ok := s.other[string(key)]; ok {
		return id, false
	}
	id := 900_000_000_000_000_000 + uint64(len(s.other))
	s.other[string(key)] = id
	return id, true
}

// bits returns the bitset of a prefix, creating it once.
func (s *seenSet) bits(prefix []byte) *bitset {
	if m := s.prefixes.Load(); m != nil {
		if b, ok := (*m)[string(prefix)]; ok {
			return b
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.prefixes.Load()
	if old != nil {
		if b, ok := (*old)[string(prefix)]; ok {
			return b
		}
	}
	m := make(map[string]*bitset, 1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	b := &bitset{base: uint64(len(m)+1) * 100_000_000_000}
	m[string(prefix)] = b
	s.prefixes.Store(&m)
	return b
}

// A bitset holds up to bitsetCap numbers in pages allocated on first use.
const (
	pageBits  = 20 // 2^20 numbers, 128 kB a page
	numPages  = 1 << 12
	bitsetCap = numPages << pageBits
)

type bitset struct {
	base  uint64 // the prefix's first record id
	pages [numPages]atomic.Pointer[[1 << pageBits / 64]atomic.Uint64]
}

// add sets bit n and reports whether it was clear.
func (b *bitset) add(n uint64) bool {
	pg := b.pages[n>>pageBits].Load()
	if pg == nil {
		fresh := new([1 << pageBits / 64]atomic.Uint64)
		if !b.pages[n>>pageBits].CompareAndSwap(nil, fresh) {
			pg = b.pages[n>>pageBits].Load()
		} else {
			pg = fresh
		}
	}
	i := n & (1<<pageBits - 1)
	bit := uint64(1) << (i & 63)
	return pg[i>>6].Or(bit)&bit == 0
}

// ServeHTTP answers batch upserts; anything else gets HubSpot's error
// shape.
func (c *Target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/batch/upsert") {
		fail(w, http.StatusNotFound, "the canned target answers batch upserts only (POST …/batch/upsert); it keeps no records to read")
		return
	}
	bp := c.bufs.Get().(*[]byte)
	defer c.bufs.Put(bp)
	req, size, err := readbody.Into((*bp)[:0], r.Body, r.ContentLength, emulator.MaxBodyBytes)
	*bp = req
	if err != nil {
		fail(w, http.StatusBadRequest, "cannot read the body: "+err.Error())
		return
	}
	if size > emulator.MaxBodyBytes {
		// The emulator's limit, and its status (emulator.readBody).
		fail(w, http.StatusRequestEntityTooLarge, "Request body is larger than "+strconv.Itoa(emulator.MaxBodyBytes)+" bytes")
		return
	}
	st := scratchPool.Get().(*scratch)
	defer scratchPool.Put(st)
	st.out, st.ins, err = c.answer(st.out[:0], req, &st.sc, st.ins)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	h := w.Header()
	h["Content-Type"] = c.t.contentType
	h["Content-Length"] = []string{strconv.Itoa(len(st.out))}
	_, _ = w.Write(st.out)
}

type scratch struct {
	sc  jsonscan.Scanner
	ins []input
	out []byte
}

var scratchPool = sync.Pool{New: func() any { return &scratch{out: make([]byte, 0, 128<<10)} }}

// fail writes HubSpot's error shape.
func fail(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(hubspot.Error{
		Status: hubspot.ErrorStatus, Message: msg, CorrelationID: "00000000-0000-7000-8000-000000000000", Category: hubspot.CategoryValidation,
	})
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
