package k8s

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// The structs below mirror the subset of the Kubernetes API the manifests
// use, with the API's field names; the tests decode the output strictly
// into k8s.io/api types, so a wrong name or type fails there.

type meta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type configMap struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   meta              `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

type job struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Metadata   meta    `yaml:"metadata"`
	Spec       jobSpec `yaml:"spec"`
}

type jobSpec struct {
	CompletionMode        string            `yaml:"completionMode,omitempty"`
	Completions           *int              `yaml:"completions,omitempty"`
	Parallelism           *int              `yaml:"parallelism,omitempty"`
	BackoffLimit          *int              `yaml:"backoffLimit,omitempty"`
	BackoffLimitPerIndex  *int              `yaml:"backoffLimitPerIndex,omitempty"`
	ActiveDeadlineSeconds int64             `yaml:"activeDeadlineSeconds"`
	PodFailurePolicy      *podFailurePolicy `yaml:"podFailurePolicy,omitempty"`
	Template              podTemplate       `yaml:"template"`
}

type podFailurePolicy struct {
	Rules []podFailurePolicyRule `yaml:"rules"`
}

type podFailurePolicyRule struct {
	Action      string      `yaml:"action"`
	OnExitCodes onExitCodes `yaml:"onExitCodes"`
}

type onExitCodes struct {
	ContainerName string `yaml:"containerName"`
	Operator      string `yaml:"operator"`
	Values        []int  `yaml:"values"`
}

type podTemplate struct {
	Metadata templateMeta `yaml:"metadata"`
	Spec     podSpec      `yaml:"spec"`
}

type templateMeta struct {
	Labels map[string]string `yaml:"labels"`
}

type podSpec struct {
	RestartPolicy                 string                     `yaml:"restartPolicy,omitempty"`
	AutomountServiceAccountToken  bool                       `yaml:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds *int                       `yaml:"terminationGracePeriodSeconds,omitempty"`
	SecurityContext               podSecurityContext         `yaml:"securityContext"`
	TopologySpreadConstraints     []topologySpreadConstraint `yaml:"topologySpreadConstraints,omitempty"`
	Containers                    []container                `yaml:"containers"`
	Volumes                       []volume                   `yaml:"volumes,omitempty"`
}

type podSecurityContext struct {
	RunAsNonRoot   bool           `yaml:"runAsNonRoot"`
	RunAsUser      int            `yaml:"runAsUser"`
	RunAsGroup     int            `yaml:"runAsGroup"`
	FSGroup        int            `yaml:"fsGroup"`
	SeccompProfile seccompProfile `yaml:"seccompProfile"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type topologySpreadConstraint struct {
	MaxSkew           int           `yaml:"maxSkew"`
	TopologyKey       string        `yaml:"topologyKey"`
	WhenUnsatisfiable string        `yaml:"whenUnsatisfiable"`
	LabelSelector     labelSelector `yaml:"labelSelector"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type container struct {
	Name            string                   `yaml:"name"`
	Image           string                   `yaml:"image"`
	Args            []string                 `yaml:"args"`
	Env             []envVar                 `yaml:"env,omitempty"`
	Ports           []containerPort          `yaml:"ports,omitempty"`
	Resources       *resources               `yaml:"resources,omitempty"`
	VolumeMounts    []volumeMount            `yaml:"volumeMounts,omitempty"`
	ReadinessProbe  *probe                   `yaml:"readinessProbe,omitempty"`
	SecurityContext containerSecurityContext `yaml:"securityContext"`
}

type envVar struct {
	Name      string        `yaml:"name"`
	Value     string        `yaml:"value,omitempty"`
	ValueFrom *envVarSource `yaml:"valueFrom,omitempty"`
}

type envVarSource struct {
	SecretKeyRef keySelector `yaml:"secretKeyRef"`
}

type keySelector struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

type resources struct {
	Requests map[string]string `yaml:"requests,omitempty"`
	Limits   map[string]string `yaml:"limits,omitempty"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type probe struct {
	HTTPGet       httpGetAction `yaml:"httpGet"`
	PeriodSeconds int           `yaml:"periodSeconds"`
}

type httpGetAction struct {
	Path string `yaml:"path"`
	Port string `yaml:"port"`
}

type containerSecurityContext struct {
	AllowPrivilegeEscalation bool         `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   bool         `yaml:"readOnlyRootFilesystem"`
	Capabilities             capabilities `yaml:"capabilities"`
}

type capabilities struct {
	Drop []string `yaml:"drop"`
}

type volume struct {
	Name                  string          `yaml:"name"`
	PersistentVolumeClaim *claimSource    `yaml:"persistentVolumeClaim,omitempty"`
	ConfigMap             *configMapMount `yaml:"configMap,omitempty"`
}

type claimSource struct {
	ClaimName string `yaml:"claimName"`
}

type configMapMount struct {
	Name string `yaml:"name"`
}

type deployment struct {
	APIVersion string         `yaml:"apiVersion"`
	Kind       string         `yaml:"kind"`
	Metadata   meta           `yaml:"metadata"`
	Spec       deploymentSpec `yaml:"spec"`
}

type deploymentSpec struct {
	Replicas int           `yaml:"replicas"`
	Selector labelSelector `yaml:"selector"`
	Template podTemplate   `yaml:"template"`
}

type service struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   meta        `yaml:"metadata"`
	Spec       serviceSpec `yaml:"spec"`
}

type serviceSpec struct {
	Selector map[string]string `yaml:"selector"`
	Ports    []servicePort     `yaml:"ports"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort string `yaml:"targetPort"`
	Protocol   string `yaml:"protocol"`
}

// Volume names.
const (
	volumeResults  = "results"
	volumeScenario = "scenario"
)

// Render writes the manifests of cfg as one multi-document YAML stream:
// the scenario ConfigMap (when there is a scenario file), the emulator
// Deployment and Service (when asked for), the shard Job and the report
// Job, in the order they are applied.
func Render(w io.Writer, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	var docs []any
	if cfg.Scenario != nil {
		docs = append(docs, configMap{
			APIVersion: "v1", Kind: "ConfigMap",
			Metadata: cfg.meta(ConfigMapName(cfg.RunID), ComponentScenario),
			Data:     map[string]string{cfg.Scenario.Name: cfg.Scenario.Data},
		})
	}
	if cfg.EmulatorArgs != nil {
		docs = append(docs, cfg.emulatorDeployment(), cfg.emulatorService())
	}
	docs = append(docs, cfg.shardJob(), cfg.reportJob())

	var buf bytes.Buffer
	for _, line := range cfg.Comment {
		buf.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	for _, d := range docs {
		out, err := yaml.MarshalWithOptions(d, yaml.Indent(2), yaml.IndentSequence(true), yaml.UseLiteralStyleIfMultiline(true))
		if err != nil {
			return fmt.Errorf("k8s: render: %w", err)
		}
		buf.WriteString("---\n")
		buf.Write(out)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func (c Config) labels(component string) map[string]string {
	return map[string]string{
		LabelName:      "upsertbench",
		LabelInstance:  c.RunID,
		LabelComponent: component,
		LabelManagedBy: "upsertbench",
	}
}

func (c Config) meta(name, component string) meta {
	return meta{Name: name, Namespace: c.Namespace, Labels: c.labels(component)}
}

func ptr[T any](v T) *T { return &v }

// podSpec is what every pod of the run shares: non-root, no service
// account token (the pods never talk to the API server), no privilege.
func (c Config) podSpec(restart string, containers ...container) podSpec {
	return podSpec{
		RestartPolicy:                restart,
		AutomountServiceAccountToken: false,
		SecurityContext: podSecurityContext{
			RunAsNonRoot: true, RunAsUser: DefaultUID, RunAsGroup: DefaultUID, FSGroup: DefaultUID,
			SeccompProfile: seccompProfile{Type: "RuntimeDefault"},
		},
		Containers: containers,
	}
}

func (c Config) container(name string, args []string, env []Env) container {
	return container{
		Name: name, Image: c.Image, Args: slices.Clone(args), Env: c.env(env),
		SecurityContext: containerSecurityContext{
			AllowPrivilegeEscalation: false,
			ReadOnlyRootFilesystem:   true,
			Capabilities:             capabilities{Drop: []string{"ALL"}},
		},
	}
}

func (c Config) env(vars []Env) []envVar {
	var out []envVar
	for _, v := range vars {
		e := envVar{Name: v.Name, Value: v.Value}
		if v.SecretKey != "" {
			e.Value = ""
			e.ValueFrom = &envVarSource{SecretKeyRef: keySelector{Name: c.Secret, Key: v.SecretKey}}
		}
		out = append(out, e)
	}
	return out
}

// volumes are the results claim and, when there is one, the scenario
// ConfigMap, with their mounts.
func (c Config) volumes() ([]volume, []volumeMount) {
	vols := []volume{{Name: volumeResults, PersistentVolumeClaim: &claimSource{ClaimName: c.Claim}}}
	mounts := []volumeMount{{Name: volumeResults, MountPath: ResultsMount}}
	if c.Scenario != nil {
		vols = append(vols, volume{Name: volumeScenario, ConfigMap: &configMapMount{Name: ConfigMapName(c.RunID)}})
		mounts = append(mounts, volumeMount{Name: volumeScenario, MountPath: ScenarioMount, ReadOnly: true})
	}
	return vols, mounts
}

// shardJob is the Indexed Job: pod k runs shard k+1 of N. No index is
// retried (a retried shard starts late and skews the run, or re-sends its
// share); the late-start and configuration exit codes fail the whole Job
// at once; other failures fail only their index, so the other shards'
// results stay whole and the report names the missing one.
func (c Config) shardJob() job {
	ctr := c.container(ShardContainer, c.ShardArgs, c.ShardEnv)
	vols, mounts := c.volumes()
	ctr.VolumeMounts = mounts
	if r := c.ShardResources; r.CPU != "" || r.Memory != "" {
		ctr.Resources = &resources{Requests: map[string]string{}}
		if r.CPU != "" {
			ctr.Resources.Requests["cpu"] = r.CPU
		}
		if r.Memory != "" {
			ctr.Resources.Requests["memory"] = r.Memory
			ctr.Resources.Limits = map[string]string{"memory": r.Memory}
		}
	}
	spec := c.podSpec("Never", ctr)
	spec.Volumes = vols
	// Shards on one node compete for its CPU and network: spread them.
	spec.TopologySpreadConstraints = []topologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: "ScheduleAnyway",
		LabelSelector: labelSelector{MatchLabels: map[string]string{LabelInstance: c.RunID, LabelComponent: ComponentShards}},
	}}
	js := jobSpec{
		CompletionMode:        "Indexed",
		Completions:           ptr(c.Shards),
		Parallelism:           ptr(c.Shards),
		BackoffLimitPerIndex:  ptr(0),
		ActiveDeadlineSeconds: seconds(c.Deadline),
		Template:              podTemplate{Metadata: templateMeta{Labels: c.labels(ComponentShards)}, Spec: spec},
	}
	if len(c.FailJobExitCodes) > 0 {
		codes := slices.Clone(c.FailJobExitCodes)
		slices.Sort(codes)
		js.PodFailurePolicy = &podFailurePolicy{Rules: []podFailurePolicyRule{{
			Action:      "FailJob",
			OnExitCodes: onExitCodes{ContainerName: ShardContainer, Operator: "In", Values: slices.Compact(codes)},
		}}}
	}
	return job{APIVersion: "batch/v1", Kind: "Job", Metadata: c.meta(JobName(c.RunID), ComponentShards), Spec: js}
}

// reportJob merges the shards' folders and judges the run once. Its
// verdict is its exit code and its logs are the text report.
func (c Config) reportJob() job {
	ctr := c.container(ReportContainer, c.ReportArgs, nil)
	// The report reads the scenario from the shards' summaries.
	vols, mounts := c.volumes()
	ctr.VolumeMounts = mounts[:1]
	spec := c.podSpec("Never", ctr)
	spec.Volumes = vols[:1]
	deadline := c.ReportDeadline
	if deadline <= 0 {
		deadline = DefaultReportDeadline
	}
	return job{
		APIVersion: "batch/v1", Kind: "Job", Metadata: c.meta(ReportJobName(c.RunID), ComponentReport),
		Spec: jobSpec{
			BackoffLimit:          ptr(0), // a verdict is not retried
			ActiveDeadlineSeconds: seconds(deadline),
			Template:              podTemplate{Metadata: templateMeta{Labels: c.labels(ComponentReport)}, Spec: spec},
		},
	}
}

func (c Config) emulatorDeployment() deployment {
	ctr := c.container(EmulatorContainer, c.EmulatorArgs, c.EmulatorEnv)
	ctr.Ports = []containerPort{{Name: "http", ContainerPort: DefaultEmulatorPort, Protocol: "TCP"}}
	// The stats page needs no token and answers once the server listens.
	ctr.ReadinessProbe = &probe{HTTPGet: httpGetAction{Path: "/__emulator/stats", Port: "http"}, PeriodSeconds: 2}
	var vols []volume
	if c.Scenario != nil {
		// The scenario's emulator section configures it; no results here.
		all, mounts := c.volumes()
		vols, ctr.VolumeMounts = all[1:], mounts[1:]
	}
	spec := c.podSpec("Always", ctr)
	spec.Volumes = vols
	labels := c.labels(ComponentEmulator)
	return deployment{
		APIVersion: "apps/v1", Kind: "Deployment", Metadata: c.meta(EmulatorName(c.RunID), ComponentEmulator),
		Spec: deploymentSpec{
			// One replica: the emulator's store and rate limits are in
			// memory, shared by every shard only if there is one.
			Replicas: 1,
			Selector: labelSelector{MatchLabels: map[string]string{LabelInstance: c.RunID, LabelComponent: ComponentEmulator}},
			Template: podTemplate{Metadata: templateMeta{Labels: labels}, Spec: spec},
		},
	}
}

func (c Config) emulatorService() service {
	return service{
		APIVersion: "v1", Kind: "Service", Metadata: c.meta(EmulatorName(c.RunID), ComponentEmulator),
		Spec: serviceSpec{
			Selector: map[string]string{LabelInstance: c.RunID, LabelComponent: ComponentEmulator},
			Ports:    []servicePort{{Name: "http", Port: DefaultEmulatorPort, TargetPort: "http", Protocol: "TCP"}},
		},
	}
}

// seconds rounds up: a deadline is never shorter than asked.
func seconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
