package emulator

import (
	"slices"
	"strconv"
	"strings"
)

// Reading a search body with the request scanner, so that malformed and
// mistyped bodies get the same Jackson-worded, positioned 400s as the
// other endpoints. Unknown members are skipped, as HubSpot's JSON reader
// ignores them. Depths passed to skipValue count the containers around a
// member: root object 1, a filter group 3, a filter or a sort object 5.

// eachMember calls fn with the name of each member of the object whose
// '{' was just consumed; fn reads the member's value.
func (sc *scanner) eachMember(fn func(key string) bool) bool {
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			return sc.err == nil
		}
		if !fn(string(sc.unescape(key))) {
			return false
		}
	}
}

// openArray starts reading an array value: isArray reports that '[' was
// consumed (iterate with arrayNext); null is read and reported as no
// array; anything else is a type error naming field and want.
func (sc *scanner) openArray(field fieldPath, want string) (isArray, ok bool) {
	switch sc.peek() {
	case 'n':
		return false, sc.literal("null")
	case '[':
		sc.pos++
		return true, true
	}
	return false, sc.wrongType(field, want)
}

// optionalString reads a string or null into *dst; present tells which.
func (sc *scanner) optionalString(field fieldPath, dst *string) (present, ok bool) {
	r, ok := sc.strOrNull(field)
	if !ok || r.isNull() {
		return false, ok
	}
	*dst = string(sc.unescape(r))
	return true, true
}

// parseSearch reads a PublicObjectSearchRequest.
func (st *requestState) parseSearch(req *searchRequest) bool {
	sc := &st.sc
	if sc.peek() != '{' {
		return sc.wrongType(at("(root)"), "PublicObjectSearchRequest")
	}
	sc.pos++
	return sc.eachMember(func(key string) bool {
		switch key {
		case "filterGroups":
			return st.parseFilterGroups(req)
		case "sorts":
			return st.parseSorts(req)
		case "properties":
			return st.parseStringArray(&req.properties, at("properties"))
		case "limit":
			return st.parseSearchLimit(req)
		case "after":
			v, present, ok := st.searchScalar(at("after"))
			req.after = ""
			if present {
				req.after = v
			}
			return ok
		case "query":
			_, ok := sc.optionalString(at("query"), &req.query)
			return ok
		}
		return sc.skipValue(depthRoot)
	}) && sc.end()
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
	if isArray, ok := sc.openArray(at("filterGroups"), "ArrayList<FilterGroup>"); !isArray {
		return ok
	}
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: "filterGroups", index: len(req.groups)}
		if sc.peek() != '{' {
			return sc.wrongType(field, "FilterGroup")
		}
		sc.pos++
		var g searchGroup
		seen := false
		if !sc.eachMember(func(key string) bool {
			if key != "filters" {
				return sc.skipValue(3)
			}
			seen = true
			return st.parseFilters(&g, field, req)
		}) {
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
	if isArray, ok := sc.openArray(group.with(".filters"), "ArrayList<Filter>"); !isArray {
		return ok
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
	if !sc.eachMember(func(key string) bool {
		var ok bool
		switch key {
		case "propertyName":
			hasName, ok = sc.optionalString(field.with(".propertyName"), &f.property)
		case "operator":
			var name string
			opening := sc.peek()
			pos := sc.pos
			if hasOp, ok = sc.optionalString(field.with(".operator"), &name); hasOp {
				i := slices.Index(searchOpNames[:], name)
				if i < 0 || opening != '"' {
					sc.pos = pos
					return sc.fail("Cannot deserialize value of type `%s` from String %q: not one of the values accepted for Enum class: [%s]",
						javaFilterOp, name, strings.Join(searchOpNames[:], ", "))
				}
				f.op = searchOp(i)
			}
		case "value":
			f.value, hasValue, ok = st.searchScalar(field.with(".value"))
		case "highValue":
			f.high, hasHigh, ok = st.searchScalar(field.with(".highValue"))
		case "values":
			hasValues, ok = st.parseScalarArray(&f.values, field.with(".values"))
		default:
			ok = sc.skipValue(5)
		}
		return ok
	}) {
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

// parseScalarArray reads an array of scalars; present is false for null.
func (st *requestState) parseScalarArray(dst *[]string, field fieldPath) (present, ok bool) {
	sc := &st.sc
	if isArray, ok := sc.openArray(field, "ArrayList<String>"); !isArray {
		return false, ok
	}
	for first := true; sc.arrayNext(first); first = false {
		v, isValue, ok := st.searchScalar(field)
		if !ok {
			return true, false
		}
		if isValue {
			*dst = append(*dst, v)
		}
	}
	return true, sc.err == nil
}

// parseSorts reads sorts: each a property name ("-name" sorts descending),
// as the published spec types them, or {propertyName, direction}, as
// HubSpot's guide and clients send them (hubspot-api-nodejs README).
func (st *requestState) parseSorts(req *searchRequest) bool {
	sc := &st.sc
	if isArray, ok := sc.openArray(at("sorts"), "ArrayList<String>"); !isArray {
		return ok
	}
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: "sorts", index: len(req.sorts)}
		switch sc.peek() {
		case '"':
			r, ok := sc.str()
			if !ok {
				return false
			}
			s := searchSort{property: string(sc.unescape(r))}
			if rest, ok := strings.CutPrefix(s.property, "-"); ok {
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
	if !sc.eachMember(func(key string) bool {
		switch key {
		case "propertyName":
			var ok bool
			hasName, ok = sc.optionalString(field.with(".propertyName"), &s.property)
			return ok
		case "direction":
			var d string
			sc.peek()
			pos := sc.pos
			present, ok := sc.optionalString(field.with(".direction"), &d)
			if !present || d == "ASCENDING" {
				return ok
			}
			if d == "DESCENDING" {
				s.desc = true
				return true
			}
			sc.pos = pos
			return sc.fail("Cannot deserialize value of type `%s` from String %q: not one of the values accepted for Enum class: [ASCENDING, DESCENDING]", javaSortDirection, d)
		}
		return sc.skipValue(5)
	}) {
		return s, false
	}
	if !hasName {
		return s, sc.fail("Cannot build Sort, some of required attributes are not set [propertyName]")
	}
	return s, true
}
