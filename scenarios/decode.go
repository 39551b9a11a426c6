package scenarios

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Keys of each mapping, in the order Marshal writes them.
var (
	topKeys       = []string{"name", "description", "seed", "stages", "saturation", "batch", "http", "sample", "thresholds", "emulator", "verify"}
	stageKeys     = []string{"duration", "rate", "pacer", "period", "amplitude", "steps"}
	batchKeys     = []string{"size", "updates", "id_property", "trace_ids", "invalid", "version"}
	httpKeys      = []string{"timeout", "workers", "max_workers", "keepalive", "http2"}
	emulatorKeys  = []string{"tier", "latency", "faults", "preserve_order", "retry_after"}
	verifyKeys    = []string{"mode", "sample", "every", "window"}
	maxInputBytes = 1 << 20
)

// Parse reads a scenario from YAML, applies defaults and validates it. name
// is used in error messages ("name:line:col: what is wrong (how to fix)")
// and, when the file has no name key, as the scenario name (without
// directory and extension). Every error is an *Error.
func Parse(name string, data []byte) (*Scenario, error) {
	file := name
	if file == "" {
		file = "scenario"
	}
	d := &decoder{file: file, pos: map[string]pos{}}
	s, err := d.decode(data)
	if err != nil {
		return nil, err
	}
	if s.Name == "" {
		s.Name = nameFromFile(name)
	}
	s.Source = name
	s.pos = d.pos
	if err := s.validate(d.locate); err != nil {
		return nil, err
	}
	return s, nil
}

// nameFromFile turns "dir/my-test.yaml" into "my-test".
func nameFromFile(name string) string {
	base := filepath.Base(strings.TrimPrefix(name, builtinPrefix))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if validName(base) {
		return base
	}
	return "scenario"
}

type pos struct{ line, col int }

type decoder struct {
	file string
	pos  map[string]pos // key path → where its value starts
}

// abort carries the first error out of the recursive walk; decode recovers
// only this type, so real bugs still panic.
type abort struct{ err *Error }

func (d *decoder) fail(n ast.Node, path, fix, format string, args ...any) {
	e := &Error{File: d.file, Line: 1, Column: 1, Path: path, Msg: fmt.Sprintf(format, args...), Fix: fix}
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
			e.Line, e.Column = tk.Position.Line, max(tk.Position.Column, 1)
		}
	}
	panic(abort{e})
}

func (d *decoder) remember(path string, n ast.Node) {
	if tk := n.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
		d.pos[path] = pos{tk.Position.Line, max(tk.Position.Column, 1)}
	}
}

// locate finds where path (or its closest recorded parent) is in the file.
func (d *decoder) locate(path string) (int, int) { return positions(d.pos).locate(path) }

// positions maps key paths to where their values start in a file.
type positions map[string]pos

// locate finds where path (or its closest recorded parent) is.
func (ps positions) locate(path string) (int, int) {
	for p := path; ; {
		if at, ok := ps[p]; ok {
			return at.line, at.col
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			return 1, 1
		}
		p = p[:i]
	}
}

// tabIndent finds the first tab in a line's leading white space, which
// YAML forbids; line and column are 1-based.
func tabIndent(data []byte) (line, col int, ok bool) {
	line, col = 1, 1
	indent := true
	for _, c := range data {
		switch {
		case c == '\n':
			line, col, indent = line+1, 1, true
			continue
		case indent && c == '\t':
			return line, col, true
		case c != ' ':
			indent = false
		}
		col++
	}
	return 0, 0, false
}

func (d *decoder) decode(data []byte) (s *Scenario, err error) {
	if len(data) > maxInputBytes {
		return nil, &Error{File: d.file, Line: 1, Column: 1, Msg: fmt.Sprintf("file is %d bytes, more than a scenario needs", len(data)), Fix: "a scenario is a short YAML file; check the path"}
	}
	if line, col, ok := tabIndent(data); ok {
		// The YAML parser reports a tab as "found character ' ' that
		// cannot start any token": say what it is.
		return nil, &Error{File: d.file, Line: line, Column: col, Msg: "a tab in the indentation",
			Fix: "YAML indents with spaces only: replace the tab with spaces"}
	}
	f, perr := parseYAML(data)
	if perr != nil {
		e := &Error{File: d.file, Line: 1, Column: 1, Msg: "invalid YAML: " + perr.Error(), Fix: "check indentation, colons and quotes"}
		var ye yaml.Error
		if errors.As(perr, &ye) {
			e.Msg = "invalid YAML: " + ye.GetMessage()
			if strings.Contains(ye.GetMessage(), "already defined") {
				e.Msg, e.Fix = "duplicate key: "+ye.GetMessage(), "remove one of them"
			}
			if tk := ye.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
				e.Line, e.Column = tk.Position.Line, max(tk.Position.Column, 1)
			}
		}
		return nil, e
	}
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(abort)
			if !ok {
				panic(r)
			}
			s, err = nil, a.err
		}
	}()
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.fail(doc.Body, "", "put each scenario in its own file", "more than one YAML document")
		}
		body = doc.Body
	}
	if body == nil {
		d.fail(nil, "", "a scenario needs at least stages, e.g. stages: [{duration: 10s, rate: 20}]", "empty scenario")
	}
	return d.scenario(body), nil
}

// parseYAML guards against panics inside the YAML parser on hostile input:
// a scenario file must never crash the CLI.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("unreadable YAML (%v)", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

type entry struct {
	key      string
	keyNode  ast.Node
	val      ast.Node
	path     string
	position int
}

// unwrap removes anchors and tags; aliases are refused because a scenario
// is short enough to write out, and resolving them would hide positions.
func (d *decoder) unwrap(n ast.Node, path string) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			d.fail(v, path, "write the value out instead of using *alias", "YAML aliases are not supported")
		default:
			return n
		}
		if n == nil {
			return nil
		}
	}
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// mapping checks that n is a mapping with only allowed keys, each once.
func (d *decoder) mapping(n ast.Node, path, what string, allowed []string) []entry {
	n = d.unwrap(n, path)
	m, ok := n.(*ast.MappingNode)
	if !ok {
		if n == nil || n.Type() == ast.NullType {
			return nil
		}
		d.fail(n, path, "valid keys: "+strings.Join(allowed, ", "), "%s must be a mapping of key: value lines", what)
	}
	d.remember(path, m)
	seen := map[string]bool{}
	var out []entry
	for i, mv := range m.Values {
		var key string
		switch k := mv.Key.(type) {
		case *ast.StringNode:
			key = k.Value
		case *ast.MergeKeyNode:
			d.fail(k, path, "write the keys out", "YAML merge keys (<<) are not supported")
		case *ast.MappingKeyNode:
			d.fail(k, path, "write key: value", "complex mapping keys (?) are not supported")
		default:
			key = mv.Key.String()
		}
		if !containsString(allowed, key) {
			fix := "valid keys: " + strings.Join(allowed, ", ")
			if sug := suggest(key, allowed); sug != "" {
				fix = fmt.Sprintf("did you mean %s? %s", sug, fix)
			}
			d.fail(mv.Key, join(path, key), fix, "unknown key %q in %s", key, what)
		}
		if seen[key] {
			d.fail(mv.Key, join(path, key), "remove one of them", "key %q appears twice in %s", key, what)
		}
		seen[key] = true
		p := join(path, key)
		if mv.Value != nil {
			d.remember(p, mv.Value)
		}
		out = append(out, entry{key: key, keyNode: mv.Key, val: mv.Value, path: p, position: i})
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sequence returns the items of a list; null is an empty list.
func (d *decoder) sequence(n ast.Node, path, what, fix string) []ast.Node {
	n = d.unwrap(n, path)
	if n == nil || n.Type() == ast.NullType {
		return nil
	}
	sq, ok := n.(*ast.SequenceNode)
	if !ok {
		d.fail(n, path, fix, "%s must be a list", what)
	}
	for i, v := range sq.Values {
		if v != nil {
			d.remember(fmt.Sprintf("%s[%d]", path, i), v)
		}
	}
	return sq.Values
}

// scalar returns the text of a scalar value, failing on lists, mappings and
// missing values.
func (d *decoder) scalar(n ast.Node, path, fix string) (ast.Node, string) {
	n = d.unwrap(n, path)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		d.fail(n, path, fix, "missing value")
	case *ast.MappingNode, *ast.SequenceNode:
		d.fail(n, path, fix, "must be a single value, not a %s", strings.ToLower(n.Type().String()))
	case *ast.StringNode:
		return n, v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return n, v.Value.Value
		}
		return n, ""
	}
	tk := n.GetToken()
	if tk == nil {
		d.fail(n, path, fix, "unreadable value")
	}
	return n, tk.Value
}

func (d *decoder) str(n ast.Node, path, fix string) string {
	_, s := d.scalar(n, path, fix)
	return s
}

func (d *decoder) boolean(n ast.Node, path string) bool {
	v, text := d.scalar(n, path, "write true or false")
	b, ok := v.(*ast.BoolNode)
	if !ok {
		d.fail(v, path, "write true or false", "%q is not true or false", text)
	}
	return b.Value
}

// number reads an integer or decimal. suffix ("/s", "%") may follow it;
// the returned bool says whether it did.
func (d *decoder) number(n ast.Node, path, fix, suffix string) (float64, bool) {
	v, text := d.scalar(n, path, fix)
	switch x := v.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			return float64(i), false
		case uint64:
			return float64(i), false
		}
	case *ast.FloatNode:
		if !math.IsNaN(x.Value) && !math.IsInf(x.Value, 0) {
			return x.Value, false
		}
	case *ast.StringNode:
		t := strings.TrimSpace(text)
		had := false
		if suffix != "" {
			t, had = strings.CutSuffix(t, suffix)
			t = strings.TrimSpace(t)
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && !strings.ContainsAny(t, "xXpP_") {
			return f, had
		}
	}
	d.fail(v, path, fix, "%q is not a number", text)
	return 0, false
}

func (d *decoder) integer(n ast.Node, path, fix string) int64 {
	v, text := d.scalar(n, path, fix)
	if x, ok := v.(*ast.IntegerNode); ok {
		switch i := x.Value.(type) {
		case int64:
			return i
		case uint64:
			if i <= math.MaxInt64 {
				return int64(i)
			}
		}
	}
	d.fail(v, path, fix, "%q is not a whole number", text)
	return 0
}

func (d *decoder) duration(n ast.Node, path, fix string) time.Duration {
	v, text := d.scalar(n, path, fix)
	switch v.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		d.fail(v, path, fix, "duration %s has no unit", text)
	}
	dur, err := time.ParseDuration(strings.TrimSpace(text))
	if err != nil {
		d.fail(v, path, fix, "%q is not a duration", text)
	}
	return dur
}

// share reads a fraction 0–1, or a percentage like "5%".
func (d *decoder) share(n ast.Node, path, example string) float64 {
	fix := "write a share between 0 and 1, e.g. " + example
	f, pct := d.number(n, path, fix, "%")
	if pct {
		f /= 100
	}
	return f
}

func (d *decoder) scenario(body ast.Node) *Scenario {
	s := Default()
	for _, e := range d.mapping(body, "", "the scenario", topKeys) {
		switch e.key {
		case "name":
			s.Name = d.str(e.val, e.path, "e.g. name: checkout-sync")
		case "description":
			s.Description = d.str(e.val, e.path, "write one line of text")
		case "seed":
			fix := "write a whole number ≥ 0, e.g. seed: 42"
			v, text := d.scalar(e.val, e.path, fix)
			x, ok := v.(*ast.IntegerNode)
			if !ok {
				d.fail(v, e.path, fix, "%q is not a whole number", text)
			}
			switch i := x.Value.(type) {
			case int64:
				if i < 0 {
					d.fail(v, e.path, fix, "seed %d is negative", i)
				}
				s.Seed = uint64(i)
			case uint64:
				s.Seed = i
			}
		case "stages":
			items := d.sequence(e.val, e.path, "stages", "write a list of stages, e.g. - {duration: 30s, rate: 20}")
			for i, item := range items {
				s.Stages = append(s.Stages, d.stage(item, fmt.Sprintf("%s[%d]", e.path, i)))
			}
		case "saturation":
			s.Saturation = d.boolean(e.val, e.path)
		case "batch":
			d.batch(e.val, e.path, &s.Batch)
		case "http":
			d.http(e.val, e.path, &s.HTTP)
		case "sample":
			s.Sample = d.share(e.val, e.path, "sample: 0.01")
		case "thresholds":
			items := d.sequence(e.val, e.path, "thresholds", `write a list, e.g. - "p95 < 300ms"`)
			for i, item := range items {
				p := fmt.Sprintf("%s[%d]", e.path, i)
				v, text := d.scalar(item, p, `write "metric op value", e.g. "p95 < 300ms"`)
				t, prob := parseThreshold(text)
				if prob != nil {
					d.fail(v, p, prob.fix, "%s", prob.msg)
				}
				line, _ := d.locate(p)
				t.Line = line
				s.Thresholds = append(s.Thresholds, t)
			}
		case "emulator":
			d.emulator(e.val, e.path, &s.Emulator)
		case "verify":
			d.verify(e.val, e.path, &s.Verify)
		}
	}
	return s
}

func (d *decoder) stage(n ast.Node, path string) Stage {
	st := Stage{Pacer: DefaultPacer}
	entries := d.mapping(n, path, "a stage", stageKeys)
	if n := d.unwrap(n, path); n == nil || n.Type() == ast.NullType {
		d.fail(n, path, "e.g. - {duration: 30s, rate: 20}", "empty stage")
	}
	has := map[string]entry{}
	for _, e := range entries {
		has[e.key] = e
		switch e.key {
		case "duration":
			st.Duration = d.duration(e.val, e.path, "write a Go duration, e.g. 30s, 2m, 1m30s")
		case "rate":
			st.Rate, _ = d.number(e.val, e.path, "write requests per second, e.g. rate: 20", "/s")
		case "pacer":
			st.Pacer = d.str(e.val, e.path, "one of "+strings.Join(Pacers, ", "))
		case "period":
			st.Period = d.duration(e.val, e.path, "write a Go duration, e.g. period: 20s")
		case "amplitude":
			st.Amplitude, _ = d.number(e.val, e.path, "write requests per second, e.g. amplitude: 10", "/s")
		case "steps":
			st.Steps = d.smallInt(e.val, e.path, "write a whole number, e.g. steps: 4")
		}
	}
	for _, k := range []string{"duration", "rate"} {
		if _, ok := has[k]; !ok {
			d.fail(n, path, "each stage needs duration and rate, e.g. - {duration: 30s, rate: 20}", "stage has no %s", k)
		}
	}
	// Keys that only shape one pacer are an error elsewhere: they would be
	// silently ignored, and the plan would not be what the author meant.
	only := map[string]string{"period": PacerSine, "amplitude": PacerSine, "steps": PacerStep}
	for _, k := range []string{"period", "amplitude", "steps"} {
		if e, ok := has[k]; ok && st.Pacer != only[k] && containsString(Pacers, st.Pacer) {
			d.fail(e.keyNode, e.path, fmt.Sprintf("remove it, or set pacer: %s", only[k]), "%s only applies to pacer %s, this stage is %s", k, only[k], st.Pacer)
		}
	}
	switch st.Pacer {
	case PacerSine:
		if _, ok := has["amplitude"]; !ok {
			d.fail(n, path, "add amplitude: requests per second above and below rate, at most rate", "sine stage has no amplitude")
		}
		if _, ok := has["period"]; !ok {
			st.Period = st.Duration
		}
	case PacerStep:
		if _, ok := has["steps"]; !ok {
			st.Steps = DefaultSteps
		}
	}
	return st
}

func (d *decoder) batch(n ast.Node, path string, b *Batch) {
	for _, e := range d.mapping(n, path, "batch", batchKeys) {
		switch e.key {
		case "size":
			b.Size = d.smallInt(e.val, e.path, "write 1 to 100, e.g. size: 100")
		case "updates":
			b.Updates = d.share(e.val, e.path, "updates: 0.5")
		case "id_property":
			b.IDProperty = d.str(e.val, e.path, "e.g. id_property: "+DefaultIDProperty)
		case "trace_ids":
			b.TraceIDs = d.boolean(e.val, e.path)
		case "invalid":
			b.Invalid = d.share(e.val, e.path, "invalid: 0.01")
		case "version":
			b.Version = hubspot.Version(d.str(e.val, e.path, "v3 or 2026-03"))
		}
	}
}

func (d *decoder) http(n ast.Node, path string, h *HTTP) {
	for _, e := range d.mapping(n, path, "http", httpKeys) {
		switch e.key {
		case "timeout":
			h.Timeout = d.duration(e.val, e.path, "write a Go duration, e.g. timeout: 30s")
		case "workers":
			h.Workers = d.count(e.val, e.path, "e.g. workers: 10")
		case "max_workers":
			h.MaxWorkers = d.count(e.val, e.path, "e.g. max_workers: 1000")
		case "keepalive":
			h.KeepAlive = d.boolean(e.val, e.path)
		case "http2":
			h.HTTP2 = d.boolean(e.val, e.path)
		}
	}
}

// smallInt reads a whole number that validation then checks for range;
// anything beyond ±1e9 is out of every range here.
func (d *decoder) smallInt(n ast.Node, path, fix string) int {
	v := d.integer(n, path, fix)
	if v > 1e9 || v < -1e9 {
		d.fail(n, path, fix, "%d is far out of range", v)
	}
	return int(v)
}

// count reads a whole number ≥ 0.
func (d *decoder) count(n ast.Node, path, fix string) uint64 {
	v := d.integer(n, path, fix)
	if v < 0 {
		d.fail(n, path, fix, "%d is negative", v)
	}
	return uint64(v)
}

func (d *decoder) emulator(n ast.Node, path string, em *EmulatorSettings) {
	for _, e := range d.mapping(n, path, "emulator", emulatorKeys) {
		switch e.key {
		case "tier":
			em.Tier = hubspot.Tier(d.str(e.val, e.path, "one of none, free, professional, enterprise, capacity"))
		case "latency":
			em.Latency = d.str(e.val, e.path, `e.g. latency: "lognormal:p50=180ms,p99=900ms"`)
		case "faults":
			items := d.sequence(e.val, e.path, "faults", `write a list, e.g. - "5xx=0.01"`)
			em.Faults = nil
			for i, item := range items {
				em.Faults = append(em.Faults, d.str(item, fmt.Sprintf("%s[%d]", e.path, i), `e.g. - "5xx=0.01"`))
			}
		case "preserve_order":
			em.PreserveOrder = d.boolean(e.val, e.path)
		case "retry_after":
			em.RetryAfter = d.boolean(e.val, e.path)
		}
	}
}

func (d *decoder) verify(n ast.Node, path string, v *Verify) {
	for _, e := range d.mapping(n, path, "verify", verifyKeys) {
		switch e.key {
		case "mode":
			v.Mode = d.str(e.val, e.path, "one of "+strings.Join(VerifyModes, ", "))
		case "sample":
			v.Sample = d.smallInt(e.val, e.path, "write a number of keys, e.g. sample: 1000")
		case "every":
			v.Every = d.duration(e.val, e.path, "write a Go duration, e.g. every: 30s")
		case "window":
			fix := `write a Go duration or "auto", e.g. window: 5s`
			if _, text := d.scalar(e.val, e.path, fix); strings.TrimSpace(text) == VerifyWindowAutoText {
				v.Window = VerifyWindowAuto
				break
			}
			if v.Window = d.duration(e.val, e.path, fix); v.Window < 0 {
				d.fail(e.val, e.path, fix, "consistency window %s is negative", v.Window)
			}
		}
	}
}
