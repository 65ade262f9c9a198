// Package core is Twisted's reactor model for Go: one event loop over a
// pluggable readiness backend (see package reactors), its descriptor table
// and dispatch, timers and a deterministic Clock, LoopingCall, the
// lifecycle and its system event triggers, signals, calls from other
// goroutines and a thread pool (CallInThread, DeferToThread,
// BlockingCallFromThread), and TCP transports driving Protocols.
//
// Everything a protocol or Deferred callback touches runs on the reactor's
// goroutine; other goroutines reach the reactor only through
// CallFromThread, BlockingCallFromThread and the thread pool. A loop,
// timer, port, connector or transport method called from another
// goroutine while the loop runs panics with ErrWrongGoroutine.
//
// Nothing a protocol hands to Write is lost because the peer half-closed:
// a protocol that is not a HalfCloseableProtocol is then closed as by
// LoseConnection, after its buffer is flushed. Close releases everything
// the loop owns, Stop or not. ConnectProtocol connects and returns a
// Deferred of the connected protocol.
//
// Results you do not have yet are Deferreds, in package core/deferred.
// The line, netstring and length-prefixed receivers and Echo are in
// core/protocols; StringTransport and Loopback, for testing a protocol
// without sockets, are in core/coretest.
package core
