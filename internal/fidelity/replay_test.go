package fidelity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/hubspot"
)

func TestInferTier(t *testing.T) {
	withHeaders := func(h http.Header) *Recording {
		return &Recording{Exchanges: []Exchange{
			{Response: &Response{Status: 401}},
			{Response: &Response{Status: 200, Header: h}},
		}}
	}
	tests := []struct {
		name   string
		header http.Header
		want   hubspot.Tier
		source string
	}{
		{"free", http.Header{"X-Hubspot-Ratelimit-Max": {"100"}, "X-Hubspot-Ratelimit-Daily": {"250000"}}, hubspot.TierFree, "Max 100 and"},
		{"professional", http.Header{"X-Hubspot-Ratelimit-Max": {"190"}, "X-Hubspot-Ratelimit-Daily": {"650000"}}, hubspot.TierProfessional, "Daily 650000"},
		{"enterprise by its daily budget", http.Header{"X-Hubspot-Ratelimit-Max": {"190"}, "X-Hubspot-Ratelimit-Daily": {"1000000"}}, hubspot.TierEnterprise, "Daily 1000000"},
		{"burst only (OAuth: no daily headers)", http.Header{"X-Hubspot-Ratelimit-Max": {"250"}}, hubspot.TierCapacity, "matches no tier"},
		{"unknown burst", http.Header{"X-Hubspot-Ratelimit-Max": {"123"}}, hubspot.TierNone, "replayed without limits"},
		{"no headers", http.Header{}, hubspot.TierNone, "has no X-HubSpot-RateLimit-Max header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tier, source := InferTier(withHeaders(tt.header))
			assert.Equal(t, tt.want, tier)
			assert.Contains(t, source, tt.source)
		})
	}
}

// A GET of a record the target never returned (a made-up id) and of one it
// did: the replay sends the emulator's id for the known one and a made-up
// id for the other, and both answers compare clean.
func TestReplayResolvesKnownAndUnknownIDs(t *testing.T) {
	emu := recordedEmulator()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	r, err := NewRecorder(dir, Meta{Target: srv.URL, IDProperty: testIDProperty}, WithToken(testToken))
	require.NoError(t, err)
	client := &http.Client{Transport: r}
	do := func(method, path, body string) int {
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	v3 := hubspot.VersionV3
	require.Equal(t, 200, do(http.MethodPost, v3.UpsertPath(), `{"inputs":[{"id":"k-1","idProperty":"`+testIDProperty+`","objectWriteTraceId":"t1","properties":{"hs_timestamp":"2026-12-02T15:00:00Z","hs_task_subject":"a"}}]}`))
	created := hubspot.VersionV3.ObjectPath(strconv.FormatUint(emulator.FirstObjectID, 10))
	require.Equal(t, 200, do(http.MethodGet, created, ""))
	require.Equal(t, 404, do(http.MethodGet, v3.ObjectPath("987654321012"), ""))
	require.NoError(t, r.Close(true))

	rec, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, v3.ObjectPath("{{record-1}}"), rec.Exchanges[1].Request.Path)
	assert.Equal(t, v3.ObjectPath("987654321012"), rec.Exchanges[2].Request.Path, "an id no answer named is not an id of the account")

	rep, err := Replay(context.Background(), rec, WithEmulatorOptions(emulator.WithSeed(99)))
	require.NoError(t, err)
	for _, x := range rep.Exchanges {
		assert.Empty(t, x.Differences, "exchange %d %s %s", x.Seq, x.Method, x.Path)
	}
	assert.Equal(t, []int{200, 200, 404}, []int{rep.Exchanges[0].Emulator, rep.Exchanges[1].Emulator, rep.Exchanges[2].Emulator})
}

// The replay runs the emulator's clock at the recorded instants: two
// requests recorded 11 s apart on a free tier whose burst was used up get
// the 429 only where the recording did.
func TestReplayRunsTheRecordedClock(t *testing.T) {
	start := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	limit := hubspot.TierLimits(hubspot.TierFree).Burst
	var exchanges []Exchange
	header := http.Header{"Authorization": {"Bearer {{token}}"}, "Content-Type": {"application/json"}}
	body := jsonBody(`{"inputs":[{"id":"nobody"}],"idProperty":"` + testIDProperty + `","properties":["` + testIDProperty + `"],"propertiesWithHistory":[]}`)
	rl := http.Header{"X-Hubspot-Ratelimit-Max": {strconv.Itoa(limit)}, "X-Hubspot-Ratelimit-Daily": {"250000"}}
	add := func(at time.Time, status int) {
		exchanges = append(exchanges, Exchange{FormatVersion: FormatVersion, Seq: len(exchanges) + 1, At: at,
			Request:  Request{Method: http.MethodPost, Path: hubspot.VersionV3.ReadPath(), Header: header, Body: body},
			Response: &Response{Status: status, Header: rl}})
	}
	for i := 0; i < limit; i++ {
		add(start.Add(time.Duration(i)*time.Millisecond), 207)
	}
	add(start.Add(time.Second), 429)
	add(start.Add(11*time.Second), 207)
	rec := &Recording{Manifest: Manifest{FormatVersion: FormatVersion, IDProperty: testIDProperty}, Exchanges: exchanges}
	rep, err := Replay(context.Background(), rec)
	require.NoError(t, err)
	assert.Equal(t, hubspot.TierFree, rep.Tier)
	var got []int
	for _, x := range rep.Exchanges[limit-1:] {
		got = append(got, x.Emulator)
	}
	assert.Equal(t, []int{207, 429, 207}, got, "the 11 s gap let the window roll on; a wall clock would have answered 429")
}

func TestReplayStopsWhenCancelled(t *testing.T) {
	rec, err := Load(writeRecording(t, 3))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Replay(ctx, rec)
	require.NoError(t, err)
	assert.True(t, rep.Interrupted)
	assert.Empty(t, rep.Exchanges)
	assert.Equal(t, 3, rep.Total)
}

// A recorded transport failure against an emulator that answers is a
// transport difference.
func TestReplayReportsAnAnswerWhereTheRecordingHadNone(t *testing.T) {
	rec := &Recording{Manifest: Manifest{FormatVersion: FormatVersion}, Exchanges: []Exchange{{
		FormatVersion: FormatVersion, Seq: 1, Request: Request{Method: http.MethodGet, Path: "/crm/v3/objects/tasks/1"},
		Error: "read: connection reset by peer",
	}}}
	rep, err := Replay(context.Background(), rec)
	require.NoError(t, err)
	require.Len(t, rep.Exchanges, 1)
	assert.Equal(t, []Difference{{Kind: KindTransport, Recorded: "no answer: read: connection reset by peer", Emulator: "401"}}, rep.Exchanges[0].Differences)
}
