package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/internal/k8s"
	"github.com/upsertbench/upsertbench/internal/k8s/k8stest"
	"github.com/upsertbench/upsertbench/internal/results"
)

// TestDockerfileBuildsStatic: the image holds a static binary (no cgo),
// which distroless/static needs. The stand-in runs the test binary as
// upsertbench instead of building the image's: a -trimpath build of the
// whole module takes minutes on a 2-core CI machine.
func TestDockerfileBuildsStatic(t *testing.T) {
	dockerfile, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	build := regexp.MustCompile(`(?m)CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=\$\{VERSION\}" -o /out/upsertbench \./cmd/upsertbench$`)
	assert.Regexp(t, build, string(dockerfile))
	assert.Regexp(t, `(?m)^FROM gcr\.io/distroless/static-debian12:nonroot$`, string(dockerfile), "a minimal base without libc")
	assert.Regexp(t, `(?m)^USER 65532:65532$`, string(dockerfile), "not root")
	assert.Regexp(t, `(?m)^ENTRYPOINT \["/usr/local/bin/upsertbench"\]$`, string(dockerfile), "the manifests give only args")
}

// keyRecorder sits in front of the emulator and records which shard sent
// each unique value, from the shard number in each input's trace id
// ("s<I>b<batch>-<input>").
type keyRecorder struct {
	next http.Handler

	mu        sync.Mutex
	byKey     map[string]int
	conflicts []string
	requests  map[int]int
	untraced  int
}

var traceShard = regexp.MustCompile(`^s([0-9]+)b`)

func (k *keyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/batch/upsert") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Inputs []struct {
				ID      string `json:"id"`
				TraceID string `json:"objectWriteTraceId"`
			} `json:"inputs"`
		}
		if json.Unmarshal(body, &req) == nil {
			k.mu.Lock()
			shards := map[int]bool{}
			for _, in := range req.Inputs {
				m := traceShard.FindStringSubmatch(in.TraceID)
				if m == nil {
					k.untraced++
					continue
				}
				shard, _ := strconv.Atoi(m[1])
				shards[shard] = true
				if prev, ok := k.byKey[in.ID]; ok && prev != shard {
					k.conflicts = append(k.conflicts, in.ID)
				}
				k.byKey[in.ID] = shard
			}
			for s := range shards {
				k.requests[s]++
			}
			k.mu.Unlock()
		}
	}
	k.next.ServeHTTP(w, r)
}

// standInScenario: 2 s at 15 batches/s of 10 tasks, a third of them
// updates, every fifth answer contract-checked.
const standInScenario = `name: standin
seed: 11
stages:
  - duration: 2s
    rate: 15
batch:
  size: 10
  updates: 0.3
sample: 0.2
thresholds:
  - success >= 99%
  - contract_violations == 0
  - requests == 30
`

// standInStartIn is how long after the manifests are printed the shards
// start: time for three race-instrumented processes to get ready on a busy
// 2-core machine (up to 8 s seen at a load average of 14). A shard ready
// later sends nothing and fails the Job, so this must be generous; the
// test waits it out.
const standInStartIn = 15 * time.Second

// TestK8sStandIn runs the generated manifests the way a cluster would:
// the shard Job as one process per completion index, then the report Job,
// with the Secret's target and token pointing at an emulator on loopback
// and the results claim on a temporary folder.
func TestK8sStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a common start, then runs a 2-second sharded load")
	}
	t.Parallel()      // its wait overlaps TestK8sStandInWithEmulator's
	bin := os.Args[0] // as upsertbench, with runAsMainEnv
	const shards, token = 3, "ub-standin-token"

	emu := emulator.New(emulator.WithToken(token))
	t.Cleanup(emu.Close)
	rec := &keyRecorder{next: emu, byKey: map[string]int{}, requests: map[int]int{}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)

	scenario := filepath.Join(t.TempDir(), "standin.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte(standInScenario), 0o644))
	var out, errOut bytes.Buffer
	code := runMain([]string{"k8s", "--scenario", scenario, "--shards", strconv.Itoa(shards),
		"--run-id", "standin", "--image", "upsertbench:standin", "--start-in", standInStartIn.String(),
		"--claim", "results", "--secret", "creds"}, &out, &errOut)
	require.Equal(t, exitPass, code, errOut.String())
	m, err := k8stest.Decode(out.Bytes())
	require.NoError(t, err)

	claim := t.TempDir()
	cluster := &k8stest.Cluster{
		Entrypoint: bin,
		ImageEnv:   []string{runAsMainEnv + "=1"},
		Secrets:    map[string]map[string]string{"creds": {secretKeyTarget: srv.URL, secretKeyToken: token}},
		Claims:     map[string]string{"results": claim},
		Dir:        t.TempDir(),
		MaxGrace:   5 * time.Second,
	}
	require.NoError(t, cluster.Load(m))
	t.Cleanup(cluster.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	job, err := cluster.RunJob(ctx, k8s.JobName("standin"))
	require.NoError(t, err)
	for _, pod := range job.Pods {
		t.Logf("%s exit %d\n%s%s", pod.Name, pod.ExitCode, pod.Stdout, pod.Stderr)
		assert.NotContains(t, strings.Join(pod.Args, " "), token, "no token in args")
	}
	require.False(t, job.Failed, "shard Job failed: %s", job.Reason)
	require.Len(t, job.Pods, shards, "one pod per index, none retried")

	run := filepath.Join(claim, "standin")
	for i := 1; i <= shards; i++ {
		s, err := results.ReadSummary(filepath.Join(run, "shard-"+strconv.Itoa(i)))
		require.NoError(t, err, "each shard writes its own folder")
		assert.Equal(t, []results.Shard{{Index: i, Count: shards}}, s.Run.Shards, "JOB_COMPLETION_INDEX %d is shard %d", i-1, i)
		assert.Equal(t, uint64(10), s.Metrics.Requests, "1/%d of the plan", shards)
	}

	rep, err := cluster.RunJob(ctx, k8s.ReportJobName("standin"))
	require.NoError(t, err)
	require.Len(t, rep.Pods, 1)
	t.Logf("report:\n%s%s", rep.Pods[0].Stdout, rep.Pods[0].Stderr)
	require.False(t, rep.Failed, "report Job failed: %s", rep.Reason)
	merged, err := results.ReadSummary(filepath.Join(run, "report"))
	require.NoError(t, err)
	assert.Equal(t, results.VerdictPass, merged.Verdict)
	assert.Equal(t, uint64(30), merged.Metrics.Requests, "the merged total is the plan")
	assert.Len(t, merged.Run.Shards, shards)

	rec.mu.Lock()
	assert.Empty(t, rec.conflicts, "no key was written by two shards")
	assert.Zero(t, rec.untraced)
	assert.Equal(t, map[int]int{1: 10, 2: 10, 3: 10}, rec.requests, "the emulator saw each shard's share")
	for key, shard := range rec.byKey {
		i := strings.LastIndexByte(key, '-')
		n, err := strconv.Atoi(key[i+1:])
		require.NoError(t, err, key)
		assert.Equal(t, shard-1, n%shards, "key %s interleaves with the shard number", key)
	}
	rec.mu.Unlock()

	require.NotNil(t, merged.Run.Merge)
	skew := merged.Run.Merge.StartSkew
	t.Logf("stand-in: %d shards, %d requests merged (plan 30), start skew %s", shards, merged.Metrics.Requests, skew)
	assert.Less(t, skew, 2*time.Second, "the shards started together")
	assert.Regexp(t, `PASS  shards-together +3 shards started [0-9.]+[µm]?s apart`, rep.Pods[0].Stdout, "the report prints the skew")

	// A missing shard fails the report.
	require.NoError(t, os.Rename(filepath.Join(run, "shard-2"), filepath.Join(claim, "shard-2-away")))
	rep, err = cluster.RunJob(ctx, k8s.ReportJobName("standin"))
	require.NoError(t, err)
	require.Len(t, rep.Pods, 1)
	assert.True(t, rep.Failed, "the report Job fails")
	assert.Equal(t, exitFail, rep.Pods[0].ExitCode)
	assert.Contains(t, rep.Pods[0].Stdout+rep.Pods[0].Stderr, "shard 2/3 is missing")
}

// TestK8sStandInWithEmulator: with --with-emulator the target is the
// emulator Deployment behind its Service, configured by the scenario
// (the free tier's 429s would show as failed answers); the Secret holds
// only the token.
func TestK8sStandInWithEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a common start, then runs a 1-second sharded load")
	}
	t.Parallel()
	const shards, token, runID = 2, "ub-standin-emulator-token", "emu"
	scenario := filepath.Join(t.TempDir(), "emu.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte(`name: emu
seed: 12
stages:
  - duration: 1s
    rate: 10
batch:
  size: 5
sample: 0
emulator:
  tier: professional
  latency: fixed:5ms
thresholds:
  - success == 100%
  - requests == 10
`), 0o644))
	var out, errOut bytes.Buffer
	code := runMain([]string{"k8s", "--scenario", scenario, "--shards", strconv.Itoa(shards), "--with-emulator",
		"--run-id", runID, "--image", "upsertbench:standin", "--start-in", standInStartIn.String(),
		"--claim", "results", "--secret", "creds"}, &out, &errOut)
	require.Equal(t, exitPass, code, errOut.String())
	m, err := k8stest.Decode(out.Bytes())
	require.NoError(t, err)

	claim := t.TempDir()
	cluster := &k8stest.Cluster{
		Entrypoint: os.Args[0],
		ImageEnv:   []string{runAsMainEnv + "=1"},
		Secrets:    map[string]map[string]string{"creds": {secretKeyToken: token}},
		Claims:     map[string]string{"results": claim},
		Dir:        t.TempDir(),
		MaxGrace:   5 * time.Second,
	}
	require.NoError(t, cluster.Load(m))
	t.Cleanup(cluster.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	addr, err := cluster.StartDeployment(ctx, k8s.EmulatorName(runID))
	require.NoError(t, err, "the emulator passes its readiness probe")
	job, err := cluster.RunJob(ctx, k8s.JobName(runID))
	require.NoError(t, err)
	for _, pod := range job.Pods {
		t.Logf("%s exit %d\n%s%s", pod.Name, pod.ExitCode, pod.Stdout, pod.Stderr)
		assert.Contains(t, pod.Env, "UPSERTBENCH_TARGET=http://"+addr, "the Service's address")
	}
	require.False(t, job.Failed, "shard Job failed: %s", job.Reason)
	require.Len(t, job.Pods, shards)

	rep, err := cluster.RunJob(ctx, k8s.ReportJobName(runID))
	require.NoError(t, err)
	require.Len(t, rep.Pods, 1)
	require.False(t, rep.Failed, "report Job failed: %s\n%s%s", rep.Reason, rep.Pods[0].Stdout, rep.Pods[0].Stderr)
	merged, err := results.ReadSummary(filepath.Join(claim, runID, "report"))
	require.NoError(t, err)
	assert.Equal(t, uint64(10), merged.Metrics.Requests, "the merged total is the plan")
	assert.Equal(t, map[string]int{"200": 10}, merged.Metrics.StatusCodes, "every answer came from the emulator")
	t.Logf("stand-in with emulator: %d shards, %d requests merged (plan 10), start skew %s", shards, merged.Metrics.Requests, merged.Run.Merge.StartSkew)
}
