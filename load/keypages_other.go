//go:build !(linux || darwin || freebsd)

package load

// mapPage: no anonymous mappings here, the pages live on the Go heap.
func mapPage[T any](int) []T { return nil }
