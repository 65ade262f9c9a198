//go:build !race

package goroutine

// Race is true in a build with the race detector, where the checks run
// even where Current is not cheap.
const Race = false
