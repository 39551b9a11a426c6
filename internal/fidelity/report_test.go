package fidelity

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/golden"
)

// sampleReport has one exchange per kind of line the text report prints.
func sampleReport() *Report {
	upsert := hubspot.VersionV3.UpsertPath()
	return &Report{
		Recording: "out/rec",
		Manifest: Manifest{FormatVersion: FormatVersion, Tool: "upsertbench v1.4.0", Target: "https://api.hubapi.com", APIVersion: "v3",
			IDProperty: "external_task_id", StartedAt: time.Date(2026, 11, 28, 13, 30, 55, 0, time.UTC), Exchanges: 6, Complete: true},
		Tier: hubspot.TierProfessional, TierSource: "from the recorded X-HubSpot-RateLimit-Max 190 and X-HubSpot-RateLimit-Daily 650000",
		Total: 6,
		Exchanges: []Result{
			{Seq: 1, Method: "POST", Path: upsert, Recorded: 200, Emulator: 200, Differences: []Difference{
				{Kind: KindHeaderMissing, Where: "X-Hubspot-Correlation-Id"},
				{Kind: KindKeyMissing, Where: "/results[]/properties/hs_body_preview", Recorded: "string"},
				{Kind: KindKeyExtra, Where: "/links", Emulator: "object"},
				{Kind: KindType, Where: "/results[]/archived", Recorded: "string", Emulator: "boolean"},
			}},
			{Seq: 2, Method: "POST", Path: upsert, Recorded: 207, Emulator: 207},
			{Seq: 3, Method: "POST", Path: upsert, Recorded: 400, Emulator: 400, Differences: []Difference{
				{Kind: KindErrorText, Where: "/message", Recorded: "Error creating TASK. Some required properties were not set.", Emulator: "Some required fields were not set: [hs_timestamp]"},
				{Kind: KindErrorContext, Where: "/context", Recorded: "keys properties", Emulator: "keys missingFields"},
				{Kind: KindErrorCount, Where: "/errors[]", Recorded: "2", Emulator: "1"},
			}},
			{Seq: 4, Method: "PUT", Path: upsert, Recorded: 404, Emulator: 405, Differences: []Difference{
				{Kind: KindStatus, Recorded: "404", Emulator: "405"},
				{Kind: KindContentType, Where: "Content-Type", Recorded: "text/html", Emulator: "application/json"},
				{Kind: KindBody, Recorded: "non-JSON", Emulator: "JSON"},
				{Kind: KindHeaderExtra, Where: "Allow"},
			}},
			{Seq: 5, Method: "POST", Path: hubspot.VersionV3.ReadPath(), Recorded: 207, Emulator: 200, Differences: []Difference{
				{Kind: KindStatus, Recorded: "207", Emulator: "200"},
				{Kind: KindArrayEmpty, Where: "/results", Recorded: "empty", Emulator: "with elements"},
			}},
			{Seq: 6, Method: "GET", Path: hubspot.VersionV3.ObjectPath("{{record-3}}"), Recorded: 0, Emulator: 200, Differences: []Difference{
				{Kind: KindTransport, Recorded: "no answer: read: connection reset by peer", Emulator: "200"},
			}},
		},
	}
}

func TestReportText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&buf))
	golden.Equal(t, "testdata/report.txt", buf.Bytes())
}

func TestReportVerdictLines(t *testing.T) {
	text := func(r *Report) string {
		var buf bytes.Buffer
		require.NoError(t, r.WriteText(&buf))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		return lines[len(lines)-1]
	}
	pass := sampleReport()
	pass.Exchanges = []Result{pass.Exchanges[1]}
	pass.Total = 1
	assert.Equal(t, "PASS  all 1 exchanges match the emulator", text(pass))
	assert.False(t, pass.Differs())

	cut := sampleReport()
	cut.Exchanges, cut.Interrupted = cut.Exchanges[:2], true
	assert.Equal(t, "INTERRUPTED  replayed 2 of 6 exchanges: 1 match, 1 differ · differences: 1 header-missing, 1 key-missing, 1 key-extra, 1 type", text(cut))

	match, differ, byKind := sampleReport().Counts()
	assert.Equal(t, 1, match)
	assert.Equal(t, 5, differ)
	assert.Equal(t, 2, byKind[KindStatus])
}

func TestReportJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&buf))
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, sampleReport(), &back)
}

// Every kind has a label in the text report, a sentence of its own, and a
// row in the README's table of differences with that label.
func TestEveryKindIsLabelledAndDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for _, k := range Kinds {
		assert.NotEmpty(t, kindLabels[k], k)
		assert.NotContains(t, Difference{Kind: k, Where: "/x", Recorded: "a", Emulator: "b"}.describe(), string(k)+" /x", "a specific description for %s", k)
		assert.Contains(t, string(readme), "| `"+string(k)+"` | "+kindLabels[k]+" | ", "README documents %s", k)
	}
}
