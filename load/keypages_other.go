//go:build !(linux || darwin || freebsd)

package load

// mapKeyPage: no anonymous mappings here, the pages live on the Go heap.
func mapKeyPage() []keyState { return nil }
