package emulator

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/upsertbench/upsertbench/hubspot"
)

// MessageObjectsNotFound is the 207 error of a batch read naming ids that
// do not exist (HubSpot's wording, with the object type TASK).
const MessageObjectsNotFound = "Could not get some TASK objects, they may be deleted or not exist. Check that ids are valid."

// MessageObjectNotFound is the 404 message of GET tasks/{taskId}.
const MessageObjectNotFound = "Object not found.  objectId are usually numeric."

// idList is the parsed body of batch/read and batch/archive.
type idList struct {
	idProperty rawString
	ids        []rawString
	properties []string
	history    []string // propertiesWithHistory
	inputsSeen bool
}

// parseIDList reads {"idProperty"?, "inputs":[{"id"}], "properties"?,
// "propertiesWithHistory"?, ...}. propertiesWithHistory only limits the
// batch to MaxInputsWithHistory inputs, as on HubSpot: the emulator keeps
// no history, so results carry none. archived is accepted and ignored: the
// emulator keeps no archive.
func (st *requestState) parseIDList(withProps bool) (idList, bool) {
	sc := &st.sc
	var l idList
	if sc.peek() != '{' {
		return l, sc.wrongType(at("(root)"), "BatchReadInputSimplePublicObjectId")
	}
	sc.pos++
	for first := true; ; first = false {
		key, more := sc.nextKey(first)
		if !more {
			break
		}
		var ok bool
		switch k := string(sc.unescape(key)); {
		case k == "inputs":
			ok = st.parseIDInputs(&l)
		case k == "idProperty" && withProps:
			l.idProperty, ok = sc.strOrNull(at("idProperty"))
		case k == "properties" && withProps:
			ok = st.parseStringArray(&l.properties, at("properties"))
		case k == "propertiesWithHistory" && withProps:
			ok = st.parseStringArray(&l.history, at("propertiesWithHistory"))
		default:
			ok = sc.skipValue(depthRoot)
		}
		if !ok {
			return l, false
		}
	}
	return l, sc.err == nil && sc.end()
}

func (st *requestState) parseIDInputs(l *idList) bool {
	sc := &st.sc
	l.ids = l.ids[:0]
	switch sc.peek() {
	case 'n':
		l.inputsSeen = false
		return sc.literal("null")
	case '[':
		sc.pos++
	default:
		return sc.wrongType(at("inputs"), "ArrayList<SimplePublicObjectId>")
	}
	l.inputsSeen = true
	for first := true; sc.arrayNext(first); first = false {
		field := fieldPath{prefix: "inputs", index: len(l.ids)}
		if sc.peek() != '{' {
			return sc.wrongType(field, "SimplePublicObjectId")
		}
		sc.pos++
		id := rawString{kind: strNull}
		for f := true; ; f = false {
			key, more := sc.nextKey(f)
			if !more {
				break
			}
			var ok bool
			if string(sc.unescape(key)) == "id" {
				id, ok = sc.strOrNull(field.with(".id"))
			} else {
				ok = sc.skipValue(depthInput)
			}
			if !ok {
				return false
			}
		}
		if sc.err != nil {
			return false
		}
		l.ids = append(l.ids, id)
	}
	return sc.err == nil
}

func (st *requestState) parseStringArray(dst *[]string, field fieldPath) bool {
	sc := &st.sc
	*dst = (*dst)[:0]
	if isArray, ok := sc.openArray(field, "ArrayList<String>"); !isArray {
		return ok
	}
	for first := true; sc.arrayNext(first); first = false {
		v, ok := sc.strOrNull(field)
		if !ok {
			return false
		}
		if !v.isNull() {
			*dst = append(*dst, string(sc.unescape(v)))
		}
	}
	return sc.err == nil
}

// checkIDList applies the refusals batch read and archive share.
func (e *Emulator) checkIDList(st *requestState, l *idList) (slot int, a answer, ok bool) {
	if !l.inputsSeen {
		return 0, st.badRequest("Some required fields were not set: [inputs]", map[string][]string{"missingFields": {"inputs"}}), false
	}
	if len(l.ids) > hubspot.MaxBatchInputs {
		return 0, st.tooManyInputs(), false
	}
	if len(l.history) > 0 && len(l.ids) > MaxInputsWithHistory {
		return 0, st.badRequest(MessageTooManyInputsWithHistory, nil), false
	}
	for i, id := range l.ids {
		if id.isNull() || len(id.raw) == 0 {
			return 0, st.missingField("id", i), false
		}
	}
	slot = -1
	if !l.idProperty.isNull() && len(l.idProperty.raw) > 0 {
		name := st.sc.unescape(l.idProperty)
		if idx := e.schema.lookup(name); idx >= 0 {
			slot = e.schema.uniqueSlot(idx)
		}
		if slot < 0 && string(name) != hubspot.PropObjectID {
			return 0, st.badRequest("Unable to perform read by non-unique "+hubspot.ObjectTypeID+" property "+string(name),
				map[string][]string{"idProperty": {string(name)}}), false
		}
	}
	return slot, answer{}, true
}

// batchRead handles POST .../batch/read: by record id, or by unique value
// when idProperty names a unique property. Ids that match nothing come back
// as one 207 OBJECT_NOT_FOUND error listing them, as HubSpot does.
func (e *Emulator) batchRead(st *requestState) answer {
	if a, ok := st.parseBody(); !ok {
		return a
	}
	l, ok := st.parseIDList(true)
	if !ok {
		return st.syntaxFailure()
	}
	slot, a, ok := e.checkIDList(st, &l)
	if !ok {
		return a
	}
	b := append(st.out[:0], `{"status":"COMPLETE","results":[`...)
	var missing []string
	n := 0
	for _, id := range l.ids {
		v := st.sc.unescape(id)
		var snap snapshot
		if slot >= 0 {
			snap = e.store.getByUnique(slot, v, &st.snapBuf)
		} else if num, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			snap = e.store.getByID(num, &st.snapBuf)
		}
		if !snap.found {
			missing = append(missing, string(v))
			continue
		}
		if snap.stale {
			e.countFault(FaultStaleRead)
		}
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = e.appendObject(b, &snap.record, l.properties, &st.preview)
	}
	b = append(b, ']')
	status := http.StatusOK
	if len(missing) > 0 {
		status = http.StatusMultiStatus
		b = append(b, `,"numErrors":1,"errors":[{"status":"error","category":"`+hubspot.CategoryObjectNotFound+`","message":"`+MessageObjectsNotFound+`","context":{"ids":[`...)
		for i, id := range missing {
			if i > 0 {
				b = append(b, ',')
			}
			b = hubspot.AppendJSONString(b, id)
		}
		b = append(b, `]}}]`...)
	}
	b = st.appendTimes(b, max(e.nowMS(), st.startedMS))
	b = append(b, '}')
	st.out = b
	return answer{status: status, body: b, inputs: len(l.ids)}
}

// batchArchive handles POST .../batch/archive by record id. Like HubSpot it
// answers 204 whether or not the ids existed.
func (e *Emulator) batchArchive(st *requestState) answer {
	if a, ok := st.parseBody(); !ok {
		return a
	}
	l, ok := st.parseIDList(false)
	if !ok {
		return st.syntaxFailure()
	}
	if _, a, ok := e.checkIDList(st, &l); !ok {
		return a
	}
	var archived uint64
	for _, id := range l.ids {
		if num, err := strconv.ParseUint(string(st.sc.unescape(id)), 10, 64); err == nil && e.store.archive(num) {
			archived++
		}
	}
	e.counters.archived.Add(archived)
	e.metrics.archived.Add(float64(archived))
	return answer{status: http.StatusNoContent, inputs: len(l.ids)}
}

// getObject handles GET .../tasks/{taskId}[?idProperty=&properties=a,b].
func (e *Emulator) getObject(r *http.Request, st *requestState, taskID string) answer {
	q := r.URL.Query()
	var props []string
	for _, p := range q["properties"] {
		for _, name := range strings.Split(p, ",") {
			if name = strings.TrimSpace(name); name != "" {
				props = append(props, name)
			}
		}
	}
	var snap snapshot
	if idProp := q.Get("idProperty"); idProp != "" && idProp != hubspot.PropObjectID {
		slot := -1
		if idx := e.schema.lookup([]byte(idProp)); idx >= 0 {
			slot = e.schema.uniqueSlot(idx)
		}
		if slot < 0 {
			return st.badRequest("Unable to perform read by non-unique "+hubspot.ObjectTypeID+" property "+idProp,
				map[string][]string{"idProperty": {idProp}})
		}
		snap = e.store.getByUnique(slot, []byte(taskID), &st.snapBuf)
	} else if num, err := strconv.ParseUint(taskID, 10, 64); err == nil {
		snap = e.store.getByID(num, &st.snapBuf)
	}
	if snap.stale {
		e.countFault(FaultStaleRead)
	}
	if !snap.found {
		return st.fail(http.StatusNotFound, hubspot.CategoryObjectNotFound, MessageObjectNotFound, map[string][]string{"id": {taskID}})
	}
	b := e.appendObject(st.out[:0], &snap.record, props, &st.preview)
	st.out = b
	return answer{status: http.StatusOK, body: b, inputs: 1}
}
