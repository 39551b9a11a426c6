package emulator

import (
	"hash/maphash"
	"net/http"

	"github.com/upsertbench/upsertbench/hubspot"
)

// upsertInput is one parsed input. Strings are raw slices of the body.
type upsertInput struct {
	id, idProperty, traceID rawString
	hasProps                bool
	// propsAt is the body offset of the input's (last) properties object.
	propsAt int
	// validated tells that the properties were validated and packed while
	// parsing, against the input's final id and idProperty.
	validated          bool
	idValue            []byte
	slot               int // unique slot of idProperty
	packedLo, packedHi int // into requestState.packed
	errsLo, errsHi     int // into requestState.errs
	result             int // into requestState.results, -1 when refused
}

// parseUpsert reads {"inputs":[{id, idProperty, objectWriteTraceId,
// properties}]}. Unknown members are skipped (after a syntax check), as
// HubSpot's JSON reader ignores them. It reports false with st.sc.err set,
// or with inputsMissing when there is no inputs array.
func (st *requestState) parseUpsert() (inputsSeen bool, ok bool) {
	sc := &st.sc
	st.inputs = st.inputs[:0]
	st.packed = st.packed[:0]
	st.errs = st.errs[:0]
	if sc.peek() != '{' {
		return false, sc.wrongType(at("(root)"), "BatchInputSimplePublicObjectBatchInputUpsert")
	}
	sc.pos++
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		if string(sc.unescape(key)) != "inputs" {
			if !sc.skipValue() {
				return false, false
			}
			continue
		}
		st.inputs = st.inputs[:0]
		st.packed = st.packed[:0]
		st.errs = st.errs[:0]
		switch sc.peek() {
		case 'n':
			if !sc.literal("null") {
				return false, false
			}
			inputsSeen = false
			continue
		case '[':
			sc.pos++
		default:
			return false, sc.wrongType(at("inputs"), "ArrayList<SimplePublicObjectBatchInputUpsert>")
		}
		inputsSeen = true
		for firstEl := true; sc.arrayNext(firstEl); firstEl = false {
			if !st.parseInput() {
				return false, false
			}
		}
		if sc.err != nil {
			return false, false
		}
	}
	if sc.err != nil || !sc.end() {
		return false, false
	}
	return inputsSeen, true
}

// parseInput reads one input. When its id and idProperty come before its
// properties, as every client we know sends them, the properties are
// validated and packed in the same pass that reads them; otherwise
// validateInputs reads them again once the input is complete.
func (st *requestState) parseInput() bool {
	sc := &st.sc
	field := fieldPath{prefix: "inputs", index: len(st.inputs)}
	if sc.peek() != '{' {
		return sc.wrongType(field, "SimplePublicObjectBatchInputUpsert")
	}
	sc.pos++
	in := upsertInput{result: -1, slot: -1}
	packedLo, errsLo := len(st.packed), len(st.errs)
	for first := true; ; first = false {
		key, v, res := sc.member(first)
		switch res {
		case memberEnd:
			goto end
		case memberFail:
			return false
		}
		ok := true
		switch string(sc.unescape(key)) {
		case "id":
			in.id, ok = sc.memberString(res, v, &field, ".id")
			in.validated = false
		case "idProperty":
			in.idProperty, ok = sc.memberString(res, v, &field, ".idProperty")
			in.validated = false
		case "objectWriteTraceId":
			in.traceID, ok = sc.memberString(res, v, &field, ".objectWriteTraceId")
		case "properties":
			if res == memberRead { // a string: back to it, to report it
				sc.pos = sc.valueStart(v)
			}
			// A repeated "properties" member replaces the earlier one.
			st.packed, st.errs = st.packed[:packedLo], st.errs[:errsLo]
			in.propsAt = sc.pos
			ok = st.parseProperties(&in, field, st.resolveID(&in))
		default:
			if res == memberKey {
				ok = sc.skipValue()
			}
		}
		if !ok {
			return false
		}
	}
end:
	if sc.err != nil {
		return false
	}
	st.inputs = append(st.inputs, in)
	return true
}

// resolveID sets the input's unique slot and id value, and reports whether
// both are known and usable for validating its properties.
func (st *requestState) resolveID(in *upsertInput) bool {
	if in.id.isNull() || len(in.id.raw) == 0 || in.idProperty.isNull() || len(in.idProperty.raw) == 0 {
		return false
	}
	s := st.e.schema
	in.slot = -1
	if idx := s.lookup(st.sc.unescape(in.idProperty)); idx >= 0 {
		in.slot = s.uniqueSlot(idx)
	}
	in.idValue = st.sc.unescape(in.id)
	return in.slot >= 0
}

// parseProperties reads an input's properties object; with validate set it
// also checks every value and packs the valid ones (see checkProp).
func (st *requestState) parseProperties(in *upsertInput, field fieldPath, validate bool) bool {
	sc := &st.sc
	switch sc.peek() {
	case 'n':
		in.hasProps = false
		return sc.literal("null")
	case '{':
		sc.pos++
	default:
		return sc.wrongType(field.with(".properties"), "Map<String,String>")
	}
	in.hasProps = true
	in.validated = validate
	in.packedLo, in.errsLo = len(st.packed), len(st.errs)
	hasTimestamp := false
	if validate {
		st.gen++
		if st.gen == 0 { // wrapped: forget every mark
			st.seenGen = [maxProps]uint32{}
			st.gen = 1
		}
	}
	for first := true; ; first = false {
		key, v, res := sc.member(first)
		switch res {
		case memberEnd:
			goto end
		case memberFail:
			return false
		case memberKey:
			var ok bool
			if v, ok = sc.strOrNull(fieldPath{prefix: field.prefix, index: field.index, suffix: ".properties.", key: key.raw}); !ok {
				return false
			}
		}
		if validate && st.checkProp(in, key, v) {
			hasTimestamp = true
		}
	}
end:
	if sc.err != nil {
		return false
	}
	if validate && !hasTimestamp && !st.e.store.exists(in.slot, in.idValue) {
		st.errs = append(st.errs, propError{code: hubspot.CodeRequiredProperty, name: hubspot.PropTimestamp,
			message: "Property \"" + hubspot.PropTimestamp + "\" is required when a task is created"})
	}
	in.packedHi, in.errsHi = len(st.packed), len(st.errs)
	return true
}

// checkProp validates one property of in and packs it when valid, or
// records why not. It reports whether the property is a non-empty
// hs_timestamp (an invalid one is reported as invalid, not as missing).
func (st *requestState) checkProp(in *upsertInput, key, v rawString) (timestamp bool) {
	s := st.e.schema
	name := st.sc.unescape(key)
	idx := s.lookup(name)
	if idx < 0 {
		st.errs = append(st.errs, propError{code: hubspot.CodePropertyDoesntExist, name: string(name),
			message: "Property \"" + string(name) + "\" does not exist"})
		return false
	}
	d := &s.props[idx]
	// Free-text values need decoding only to count their characters, and
	// an escaped form no longer than the limit decodes to fewer characters
	// still: most values are never unescaped.
	value := v.raw
	if d.kind != kindString || len(value) > hubspot.MaxPropertyValueLength {
		value = st.sc.unescape(v)
	}
	switch d.kind {
	case kindString:
		// no further checks below the length limit
	case kindSystem:
		st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
			message: "Property \"" + d.name + "\" is a read only property; its value cannot be set"})
		return false
	case kindUnique:
		if s.uniqueSlot(idx) != in.slot {
			st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
				message: "Property \"" + d.name + "\" has unique values; write it as the id of an input whose idProperty is \"" + d.name + "\""})
		} else if string(value) != string(in.idValue) {
			st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
				message: "Property \"" + d.name + "\" is this input's idProperty; its value must equal the input's id"})
		}
		return false // the unique value is stored with the record, not as a property
	}
	timestamp = idx == s.timestamp && len(value) > 0
	if !validValue(d, value) {
		st.errs = append(st.errs, invalidValue(d, value))
		return timestamp
	}
	pp := packedProp{idx: uint8(idx), raw: v.raw}
	if v.isNull() {
		pp.raw = nil
	}
	if st.seenGen[idx] == st.gen { // a repeated key: the last one wins
		st.packed[st.seenPos[idx]] = pp
		return timestamp
	}
	st.seenGen[idx], st.seenPos[idx] = st.gen, int32(len(st.packed))
	st.packed = append(st.packed, pp)
	return timestamp
}

// upsert handles POST .../batch/upsert.
func (e *Emulator) upsert(st *requestState) answer {
	if a, ok := st.parseBody(); !ok {
		return a
	}
	inputsSeen, ok := st.parseUpsert()
	if !ok {
		return st.syntaxFailure()
	}
	if !inputsSeen {
		return st.badRequest("Some required fields were not set: [inputs]", map[string][]string{"missingFields": {"inputs"}})
	}
	if len(st.inputs) > hubspot.MaxBatchInputs {
		return st.tooManyInputs(len(st.inputs))
	}
	if a, ok := e.checkInputs(st); !ok {
		return a
	}
	if a, ok := st.checkDuplicates(e.store.seed); !ok {
		return a
	}
	invalid, withTraceIDs := e.validateInputs(st)
	if invalid > 0 && !withTraceIDs {
		// Without a trace id on every input, one invalid input fails the
		// whole batch and nothing is written.
		for i := range st.inputs {
			in := &st.inputs[i]
			if in.errsHi > in.errsLo {
				return st.propertyFailure(st.errs[in.errsLo:in.errsHi])
			}
		}
	}
	st.results = st.results[:0]
	nowMS := max(e.nowMS(), st.startedMS)
	var created, updated uint64
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.errsHi > in.errsLo {
			continue
		}
		res := e.store.upsert(in.slot, in.idValue, st.packed[in.packedLo:in.packedHi], nowMS)
		if res.isNew {
			created++
		} else {
			updated++
		}
		in.result = len(st.results)
		st.results = append(st.results, res)
	}
	completedMS := max(e.nowMS(), nowMS)
	e.counters.upserts.Add(1)
	e.counters.inputs.Add(uint64(len(st.inputs)))
	e.counters.created.Add(created)
	e.counters.updated.Add(updated)
	e.counters.inputErrors.Add(uint64(invalid))
	e.metrics.created.Add(float64(created))
	e.metrics.updated.Add(float64(updated))

	status := http.StatusOK
	if invalid > 0 {
		status = http.StatusMultiStatus
	}
	return answer{status: status, body: e.encodeUpsert(st, invalid, completedMS), inputs: len(st.inputs)}
}

// parseBody runs the checks every JSON body shares: not empty, UTF-8.
func (st *requestState) parseBody() (answer, bool) {
	st.sc.reset(st.body)
	if st.sc.peek() == 0 {
		return st.emptyBody(), false
	}
	return st.checkUTF8()
}

// checkInputs refuses inputs without id, properties or a unique idProperty,
// and resolves the unique slot and id value of every input.
func (e *Emulator) checkInputs(st *requestState) (answer, bool) {
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.id.isNull() || len(in.id.raw) == 0 {
			return st.missingField("id", i), false
		}
		if !in.hasProps {
			return st.missingField("properties", i), false
		}
		if in.idProperty.isNull() || len(in.idProperty.raw) == 0 {
			return st.missingField("idProperty", i), false
		}
		// A validated input resolved its final id and idProperty already.
		if !in.validated && !st.resolveID(in) {
			return st.nonUnique(string(st.sc.unescape(in.idProperty))), false
		}
	}
	return answer{}, true
}

// checkDuplicates refuses a batch that names one id twice. An open-addressing
// table of input positions (hashed with the store's seed) replaces a
// map[string] here: it needs no clearing of strings and no allocation.
func (st *requestState) checkDuplicates(seed maphash.Seed) (answer, bool) {
	for i := range st.dupTable {
		st.dupTable[i] = -1
	}
	var dups []string
	for i := range st.inputs {
		id := st.inputs[i].idValue
		for h := maphash.Bytes(seed, id); ; h++ {
			slot := &st.dupTable[h%uint64(len(st.dupTable))]
			if *slot < 0 {
				*slot = int16(i)
				break
			}
			if string(st.inputs[*slot].idValue) == string(id) {
				if !containsString(dups, string(id)) {
					dups = append(dups, string(id))
				}
				break
			}
		}
	}
	if len(dups) == 0 {
		return answer{}, true
	}
	return st.badRequest("Duplicate IDs found in batch input: "+joinIDs(dups)+". IDs must be unique",
		map[string][]string{"ids": dups}), false
}

// validateInputs finishes the validation parsing started: it validates
// the properties of inputs whose id or idProperty came after them (reading
// them again), and counts the invalid inputs. It reports whether every
// input carries an objectWriteTraceId (which turns invalid inputs into 207
// errors).
func (e *Emulator) validateInputs(st *requestState) (invalid int, withTraceIDs bool) {
	withTraceIDs = true
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.traceID.isNull() || len(in.traceID.raw) == 0 {
			withTraceIDs = false
		}
		if !in.validated {
			// The body parsed once already, so this cannot fail.
			st.sc.pos = in.propsAt
			st.parseProperties(in, fieldPath{prefix: "inputs", index: i}, true)
		}
		if in.errsHi > in.errsLo {
			invalid++
		}
	}
	return invalid, withTraceIDs
}

// propertyFailure is the 400 for invalid property values of one input.
func (st *requestState) propertyFailure(errs []propError) answer {
	details := make([]hubspot.ErrorDetail, len(errs))
	for i, pe := range errs {
		details[i] = hubspot.ErrorDetail{Message: pe.message, Code: pe.code,
			Context: map[string][]string{"propertyName": {pe.name}}}
	}
	return st.failWith(hubspot.Error{
		Category: hubspot.CategoryValidation,
		Message:  propertyErrorsMessage(errs),
		Context:  map[string][]string{"propertyName": propertyNames(errs)},
		Errors:   details,
	}, http.StatusBadRequest)
}
