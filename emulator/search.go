package emulator

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"

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
		b = e.appendObject(b, &snap.record, req.properties)
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

// parseSearch reads a PublicObjectSearchRequest. Unknown members are
// skipped, as HubSpot's JSON reader ignores them.
func (st *requestState) parseSearch(req *searchRequest) bool {
	sc := &st.sc
	if sc.peek() != '{' {
		return sc.wrongType(at("(root)"), "PublicObjectSearchRequest")
	}
	sc.pos++
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch string(sc.unescape(key)) {
		case "filterGroups":
			ok = st.parseFilterGroups(req)
		case "sorts":
			ok = st.parseSorts(req)
		case "properties":
			ok = st.parseStringArray(&req.properties, at("properties"))
		case "limit":
			ok = st.parseSearchLimit(req)
		case "after":
			var present bool
			req.after, present, ok = st.searchScalar(at("after"))
			if !present {
				req.after = ""
			}
		case "query":
			var q rawString
			if q, ok = sc.strOrNull(at("query")); ok && !q.isNull() {
				req.query = string(sc.unescape(q))
			}
		default:
			ok = sc.skipValue(depthRoot)
		}
		if !ok {
			return false
		}
	}
	return sc.err == nil && sc.end()
}

// searchScalar reads a string, number or boolean as text (Jackson coerces
// scalars to String); null is absent.
func (st *requestState) searchScalar(field fieldPath) (val string, present, ok bool) {
	sc := &st.sc
	switch c := sc.peek(); {
	case c == '"':
		r, ok := sc.str()
		return string(sc.unescape(r)), true, ok
	case c == 'n':
		return "", false, sc.literal("null")
	case c == 't':
		return "true", true, sc.literal("true")
	case c == 'f':
		return "false", true, sc.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		start := sc.pos
		if !sc.number() {
			return "", false, false
		}
		return string(sc.data[start:sc.pos]), true, true
	}
	return "", false, sc.wrongType(field, "java.lang.String")
}

// parseSearchLimit reads limit: an integer, or a string holding one.
func (st *requestState) parseSearchLimit(req *searchRequest) bool {
	sc := &st.sc
	start := sc.peek()
	pos := sc.pos
	if start == '{' || start == '[' {
		return sc.wrongType(at("limit"), "int")
	}
	v, present, ok := st.searchScalar(at("limit"))
	if !ok {
		return false
	}
	if !present {
		req.limit = 0
		return true
	}
	n, err := strconv.Atoi(v)
	if err != nil || start == 't' || start == 'f' {
		sc.pos = pos
		kind := "Number"
		switch start {
		case '"':
			kind = "String"
		case 't', 'f':
			kind = "Boolean"
		}
		return sc.fail("Cannot deserialize value of type `int` from %s value %q: not a valid `int` value (field limit)", kind, v)
	}
	req.limit = n
	return true
}

func (st *requestState) parseFilterGroups(req *searchRequest) bool {
	sc := &st.sc
	switch sc.peek() {
	case 'n':
		return sc.literal("null")
	case '[':
		sc.pos++
	default:
		return sc.wrongType(at("filterGroups"), "ArrayList<FilterGroup>")
	}
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: "filterGroups", index: len(req.groups)}
		if sc.peek() != '{' {
			return sc.wrongType(field, "FilterGroup")
		}
		sc.pos++
		var g searchGroup
		seen := false
		for f := true; ; f = false {
			key, more := sc.nextKey(f)
			if !more {
				break
			}
			var ok bool
			if string(sc.unescape(key)) == "filters" {
				seen = true
				ok = st.parseFilters(&g, field, req)
			} else {
				ok = sc.skipValue(3)
			}
			if !ok {
				return false
			}
		}
		if sc.err != nil {
			return false
		}
		if !seen {
			return sc.fail("Cannot build FilterGroup, some of required attributes are not set [filters]")
		}
		req.groups = append(req.groups, g)
	}
	return sc.err == nil
}

func (st *requestState) parseFilters(g *searchGroup, group fieldPath, req *searchRequest) bool {
	sc := &st.sc
	switch sc.peek() {
	case 'n':
		return sc.literal("null")
	case '[':
		sc.pos++
	default:
		return sc.wrongType(group.with(".filters"), "ArrayList<Filter>")
	}
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: group.String() + ".filters", index: len(g.filters)}
		if sc.peek() != '{' {
			return sc.wrongType(field, "Filter")
		}
		sc.pos++
		f, ok := st.parseFilter(field)
		if !ok {
			return false
		}
		g.filters = append(g.filters, f)
		req.filterCount++
	}
	return sc.err == nil
}

// parseFilter reads one filter after its '{' and checks that its operator
// has the values it needs, with HubSpot's (Jackson's) messages.
func (st *requestState) parseFilter(field fieldPath) (searchFilter, bool) {
	sc := &st.sc
	var f searchFilter
	var hasName, hasOp, hasValue, hasHigh, hasValues bool
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch string(sc.unescape(key)) {
		case "propertyName":
			var r rawString
			if r, ok = sc.strOrNull(field.with(".propertyName")); ok && !r.isNull() {
				f.property, hasName = string(sc.unescape(r)), true
			}
		case "operator":
			pos := sc.peek()
			at := sc.pos
			var r rawString
			if r, ok = sc.strOrNull(field.with(".operator")); ok && !r.isNull() {
				name := string(sc.unescape(r))
				i := slices.Index(searchOpNames[:], name)
				if i < 0 || pos != '"' {
					sc.pos = at
					return f, sc.fail("Cannot deserialize value of type `%s` from String %q: not one of the values accepted for Enum class: [%s]",
						javaFilterOp, name, strings.Join(searchOpNames[:], ", "))
				}
				f.op, hasOp = searchOp(i), true
			}
		case "value":
			f.value, hasValue, ok = st.searchScalar(field.with(".value"))
		case "highValue":
			f.high, hasHigh, ok = st.searchScalar(field.with(".highValue"))
		case "values":
			ok = st.parseScalarArray(&f.values, &hasValues, field.with(".values"))
		default:
			ok = sc.skipValue(5)
		}
		if !ok {
			return f, false
		}
	}
	if sc.err != nil {
		return f, false
	}
	var missing []string
	if !hasName {
		missing = append(missing, "propertyName")
	}
	if !hasOp {
		missing = append(missing, "operator")
	}
	if len(missing) > 0 {
		return f, sc.fail("Cannot build Filter, some of required attributes are not set [%s]", strings.Join(missing, ", "))
	}
	problem := ""
	switch f.op {
	case opEQ, opNEQ, opLT, opLTE, opGT, opGTE, opContainsToken, opNotContainsToken:
		if !hasValue {
			problem = "a value"
		}
	case opBetween:
		if !hasValue {
			problem = "a value"
		} else if !hasHigh {
			problem = "a highValue"
		}
	case opIn, opNotIn:
		if !hasValues || len(f.values) == 0 {
			problem = "values"
		}
	}
	if problem != "" {
		return f, sc.fail("Cannot construct instance of `%s`, problem: operator %s requires %s", javaFilter, searchOpNames[f.op], problem)
	}
	return f, true
}

// parseScalarArray reads an array of scalars (null: absent).
func (st *requestState) parseScalarArray(dst *[]string, present *bool, field fieldPath) bool {
	sc := &st.sc
	switch sc.peek() {
	case 'n':
		return sc.literal("null")
	case '[':
		sc.pos++
	default:
		return sc.wrongType(field, "ArrayList<String>")
	}
	*present = true
	for first := true; sc.arrayNext(first); first = false {
		v, ok2, ok := st.searchScalar(field)
		if !ok {
			return false
		}
		if ok2 {
			*dst = append(*dst, v)
		}
	}
	return sc.err == nil
}

// parseSorts reads sorts: each a property name ("-name" sorts descending),
// as the published spec types them, or {propertyName, direction}, as
// HubSpot's guide and clients send them (hubspot-api-nodejs README).
func (st *requestState) parseSorts(req *searchRequest) bool {
	sc := &st.sc
	switch sc.peek() {
	case 'n':
		return sc.literal("null")
	case '[':
		sc.pos++
	default:
		return sc.wrongType(at("sorts"), "ArrayList<String>")
	}
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: "sorts", index: len(req.sorts)}
		switch sc.peek() {
		case '"':
			r, ok := sc.str()
			if !ok {
				return false
			}
			name := string(sc.unescape(r))
			s := searchSort{property: name}
			if rest, ok := strings.CutPrefix(name, "-"); ok {
				s = searchSort{property: rest, desc: true}
			}
			req.sorts = append(req.sorts, s)
		case 'n':
			if !sc.literal("null") {
				return false
			}
		case '{':
			sc.pos++
			s, ok := st.parseSortObject(field)
			if !ok {
				return false
			}
			req.sorts = append(req.sorts, s)
		default:
			return sc.wrongType(field, "String")
		}
	}
	return sc.err == nil
}

func (st *requestState) parseSortObject(field fieldPath) (searchSort, bool) {
	sc := &st.sc
	var s searchSort
	hasName := false
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch string(sc.unescape(key)) {
		case "propertyName":
			var r rawString
			if r, ok = sc.strOrNull(field.with(".propertyName")); ok && !r.isNull() {
				s.property, hasName = string(sc.unescape(r)), true
			}
		case "direction":
			at := sc.pos
			var r rawString
			if r, ok = sc.strOrNull(field.with(".direction")); ok && !r.isNull() {
				switch d := string(sc.unescape(r)); d {
				case "ASCENDING":
				case "DESCENDING":
					s.desc = true
				default:
					sc.pos = at
					return s, sc.fail("Cannot deserialize value of type `%s` from String %q: not one of the values accepted for Enum class: [ASCENDING, DESCENDING]", javaSortDirection, d)
				}
			}
		default:
			ok = sc.skipValue(3)
		}
		if !ok {
			return s, false
		}
	}
	if sc.err != nil {
		return s, false
	}
	if !hasName {
		return s, sc.fail("Cannot build Sort, some of required attributes are not set [propertyName]")
	}
	return s, true
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
		return parseInstantMS([]byte(v))
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

// fieldValue is one property of one record version as search sees it.
type fieldValue struct {
	present bool
	num     int64  // valueDate, valueID
	numOK   bool   // num holds the value
	text    []byte // valueText, valueUnique (decoded)
}

// searchField reads property idx (of kind) from v; text is decoded into
// *buf, which it may grow.
func (e *Emulator) searchField(v *record, idx int, kind valueKind, buf *[]byte) fieldValue {
	switch kind {
	case valueID:
		return fieldValue{present: true, num: int64(v.id), numOK: true}
	case valueUnique:
		if e.schema.unique[v.uniqueSlot] != idx {
			return fieldValue{}
		}
		return fieldValue{present: true, text: v.unique()}
	}
	switch e.schema.props[idx].name {
	case hubspot.PropCreateDate:
		return fieldValue{present: true, num: v.created, numOK: true}
	case hubspot.PropLastModifiedDate:
		return fieldValue{present: true, num: v.updated, numOK: true}
	}
	raw, ok := lookupPacked(v.props(), uint8(idx))
	if !ok || len(raw) == 0 {
		return fieldValue{} // never written, or cleared
	}
	fv := fieldValue{present: true, text: raw}
	if bytes.IndexByte(raw, '\\') >= 0 {
		*buf = appendUnescaped((*buf)[:0], raw)
		fv.text = *buf
	}
	if kind == valueDate {
		fv.num, fv.numOK = parseInstantMS(fv.text)
	}
	return fv
}

// matches reports whether value satisfies f.
func (f *searchFilter) matches(fv fieldValue) bool {
	switch f.op {
	case opHasProperty:
		return fv.present
	case opNotHasProperty:
		return !fv.present
	}
	if !fv.present {
		// A record without the property is "not equal" to anything (chosen).
		return f.op == opNEQ || f.op == opNotIn || f.op == opNotContainsToken
	}
	if f.op == opContainsToken || f.op == opNotContainsToken {
		text := fv.text
		if fv.numOK && (f.kind == valueID || f.kind == valueDate) {
			text = strconv.AppendInt(nil, fv.num, 10)
		}
		return containsToken(text, f.value) == (f.op == opContainsToken)
	}
	if f.kind == valueDate || f.kind == valueID {
		if !fv.numOK {
			return f.op == opNEQ || f.op == opNotIn
		}
		switch f.op {
		case opIn, opNotIn:
			return slices.Contains(f.nums, fv.num) == (f.op == opIn)
		case opBetween:
			return fv.num >= f.num && fv.num <= f.highNum
		}
		return compareOp(f.op, cmpInt(fv.num, f.num))
	}
	exact := f.kind == valueUnique
	switch f.op {
	case opIn, opNotIn:
		in := false
		for _, v := range f.values {
			if textEqual(fv.text, v, exact) {
				in = true
				break
			}
		}
		return in == (f.op == opIn)
	case opEQ:
		return textEqual(fv.text, f.value, exact)
	case opNEQ:
		return !textEqual(fv.text, f.value, exact)
	case opBetween:
		return compareText(fv.text, f.value) >= 0 && compareText(fv.text, f.high) <= 0
	}
	return compareOp(f.op, compareText(fv.text, f.value))
}

func textEqual(a []byte, b string, exact bool) bool {
	if exact {
		return string(a) == b
	}
	return bytes.EqualFold(a, []byte(b))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareText orders two values: as numbers when both are (owner ids,
// counts), else as case-folded text.
func compareText(a []byte, b string) int {
	if x, err := strconv.ParseFloat(string(a), 64); err == nil {
		if y, err := strconv.ParseFloat(b, 64); err == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(strings.ToLower(string(a)), strings.ToLower(b))
}

func compareOp(op searchOp, c int) bool {
	switch op {
	case opEQ:
		return c == 0
	case opNEQ:
		return c != 0
	case opLT:
		return c < 0
	case opLTE:
		return c <= 0
	case opGT:
		return c > 0
	case opGTE:
		return c >= 0
	}
	return false
}

// containsToken reports whether text has a word equal to token, ignoring
// case; a leading or trailing * in token matches any prefix or suffix of
// the word (HubSpot's wildcard).
func containsToken(text []byte, token string) bool {
	token = strings.ToLower(token)
	prefix := strings.HasSuffix(token, "*")
	suffix := strings.HasPrefix(token, "*")
	token = strings.Trim(token, "*")
	for _, w := range strings.FieldsFunc(strings.ToLower(string(text)), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x7f || r == '_' || r == '-' || r == '@' || r == '.')
	}) {
		switch {
		case prefix && suffix && strings.Contains(w, token),
			prefix && !suffix && strings.HasPrefix(w, token),
			suffix && !prefix && strings.HasSuffix(w, token),
			w == token:
			return true
		}
	}
	return false
}

// matchesQuery: every word of query appears, ignoring case, in the task's
// subject, body or unique value (a documented choice: HubSpot does not list
// which task properties its free-text query reads).
func (e *Emulator) matchesQuery(v *record, words []string, buf *[]byte) bool {
	hay := (*buf)[:0]
	for _, name := range []string{hubspot.PropTaskSubject, hubspot.PropTaskBody} {
		if raw, ok := lookupPacked(v.props(), uint8(e.schema.index[name])); ok {
			hay = appendLower(hay, appendUnescaped(nil, raw))
			hay = append(hay, ' ')
		}
	}
	hay = appendLower(hay, v.unique())
	*buf = hay
	for _, w := range words {
		if !bytes.Contains(hay, []byte(w)) {
			return false
		}
	}
	return true
}

// appendLower appends src in lower case (without allocating for ASCII).
func appendLower(dst, src []byte) []byte {
	for _, c := range src {
		if c >= 0x80 {
			return append(dst, bytes.ToLower(src)...)
		}
	}
	for _, c := range src {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// parseInstantMS reads a date-time value as HubSpot accepts it (epoch
// milliseconds, an ISO 8601 date-time with any fraction and Z or an
// offset, or a plain date at midnight UTC) as epoch milliseconds, without
// time.Parse: search runs it for every record it scans. Fractions finer
// than a millisecond are cut, as Java's Instant.toEpochMilli does.
func parseInstantMS(v []byte) (int64, bool) {
	if isEpochMillis(v) {
		n, err := strconv.ParseInt(string(v), 10, 64)
		return n, err == nil
	}
	if !isISO8601(v) {
		return 0, false
	}
	ms := daysFromCivil(num(v[0:4]), num(v[5:7]), num(v[8:10])) * 86_400_000
	if len(v) == 10 {
		return ms, true
	}
	ms += int64(num(v[11:13])*3_600_000 + num(v[14:16])*60_000 + num(v[17:19])*1000)
	rest := v[19:]
	if rest[0] == '.' {
		frac, digits := 0, 0
		i := 1
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if digits < 3 {
				frac = frac*10 + int(rest[i]-'0')
				digits++
			}
		}
		for ; digits < 3; digits++ {
			frac *= 10
		}
		ms += int64(frac)
		rest = rest[i:]
	}
	if rest[0] != 'Z' {
		offset := int64(num(rest[1:3])*3_600_000 + num(rest[4:6])*60_000)
		if rest[0] == '+' {
			offset = -offset
		}
		ms += offset
	}
	return ms, true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if y < 0 { // year 0000 in January or February
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

// searchHit is a matching record and its sort key.
type searchHit struct {
	id      uint64
	num     int64
	off, n  uint32 // text key in searchHits.keys
	present bool
	numeric bool
}

type searchHits struct {
	list []searchHit
	keys []byte
}

// searchHits scans the records search shows at nowMS and keeps the ones
// matching req, with their sort keys.
func (e *Emulator) searchHits(req *searchRequest, nowMS int64) *searchHits {
	hits := &searchHits{}
	var words []string
	if q := strings.TrimSpace(req.query); q != "" {
		words = strings.Fields(strings.ToLower(q))
	}
	var buf, qbuf []byte
	visit := func(v *record) {
		if len(req.groups) > 0 && !e.matchesGroups(v, req.groups, &buf) {
			return
		}
		if len(words) > 0 && !e.matchesQuery(v, words, &qbuf) {
			return
		}
		h := searchHit{id: v.id}
		if len(req.sorts) > 0 {
			s := req.sorts[0]
			fv := e.searchField(v, s.idx, s.kind, &buf)
			h.present = fv.present
			if fv.numOK {
				h.num, h.numeric = fv.num, true
			} else if fv.present {
				if n, err := strconv.ParseInt(string(fv.text), 10, 64); err == nil && s.kind == valueText {
					h.num, h.numeric = n, true
				} else {
					h.off = uint32(len(hits.keys))
					if s.kind == valueText {
						hits.keys = appendLower(hits.keys, fv.text)
					} else { // unique values compare exactly
						hits.keys = append(hits.keys, fv.text...)
					}
					h.n = uint32(len(hits.keys)) - h.off
				}
			}
		}
		hits.list = append(hits.list, h)
	}
	if ids, ok := e.lookupCandidates(req); ok {
		for _, id := range ids {
			e.store.visitSearchID(id, nowMS, visit)
		}
		return hits
	}
	e.store.visitSearch(nowMS, visit)
	return hits
}

// matchesGroups: any group whose filters all match (OR of ANDs).
func (e *Emulator) matchesGroups(v *record, groups []searchGroup, buf *[]byte) bool {
	for _, g := range groups {
		all := true
		for i := range g.filters {
			f := &g.filters[i]
			if !f.matches(e.searchField(v, f.idx, f.kind, buf)) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// lookupCandidates returns the ids a search can only match when every
// filter group pins the unique property or hs_object_id with EQ or IN:
// those are found by lookups instead of a scan. The filters still run on
// each candidate.
func (e *Emulator) lookupCandidates(req *searchRequest) ([]uint64, bool) {
	if len(req.groups) == 0 {
		return nil, false
	}
	var ids []uint64
	for _, g := range req.groups {
		pinned := false
		for _, f := range g.filters {
			if (f.op != opEQ && f.op != opIn) || (f.kind != valueUnique && f.kind != valueID) {
				continue
			}
			pinned = true
			values := f.values
			if f.op == opEQ {
				values = []string{f.value}
			}
			for i, v := range values {
				if f.kind == valueID {
					n := f.num
					if f.op == opIn {
						n = f.nums[i]
					}
					ids = append(ids, uint64(n))
				} else if id, ok := e.store.idByUnique(e.schema.uniqueSlot(f.idx), []byte(v)); ok {
					ids = append(ids, id)
				}
			}
			break
		}
		if !pinned {
			return nil, false
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), true
}

// sortHits orders hits by the first sort (records without the property
// last, either way), then by id; without sorts, by id (a documented
// choice: HubSpot does not document its default order).
func sortHits(hits *searchHits, sorts []searchSort) {
	desc := len(sorts) > 0 && sorts[0].desc
	key := func(h *searchHit) []byte { return hits.keys[h.off : h.off+h.n] }
	slices.SortFunc(hits.list, func(a, b searchHit) int {
		if len(sorts) > 0 && a.present != b.present {
			if a.present {
				return -1
			}
			return 1
		}
		if len(sorts) > 0 && a.present {
			c := 0
			switch {
			case a.numeric && b.numeric:
				c = cmpInt(a.num, b.num)
			case a.numeric: // numbers before text
				c = -1
			case b.numeric:
				c = 1
			default:
				c = bytes.Compare(key(&a), key(&b))
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmpInt(int64(a.id), int64(b.id))
	})
}

// visitSearch calls fn with the version search shows at nowMS of every
// record, one shard at a time under its lock (so a search holds up the
// upserts of one shard at a time, for a 256th of the scan).
func (s *store) visitSearch(nowMS int64, fn func(v *record)) {
	for i := range s.unique {
		sh := &s.unique[i]
		sh.mu.Lock()
		if s.timing.lagMS > 0 {
			s.timing.lag[i].sweep(nowMS, s.timing.lagMS)
		}
		for t := range sh.byValue {
			for _, en := range sh.byValue[t].entries {
				if en.r == nil {
					continue
				}
				s.settle(en.r, nowMS)
				if v := s.searchVersion(en.r, nowMS); v != nil {
					fn(v)
				}
			}
		}
		sh.mu.Unlock()
	}
}

// visitSearchID is visitSearch for one record id.
func (s *store) visitSearchID(id uint64, nowMS int64, fn func(v *record)) {
	r, sh, _ := s.live(id)
	if r == nil {
		return
	}
	defer sh.mu.Unlock()
	s.settle(r, nowMS)
	if v := s.searchVersion(r, nowMS); v != nil {
		fn(v)
	}
}

// searchSnapshot is the version of record id that search shows at nowMS,
// copied like a read's snapshot.
func (s *store) searchSnapshot(id uint64, nowMS int64, scratch *[]byte) snapshot {
	r, sh, _ := s.live(id)
	if r == nil {
		return snapshot{}
	}
	defer sh.mu.Unlock()
	s.settle(r, nowMS)
	v := s.searchVersion(r, nowMS)
	if v == nil {
		return snapshot{}
	}
	return takeSnapshot(v, scratch)
}

// idByUnique returns the id of the live record holding value in unique
// slot.
func (s *store) idByUnique(slot int, value []byte) (uint64, bool) {
	sh, h := s.uniqueShardFor(slot, value)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if r, _ := sh.byValue[slot].find(h, value); r != nil {
		return r.id, true
	}
	return 0, false
}
