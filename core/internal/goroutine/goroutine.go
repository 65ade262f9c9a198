// Package goroutine tells goroutines apart cheaply, for the checks that
// catch a loop or a Deferred used from two goroutines at once.
package goroutine

// Current identifies the calling goroutine: two goroutines alive at the
// same time never share a value, and a goroutine keeps its value for its
// whole life. Zero is never returned. Where Cheap is false it parses the
// goroutine's stack header, about a microsecond.
func Current() uintptr { return current() }
