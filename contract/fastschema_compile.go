package contract

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Compiling the response schemas of the document into fsNode trees. The
// compiler reads the document itself (the spec tree, $refs followed), not
// the library's model, so every node knows its location in the document for
// findings, and so that a keyword the fast path does not implement is seen
// and refused: such a response keeps going to libopenapi-validator, never
// to a fast path that would judge it differently.

// fsType is a set of JSON Schema types, as bits.
type fsType uint8

const (
	fsNull fsType = 1 << iota
	fsBoolean
	fsNumber
	fsInteger
	fsString
	fsArray
	fsObject
)

// fsTypeOrder is the order jsonschema lists types in a message.
var fsTypeOrder = []struct {
	t    fsType
	name string
}{{fsNull, "null"}, {fsBoolean, "boolean"}, {fsNumber, "number"}, {fsInteger, "integer"}, {fsString, "string"}, {fsArray, "array"}, {fsObject, "object"}}

func fsTypeNamed(name string) (fsType, bool) {
	for _, t := range fsTypeOrder {
		if t.name == name {
			return t.t, true
		}
	}
	return 0, false
}

// fsFormat is an asserted format the fast path implements.
type fsFormat uint8

const (
	fsNoFormat fsFormat = iota
	fsDateTime
	fsUUID
	fsInt32
	fsInt64
)

var fsFormats = map[string]fsFormat{"date-time": fsDateTime, "uuid": fsUUID, "int32": fsInt32, "int64": fsInt64}

// fsLibraryFormats are the other formats libopenapi-validator asserts
// (jsonschema's registry): a schema using one is not compiled. Any other
// format name is an annotation the library ignores, and so does the fast
// path.
var fsLibraryFormats = []string{"json-pointer", "relative-json-pointer", "duration", "period", "ipv4", "ipv6",
	"hostname", "email", "date", "time", "uri", "iri", "uri-reference", "iri-reference", "uri-template",
	"semver", "regex", "idn-email", "idn-hostname"}

// fsAnnotations are keywords that never change a verdict.
var fsAnnotations = map[string]bool{"description": true, "title": true, "example": true, "examples": true,
	"default": true, "deprecated": true, "externalDocs": true, "xml": true, "$comment": true}

// fsNode is one compiled schema.
type fsNode struct {
	types    fsType // 0: any type
	typeWant string // "string", "string or null": the want of a type message
	hasEnum  bool
	enum     []string // string members; enumNull adds null
	enumNull bool
	enumMsg  string
	format   fsFormat
	fmtName  string
	props    []fsProp
	byLen    [][]uint16 // props positions by name length (see prop)
	required []string
	// reqOutside are required names that are not in props.
	reqOutside []string
	addl       *fsNode // schema of other members (nil: any)
	addlFalse  bool    // additionalProperties: false
	items      *fsNode // schema of elements (nil: any)
	ptr        string  // where the schema is in the document
	// object, array: keywords that apply to objects / arrays are present.
	object, array bool
	// The accepting walk's reading (fastschema_fast.go): how it reads a
	// value, the required properties as a mask of props positions, and
	// the perfect hash of the property names.
	fast      fsFastKind
	reqMask   uint64
	hashTab   []uint8
	hashMul   uint32
	hashShift uint8
}

type fsProp struct {
	name     string
	node     *fsNode
	required bool
}

// prop finds a declared property; it does not allocate. Only names of the
// same length are compared (byLen): a task result's properties object
// declares dozens of names and every member of every result is looked up.
func (n *fsNode) prop(name []byte) (int, bool) {
	if len(name) >= len(n.byLen) {
		return -1, false
	}
	for _, i := range n.byLen[len(name)] {
		if n.props[i].name == string(name) {
			return int(i), true
		}
	}
	return -1, false
}

// indexProps builds byLen from props.
func (n *fsNode) indexProps() {
	for i, p := range n.props {
		for len(n.byLen) <= len(p.name) {
			n.byLen = append(n.byLen, nil)
		}
		n.byLen[len(p.name)] = append(n.byLen[len(p.name)], uint16(i))
	}
}

// fsCompiler compiles schemas of one document, sharing nodes of the same
// location (and so bounding recursion through $refs).
type fsCompiler struct {
	tree  any
	nodes map[string]*fsNode
}

// fsUnsupported is a schema the fast path does not implement.
type fsUnsupported struct{ ptr, why string }

func (e *fsUnsupported) Error() string { return e.ptr + ": " + e.why }

// compile compiles the schema at the document location ptr.
func (c *fsCompiler) compile(ptr string) (*fsNode, error) {
	node, ok := specNodeAt(c.tree, specSplitPointer(ptr))
	if !ok {
		return nil, &fsUnsupported{ptr, "the schema is not in the document"}
	}
	node, toks := specFollowRefs(c.tree, node, specSplitPointer(ptr))
	ptr = specJoinPointer(toks)
	if n, ok := c.nodes[ptr]; ok {
		return n, nil
	}
	m, isMap := node.(map[string]any)
	if !isMap {
		if b, isBool := node.(bool); isBool && b {
			n := &fsNode{ptr: ptr}
			c.nodes[ptr] = n
			return n, nil
		}
		return nil, &fsUnsupported{ptr, fmt.Sprintf("a %T schema", node)}
	}
	if ref, has := m["$ref"]; has {
		return nil, &fsUnsupported{ptr, fmt.Sprintf("a reference the compiler cannot follow (%v)", ref)}
	}
	n := &fsNode{ptr: ptr}
	c.nodes[ptr] = n // before the children: a cycle finds this node
	nullable := false
	if v, has := m["nullable"]; has {
		b, isBool := v.(bool)
		if !isBool {
			return nil, &fsUnsupported{ptr, "nullable is not a boolean"}
		}
		nullable = b
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case fsAnnotations[k] || strings.HasPrefix(k, "x-") || k == "nullable":
		case k == "type":
			if err := c.types(n, ptr, v); err != nil {
				return nil, err
			}
		case k == "format":
			name, isStr := v.(string)
			if !isStr {
				return nil, &fsUnsupported{ptr, "format is not a string"}
			}
			if f, known := fsFormats[name]; known {
				n.format, n.fmtName = f, name
			} else if slices.Contains(fsLibraryFormats, name) {
				return nil, &fsUnsupported{ptr, "format " + name + " is asserted by the library but not by the fast path"}
			}
		case k == "enum":
			list, isList := v.([]any)
			if !isList || len(list) == 0 {
				return nil, &fsUnsupported{ptr, "enum is not a non-empty list"}
			}
			n.hasEnum = true
			var shown []string
			for _, e := range list {
				switch e := e.(type) {
				case string:
					n.enum = append(n.enum, e)
					shown = append(shown, jsQuote(e))
				case nil:
					n.enumNull = true
					shown = append(shown, "<nil>")
				default:
					return nil, &fsUnsupported{ptr, fmt.Sprintf("enum member %v is not a string", e)}
				}
			}
			if nullable && !n.enumNull {
				n.enumNull = true // OpenAPI 3.0 nullable adds null to the enum
				shown = append(shown, "<nil>")
			}
			if len(shown) == 1 {
				n.enumMsg = "value must be " + shown[0]
			} else {
				n.enumMsg = "value must be one of " + strings.Join(shown, ", ")
			}
		case k == "properties":
			pm, isMap := v.(map[string]any)
			if !isMap {
				return nil, &fsUnsupported{ptr, "properties is not a map"}
			}
			n.object = true
			names := make([]string, 0, len(pm))
			for name := range pm {
				names = append(names, name)
			}
			slices.Sort(names)
			for _, name := range names {
				child, err := c.compile(ptr + "/properties/" + jsonPointerEscape(name))
				if err != nil {
					return nil, err
				}
				n.props = append(n.props, fsProp{name: name, node: child})
			}
		case k == "required":
			list, isList := v.([]any)
			if !isList {
				return nil, &fsUnsupported{ptr, "required is not a list"}
			}
			n.object = true
			for _, r := range list {
				name, isStr := r.(string)
				if !isStr {
					return nil, &fsUnsupported{ptr, "a required name is not a string"}
				}
				n.required = append(n.required, name)
			}
		case k == "additionalProperties":
			n.object = true
			switch a := v.(type) {
			case bool:
				n.addlFalse = !a
			case map[string]any:
				child, err := c.compile(ptr + "/additionalProperties")
				if err != nil {
					return nil, err
				}
				n.addl = child
			default:
				return nil, &fsUnsupported{ptr, "additionalProperties is neither a schema nor a boolean"}
			}
		case k == "items":
			if _, isMap := v.(map[string]any); !isMap {
				return nil, &fsUnsupported{ptr, "items is not one schema"}
			}
			n.array = true
			child, err := c.compile(ptr + "/items")
			if err != nil {
				return nil, err
			}
			n.items = child
		default:
			return nil, &fsUnsupported{ptr, "keyword " + k + " is not implemented by the fast path"}
		}
	}
	if nullable && n.types != 0 {
		n.types |= fsNull
	}
	n.typeWant = fsTypeWant(n.types)
	n.indexProps()
	for _, name := range n.required {
		if i, ok := n.prop([]byte(name)); ok {
			n.props[i].required = true
		} else if !slices.Contains(n.reqOutside, name) {
			n.reqOutside = append(n.reqOutside, name)
		}
	}
	n.indexFast()
	return n, nil
}

func (c *fsCompiler) types(n *fsNode, ptr string, v any) error {
	var names []string
	switch t := v.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, e := range t {
			s, isStr := e.(string)
			if !isStr {
				return &fsUnsupported{ptr, "a type is not a string"}
			}
			names = append(names, s)
		}
	default:
		return &fsUnsupported{ptr, "type is neither a name nor a list"}
	}
	for _, name := range names {
		t, ok := fsTypeNamed(name)
		if !ok {
			return &fsUnsupported{ptr, "unknown type " + name}
		}
		n.types |= t
	}
	return nil
}

func fsTypeWant(t fsType) string {
	var names []string
	for _, o := range fsTypeOrder {
		if t&o.t != 0 {
			names = append(names, o.name)
		}
	}
	return strings.Join(names, " or ")
}

// jsQuote quotes a string the way jsonschema's messages do: Go quoting,
// inside single quotes.
func jsQuote(s string) string {
	s = fmt.Sprintf("%q", s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}
