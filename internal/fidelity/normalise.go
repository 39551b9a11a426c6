package fidelity

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Placeholders of the recording. Tokens are replaced by role; ids by kind
// and a number that is fixed for the whole recording, so "{{record-3}}" in
// a batch read, an archive and a url field is the same record.
const (
	placeholderToken         = "{{token}}"
	placeholderReadOnlyToken = "{{read-only-token}}"
	placeholderCookie        = "{{cookie}}"
	otherTokenPrefix         = "other-token-" // {{other-token-N}}: any other credential seen
	secretPrefix             = "secret-"      // {{secret-N}}: credentials in a query string
	kindRecord               = "record"       // {{record-N}}: a record id
	kindPortal               = "portal"       // {{portal-N}}: an account (portal) id
)

// placeholderPattern finds every placeholder the recorder writes.
var placeholderPattern = regexp.MustCompile(`\{\{(token|read-only-token|cookie|(?:other-token|secret|record|portal)-([0-9]+))\}\}`)

// minEmbeddedIDLen is the shortest id replaced inside a longer text. A
// shorter one is only replaced where it is the whole value or a whole path
// segment: "3" must not eat the 3 of "v3". Real and emulated record and
// portal ids are 6 digits or more.
const minEmbeddedIDLen = 6

// Where ids hide in answers. Record URLs look like
// https://app.hubspot.com/contacts/<portal>/record/0-27/<id> (hubspot.ObjectURL);
// portal ids also appear as portalId keys, inside the JSON text of
// "Property values were not valid" messages and as "in portal ID <n>".
var (
	recordURLPattern = regexp.MustCompile(`/contacts/([0-9]+)/record/[^/"\s]+/([0-9]+)`)
	portalPattern    = regexp.MustCompile(`(?i)portal[ _-]?id\W{0,4}([0-9]{3,})`)
)

// Query parameters that carry credentials (HubSpot's legacy hapikey, OAuth
// access tokens).
var secretQueryParams = map[string]bool{"hapikey": true, "access_token": true, "token": true, "api_key": true, "apikey": true}

// Headers whose whole value is a credential or session state.
var (
	credentialHeaders = []string{"Authorization", "Proxy-Authorization", "X-Api-Key"}
	cookieHeaders     = []string{"Cookie", "Set-Cookie"}
)

// secret is a credential and the placeholder that replaces it.
type secret struct {
	value       string
	placeholder string
	forms       []string // value as it may appear: literal, JSON-escaped, URL-encoded
}

// normaliser replaces secrets and ids with placeholders. The recorder runs
// one over every exchange it writes; the replay runs another over the
// emulator's answers, so both sides of a comparison speak placeholders.
// It is not safe for concurrent use.
type normaliser struct {
	idProperty string
	secrets    []secret
	others     map[string]string // other credential → placeholder
	// ids maps an id to its placeholder name ("record-3"); names the reverse.
	ids   map[string]string
	names map[string]string
	next  map[string]int
}

func newNormaliser(idProperty string) *normaliser {
	return &normaliser{
		idProperty: idProperty,
		others:     map[string]string{},
		ids:        map[string]string{},
		names:      map[string]string{},
		next:       map[string]int{kindRecord: 1, kindPortal: 1},
	}
}

// addSecret registers value to be replaced by placeholder everywhere.
func (n *normaliser) addSecret(value, placeholder string) {
	if value == "" {
		return
	}
	for _, s := range n.secrets {
		if s.value == value {
			return
		}
	}
	s := secret{value: value, placeholder: placeholder}
	seen := map[string]bool{}
	for _, f := range secretForms(value) {
		if f != "" && !seen[f] {
			seen[f] = true
			s.forms = append(s.forms, f)
		}
	}
	n.secrets = append(n.secrets, s)
	// Longest first, so a secret that contains another is replaced whole.
	sort.SliceStable(n.secrets, func(i, j int) bool { return len(n.secrets[i].value) > len(n.secrets[j].value) })
}

// secretForms are the spellings of v that a body, URL or message may carry:
// literal, URL-encoded (query and path), and each of those as the inside of
// a JSON string, with and without HTML escaping.
func secretForms(v string) []string {
	var forms []string
	for _, base := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
		forms = append(forms, base)
		for _, html := range []bool{false, true} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			_ = enc.Encode(base)
			q := strings.TrimSpace(buf.String())
			forms = append(forms, q[1:len(q)-1])
		}
	}
	return forms
}

// otherCredential returns the placeholder of a credential that is not one
// of the known tokens (a deliberately wrong token, a legacy key), and
// registers it as a secret.
func (n *normaliser) otherCredential(value, prefix string) string {
	if p, ok := n.others[value]; ok {
		return p
	}
	p := "{{" + prefix + strconv.Itoa(len(n.others)+1) + "}}"
	n.others[value] = p
	n.addSecret(value, p)
	return p
}

// scrub replaces every form of every secret in b.
func (n *normaliser) scrub(b []byte) []byte {
	for _, s := range n.secrets {
		for _, f := range s.forms {
			if bytes.Contains(b, []byte(f)) {
				b = bytes.ReplaceAll(b, []byte(f), []byte(s.placeholder))
			}
		}
	}
	return b
}

func (n *normaliser) scrubString(s string) string { return string(n.scrub([]byte(s))) }

// leak returns the placeholder of the first secret found in b, or "".
func (n *normaliser) leak(b []byte) string {
	for _, s := range n.secrets {
		for _, f := range s.forms {
			if bytes.Contains(b, []byte(f)) {
				return s.placeholder
			}
		}
	}
	return ""
}

// requestHeader scrubs credentials and cookies out of a request's headers:
// known tokens become their role's placeholder, anything else in a
// credential header an {{other-token-N}} (and a secret from then on).
func (n *normaliser) requestHeader(h map[string][]string, token, readOnly string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		out[k] = append([]string(nil), vs...)
	}
	for _, name := range credentialHeaders {
		for i, v := range out[name] {
			scheme, cred, ok := strings.Cut(v, " ")
			if !ok {
				scheme, cred = "", v
			}
			var p string
			switch {
			case cred == "":
				continue
			case token != "" && cred == token:
				p = placeholderToken
			case readOnly != "" && cred == readOnly:
				p = placeholderReadOnlyToken
			default:
				p = n.otherCredential(cred, otherTokenPrefix)
			}
			if scheme != "" {
				p = scheme + " " + p
			}
			out[name][i] = p
		}
	}
	n.scrubCookies(out)
	return out
}

// scrubCookies replaces cookie values: session state is a credential too.
func (n *normaliser) scrubCookies(h map[string][]string) {
	for _, name := range cookieHeaders {
		for i := range h[name] {
			h[name][i] = placeholderCookie
		}
	}
}

// requestPath registers credentials passed in the query string as secrets.
func (n *normaliser) requestPath(rawPath string) {
	_, query, ok := strings.Cut(rawPath, "?")
	if !ok {
		return
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return
	}
	for k, vs := range vals {
		if !secretQueryParams[strings.ToLower(k)] {
			continue
		}
		for _, v := range vs {
			n.otherCredential(v, secretPrefix)
		}
	}
}

// idCandidate is an id found in an answer. key orders new record ids
// independently of the order the target returned them in: HubSpot does not
// keep input order, the emulator shuffles, and numbering must still match.
type idCandidate struct{ kind, id, key string }

// learn finds the ids in an answer body (secrets already scrubbed) and
// gives the new ones placeholders: portal ids in order of appearance,
// record ids ordered by the objectWriteTraceId or unique value of the
// result they belong to.
func (n *normaliser) learn(body *Body) {
	if body == nil {
		return
	}
	var cands []idCandidate
	if body.isJSON() {
		var v any
		dec := json.NewDecoder(bytes.NewReader(body.JSON))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			n.walkIDs(v, "", &cands)
		}
	} else if body.Text != nil {
		n.textIDs(*body.Text, "", &cands)
	}
	var records []idCandidate
	for _, c := range cands {
		if c.kind == kindPortal {
			n.assign(c.kind, c.id)
		} else {
			records = append(records, c)
		}
	}
	sort.SliceStable(records, func(i, j int) bool { return records[i].key < records[j].key })
	for _, c := range records {
		n.assign(c.kind, c.id)
	}
}

// walkIDs collects candidates from a decoded JSON value.
func (n *normaliser) walkIDs(v any, key string, out *[]idCandidate) {
	switch t := v.(type) {
	case map[string]any:
		props, hasProps := t["properties"].(map[string]any)
		if id, ok := t["id"].(string); ok && hasProps && isDigits(id) {
			key = recordKey(t, props, n.idProperty)
			*out = append(*out, idCandidate{kind: kindRecord, id: id, key: key})
		}
		if hasProps {
			if id, ok := props["hs_object_id"].(string); ok && isDigits(id) {
				*out = append(*out, idCandidate{kind: kindRecord, id: id, key: key})
			}
		}
		switch p := t["portalId"].(type) {
		case json.Number:
			if isDigits(p.String()) {
				*out = append(*out, idCandidate{kind: kindPortal, id: p.String()})
			}
		case string:
			if isDigits(p) {
				*out = append(*out, idCandidate{kind: kindPortal, id: p})
			}
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // map order is random; candidates must not be
		for _, k := range keys {
			n.walkIDs(t[k], key, out)
		}
	case []any:
		for _, e := range t {
			n.walkIDs(e, key, out)
		}
	case string:
		n.textIDs(t, key, out)
	}
}

// recordKey is what identifies a result across targets: its trace id, else
// its unique value.
func recordKey(obj, props map[string]any, idProperty string) string {
	if tr, ok := obj["objectWriteTraceId"].(string); ok && tr != "" {
		return "t:" + tr
	}
	if v, ok := props[idProperty].(string); ok && v != "" {
		return "u:" + v
	}
	return ""
}

// textIDs collects ids from record URLs and portal mentions in a text.
func (n *normaliser) textIDs(s, key string, out *[]idCandidate) {
	if !strings.Contains(s, "/contacts/") && !strings.Contains(strings.ToLower(s), "portal") {
		return
	}
	for _, m := range recordURLPattern.FindAllStringSubmatch(s, -1) {
		*out = append(*out, idCandidate{kind: kindPortal, id: m[1]}, idCandidate{kind: kindRecord, id: m[2], key: key})
	}
	for _, m := range portalPattern.FindAllStringSubmatch(s, -1) {
		*out = append(*out, idCandidate{kind: kindPortal, id: m[1]})
	}
}

// assign gives id a placeholder name of kind if it has none.
func (n *normaliser) assign(kind, id string) {
	if _, ok := n.ids[id]; ok {
		return
	}
	for {
		name := kind + "-" + strconv.Itoa(n.next[kind])
		n.next[kind]++
		if _, taken := n.names[name]; !taken {
			n.ids[id] = name
			n.names[name] = id
			return
		}
	}
}

// bind ties placeholder name to id (the replay's made-up ids for records
// the emulator never returned).
func (n *normaliser) bind(name, id string) {
	n.ids[id] = name
	n.names[name] = id
	kind, num, _ := strings.Cut(name, "-")
	if k, err := strconv.Atoi(num); err == nil && k >= n.next[kind] {
		n.next[kind] = k + 1
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// text replaces known ids in a text: the whole text, or digit runs of at
// least minEmbeddedIDLen that are a known id.
func (n *normaliser) text(s string) string {
	if name, ok := n.ids[s]; ok {
		return "{{" + name + "}}"
	}
	if len(n.ids) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if name, ok := n.ids[s[i:j]]; ok && j-i >= minEmbeddedIDLen {
			b.WriteString(s[last:i])
			b.WriteString("{{" + name + "}}")
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// path replaces known ids in a request path: whole segments of any length,
// and embedded ids in the query.
func (n *normaliser) path(p string) string {
	pathPart, query, hasQuery := strings.Cut(p, "?")
	segs := strings.Split(pathPart, "/")
	for i, s := range segs {
		if name, ok := n.ids[s]; ok {
			segs[i] = "{{" + name + "}}"
		}
	}
	out := strings.Join(segs, "/")
	if hasQuery {
		out += "?" + n.text(query)
	}
	return out
}

// header replaces ids in header values (Location, Link…).
func (n *normaliser) header(h map[string][]string) {
	for k, vs := range h {
		for i, v := range vs {
			h[k][i] = n.text(v)
		}
	}
}

// body replaces ids in a body: JSON strings and keys through text, JSON
// numbers that are ids through their placeholder's number (so a number
// stays a number); other text through text.
func (n *normaliser) body(b *Body) *Body {
	switch {
	case b == nil || len(n.ids) == 0:
		return b
	case b.isJSON():
		return &Body{JSON: rewriteJSON(b.JSON, n.text, func(num string) string {
			if name, ok := n.ids[num]; ok {
				_, k, _ := strings.Cut(name, "-")
				return k
			}
			return num
		})}
	case b.Text != nil:
		s := n.text(*b.Text)
		return &Body{Text: &s, Truncated: b.Truncated}
	}
	return b
}

// rewriteJSON rewrites the strings (keys included) and numbers of valid
// JSON, keeping everything else byte for byte: key order, spacing and
// escapes of untouched strings.
func rewriteJSON(src []byte, str func(string) string, num func(string) string) []byte {
	out := make([]byte, 0, len(src))
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			raw := src[i:j]
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if r := str(s); r != s {
					out = hubspot.AppendJSONString(out, r)
					i = j
					continue
				}
			}
			out = append(out, raw...)
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(src) && strings.IndexByte("0123456789.eE+-", src[j]) >= 0 {
				j++
			}
			out = append(out, num(string(src[i:j]))...)
			i = j
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// resolve replaces placeholders in s for sending to the emulator: tokens
// by the replay's tokens, ids by what they are bound to. An id placeholder
// the emulator never produced is bound to a made-up id of the same kind,
// so the request asks for a record that does not exist, as it did when
// recorded (or diverges visibly).
func (n *normaliser) resolve(s string, tokens map[string]string) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return placeholderPattern.ReplaceAllStringFunc(s, func(m string) string {
		if t, ok := tokens[m]; ok {
			return t
		}
		name := m[2 : len(m)-2]
		if id, ok := n.names[name]; ok {
			return id
		}
		kind, num, _ := strings.Cut(name, "-")
		switch kind {
		case kindRecord, kindPortal:
			k, _ := strconv.Atoi(num)
			id := madeUpID(kind, k)
			n.bind(name, id)
			return id
		}
		// other-token-N, secret-N: a credential the emulator does not know.
		return "ub-replay-" + name
	})
}

// madeUpID is an id no emulator hands out: emulator record ids count up
// from 48,000,000,001 and its portal id is fixed; these have 12 digits
// starting with 99 (records) or 98 (portals).
func madeUpID(kind string, k int) string {
	prefix := "99"
	if kind == kindPortal {
		prefix = "98"
	}
	s := strconv.Itoa(k)
	return prefix + strings.Repeat("0", max(0, 10-len(s))) + s
}
