// Package cpuclock measures the process's CPU time (user and system) for
// benchmarks. On a shared, oversubscribed machine wall time per operation
// mostly measures the neighbours; CPU time per operation is what the code
// itself costs, so benchmarks report it next to ns/op.
package cpuclock
