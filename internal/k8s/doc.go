// Package k8s writes the Kubernetes manifests of a sharded load run: an
// Indexed Job whose pods are the shards, a second Job that merges and
// judges their results, a ConfigMap carrying a scenario file, and
// optionally an emulator Deployment and Service as the target.
//
// The manifests are rendered from small structs of this package, not from
// k8s.io/api: the binary stays free of the Kubernetes client libraries.
// The tests decode every manifest strictly with the k8s.io/api types
// (unknown or duplicate fields fail), so a field name or type this package
// gets wrong is caught without a cluster; package k8stest holds that
// decoder and a local stand-in for the cluster, for tests only.
//
// Conventions the manifests and the CLI share:
//   - a shard learns its index from JOB_COMPLETION_INDEX (0-based, set by
//     the Job controller in every pod of an Indexed Job): index k runs
//     shard k+1 of N (`upsertbench load --shard auto/N`);
//   - results live on a PersistentVolumeClaim mounted at /results, each
//     run under /results/<run-id>/ and each shard in its own
//     shard-<I>/ folder below it, so no two pods write the same file;
//   - target and token come from a Secret through UPSERTBENCH_TARGET and
//     UPSERTBENCH_TOKEN, never through arguments.
package k8s
