package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// An emulator under httptest: create a task, then update it by the same
// unique value.
func ExampleNew() {
	emu := emulator.New(emulator.WithToken("secret"), emulator.WithPreserveOrder(true))
	srv := httptest.NewServer(emu)
	defer srv.Close()
	defer emu.Close()

	send := func(body string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+hubspot.VersionV3.UpsertPath(), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, strings.Contains(string(out), `"new":true`))
	}
	send(`{"inputs":[{"id":"ext-1","idProperty":"external_task_id","properties":{"hs_timestamp":"1764684000000","hs_task_subject":"Call Acme"}}]}`)
	send(`{"inputs":[{"id":"ext-1","idProperty":"external_task_id","properties":{"hs_task_status":"COMPLETED"}}]}`)
	fmt.Println(emu.Stats().Records)
	// Output:
	// 200 true
	// 200 false
	// 1
}

func ExampleParseFault() {
	f, err := emulator.ParseFault("hang=0.001,max=5s")
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Kind, f.Probability, f.Delay)
	// Output: hang 0.001 5s
}
