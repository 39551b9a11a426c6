package k8s_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/upsertbench/upsertbench/internal/golden"
	"github.com/upsertbench/upsertbench/internal/k8s"
	"github.com/upsertbench/upsertbench/internal/k8s/k8stest"
)

func fullConfig() k8s.Config {
	file := k8s.File{Name: "checkout.yaml", Data: "name: checkout\nstages:\n  - duration: 30s\n    rate: 40\n"}
	return k8s.Config{
		RunID: "nightly-7", Namespace: "load", Image: "ghcr.io/acme/upsertbench:v1.2.0", Shards: 4,
		ShardArgs:    []string{"load", "--scenario", k8s.ScenarioPath(file), "--shard", "auto/4", "--out", k8s.RunDir("nightly-7")},
		ReportArgs:   []string{"report", "--in", k8s.RunDir("nightly-7"), "--expect-shards", "4"},
		EmulatorArgs: []string{"emulate", "--addr", "0.0.0.0:8080", "--scenario", k8s.ScenarioPath(file)},
		ShardEnv: []k8s.Env{
			{Name: "UPSERTBENCH_TARGET", Value: k8s.EmulatorURL("nightly-7")},
			{Name: "UPSERTBENCH_TOKEN", SecretKey: "token"},
			{Name: "FLAG", Value: "true"}, // a YAML 1.1 boolean must stay a string
		},
		EmulatorEnv:      []k8s.Env{{Name: "UPSERTBENCH_TOKEN", SecretKey: "token"}},
		Secret:           "upsertbench",
		Claim:            "shared-results",
		Scenario:         &file,
		Deadline:         3*time.Minute + 500*time.Millisecond,
		FailJobExitCodes: []int{3, 2, 3},
		ShardResources:   k8s.Resources{CPU: "500m", Memory: "512Mi"},
		Comment:          []string{"a comment", "", "second paragraph"},
	}
}

func render(t *testing.T, cfg k8s.Config) ([]byte, *k8stest.Manifests) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, k8s.Render(&buf, cfg))
	m, err := k8stest.Decode(buf.Bytes())
	require.NoError(t, err, "strict decoding:\n%s", buf.String())
	return buf.Bytes(), m
}

func TestRenderFull(t *testing.T) {
	out, m := render(t, fullConfig())
	golden.Equal(t, "testdata/full.yaml", out)
	assert.True(t, strings.HasPrefix(string(out), "# a comment\n#\n# second paragraph\n---\n"), "comment header")
	assert.Equal(t, []string{
		"ConfigMap/upsertbench-nightly-7-scenario",
		"Deployment/upsertbench-nightly-7-emulator",
		"Service/upsertbench-nightly-7-emulator",
		"Job/upsertbench-nightly-7",
		"Job/upsertbench-nightly-7-report",
	}, m.Kinds, "objects in the order they are applied")

	for _, meta := range []struct{ name, ns, component string }{
		{m.ConfigMaps[0].Name, m.ConfigMaps[0].Namespace, m.ConfigMaps[0].Labels[k8s.LabelComponent]},
		{m.Deployments[0].Name, m.Deployments[0].Namespace, m.Deployments[0].Labels[k8s.LabelComponent]},
		{m.Services[0].Name, m.Services[0].Namespace, m.Services[0].Labels[k8s.LabelComponent]},
		{m.Jobs[0].Name, m.Jobs[0].Namespace, m.Jobs[0].Labels[k8s.LabelComponent]},
		{m.Jobs[1].Name, m.Jobs[1].Namespace, m.Jobs[1].Labels[k8s.LabelComponent]},
	} {
		assert.Equal(t, "load", meta.ns, meta.name)
		assert.NotEmpty(t, meta.component, meta.name)
	}
	assert.Equal(t, k8s.ComponentReport, m.Jobs[1].Labels[k8s.LabelComponent], "the report Job can be applied apart")

	// The scenario file travels in the ConfigMap, under its own name.
	cm := m.ConfigMap(k8s.ConfigMapName("nightly-7"))
	require.NotNil(t, cm)
	assert.Equal(t, map[string]string{"checkout.yaml": fullConfig().Scenario.Data}, cm.Data)

	// The shard Job.
	job := m.Job(k8s.JobName("nightly-7"))
	require.NotNil(t, job)
	s := job.Spec
	require.NotNil(t, s.CompletionMode)
	assert.Equal(t, batchv1.IndexedCompletion, *s.CompletionMode)
	assert.Equal(t, int32(4), *s.Completions)
	assert.Equal(t, int32(4), *s.Parallelism)
	require.NotNil(t, s.BackoffLimitPerIndex)
	assert.Equal(t, int32(0), *s.BackoffLimitPerIndex, "no index is retried")
	assert.Nil(t, s.BackoffLimit)
	require.NotNil(t, s.ActiveDeadlineSeconds)
	assert.Equal(t, int64(181), *s.ActiveDeadlineSeconds, "rounded up to the second")
	require.NotNil(t, s.PodFailurePolicy)
	require.Len(t, s.PodFailurePolicy.Rules, 1)
	rule := s.PodFailurePolicy.Rules[0]
	assert.Equal(t, batchv1.PodFailurePolicyActionFailJob, rule.Action)
	require.NotNil(t, rule.OnExitCodes)
	assert.Equal(t, batchv1.PodFailurePolicyOnExitCodesOpIn, rule.OnExitCodes.Operator)
	assert.Equal(t, []int32{2, 3}, rule.OnExitCodes.Values, "sorted and unique, as the API requires")
	require.NotNil(t, rule.OnExitCodes.ContainerName)
	assert.Equal(t, k8s.ShardContainer, *rule.OnExitCodes.ContainerName)

	pod := job.Spec.Template.Spec
	assert.Equal(t, corev1.RestartPolicyNever, pod.RestartPolicy, "a pod failure policy needs Never")
	assertHardened(t, pod)
	require.Len(t, pod.Containers, 1)
	c := pod.Containers[0]
	assert.Equal(t, k8s.ShardContainer, c.Name)
	assert.Equal(t, "ghcr.io/acme/upsertbench:v1.2.0", c.Image)
	assert.Equal(t, fullConfig().ShardArgs, c.Args)
	assert.Empty(t, c.Command, "the image's entrypoint runs")
	assert.Equal(t, []corev1.EnvVar{
		{Name: "UPSERTBENCH_TARGET", Value: "http://upsertbench-nightly-7-emulator:8080"},
		{Name: "UPSERTBENCH_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "upsertbench"}, Key: "token"}}},
		{Name: "FLAG", Value: "true"},
	}, c.Env)
	assert.Equal(t, "500m", c.Resources.Requests.Cpu().String())
	assert.Equal(t, "512Mi", c.Resources.Requests.Memory().String())
	assert.Equal(t, "512Mi", c.Resources.Limits.Memory().String())
	_, cpuLimit := c.Resources.Limits[corev1.ResourceCPU]
	assert.False(t, cpuLimit, "no CPU limit: throttling would delay sends")
	assertMounts(t, pod, c, true)
	require.Len(t, pod.TopologySpreadConstraints, 1, "shards spread over nodes")
	assert.Equal(t, job.Spec.Template.Labels[k8s.LabelInstance], pod.TopologySpreadConstraints[0].LabelSelector.MatchLabels[k8s.LabelInstance])
	assert.Equal(t, job.Spec.Template.Labels[k8s.LabelComponent], pod.TopologySpreadConstraints[0].LabelSelector.MatchLabels[k8s.LabelComponent])

	// The report Job.
	rep := m.Job(k8s.ReportJobName("nightly-7"))
	require.NotNil(t, rep)
	assert.Nil(t, rep.Spec.CompletionMode)
	require.NotNil(t, rep.Spec.BackoffLimit)
	assert.Equal(t, int32(0), *rep.Spec.BackoffLimit, "a verdict is not retried")
	assert.Equal(t, int64(k8s.DefaultReportDeadline/time.Second), *rep.Spec.ActiveDeadlineSeconds)
	rpod := rep.Spec.Template.Spec
	assert.Equal(t, corev1.RestartPolicyNever, rpod.RestartPolicy)
	assertHardened(t, rpod)
	require.Len(t, rpod.Containers, 1)
	assert.Equal(t, fullConfig().ReportArgs, rpod.Containers[0].Args)
	assert.Empty(t, rpod.Containers[0].Env, "the report needs no target or token")
	assertMounts(t, rpod, rpod.Containers[0], false)

	// The emulator: the Service reaches the Deployment's pods.
	dep := m.Deployment(k8s.EmulatorName("nightly-7"))
	require.NotNil(t, dep)
	svc := m.Service(k8s.EmulatorName("nightly-7"))
	require.NotNil(t, svc)
	assert.Equal(t, int32(1), *dep.Spec.Replicas, "one store, one set of rate limits")
	for k, v := range dep.Spec.Selector.MatchLabels {
		assert.Equal(t, v, dep.Spec.Template.Labels[k], "the Deployment selects its pods")
	}
	for k, v := range svc.Spec.Selector {
		assert.Equal(t, v, dep.Spec.Template.Labels[k], "the Service selects the emulator pods")
	}
	epod := dep.Spec.Template.Spec
	assertHardened(t, epod)
	require.Len(t, epod.Containers, 1)
	ec := epod.Containers[0]
	assert.Equal(t, fullConfig().EmulatorArgs, ec.Args)
	require.Len(t, svc.Spec.Ports, 1)
	require.Len(t, ec.Ports, 1)
	assert.Equal(t, intstr.FromString(ec.Ports[0].Name), svc.Spec.Ports[0].TargetPort)
	assert.Equal(t, int32(k8s.DefaultEmulatorPort), svc.Spec.Ports[0].Port)
	assert.Equal(t, int32(k8s.DefaultEmulatorPort), ec.Ports[0].ContainerPort)
	require.NotNil(t, ec.ReadinessProbe)
	require.NotNil(t, ec.ReadinessProbe.HTTPGet)
	assert.Equal(t, intstr.FromString("http"), ec.ReadinessProbe.HTTPGet.Port)
	assert.Equal(t, "UPSERTBENCH_TOKEN", ec.Env[0].Name)
	require.NotNil(t, ec.Env[0].ValueFrom)
	assert.Equal(t, "token", ec.Env[0].ValueFrom.SecretKeyRef.Key)
	require.Len(t, epod.Volumes, 1, "the scenario, no results volume")
	assert.Equal(t, cm.Name, epod.Volumes[0].ConfigMap.Name)
	require.Len(t, ec.VolumeMounts, 1)
	assert.Equal(t, k8s.ScenarioMount, ec.VolumeMounts[0].MountPath)
}

// assertHardened: non-root, no token of the API server, nothing to escalate.
func assertHardened(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	require.NotNil(t, pod.AutomountServiceAccountToken)
	assert.False(t, *pod.AutomountServiceAccountToken)
	sc := pod.SecurityContext
	require.NotNil(t, sc)
	require.NotNil(t, sc.RunAsNonRoot)
	assert.True(t, *sc.RunAsNonRoot)
	assert.Equal(t, int64(k8s.DefaultUID), *sc.RunAsUser)
	assert.Equal(t, int64(k8s.DefaultUID), *sc.FSGroup, "the non-root user can write the results volume")
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type)
	for _, c := range pod.Containers {
		csc := c.SecurityContext
		require.NotNil(t, csc, c.Name)
		assert.False(t, *csc.AllowPrivilegeEscalation, c.Name)
		assert.True(t, *csc.ReadOnlyRootFilesystem, c.Name)
		assert.Equal(t, []corev1.Capability{"ALL"}, csc.Capabilities.Drop, c.Name)
	}
}

// assertMounts: the claim at /results, and the scenario ConfigMap read-only
// when there is one; every mount names a volume of the pod.
func assertMounts(t *testing.T, pod corev1.PodSpec, c corev1.Container, scenario bool) {
	t.Helper()
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		_, ok := vols[vm.Name]
		assert.True(t, ok, "mount %s names a volume", vm.Name)
		mounts[vm.MountPath] = vm
	}
	res, ok := mounts[k8s.ResultsMount]
	require.True(t, ok, "results mounted at %s", k8s.ResultsMount)
	assert.False(t, res.ReadOnly)
	require.NotNil(t, vols[res.Name].PersistentVolumeClaim)
	assert.Equal(t, "shared-results", vols[res.Name].PersistentVolumeClaim.ClaimName)
	sm, ok := mounts[k8s.ScenarioMount]
	assert.Equal(t, scenario, ok, "scenario mount")
	if ok {
		assert.True(t, sm.ReadOnly)
		require.NotNil(t, vols[sm.Name].ConfigMap)
		assert.Equal(t, k8s.ConfigMapName("nightly-7"), vols[sm.Name].ConfigMap.Name)
	}
}

func TestRenderMinimal(t *testing.T) {
	cfg := fullConfig()
	cfg.Namespace, cfg.Scenario, cfg.EmulatorArgs, cfg.EmulatorEnv, cfg.Comment = "", nil, nil, nil, nil
	cfg.ShardResources, cfg.FailJobExitCodes = k8s.Resources{}, nil
	out, m := render(t, cfg)
	assert.True(t, strings.HasPrefix(string(out), "---\n"))
	assert.Equal(t, []string{"Job/upsertbench-nightly-7", "Job/upsertbench-nightly-7-report"}, m.Kinds)
	job := m.Jobs[0]
	assert.Empty(t, job.Namespace, "left to kubectl -n")
	assert.Nil(t, job.Spec.PodFailurePolicy)
	c := job.Spec.Template.Spec.Containers[0]
	assert.Empty(t, c.Resources.Requests)
	assertMounts(t, job.Spec.Template.Spec, c, false)
}

func TestRenderRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(*k8s.Config)
		want   string
	}{
		{"run id with capitals", func(c *k8s.Config) { c.RunID = "Nightly" }, "not a DNS label"},
		{"run id too long", func(c *k8s.Config) { c.RunID = strings.Repeat("a", 41) }, "at most 40"},
		{"no image", func(c *k8s.Config) { c.Image = "" }, "no image"},
		{"no shards", func(c *k8s.Config) { c.Shards = 0 }, "0 shards"},
		{"bad claim", func(c *k8s.Config) { c.Claim = "Results_1" }, "claim"},
		{"secret env without secret", func(c *k8s.Config) { c.Secret = "" }, "Secret name"},
		{"scenario key", func(c *k8s.Config) { c.Scenario.Name = "my scenario.yaml" }, "ConfigMap key"},
		{"scenario too big", func(c *k8s.Config) { c.Scenario.Data = strings.Repeat("x", k8s.MaxConfigMapBytes+1) }, "over a ConfigMap"},
		{"exit code 0", func(c *k8s.Config) { c.FailJobExitCodes = []int{0} }, "exit code 0"},
		{"no deadline", func(c *k8s.Config) { c.Deadline = 0 }, "deadline"},
		{"bad namespace", func(c *k8s.Config) { c.Namespace = "a.b" }, "namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fullConfig()
			f := *cfg.Scenario
			cfg.Scenario = &f
			tt.change(&cfg)
			var buf bytes.Buffer
			err := k8s.Render(&buf, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Zero(t, buf.Len(), "nothing half-written")
		})
	}
}

// TestDecodeIsStrict proves the decoder the other tests rely on refuses
// what a cluster's strict field validation refuses.
func TestDecodeIsStrict(t *testing.T) {
	const job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n"
	tests := []struct {
		name, doc, want string
	}{
		{"unknown field", job + "  completionz: 2\n  template: {}\n", `unknown field "completionz"`},
		{"duplicate field", job + "  completions: 2\n  completions: 3\n", `"completions" already set`},
		{"wrong type", job + "  completions: two\n", "cannot unmarshal string"},
		{"string for a number", job + "  activeDeadlineSeconds: \"60\"\n", "cannot unmarshal string"},
		{"unknown kind", "apiVersion: batch/v1\nkind: CronJobz\nmetadata:\n  name: x\n", "unexpected kind"},
		{"no name", "apiVersion: v1\nkind: ConfigMap\ndata: {}\n", "no metadata.name"},
		{"misplaced field", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  data: {}\n", `unknown field "data"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := k8stest.Decode([]byte("# header\n---\n" + tt.doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "document 2", "names the document")
		})
	}
}

func TestValidRunID(t *testing.T) {
	for id, ok := range map[string]bool{
		"nightly-42": true, "a": true, "0": true, strings.Repeat("a", 40): true,
		"": false, "-a": false, "a-": false, "A": false, "a_b": false, "a.b": false, strings.Repeat("a", 41): false,
	} {
		assert.Equal(t, ok, k8s.ValidRunID(id) == nil, "%q", id)
	}
}
