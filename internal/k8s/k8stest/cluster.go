package k8stest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Cluster is a local stand-in for a Kubernetes cluster: it runs the pods
// of Jobs (and of Deployments, for a target) as processes of one binary,
// the image's entrypoint, the way the Job controller and the kubelet would:
//
//   - an Indexed Job runs one process per completion index, parallelism at
//     a time, each with JOB_COMPLETION_INDEX set;
//   - each container's env is built as the kubelet builds it: literal
//     values (with $(VAR) references to earlier variables expanded),
//     Secret keys from Secrets (a missing Secret or key fails the pod, as
//     CreateContainerConfigError does), the completion index from the
//     downward API; args get $(VAR) expanded from that env;
//   - volumes: a PersistentVolumeClaim is a host folder (Claims), a
//     ConfigMap is written to a read-only temporary folder; a mount path
//     at the start of an argument or env value is replaced by its host
//     folder, since the processes share the host's file system;
//   - Services: each gets a free loopback port; "<service>:<port>" in env
//     values and args becomes that address, and the Deployment behind it
//     listens there (its "0.0.0.0:<containerPort>" argument is mapped);
//   - failures: no retry beyond backoffLimit (6 when unset) or
//     backoffLimitPerIndex; a pod failure policy rule on exit codes fails
//     the Job at once (FailJob), fails the index (FailIndex) or is not
//     counted (Ignore); activeDeadlineSeconds ends the Job. Ending a Job
//     sends SIGTERM to its running pods and SIGKILL after their grace.
//
// Processes get only the env the image sets (ImageEnv), the env their
// container declares (which wins, as in a cluster) and HOME, and run in an
// empty working folder of their own.
type Cluster struct {
	// Entrypoint is the image's entrypoint: the binary every container runs.
	Entrypoint string
	// ImageEnv is the env the image sets ("KEY=value", its ENV lines):
	// every container gets it, unless its own env sets the same name.
	ImageEnv []string
	// Secrets are the Secrets that exist, by name: key → value.
	Secrets map[string]map[string]string
	// Claims maps a PersistentVolumeClaim's name to a host folder.
	Claims map[string]string
	// Dir holds the ConfigMap and working folders (a test's TempDir).
	Dir string
	// MaxGrace caps terminationGracePeriodSeconds (0: 30 s, the default).
	MaxGrace time.Duration

	mu        sync.Mutex
	manifests *Manifests
	services  map[string]string // "<name>:<port>" → "127.0.0.1:<port>"
	servers   []*exec.Cmd
}

// Pod is one finished pod of a Job.
type Pod struct {
	Name  string
	Index int // completion index, -1 for a non-indexed Job
	// Args and Env are what the process got (after expansion and mapping).
	Args []string
	Env  []string
	// ExitCode is the process's exit code, 128+N when signal N ended it
	// (as a container runtime reports it), -1 when it could not start
	// (Error says why).
	ExitCode       int
	Error          string
	Stdout, Stderr string
	Started, Ended time.Time
}

// JobResult is how a Job ended.
type JobResult struct {
	Pods []*Pod
	// Failed is the Job's Failed condition; Reason is Kubernetes' reason:
	// PodFailurePolicy, DeadlineExceeded, BackoffLimitExceeded or
	// FailedIndexes.
	Failed         bool
	Reason         string
	FailedIndexes  []int
	SucceededCount int
}

// Load makes the objects of m known: its ConfigMaps are written out and
// its Services get addresses. Call it before RunJob and StartDeployment.
func (c *Cluster) Load(m *Manifests) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.manifests = m
	c.services = map[string]string{}
	for _, svc := range m.Services {
		for _, p := range svc.Spec.Ports {
			port, err := freePort()
			if err != nil {
				return err
			}
			c.services[fmt.Sprintf("%s:%d", svc.Name, p.Port)] = "127.0.0.1:" + strconv.Itoa(port)
		}
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Close stops the Deployments' processes.
func (c *Cluster) Close() {
	c.mu.Lock()
	servers := c.servers
	c.servers = nil
	c.mu.Unlock()
	for _, cmd := range servers {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

// podSetup is a pod ready to start.
type podSetup struct {
	args []string
	env  []string
	dir  string
}

// setup builds the process of the first container of spec.
func (c *Cluster) setup(name string, spec corev1.PodSpec, index int, podDir string) (podSetup, error) {
	if len(spec.Containers) != 1 {
		return podSetup{}, fmt.Errorf("pod %s: the stand-in runs pods of one container, not %d", name, len(spec.Containers))
	}
	if len(spec.InitContainers) > 0 {
		return podSetup{}, fmt.Errorf("pod %s: init containers are not supported", name)
	}
	ctr := spec.Containers[0]
	if len(ctr.Command) > 0 {
		return podSetup{}, fmt.Errorf("pod %s: command overrides the entrypoint; the stand-in runs the entrypoint with args", name)
	}
	mounts, err := c.mounts(name, spec, ctr)
	if err != nil {
		return podSetup{}, err
	}
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			set(e.Name, c.mapValue(Expand(e.Value, env), mounts))
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := c.Secrets[ref.Name][ref.Key]
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return podSetup{}, fmt.Errorf("pod %s: CreateContainerConfigError: %s needs key %q of Secret %q, which does not exist", name, e.Name, ref.Key, ref.Name)
			}
			set(e.Name, v)
		case e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']" && index >= 0:
			set(e.Name, strconv.Itoa(index))
		default:
			return podSetup{}, fmt.Errorf("pod %s: env %s: this source is not supported by the stand-in", name, e.Name)
		}
	}
	if index >= 0 {
		// The Job controller adds it to every container of an Indexed Job.
		if _, ok := env["JOB_COMPLETION_INDEX"]; !ok {
			set("JOB_COMPLETION_INDEX", strconv.Itoa(index))
		}
	}
	ps := podSetup{dir: podDir}
	// The image's env is not a source of $(VAR) expansion (the kubelet
	// does not know it); the container's own env wins over it.
	for _, kv := range c.ImageEnv {
		if k, _, _ := strings.Cut(kv, "="); !hasKey(env, k) {
			ps.env = append(ps.env, kv)
		}
	}
	for _, a := range ctr.Args {
		ps.args = append(ps.args, c.mapValue(Expand(a, env), mounts))
	}
	for _, k := range order {
		ps.env = append(ps.env, k+"="+env[k])
	}
	ps.env = append(ps.env, "HOME="+podDir)
	return ps, nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// mount is a container path and the host folder behind it.
type mount struct{ path, host string }

func (c *Cluster) mounts(pod string, spec corev1.PodSpec, ctr corev1.Container) ([]mount, error) {
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
	}
	var out []mount
	for _, vm := range ctr.VolumeMounts {
		v, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("pod %s: mount %s names no volume", pod, vm.Name)
		}
		switch {
		case v.PersistentVolumeClaim != nil:
			host, ok := c.Claims[v.PersistentVolumeClaim.ClaimName]
			if !ok {
				return nil, fmt.Errorf("pod %s: PersistentVolumeClaim %q does not exist (the pod would stay Pending)", pod, v.PersistentVolumeClaim.ClaimName)
			}
			out = append(out, mount{vm.MountPath, host})
		case v.ConfigMap != nil:
			host, err := c.configMapDir(v.ConfigMap.Name)
			if err != nil {
				return nil, fmt.Errorf("pod %s: %w", pod, err)
			}
			out = append(out, mount{vm.MountPath, host})
		default:
			return nil, fmt.Errorf("pod %s: volume %s: only PersistentVolumeClaims and ConfigMaps are supported", pod, vm.Name)
		}
	}
	// Longest first, so /a/b wins over /a.
	sort.Slice(out, func(i, j int) bool { return len(out[i].path) > len(out[j].path) })
	return out, nil
}

func (c *Cluster) configMapDir(name string) (string, error) {
	cm := c.manifests.ConfigMap(name)
	if cm == nil {
		return "", fmt.Errorf("ConfigMap %q does not exist", name)
	}
	dir := filepath.Join(c.Dir, "configmap-"+name)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for k, v := range cm.Data {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o444); err != nil {
			return "", err
		}
	}
	return dir, os.Chmod(dir, 0o555)
}

// mapValue maps a mount path at the start of s (or after "--flag=") to
// its host folder, and a Service address anywhere in s to its loopback
// address.
func (c *Cluster) mapValue(s string, mounts []mount) string {
	prefix, rest := "", s
	if strings.HasPrefix(s, "-") {
		if i := strings.IndexByte(s, '='); i > 0 {
			prefix, rest = s[:i+1], s[i+1:]
		}
	}
	for _, m := range mounts {
		if rest == m.path || strings.HasPrefix(rest, m.path+"/") {
			rest = m.host + rest[len(m.path):]
			break
		}
	}
	s = prefix + rest
	for svc, addr := range c.services {
		s = strings.ReplaceAll(s, "//"+svc, "//"+addr)
	}
	return s
}

// grace is the pod's termination grace period, capped by MaxGrace.
func (c *Cluster) grace(spec corev1.PodSpec) time.Duration {
	g := 30 * time.Second
	if spec.TerminationGracePeriodSeconds != nil {
		g = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	}
	if c.MaxGrace > 0 && g > c.MaxGrace {
		g = c.MaxGrace
	}
	return g
}

// RunJob runs the Job of that name until it completes or fails, or ctx
// ends (then its pods are stopped and ctx's error returned). Errors are
// for Jobs the stand-in cannot run; a Job that fails is a JobResult.
func (c *Cluster) RunJob(ctx context.Context, name string) (*JobResult, error) {
	c.mu.Lock()
	m := c.manifests
	c.mu.Unlock()
	if m == nil {
		return nil, errors.New("no manifests: call Load first")
	}
	job := m.Job(name)
	if job == nil {
		return nil, fmt.Errorf("no Job %q", name)
	}
	spec := job.Spec
	tmpl := spec.Template.Spec
	if tmpl.RestartPolicy != corev1.RestartPolicyNever {
		return nil, fmt.Errorf("Job %s: restartPolicy %q: the stand-in runs Never only", name, tmpl.RestartPolicy)
	}
	completions, parallelism := 1, 1
	if spec.Completions != nil {
		completions = int(*spec.Completions)
	}
	if spec.Parallelism != nil {
		parallelism = int(*spec.Parallelism)
	}
	indexed := spec.CompletionMode != nil && *spec.CompletionMode == batchv1.IndexedCompletion
	if !indexed && completions != 1 {
		return nil, fmt.Errorf("Job %s: the stand-in runs non-indexed Jobs of one completion only", name)
	}
	retries := 6 // Kubernetes' default backoffLimit
	perIndex := spec.BackoffLimitPerIndex != nil
	switch {
	case perIndex:
		retries = int(*spec.BackoffLimitPerIndex)
	case spec.BackoffLimit != nil:
		retries = int(*spec.BackoffLimit)
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if spec.ActiveDeadlineSeconds != nil {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeoutCause(runCtx, time.Duration(*spec.ActiveDeadlineSeconds)*time.Second, errDeadline)
		defer stop()
	}

	res := &JobResult{}
	var mu sync.Mutex
	failJob := func(reason string) {
		mu.Lock()
		if !res.Failed {
			res.Failed, res.Reason = true, reason
		}
		mu.Unlock()
		cancel(errFailJob)
	}
	sem := make(chan struct{}, max(parallelism, 1))
	var wg sync.WaitGroup
	for i := 0; i < completions; i++ {
		index := -1
		if indexed {
			index = i
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-runCtx.Done():
				return
			}
			defer func() { <-sem }()
			failures := 0
			for attempt := 0; ; attempt++ {
				if runCtx.Err() != nil {
					return
				}
				podName := fmt.Sprintf("%s-%d", name, attempt)
				if indexed {
					podName = fmt.Sprintf("%s-%d-%d", name, index, attempt)
				}
				pod := c.runPod(runCtx, podName, index, tmpl)
				mu.Lock()
				res.Pods = append(res.Pods, pod)
				mu.Unlock()
				if pod.ExitCode == 0 {
					mu.Lock()
					res.SucceededCount++
					mu.Unlock()
					return
				}
				if runCtx.Err() != nil {
					return // stopped by the Job, not a failure of its own
				}
				switch action := podFailureAction(spec.PodFailurePolicy, tmpl.Containers[0].Name, pod.ExitCode); action {
				case batchv1.PodFailurePolicyActionFailJob:
					failJob("PodFailurePolicy")
					return
				case batchv1.PodFailurePolicyActionFailIndex:
					failures = retries + 1
				case batchv1.PodFailurePolicyActionIgnore:
					continue
				default:
					failures++
				}
				if failures > retries {
					mu.Lock()
					res.FailedIndexes = append(res.FailedIndexes, index)
					mu.Unlock()
					if !perIndex {
						failJob("BackoffLimitExceeded")
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	if errors.Is(context.Cause(runCtx), errDeadline) && !res.Failed {
		res.Failed, res.Reason = true, "DeadlineExceeded"
	}
	if !res.Failed && ctx.Err() != nil {
		return res, ctx.Err()
	}
	if !res.Failed && len(res.FailedIndexes) > 0 {
		res.Failed, res.Reason = true, "FailedIndexes"
	}
	slices.Sort(res.FailedIndexes)
	sort.Slice(res.Pods, func(i, j int) bool { return res.Pods[i].Name < res.Pods[j].Name })
	return res, nil
}

var (
	errDeadline = errors.New("activeDeadlineSeconds exceeded")
	errFailJob  = errors.New("the Job failed")
)

// podFailureAction is the action of the first rule matching the exit
// code, "" when none does (the failure counts against the backoff limit).
func podFailureAction(p *batchv1.PodFailurePolicy, container string, code int) batchv1.PodFailurePolicyAction {
	if p == nil || code <= 0 {
		return ""
	}
	for _, r := range p.Rules {
		oc := r.OnExitCodes
		if oc == nil || (oc.ContainerName != nil && *oc.ContainerName != container) {
			continue
		}
		in := slices.Contains(oc.Values, int32(code))
		if (oc.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) == in {
			return r.Action
		}
	}
	return ""
}

// runPod runs one pod to its end. Cancelling ctx terminates it: SIGTERM,
// then SIGKILL after its grace period.
func (c *Cluster) runPod(ctx context.Context, name string, index int, spec corev1.PodSpec) *Pod {
	pod := &Pod{Name: name, Index: index, ExitCode: -1, Started: time.Now()}
	defer func() { pod.Ended = time.Now() }()
	dir := filepath.Join(c.Dir, "pod-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		pod.Error = err.Error()
		return pod
	}
	ps, err := c.setup(name, spec, index, dir)
	if err != nil {
		pod.Error = err.Error()
		return pod
	}
	pod.Args, pod.Env = ps.args, ps.env
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(c.Entrypoint, ps.args...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = ps.env, dir, &stdout, &stderr
	if err := cmd.Start(); err != nil {
		pod.Error = err.Error()
		return pod
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-ctx.Done():
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case werr = <-done:
		case <-time.After(c.grace(spec)):
			_ = cmd.Process.Kill()
			werr = <-done
		}
	}
	pod.Stdout, pod.Stderr = stdout.String(), stderr.String()
	pod.ExitCode = exitCode(cmd.ProcessState)
	if werr != nil && pod.ExitCode < 0 {
		pod.Error = werr.Error()
	}
	return pod
}

// exitCode is what a container runtime reports: the exit status, or 128
// plus the signal that ended the process.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// StartDeployment starts the one replica of a Deployment behind a
// Service and returns once its readiness probe passes (or ctx ends). Its
// "0.0.0.0:<port>" argument listens on the Service's loopback address
// instead. Close stops it.
func (c *Cluster) StartDeployment(ctx context.Context, name string) (addr string, err error) {
	c.mu.Lock()
	m := c.manifests
	c.mu.Unlock()
	if m == nil {
		return "", errors.New("no manifests: call Load first")
	}
	dep := m.Deployment(name)
	if dep == nil {
		return "", fmt.Errorf("no Deployment %q", name)
	}
	if dep.Spec.Replicas != nil && *dep.Spec.Replicas != 1 {
		return "", fmt.Errorf("Deployment %s: the stand-in runs one replica", name)
	}
	svc, port, err := c.serviceFor(m, dep)
	if err != nil {
		return "", err
	}
	addr = c.services[fmt.Sprintf("%s:%d", svc.Name, port.Port)]
	spec := dep.Spec.Template.Spec
	dir := filepath.Join(c.Dir, "pod-"+name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ps, err := c.setup(name, spec, -1, dir)
	if err != nil {
		return "", err
	}
	ctr := spec.Containers[0]
	for i, a := range ps.args {
		for _, cp := range ctr.Ports {
			if a == fmt.Sprintf("0.0.0.0:%d", cp.ContainerPort) {
				ps.args[i] = addr
			}
		}
	}
	cmd := exec.Command(c.Entrypoint, ps.args...)
	cmd.Env, cmd.Dir = ps.env, dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.servers = append(c.servers, cmd)
	c.mu.Unlock()

	probe := "/"
	if rp := ctr.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		probe = rp.HTTPGet.Path
	}
	for {
		resp, err := http.Get("http://" + addr + probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 400 {
				return addr, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("Deployment %s never became ready: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// serviceFor finds the Service whose selector matches the Deployment's
// pods, and its port whose targetPort names a container port.
func (c *Cluster) serviceFor(m *Manifests, dep *appsv1.Deployment) (corev1.Service, corev1.ServicePort, error) {
	labels := dep.Spec.Template.Labels
	for _, svc := range m.Services {
		match := len(svc.Spec.Selector) > 0
		for k, v := range svc.Spec.Selector {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		for _, p := range svc.Spec.Ports {
			for _, cp := range dep.Spec.Template.Spec.Containers[0].Ports {
				if p.TargetPort.StrVal == cp.Name || int(p.TargetPort.IntVal) == int(cp.ContainerPort) {
					return svc, p, nil
				}
			}
		}
	}
	return corev1.Service{}, corev1.ServicePort{}, fmt.Errorf("no Service selects Deployment %s's pods on a port they expose", dep.Name)
}
