//go:build !linux

package bench

// rawWakeFloor is nil where the suite has no eventfd floor.
var rawWakeFloor wakeTarget
