package k8s

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"time"
)

// Paths inside the containers.
const (
	// ResultsMount is where the results volume is mounted; a run writes
	// under ResultsMount/<run-id>/.
	ResultsMount = "/results"
	// ScenarioMount is where the scenario ConfigMap is mounted (read-only).
	ScenarioMount = "/etc/upsertbench/scenario"
)

// Container names, used by the pod failure policy and by `kubectl logs -c`.
const (
	ShardContainer    = "shard"
	ReportContainer   = "report"
	EmulatorContainer = "emulator"
)

// Defaults of a Config.
const (
	// DefaultReportDeadline bounds the report Job: merging streams the
	// results files once, seconds for an hour of results.
	DefaultReportDeadline = 30 * time.Minute
	// DefaultEmulatorPort is the emulator Service's port.
	DefaultEmulatorPort = 8080
	// DefaultUID runs every container as the distroless "nonroot" user
	// (65532), which owns nothing in the image; fsGroup gives it the
	// results volume.
	DefaultUID = 65532
)

// Label keys of every object (the Kubernetes recommended labels).
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelManagedBy = "app.kubernetes.io/managed-by"
)

// Components, the values of LabelComponent. `kubectl apply -l
// app.kubernetes.io/component!=report` applies everything but the report
// Job, which is applied once the shards are done.
const (
	ComponentScenario = "scenario"
	ComponentShards   = "shards"
	ComponentReport   = "report"
	ComponentEmulator = "emulator"
)

// Env is one environment variable of a container: a literal Value, or the
// key SecretKey of Config.Secret.
type Env struct {
	Name, Value, SecretKey string
}

// File is a scenario file carried by a ConfigMap.
type File struct {
	// Name is the file's base name, which is also its ConfigMap key and
	// its name under ScenarioMount (the scenario's default name is the
	// file name without .yaml, so it is kept).
	Name string
	Data string
}

// Resources are a container's requests; Memory is also its limit (a
// shard that outgrows it is killed, not slowed down).
type Resources struct {
	CPU, Memory string
}

// Config is one sharded run.
type Config struct {
	// RunID names every object (upsertbench-<run-id>…) and the results
	// folder /results/<run-id>/. A DNS label of at most MaxRunIDLen.
	RunID string
	// Namespace of every object; empty leaves it to kubectl -n.
	Namespace string
	// Image runs every container; its entrypoint is the upsertbench binary.
	Image string
	// Shards is N: completions and parallelism of the Indexed Job.
	Shards int
	// ShardArgs, ReportArgs and EmulatorArgs are the container arguments
	// (after the entrypoint). EmulatorArgs nil: no emulator.
	ShardArgs, ReportArgs, EmulatorArgs []string
	// ShardEnv is the shards' environment; EmulatorEnv the emulator's.
	ShardEnv, EmulatorEnv []Env
	// Secret is the name of the Secret that Env.SecretKey refers to.
	Secret string
	// Claim is the PersistentVolumeClaim mounted at ResultsMount.
	Claim string
	// Scenario is put in a ConfigMap mounted at ScenarioMount (nil: none,
	// the scenario is a built-in).
	Scenario *File
	// Deadline is the shard Job's activeDeadlineSeconds: long enough for
	// the wait until the start, the plan and the flush (see the CLI).
	Deadline time.Duration
	// ReportDeadline bounds the report Job (DefaultReportDeadline when 0).
	ReportDeadline time.Duration
	// FailJobExitCodes are the shard exit codes that fail the whole Job at
	// once (late start, configuration): retrying them cannot help.
	FailJobExitCodes []int
	// ShardResources are the shard containers' requests (empty: none).
	ShardResources Resources
	// Comment lines are written at the top of the output, each after "# ".
	Comment []string
}

// MaxRunIDLen keeps every object name ("upsertbench-<id>-emulator") and
// the pod names the Job controller derives from it within Kubernetes' 63
// characters.
const MaxRunIDLen = 40

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// ValidRunID says what is wrong with a run id, or returns nil.
func ValidRunID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty")
	case len(id) > MaxRunIDLen:
		return fmt.Errorf("%q is %d characters long, at most %d", id, len(id), MaxRunIDLen)
	case !dnsLabel.MatchString(id):
		return fmt.Errorf("%q is not a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit", id)
	}
	return nil
}

// configMapKey is what a ConfigMap accepts as a key.
var configMapKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)

// MaxConfigMapBytes is the most a ConfigMap holds.
const MaxConfigMapBytes = 1 << 20

// ValidFileName says what is wrong with a scenario file's base name as a
// ConfigMap key, or returns nil.
func ValidFileName(name string) error {
	if !configMapKey.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%q cannot be a ConfigMap key: use letters, digits, '-', '_' and '.' only", name)
	}
	return nil
}

// Names of the objects of a run.
func JobName(runID string) string       { return "upsertbench-" + runID }
func ReportJobName(runID string) string { return "upsertbench-" + runID + "-report" }
func EmulatorName(runID string) string  { return "upsertbench-" + runID + "-emulator" }
func ConfigMapName(runID string) string { return "upsertbench-" + runID + "-scenario" }

// RunDir is the run's results folder inside the containers.
func RunDir(runID string) string { return path.Join(ResultsMount, runID) }

// ReportDir is where the report Job writes the merged report.
func ReportDir(runID string) string { return path.Join(RunDir(runID), "report") }

// ScenarioPath is a scenario file's path inside the containers.
func ScenarioPath(f File) string { return path.Join(ScenarioMount, f.Name) }

// EmulatorURL is the in-cluster base URL of the run's emulator Service.
func EmulatorURL(runID string) string {
	return fmt.Sprintf("http://%s:%d", EmulatorName(runID), DefaultEmulatorPort)
}

// validate checks what the renderer relies on; the CLI checks flags first
// and says how to fix them, so these are programming errors.
func (c Config) validate() error {
	if err := ValidRunID(c.RunID); err != nil {
		return fmt.Errorf("k8s: run id: %w", err)
	}
	if c.Namespace != "" && !dnsLabel.MatchString(c.Namespace) {
		return fmt.Errorf("k8s: namespace %q is not a DNS label", c.Namespace)
	}
	switch {
	case c.Image == "":
		return fmt.Errorf("k8s: no image")
	case c.Shards < 1:
		return fmt.Errorf("k8s: %d shards", c.Shards)
	case len(c.ShardArgs) == 0 || len(c.ReportArgs) == 0:
		return fmt.Errorf("k8s: no shard or report arguments")
	case c.Claim == "" || !dnsSubdomain(c.Claim):
		return fmt.Errorf("k8s: claim %q is not a valid PersistentVolumeClaim name", c.Claim)
	case c.Deadline < time.Second:
		return fmt.Errorf("k8s: deadline %s is under a second", c.Deadline)
	}
	for _, env := range slices.Concat(c.ShardEnv, c.EmulatorEnv) {
		if env.SecretKey != "" && (c.Secret == "" || !dnsSubdomain(c.Secret)) {
			return fmt.Errorf("k8s: %s comes from a Secret, but the Secret name %q is not valid", env.Name, c.Secret)
		}
	}
	if c.Scenario != nil {
		if err := ValidFileName(c.Scenario.Name); err != nil {
			return fmt.Errorf("k8s: scenario file: %w", err)
		}
		if len(c.Scenario.Data) > MaxConfigMapBytes {
			return fmt.Errorf("k8s: scenario file %s is %d bytes, over a ConfigMap's %d", c.Scenario.Name, len(c.Scenario.Data), MaxConfigMapBytes)
		}
	}
	for _, code := range c.FailJobExitCodes {
		if code < 1 || code > 255 {
			return fmt.Errorf("k8s: exit code %d out of 1–255", code)
		}
	}
	return nil
}

var dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// dnsSubdomain is Kubernetes' rule for most object names.
func dnsSubdomain(s string) bool { return len(s) <= 253 && dnsSubdomainRE.MatchString(s) }

// ValidName says whether s may name a Secret or a PersistentVolumeClaim.
func ValidName(s string) bool { return dnsSubdomain(s) }
