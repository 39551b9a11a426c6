package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/upsertbench/upsertbench/internal/k8s"
	"github.com/upsertbench/upsertbench/internal/k8s/k8stest"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

// k8sManifests runs the k8s command and decodes its output strictly.
func k8sManifests(t *testing.T, args ...string) (*k8stest.Manifests, string) {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"k8s"}, args...)...)
	require.Equal(t, exitPass, code, "stderr:\n%s", stderr)
	require.Empty(t, stderr)
	m, err := k8stest.Decode([]byte(stdout))
	require.NoError(t, err, "strict decoding of:\n%s", stdout)
	return m, stdout
}

// argValues returns every value given to flag in args.
func argValues(args []string, flag string) []string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			out = append(out, args[i+1])
		}
	}
	return out
}

func argValue(t *testing.T, args []string, flag string) string {
	t.Helper()
	v := argValues(args, flag)
	require.Len(t, v, 1, "%s in %q", flag, args)
	return v[0]
}

func TestK8sFileScenarioAgainstASecretTarget(t *testing.T) {
	scenario := writeScenario(t, "1s")
	data, err := os.ReadFile(scenario)
	require.NoError(t, err)
	start := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	m, out := k8sManifests(t, "--scenario", scenario, "--shards", "3", "--run-id", "nightly-42",
		"--image", "ghcr.io/acme/upsertbench:v1.2.0", "--start-at", start.Format(time.RFC3339),
		"--rate", "30", "--duration", "1m", "--tier", "professional", "--seed", "77", "--allow-over-quota",
		"--owner-id", "123", "--queue-id", "9", "--claim", "bench-results", "--secret", "hubspot-sandbox",
		"--namespace", "load", "--cpu", "1", "--memory", "256Mi", "--max-start-lag", "3s", "--max-skew", "1500ms")

	assert.Equal(t, []string{"ConfigMap/upsertbench-nightly-42-scenario", "Job/upsertbench-nightly-42", "Job/upsertbench-nightly-42-report"}, m.Kinds)
	assert.Contains(t, out, "kubectl -n load apply -f run.yaml -l app.kubernetes.io/component!=report", "the header says how to run it")

	// The scenario file, byte for byte, mounted where the shards read it.
	cm := m.ConfigMap("upsertbench-nightly-42-scenario")
	require.NotNil(t, cm)
	assert.Equal(t, map[string]string{"tiny.yaml": string(data)}, cm.Data)

	job := m.Job("upsertbench-nightly-42")
	require.NotNil(t, job)
	assert.Equal(t, "load", job.Namespace)
	assert.Equal(t, batchv1.IndexedCompletion, *job.Spec.CompletionMode)
	assert.Equal(t, int32(3), *job.Spec.Completions)
	assert.Equal(t, int32(3), *job.Spec.Parallelism)
	assert.Equal(t, int32(0), *job.Spec.BackoffLimitPerIndex)
	rules := job.Spec.PodFailurePolicy.Rules
	require.Len(t, rules, 1)
	assert.Equal(t, batchv1.PodFailurePolicyActionFailJob, rules[0].Action)
	assert.Equal(t, []int32{exitUsage, exitLateStart}, rules[0].OnExitCodes.Values, "configuration and late start fail the Job")
	pod := job.Spec.Template.Spec
	assert.Equal(t, corev1.RestartPolicyNever, pod.RestartPolicy)

	// activeDeadlineSeconds from the plan: the wait, one minute of load,
	// the scenario's request timeout, the stop grace and the margin.
	sc, err := scenarios.Load(scenario)
	require.NoError(t, err)
	wantMax := time.Hour + time.Minute + sc.HTTP.Timeout + load.DefaultStopGrace + k8sDeadlineMargin
	got := time.Duration(*job.Spec.ActiveDeadlineSeconds) * time.Second
	assert.LessOrEqual(t, got, wantMax+time.Second)
	assert.Greater(t, got, wantMax-time.Minute, "counted from now, up to the test's own duration")

	c := pod.Containers[0]
	args := c.Args
	assert.Equal(t, "load", args[0])
	assert.Equal(t, k8s.ScenarioMount+"/tiny.yaml", argValue(t, args, "--scenario"))
	assert.Equal(t, "auto/3", argValue(t, args, "--shard"), "the index comes from JOB_COMPLETION_INDEX")
	assert.Equal(t, start.Format(time.RFC3339), argValue(t, args, "--start-at"))
	assert.Equal(t, "3s", argValue(t, args, "--max-start-lag"))
	assert.Equal(t, "/results/nightly-42", argValue(t, args, "--out"))
	assert.Equal(t, "77", argValue(t, args, "--seed"))
	assert.Equal(t, "30", argValue(t, args, "--rate"))
	assert.Equal(t, "1m0s", argValue(t, args, "--duration"))
	assert.Equal(t, "professional", argValue(t, args, "--tier"))
	assert.Equal(t, []string{"123"}, argValues(args, "--owner-id"))
	assert.Equal(t, []string{"9"}, argValues(args, "--queue-id"))
	assert.Contains(t, args, "--allow-over-quota")
	assert.Contains(t, args, "--allow-remote")
	for _, a := range args {
		assert.NotContains(t, a, "token", "no token in args")
		assert.NotContains(t, a, "target", "no target in args")
	}
	// Target and token from the Secret, by env.
	require.Len(t, c.Env, 2)
	for i, want := range []struct{ name, key string }{{target.EnvTarget, secretKeyTarget}, {target.EnvToken, secretKeyToken}} {
		assert.Equal(t, want.name, c.Env[i].Name)
		require.NotNil(t, c.Env[i].ValueFrom, want.name)
		require.NotNil(t, c.Env[i].ValueFrom.SecretKeyRef, want.name)
		assert.Equal(t, "hubspot-sandbox", c.Env[i].ValueFrom.SecretKeyRef.Name)
		assert.Equal(t, want.key, c.Env[i].ValueFrom.SecretKeyRef.Key)
		assert.Empty(t, c.Env[i].Value)
	}
	assert.Equal(t, "1", c.Resources.Requests.Cpu().String())
	assert.Equal(t, "256Mi", c.Resources.Limits.Memory().String())
	var claim string
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil {
			claim = v.PersistentVolumeClaim.ClaimName
		}
	}
	assert.Equal(t, "bench-results", claim)

	rep := m.Job("upsertbench-nightly-42-report")
	require.NotNil(t, rep)
	rargs := rep.Spec.Template.Spec.Containers[0].Args
	assert.Equal(t, "report", rargs[0])
	assert.Equal(t, "/results/nightly-42", argValue(t, rargs, "--in"))
	assert.Equal(t, "3", argValue(t, rargs, "--expect-shards"))
	assert.Equal(t, "1.5s", argValue(t, rargs, "--max-skew"))
	assert.Equal(t, "/results/nightly-42/report", argValue(t, rargs, "--out"))
}

func TestK8sWithEmulator(t *testing.T) {
	// A built-in: no ConfigMap; the emulator is configured by the
	// scenario (rate-limit asks for the professional tier).
	m, _ := k8sManifests(t, "--scenario", "rate-limit", "--shards", "2", "--run-id", "r1", "--image", "img:1",
		"--start-in", "90s", "--with-emulator")
	assert.Equal(t, []string{"Deployment/upsertbench-r1-emulator", "Service/upsertbench-r1-emulator", "Job/upsertbench-r1", "Job/upsertbench-r1-report"}, m.Kinds)
	dep := m.Deployment("upsertbench-r1-emulator")
	require.NotNil(t, dep)
	eargs := dep.Spec.Template.Spec.Containers[0].Args
	assert.Equal(t, "emulate", eargs[0])
	assert.Equal(t, "0.0.0.0:8080", argValue(t, eargs, "--addr"))
	assert.Equal(t, "rate-limit", argValue(t, eargs, "--scenario"), "the scenario's emulator section configures it")
	assert.Empty(t, argValues(eargs, "--tier"), "the scenario's tier")
	eenv := dep.Spec.Template.Spec.Containers[0].Env
	require.Len(t, eenv, 1)
	assert.Equal(t, target.EnvToken, eenv[0].Name)
	assert.Equal(t, secretKeyToken, eenv[0].ValueFrom.SecretKeyRef.Key)

	c := m.Job("upsertbench-r1").Spec.Template.Spec.Containers[0]
	assert.Equal(t, "rate-limit", argValue(t, c.Args, "--scenario"))
	assert.Contains(t, c.Args, "--allow-over-quota", "the quota planner guards accounts; the emulator answers 429 itself")
	assert.Empty(t, argValues(c.Args, "--tier"))
	sc, err := scenarios.Builtin("rate-limit")
	require.NoError(t, err)
	assert.Equal(t, strconv.FormatUint(sc.Seed, 10), argValue(t, c.Args, "--seed"), "the scenario's seed, explicit")
	require.Len(t, c.Env, 2)
	assert.Equal(t, corev1.EnvVar{Name: target.EnvTarget, Value: "http://upsertbench-r1-emulator:8080"}, c.Env[0])
	assert.Equal(t, secretKeyToken, c.Env[1].ValueFrom.SecretKeyRef.Key)
	start, err := time.Parse(time.RFC3339, argValue(t, c.Args, "--start-at"))
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(90*time.Second), start, 5*time.Second)
}

func TestK8sTierReachesEmulatorAndShards(t *testing.T) {
	m, _ := k8sManifests(t, "--scenario", "steady", "--shards", "2", "--run-id", "r1", "--image", "img:1",
		"--start-in", "1m", "--with-emulator", "--tier", "free")
	assert.Equal(t, "free", argValue(t, m.Deployments[0].Spec.Template.Spec.Containers[0].Args, "--tier"))
	assert.Equal(t, "free", argValue(t, m.Jobs[0].Spec.Template.Spec.Containers[0].Args, "--tier"))
}

func TestK8sDrawsOneSeedForAllShards(t *testing.T) {
	path := filepath.Join(t.TempDir(), "noseed.yaml")
	require.NoError(t, os.WriteFile(path, []byte("stages:\n  - duration: 10s\n    rate: 5\n"), 0o644))
	m, _ := k8sManifests(t, "--scenario", path, "--shards", "2", "--run-id", "r", "--image", "i", "--start-in", "1m")
	seed := argValue(t, m.Jobs[0].Spec.Template.Spec.Containers[0].Args, "--seed")
	n, err := strconv.ParseUint(seed, 10, 64)
	require.NoError(t, err)
	assert.NotZero(t, n)
}

func TestK8sUsageErrors(t *testing.T) {
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	base := []string{"--shards", "2", "--run-id", "r1", "--image", "img", "--start-in", "1m"}
	without := func(flag string) []string {
		i := slices.Index(base, flag)
		return slices.Delete(slices.Clone(base), i, i+2)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no shards", without("--shards"), "--shards 0 is out of range"},
		{"too many shards", append(without("--shards"), "--shards", "1001"), "--shards 1001 is out of range"},
		{"no run id", without("--run-id"), "--run-id is required"},
		{"bad run id", append(without("--run-id"), "--run-id", "Nightly_1"), "--run-id: \"Nightly_1\" is not a DNS label"},
		{"no image", without("--image"), "--image is required"},
		{"no start", without("--start-in"), "--start-at 2026-12-01T03:00:00Z or --start-in 2m"},
		{"both starts", append(slices.Clone(base), "--start-at", future), "either --start-at or --start-in"},
		{"start in the past", append(without("--start-in"), "--start-at", "2020-01-01T00:00:00Z"), "--start-at 2020-01-01T00:00:00Z is not in the future"},
		{"start not RFC 3339", append(without("--start-in"), "--start-at", "tomorrow"), `--start-at "tomorrow" is not an RFC 3339 instant`},
		{"bad claim", append(slices.Clone(base), "--claim", "My Claim"), `--claim "My Claim"`},
		{"bad secret", append(slices.Clone(base), "--secret", "a_b"), `--secret "a_b"`},
		{"bad cpu", append(slices.Clone(base), "--cpu", "lots"), `--cpu "lots" is not a Kubernetes quantity`},
		{"bad lag", append(slices.Clone(base), "--max-start-lag", "0s"), "--max-start-lag 0s must be positive"},
		{"bad scenario", append(slices.Clone(base), "--scenario", "nope"), "--scenario"},
		{"token is not a flag", append(slices.Clone(base), "--token", "secret"), "-token"},
		{"over the free tier, all shards together", append(slices.Clone(base), "--scenario", "steady"),
			"(all 2 shards together: they share one account): its busiest 10 s sends 400 requests, over the free tier's burst limit of 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, append([]string{"k8s"}, tt.args...)...)
			assert.Equal(t, exitUsage, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.Empty(t, stdout, "no half manifest")
		})
	}
}

// TestBinaryLinksNoKubernetes keeps k8s.io out of the binary: the
// manifests are rendered from our own structs, and only tests decode them
// with the Kubernetes types.
func TestBinaryLinksNoKubernetes(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/upsertbench/upsertbench/internal/k8s", "the check looks at the right list")
	for _, d := range deps {
		assert.False(t, strings.HasPrefix(d, "k8s.io/") || strings.HasPrefix(d, "sigs.k8s.io/"), "the binary links %s", d)
		assert.NotEqual(t, "github.com/upsertbench/upsertbench/internal/k8s/k8stest", d)
	}
}
