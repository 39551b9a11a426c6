package contract

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// compatDeviations lists every place where our document deliberately
// differs from HubSpot's published one, with the exact difference the
// comparison reports and why it is right. The comparison fails on any other
// difference, on an allowlisted difference whose content changed, and on an
// entry that no longer matches anything (so the list cannot rot).
var compatDeviations = map[string]struct{ diff, reason string }{
	"StandardError.required": {
		diff:   "ours lacks [errors links]",
		reason: "real 207 error entries omit errors and links although HubSpot's schema marks them required (hubspot-facts.md, Response)",
	},
	"Error.properties": {
		diff:   "ours adds [status]",
		reason: `real error answers carry "status":"error", which HubSpot's Error schema does not declare (hubspot-facts.md, Errors)`,
	},
	"responses/429": {
		diff:   "declared by ours only (RateLimitError)",
		reason: "429 answers carry errorType and policyName and no category, so they do not fit Error; HubSpot's document folds them into default (hubspot-facts.md, Rate limits)",
	},
	"responses/default/content": {
		diff:   "media types: ours [application/json], theirs [*/*]",
		reason: "error bodies are JSON in every observed answer; declaring */* would let a non-JSON error page pass the content-type check",
	},
	"SimplePublicObject.properties.properties.additionalProperties.nullable": {
		diff:   "ours true, theirs <nil>",
		reason: `a requested property without a value is answered null by batch read ("reads omit it (or give null when it is requested explicitly)", hubspot-facts.md, Seen on the real API)`,
	},
	"SimplePublicObjectWithAssociations.properties.properties.additionalProperties.nullable": {
		diff:   "ours true, theirs <nil>",
		reason: `a requested property without a value is answered null by GET ("reads omit it (or give null when it is requested explicitly)", hubspot-facts.md, Seen on the real API)`,
	},
	"securitySchemes": {
		diff:   "ours lacks [developer_hapikey private_apps_legacy]",
		reason: "developer API keys (hapikey) and legacy private-app headers are retired; upsertbench authenticates with bearer tokens only",
	},
	"securitySchemes/private_apps": {
		diff:   "type: ours http/bearer, theirs apiKey/header private-app",
		reason: "private app tokens travel as Authorization: Bearer <token> on the wire; HubSpot's document models them as an apiKey header for its SDK generators",
	},
}

// TestCompatWithHubSpot compares every schema our operations use (walking
// their $refs) with the schema the same operation uses in HubSpot's
// document: property names, types, formats, required lists and enums, plus
// parameters, declared status codes, media types and security schemes.
func TestCompatWithHubSpot(t *testing.T) {
	refs := loadHubSpotReferenceDocs(t)
	ours, err := parseSpecTree(Spec())
	require.NoError(t, err)

	diffs := compareWithReference(ours, refs)
	for key, got := range diffs {
		dev, allowed := compatDeviations[key]
		switch {
		case !allowed:
			t.Errorf("%s: %s (not an allowed deviation: fix openapi.yaml, or add it to compatDeviations with the fact that backs it)", key, got)
		case dev.diff != got:
			t.Errorf("%s: allowed deviation changed:\n  allowed: %s\n  now:     %s", key, dev.diff, got)
		}
	}
	for key := range compatDeviations {
		if _, ok := diffs[key]; !ok {
			t.Errorf("%s: allowlisted deviation no longer occurs; remove it from compatDeviations", key)
		}
	}
}

// TestCompatDetectsDrift proves the comparison can fail: each mutation of
// our document must produce a difference that is not allowlisted.
func TestCompatDetectsDrift(t *testing.T) {
	refs := loadHubSpotReferenceDocs(t)
	mutations := []struct{ name, old, new, key string }{
		{"enum value", "enum: [CANCELED, COMPLETE, PENDING, PROCESSING]", "enum: [CANCELLED, COMPLETE, PENDING, PROCESSING]", ".properties.status.enum"},
		{"required list", "required: [archived, createdAt, id, new, properties, updatedAt]", "required: [archived, createdAt, id, properties, updatedAt]", "SimplePublicUpsertObject.required"},
		{"format", "format: uuid", "format: string", "Error.properties.correlationId.format"},
		{"type", "numErrors:\n          type: integer", "numErrors:\n          type: number", ".properties.numErrors.type"},
		{"property name", "objectWriteTraceId:\n          type: string\n          description: A caller-chosen", "writeTraceId:\n          type: string\n          description: A caller-chosen", "SimplePublicObjectBatchInputUpsert.properties"},
		{"ref target", "$ref: \"#/components/schemas/SimplePublicUpsertObject\"", "$ref: \"#/components/schemas/SimplePublicObject\"", ".properties.results.items"},
		{"parameter", "name: idProperty\n      in: query\n      required: false", "name: idProperty\n      in: query\n      required: true", "parameters/query/idProperty"},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			doc := strings.Replace(string(Spec()), m.old, m.new, 1)
			require.NotEqual(t, string(Spec()), doc, "test precondition: the mutation applies")
			tree, err := parseSpecTree([]byte(doc))
			require.NoError(t, err)
			var found []string
			for key, got := range compareWithReference(tree, refs) {
				if dev, ok := compatDeviations[key]; ok && dev.diff == got {
					continue
				}
				found = append(found, key+": "+got)
			}
			require.NotEmpty(t, found, "mutating %s went unnoticed", m.name)
			assert.True(t, slices.ContainsFunc(found, func(s string) bool { return strings.Contains(s, m.key) }),
				"expected a difference at %s, got %v", m.key, found)
		})
	}
}

type hubspotReferenceDocs struct{ v3, v202603 any }

func loadHubSpotReferenceDocs(t *testing.T) hubspotReferenceDocs {
	t.Helper()
	dir := hubspotReferenceDir(t)
	load := func(name string) any {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		tree, err := parseSpecTree(data)
		require.NoError(t, err)
		return tree
	}
	return hubspotReferenceDocs{v3: load("hubspot-tasks-v3.json"), v202603: load("hubspot-tasks-2026-03.json")}
}

// compareWithReference returns the differences between our document and
// HubSpot's, keyed by where they are (schema name and path, or a
// document-level key) so equal differences met through several operations
// collapse into one.
func compareWithReference(ours any, refs hubspotReferenceDocs) map[string]string {
	c := &compatComparer{ours: ours, diffs: map[string]string{}, seen: map[string]bool{}}
	paths, _ := compatMapAt(ours, "paths")
	for _, p := range compatSortedKeys(paths) {
		c.theirs, c.label = refs.v3, "v3"
		if strings.HasPrefix(p, "/crm/objects/2026-03/") {
			c.theirs, c.label = refs.v202603, "2026-03"
		}
		ourItem, _ := paths[p].(map[string]any)
		for _, method := range compatSortedKeys(ourItem) {
			ourOp, ok := ourItem[method].(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(method) + " " + p
			theirOp, ok := specNodeAt(c.theirs, []string{"paths", p, method})
			if !ok {
				c.add(where, "operation missing from HubSpot's document")
				continue
			}
			c.compareOperation(where, ourOp, theirOp.(map[string]any))
		}
	}
	c.compareSecurity(refs.v3)
	return c.diffs
}

type compatComparer struct {
	ours, theirs any
	label        string            // which HubSpot document theirs is
	diffs        map[string]string // location → difference
	seen         map[string]bool   // label+schema name already compared
}

func (c *compatComparer) add(key, diff string) {
	if prev, ok := c.diffs[key]; ok && prev != diff {
		diff = prev + "; " + diff
		if strings.Contains(prev, diff) {
			return
		}
	}
	c.diffs[key] = diff
}

func (c *compatComparer) compareOperation(where string, ours, theirs map[string]any) {
	// Parameters by location and name.
	ourParams, theirParams := c.params(c.ours, ours), c.params(c.theirs, theirs)
	for _, k := range compatUnionKeys(ourParams, theirParams) {
		o, ook := ourParams[k]
		th, tok := theirParams[k]
		switch {
		case !tok:
			c.add("parameters/"+k, "declared by ours only")
		case !ook:
			c.add("parameters/"+k, "declared by HubSpot only")
		default:
			for _, f := range []string{"required", "style", "explode"} {
				if fmt.Sprint(o[f]) != fmt.Sprint(th[f]) {
					c.add("parameters/"+k, fmt.Sprintf("%s: ours %v, theirs %v", f, o[f], th[f]))
				}
			}
			c.compareSchema("parameters/"+k+".schema", c.resolve(c.ours, o["schema"]), c.resolve(c.theirs, th["schema"]))
		}
	}
	// Request body.
	ob, _ := c.resolve(c.ours, ours["requestBody"]).(map[string]any)
	tb, _ := c.resolve(c.theirs, theirs["requestBody"]).(map[string]any)
	if (ob == nil) != (tb == nil) {
		c.add(where+" requestBody", fmt.Sprintf("declared: ours %v, theirs %v", ob != nil, tb != nil))
	} else if ob != nil {
		if fmt.Sprint(ob["required"]) != fmt.Sprint(tb["required"]) {
			c.add(where+" requestBody", fmt.Sprintf("required: ours %v, theirs %v", ob["required"], tb["required"]))
		}
		c.compareContent("requestBody", ob, tb)
	}
	// Responses by status key.
	or, _ := compatMapAt(ours, "responses")
	tr, _ := compatMapAt(theirs, "responses")
	for _, code := range compatUnionKeys(or, tr) {
		o, ook := c.resolve(c.ours, or[code]).(map[string]any)
		th, tok := c.resolve(c.theirs, tr[code]).(map[string]any)
		switch {
		case !tok:
			c.add("responses/"+code, "declared by ours only ("+c.schemaNames(o)+")")
		case !ook:
			c.add("responses/"+code, "declared by HubSpot only")
		default:
			c.compareContent("responses/"+code, o, th)
		}
	}
}

// compareContent compares media types and the schema of the first JSON-ish
// media type on both sides.
func (c *compatComparer) compareContent(where string, ours, theirs map[string]any) {
	oc, _ := ours["content"].(map[string]any)
	tc, _ := theirs["content"].(map[string]any)
	om, tm := compatSortedKeys(oc), compatSortedKeys(tc)
	if !slices.Equal(om, tm) {
		c.add(where+"/content", fmt.Sprintf("media types: ours %v, theirs %v", om, tm))
	}
	if len(om) == 0 || len(tm) == 0 {
		return
	}
	omt, _ := oc[om[0]].(map[string]any)
	tmt, _ := tc[tm[0]].(map[string]any)
	c.compareSchema(where+".schema", omt["schema"], tmt["schema"])
}

func (c *compatComparer) schemaNames(resp map[string]any) string {
	var names []string
	content, _ := resp["content"].(map[string]any)
	for _, mt := range compatSortedKeys(content) {
		m, _ := content[mt].(map[string]any)
		if s, ok := m["schema"].(map[string]any); ok {
			if ref, ok := s["$ref"].(string); ok {
				names = append(names, compatRefName(ref))
			}
		}
	}
	return strings.Join(names, ", ")
}

// compareSchema compares two schema nodes. When both are references the
// names must agree and the comparison continues under the schema's name, so
// a difference in a shared schema is reported once.
func (c *compatComparer) compareSchema(where string, ours, theirs any) {
	oref, oIsRef := compatRefOf(ours)
	tref, tIsRef := compatRefOf(theirs)
	if oIsRef || tIsRef {
		if compatRefName(oref) != compatRefName(tref) {
			c.add(where, fmt.Sprintf("refers to %s, HubSpot to %s", compatOrNone(compatRefName(oref)), compatOrNone(compatRefName(tref))))
			return
		}
		name := compatRefName(oref)
		if c.seen[c.label+" "+name] {
			return
		}
		c.seen[c.label+" "+name] = true
		where = name
	}
	o, _ := c.resolve(c.ours, ours).(map[string]any)
	th, _ := c.resolve(c.theirs, theirs).(map[string]any)
	if o == nil || th == nil {
		if (o == nil) != (th == nil) {
			c.add(where, fmt.Sprintf("schema present: ours %v, theirs %v", o != nil, th != nil))
		}
		return
	}
	for _, kw := range []string{"type", "format", "pattern", "default", "nullable"} {
		if fmt.Sprint(o[kw]) != fmt.Sprint(th[kw]) {
			c.add(where+"."+kw, fmt.Sprintf("ours %v, theirs %v", o[kw], th[kw]))
		}
	}
	for _, kw := range []string{"enum", "required"} {
		if d := compatSetDiff(compatStrings(o[kw]), compatStrings(th[kw])); d != "" {
			c.add(where+"."+kw, d)
		}
	}
	op, _ := o["properties"].(map[string]any)
	tp, _ := th["properties"].(map[string]any)
	if d := compatSetDiff(compatSortedKeys(op), compatSortedKeys(tp)); d != "" {
		c.add(where+".properties", d)
	}
	for _, name := range compatSortedKeys(op) {
		if tv, ok := tp[name]; ok {
			c.compareSchema(where+".properties."+name, op[name], tv)
		}
	}
	if o["items"] != nil || th["items"] != nil {
		c.compareSchema(where+".items", o["items"], th["items"])
	}
	oa, ta := o["additionalProperties"], th["additionalProperties"]
	_, oaSchema := oa.(map[string]any)
	_, taSchema := ta.(map[string]any)
	switch {
	case oaSchema && taSchema:
		c.compareSchema(where+".additionalProperties", oa, ta)
	case fmt.Sprint(oa) != fmt.Sprint(ta):
		c.add(where+".additionalProperties", fmt.Sprintf("ours %v, theirs %v", oa, ta))
	}
}

// compareSecurity compares the security schemes (names, types, OAuth URLs,
// and that every scope we name exists in HubSpot's list).
func (c *compatComparer) compareSecurity(theirsDoc any) {
	osch, _ := specNodeAt(c.ours, []string{"components", "securitySchemes"})
	ts, _ := specNodeAt(theirsDoc, []string{"components", "securitySchemes"})
	om, _ := osch.(map[string]any)
	tm, _ := ts.(map[string]any)
	if d := compatSetDiff(compatSortedKeys(om), compatSortedKeys(tm)); d != "" {
		c.add("securitySchemes", d)
	}
	for _, name := range compatSortedKeys(om) {
		o, _ := om[name].(map[string]any)
		th, ok := tm[name].(map[string]any)
		if !ok {
			continue
		}
		if ot, tt := compatSchemeKind(o), compatSchemeKind(th); ot != tt {
			c.add("securitySchemes/"+name, fmt.Sprintf("type: ours %s, theirs %s", ot, tt))
			continue
		}
		if name != "oauth2" {
			continue
		}
		oflow, _ := specNodeAt(o, []string{"flows", "authorizationCode"})
		tflow, _ := specNodeAt(th, []string{"flows", "authorizationCode"})
		of, _ := oflow.(map[string]any)
		tf, _ := tflow.(map[string]any)
		for _, k := range []string{"authorizationUrl", "tokenUrl"} {
			if fmt.Sprint(of[k]) != fmt.Sprint(tf[k]) {
				c.add("securitySchemes/oauth2."+k, fmt.Sprintf("ours %v, theirs %v", of[k], tf[k]))
			}
		}
		oscopes, _ := of["scopes"].(map[string]any)
		tscopes, _ := tf["scopes"].(map[string]any)
		for _, s := range compatSortedKeys(oscopes) {
			if _, ok := tscopes[s]; !ok {
				c.add("securitySchemes/oauth2.scopes", "ours names unknown scope "+s)
			}
		}
	}
}

func compatSchemeKind(s map[string]any) string {
	switch s["type"] {
	case "http":
		return fmt.Sprintf("http/%v", s["scheme"])
	case "apiKey":
		return fmt.Sprintf("apiKey/%v %v", s["in"], s["name"])
	}
	return fmt.Sprint(s["type"])
}

// params collects an operation's parameters keyed "in/name", refs resolved.
func (c *compatComparer) params(doc any, op map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := op["parameters"].([]any)
	for _, p := range list {
		m, ok := c.resolve(doc, p).(map[string]any)
		if !ok {
			continue
		}
		out[fmt.Sprintf("%v/%v", m["in"], m["name"])] = m
	}
	return out
}

func (c *compatComparer) resolve(doc, node any) any {
	resolved, _ := specFollowRefs(doc, node, nil)
	return resolved
}

func compatRefOf(node any) (string, bool) {
	m, ok := node.(map[string]any)
	if !ok {
		return "", false
	}
	ref, ok := m["$ref"].(string)
	return ref, ok
}

func compatRefName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func compatOrNone(s string) string {
	if s == "" {
		return "an inline schema"
	}
	return s
}

func compatMapAt(node any, key string) (map[string]any, bool) {
	m, ok := node.(map[string]any)
	if !ok {
		return nil, false
	}
	v, ok := m[key].(map[string]any)
	return v, ok
}

func compatSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func compatUnionKeys[V, W any](a map[string]V, b map[string]W) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return compatSortedKeys(set)
}

func compatStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}

// compatSetDiff describes how ours differs from theirs as sets; "" when equal.
func compatSetDiff(ours, theirs []string) string {
	var lacks, adds []string
	for _, t := range theirs {
		if !slices.Contains(ours, t) {
			lacks = append(lacks, t)
		}
	}
	for _, o := range ours {
		if !slices.Contains(theirs, o) {
			adds = append(adds, o)
		}
	}
	var parts []string
	if len(lacks) > 0 {
		parts = append(parts, fmt.Sprintf("ours lacks %v", lacks))
	}
	if len(adds) > 0 {
		parts = append(parts, fmt.Sprintf("ours adds %v", adds))
	}
	return strings.Join(parts, ", ")
}
