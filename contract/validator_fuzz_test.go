package contract

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/upsertbench/upsertbench/hubspot"
)

// FuzzValidateResponse feeds arbitrary status codes, content types and
// bodies to the validator: it must never panic, and every finding it
// returns must be well-formed data.
func FuzzValidateResponse(f *testing.F) {
	seeds := []struct {
		path   string
		status int
		ct     string
		body   string
	}{
		{vtUpsertPath, 200, "application/json", vtUpsert200},
		{vtUpsertPath, 207, "application/json", vtUpsert207},
		{vtUpsertPath, 400, "application/json", vtError400},
		{vtUpsertPath, 429, "application/json; charset=utf-8", vtError429},
		{vtUpsertPath, 200, "application/json", `{"status":"DONE","results":[{"new":"yes"}]}`},
		{vtUpsertPath, 200, "application/json", `[]`},
		{vtUpsertPath, 200, "application/json", `null`},
		{vtUpsertPath, 200, "application/json", `{"results":[1,2,{"id":{}}]} trailing`},
		{vtUpsertPath, 200, "text/html", `<html></html>`},
		{vtUpsertPath, 0, "", ""},
		{vtUpsertPath, -1, "application/vnd.api+json", `{}`},
		{hubspot.VersionV3.ArchivePath(), 204, "", "{}"},
		{hubspot.VersionV3.ObjectPath("1"), 200, "application/json", `{"id":"1","associations":{"x":{"results":[{}]}}}`},
		{"/nope", 200, "application/json", `{}`},
	}
	for _, s := range seeds {
		f.Add(s.path, s.status, s.ct, []byte(s.body))
	}
	v := sharedValidator(f)
	f.Fuzz(func(t *testing.T, path string, status int, ct string, body []byte) {
		method := http.MethodPost
		if len(path) > 0 && path[len(path)-1]%2 == 0 {
			method = http.MethodGet
		}
		req := &http.Request{Method: method, URL: httptest.NewRequest(http.MethodGet, "/", nil).URL}
		req.URL.Path = path
		for _, fd := range v.ValidateResponse(req, status, http.Header{"Content-Type": {ct}}, body) {
			if fd.Check != CheckResponseSchema || fd.Message == "" || fd.StatusCode != status || fd.Path != path {
				t.Fatalf("malformed finding %#v", fd)
			}
			for _, ff := range fd.Fields {
				if ff.Pointer != "" && ff.Pointer[0] != '/' {
					t.Fatalf("field pointer %q is not a JSON Pointer", ff.Pointer)
				}
			}
		}
	})
}
