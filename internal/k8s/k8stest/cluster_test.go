package k8stest_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/upsertbench/upsertbench/internal/k8s/k8stest"
)

// The test binary is the image: with K8STEST_POD=1 in its env it runs the
// pod program below instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("K8STEST_POD") == "1" {
		os.Exit(podMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// podMain: "write FILE TEXT" writes a file; "copy SRC DST" copies one; "exit N" exits N; "exit-if-index
// I N" exits N on completion index I and 0 elsewhere; "sleep D" sleeps D
// unless SIGTERM comes, then exits 143; "env" prints its environment.
func podMain(args []string) int {
	for len(args) > 0 {
		switch args[0] {
		case "write":
			if err := os.WriteFile(args[1], []byte(args[2]), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			args = args[3:]
		case "copy":
			data, err := os.ReadFile(args[1])
			if err == nil {
				err = os.WriteFile(args[2], data, 0o644)
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			args = args[3:]
		case "exit":
			n, _ := strconv.Atoi(args[1])
			return n
		case "exit-if-index":
			if os.Getenv("JOB_COMPLETION_INDEX") == args[1] {
				n, _ := strconv.Atoi(args[2])
				return n
			}
			args = args[3:]
		case "sleep":
			d, _ := time.ParseDuration(args[1])
			term := make(chan os.Signal, 1)
			signal.Notify(term, syscall.SIGTERM)
			select {
			case <-term:
				return 143
			case <-time.After(d):
			}
			args = args[2:]
		case "env":
			for _, kv := range os.Environ() {
				fmt.Println(kv)
			}
			args = args[1:]
		default:
			fmt.Fprintf(os.Stderr, "unknown step %q\n", args[0])
			return 99
		}
	}
	return 0
}

// jobYAML is an Indexed Job whose pod runs args; extra is spliced into
// the Job spec.
func jobYAML(completions int, extra string, args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: ConfigMap
metadata:
  name: files
data:
  scenario.yaml: "stages: []\n"
---
apiVersion: batch/v1
kind: Job
metadata:
  name: work
spec:
  completionMode: Indexed
  completions: %d
  parallelism: %d
%s  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      containers:
        - name: main
          image: test
          env:
            - name: K8STEST_POD
              value: "1"
            - name: OUT
              value: /results
            - name: EARLY
              value: $(JOB_COMPLETION_INDEX)
            - name: PREFIX
              value: p
            - name: NAMED
              value: $(PREFIX)-x-$$(PREFIX)
            - name: TOKEN
              valueFrom:
                secretKeyRef:
                  name: creds
                  key: token
          args:
`, completions, completions, extra)
	for _, a := range args {
		fmt.Fprintf(&b, "            - %q\n", a)
	}
	b.WriteString(`          volumeMounts:
            - name: results
              mountPath: /results
            - name: files
              mountPath: /etc/files
              readOnly: true
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: shared
        - name: files
          configMap:
            name: files
`)
	return b.String()
}

func newCluster(t *testing.T, doc string) (*k8stest.Cluster, string) {
	t.Helper()
	m, err := k8stest.Decode([]byte(doc))
	require.NoError(t, err, doc)
	results := t.TempDir()
	c := &k8stest.Cluster{
		Entrypoint: os.Args[0],
		ImageEnv:   []string{"IMAGE_ONLY=i", "PREFIX=from-image"},
		Secrets:    map[string]map[string]string{"creds": {"token": "s3cret"}},
		Claims:     map[string]string{"shared": results},
		Dir:        t.TempDir(),
	}
	require.NoError(t, c.Load(m))
	t.Cleanup(c.Close)
	return c, results
}

func runJob(t *testing.T, c *k8stest.Cluster) *k8stest.JobResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.RunJob(ctx, "work")
	require.NoError(t, err)
	return res
}

func TestClusterRunsOnePodPerIndex(t *testing.T) {
	c, results := newCluster(t, jobYAML(3, "", "write", "$(OUT)/run-$(JOB_COMPLETION_INDEX)", "index $(JOB_COMPLETION_INDEX) $(NAMED) $(MISSING) $$(OUT) $(IMAGE_ONLY)", "env"))
	res := runJob(t, c)
	require.False(t, res.Failed, "%+v", res)
	assert.Equal(t, 3, res.SucceededCount)
	require.Len(t, res.Pods, 3)
	for i, pod := range res.Pods {
		assert.Equal(t, i, pod.Index)
		assert.Equal(t, 0, pod.ExitCode, pod.Stderr)
		data, err := os.ReadFile(filepath.Join(results, fmt.Sprintf("run-%d", i)))
		require.NoError(t, err, "the results mount maps to the claim's folder")
		assert.Equal(t, fmt.Sprintf("index %d p-x-$(PREFIX) $(MISSING) $(OUT) $(IMAGE_ONLY)", i), string(data),
			"$(VAR) expanded as the kubelet does: from the container's env, not the image's")
		env := strings.Split(strings.TrimSpace(pod.Stdout), "\n")
		assert.Contains(t, env, "TOKEN=s3cret", "the Secret's key")
		assert.Contains(t, env, "JOB_COMPLETION_INDEX="+strconv.Itoa(i))
		assert.Contains(t, env, "OUT="+results, "env values are mapped too")
		assert.Contains(t, env, "IMAGE_ONLY=i", "the image's env")
		assert.Contains(t, env, "PREFIX=p", "the container's env wins over the image's")
		assert.NotContains(t, env, "PREFIX=from-image")
		// The Job controller appends JOB_COMPLETION_INDEX to the env, and
		// an env value sees only the variables before it.
		assert.Contains(t, env, "EARLY=$(JOB_COMPLETION_INDEX)")
		for _, kv := range env {
			assert.False(t, strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "GO"), "only the container's env: %s", kv)
		}
	}
}

func TestClusterMountsTheConfigMap(t *testing.T) {
	c, results := newCluster(t, jobYAML(1, "", "copy", "/etc/files/scenario.yaml", "/results/copy"))
	res := runJob(t, c)
	require.False(t, res.Failed, "%+v", res.Pods[0])
	data, err := os.ReadFile(filepath.Join(results, "copy"))
	require.NoError(t, err)
	assert.Equal(t, "stages: []\n", string(data))
}

func TestClusterBackoffLimit(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		pods  int
	}{
		{"default: six retries", "", 7},
		{"backoffLimit 1", "  backoffLimit: 1\n", 2},
		{"backoffLimit 0", "  backoffLimit: 0\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCluster(t, jobYAML(1, tt.extra, "exit", "1"))
			res := runJob(t, c)
			assert.True(t, res.Failed)
			assert.Equal(t, "BackoffLimitExceeded", res.Reason)
			assert.Len(t, res.Pods, tt.pods)
		})
	}
}

func TestClusterPodFailurePolicy(t *testing.T) {
	policy := `  backoffLimitPerIndex: 0
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes:
          containerName: main
          operator: In
          values: [2, 3]
`
	t.Run("FailJob stops the other pods", func(t *testing.T) {
		c, _ := newCluster(t, jobYAML(3, policy, "exit-if-index", "1", "3", "sleep", "20s"))
		start := time.Now()
		res := runJob(t, c)
		assert.True(t, res.Failed)
		assert.Equal(t, "PodFailurePolicy", res.Reason)
		require.Len(t, res.Pods, 3, "no retries")
		for _, pod := range res.Pods {
			want := 143 // SIGTERM
			if pod.Index == 1 {
				want = 3
			}
			assert.Equal(t, want, pod.ExitCode, pod.Name)
		}
		assert.Less(t, time.Since(start), 15*time.Second, "the sleeping pods were stopped")
	})
	t.Run("other codes fail only their index", func(t *testing.T) {
		c, _ := newCluster(t, jobYAML(3, policy, "exit-if-index", "2", "1"))
		res := runJob(t, c)
		assert.True(t, res.Failed)
		assert.Equal(t, "FailedIndexes", res.Reason)
		assert.Equal(t, []int{2}, res.FailedIndexes)
		assert.Equal(t, 2, res.SucceededCount)
		assert.Len(t, res.Pods, 3, "backoffLimitPerIndex 0: no retry")
	})
}

func TestClusterDeadline(t *testing.T) {
	c, _ := newCluster(t, jobYAML(2, "  activeDeadlineSeconds: 1\n  backoffLimitPerIndex: 0\n", "sleep", "20s"))
	res := runJob(t, c)
	assert.True(t, res.Failed)
	assert.Equal(t, "DeadlineExceeded", res.Reason)
	for _, pod := range res.Pods {
		assert.Equal(t, 143, pod.ExitCode)
	}
}

func TestClusterMissingSecretFailsThePod(t *testing.T) {
	c, _ := newCluster(t, jobYAML(1, "  backoffLimitPerIndex: 0\n", "exit", "0"))
	c.Secrets = nil
	res := runJob(t, c)
	assert.True(t, res.Failed)
	require.Len(t, res.Pods, 1)
	assert.Contains(t, res.Pods[0].Error, `CreateContainerConfigError: TOKEN needs key "token" of Secret "creds"`)
}

func TestExpand(t *testing.T) {
	env := map[string]string{"VAR_A": "A", "VAR_B": "B", "EMPTY": ""}
	tests := map[string]string{
		"$(VAR_A)":           "A",
		"___$(VAR_B)___":     "___B___",
		"$(VAR_A)-$(VAR_A)":  "A-A",
		"$$(VAR_B)_$(VAR_A)": "$(VAR_B)_A",
		"$$$(VAR_A)":         "$A",
		"$$$$$$(VAR_A)":      "$$$(VAR_A)",
		"$(VAR_DNE)":         "$(VAR_DNE)",
		"$(VAR_A":            "$(VAR_A",
		"$VAR_A":             "$VAR_A",
		"$":                  "$",
		"$$":                 "$",
		"f000-$$VAR_A":       "f000-$VAR_A",
		"$(EMPTY)x":          "x",
		"$()":                "$()",
		"no refs":            "no refs",
	}
	for in, want := range tests {
		assert.Equal(t, want, k8stest.Expand(in, env), "%q", in)
	}
}
