// Package coretest is for testing Protocols without sockets or a reactor,
// as net/http/httptest is to net/http (Twisted's twisted.internet.testing).
// StringTransport records what a protocol writes and how it closes;
// Loopback, LoopbackPair and LoopbackAsync connect a server protocol to a
// client protocol in memory.
package coretest
