package contract

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	fastjson "github.com/goccy/go-json"

	"github.com/upsertbench/upsertbench/hubspot"
)

// Exchange is one HTTP request and the answer to it, as bytes: what the
// checks look at. Path may carry a query string; checks ignore it.
// RequestHeader must not be trusted to be free of credentials: nothing
// derived from an Exchange ever copies its headers into a Finding.
type Exchange struct {
	Method         string
	Path           string
	RequestHeader  http.Header
	RequestBody    []byte
	StatusCode     int
	ResponseHeader http.Header
	ResponseBody   []byte
	// SentAt and ReceivedAt bracket the call on the local clock: when the
	// request left and when the answer had been read. Zero when unknown
	// (the clock-window part of the timestamps check is then skipped).
	SentAt, ReceivedAt time.Time
}

// operation is what an exchange was, as far as the checks care.
type operation int

const (
	opOther operation = iota
	opUpsert
	opRead
	opArchive
	opGet
)

// operation classifies the exchange by method and path in either version.
func (ex Exchange) operation() operation {
	p := pathOnly(ex.Path)
	v, ok := hubspot.VersionOfPath(p)
	if !ok || (ex.Method != http.MethodPost && ex.Method != http.MethodGet) {
		return opOther
	}
	if ex.Method == http.MethodGet {
		// GET tasks/{taskId}: one non-empty segment after the tasks path.
		id, found := strings.CutPrefix(p, v.TasksPath()+"/")
		if found && id != "" && !strings.Contains(id, "/") && id != "batch" {
			return opGet
		}
		return opOther
	}
	switch p {
	case v.UpsertPath():
		return opUpsert
	case v.ReadPath():
		return opRead
	case v.ArchivePath():
		return opArchive
	}
	return opOther
}

// isBatchAnswer reports whether the response should carry a batch body.
func (ex Exchange) isBatchAnswer() bool {
	return ex.StatusCode == http.StatusOK || ex.StatusCode == http.StatusMultiStatus
}

// decodeJSON decodes body into v leniently (unknown fields allowed: the
// contract permits them). A body that does not decode is the schema
// check's to report; semantic checks then have nothing to look at.
func decodeJSON(body []byte, v any) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return false
	}
	return fastjson.Unmarshal(body, v) == nil
}

// upsertRequest decodes the request body of an upsert exchange.
func (ex Exchange) upsertRequest() (hubspot.BatchUpsertRequest, bool) {
	var req hubspot.BatchUpsertRequest
	ok := decodeJSON(ex.RequestBody, &req)
	return req, ok
}

// upsertResponse decodes a 200 or 207 upsert answer. present reports which
// top-level keys the body had, so checks can tell "absent" from "zero".
func (ex Exchange) upsertResponse() (resp hubspot.BatchUpsertResponseWithErrors, present map[string]json.RawMessage, ok bool) {
	if !decodeJSON(ex.ResponseBody, &present) {
		return resp, nil, false
	}
	ok = decodeJSON(ex.ResponseBody, &resp)
	return resp, present, ok
}

// getResponse decodes a 200 answer to GET tasks/{taskId}.
func (ex Exchange) getResponse() (hubspot.SimplePublicObject, bool) {
	var obj hubspot.SimplePublicObject
	ok := decodeJSON(ex.ResponseBody, &obj)
	return obj, ok
}

// readResponse decodes a 200 or 207 batch read answer.
func (ex Exchange) readResponse() (hubspot.BatchReadResponseWithErrors, bool) {
	var resp hubspot.BatchReadResponseWithErrors
	ok := decodeJSON(ex.ResponseBody, &resp)
	return resp, ok
}

// mediaTypeJSON reports whether a Content-Type value is JSON.
func mediaTypeJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// parsedExchange decodes the bodies of an exchange once for all checks:
// decoding a 100-result answer costs more than the checks themselves. It
// belongs to one goroutine (one CheckExchange call).
type parsedExchange struct {
	Exchange
	reqDone, respDone, readDone, getDone, corrDone bool
	req                                            hubspot.BatchUpsertRequest
	reqOK                                          bool
	resp                                           hubspot.BatchUpsertResponseWithErrors
	present                                        map[string]json.RawMessage
	respOK                                         bool
	read                                           hubspot.BatchReadResponseWithErrors
	readOK                                         bool
	get                                            hubspot.SimplePublicObject
	getOK                                          bool
	corr                                           correlation
	// skew is how far the target's clock may be from ours (timestamps).
	skew time.Duration
}

func parseExchange(ex Exchange) *parsedExchange {
	return &parsedExchange{Exchange: ex, skew: DefaultClockSkew}
}

func (p *parsedExchange) upsertRequest() (hubspot.BatchUpsertRequest, bool) {
	if !p.reqDone {
		p.req, p.reqOK = p.Exchange.upsertRequest()
		p.reqDone = true
	}
	return p.req, p.reqOK
}

func (p *parsedExchange) upsertResponse() (hubspot.BatchUpsertResponseWithErrors, map[string]json.RawMessage, bool) {
	if !p.respDone {
		p.resp, p.present, p.respOK = p.Exchange.upsertResponse()
		p.respDone = true
	}
	return p.resp, p.present, p.respOK
}

func (p *parsedExchange) readResponse() (hubspot.BatchReadResponseWithErrors, bool) {
	if !p.readDone {
		p.read, p.readOK = p.Exchange.readResponse()
		p.readDone = true
	}
	return p.read, p.readOK
}

func (p *parsedExchange) getResponse() (hubspot.SimplePublicObject, bool) {
	if !p.getDone {
		p.get, p.getOK = p.Exchange.getResponse()
		p.getDone = true
	}
	return p.get, p.getOK
}

// correlation of the upsert request and answer; call only when both decoded.
func (p *parsedExchange) correlation() correlation {
	if !p.corrDone {
		p.corr = correlate(p.req, p.resp)
		p.corrDone = true
	}
	return p.corr
}
