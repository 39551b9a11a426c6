package emulator

import (
	"net/http"
	"strconv"

	"github.com/upsertbench/upsertbench/hubspot"
)

// POST .../tasks/search, as HubSpot's published spec describes it
// (PublicObjectSearchRequest in, CollectionResponseWithTotalSimplePublicObject
// out) and its search guide limits it. Search scans the store: it adds no
// index, so upserts pay nothing for it; filters on the unique property or
// hs_object_id alone are answered by lookups instead.

// Search limits.
const (
	// DefaultSearchLimit is the page size when limit is absent (or 0, which
	// HubSpot's int field cannot tell from absent).
	DefaultSearchLimit = 10
	// MaxSearchLimit is the largest page: "up to 200 objects" (spec).
	MaxSearchLimit = 200
	// MaxSearchResults is how far paging reaches: HubSpot answers 400 past
	// 10,000 results of one query.
	MaxSearchResults = 10_000
	// MaxFilterGroups, MaxFiltersPerGroup and MaxFilters are the search
	// guide's limits (an August 2024 changelog announced higher ones: 5
	// groups, 10 per group, 25 in all; the emulator keeps the stricter).
	MaxFilterGroups    = 5
	MaxFiltersPerGroup = 6
	MaxFilters         = 18
	// MaxSearchQueryLength is the longest query: "up to 3000 characters".
	MaxSearchQueryLength = 3000
)

// searchOp is a filter operator. Names are in the spec's (alphabetical)
// order, as Jackson lists them when it refuses an unknown one.
type searchOp uint8

const (
	opBetween searchOp = iota
	opContainsToken
	opEQ
	opGT
	opGTE
	opHasProperty
	opIn
	opLT
	opLTE
	opNEQ
	opNotContainsToken
	opNotHasProperty
	opNotIn
)

var searchOpNames = [...]string{"BETWEEN", "CONTAINS_TOKEN", "EQ", "GT", "GTE", "HAS_PROPERTY", "IN",
	"LT", "LTE", "NEQ", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY", "NOT_IN"}

// Java class names in HubSpot's (Jackson's) messages about search bodies;
// the Filter one is in recorded answers, the others follow it (chosen).
const (
	javaFilter        = "com.hubspot.inbounddb.publicobject.core.v3.search.Filter"
	javaFilterOp      = "com.hubspot.inbounddb.publicobject.core.v3.search.FilterOperatorType"
	javaSortDirection = "com.hubspot.inbounddb.publicobject.core.v3.search.SortDirection"
)

type searchRequest struct {
	groups      []searchGroup
	sorts       []searchSort
	properties  []string
	limit       int
	after       string
	query       string
	filterCount int
}

type searchGroup struct {
	filters []searchFilter
}

type searchFilter struct {
	property       string
	op             searchOp
	value, high    string
	values         []string
	idx            int // schema index of property
	kind           valueKind
	num, highNum   int64 // value and highValue of date and id properties
	nums           []int64
	hasValueNumber bool
}

type searchSort struct {
	property string
	desc     bool
	idx      int
	kind     valueKind
}

// valueKind says how search compares a property's values.
type valueKind uint8

const (
	valueText   valueKind = iota // case-insensitive text; numbers when both sides are numbers
	valueDate                    // instants, compared in epoch milliseconds
	valueID                      // hs_object_id
	valueUnique                  // the record's unique value, compared exactly
)

// search handles POST .../tasks/search.
func (e *Emulator) search(st *requestState) answer {
	if a, ok := st.parseBody(); !ok {
		return a
	}
	var req searchRequest
	if !st.parseSearch(&req) {
		return st.syntaxFailure()
	}
	if a, ok := e.checkSearch(st, &req); !ok {
		return a
	}
	after, _ := strconv.Atoi(req.after)
	nowMS := max(e.nowMS(), st.startedMS)
	hits := e.searchHits(&req, nowMS)
	sortHits(hits, req.sorts)

	b := append(st.out[:0], `{"total":`...)
	b = strconv.AppendInt(b, int64(len(hits.list)), 10)
	b = append(b, `,"results":[`...)
	end := min(after+req.limit, len(hits.list))
	n := 0
	for i := min(after, end); i < end; i++ {
		snap := e.store.searchSnapshot(hits.list[i].id, nowMS, &st.snapBuf)
		if !snap.found {
			continue // archived since the scan
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = e.appendObject(b, &snap.record, req.properties, &st.preview)
	}
	b = append(b, ']')
	if end < len(hits.list) {
		b = append(b, `,"paging":{"next":{"after":"`...)
		b = strconv.AppendInt(b, int64(end), 10)
		b = append(b, `"}}`...)
	}
	b = append(b, '}')
	st.out = b
	return answer{status: http.StatusOK, body: b, inputs: n}
}

// checkSearch applies the search limits and resolves property names and
// filter values. Its refusals are 400 VALIDATION_ERROR; their wording is
// the emulator's (HubSpot's is not on record).
func (e *Emulator) checkSearch(st *requestState, req *searchRequest) (answer, bool) {
	switch {
	case len(req.groups) > MaxFilterGroups:
		return st.badRequest("Too many filter groups: "+strconv.Itoa(len(req.groups))+" were sent, but a search accepts at most "+
			strconv.Itoa(MaxFilterGroups), map[string][]string{"maxFilterGroups": {strconv.Itoa(MaxFilterGroups)}}), false
	case req.filterCount > MaxFilters:
		return st.badRequest("Too many filters: "+strconv.Itoa(req.filterCount)+" were sent, but a search accepts at most "+
			strconv.Itoa(MaxFilters)+" in all", map[string][]string{"maxFilters": {strconv.Itoa(MaxFilters)}}), false
	case req.limit < 0 || req.limit > MaxSearchLimit:
		return st.badRequest("limit must be from 1 to "+strconv.Itoa(MaxSearchLimit)+"; "+strconv.Itoa(req.limit)+" was sent",
			map[string][]string{"limit": {strconv.Itoa(req.limit)}}), false
	case len([]rune(req.query)) > MaxSearchQueryLength:
		return st.badRequest("query must be at most "+strconv.Itoa(MaxSearchQueryLength)+" characters long",
			map[string][]string{"query": {strconv.Itoa(MaxSearchQueryLength)}}), false
	}
	for i, g := range req.groups {
		if len(g.filters) > MaxFiltersPerGroup {
			return st.badRequest("Too many filters in filterGroups["+strconv.Itoa(i)+"]: "+strconv.Itoa(len(g.filters))+
				" were sent, but a filter group accepts at most "+strconv.Itoa(MaxFiltersPerGroup),
				map[string][]string{"maxFiltersPerGroup": {strconv.Itoa(MaxFiltersPerGroup)}}), false
		}
	}
	if req.limit == 0 {
		req.limit = DefaultSearchLimit
	}
	after := 0
	if req.after != "" {
		n, err := strconv.Atoi(req.after)
		if err != nil || n < 0 || !isDigits(req.after) {
			return st.badRequest("after "+strconv.Quote(req.after)+" is not a paging cursor: send the paging.next.after of the previous page, or leave it out",
				map[string][]string{"after": {req.after}}), false
		}
		after = n
	}
	if after+req.limit > MaxSearchResults {
		return st.badRequest("A search pages through at most "+strconv.Itoa(MaxSearchResults)+" results; after "+strconv.Itoa(after)+
			" with limit "+strconv.Itoa(req.limit)+" goes past them: narrow the filters instead",
			map[string][]string{"maxResults": {strconv.Itoa(MaxSearchResults)}}), false
	}
	for gi := range req.groups {
		for fi := range req.groups[gi].filters {
			if a, ok := e.compileFilter(st, &req.groups[gi].filters[fi]); !ok {
				return a, false
			}
		}
	}
	if len(req.sorts) > 1 {
		// HubSpot's clients document that only one sort is applied.
		req.sorts = req.sorts[:1]
	}
	for i := range req.sorts {
		s := &req.sorts[i]
		idx, kind, ok := e.searchProperty(s.property)
		if !ok {
			return st.unknownSearchProperty(s.property), false
		}
		s.idx, s.kind = idx, kind
	}
	return answer{}, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (st *requestState) unknownSearchProperty(name string) answer {
	return st.badRequest("Property \""+name+"\" does not exist", map[string][]string{"propertyName": {name}})
}

// searchProperty resolves a property name for filtering or sorting.
func (e *Emulator) searchProperty(name string) (idx int, kind valueKind, ok bool) {
	idx = e.schema.lookup([]byte(name))
	if idx < 0 {
		return -1, 0, false
	}
	d := &e.schema.props[idx]
	switch {
	case name == hubspot.PropObjectID:
		kind = valueID
	case d.kind == kindUnique:
		kind = valueUnique
	case d.kind == kindDate || d.kind == kindLong || name == hubspot.PropCreateDate || name == hubspot.PropLastModifiedDate:
		kind = valueDate
	}
	return idx, kind, true
}

// compileFilter resolves a filter's property and parses the values of date
// and id properties once, refusing ones that cannot be compared.
func (e *Emulator) compileFilter(st *requestState, f *searchFilter) (answer, bool) {
	idx, kind, ok := e.searchProperty(f.property)
	if !ok {
		return st.unknownSearchProperty(f.property), false
	}
	f.idx, f.kind = idx, kind
	if kind != valueDate && kind != valueID {
		return answer{}, true
	}
	parse := func(v string) (int64, bool) {
		if kind == valueID {
			n, err := strconv.ParseUint(v, 10, 63)
			return int64(n), err == nil
		}
		return hubspot.ParseInstant([]byte(v))
	}
	bad := func(v string) (answer, bool) {
		if kind == valueID {
			return st.badRequest(v+" is not a valid object id for "+f.property+": ids are numeric",
				map[string][]string{"propertyName": {f.property}}), false
		}
		pe := invalidValue(&propDef{name: f.property, kind: kindDate}, []byte(v))
		return st.badRequest(pe.message, map[string][]string{"propertyName": {f.property}}), false
	}
	switch f.op {
	case opHasProperty, opNotHasProperty:
	case opIn, opNotIn:
		for _, v := range f.values {
			n, ok := parse(v)
			if !ok {
				return bad(v)
			}
			f.nums = append(f.nums, n)
		}
	case opContainsToken, opNotContainsToken:
		// tokens of the decimal form; nothing to parse
	default:
		n, ok := parse(f.value)
		if !ok {
			return bad(f.value)
		}
		f.num = n
		if f.op == opBetween {
			if f.highNum, ok = parse(f.high); !ok {
				return bad(f.high)
			}
		}
	}
	return answer{}, true
}
