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
	propsLo, propsHi        int // into requestState.props
	idValue                 []byte
	slot                    int // unique slot of idProperty
	packedLo, packedHi      int // into requestState.packed
	errsLo, errsHi          int // into requestState.errs
	result                  int // into requestState.results, -1 when refused
}

// inputProp is one member of an input's properties object.
type inputProp struct {
	name, value rawString
}

// parseUpsert reads {"inputs":[{id, idProperty, objectWriteTraceId,
// properties}]}. Unknown members are skipped (after a syntax check), as
// HubSpot's JSON reader ignores them. It reports false with st.sc.err set,
// or with inputsMissing when there is no inputs array.
func (st *requestState) parseUpsert() (inputsSeen bool, ok bool) {
	sc := &st.sc
	st.inputs = st.inputs[:0]
	st.props = st.props[:0]
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
		st.props = st.props[:0]
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

func (st *requestState) parseInput() bool {
	sc := &st.sc
	field := fieldPath{prefix: "inputs", index: len(st.inputs)}
	if sc.peek() != '{' {
		return sc.wrongType(field, "SimplePublicObjectBatchInputUpsert")
	}
	sc.pos++
	in := upsertInput{propsLo: len(st.props), result: -1}
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch string(sc.unescape(key)) {
		case "id":
			in.id, ok = sc.strOrNull(field.with(".id"))
		case "idProperty":
			in.idProperty, ok = sc.strOrNull(field.with(".idProperty"))
		case "objectWriteTraceId":
			in.traceID, ok = sc.strOrNull(field.with(".objectWriteTraceId"))
		case "properties":
			ok = st.parseProperties(&in, field)
		default:
			ok = sc.skipValue()
		}
		if !ok {
			return false
		}
	}
	if sc.err != nil {
		return false
	}
	in.propsHi = len(st.props)
	st.inputs = append(st.inputs, in)
	return true
}

func (st *requestState) parseProperties(in *upsertInput, field fieldPath) bool {
	sc := &st.sc
	st.props = st.props[:in.propsLo] // a repeated "properties" member replaces the earlier one
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
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		v, ok := sc.strOrNull(fieldPath{prefix: field.prefix, index: field.index, suffix: ".properties.", key: key.raw})
		if !ok {
			return false
		}
		st.props = append(st.props, inputProp{name: key, value: v})
	}
	return sc.err == nil
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

// checkInputs refuses inputs without id, properties or a unique idProperty.
func (e *Emulator) checkInputs(st *requestState) (answer, bool) {
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.id.null || len(in.id.raw) == 0 {
			return st.missingField("id", i), false
		}
		if !in.hasProps {
			return st.missingField("properties", i), false
		}
		if in.idProperty.null || len(in.idProperty.raw) == 0 {
			return st.missingField("idProperty", i), false
		}
		name := st.sc.unescape(in.idProperty)
		idx := e.schema.lookup(name)
		slot := -1
		if idx >= 0 {
			slot = e.schema.uniqueSlot(idx)
		}
		if slot < 0 {
			return st.nonUnique(string(name)), false
		}
		in.slot = slot
		in.idValue = st.sc.unescape(in.id)
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

// validateInputs checks every property value and packs the valid ones.
// It returns how many inputs are invalid and whether every input carries
// an objectWriteTraceId (which turns invalid inputs into 207 errors).
func (e *Emulator) validateInputs(st *requestState) (invalid int, withTraceIDs bool) {
	st.packed = st.packed[:0]
	st.errs = st.errs[:0]
	withTraceIDs = true
	for i := range st.inputs {
		in := &st.inputs[i]
		if in.traceID.null || len(in.traceID.raw) == 0 {
			withTraceIDs = false
		}
		in.packedLo, in.errsLo = len(st.packed), len(st.errs)
		st.gen++
		if st.gen == 0 { // wrapped: forget every mark
			st.seenGen = [maxProps]uint32{}
			st.gen = 1
		}
		hasTimestamp := false
		for _, p := range st.props[in.propsLo:in.propsHi] {
			name := st.sc.unescape(p.name)
			idx := e.schema.lookup(name)
			if idx < 0 {
				st.errs = append(st.errs, propError{code: hubspot.CodePropertyDoesntExist, name: string(name),
					message: "Property \"" + string(name) + "\" does not exist"})
				continue
			}
			d := &e.schema.props[idx]
			// Free-text values need decoding only to count their characters,
			// and an escaped form no longer than the limit decodes to fewer
			// characters still: most values are never unescaped.
			value := p.value.raw
			if d.kind != kindString || len(value) > hubspot.MaxPropertyValueLength {
				value = st.sc.unescape(p.value)
			}
			switch d.kind {
			case kindSystem:
				st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
					message: "Property \"" + d.name + "\" is a read only property; its value cannot be set"})
				continue
			case kindUnique:
				if e.schema.uniqueSlot(idx) != in.slot {
					st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
						message: "Property \"" + d.name + "\" has unique values; write it as the id of an input whose idProperty is \"" + d.name + "\""})
				} else if string(value) != string(in.idValue) {
					st.errs = append(st.errs, propError{code: hubspot.CodeReadOnlyValue, name: d.name,
						message: "Property \"" + d.name + "\" is this input's idProperty; its value must equal the input's id"})
				}
				continue // the unique value is stored with the record, not as a property
			}
			if idx == e.schema.timestamp && len(value) > 0 {
				hasTimestamp = true // an invalid one is reported as invalid, not as missing
			}
			if perr, ok := validateValue(d, value); !ok {
				st.errs = append(st.errs, perr)
				continue
			}
			pp := packedProp{idx: uint8(idx), raw: p.value.raw}
			if p.value.null {
				pp.raw = nil
			}
			if st.seenGen[idx] == st.gen { // a repeated key: the last one wins
				st.packed[st.seenPos[idx]] = pp
				continue
			}
			st.seenGen[idx], st.seenPos[idx] = st.gen, int32(len(st.packed))
			st.packed = append(st.packed, pp)
		}
		if !hasTimestamp && !e.store.exists(in.slot, in.idValue) {
			st.errs = append(st.errs, propError{code: hubspot.CodeRequiredProperty, name: hubspot.PropTimestamp,
				message: "Property \"" + hubspot.PropTimestamp + "\" is required when a task is created"})
		}
		in.packedHi, in.errsHi = len(st.packed), len(st.errs)
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
