package main

import (
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/hubspot"
	"github.com/upsertbench/upsertbench/internal/k8s"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/internal/target"
	"github.com/upsertbench/upsertbench/load"
	"github.com/upsertbench/upsertbench/scenarios"
)

func init() {
	register(command{
		name:    "k8s",
		summary: "print the Kubernetes manifests of a sharded load run (Indexed Job, report Job, optional emulator)",
		run:     runK8s,
	})
}

// Defaults of the k8s command.
const (
	defaultK8sSecret = "upsertbench"
	defaultK8sClaim  = "upsertbench-results"
	// The keys of the Secret: the target's base URL and its token.
	secretKeyTarget = "target"
	secretKeyToken  = "token"
	// k8sDeadlineMargin is added to the shard Job's deadline after the
	// wait, the plan, one request timeout and the stop grace: the final
	// flush and read-back. A hung shard is stopped by it, a working one
	// never.
	k8sDeadlineMargin = 2 * time.Minute
)

// k8sOptions are the parsed flags of k8s.
type k8sOptions struct {
	load                                   loadOptions
	shards                                 int
	runID, image, startAt, namespace, tier string
	claim, secret, cpu, memory             string
	startIn, maxStartLag, maxSkew          time.Duration
	withEmulator                           bool
}

func runK8s(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("k8s")
	var o k8sOptions
	fs.StringVar(&o.load.scenario, "scenario", defaultLoadScenario, "a built-in scenario name or a YAML file (a file travels in a ConfigMap)")
	fs.IntVar(&o.shards, "shards", 0, "number of shards N: pods of the Indexed Job, each sending 1/N of the rate (required)")
	fs.StringVar(&o.runID, "run-id", "", "names the objects (upsertbench-<run-id>…) and the results folder /results/<run-id>/ (required; a DNS label)")
	fs.StringVar(&o.image, "image", "", "container image whose entrypoint is upsertbench, e.g. ghcr.io/OWNER/upsertbench:v1.2.0 (required)")
	fs.StringVar(&o.startAt, "start-at", "", "the instant every shard starts, RFC 3339 (e.g. 2026-12-01T03:00:00Z); or --start-in")
	fs.DurationVar(&o.startIn, "start-in", 0, "start this long after now (e.g. 2m): time enough to schedule the pods and pull the image")
	fs.DurationVar(&o.maxStartLag, "max-start-lag", load.DefaultMaxStartLag, "a shard starting later than this after --start-at sends nothing and exits "+strconv.Itoa(exitLateStart))
	fs.DurationVar(&o.maxSkew, "max-skew", results.DefaultMaxSkew, "the report fails when the shards' starts are further apart than this")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of every object (default: kubectl's)")
	fs.StringVar(&o.claim, "claim", defaultK8sClaim, "PersistentVolumeClaim mounted at /results in every pod (ReadWriteMany when the shards may land on different nodes)")
	fs.StringVar(&o.secret, "secret", defaultK8sSecret, "Secret holding the keys "+secretKeyTarget+" (base URL) and "+secretKeyToken+"; they reach the pods as $"+target.EnvTarget+" and $"+target.EnvToken)
	fs.BoolVar(&o.withEmulator, "with-emulator", false, "add an emulator Deployment and Service (configured by the scenario) as the target; the Secret then needs only "+secretKeyToken)
	fs.StringVar(&o.cpu, "cpu", "", "CPU request of each shard, e.g. 1 or 500m")
	fs.StringVar(&o.memory, "memory", "", "memory request and limit of each shard, e.g. 512Mi")
	// The load flags that shape a run; every shard gets the same.
	fs.Float64Var(&o.load.rate, "rate", 0, "scale the scenario so that its peak, all shards together, is this many requests per second")
	fs.DurationVar(&o.load.duration, "duration", 0, "scale the scenario's stages to last this long in total")
	fs.Uint64Var(&o.load.seed, "seed", 0, "seed of the batches (default: the scenario's, else one drawn now; every shard gets the same)")
	fs.StringVar(&o.tier, "tier", "", "HubSpot tier whose limits the whole run (all shards together) is checked against (default free); with --with-emulator, the emulator's limits (default: the scenario's)")
	fs.BoolVar(&o.load.allowOverQuota, "allow-over-quota", false, "run a plan beyond the tier's burst limit or daily budget")
	var account accountFlags
	account.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := k8sConfig(fs, o, account, time.Now())
	if err != nil {
		return err
	}
	return k8s.Render(stdout, cfg)
}

// k8sConfig checks the flags and turns them into the manifests' config.
// now is the clock --start-in counts from.
func k8sConfig(fs *flag.FlagSet, o k8sOptions, account accountFlags, now time.Time) (k8s.Config, error) {
	var cfg k8s.Config
	switch {
	case o.shards < 1 || o.shards > results.MaxShards:
		return cfg, usagef("--shards %d is out of range: give the number of pods, 1 to %d", o.shards, results.MaxShards)
	case o.runID == "":
		return cfg, usagef("--run-id is required: it names the objects and the results folder, e.g. --run-id nightly-42")
	case o.image == "" || strings.ContainsAny(o.image, " \t\n"):
		return cfg, usagef("--image is required: an image whose entrypoint is upsertbench, e.g. --image ghcr.io/OWNER/upsertbench:v1.2.0 (see the Dockerfile)")
	case !k8s.ValidName(o.claim):
		return cfg, usagef("--claim %q is not a valid PersistentVolumeClaim name (lower-case letters, digits, '-' and '.')", o.claim)
	case !k8s.ValidName(o.secret):
		return cfg, usagef("--secret %q is not a valid Secret name (lower-case letters, digits, '-' and '.')", o.secret)
	case o.namespace != "" && k8s.ValidRunID(o.namespace) != nil:
		return cfg, usagef("--namespace %q is not a valid namespace (a DNS label)", o.namespace)
	case o.maxStartLag <= 0:
		return cfg, usagef("--max-start-lag %s must be positive (e.g. 2s)", o.maxStartLag)
	case o.maxSkew <= 0:
		return cfg, usagef("--max-skew %s must be positive (e.g. 2s)", o.maxSkew)
	case o.cpu != "" && !quantity.MatchString(o.cpu):
		return cfg, usagef("--cpu %q is not a Kubernetes quantity: e.g. 1, 1.5 or 500m", o.cpu)
	case o.memory != "" && !quantity.MatchString(o.memory):
		return cfg, usagef("--memory %q is not a Kubernetes quantity: e.g. 512Mi or 1Gi", o.memory)
	}
	if err := k8s.ValidRunID(o.runID); err != nil {
		return cfg, usagef("--run-id: %v", err)
	}
	start, err := k8sStart(o.startAt, o.startIn, now)
	if err != nil {
		return cfg, err
	}

	sc, err := loadScenario(o.load, fs)
	if err != nil {
		return cfg, err
	}
	var file *k8s.File
	scenarioArg := sc.Name
	if !strings.HasPrefix(sc.Source, "builtin:") {
		data, err := os.ReadFile(sc.Source)
		if err != nil {
			return cfg, usagef("--scenario: %v", err)
		}
		file = &k8s.File{Name: filepath.Base(sc.Source), Data: string(data)}
		if err := k8s.ValidFileName(file.Name); err != nil {
			return cfg, usagef("--scenario: rename the file: %v", err)
		}
		if len(data) > k8s.MaxConfigMapBytes {
			return cfg, usagef("--scenario %s is %d bytes, more than a ConfigMap holds (%d)", sc.Source, len(data), k8s.MaxConfigMapBytes)
		}
		scenarioArg = k8s.ScenarioPath(*file)
	}

	// The quota planner guards a real account: it checks the whole run,
	// every shard together, before anything is applied, and each shard
	// checks it again. An emulator of the run's own is no account: it
	// enforces its tier's limits with 429s, which is what a scenario like
	// rate-limit is for.
	var tier hubspot.Tier
	if o.tier != "" {
		if tier, err = hubspot.ParseTier(o.tier); err != nil {
			return cfg, usagef("--tier: %v", err)
		}
	}
	plan := load.PlanFor(sc, results.Shard{Index: 1, Count: o.shards})
	allowOverQuota := o.load.allowOverQuota || o.withEmulator
	if !allowOverQuota {
		if err := plan.Check(cmp.Or(tier, hubspot.TierFree)); err != nil {
			return cfg, usagef("%v", err)
		}
	}
	seed := sc.Seed
	if seed == 0 {
		// Every shard must draw the same batches' keys and values from one
		// seed; a scenario without one gets one now, written into the args.
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])>>1 | 1
	}

	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	runDir := k8s.RunDir(o.runID)
	shardArgs := []string{"load",
		"--scenario", scenarioArg,
		"--shard", fmt.Sprintf("%s/%d", results.ShardAuto, o.shards),
		"--start-at", start.Format(time.RFC3339),
		"--max-start-lag", o.maxStartLag.String(),
		"--out", runDir,
		"--seed", strconv.FormatUint(seed, 10),
		"--allow-remote", // the target is never on the pod's own loopback
	}
	if set["rate"] {
		shardArgs = append(shardArgs, "--rate", strconv.FormatFloat(o.load.rate, 'g', -1, 64))
	}
	if set["duration"] {
		shardArgs = append(shardArgs, "--duration", o.load.duration.String())
	}
	if tier != "" {
		shardArgs = append(shardArgs, "--tier", string(tier))
	}
	if allowOverQuota {
		shardArgs = append(shardArgs, "--allow-over-quota")
	}
	for _, id := range account.owners {
		shardArgs = append(shardArgs, "--owner-id", id)
	}
	for _, id := range account.queues {
		shardArgs = append(shardArgs, "--queue-id", id)
	}

	cfg = k8s.Config{
		RunID: o.runID, Namespace: o.namespace, Image: o.image, Shards: o.shards,
		ShardArgs: shardArgs,
		ReportArgs: []string{"report",
			"--in", runDir,
			"--expect-shards", strconv.Itoa(o.shards),
			"--max-skew", o.maxSkew.String(),
			"--out", k8s.ReportDir(o.runID),
		},
		ShardEnv: []k8s.Env{
			{Name: target.EnvTarget, SecretKey: secretKeyTarget},
			{Name: target.EnvToken, SecretKey: secretKeyToken},
		},
		Secret: o.secret, Claim: o.claim, Scenario: file,
		Deadline:         k8sDeadline(start.Sub(now), sc),
		FailJobExitCodes: []int{exitUsage, exitLateStart},
		ShardResources:   k8s.Resources{CPU: o.cpu, Memory: o.memory},
	}
	if o.withEmulator {
		cfg.ShardEnv[0] = k8s.Env{Name: target.EnvTarget, Value: k8s.EmulatorURL(o.runID)}
		cfg.EmulatorEnv = []k8s.Env{{Name: target.EnvToken, SecretKey: secretKeyToken}}
		cfg.EmulatorArgs = []string{"emulate",
			"--addr", fmt.Sprintf("0.0.0.0:%d", k8s.DefaultEmulatorPort),
			"--scenario", scenarioArg,
		}
		if tier != "" {
			cfg.EmulatorArgs = append(cfg.EmulatorArgs, "--tier", string(tier))
		}
	}
	cfg.Comment = k8sComment(o, load.PlanFor(sc, results.Shard{}), seed, start, cfg)
	return cfg, nil
}

// quantity is the shape of a Kubernetes resource quantity (a subset:
// decimal number and an optional suffix).
var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$`)

// k8sStart resolves --start-at or --start-in (exactly one) to an instant
// after now.
func k8sStart(at string, in time.Duration, now time.Time) (time.Time, error) {
	switch {
	case at == "" && in == 0:
		return time.Time{}, usagef("give the shards a common start: --start-at 2026-12-01T03:00:00Z or --start-in 2m")
	case at != "" && in != 0:
		return time.Time{}, usagef("give either --start-at or --start-in, not both")
	case in < 0:
		return time.Time{}, usagef("--start-in %s must be positive (e.g. 2m)", in)
	case in > 0:
		// Whole seconds read better in the manifests and logs.
		return now.Add(in).Add(time.Second - 1).Truncate(time.Second).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return time.Time{}, usagef("--start-at %q is not an RFC 3339 instant: write e.g. 2026-12-01T03:00:00Z", at)
	}
	if !t.After(now) {
		return time.Time{}, usagef("--start-at %s is not in the future (now %s): every shard would start late; pick a later instant or use --start-in", t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return t.UTC(), nil
}

// k8sDeadline is the shard Job's activeDeadlineSeconds: the wait until the
// start, the plan, one request timeout for the last answers, the stop
// grace and k8sDeadlineMargin.
func k8sDeadline(wait time.Duration, sc *scenarios.Scenario) time.Duration {
	return max(wait, 0) + sc.Duration() + sc.HTTP.Timeout + load.DefaultStopGrace + k8sDeadlineMargin
}

// k8sComment is the header of the output: what the run is (whole is the
// plan of all shards together) and the commands that run it.
func k8sComment(o k8sOptions, whole load.Plan, seed uint64, start time.Time, cfg k8s.Config) []string {
	ns := ""
	if o.namespace != "" {
		ns = " -n " + o.namespace
	}
	job, report := k8s.JobName(o.runID), k8s.ReportJobName(o.runID)
	return []string{
		"upsertbench k8s " + version + ": " + whole.String(),
		fmt.Sprintf("run %s: %d shards, each 1/%d of the rate with keys of its own; seed %d", o.runID, o.shards, o.shards, seed),
		fmt.Sprintf("start at %s: a shard more than %s late sends nothing and exits %d, which fails the Job", start.Format(time.RFC3339), o.maxStartLag, exitLateStart),
		fmt.Sprintf("results: claim %s at %s/shard-<I>/; target and token: Secret %s (keys %s, %s)",
			o.claim, k8s.RunDir(o.runID), o.secret, secretKeyTarget, secretKeyToken),
		"",
		"Save this as run.yaml, then:",
		fmt.Sprintf("  kubectl%s apply -f run.yaml -l %s!=%s", ns, k8s.LabelComponent, k8s.ComponentReport),
		fmt.Sprintf("  kubectl%s wait --for=condition=complete --timeout=%ds job/%s", ns, int64(cfg.Deadline/time.Second), job),
		fmt.Sprintf("  kubectl%s apply -f run.yaml -l %s=%s", ns, k8s.LabelComponent, k8s.ComponentReport),
		fmt.Sprintf("  kubectl%s wait --for=condition=complete --timeout=%ds job/%s; kubectl%s logs job/%s", ns, int64(k8s.DefaultReportDeadline/time.Second), report, ns, report),
	}
}
