package contract

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// The spec tree is the document as plain maps and slices. The validator
// uses it only to turn the library's schema keyword locations (relative to
// an inlined schema) into locations in the document a human can open, e.g.
// "#/components/schemas/SimplePublicUpsertObject/properties/new". That work
// happens only when a finding is reported.

func parseSpecTree(doc []byte) (any, error) {
	var tree any
	if err := yaml.Unmarshal(doc, &tree); err != nil {
		return nil, err
	}
	return tree, nil
}

// jsonPointerEscape escapes one JSON Pointer reference token (RFC 6901).
func jsonPointerEscape(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func jsonPointerUnescape(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// specSplitPointer splits "/a/b~1c" or "#/a/b" into unescaped tokens.
func specSplitPointer(p string) []string {
	p = strings.TrimPrefix(p, "#")
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	toks := strings.Split(p, "/")
	for i, t := range toks {
		toks[i] = jsonPointerUnescape(t)
	}
	return toks
}

func specJoinPointer(toks []string) string {
	var b strings.Builder
	b.WriteString("#")
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(jsonPointerEscape(t))
	}
	return b.String()
}

// specLocate walks from the document location start through the given
// (unescaped) tokens, following local $refs on the way, and returns the
// canonical location it ends at. A "$ref" token means "follow the reference
// here" (libopenapi-validator keyword locations may contain it). When the
// walk leaves the document, the remaining tokens are appended as they are:
// a best-effort location is more useful than none.
func specLocate(tree any, start string, toks ...string) string {
	cur := specSplitPointer(start)
	node, ok := specNodeAt(tree, cur)
	if ok {
		node, cur = specFollowRefs(tree, node, cur)
	}
	for i, tok := range toks {
		if !ok {
			return specJoinPointer(append(cur, toks[i:]...))
		}
		if tok == "$ref" {
			continue // specFollowRefs already did
		}
		node, ok = specChild(node, tok)
		cur = append(cur, tok)
		if ok {
			node, cur = specFollowRefs(tree, node, cur)
		}
	}
	return specJoinPointer(cur)
}

// specFollowRefs resolves a chain of local references (at most 16 hops, so a
// reference cycle cannot hang a validation).
func specFollowRefs(tree, node any, cur []string) (any, []string) {
	for range 16 {
		m, isMap := node.(map[string]any)
		if !isMap {
			return node, cur
		}
		ref, isRef := m["$ref"].(string)
		if !isRef || !strings.HasPrefix(ref, "#/") {
			return node, cur
		}
		toks := specSplitPointer(ref)
		target, found := specNodeAt(tree, toks)
		if !found {
			return node, cur
		}
		node, cur = target, toks
	}
	return node, cur
}

func specNodeAt(tree any, toks []string) (any, bool) {
	node := tree
	for _, t := range toks {
		var ok bool
		if node, ok = specChild(node, t); !ok {
			return nil, false
		}
	}
	return node, true
}

func specChild(node any, tok string) (any, bool) {
	switch n := node.(type) {
	case map[string]any:
		c, ok := n[tok]
		return c, ok
	case []any:
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(n) {
			return nil, false
		}
		return n[i], true
	}
	return nil, false
}
