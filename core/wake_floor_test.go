package core

import "testing"

// rawWakeFloor, where the OS has one, starts the floor BenchmarkWakeLatency
// compares the loop's wake-ups with.
var rawWakeFloor func(b *testing.B) (wake, stop func())
