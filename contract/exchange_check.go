package contract

import (
	"bytes"
	"net/http"
	"time"
)

// CheckExchange runs every stateless check on one exchange: the request and
// response schema (through v; nil means DefaultValidator), content type,
// batch status, timestamps, accounting, echoed properties and the error
// envelope. Checks that need state across exchanges (new flags, stable ids,
// read-after-write) belong to the Suite.
//
// It is safe for concurrent use: the load engine calls it on sampled
// responses from many goroutines. ex is only read.
func CheckExchange(v *Validator, ex Exchange) []Finding {
	_, fs := checkExchange(v, ex, exchangeOptions{withRequest: true, skew: DefaultClockSkew})
	return fs
}

// exchangeOptions tune checkExchange for the suite.
type exchangeOptions struct {
	// withRequest validates the request too; off for requests that are bad
	// on purpose.
	withRequest bool
	// skew is how far the target's clock may be from ours.
	skew time.Duration
}

// checkExchange is CheckExchange that also names the checks that applied,
// so the suite can report passes.
func checkExchange(v *Validator, ex Exchange, opts exchangeOptions) (ran []CheckName, fs []Finding) {
	if v == nil {
		var err error
		if v, err = DefaultValidator(); err != nil {
			return []CheckName{CheckResponseSchema}, []Finding{ex.finding(CheckResponseSchema,
				"the embedded OpenAPI document did not load: "+err.Error(),
				"every exchange is validated against the OpenAPI document", "report this as a bug in upsertbench")}
		}
	}
	if ex.operation() != opOther {
		if opts.withRequest && ex.Method == http.MethodPost {
			ran = append(ran, CheckRequestSchema)
			fs = append(fs, withExcerpts(ex, v.ValidateRequest(ex.httpRequest(), ex.RequestBody))...)
		}
		ran = append(ran, CheckResponseSchema)
		fs = append(fs, withExcerpts(ex, v.ValidateResponseTo(ex.Method, pathOnly(ex.Path), ex.StatusCode, ex.ResponseHeader, ex.ResponseBody))...)
	}
	p := parseExchange(ex)
	p.skew = opts.skew
	for _, c := range semanticExchangeChecks {
		if c.applies(p) {
			ran = append(ran, c.name)
			fs = append(fs, c.run(p)...)
		}
	}
	return ran, fs
}

// withExcerpts fills in what was sent and received where the validator left
// them empty, so every finding shows both sides.
func withExcerpts(ex Exchange, fs []Finding) []Finding {
	for i := range fs {
		if fs[i].Sent == "" {
			fs[i].Sent = trimBody(ex.RequestBody)
		}
		if fs[i].Received == "" {
			fs[i].Received = trimBody(ex.ResponseBody)
		}
		if fs[i].StatusCode == 0 {
			fs[i].StatusCode = ex.StatusCode
		}
	}
	return fs
}

// httpRequest rebuilds the request for the validator. Only method, path,
// query and headers matter; the body is passed separately.
func (ex Exchange) httpRequest() *http.Request {
	req, err := http.NewRequest(ex.Method, "http://target"+ex.Path, bytes.NewReader(nil))
	if err != nil {
		req, _ = http.NewRequest(ex.Method, "http://target/", nil)
	}
	if ex.RequestHeader != nil {
		req.Header = ex.RequestHeader.Clone()
	}
	return req
}
