package emulator

import (
	"hash/maphash"
	"net/http"
	"slices"

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
	// statusWritten tells that the input writes hs_task_status (its
	// hs_task_is_completed is packed with it); a create without one gets
	// the defaults (defaultsOnCreate).
	statusWritten bool
	// body is the raw hs_task_body written, when not empty: the answer
	// carries its previews.
	body []byte
}

// parseUpsert reads {"inputs":[{id, idProperty, objectWriteTraceId,
// properties}]}. Unknown members are skipped (after a syntax check), as
// HubSpot's JSON reader ignores them. A repeated member replaces the
// earlier one at every level, as Jackson (and encoding/json) read it. It
// reports false with st.sc.err set, or with inputsMissing when there is no
// inputs array.
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
			if !sc.skipValue(depthRoot) {
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
			in.id = sc.wire(in.id)
			in.validated = false
		case "idProperty":
			in.idProperty, ok = sc.memberString(res, v, &field, ".idProperty")
			in.validated = false
		case "objectWriteTraceId":
			in.traceID, ok = sc.memberString(res, v, &field, ".objectWriteTraceId")
			in.traceID = sc.wire(in.traceID)
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
				ok = sc.skipValue(depthInput)
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
			if v, ok = sc.scalar(fieldPath{prefix: field.prefix, index: field.index, suffix: ".properties.", key: key.raw}); !ok {
				return false
			}
		}
		if validate {
			st.checkProp(in, key, v)
		}
	}
end:
	if sc.err != nil {
		return false
	}
	if validate {
		st.finishProps(in)
	}
	in.packedHi, in.errsHi = len(st.packed), len(st.errs)
	return true
}

// finishProps completes an input whose properties were all checked: it
// packs the calculated hs_task_is_completed with a written status, notes
// the body for the previews, and refuses a create without hs_timestamp
// (only when its values are valid: those errors come first).
func (st *requestState) finishProps(in *upsertInput) {
	s := st.e.schema
	in.statusWritten, in.body = false, nil
	if pos, ok := st.packedPos(s.status); ok {
		in.statusWritten = true
		st.packed = append(st.packed, packedProp{idx: uint8(s.isCompleted), raw: isCompletedFor(st.packed[pos].raw)})
	}
	if pos, ok := st.packedPos(s.body); ok {
		in.body = st.packed[pos].raw
	}
	if len(st.errs) == in.errsLo && !st.hasTimestamp() && !st.e.store.exists(in.slot, in.idValue) {
		st.errs = append(st.errs, propError{code: hubspot.CodeRequiredProperty, name: hubspot.PropTimestamp, idx: -1,
			message: hubspot.MessageRequiredPropertiesNotSet})
	}
}

// packedPos is the position in st.packed of property idx of the
// properties just checked, when it was written with a valid value.
func (st *requestState) packedPos(idx int) (int32, bool) {
	pos := st.seenPos[idx]
	return pos, st.seenGen[idx] == st.gen && pos >= 0
}

// hasTimestamp reports whether the properties just checked set
// hs_timestamp: to a non-empty value, or to an invalid one (which is
// reported as invalid, not as missing).
func (st *requestState) hasTimestamp() bool {
	ts := st.e.schema.timestamp
	if st.seenGen[ts] != st.gen {
		return false
	}
	pos := st.seenPos[ts]
	return pos < 0 || len(st.packed[pos].raw) > 0
}

// checkProp validates one property of in and packs it when valid, or
// records why not. A property named again replaces what its earlier
// occurrence left (HubSpot's Jackson keeps the last value of a repeated
// key, as encoding/json does): seenPos remembers that, per property, as a
// position in st.packed (>= 0), an error in st.errs (<= -2), or nothing
// (-1: a valid unique value, which is not packed).
func (st *requestState) checkProp(in *upsertInput, key, v rawString) {
	s := st.e.schema
	name := st.sc.unescape(key)
	idx := s.lookup(name)
	if idx < 0 {
		st.unknownProp(in, name)
		return
	}
	if st.seenGen[idx] == st.gen {
		st.forget(idx)
	}
	st.seenGen[idx] = st.gen
	v = st.sc.wire(v)
	d := &s.props[idx]
	// Free-text values need decoding only to count their characters, and
	// an escaped form no longer than the limit decodes to fewer characters
	// still: most values are never unescaped.
	value := v.raw
	if d.kind != kindString || len(value) > hubspot.MaxPropertyValueLength {
		value = st.sc.unescape(v)
	}
	var pos int32
	switch {
	case d.kind == kindSystem:
		pos = st.refuse(propError{code: hubspot.CodeReadOnlyValue, name: d.name,
			message: "Property \"" + d.name + "\" is a read only property; its value cannot be set"}, idx)
	case d.kind == kindUnique:
		pos = st.checkUnique(in, idx, value)
	case (d.kind == kindDate || d.kind == kindLong) && len(value) > 0:
		// Datetimes are kept as the instant, written once as HubSpot
		// answers it, whichever form came in.
		if text, ok := st.sc.instantText(value); ok {
			pos = st.pack(idx, text)
		} else {
			pos = st.refuse(invalidValue(d, value), idx)
		}
	case !validValue(d, value):
		pos = st.refuse(invalidValue(d, value), idx)
	default:
		pos = st.pack(idx, v.raw) // null packs nil: it clears, like ""
	}
	st.seenPos[idx] = pos
}

// pack appends a valid value of property idx; it returns the position for
// seenPos.
func (st *requestState) pack(idx int, raw []byte) int32 {
	st.packed = append(st.packed, packedProp{idx: uint8(idx), raw: raw})
	return int32(len(st.packed) - 1)
}

// unknownProp records a property the schema does not know; named twice, it
// is one error, as for one key.
func (st *requestState) unknownProp(in *upsertInput, name []byte) {
	for _, e := range st.errs[in.errsLo:] {
		if e.code == hubspot.CodePropertyDoesntExist && e.name == string(name) {
			return
		}
	}
	st.errs = append(st.errs, propError{code: hubspot.CodePropertyDoesntExist, name: string(name), idx: -1,
		message: "Property \"" + string(name) + "\" does not exist"})
}

// checkUnique judges a unique property written among an input's
// properties: only its own idProperty, with the input's id as value, is
// allowed, and it is stored with the record, not as a property (-1).
func (st *requestState) checkUnique(in *upsertInput, idx int, value []byte) int32 {
	name := st.e.schema.props[idx].name
	switch {
	case st.e.schema.uniqueSlot(idx) != in.slot:
		return st.refuse(propError{code: hubspot.CodeReadOnlyValue, name: name,
			message: "Property \"" + name + "\" has unique values; write it as the id of an input whose idProperty is \"" + name + "\""}, idx)
	case string(value) != string(in.idValue):
		return st.refuse(propError{code: hubspot.CodeReadOnlyValue, name: name,
			message: "Property \"" + name + "\" is this input's idProperty; its value must equal the input's id"}, idx)
	}
	return -1
}

// refuse records e against property idx; it returns the position for
// seenPos.
func (st *requestState) refuse(e propError, idx int) int32 {
	e.idx = int16(idx)
	st.errs = append(st.errs, e)
	return -int32(len(st.errs)) - 1
}

// forget removes what the earlier occurrence of property idx left in
// st.packed or st.errs (a repeated key is rare: the shifts are cheap) and
// moves the positions of the entries after it.
func (st *requestState) forget(idx int) {
	switch pos := st.seenPos[idx]; {
	case pos >= 0:
		st.packed = slices.Delete(st.packed, int(pos), int(pos)+1)
		for _, p := range st.packed[pos:] {
			st.seenPos[p.idx]--
		}
	case pos <= -2:
		i := int(-pos - 2)
		st.errs = slices.Delete(st.errs, i, i+1)
		for _, e := range st.errs[i:] {
			if e.idx >= 0 {
				st.seenPos[e.idx]++
			}
		}
	}
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
		return st.tooManyInputs()
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
	var c writeCounts
	if st.fault == "" {
		c = e.write(st, 0, len(st.inputs), nowMS)
	} else {
		c = e.writeWithFault(st, nowMS)
	}
	completedMS := max(e.nowMS(), nowMS)
	e.counters.upserts.Add(1)
	e.counters.inputs.Add(uint64(len(st.inputs)))
	e.counters.created.Add(c.created)
	e.counters.updated.Add(c.updated)
	e.counters.inputErrors.Add(uint64(invalid))
	e.metrics.created.Add(float64(c.created))
	e.metrics.updated.Add(float64(c.updated))

	status := http.StatusOK
	if invalid > 0 {
		status = http.StatusMultiStatus
	}
	body := e.encodeUpsert(st, invalid, completedMS)
	if st.fault == FaultFlipNew {
		body = e.flipNew(st, body)
	}
	return answer{status: status, body: body, inputs: len(st.inputs)}
}

// writeCounts are the records an upsert created and updated.
type writeCounts struct{ created, updated uint64 }

// write applies the valid inputs of st.inputs[lo:hi] to the store, in
// order, notes their results, and counts what they did.
func (e *Emulator) write(st *requestState, lo, hi int, nowMS int64) writeCounts {
	var created, updated uint64
	first := len(st.results)
	if e.oneByOne {
		for i := lo; i < hi; i++ {
			in := &st.inputs[i]
			if in.errsHi == in.errsLo {
				st.results = append(st.results, e.store.upsert(in.slot, in.idValue, st.packed[in.packedLo:in.packedHi], e.defaultsFor(in), nowMS))
			}
		}
	} else {
		st.writes = st.writes[:0]
		for i := lo; i < hi; i++ {
			in := &st.inputs[i]
			if in.errsHi == in.errsLo {
				st.writes = append(st.writes, batchWrite{slot: in.slot, value: in.idValue,
					input: st.packed[in.packedLo:in.packedHi], defaults: e.defaultsFor(in)})
			}
		}
		st.results = e.store.upsertBatch(st.writes, nowMS, st.results)
	}
	k := first
	for i := lo; i < hi; i++ {
		in := &st.inputs[i]
		if in.errsHi > in.errsLo {
			continue
		}
		if st.results[k].isNew {
			created++
		} else {
			updated++
		}
		in.result = k
		k++
	}
	return writeCounts{created, updated}
}

// defaultsFor is what a create by in stores besides its values.
func (e *Emulator) defaultsFor(in *upsertInput) []packedProp {
	if in.statusWritten {
		return nil
	}
	return e.createDefaults
}

func (c *writeCounts) add(d writeCounts) {
	c.created += d.created
	c.updated += d.updated
}

// parseBody prepares the scanner and refuses a body that is empty or only
// whitespace, as Jackson does. A body that is not valid UTF-8 is read like
// any other: encoding/json accepts it, decoding the invalid bytes inside
// strings to U+FFFD, and the emulator accepts what encoding/json accepts;
// outside strings they are syntax errors.
func (st *requestState) parseBody() (answer, bool) {
	st.sc.reset(st.body)
	if st.sc.peek() == 0 && st.sc.pos >= len(st.body) {
		return st.emptyBody(), false
	}
	return answer{}, true
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

// propertyFailure is the 400 for invalid property values of one input, or
// for a create without a required property.
func (st *requestState) propertyFailure(errs []propError) answer {
	if isMissingRequired(errs) {
		return st.badRequest(hubspot.MessageRequiredPropertiesNotSet, map[string][]string{"properties": propertyNames(errs)})
	}
	details := make([]hubspot.ErrorDetail, len(errs))
	for i, pe := range errs {
		details[i] = hubspot.ErrorDetail{Message: pe.message, Code: pe.code,
			Context: map[string][]string{"propertyName": {pe.name}}}
	}
	return st.failWith(hubspot.Error{
		Category: hubspot.CategoryValidation,
		Message:  propertyErrorsMessage(errs, st.e.portalJSON),
		Context:  map[string][]string{"propertyName": propertyNames(errs)},
		Errors:   details,
	}, http.StatusBadRequest)
}
