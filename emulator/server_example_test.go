package emulator_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

// An emulator on a free loopback port, with a generated token; in a test,
// emulatortest.Start(t) does the same and stops it with t.Cleanup.
func ExampleListen() {
	s, err := emulator.Listen("", emulator.WithTier(hubspot.TierFree))
	if err != nil {
		panic(err)
	}
	defer s.Close()

	req, _ := http.NewRequest(http.MethodPost, s.URL+hubspot.VersionV3.UpsertPath(),
		strings.NewReader(`{"inputs":[{"id":"ext-1","idProperty":"external_task_id","properties":{"hs_timestamp":"1764684000000"}}]}`))
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get(hubspot.HeaderRateLimitMax))
	// Output: 200 100
}
