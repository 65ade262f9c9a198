// Package core is Twisted's reactor model for Go: one event loop over a
// pluggable readiness backend (see package reactors), timers, calls from
// other goroutines, a thread pool, Deferreds and Failures, TCP transports
// driving Protocols, line and length-prefixed receivers, and the test
// helpers Twisted users expect (a deterministic Clock, an in-memory
// transport).
//
// Everything a protocol or Deferred callback touches runs on the reactor's
// goroutine; other goroutines reach the reactor only through
// CallFromThread, BlockingCallFromThread and the thread pool.
package core
