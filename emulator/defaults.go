package emulator

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/jsonscan"
)

// The default and calculated properties of a task, the one place that
// knows them. Real creates answer with properties nobody wrote
// (hubspot-facts.md, "Seen on the real API": creates get defaults; the
// values follow public fixtures of task creates by private apps):
//
//   - hs_task_status NOT_STARTED when no status was written, and
//     hs_task_is_completed "1" or "0" following the status. Both are
//     stored at write time (defaultsOnCreate, isCompletedFor), so reads,
//     and whatever else reads records, see them like written values.
//   - hs_object_source, _id and _label (INTEGRATION, the app's id) and
//     hs_pipeline, hs_pipeline_stage: the same for every task the API
//     creates, so they are kept once per emulator (createdSegment), not
//     per record, and answered for every record.
//   - hs_body_preview, _html and _is_truncated: hs_task_body as text
//     (HubSpot renders it with jsoup: tags dropped, entities decoded,
//     white space collapsed), wrapped as jsoup prints a document, never
//     truncated (the real length limit is unknown). They are a function of
//     the stored body, computed when answered (appendPreview): storing them
//     would double the memory of a task with a body.
const (
	objectSource   = "INTEGRATION"
	sourceAppID    = "2561001"
	taskPipeline   = "3d1f7c52-6a1e-4c2b-9b8e-1f0a5d2c7e41"
	pipelineStage  = "8f6c2a9e-4b1d-4e7a-a3c5-6d2e9f0b1c73"
	previewHTMLOn  = "<html>\n <head></head>\n <body>\n "
	previewHTMLOff = "\n </body>\n</html>"
)

// portalJSON is the portal id as the items of "Property values were not
// valid" carry it: a JSON number, or a string when it is not one.
func portalJSON(id string) json.RawMessage {
	if _, err := strconv.ParseUint(id, 10, 64); err == nil {
		return json.RawMessage(id)
	}
	return json.RawMessage(hubspot.AppendJSONString(nil, id))
}

// constantDefaults are the properties every API-created task answers with
// the same value, in answer order.
var constantDefaults = [][2]string{
	{hubspot.PropObjectSource, objectSource},
	{hubspot.PropObjectSourceID, sourceAppID},
	{hubspot.PropObjectSourceLabel, objectSource},
	{hubspot.PropPipeline, taskPipeline},
	{hubspot.PropPipelineStage, pipelineStage},
}

// constantDefault returns the value of a constant default property.
func constantDefault(name string) (string, bool) {
	for _, kv := range constantDefaults {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}

// statusDefaultSegment is what defaultsOnCreate stores, as answer
// members.
const statusDefaultSegment = `"` + hubspot.PropTaskStatus + `":"` + string(hubspot.TaskStatusNotStarted) + `","` +
	hubspot.PropTaskIsCompleted + `":"0",`

// createdSegment is the constant defaults as answer members: `"k":"v",`
// each.
var createdSegment = func() string {
	var b []byte
	for _, kv := range constantDefaults {
		b = hubspot.AppendJSONString(b, kv[0])
		b = append(b, ':')
		b = hubspot.AppendJSONString(b, kv[1])
		b = append(b, ',')
	}
	return string(b)
}()

// Raw values of the calculated properties, as packed values point to
// them (escaped JSON string content).
var (
	rawNotStarted = []byte(hubspot.TaskStatusNotStarted)
	rawCompleted  = []byte("1")
	rawIncomplete = []byte("0")
)

// isCompletedFor is hs_task_is_completed for a (raw) hs_task_status.
func isCompletedFor(status []byte) []byte {
	if string(status) == string(hubspot.TaskStatusCompleted) {
		return rawCompleted
	}
	return rawIncomplete
}

// defaultsOnCreate are the values a create stores when it wrote no
// status; an input that writes hs_task_status gets hs_task_is_completed
// packed with it instead (see parseProperties).
func (s *schema) defaultsOnCreate() []packedProp {
	return []packedProp{
		{idx: uint8(s.index[hubspot.PropTaskStatus]), raw: rawNotStarted},
		{idx: uint8(s.index[hubspot.PropTaskIsCompleted]), raw: rawIncomplete},
	}
}

// previewScratch is the reusable memory of preview rendering.
type previewScratch struct {
	text    []byte // a decoded body
	preview []byte // a text preview
	html    []byte // an HTML preview
}

// appendPreviewMembers appends the three hs_body_preview members of the
// (raw, non-empty) body as `"k":"v",` each.
func appendPreviewMembers(b, body []byte, scratch *previewScratch) []byte {
	b = append(b, `"`+hubspot.PropBodyPreview+`":"`...)
	start := len(b)
	b, special := appendPreview(b, body, scratch)
	end := len(b)
	b = append(b, previewMiddle...)
	if special {
		b = appendHTMLEscaped(b, b[start:end])
	} else {
		b = append(b, b[start:end]...)
	}
	return append(b, previewEnd...)
}

// The constant stretches of the preview members around the text preview
// and its HTML form.
var (
	previewMiddle = `","` + hubspot.PropBodyPreviewHTML + `":"` + jsonPreviewHTMLOn
	previewEnd    = jsonPreviewHTMLOff + `","` + hubspot.PropBodyPreviewIsTruncated + `":"false",`
)

// appendPreviewHTML appends the HTML preview around preview, the text
// preview as JSON string content (preview may be a part of b); special
// tells that preview holds &, < or >, which HTML escapes.
func appendPreviewHTML(b, preview []byte, special bool) []byte {
	b = append(b, jsonPreviewHTMLOn...)
	if special {
		b = appendHTMLEscaped(b, preview)
	} else {
		b = append(b, preview...)
	}
	return append(b, jsonPreviewHTMLOff...)
}

// appendCalculated appends `,"name":"value"` for a read-only property idx
// of r that a read asked for, when it has a value (rawValue).
func (e *Emulator) appendCalculated(b []byte, r *record, idx int, scratch *previewScratch) []byte {
	if raw, ok := e.rawValue(r, idx, scratch); ok {
		return appendMember(b, e.schema.props[idx].name, raw)
	}
	return b
}

// rawValue is the value of property idx of r as answers and search see
// it, as JSON string content: the stored one (written values and the
// stored defaults), a constant default, or a preview of the stored body.
// ok is false when the property has no value (never written, cleared, or
// no body to preview). A computed preview is built in scratch (nil: new
// memory) and valid until its next use.
func (e *Emulator) rawValue(r *record, idx int, scratch *previewScratch) ([]byte, bool) {
	if raw, ok := lookupPacked(r.props(), uint8(idx)); ok {
		return raw, len(raw) > 0
	}
	name := e.schema.props[idx].name
	if v, ok := constantDefault(name); ok {
		return []byte(v), true
	}
	switch name {
	case hubspot.PropBodyPreview, hubspot.PropBodyPreviewHTML, hubspot.PropBodyPreviewIsTruncated:
	default:
		return nil, false
	}
	body, ok := lookupPacked(r.props(), uint8(e.schema.body))
	if !ok || len(body) == 0 {
		return nil, false
	}
	if scratch == nil {
		scratch = &previewScratch{}
	}
	switch name {
	case hubspot.PropBodyPreview:
		scratch.preview, _ = appendPreview(scratch.preview[:0], body, scratch)
		return scratch.preview, true
	case hubspot.PropBodyPreviewHTML:
		var special bool
		scratch.preview, special = appendPreview(scratch.preview[:0], body, scratch)
		scratch.html = appendPreviewHTML(scratch.html[:0], scratch.preview, special)
		return scratch.html, true
	}
	return []byte("false"), true // never truncated
}

// appendMember appends `,"name":"raw"`, raw being JSON string content.
func appendMember(b []byte, name string, raw []byte) []byte {
	b = append(b, ',')
	b = hubspot.AppendJSONString(b, name)
	b = append(b, ':')
	return appendRaw(b, raw)
}

// The document around the HTML preview, as JSON string content.
var (
	jsonPreviewHTMLOn  = string(hubspot.AppendJSONStringBody(nil, previewHTMLOn))
	jsonPreviewHTMLOff = string(hubspot.AppendJSONStringBody(nil, previewHTMLOff))
)

// appendPreview appends the text preview of body, both as JSON string
// content: body with HTML tags dropped (block tags become a space), the
// common entities decoded and ASCII white space collapsed to single
// spaces, trimmed (jsoup also folds U+00A0 in; the emulator keeps it). It reports whether the preview holds &, < or >. Bodies without
// tags, entities or runs of spaces (most notes: words, punctuation and
// line breaks) are copied as they are, their white-space escapes turned
// into single spaces; the rest are decoded first.
func appendPreview(b, body []byte, scratch *previewScratch) ([]byte, bool) {
	amp := bytes.IndexByte(body, '&') >= 0
	if amp && bytes.IndexByte(body, ';') >= 0 || bytes.IndexByte(body, '<') >= 0 ||
		hasDoubleSpace(body) || body[0] == ' ' || body[len(body)-1] == ' ' {
		return appendPreviewDecoded(b, body, scratch)
	}
	special := amp || bytes.IndexByte(body, '>') >= 0
	start := len(b)
	for rest := body; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\\')
		if i < 0 {
			return append(b, rest...), special
		}
		b = append(b, rest[:i]...)
		switch rest[i+1] {
		case 'n', 'r', 't', 'f':
			i += 2
			for i < len(rest) && (rest[i] == ' ' || rest[i] == '\\' && i+1 < len(rest) && isSpaceEscape(rest[i+1])) {
				if rest[i] == ' ' {
					i++
				} else {
					i += 2
				}
			}
			if len(b) > start && b[len(b)-1] != ' ' && i < len(rest) {
				b = append(b, ' ')
			} else if i == len(rest) && len(b) > start && b[len(b)-1] == ' ' {
				b = b[:len(b)-1] // trimmed
			}
			rest = rest[i:]
		case 'u':
			if r := jsonscan.HexVal(rest[i+2:]); r <= ' ' || r == '<' || r == '>' || r == '&' {
				return appendPreviewDecoded(b[:start], body, scratch)
			}
			b = append(b, rest[i:i+6]...)
			rest = rest[i+6:]
		default: // \" \\ \/ \b: the same character in the preview
			b = append(b, rest[i:i+2]...)
			rest = rest[i+2:]
		}
	}
	return b, special
}

// Byte-lane masks of hasDoubleSpace: the low bit, the high bit and the
// low seven bits of every byte of a word.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
	lo7 = 0x7f7f7f7f7f7f7f7f
)

// hasDoubleSpace reports whether s holds two spaces in a row, eight bytes
// at a time (bytes.Contains stops at every single space of a text).
func hasDoubleSpace(s []byte) bool {
	var carry uint64 // the high bit of byte 0 set when the byte before was a space
	for ; len(s) >= 8; s = s[8:] {
		t := binary.LittleEndian.Uint64(s) ^ ' '*lsb
		sp := ^((t & lo7) + lo7 | t) & msb // high bit set in the bytes that are spaces
		if sp&(sp<<8|carry) != 0 {
			return true
		}
		carry = sp >> 56
	}
	for _, c := range s {
		switch {
		case c != ' ':
			carry = 0
		case carry != 0:
			return true
		default:
			carry = 1
		}
	}
	return false
}

func isSpaceEscape(c byte) bool { return c == 'n' || c == 'r' || c == 't' || c == 'f' }

// appendPreviewDecoded is appendPreview for any body: it decodes body into
// scratch and reads it character by character.
func appendPreviewDecoded(b, body []byte, scratch *previewScratch) ([]byte, bool) {
	text := jsonscan.Unescape(scratch.text[:0], body)
	scratch.text = text
	start := len(b)
	space := false // a white space run is pending
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			space = true
			i++
			continue
		case c == '<':
			if end := bytes.IndexByte(text[i:], '>'); end > 0 {
				if isBlockTag(text[i+1 : i+end]) {
					space = true
				}
				i += end + 1
				continue
			}
		case c == '&':
			if r, n := decodeEntity(text[i:]); n > 0 {
				b = appendSpace(b, start, &space)
				b = hubspot.AppendJSONStringBody(b, r)
				i += n
				continue
			}
		}
		b = appendSpace(b, start, &space)
		j := i + 1
		for j < len(text) && !isPreviewSpecial(text[j]) {
			j++
		}
		b = hubspot.AppendJSONStringBody(b, text[i:j])
		i = j
	}
	preview := b[start:]
	return b, bytes.IndexByte(preview, '&') >= 0 || bytes.IndexByte(preview, '<') >= 0 || bytes.IndexByte(preview, '>') >= 0
}

// appendSpace writes a pending space, unless nothing was written yet
// (the preview is trimmed).
func appendSpace(b []byte, start int, space *bool) []byte {
	if *space && len(b) > start {
		b = append(b, ' ')
	}
	*space = false
	return b
}

func isPreviewSpecial(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '<' || c == '&'
}

// isBlockTag tells tags jsoup's text() separates with a space (the tag's
// text between < and >, possibly closing or self-closing).
func isBlockTag(tag []byte) bool {
	tag = bytes.TrimPrefix(tag, []byte("/"))
	if i := bytes.IndexAny(tag, " /\t\n"); i >= 0 {
		tag = tag[:i]
	}
	switch string(bytes.ToLower(tag)) {
	case "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr":
		return true
	}
	return false
}

// decodeEntity decodes the HTML entity at the start of s (the common named
// ones and numeric ones); n is 0 when there is none.
func decodeEntity(s []byte) (string, int) {
	end := bytes.IndexByte(s, ';')
	if end < 2 || end > 10 {
		return "", 0
	}
	switch name := string(s[1:end]); name {
	case "amp":
		return "&", end + 1
	case "lt":
		return "<", end + 1
	case "gt":
		return ">", end + 1
	case "quot":
		return `"`, end + 1
	case "apos", "#39":
		return "'", end + 1
	case "nbsp":
		return "\u00a0", end + 1
	}
	return "", 0
}

// appendHTMLEscaped appends the JSON string content s with &, < and >
// escaped for HTML, as jsoup prints text, copying the runs between them.
func appendHTMLEscaped(b, s []byte) []byte {
	start := 0
	for i, c := range s {
		if !isHTMLSpecial[c] {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '&':
			b = append(b, "&amp;"...)
		case '<':
			b = append(b, "&lt;"...)
		default:
			b = append(b, "&gt;"...)
		}
		start = i + 1
	}
	return append(b, s[start:]...)
}

var isHTMLSpecial = [256]bool{'&': true, '<': true, '>': true}
