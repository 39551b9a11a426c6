package contract

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInventory: every promise is well formed and enforced by a check the
// suite has; every check enforces a promise; every promise has a
// corruption case in the self-test (corrupt_test.go) and every corruption
// names a promise of the inventory.
func TestInventory(t *testing.T) {
	checks := AllChecks()
	ids := map[string]bool{}
	enforced := map[CheckName]int{}
	for _, p := range Promises() {
		assert.False(t, ids[p.ID], "promise id %s is used twice", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Text, p.ID)
		assert.NotEmpty(t, p.Endpoints, p.ID)
		assert.NotEmpty(t, p.Source.Ref, "promise %s names no evidence", p.ID)
		assert.Contains(t, []SourceKind{SourceSpec, SourceObserved, SourceChoice}, p.Source.Kind, p.ID)
		if assert.NotEmpty(t, p.Check, "promise %s has no check", p.ID) {
			assert.Contains(t, checks, p.Check, "promise %s names check %s, which the suite does not have", p.ID, p.Check)
		}
		require.NotEmpty(t, p.Cases, "promise %s names no case that exercises it", p.ID)
		for _, c := range p.Cases {
			_, err := path.Match(c, "")
			assert.NoError(t, err, "promise %s: case pattern %q", p.ID, c)
		}
		enforced[p.Check]++
	}
	for _, c := range checks {
		assert.Positive(t, enforced[c], "check %s enforces no promise of the inventory", c)
	}

	corrupted := map[string]int{}
	for _, d := range deviations {
		_, ok := PromiseByID(d.promise)
		assert.True(t, ok, "deviation %q names promise %q, which is not in the inventory", d.name, d.promise)
		corrupted[d.promise]++
	}
	for _, p := range Promises() {
		assert.Positive(t, corrupted[p.ID], "promise %s has no corruption case in corrupt_test.go: nothing proves %s would catch it broken", p.ID, p.Check)
	}
	checked := map[CheckName]bool{}
	for _, d := range deviations {
		p, _ := PromiseByID(d.promise)
		checked[p.Check] = true
	}
	for _, c := range checks {
		assert.True(t, checked[c], "check %s has no corruption case in the self-test", c)
	}
	t.Logf("%d promises enforced by %d checks; %d corruptions; %d tolerated variations", len(Promises()), len(checks), len(deviations), len(tolerances))
}

// TestInventoryCasesExist: every case pattern of a promise matches a case
// of an emulator run, so no promise points at a case that does not exist.
// (TestSuiteKeepsEveryPromiseOfTheEmulator then proves each is kept.)
func TestInventoryCasesExist(t *testing.T) {
	rep := runAgainst(t, proxyRun{probe: true})
	var cases []string
	for _, c := range rep.Checks {
		cases = append(cases, c.Case)
	}
	for _, p := range Promises() {
		for _, pat := range p.Cases {
			assert.True(t, slices.ContainsFunc(cases, func(c string) bool { ok, _ := path.Match(pat, c); return ok }),
				"promise %s: no case of the suite matches %q", p.ID, pat)
		}
	}
}

// TestInventorySources: the evidence each promise cites is where it says.
// A spec reference resolves in HubSpot's published document; an observed
// fact is quoted verbatim from hubspot-facts.md; so is the fact behind
// every tolerated variation.
func TestInventorySources(t *testing.T) {
	t.Run("spec", func(t *testing.T) {
		dir := hubspotReferenceDir(t)
		docs := map[string]any{}
		for _, p := range Promises() {
			if p.Source.Kind != SourceSpec {
				continue
			}
			file, pointer, ok := strings.Cut(p.Source.Ref, "#")
			require.True(t, ok, "promise %s: spec reference %q has no #pointer", p.ID, p.Source.Ref)
			if docs[file] == nil {
				data, err := os.ReadFile(filepath.Join(dir, file))
				require.NoError(t, err, "promise %s", p.ID)
				var doc any
				require.NoError(t, json.Unmarshal(data, &doc))
				docs[file] = doc
			}
			_, found := resolvePointer(docs[file], pointer)
			assert.True(t, found, "promise %s: %s has nothing at %s", p.ID, file, pointer)
		}
	})
	t.Run("observed", func(t *testing.T) {
		data, err := os.ReadFile(factsDocument.need(t))
		require.NoError(t, err)
		facts := string(data)
		for _, p := range Promises() {
			if p.Source.Kind == SourceObserved {
				assert.True(t, strings.Contains(facts, p.Source.Ref), "promise %s quotes hubspot-facts.md, which does not say %q", p.ID, p.Source.Ref)
			}
		}
		for _, tv := range tolerances {
			if tv.fact != "" {
				assert.True(t, strings.Contains(facts, tv.fact), "tolerance %q quotes hubspot-facts.md, which does not say %q", tv.name, tv.fact)
			}
		}
	})
}

// resolvePointer follows an RFC 6901 JSON Pointer through decoded JSON.
func resolvePointer(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	node := doc
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch n := node.(type) {
		case map[string]any:
			v, ok := n[tok]
			if !ok {
				return nil, false
			}
			node = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			node = n[i]
		default:
			return nil, false
		}
	}
	return node, true
}

func TestResolvePointer(t *testing.T) {
	doc := map[string]any{"paths": map[string]any{"/a/b": map[string]any{"list": []any{"x", "y"}}}}
	v, ok := resolvePointer(doc, "/paths/~1a~1b/list/1")
	assert.True(t, ok)
	assert.Equal(t, "y", v)
	for _, bad := range []string{"/paths/~1a~1c", "/paths/~1a~1b/list/2", "/paths/~1a~1b/list/x", "/paths/~1a~1b/list/0/deeper"} {
		_, ok := resolvePointer(doc, bad)
		assert.False(t, ok, bad)
	}
}
